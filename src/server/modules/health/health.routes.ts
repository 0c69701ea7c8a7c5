import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonContent, type AppOpenAPI } from '../../http/openapi.ts';

const HealthSchema = z
  .object({ status: z.literal('ok'), database: z.enum(['pglite', 'postgres']), version: z.string(), serverVersion: z.string() })
  .openapi('Health');

const health = createRoute({
  method: 'get',
  path: '/api/health',
  tags: ['health'],
  summary: 'Liveness and database reachability (for load balancers)',
  responses: { 200: jsonContent(HealthSchema, 'Healthy'), ...errorResponses(503) },
});

export function registerHealthRoutes(app: AppOpenAPI) {
  app.openapi(health, async (c) => {
    const { health } = c.var.services;
    return c.json(await health.check(), 200);
  });
}

