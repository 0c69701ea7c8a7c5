import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonBody, jsonContent, uuidParams, type AppOpenAPI } from '../../http/openapi.ts';
import { presentLocation, presentService, presentTerm } from './directory.presenter.ts';
import {
  ClassificationSchema,
  ClassificationViewSchema,
  CreateLocationSchema,
  CreateServiceSchema,
  CreateTermSchema,
  HistorySchema,
  LocationFullSchema,
  LocationQuerySchema,
  ServiceListSchema,
  ServiceQuerySchema,
  ServiceViewSchema,
  TaxonomyViewSchema,
  TermViewSchema,
  UpdateLocationSchema,
  UpdateServiceSchema,
  UpdateTermSchema,
} from './directory.schema.ts';

const tags = ['directory'];
const writeErrors = errorResponses(400, 401, 403, 404, 409, 413, 415);
const TaxonomyParam = z.object({ taxonomyId: z.string().regex(/^[a-z][a-z0-9_]{1,40}$/).openapi({ param: { name: 'taxonomyId', in: 'path' }, example: 'base_category' }) });

const routes = {
  taxonomies: createRoute({ method: 'get', path: '/api/directory/taxonomies', tags, summary: 'Taxonomies with their terms (base categories, provider kinds); public', responses: { 200: jsonContent(z.object({ items: z.array(TaxonomyViewSchema) }), 'Taxonomies') } }),
  createTerm: createRoute({ method: 'post', path: '/api/directory/taxonomies/{taxonomyId}/terms', tags, summary: 'Add a term to a taxonomy (district staff)', request: { params: TaxonomyParam, body: jsonBody(CreateTermSchema) }, responses: { 201: jsonContent(TermViewSchema, 'Created'), ...writeErrors } }),
  updateTerm: createRoute({ method: 'patch', path: '/api/directory/terms/{id}', tags, summary: 'Rename or reorder a term (district staff)', request: { params: uuidParams('id'), body: jsonBody(UpdateTermSchema) }, responses: { 200: jsonContent(TermViewSchema, 'Updated'), ...writeErrors } }),
  listServices: createRoute({ method: 'get', path: '/api/directory/services', tags, summary: 'Offers (visits, courses, activities, consultations, care …) with filters; public', request: { query: ServiceQuerySchema }, responses: { 200: jsonContent(ServiceListSchema, 'Page of services'), ...errorResponses(400) } }),
  getService: createRoute({ method: 'get', path: '/api/directory/services/{id}', tags, summary: 'One offer; public', request: { params: uuidParams('id') }, responses: { 200: jsonContent(ServiceViewSchema, 'Service'), ...errorResponses(400, 404) } }),
  createService: createRoute({ method: 'post', path: '/api/directory/services', tags, summary: 'Add an offer of an organisation in your scope (versioned, audited)', request: { body: jsonBody(CreateServiceSchema) }, responses: { 201: jsonContent(ServiceViewSchema, 'Created'), ...writeErrors } }),
  updateService: createRoute({ method: 'patch', path: '/api/directory/services/{id}', tags, summary: 'Change an offer in your scope (versioned, audited)', request: { params: uuidParams('id'), body: jsonBody(UpdateServiceSchema) }, responses: { 200: jsonContent(ServiceViewSchema, 'Updated'), ...writeErrors } }),
  serviceHistory: createRoute({ method: 'get', path: '/api/directory/services/{id}/history', tags, summary: 'Who changed an offer, when and what (staff in scope)', request: { params: uuidParams('id') }, responses: { 200: jsonContent(HistorySchema, 'Versions, newest first'), ...errorResponses(400, 401, 403, 404) } }),
  listLocations: createRoute({ method: 'get', path: '/api/directory/locations', tags, summary: 'Places where offers are delivered; public', request: { query: LocationQuerySchema }, responses: { 200: jsonContent(z.object({ items: z.array(LocationFullSchema), total: z.number() }), 'Page of locations'), ...errorResponses(400) } }),
  createLocation: createRoute({ method: 'post', path: '/api/directory/locations', tags, summary: 'Add a place of an organisation in your scope; coordinates in WGS-84, GCJ-02 or BD-09 are stored as WGS-84', request: { body: jsonBody(CreateLocationSchema) }, responses: { 201: jsonContent(LocationFullSchema, 'Created'), ...writeErrors } }),
  updateLocation: createRoute({ method: 'patch', path: '/api/directory/locations/{id}', tags, summary: 'Change a place in your scope (versioned, audited)', request: { params: uuidParams('id'), body: jsonBody(UpdateLocationSchema) }, responses: { 200: jsonContent(LocationFullSchema, 'Updated'), ...writeErrors } }),
  locationHistory: createRoute({ method: 'get', path: '/api/directory/locations/{id}/history', tags, summary: 'Who changed a place, when and what (staff in scope)', request: { params: uuidParams('id') }, responses: { 200: jsonContent(HistorySchema, 'Versions, newest first'), ...errorResponses(400, 401, 403, 404) } }),
  classification: createRoute({ method: 'get', path: '/api/directory/organisations/{id}/classification', tags, summary: "An organisation's base categories and provider kind; public", request: { params: uuidParams('id') }, responses: { 200: jsonContent(ClassificationViewSchema, 'Classification'), ...errorResponses(400, 404) } }),
  classify: createRoute({ method: 'put', path: '/api/directory/organisations/{id}/classification', tags, summary: "Set an organisation's base categories and/or provider kind (in your scope)", request: { params: uuidParams('id'), body: jsonBody(ClassificationSchema) }, responses: { 200: jsonContent(ClassificationViewSchema, 'Updated'), ...writeErrors } }),
};

function presentHistory(rows: Awaited<ReturnType<import('./directory.service.ts').DirectoryService['history']>>) {
  return {
    items: rows.map((row) => ({
      version: row.version,
      change: row.change,
      changedAt: new Date(row.changed_at).toISOString(),
      changedBy: row.changed_by ? { userId: row.changed_by, displayName: row.changed_by_name } : null,
      changes: row.changes as Record<string, unknown>,
    })),
  };
}

export function registerDirectoryRoutes(app: AppOpenAPI) {
  app.openapi(routes.taxonomies, async (c) =>
    c.json({ items: (await c.var.services.directory.taxonomies()).map(({ taxonomy, terms }) => ({ id: taxonomy.id, name: taxonomy.name, nameEn: taxonomy.name_en, description: taxonomy.description, terms: terms.map(presentTerm) })) }, 200),
  );
  app.openapi(routes.createTerm, async (c) => c.json(presentTerm(await c.var.services.directory.createTerm(c.var.ctx, c.req.valid('param').taxonomyId, c.req.valid('json'))), 201));
  app.openapi(routes.updateTerm, async (c) => c.json(presentTerm(await c.var.services.directory.updateTerm(c.var.ctx, c.req.valid('param').id, c.req.valid('json'))), 200));
  app.openapi(routes.listServices, async (c) => {
    const { items, total } = await c.var.services.directory.listServices(c.req.valid('query'));
    return c.json({ items: items.map(presentService), total }, 200);
  });
  app.openapi(routes.getService, async (c) => c.json(presentService(await c.var.services.directory.getService(c.req.valid('param').id)), 200));
  app.openapi(routes.createService, async (c) => c.json(presentService(await c.var.services.directory.createService(c.var.ctx, c.req.valid('json'))), 201));
  app.openapi(routes.updateService, async (c) => c.json(presentService(await c.var.services.directory.updateService(c.var.ctx, c.req.valid('param').id, c.req.valid('json'))), 200));
  app.openapi(routes.serviceHistory, async (c) => c.json(presentHistory(await c.var.services.directory.history(c.var.ctx, 'service', c.req.valid('param').id)), 200));
  app.openapi(routes.listLocations, async (c) => {
    const { items, total } = await c.var.services.directory.listLocations(c.req.valid('query'));
    return c.json({ items: items.map(presentLocation), total }, 200);
  });
  app.openapi(routes.createLocation, async (c) => c.json(presentLocation(await c.var.services.directory.createLocation(c.var.ctx, c.req.valid('json'))), 201));
  app.openapi(routes.updateLocation, async (c) => c.json(presentLocation(await c.var.services.directory.updateLocation(c.var.ctx, c.req.valid('param').id, c.req.valid('json'))), 200));
  app.openapi(routes.locationHistory, async (c) => c.json(presentHistory(await c.var.services.directory.history(c.var.ctx, 'location', c.req.valid('param').id)), 200));
  app.openapi(routes.classification, async (c) => c.json(classificationView(await c.var.services.directory.classification(c.req.valid('param').id)), 200));
  app.openapi(routes.classify, async (c) => c.json(classificationView(await c.var.services.directory.classify(c.var.ctx, c.req.valid('param').id, c.req.valid('json'))), 200));
}

function classificationView(value: Awaited<ReturnType<import('./directory.service.ts').DirectoryService['classification']>>) {
  return { organisationId: value.organisationId, baseCategories: value.baseCategories.map(presentTerm), providerKind: value.providerKind ? presentTerm(value.providerKind) : null };
}
