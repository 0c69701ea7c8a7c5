import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import { isDistrictAdmin, requireAdult, type RequestContext } from '../access/actor.ts';
import { insertAuditEvent, listAuditEvents } from './audit.repository.ts';

/** Audit actions in use; names are `<resource>.<verb>`. Reads are logged only for sensitive data (children). */
export type AuditAction =
  | 'auth.sign_in'
  | 'auth.sign_in_failed'
  | 'auth.sign_out'
  | 'auth.register'
  | 'auth.child_mode_enter'
  | 'auth.child_mode_exit'
  | 'auth.child_mode_pin_failed'
  | 'api_token.create'
  | 'api_token.revoke'
  | 'user.create'
  | 'user.update'
  | 'role.grant'
  | 'role.revoke'
  | 'organisation.create'
  | 'organisation.update'
  | 'family.create'
  | 'family.read'
  | 'family.invite'
  | 'family.join'
  | 'family.home_set'
  | 'family.home_clear'
  | 'family.home_read'
  | 'child.create'
  | 'child.update'
  | 'child.read'
  | 'points.award'
  | 'points.reverse'
  | 'points.rating_submit'
  | 'points.rating_read'
  | 'points.redeem'
  | 'points.redemption_update'
  | 'points.term_create'
  | 'points.term_update'
  | 'points.rule_create'
  | 'points.rule_update'
  | 'points.reward_create'
  | 'points.reward_update'
  | 'points.school_event_create'
  | 'points.attendance_record'
  | 'points.guardians_read'
  | 'points.aggregate_read'
  | 'points.handbook_read'
  | 'points.photo_read'
  | 'coverage.create'
  | 'directory.term_create'
  | 'directory.term_update'
  | 'directory.service_create'
  | 'directory.service_update'
  | 'directory.location_create'
  | 'directory.location_update'
  | 'directory.import'
  | 'study.route_create'
  | 'study.route_update'
  | 'study.visit_request'
  | 'study.visit_accept'
  | 'study.visit_decline'
  | 'study.visit_cancel'
  | 'classes.course_create'
  | 'classes.calendar_feed_create'
  | 'classes.calendar_feed_revoke'
  | 'classes.library_file_upload'
  | 'classes.course_update'
  | 'classes.class_create'
  | 'classes.class_update'
  | 'classes.staff_update'
  | 'classes.session_create'
  | 'classes.session_update'
  | 'classes.session_cancel'
  | 'classes.book'
  | 'classes.booking_cancel'
  | 'classes.check_in'
  | 'classes.roster_read'
  | 'classes.roster_enrol'
  | 'classes.roster_withdraw'
  | 'classes.roster_seat'
  | 'classes.export';

/**
 * Writes one audit event. Call it with the same transaction as the change it records, so that the change and its
 * audit row are committed together or not at all.
 */
export async function recordAudit(
  db: Kysely<DB>,
  ctx: RequestContext,
  event: { action: AuditAction; resourceType: string; resourceId: string | null; detail?: Record<string, unknown>; actorUserId?: string | null },
): Promise<void> {
  await insertAuditEvent(db, {
    actorUserId: event.actorUserId !== undefined ? event.actorUserId : (ctx.actor?.userId ?? null),
    actorChildId: ctx.actor?.child?.id ?? null,
    action: event.action,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    ip: ctx.ip,
    detail: event.detail ?? {},
  });
}

export class AuditService {
  constructor(private readonly db: Kysely<DB>) {}

  /** District admins only: the log itself shows who looked at which child. */
  async list(ctx: RequestContext, filter: { limit: number; before?: number; action?: string; resourceType?: string; resourceId?: string }) {
    const actor = requireAdult(ctx);
    if (!isDistrictAdmin(actor)) throw new AppError('forbidden', 'Only district administrators can read the audit log.');
    const rows = await listAuditEvents(this.db, filter);
    return { rows, nextBefore: rows.length === filter.limit ? rows.at(-1)!.id : null };
  }
}
