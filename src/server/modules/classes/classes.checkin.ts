import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/types.ts';
import { AppError, isAppError, type ErrorIssue } from '../../errors.ts';
import { requireAdult, type Actor, type RequestContext } from '../access/actor.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { PointsService } from '../points/points.service.ts';
import { idempotent, type Answer } from './classes.idempotency.ts';
import * as repo from './classes.repository.ts';
import type { ClassesService } from './classes.service.ts';
import type { CheckInMethod } from './classes.tables.ts';
import { passToken, sessionCode, verifyPassToken, verifySessionDigits, verifySessionToken, WINDOW_SECONDS } from './classes.tokens.ts';

const MINUTE = 60_000;
/** Check-in opens this long before a session starts … */
export const CHECKIN_OPENS_BEFORE_MS = 60 * MINUTE;
/** … and guardians can check themselves in until it ends; staff marks made offline sync up to a day later. */
export const MANUAL_SYNC_AFTER_END_MS = 24 * 60 * MINUTE;
const SECRET_KEY = 'classes:checkin_secret';
/** Points-bank refusals that say "this attendance earns nothing", as opposed to a fault worth retrying. */
const NOT_ELIGIBLE = new Set(['points_not_family_guardian', 'points_self_award', 'points_cap_exceeded', 'points_date_out_of_range', 'points_rule_unknown', 'points_no_term', 'forbidden', 'out_of_scope', 'validation_failed', 'not_found']);

export interface CheckInResult {
  sessionId: string;
  guardianUserId: string;
  familyId: string;
  method: CheckInMethod;
  checkedInAt: string;
}

export interface MarkResult {
  guardianUserId: string;
  status: 'checked_in' | 'already_checked_in' | 'not_on_roster';
  checkedInAt: string | null;
}

/**
 * Check-in for class sessions: a rotating code staff show (scanned or typed by guardians), a guardian's rotating
 * pass staff scan, and the staff list marked by hand (offline-tolerant: marks sync later with an Idempotency-Key).
 * Attendance is written with an outbox row (`class_attendance_events`) in the same transaction; the outbox hands it
 * on to the points bank right after commit and, failing that, from the worker (several instances share it).
 */
export class ClassCheckIn {
  private secret: Buffer | null = null;
  private readonly points: PointsService;

  constructor(
    private readonly db: Kysely<DB>,
    config: Config,
    private readonly classes: ClassesService,
  ) {
    this.points = new PointsService(db, config);
    const fromEnv = process.env.COEDU_CHECKIN_SECRET?.trim();
    if (fromEnv) {
      if (fromEnv.length < 32) throw new Error('COEDU_CHECKIN_SECRET must be at least 32 characters');
      this.secret = Buffer.from(fromEnv, 'utf8');
    }
  }

  /**
   * The HMAC key of check-in codes: COEDU_CHECKIN_SECRET, or else one random secret stored in the database on first
   * use, so that every instance on the same database agrees without configuration.
   */
  async key(): Promise<Buffer> {
    if (this.secret) return this.secret;
    await this.db
      .insertInto('app_meta')
      .values({ key: SECRET_KEY, value: JSON.stringify(randomBytes(32).toString('base64')) })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await this.db.selectFrom('app_meta').select('value').where('key', '=', SECRET_KEY).executeTakeFirstOrThrow();
    this.secret = Buffer.from(row.value as string, 'base64');
    return this.secret;
  }

  private async staffSession(actor: Actor, sessionId: string) {
    const s = await repo.findSession(this.db, sessionId);
    if (!s) throw new AppError('not_found', 'No such session.');
    if (!(await this.classes.mayRunClass(actor, { id: s.class_id, organisation_id: s.organisation_id, organisation_kind: s.organisation_kind, organisation_division_code: s.organisation_division_code }))) {
      throw new AppError('out_of_scope', 'Only the staff of this class run its check-in.');
    }
    return s;
  }

  private assertOpen(s: repo.SessionRow, now: number, until: 'end' | 'sync') {
    if (s.status === 'cancelled') throw new AppError('class_session_cancelled');
    const opens = new Date(s.starts_at).getTime() - CHECKIN_OPENS_BEFORE_MS;
    const closes = new Date(s.ends_at).getTime() + (until === 'sync' ? MANUAL_SYNC_AFTER_END_MS : 0);
    if (now < opens) throw new AppError('class_checkin_closed', `Check-in opens ${CHECKIN_OPENS_BEFORE_MS / MINUTE} minutes before the session starts.`);
    if (now > closes) throw new AppError('class_checkin_closed', 'The session is over.');
  }

  /** The rotating code staff show on screen (and its 6-digit form). */
  async sessionCode(ctx: RequestContext, sessionId: string) {
    const actor = requireAdult(ctx);
    const s = await this.staffSession(actor, sessionId);
    const now = Date.now();
    this.assertOpen(s, now, 'end');
    const code = sessionCode(await this.key(), sessionId, now);
    return { sessionId, token: code.token, digits: code.digits, windowSeconds: WINDOW_SECONDS, rotatesAt: code.rotatesAt.toISOString(), expiresAt: code.expiresAt.toISOString() };
  }

  /** The guardian's own rotating pass for a session they are on the roster of. */
  async pass(ctx: RequestContext, sessionId: string) {
    const actor = requireAdult(ctx);
    const s = await repo.findSession(this.db, sessionId);
    if (!s) throw new AppError('not_found', 'No such session.');
    const place = await rosterPlace(this.db, s, actor.userId);
    if (!place) throw new AppError('class_not_on_roster');
    const now = Date.now();
    this.assertOpen(s, now, 'end');
    const p = passToken(await this.key(), sessionId, actor.userId, now);
    return { sessionId, guardianUserId: actor.userId, token: p.token, windowSeconds: WINDOW_SECONDS, rotatesAt: p.rotatesAt.toISOString(), expiresAt: p.expiresAt.toISOString() };
  }

  /** A guardian scans (or types) the session code. */
  async selfCheckIn(ctx: RequestContext, key: string, input: { token: string } | { sessionId: string; digits: string }): Promise<Answer<CheckInResult>> {
    const actor = requireAdult(ctx);
    const answer = await idempotent<CheckInResult>(this.db, { userId: actor.userId, key, operation: 'check_in', request: input }, async (trx) => {
      const now = Date.now();
      const secret = await this.key();
      let sessionId: string;
      if ('token' in input) {
        const check = verifySessionToken(secret, input.token, now);
        if (!check.ok) throw tokenError(check.reason, 'token');
        sessionId = check.value.sessionId;
      } else {
        const check = verifySessionDigits(secret, input.sessionId, input.digits, now);
        if (!check.ok) throw tokenError(check.reason, 'digits');
        sessionId = input.sessionId;
      }
      const s = await repo.findSession(trx, sessionId);
      if (!s) throw new AppError('class_checkin_token_invalid', 'The code names no session.');
      this.assertOpen(s, now, 'end');
      const place = await rosterPlace(trx, s, actor.userId);
      if (!place) throw new AppError('class_not_on_roster');
      const recorded = await this.record(trx, ctx, s, actor.userId, place, 'qr_self', actor.userId, new Date(now));
      if (!recorded) throw new AppError('class_already_checked_in');
      return { status: 201, body: recorded };
    });
    if (!answer.replayed) await this.deliverSoon();
    return answer;
  }

  /** Staff scan a guardian's pass. */
  async staffScan(ctx: RequestContext, sessionId: string, key: string, input: { token: string }): Promise<Answer<CheckInResult>> {
    const actor = requireAdult(ctx);
    const s = await this.staffSession(actor, sessionId);
    const answer = await idempotent<CheckInResult>(this.db, { userId: actor.userId, key, operation: 'check_in_scan', request: { sessionId, ...input } }, async (trx) => {
      const now = Date.now();
      const check = verifyPassToken(await this.key(), input.token, now);
      if (!check.ok) throw tokenError(check.reason, 'token');
      if (check.value.sessionId !== sessionId) throw new AppError('class_checkin_token_invalid', 'This pass is for another session.', { issues: [{ path: 'token', message: 'Another session' }] });
      this.assertOpen(s, now, 'end');
      const place = await rosterPlace(trx, s, check.value.guardianUserId);
      if (!place) throw new AppError('class_not_on_roster');
      const recorded = await this.record(trx, ctx, s, check.value.guardianUserId, place, 'qr_staff', actor.userId, new Date(now));
      if (!recorded) throw new AppError('class_already_checked_in');
      return { status: 201, body: recorded };
    });
    if (!answer.replayed) await this.deliverSoon();
    return answer;
  }

  /**
   * Marks from the staff list, possibly made offline: each mark keeps the time it was made. The batch is answered
   * mark by mark (already checked in, not on the roster) rather than refused as a whole, so that a sync never
   * loses the good marks; its Idempotency-Key makes a re-sent batch harmless.
   */
  async manualMarks(ctx: RequestContext, sessionId: string, key: string, input: { marks: { guardianUserId: string; at?: string }[] }): Promise<Answer<{ sessionId: string; results: MarkResult[] }>> {
    const actor = requireAdult(ctx);
    const s = await this.staffSession(actor, sessionId);
    const ids = input.marks.map((m) => m.guardianUserId);
    if (new Set(ids).size !== ids.length) throw new AppError('validation_failed', 'A guardian is marked twice.', { issues: [{ path: 'marks', message: 'Duplicate guardian' }] });
    const answer = await idempotent(this.db, { userId: actor.userId, key, operation: 'check_in_marks', request: { sessionId, ...input } }, async (trx) => {
      const now = Date.now();
      this.assertOpen(s, now, 'sync');
      const issues: ErrorIssue[] = [];
      const opens = new Date(s.starts_at).getTime() - CHECKIN_OPENS_BEFORE_MS;
      input.marks.forEach((m, i) => {
        if (!m.at) return;
        const at = new Date(m.at).getTime();
        if (at < opens || at > now + MINUTE || at > new Date(s.ends_at).getTime() + 30 * MINUTE) issues.push({ path: `marks.${i}.at`, message: 'Not during the session' });
      });
      if (issues.length > 0) throw new AppError('validation_failed', 'A mark is dated outside the session.', { issues });
      const results: MarkResult[] = [];
      for (const m of input.marks) {
        if (m.guardianUserId === actor.userId) {
          results.push({ guardianUserId: m.guardianUserId, status: 'not_on_roster', checkedInAt: null });
          continue;
        }
        const place = await rosterPlace(trx, s, m.guardianUserId);
        if (!place) {
          results.push({ guardianUserId: m.guardianUserId, status: 'not_on_roster', checkedInAt: null });
          continue;
        }
        const at = m.at ? new Date(m.at) : new Date(now);
        const recorded = await this.record(trx, ctx, s, m.guardianUserId, place, 'manual', actor.userId, at);
        if (recorded) results.push({ guardianUserId: m.guardianUserId, status: 'checked_in', checkedInAt: recorded.checkedInAt });
        else {
          const existing = await trx.selectFrom('class_attendance').select('checked_in_at').where('session_id', '=', s.id).where('guardian_user_id', '=', m.guardianUserId).executeTakeFirst();
          results.push({ guardianUserId: m.guardianUserId, status: 'already_checked_in', checkedInAt: existing ? new Date(existing.checked_in_at).toISOString() : null });
        }
      }
      return { status: 200, body: { sessionId, results } };
    });
    if (!answer.replayed) await this.deliverSoon();
    return answer;
  }

  /** Writes the attendance row and its outbox event; null when the guardian was already checked in. */
  private async record(trx: Kysely<DB>, ctx: RequestContext, s: repo.SessionRow, guardianUserId: string, place: RosterPlace, method: CheckInMethod, markedBy: string, at: Date): Promise<CheckInResult | null> {
    const row = await trx
      .insertInto('class_attendance')
      .values({ session_id: s.id, guardian_user_id: guardianUserId, family_id: place.familyId, booking_id: place.bookingId, enrolment_id: place.enrolmentId, method, marked_by: markedBy, checked_in_at: at })
      .onConflict((oc) => oc.columns(['session_id', 'guardian_user_id']).doNothing())
      .returning(['checked_in_at'])
      .executeTakeFirst();
    if (!row) return null;
    const atSchool = s.organisation_kind === 'school';
    await trx
      .insertInto('class_attendance_events')
      .values({
        session_id: s.id,
        class_id: s.class_id,
        organisation_id: s.organisation_id,
        organisation_kind: s.organisation_kind,
        guardian_user_id: guardianUserId,
        family_id: place.familyId,
        held_on: s.held_on,
        title: s.class_title,
        staff_user_id: method === 'qr_self' ? null : markedBy,
        status: atSchool ? 'pending' : 'held',
        result: atSchool ? null : JSON.stringify({ reason: 'The points bank credits parent classes held at schools; attendance at a community parent school waits here for a community rule.' }),
      })
      .onConflict((oc) => oc.columns(['session_id', 'guardian_user_id']).doNothing())
      .execute();
    await recordAudit(trx, ctx, { action: 'classes.check_in', resourceType: 'class_session', resourceId: s.id, detail: { guardianUserId, familyId: place.familyId, method } });
    return { sessionId: s.id, guardianUserId, familyId: place.familyId, method, checkedInAt: new Date(row.checked_in_at).toISOString() };
  }

  // ---- attendance → points -----------------------------------------------------------------------------------------

  /** Hands new events on right after a check-in commits (best effort: the worker retries what is left). */
  private async deliverSoon() {
    await this.processAttendanceEvents().catch(() => 0);
  }

  /**
   * Delivers pending attendance events to the points bank. Events are leased with one UPDATE … FOR UPDATE SKIP
   * LOCKED (so instances never take the same event), then handed on one by one outside any transaction
   * (attendanceEvent is idempotent per session and guardian, so a delivery repeated after a crash credits nothing
   * twice). Returns how many were settled.
   */
  async processAttendanceEvents(batch = 50): Promise<number> {
    const leased = await sql<{ id: string; session_id: string; organisation_id: string; guardian_user_id: string; held_on: string; title: string; staff_user_id: string | null; class_id: string; attempts: number }>`
      update class_attendance_events set attempts = attempts + 1, next_attempt_at = now() + interval '5 minutes'
      where id in (
        select id from class_attendance_events where status = 'pending' and next_attempt_at <= now()
        order by next_attempt_at, seq limit ${batch} for update skip locked)
      returning id, session_id, organisation_id, guardian_user_id, held_on::text as held_on, title, staff_user_id, class_id, attempts`.execute(this.db);
    let settled = 0;
    for (const event of leased.rows) {
      const staffId = await this.deliveringStaff(event);
      let outcome: { status: 'delivered' | 'not_eligible' | 'pending' | 'failed'; error: string | null; result: unknown };
      if (!staffId) outcome = { status: 'not_eligible', error: 'no_school_staff', result: { reason: 'No teacher or school administrator to record the attendance in the name of' } };
      else {
        try {
          const facts = (await repo.actorFacts(this.db, staffId))!;
          const ctx: RequestContext = {
            actor: { userId: staffId, displayName: facts.user.display_name, grants: facts.grants.map((g) => ({ id: g.id, role: g.role, scopeType: g.scope_type, scopeId: g.scope_id })), familyIds: facts.familyIds, child: null, via: 'session', sessionId: null },
            authFailure: null,
            ip: null,
            userAgent: 'classes-attendance-outbox',
          };
          const { results } = await this.points.attendanceEvent(ctx, { schoolId: event.organisation_id, kind: 'parent_class', title: event.title, heldOn: event.held_on, sourceRef: `class_session:${event.session_id}` }, [event.guardian_user_id]);
          outcome = { status: 'delivered', error: null, result: results[0] ?? null };
        } catch (error) {
          if (isAppError(error) && NOT_ELIGIBLE.has(error.id)) outcome = { status: 'not_eligible', error: error.id, result: { message: error.message } };
          else outcome = { status: event.attempts >= 8 ? 'failed' : 'pending', error: error instanceof Error ? error.message.slice(0, 500) : String(error), result: null };
        }
      }
      await this.db
        .updateTable('class_attendance_events')
        .set({
          status: outcome.status,
          last_error: outcome.error,
          result: outcome.result === null ? null : JSON.stringify(outcome.result),
          delivered_at: outcome.status === 'delivered' ? sql`now()` : null,
          next_attempt_at: outcome.status === 'pending' ? sql`now() + make_interval(mins => ${Math.min(2 ** event.attempts, 240)})` : sql`next_attempt_at`,
        })
        .where('id', '=', event.id)
        .execute();
      if (outcome.status !== 'pending') settled++;
    }
    return settled;
  }

  /**
   * The staff member in whose name attendance is recorded at the points bank: whoever marked it, else the class's
   * staff or creator, else a school administrator — someone holding a school role there.
   */
  private async deliveringStaff(event: { staff_user_id: string | null; class_id: string; organisation_id: string; guardian_user_id: string }) {
    const candidates = await sql<{ user_id: string }>`
      select g.user_id from role_grants g
      where g.scope_type = 'organisation' and g.scope_id = ${event.organisation_id} and g.role in ('school_admin', 'teacher')
        and g.user_id <> ${event.guardian_user_id}
      order by (g.user_id = ${event.staff_user_id ?? event.guardian_user_id}) desc,
               exists (select 1 from class_staff s where s.class_id = ${event.class_id} and s.user_id = g.user_id) desc,
               exists (select 1 from classes k where k.id = ${event.class_id} and k.created_by = g.user_id) desc,
               (g.role = 'school_admin') desc, g.created_at
      limit 1`.execute(this.db);
    return candidates.rows[0]?.user_id ?? null;
  }
}

function tokenError(reason: 'invalid' | 'expired', path: string) {
  return reason === 'expired'
    ? new AppError('class_checkin_token_expired', undefined, { issues: [{ path, message: 'Expired' }] })
    : new AppError('class_checkin_token_invalid', undefined, { issues: [{ path, message: 'Not a valid code' }] });
}

export interface RosterPlace {
  familyId: string;
  bookingId: string | null;
  enrolmentId: string | null;
}

/** Where a guardian sits on a session's roster: a confirmed booking naming them, or their family's enrolment. */
export async function rosterPlace(db: Kysely<DB>, s: repo.SessionRow, guardianUserId: string): Promise<RosterPlace | null> {
  if (s.class_mode === 'flexible') {
    const b = await db
      .selectFrom('class_bookings')
      .select(['id', 'family_id'])
      .where('session_id', '=', s.id)
      .where('status', '=', 'confirmed')
      .where(sql<boolean>`${guardianUserId}::uuid = any(guardian_user_ids)`)
      .executeTakeFirst();
    return b ? { familyId: b.family_id, bookingId: b.id, enrolmentId: null } : null;
  }
  const e = await db
    .selectFrom('class_enrolments as e')
    .innerJoin('family_guardians as g', 'g.family_id', 'e.family_id')
    .select(['e.id', 'e.family_id'])
    .where('e.class_id', '=', s.class_id)
    .where('e.status', '=', 'active')
    .where('g.user_id', '=', guardianUserId)
    .executeTakeFirst();
  return e ? { familyId: e.family_id, bookingId: null, enrolmentId: e.id } : null;
}
