import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonBody, jsonContent, uuidParams, type AppOpenAPI } from '../../http/openapi.ts';
import { presentDivision, presentOrganisation } from './registry.presenter.ts';
import {
  CreateOrganisationSchema,
  DivisionsQuerySchema,
  DivisionViewSchema,
  OrganisationListSchema,
  OrganisationViewSchema,
  OrgListQuerySchema,
  RegistryMapSchema,
  UpdateOrganisationSchema,
} from './registry.schema.ts';

const tags = ['registry'];

const map = createRoute({
  method: 'get',
  path: '/api/registry/map',
  tags,
  summary: 'District map layers as WGS-84 GeoJSON (outline, illustrative subdistrict areas, communities, organisations)',
  responses: { 200: jsonContent(RegistryMapSchema, 'Map layers'), ...errorResponses(401, 403, 404) },
});
const divisions = createRoute({
  method: 'get',
  path: '/api/registry/divisions',
  tags,
  summary: 'District, subdistricts (街道) and communities (社区) with statistical codes',
  request: { query: DivisionsQuerySchema },
  responses: { 200: jsonContent(z.object({ items: z.array(DivisionViewSchema) }), 'Divisions'), ...errorResponses(400, 401, 403) },
});
const listOrganisations = createRoute({
  method: 'get',
  path: '/api/registry/organisations',
  tags,
  summary: 'Organisations: guidance centre, schools, community parent schools, venues',
  request: { query: OrgListQuerySchema },
  responses: { 200: jsonContent(OrganisationListSchema, 'Page of organisations'), ...errorResponses(400, 401, 403) },
});
const getOrganisation = createRoute({
  method: 'get',
  path: '/api/registry/organisations/{id}',
  tags,
  summary: 'One organisation',
  request: { params: uuidParams('id') },
  responses: { 200: jsonContent(OrganisationViewSchema, 'Organisation'), ...errorResponses(400, 401, 403, 404) },
});
const createOrganisation = createRoute({
  method: 'post',
  path: '/api/registry/organisations',
  tags,
  summary: 'Add an organisation (district staff; community admins within their community). Coordinates are converted to WGS-84.',
  request: { body: jsonBody(CreateOrganisationSchema) },
  responses: { 201: jsonContent(OrganisationViewSchema, 'Created'), ...errorResponses(400, 401, 403, 409, 413, 415) },
});
const updateOrganisation = createRoute({
  method: 'patch',
  path: '/api/registry/organisations/{id}',
  tags,
  summary: 'Change an organisation in your scope (audited, versioned)',
  request: { params: uuidParams('id'), body: jsonBody(UpdateOrganisationSchema) },
  responses: { 200: jsonContent(OrganisationViewSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
});

export function registerRegistryRoutes(app: AppOpenAPI) {
  app.openapi(map, async (c) => c.json(await c.var.services.registry.map(c.var.ctx), 200));

  app.openapi(divisions, async (c) => {
    const rows = await c.var.services.registry.listDivisions(c.var.ctx, c.req.valid('query').level);
    return c.json({ items: rows.map(presentDivision) }, 200);
  });

  app.openapi(listOrganisations, async (c) => {
    const { items, total } = await c.var.services.registry.listOrganisations(c.var.ctx, c.req.valid('query'));
    return c.json({ items: items.map(presentOrganisation), total }, 200);
  });

  app.openapi(getOrganisation, async (c) => c.json(presentOrganisation(await c.var.services.registry.getOrganisation(c.var.ctx, c.req.valid('param').id)), 200));

  app.openapi(createOrganisation, async (c) => c.json(presentOrganisation(await c.var.services.registry.createOrganisation(c.var.ctx, c.req.valid('json'))), 201));

  app.openapi(updateOrganisation, async (c) =>
    c.json(presentOrganisation(await c.var.services.registry.updateOrganisation(c.var.ctx, c.req.valid('param').id, c.req.valid('json'))), 200),
  );
}
