import { z } from '@hono/zod-openapi';

export const AuditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional().openapi({ description: 'Return events with an id lower than this (paging).' }),
  action: z.string().regex(/^[a-z_]+\.[a-z_]+$/).optional().openapi({ example: 'child.read' }),
  resourceType: z.string().regex(/^[a-z_]+$/).optional(),
  resourceId: z.string().max(100).optional(),
});

export const AuditEventSchema = z
  .object({
    id: z.number().int(),
    at: z.string().openapi({ format: 'date-time' }),
    actor: z.object({ userId: z.string(), displayName: z.string().nullable() }).nullable(),
    actorChildId: z.string().nullable(),
    action: z.string(),
    resourceType: z.string(),
    resourceId: z.string().nullable(),
    ip: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEvent');

export const AuditListSchema = z
  .object({ items: z.array(AuditEventSchema), nextBefore: z.number().int().nullable() })
  .openapi('AuditEventList');
