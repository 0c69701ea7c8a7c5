import { createRoute } from '@hono/zod-openapi';
import { errorResponses, jsonContent, type AppOpenAPI } from '../../http/openapi.ts';
import { presentAuditEvent } from './audit.presenter.ts';
import { AuditListSchema, AuditQuerySchema } from './audit.schema.ts';

const listAudit = createRoute({
  method: 'get',
  path: '/api/audit',
  tags: ['audit'],
  summary: 'Audit log (district administrators): sign-ins, permission changes, every read and write of children’s data',
  request: { query: AuditQuerySchema },
  responses: { 200: jsonContent(AuditListSchema, 'Newest first'), ...errorResponses(400, 401, 403) },
});

export function registerAuditRoutes(app: AppOpenAPI) {
  app.openapi(listAudit, async (c) => {
    const { rows, nextBefore } = await c.var.services.audit.list(c.var.ctx, c.req.valid('query'));
    return c.json({ items: rows.map(presentAuditEvent), nextBefore }, 200);
  });
}
