import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../../errors.ts';
import { errorResponses, jsonBody, jsonContent, uuidParams, type AppOpenAPI } from '../../http/openapi.ts';
import { ILLUSTRATIVE_NOTE } from '../registry/registry.service.ts';
import { presentRoute, presentVisit } from './study.presenter.ts';
import {
  CreateRouteSchema,
  DecisionSchema,
  IdempotencyHeaderSchema,
  RouteQuerySchema,
  StudyMapQuerySchema,
  StudyMapSchema,
  StudyRouteListSchema,
  StudyRouteSchema,
  UpdateRouteSchema,
  VisitQuerySchema,
  VisitRequestInputSchema,
  VisitRequestSchema,
} from './study.schema.ts';

const tags = ['study'];
const writeErrors = errorResponses(400, 401, 403, 404, 409, 413, 415);

const routes = {
  map: createRoute({ method: 'get', path: '/api/study/map', tags, summary: 'Research-study map (研学地图): every base by category and designation; public', request: { query: StudyMapQuerySchema }, responses: { 200: jsonContent(StudyMapSchema, 'Bases'), ...errorResponses(400) } }),
  list: createRoute({ method: 'get', path: '/api/study/routes', tags, summary: 'Study-tour route catalogue (published; staff also see their drafts)', request: { query: RouteQuerySchema }, responses: { 200: jsonContent(StudyRouteListSchema, 'Routes'), ...errorResponses(400) } }),
  get: createRoute({ method: 'get', path: '/api/study/routes/{id}', tags, summary: 'One route with stops and walking legs', request: { params: uuidParams('id') }, responses: { 200: jsonContent(StudyRouteSchema, 'Route'), ...errorResponses(400, 404) } }),
  create: createRoute({ method: 'post', path: '/api/study/routes', tags, summary: 'Compose a route: ordered stops; walking legs, minutes and climb from the 15-minute engine', request: { body: jsonBody(CreateRouteSchema) }, responses: { 201: jsonContent(StudyRouteSchema, 'Created'), ...writeErrors } }),
  update: createRoute({ method: 'patch', path: '/api/study/routes/{id}', tags, summary: 'Change, publish or archive a route (author or district staff)', request: { params: uuidParams('id'), body: jsonBody(UpdateRouteSchema) }, responses: { 200: jsonContent(StudyRouteSchema, 'Updated'), ...writeErrors } }),
  requestVisit: createRoute({ method: 'post', path: '/api/study/visit-requests', tags, summary: 'A school requests a group visit to a base (Idempotency-Key required)', request: { headers: IdempotencyHeaderSchema, body: jsonBody(VisitRequestInputSchema) }, responses: { 201: jsonContent(VisitRequestSchema, 'Requested (or the earlier answer to the same key)'), ...writeErrors } }),
  listVisits: createRoute({ method: 'get', path: '/api/study/visit-requests', tags, summary: "Visit requests of my school, or to my base", request: { query: VisitQuerySchema }, responses: { 200: jsonContent(z.object({ items: z.array(VisitRequestSchema) }), 'Requests'), ...errorResponses(400, 401, 403) } }),
  accept: createRoute({ method: 'post', path: '/api/study/visit-requests/{id}/accept', tags, summary: "The base accepts, within the offer's capacity that day", request: { params: uuidParams('id'), body: jsonBody(DecisionSchema) }, responses: { 200: jsonContent(VisitRequestSchema, 'Accepted'), ...writeErrors } }),
  decline: createRoute({ method: 'post', path: '/api/study/visit-requests/{id}/decline', tags, summary: 'The base declines', request: { params: uuidParams('id'), body: jsonBody(DecisionSchema) }, responses: { 200: jsonContent(VisitRequestSchema, 'Declined'), ...writeErrors } }),
  cancel: createRoute({ method: 'post', path: '/api/study/visit-requests/{id}/cancel', tags, summary: 'The requesting school cancels', request: { params: uuidParams('id'), body: jsonBody(DecisionSchema) }, responses: { 200: jsonContent(VisitRequestSchema, 'Cancelled'), ...writeErrors } }),
};

export function registerStudyRoutes(app: AppOpenAPI) {
  app.openapi(routes.map, async (c) => {
    const { bases, terms } = await c.var.services.study.studyMap(c.req.valid('query'));
    const termsOf = (id: string, taxonomy: string) => terms.filter((t) => t.link_id === id && t.taxonomy_id === taxonomy).map((t) => ({ code: t.code, name: t.name, nameEn: t.name_en }));
    return c.json(
      {
        type: 'FeatureCollection' as const,
        crs: 'WGS-84' as const,
        illustrativeNote: ILLUSTRATIVE_NOTE,
        features: bases.map((b) => ({
          type: 'Feature' as const,
          geometry: { type: 'Point', coordinates: [b.lon, b.lat] },
          properties: { id: b.id, name: b.name, kind: b.kind, illustrative: b.location_illustrative, categories: termsOf(b.id, 'base_category'), designations: termsOf(b.id, 'designation') },
        })),
      },
      200,
    );
  });
  app.openapi(routes.list, async (c) => {
    const { items, total } = await c.var.services.study.listRoutes(c.var.ctx, c.req.valid('query'));
    return c.json({ items: items.map(presentRoute), total }, 200);
  });
  app.openapi(routes.get, async (c) => c.json(presentRoute(await c.var.services.study.getRoute(c.var.ctx, c.req.valid('param').id)), 200));
  app.openapi(routes.create, async (c) => c.json(presentRoute(await c.var.services.study.createRoute(c.var.ctx, c.req.valid('json'))), 201));
  app.openapi(routes.update, async (c) => c.json(presentRoute(await c.var.services.study.updateRoute(c.var.ctx, c.req.valid('param').id, c.req.valid('json'))), 200));
  app.openapi(routes.requestVisit, async (c) => {
    const key = c.req.valid('header')['idempotency-key'];
    if (!key) throw new AppError('idempotency_key_required');
    return c.json(presentVisit(await c.var.services.study.requestVisit(c.var.ctx, key, c.req.valid('json'))), 201);
  });
  app.openapi(routes.listVisits, async (c) => c.json({ items: (await c.var.services.study.listVisits(c.var.ctx, c.req.valid('query'))).map(presentVisit) }, 200));
  app.openapi(routes.accept, async (c) => c.json(presentVisit(await c.var.services.study.decideVisit(c.var.ctx, c.req.valid('param').id, 'accept', c.req.valid('json').note ?? null)), 200));
  app.openapi(routes.decline, async (c) => c.json(presentVisit(await c.var.services.study.decideVisit(c.var.ctx, c.req.valid('param').id, 'decline', c.req.valid('json').note ?? null)), 200));
  app.openapi(routes.cancel, async (c) => c.json(presentVisit(await c.var.services.study.cancelVisit(c.var.ctx, c.req.valid('param').id, c.req.valid('json').note ?? null)), 200));
}
