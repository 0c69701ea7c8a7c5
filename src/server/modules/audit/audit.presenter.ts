import type { z } from '@hono/zod-openapi';
import type { AuditEventListRow } from './audit.repository.ts';
import type { AuditEventSchema } from './audit.schema.ts';

export function presentAuditEvent(row: AuditEventListRow): z.infer<typeof AuditEventSchema> {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    actor: row.actor_user_id ? { userId: row.actor_user_id, displayName: row.actor_display_name } : null,
    actorChildId: row.actor_child_id,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    ip: row.ip,
    detail: (row.detail ?? {}) as Record<string, unknown>,
  };
}
