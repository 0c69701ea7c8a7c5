import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.ts';

export interface NewAuditEvent {
  actorUserId: string | null;
  actorChildId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
}

export async function insertAuditEvent(db: Kysely<DB>, event: NewAuditEvent): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      actor_user_id: event.actorUserId,
      actor_child_id: event.actorChildId,
      action: event.action,
      resource_type: event.resourceType,
      resource_id: event.resourceId,
      ip: event.ip,
      detail: JSON.stringify(event.detail),
    })
    .execute();
}

export async function listAuditEvents(
  db: Kysely<DB>,
  filter: { limit: number; before?: number; action?: string; resourceType?: string; resourceId?: string },
) {
  let query = db
    .selectFrom('audit_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .select([
      'e.id',
      'e.at',
      'e.actor_user_id',
      'e.actor_child_id',
      'u.display_name as actor_display_name',
      'e.action',
      'e.resource_type',
      'e.resource_id',
      'e.ip',
      'e.detail',
    ])
    .orderBy('e.id', 'desc')
    .limit(filter.limit);
  if (filter.before !== undefined) query = query.where('e.id', '<', filter.before);
  if (filter.action) query = query.where('e.action', '=', filter.action);
  if (filter.resourceType) query = query.where('e.resource_type', '=', filter.resourceType);
  if (filter.resourceId) query = query.where('e.resource_id', '=', filter.resourceId);
  return query.execute();
}

export type AuditEventListRow = Awaited<ReturnType<typeof listAuditEvents>>[number];
