import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonBody, jsonContent, uuidParams, type AppOpenAPI } from '../../http/openapi.ts';
import { presentCoverageCells, presentCoverageRun } from './reach.presenter.ts';
import {
  CatchmentCollectionSchema,
  CatchmentQuerySchema,
  CoverageCellsSchema,
  CoverageRunSchema,
  CreateCoverageRunSchema,
  GapRequestSchema,
  GapResultSchema,
  IsochroneCollectionSchema,
  IsochroneQuerySchema,
  ReachStatusSchema,
  RouteQuerySchema,
  RouteSchema,
  RunsQuerySchema,
} from './reach.schema.ts';

const tags = ['reach'];

const status = createRoute({
  method: 'get',
  path: '/api/reach/status',
  tags,
  summary: 'How walking times are computed here: on a street graph (network) or by estimate',
  responses: { 200: jsonContent(ReachStatusSchema, 'Engine status'), ...errorResponses(401, 403) },
});
const isochrone = createRoute({
  method: 'get',
  path: '/api/reach/isochrones',
  tags,
  summary: 'Walking isochrones (default 5/10/15 min) from a point, as WGS-84 GeoJSON that follows the streets',
  request: { query: IsochroneQuerySchema },
  responses: { 200: jsonContent(IsochroneCollectionSchema, 'Band polygons (cumulative)'), ...errorResponses(400, 401, 403), 422: jsonContent(z.any(), 'point_outside_graph') },
});
const walkRoute = createRoute({
  method: 'get',
  path: '/api/reach/route',
  tags,
  summary: 'Walking route between two points with distance, climb and minutes',
  request: { query: RouteQuerySchema },
  responses: { 200: jsonContent(RouteSchema, 'Route'), ...errorResponses(400, 401, 403), 422: jsonContent(z.any(), 'point_outside_graph or no_route') },
});
const catchments = createRoute({
  method: 'get',
  path: '/api/reach/catchments',
  tags,
  summary: 'The area within N walking minutes of each organisation (filter by kind or division)',
  request: { query: CatchmentQuerySchema },
  responses: { 200: jsonContent(CatchmentCollectionSchema, 'One polygon per organisation'), ...errorResponses(400, 401, 403) },
});
const createRun = createRoute({
  method: 'post',
  path: '/api/reach/coverage-runs',
  tags,
  summary: 'Compute and store district coverage: a grid of cells with minutes to the nearest organisation of each kind (district staff)',
  request: { body: jsonBody(CreateCoverageRunSchema) },
  responses: { 201: jsonContent(CoverageRunSchema, 'Stored run with district, subdistrict and community summaries'), ...errorResponses(400, 401, 403, 409, 413, 415) },
});
const listRuns = createRoute({
  method: 'get',
  path: '/api/reach/coverage-runs',
  tags,
  summary: 'Stored coverage runs, newest first (staff)',
  request: { query: RunsQuerySchema },
  responses: { 200: jsonContent(z.object({ items: z.array(CoverageRunSchema) }), 'Runs'), ...errorResponses(400, 401, 403) },
});
const getRun = createRoute({
  method: 'get',
  path: '/api/reach/coverage-runs/{id}',
  tags,
  summary: 'One coverage run with its summaries (staff)',
  request: { params: uuidParams('id') },
  responses: { 200: jsonContent(CoverageRunSchema, 'Run'), ...errorResponses(400, 401, 403, 404) },
});
const runCells = createRoute({
  method: 'get',
  path: '/api/reach/coverage-runs/{id}/cells',
  tags,
  summary: 'The cells of a coverage run as a GeoJSON map layer (staff)',
  request: { params: uuidParams('id') },
  responses: { 200: jsonContent(CoverageCellsSchema, 'Cells'), ...errorResponses(400, 401, 403, 404) },
});
const gaps = createRoute({
  method: 'post',
  path: '/api/reach/coverage-runs/{id}/gaps',
  tags,
  summary: 'Suggest k new sites that add the most uncovered cells (greedy maximal covering), with coverage before and after (district staff)',
  request: { params: uuidParams('id'), body: jsonBody(GapRequestSchema) },
  responses: { 200: jsonContent(GapResultSchema, 'Suggested sites'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
});

export function registerReachRoutes(app: AppOpenAPI) {
  app.openapi(status, (c) => c.json(c.var.services.reach.status(c.var.ctx), 200));
  app.openapi(isochrone, async (c) => c.json({ ...(await c.var.services.reach.isochrones(c.var.ctx, c.req.valid('query'))), crs: 'WGS-84' as const }, 200));
  app.openapi(walkRoute, async (c) => c.json({ ...(await c.var.services.reach.route(c.var.ctx, c.req.valid('query'))), crs: 'WGS-84' as const }, 200));
  app.openapi(catchments, async (c) => c.json({ ...(await c.var.services.reach.catchments(c.var.ctx, c.req.valid('query'))), crs: 'WGS-84' as const }, 200));
  app.openapi(createRun, async (c) => c.json(presentCoverageRun(await c.var.services.reach.createCoverageRun(c.var.ctx, c.req.valid('json'))), 201));
  app.openapi(listRuns, async (c) => c.json({ items: (await c.var.services.reach.listCoverageRuns(c.var.ctx, c.req.valid('query').limit)).map(presentCoverageRun) }, 200));
  app.openapi(getRun, async (c) => c.json(presentCoverageRun(await c.var.services.reach.getCoverageRun(c.var.ctx, c.req.valid('param').id)), 200));
  app.openapi(runCells, async (c) => {
    const { run, cells } = await c.var.services.reach.coverageCells(c.var.ctx, c.req.valid('param').id);
    return c.json(presentCoverageCells(run, cells), 200);
  });
  app.openapi(gaps, async (c) => c.json(await c.var.services.reach.findGaps(c.var.ctx, c.req.valid('param').id, c.req.valid('json')), 200));
}
