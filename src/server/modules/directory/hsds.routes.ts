import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonContent, uuidParams, type AppOpenAPI } from '../../http/openapi.ts';
import { HSDS_VERSION, hsdsLocation, hsdsOrganisation, hsdsPage, hsdsService, hsdsTaxonomy, hsdsTerm } from './directory.presenter.ts';

const tags = ['hsds'];
const HsdsRecord = z.record(z.string(), z.unknown()).openapi('HsdsRecord');
const HsdsPageSchema = z
  .object({
    total_items: z.number(),
    total_pages: z.number(),
    page_number: z.number(),
    size: z.number(),
    first_page: z.boolean(),
    last_page: z.boolean(),
    empty: z.boolean(),
    contents: z.array(HsdsRecord),
  })
  .openapi('HsdsPage');

const paging = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  per_page: z.coerce.number().int().min(1).max(500).default(50),
  modified_after: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Only records changed after this instant (ISO 8601)' }),
};

const routes = {
  root: createRoute({ method: 'get', path: '/api/hsds', tags, summary: 'HSDS API metadata', responses: { 200: jsonContent(z.object({ version: z.string(), profile: z.string(), openapi_url: z.string() }), 'Metadata') } }),
  services: createRoute({
    method: 'get',
    path: '/api/hsds/services',
    tags,
    summary: 'HSDS 3.0 services, paged, with modified_after',
    request: { query: z.strictObject({ ...paging, search: z.string().trim().max(100).optional(), taxonomy_term_id: z.uuid().optional(), organization_id: z.uuid().optional() }) },
    responses: { 200: jsonContent(HsdsPageSchema, 'Page'), ...errorResponses(400) },
  }),
  service: createRoute({ method: 'get', path: '/api/hsds/services/{id}', tags, summary: 'One HSDS service', request: { params: uuidParams('id') }, responses: { 200: jsonContent(HsdsRecord, 'Service'), ...errorResponses(400, 404) } }),
  organizations: createRoute({ method: 'get', path: '/api/hsds/organizations', tags, summary: 'HSDS 3.0 organizations, paged', request: { query: z.strictObject(paging) }, responses: { 200: jsonContent(HsdsPageSchema, 'Page'), ...errorResponses(400) } }),
  organization: createRoute({ method: 'get', path: '/api/hsds/organizations/{id}', tags, summary: 'One HSDS organization', request: { params: uuidParams('id') }, responses: { 200: jsonContent(HsdsRecord, 'Organization'), ...errorResponses(400, 404) } }),
  locations: createRoute({ method: 'get', path: '/api/hsds/locations', tags, summary: 'HSDS 3.0 locations (WGS-84 latitude/longitude), paged', request: { query: z.strictObject(paging) }, responses: { 200: jsonContent(HsdsPageSchema, 'Page'), ...errorResponses(400) } }),
  location: createRoute({ method: 'get', path: '/api/hsds/locations/{id}', tags, summary: 'One HSDS location', request: { params: uuidParams('id') }, responses: { 200: jsonContent(HsdsRecord, 'Location'), ...errorResponses(400, 404) } }),
  taxonomies: createRoute({ method: 'get', path: '/api/hsds/taxonomies', tags, summary: 'HSDS taxonomies', request: { query: z.strictObject({ page: paging.page, per_page: paging.per_page }) }, responses: { 200: jsonContent(HsdsPageSchema, 'Page'), ...errorResponses(400) } }),
  terms: createRoute({ method: 'get', path: '/api/hsds/taxonomy_terms', tags, summary: 'HSDS taxonomy terms', request: { query: z.strictObject({ ...paging, taxonomy_id: z.string().max(40).optional() }) }, responses: { 200: jsonContent(HsdsPageSchema, 'Page'), ...errorResponses(400) } }),
  exportNdjson: createRoute({
    method: 'get',
    path: '/api/hsds/export.ndjson',
    tags,
    summary: 'Bulk export: every taxonomy, term, organization, location and service, one JSON object per line ({type, record})',
    responses: { 200: { content: { 'application/x-ndjson': { schema: z.string() } }, description: 'NDJSON stream' } },
  }),
};

const since = (value?: string) => (value ? new Date(value) : undefined);

export function registerHsdsRoutes(app: AppOpenAPI) {
  app.openapi(routes.root, (c) => c.json({ version: HSDS_VERSION, profile: 'https://docs.openreferral.org/en/latest/hsds/', openapi_url: '/api/openapi.json' }, 200));
  app.openapi(routes.services, async (c) => {
    const q = c.req.valid('query');
    const { items, total } = await c.var.services.hsds.services({ modifiedAfter: since(q.modified_after), page: q.page, perPage: q.per_page, search: q.search, taxonomyTermId: q.taxonomy_term_id, organizationId: q.organization_id });
    return c.json(hsdsPage(items.map(hsdsService), total, q.page, q.per_page), 200);
  });
  app.openapi(routes.service, async (c) => c.json(hsdsService(await c.var.services.hsds.service(c.req.valid('param').id)), 200));
  app.openapi(routes.organizations, async (c) => {
    const q = c.req.valid('query');
    const { items, total, terms } = await c.var.services.hsds.organizations({ modifiedAfter: since(q.modified_after), page: q.page, perPage: q.per_page });
    return c.json(hsdsPage(items.map((row) => hsdsOrganisation(row, terms)), total, q.page, q.per_page), 200);
  });
  app.openapi(routes.organization, async (c) => {
    const { row, terms } = await c.var.services.hsds.organization(c.req.valid('param').id);
    return c.json(hsdsOrganisation(row, terms), 200);
  });
  app.openapi(routes.locations, async (c) => {
    const q = c.req.valid('query');
    const { items, total } = await c.var.services.hsds.locations({ modifiedAfter: since(q.modified_after), page: q.page, perPage: q.per_page });
    return c.json(hsdsPage(items.map(hsdsLocation), total, q.page, q.per_page), 200);
  });
  app.openapi(routes.location, async (c) => c.json(hsdsLocation(await c.var.services.hsds.location(c.req.valid('param').id)), 200));
  app.openapi(routes.taxonomies, async (c) => {
    const q = c.req.valid('query');
    const all = await c.var.services.hsds.taxonomies();
    return c.json(hsdsPage(all.slice((q.page - 1) * q.per_page, q.page * q.per_page).map(hsdsTaxonomy), all.length, q.page, q.per_page), 200);
  });
  app.openapi(routes.terms, async (c) => {
    const q = c.req.valid('query');
    const { items, total } = await c.var.services.hsds.terms({ taxonomyId: q.taxonomy_id, modifiedAfter: since(q.modified_after), page: q.page, perPage: q.per_page });
    return c.json(hsdsPage(items.map(hsdsTerm), total, q.page, q.per_page), 200);
  });
  app.openapi(routes.exportNdjson, (c) => {
    const encoder = new TextEncoder();
    const records = c.var.services.hsds.exportAll();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await records.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
      },
      async cancel() {
        await records.return(undefined);
      },
    });
    c.header('content-type', 'application/x-ndjson; charset=utf-8');
    c.header('content-disposition', 'attachment; filename="hsds-export.ndjson"');
    return c.body(stream, 200) as never;
  });
}
