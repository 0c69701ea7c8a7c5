import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/types.ts';
import { AppError, type ErrorIssue } from '../../errors.ts';
import {
  canManageOrganisation,
  isDistrictStaff,
  isGuardianOf,
  organisationsWithRole,
  communitiesAdministered,
  requireAdult,
  type Actor,
  type RequestContext,
} from '../access/actor.ts';
import { randomToken, sha256 } from '../../lib/crypto.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { ClassCheckIn } from './classes.checkin.ts';
import { icsCalendar, rosterWorkbook } from './classes.exports.ts';
import { idempotent, type Answer } from './classes.idempotency.ts';
import { presentBooking, presentCalendarFeed, presentClass, presentCourse, presentEnrolment, presentNotification, presentSession } from './classes.presenter.ts';
import * as repo from './classes.repository.ts';
import type { ClassKind, ClassMode, CourseFormat, CourseMaterial, CourseTier, GuardianRole } from './classes.tables.ts';

export const PARENT_SCHOOL_KINDS = ['school', 'community_parent_school'] as const;
const MINUTE = 60_000;
const HOUR = 3_600_000;

/** The day in China (one time zone, no daylight saving) of an instant, as YYYY-MM-DD. */
export function chinaDate(instant: Date): string {
  return new Date(instant.getTime() + 8 * HOUR).toISOString().slice(0, 10);
}

function chinaTime(instant: Date): string {
  return new Date(instant.getTime() + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ');
}

type OrgLike = { id: string; kind: string; division_code: string | null };

/** Whether the actor runs classes at this parent school: its managers (see canManageOrganisation) and its teachers. */
export function runsClassesAt(actor: Actor, org: OrgLike): boolean {
  return canManageOrganisation(actor, org) || (org.kind === 'school' && organisationsWithRole(actor, 'teacher').includes(org.id));
}

export interface CourseInput {
  tier: CourseTier;
  topic: string;
  title: string;
  summary?: string | null;
  ageMin?: number;
  ageMax?: number;
  guardianRole?: GuardianRole;
  format: CourseFormat;
  durationMinutes: number;
  sessionCount?: number;
  providerOrgId?: string | null;
  providerName?: string | null;
  materials?: { title: string; url?: string | null; kind?: CourseMaterial['kind'] }[];
  status?: 'draft' | 'published' | 'archived';
}

export interface ClassInput {
  organisationId: string;
  courseId?: string | null;
  mode: ClassMode;
  kind?: ClassKind;
  title: string;
  description?: string | null;
  audience?: 'public' | 'school_families';
  perFamilyLimit?: number | null;
  cancelHours?: number;
  reminderMinutes?: number;
  termStartsOn?: string | null;
  termEndsOn?: string | null;
  seatRows?: number | null;
  seatCols?: number | null;
  staff?: { userId: string; role?: 'lead' | 'assistant' }[];
}

export interface SessionsInput {
  startsAt: string;
  durationMinutes: number;
  capacity: number;
  waitlistCapacity?: number;
  location?: string | null;
  childrenAllowed?: boolean;
  maxChildren?: number;
  repeat?: { frequency: 'daily' | 'weekly'; count: number; skipWeekends?: boolean };
}

export interface BookInput {
  familyId: string;
  guardianUserIds: string[];
  childIds?: string[];
}

/**
 * Parent-school classes: the catalogue, classes and their sessions, bookings with a first-come waitlist.
 *
 * Concurrency: every decision about a session's seats is taken while its row is locked (`repo.lockSession`), and
 * counters are changed in the same transaction, so any number of app instances on one PostgreSQL can never
 * overbook; a family's bookings are serialised by an advisory lock on the family (taken before the session lock,
 * always in that order, so that two bookings cannot deadlock). Writes a guardian retries carry an Idempotency-Key
 * (`idempotent`): a retry gets the first answer.
 */
export class ClassesService {
  readonly checkIn: ClassCheckIn;

  constructor(
    private readonly db: Kysely<DB>,
    config: Config,
  ) {
    this.checkIn = new ClassCheckIn(db, config, this);
  }

  // ---- access ---------------------------------------------------------------------------------------------------------

  private requireCurator(actor: Actor) {
    if (!isDistrictStaff(actor)) throw new AppError('forbidden', 'District and guidance-centre staff curate the course catalogue.');
  }

  /** Runs the class: staff of its parent school, district staff, or a member of its own staff list. */
  async mayRunClass(actor: Actor, k: { id: string; organisation_id: string; organisation_kind: string; organisation_division_code: string | null }) {
    if (runsClassesAt(actor, { id: k.organisation_id, kind: k.organisation_kind, division_code: k.organisation_division_code })) return true;
    return repo.isClassStaff(this.db, k.id, actor.userId);
  }

  private async requireRunsClass(actor: Actor, k: { id: string; organisation_id: string; organisation_kind: string; organisation_division_code: string | null }) {
    if (!(await this.mayRunClass(actor, k))) throw new AppError('out_of_scope', 'Only the staff of this parent school run its classes.');
  }

  // ---- catalogue ------------------------------------------------------------------------------------------------------

  async listCourses(ctx: RequestContext, filter: Omit<repo.CourseFilter, 'statuses'> & { status?: 'draft' | 'published' | 'archived' }) {
    const actor = ctx.actor && !ctx.actor.child ? ctx.actor : null;
    const curator = actor ? isDistrictStaff(actor) : false;
    const statuses = filter.status ? (curator || filter.status === 'published' ? [filter.status] : []) : ['published' as const];
    if (statuses.length === 0) throw new AppError('forbidden', 'Only curators see drafts and archived courses.');
    const { items, total } = await repo.listCourses(this.db, { ...filter, statuses });
    return { items: items.map(presentCourse), total };
  }

  async getCourse(ctx: RequestContext, id: string) {
    const course = await repo.findCourse(this.db, id);
    const actor = ctx.actor && !ctx.actor.child ? ctx.actor : null;
    if (!course || (course.status !== 'published' && !(actor && isDistrictStaff(actor)))) throw new AppError('not_found', 'No such course.');
    return presentCourse(course);
  }

  async createCourse(ctx: RequestContext, input: CourseInput) {
    const actor = requireAdult(ctx);
    this.requireCurator(actor);
    this.assertAges(input.ageMin ?? 0, input.ageMax ?? 18);
    return this.db.transaction().execute(async (trx) => {
      await this.assertProvider(trx, input.providerOrgId);
      const id = await repo.insertCourse(trx, {
        tier: input.tier,
        topic: input.topic,
        title: input.title,
        summary: input.summary ?? null,
        ageMin: input.ageMin ?? 0,
        ageMax: input.ageMax ?? 18,
        guardianRole: input.guardianRole ?? 'any',
        format: input.format,
        durationMinutes: input.durationMinutes,
        sessionCount: input.sessionCount ?? 1,
        providerOrgId: input.providerOrgId ?? null,
        providerName: input.providerName ?? null,
        materials: (input.materials ?? []).map((m) => ({ title: m.title, url: m.url ?? null, kind: m.kind ?? 'other' })),
        status: input.status ?? 'published',
        createdBy: actor.userId,
      });
      await recordAudit(trx, ctx, { action: 'classes.course_create', resourceType: 'class_course', resourceId: id, detail: { tier: input.tier, topic: input.topic } });
      return presentCourse((await repo.findCourse(trx, id))!);
    });
  }

  async updateCourse(ctx: RequestContext, id: string, input: Partial<CourseInput>) {
    const actor = requireAdult(ctx);
    this.requireCurator(actor);
    return this.db.transaction().execute(async (trx) => {
      const course = await repo.findCourse(trx, id);
      if (!course) throw new AppError('not_found', 'No such course.');
      this.assertAges(input.ageMin ?? course.age_min, input.ageMax ?? course.age_max);
      await this.assertProvider(trx, input.providerOrgId);
      await repo.updateCourse(trx, id, {
        ...input,
        materials: input.materials?.map((m) => ({ title: m.title, url: m.url ?? null, kind: m.kind ?? 'other' })),
      });
      await recordAudit(trx, ctx, { action: 'classes.course_update', resourceType: 'class_course', resourceId: id, detail: { fields: Object.keys(input) } });
      return presentCourse((await repo.findCourse(trx, id))!);
    });
  }

  private assertAges(min: number, max: number) {
    if (min > max) throw new AppError('validation_failed', 'The age band is upside down.', { issues: [{ path: 'ageMax', message: 'Smaller than ageMin' }] });
  }

  private async assertProvider(db: Kysely<DB>, id: string | null | undefined) {
    if (!id) return;
    if (!(await repo.findOrganisation(db, id))) throw new AppError('validation_failed', 'Unknown provider.', { issues: [{ path: 'providerOrgId', message: 'No such organisation' }] });
  }

  // ---- classes --------------------------------------------------------------------------------------------------------

  private async classView(actor: Actor | null, k: repo.ClassRow, db: Kysely<DB> = this.db) {
    const staff = await repo.classStaff(db, [k.id]);
    const canManage = actor ? runsClassesAt(actor, { id: k.organisation_id, kind: k.organisation_kind, division_code: k.organisation_division_code }) || staff.some((s) => s.user_id === actor.userId) : false;
    return presentClass(k, staff, canManage);
  }

  async listClasses(ctx: RequestContext, filter: { organisationId?: string; mode?: ClassMode; kind?: ClassKind; mine?: 'true' | 'false'; limit: number; offset: number }) {
    const actor = requireAdult(ctx);
    let scope: { organisationIds?: string[]; staffUserId?: string } = {};
    if (filter.mine === 'true' && !isDistrictStaff(actor)) {
      const orgIds = organisationsWithRole(actor, 'school_admin', 'teacher', 'venue_manager');
      const communities = communitiesAdministered(actor);
      if (communities.length > 0) {
        const rows = await this.db.selectFrom('organisations').select('id').where('division_code', 'in', communities).where('kind', '=', 'community_parent_school').execute();
        orgIds.push(...rows.map((r) => r.id));
      }
      scope = { organisationIds: orgIds, staffUserId: actor.userId };
    }
    const rows = await repo.listClasses(this.db, { ...filter, ...scope });
    const staff = await repo.classStaff(this.db, rows.map((r) => r.id));
    return rows.map((k) => {
      const own = staff.filter((s) => s.class_id === k.id);
      return presentClass(k, own, runsClassesAt(actor, { id: k.organisation_id, kind: k.organisation_kind, division_code: k.organisation_division_code }) || own.some((s) => s.user_id === actor.userId));
    });
  }

  async getClass(ctx: RequestContext, id: string) {
    const actor = requireAdult(ctx);
    const k = await repo.findClass(this.db, id);
    if (!k) throw new AppError('not_found', 'No such class.');
    return this.classView(actor, k);
  }

  async createClass(ctx: RequestContext, input: ClassInput) {
    const actor = requireAdult(ctx);
    const org = await repo.findOrganisation(this.db, input.organisationId);
    if (!org) throw new AppError('validation_failed', 'Unknown parent school.', { issues: [{ path: 'organisationId', message: 'No such organisation' }] });
    if (!(PARENT_SCHOOL_KINDS as readonly string[]).includes(org.kind)) {
      throw new AppError('validation_failed', 'Classes are run by parent schools: a school or a community parent school.', { issues: [{ path: 'organisationId', message: `A ${org.kind} is not a parent school` }] });
    }
    if (!runsClassesAt(actor, org)) throw new AppError('out_of_scope', 'You run classes at your own parent school only.');
    const issues: ErrorIssue[] = [];
    if (input.mode === 'flexible' && (input.seatRows || input.seatCols)) issues.push({ path: 'seatRows', message: 'Only fixed classes have a seat map' });
    if ((input.seatRows == null) !== (input.seatCols == null)) issues.push({ path: 'seatCols', message: 'Give both rows and columns' });
    if (input.termStartsOn && input.termEndsOn && input.termEndsOn < input.termStartsOn) issues.push({ path: 'termEndsOn', message: 'Before termStartsOn' });
    if (input.audience === 'school_families' && org.kind !== 'school') issues.push({ path: 'audience', message: 'Only a school has families of its own' });
    if (issues.length > 0) throw new AppError('validation_failed', undefined, { issues });
    return this.db.transaction().execute(async (trx) => {
      await this.assertCourse(trx, input.courseId);
      await this.assertStaff(trx, input.staff);
      const id = await repo.insertClass(trx, {
        organisationId: org.id,
        courseId: input.courseId ?? null,
        mode: input.mode,
        kind: input.kind ?? 'parent_class',
        title: input.title,
        description: input.description ?? null,
        audience: input.audience ?? 'public',
        perFamilyLimit: input.perFamilyLimit ?? null,
        cancelHours: input.cancelHours ?? 2,
        reminderMinutes: input.reminderMinutes ?? 1440,
        termStartsOn: input.termStartsOn ?? null,
        termEndsOn: input.termEndsOn ?? null,
        seatRows: input.seatRows ?? null,
        seatCols: input.seatCols ?? null,
        createdBy: actor.userId,
      });
      if (input.staff) await repo.replaceStaff(trx, id, input.staff.map((s) => ({ userId: s.userId, role: s.role ?? 'lead' })), actor.userId);
      await recordAudit(trx, ctx, { action: 'classes.class_create', resourceType: 'class', resourceId: id, detail: { organisationId: org.id, mode: input.mode, kind: input.kind ?? 'parent_class' } });
      return this.classView(actor, (await repo.findClass(trx, id))!, trx);
    });
  }

  async updateClass(ctx: RequestContext, id: string, input: Partial<Omit<ClassInput, 'organisationId' | 'mode' | 'kind' | 'termStartsOn' | 'termEndsOn'>> & { status?: 'active' | 'archived' }) {
    const actor = requireAdult(ctx);
    const k = await repo.findClass(this.db, id);
    if (!k) throw new AppError('not_found', 'No such class.');
    if (!runsClassesAt(actor, { id: k.organisation_id, kind: k.organisation_kind, division_code: k.organisation_division_code })) {
      throw new AppError('out_of_scope', 'Only the staff of this parent school change its classes.');
    }
    if (k.mode === 'flexible' && (input.seatRows || input.seatCols)) throw new AppError('validation_failed', undefined, { issues: [{ path: 'seatRows', message: 'Only fixed classes have a seat map' }] });
    if (input.audience === 'school_families' && k.organisation_kind !== 'school') throw new AppError('validation_failed', undefined, { issues: [{ path: 'audience', message: 'Only a school has families of its own' }] });
    return this.db.transaction().execute(async (trx) => {
      await this.assertCourse(trx, input.courseId);
      await this.assertStaff(trx, input.staff);
      const { staff, ...changes } = input;
      await repo.updateClass(trx, id, changes);
      if (staff) {
        await repo.replaceStaff(trx, id, staff.map((s) => ({ userId: s.userId, role: s.role ?? 'lead' })), actor.userId);
        await recordAudit(trx, ctx, { action: 'classes.staff_update', resourceType: 'class', resourceId: id, detail: { staff: staff.map((s) => s.userId) } });
      }
      await recordAudit(trx, ctx, { action: 'classes.class_update', resourceType: 'class', resourceId: id, detail: { fields: Object.keys(input) } });
      return this.classView(actor, (await repo.findClass(trx, id))!, trx);
    });
  }

  private async assertCourse(db: Kysely<DB>, id: string | null | undefined) {
    if (!id) return;
    const course = await repo.findCourse(db, id);
    if (!course || course.status === 'archived') throw new AppError('validation_failed', 'Unknown course.', { issues: [{ path: 'courseId', message: 'No such course in the catalogue' }] });
  }

  private async assertStaff(db: Kysely<DB>, staff: { userId: string }[] | undefined) {
    if (!staff || staff.length === 0) return;
    const ids = staff.map((s) => s.userId);
    if (new Set(ids).size !== ids.length) throw new AppError('validation_failed', 'A person is listed twice.', { issues: [{ path: 'staff', message: 'Duplicate user' }] });
    const known = new Set(await repo.existingUsers(db, ids));
    const issues = ids.flatMap((id, i) => (known.has(id) ? [] : [{ path: `staff.${i}.userId`, message: 'No such active user' }]));
    if (issues.length > 0) throw new AppError('validation_failed', 'Unknown staff.', { issues });
  }

  // ---- sessions -------------------------------------------------------------------------------------------------------

  async createSessions(ctx: RequestContext, classId: string, input: SessionsInput) {
    const actor = requireAdult(ctx);
    const k = await repo.findClass(this.db, classId);
    if (!k) throw new AppError('not_found', 'No such class.');
    await this.requireRunsClass(actor, k);
    if (k.status !== 'active') throw new AppError('invalid_transition', 'The class is archived.');
    const first = new Date(input.startsAt);
    const issues: ErrorIssue[] = [];
    if (first.getTime() <= Date.now()) issues.push({ path: 'startsAt', message: 'In the past' });
    if (input.childrenAllowed === false && (input.maxChildren ?? 0) > 0) issues.push({ path: 'maxChildren', message: 'Children are not allowed' });
    if (issues.length > 0) throw new AppError('validation_failed', undefined, { issues });
    const childrenAllowed = input.childrenAllowed ?? (input.maxChildren ?? 0) > 0;
    const maxChildren = childrenAllowed ? (input.maxChildren ?? 2) : 0;
    const starts: Date[] = [];
    const repeat = input.repeat ?? { frequency: 'weekly' as const, count: 1 };
    for (let day = 0; starts.length < repeat.count; day += repeat.frequency === 'weekly' ? 7 : 1) {
      const at = new Date(first.getTime() + day * 24 * HOUR);
      const weekday = new Date(at.getTime() + 8 * HOUR).getUTCDay();
      if (repeat.frequency === 'daily' && repeat.skipWeekends && (weekday === 0 || weekday === 6)) continue;
      starts.push(at);
    }
    const seriesId = starts.length > 1 ? randomUUID() : null;
    return this.db.transaction().execute(async (trx) => {
      const ids = await repo.insertSessions(
        trx,
        starts.map((startsAt) => ({
          classId,
          seriesId,
          startsAt,
          endsAt: new Date(startsAt.getTime() + input.durationMinutes * MINUTE),
          heldOn: chinaDate(startsAt),
          location: input.location ?? null,
          capacity: input.capacity,
          waitlistCapacity: input.waitlistCapacity ?? 0,
          childrenAllowed,
          maxChildren,
          cancelUntil: new Date(startsAt.getTime() - k.cancel_hours * HOUR),
          createdBy: actor.userId,
        })),
      );
      await recordAudit(trx, ctx, { action: 'classes.session_create', resourceType: 'class', resourceId: classId, detail: { sessions: ids.length, seriesId, capacity: input.capacity } });
      const rows = await repo.listSessions(trx, { classId, includeCancelled: true, limit: 500, offset: 0 });
      return rows.filter((r) => ids.includes(r.id)).map(presentSession);
    });
  }

  async listSessions(ctx: RequestContext, filter: { classId?: string; organisationId?: string; kind?: ClassKind; mode?: ClassMode; from?: string; to?: string; limit: number; offset: number }) {
    requireAdult(ctx);
    const from = filter.from ? new Date(filter.from) : new Date(Date.now() - 12 * HOUR);
    const to = filter.to ? new Date(filter.to) : undefined;
    if (to && to <= from) throw new AppError('validation_failed', undefined, { issues: [{ path: 'to', message: 'Not after from' }] });
    const rows = await repo.listSessions(this.db, { ...filter, from, to, includeCancelled: Boolean(filter.classId) });
    return rows.map(presentSession);
  }

  async getSession(ctx: RequestContext, id: string) {
    requireAdult(ctx);
    const s = await repo.findSession(this.db, id);
    if (!s) throw new AppError('not_found', 'No such session.');
    return presentSession(s);
  }

  private classOf(s: repo.SessionRow) {
    return { id: s.class_id, organisation_id: s.organisation_id, organisation_kind: s.organisation_kind, organisation_division_code: s.organisation_division_code };
  }

  /**
   * Staff change capacity, waitlist size, place or time; more seats promote the waitlist at once. A new time is only
   * possible before the session starts and must lie ahead; bookings stay, the cancellation deadline and reminders move
   * with the session, and every guardian with a booking (confirmed or waiting) is told.
   */
  async updateSession(ctx: RequestContext, id: string, input: { capacity?: number; waitlistCapacity?: number; location?: string | null; startsAt?: string; durationMinutes?: number }) {
    const actor = requireAdult(ctx);
    const found = await repo.findSession(this.db, id);
    if (!found) throw new AppError('not_found', 'No such session.');
    await this.requireRunsClass(actor, this.classOf(found));
    return this.db.transaction().execute(async (trx) => {
      const s = (await repo.lockSession(trx, id))!;
      if (s.status === 'cancelled') throw new AppError('class_session_cancelled');
      const issues: ErrorIssue[] = [];
      if (input.capacity !== undefined && input.capacity < s.seats_taken) issues.push({ path: 'capacity', message: `${s.seats_taken} seats are already booked` });
      if (input.waitlistCapacity !== undefined && input.waitlistCapacity < s.waitlist_count) issues.push({ path: 'waitlistCapacity', message: `${s.waitlist_count} families are already waiting` });
      if (issues.length > 0) throw new AppError('conflict', 'The session cannot shrink below its bookings.', { issues });
      const { startsAt: newStart, durationMinutes, ...rest } = input;
      let times: { startsAt: Date; endsAt: Date; heldOn: string; cancelUntil: Date } | undefined;
      if (newStart !== undefined || durationMinutes !== undefined) {
        if (new Date(s.starts_at).getTime() <= Date.now()) throw new AppError('class_session_started', 'A session that has started keeps its time.');
        if (await repo.hasAttendance(trx, id)) throw new AppError('conflict', 'Guardians have already checked in to this session; it keeps its time.');
        const startsAt = newStart !== undefined ? new Date(newStart) : new Date(s.starts_at);
        if (startsAt.getTime() <= Date.now()) throw new AppError('validation_failed', undefined, { issues: [{ path: 'startsAt', message: 'In the past' }] });
        const minutes = durationMinutes ?? Math.round((new Date(s.ends_at).getTime() - new Date(s.starts_at).getTime()) / MINUTE);
        times = { startsAt, endsAt: new Date(startsAt.getTime() + minutes * MINUTE), heldOn: chinaDate(startsAt), cancelUntil: new Date(startsAt.getTime() - s.cancel_hours * HOUR) };
      }
      await repo.updateSession(trx, id, { ...rest, times });
      const moved = times !== undefined && (times.startsAt.getTime() !== new Date(s.starts_at).getTime() || times.endsAt.getTime() !== new Date(s.ends_at).getTime());
      if (moved) {
        const now = (await repo.lockSession(trx, id))!;
        const bookings = await repo.activeBookingsOfSession(trx, id);
        await this.scheduleReminders(trx, now, bookings.filter((b) => b.status === 'confirmed').map((b) => b.id));
        await repo.insertNotifications(
          trx,
          bookings.flatMap((b) =>
            b.guardian_user_ids.map((userId) => ({
              userId,
              kind: 'session_changed' as const,
              sessionId: id,
              bookingId: b.id,
              title: `「${s.class_title}」改期至 ${chinaTime(times!.startsAt)}`,
              body: `${s.organisation_name} 把原定 ${chinaTime(new Date(s.starts_at))} 的课程改到 ${chinaTime(times!.startsAt)}–${chinaTime(times!.endsAt).slice(-5)}，您的预约保留；如不能参加，请在 ${chinaTime(times!.cancelUntil)} 前取消。`,
            })),
          ),
        );
      }
      const promoted = await this.promoteWaitlist(trx, (await repo.lockSession(trx, id))!);
      await recordAudit(trx, ctx, {
        action: 'classes.session_update',
        resourceType: 'class_session',
        resourceId: id,
        detail: { changes: input, promoted: promoted.length, ...(moved ? { from: new Date(s.starts_at).toISOString() } : {}) },
      });
      return presentSession((await repo.findSession(trx, id))!);
    });
  }

  /** Staff cancel a session: every booking is cancelled and its guardians told. */
  async cancelSession(ctx: RequestContext, id: string) {
    const actor = requireAdult(ctx);
    const found = await repo.findSession(this.db, id);
    if (!found) throw new AppError('not_found', 'No such session.');
    await this.requireRunsClass(actor, this.classOf(found));
    return this.db.transaction().execute(async (trx) => {
      const s = (await repo.lockSession(trx, id))!;
      if (s.status === 'cancelled') throw new AppError('class_session_cancelled');
      if (new Date(s.ends_at).getTime() <= Date.now()) throw new AppError('class_session_started', 'The session is over.');
      const bookings = await repo.activeBookingsOfSession(trx, id);
      await repo.cancelBookings(trx, bookings.map((b) => b.id), actor.userId, 'session_cancelled');
      await repo.cancelReminders(trx, bookings.map((b) => b.id));
      await repo.adjustCounters(trx, id, -s.seats_taken, -s.waitlist_count);
      await repo.updateSession(trx, id, { status: 'cancelled' });
      await repo.insertNotifications(
        trx,
        bookings.flatMap((b) =>
          b.guardian_user_ids.map((userId) => ({
            userId,
            kind: 'session_cancelled' as const,
            sessionId: id,
            bookingId: b.id,
            title: `「${s.class_title}」${chinaTime(new Date(s.starts_at))} 已取消`,
            body: `${s.organisation_name} 取消了这次课程，您的预约已自动取消。`,
          })),
        ),
      );
      await recordAudit(trx, ctx, { action: 'classes.session_cancel', resourceType: 'class_session', resourceId: id, detail: { bookings: bookings.length } });
      return presentSession((await repo.findSession(trx, id))!);
    });
  }

  // ---- bookings -------------------------------------------------------------------------------------------------------

  /**
   * A guardian books a session for their family: one seat per attending guardian, children along where allowed.
   * Confirmed while seats are left and nobody is waiting; otherwise queued on the waitlist while it has room;
   * otherwise refused (class_session_full).
   */
  async book(ctx: RequestContext, sessionId: string, key: string, input: BookInput): Promise<Answer<ReturnType<typeof presentBooking>>> {
    const actor = requireAdult(ctx);
    if (!isGuardianOf(actor, input.familyId)) throw new AppError('out_of_scope', 'You book for your own family only.');
    const childIds = input.childIds ?? [];
    const request = { sessionId, familyId: input.familyId, guardianUserIds: input.guardianUserIds, childIds };
    return idempotent(this.db, { userId: actor.userId, key, operation: 'book', request }, async (trx, family) => {
      const members = family!;
      const issues: ErrorIssue[] = [];
      if (new Set(input.guardianUserIds).size !== input.guardianUserIds.length) issues.push({ path: 'guardianUserIds', message: 'A guardian is listed twice' });
      if (new Set(childIds).size !== childIds.length) issues.push({ path: 'childIds', message: 'A child is listed twice' });
      input.guardianUserIds.forEach((id, i) => {
        if (!members.guardianIds.includes(id)) issues.push({ path: `guardianUserIds.${i}`, message: 'Not a guardian of this family' });
      });
      childIds.forEach((id, i) => {
        if (!members.children.some((c) => c.id === id)) issues.push({ path: `childIds.${i}`, message: 'Not a child of this family' });
      });
      if (issues.length > 0) throw new AppError('validation_failed', undefined, { issues });
      if (input.guardianUserIds.length === 0) {
        if (childIds.length > 0) throw new AppError('class_child_without_guardian', undefined, { issues: [{ path: 'guardianUserIds', message: 'Name the guardian who brings the children' }] });
        throw new AppError('validation_failed', 'Name at least one guardian who comes.', { issues: [{ path: 'guardianUserIds', message: 'At least one guardian' }] });
      }

      await repo.lockFamily(trx, input.familyId);
      const s = await repo.lockSession(trx, sessionId);
      if (!s) throw new AppError('not_found', 'No such session.');
      const now = new Date();
      if (s.class_mode === 'fixed') throw new AppError('class_not_bookable');
      if (s.status === 'cancelled') throw new AppError('class_session_cancelled');
      if (new Date(s.starts_at) <= now) throw new AppError('class_session_started');
      if (s.class_audience === 'school_families' && !members.children.some((c) => c.school_id === s.organisation_id)) {
        throw new AppError('out_of_scope', `This class is for families with a child at ${s.organisation_name}.`);
      }
      if (childIds.length > 0 && (!s.children_allowed || childIds.length > s.max_children)) {
        throw new AppError('class_children_not_allowed', s.children_allowed ? `At most ${s.max_children} children per family.` : 'This session takes no children.', { issues: [{ path: 'childIds', message: 'Too many children' }] });
      }
      if (await repo.activeConflict(trx, sessionId, input.familyId, input.guardianUserIds)) throw new AppError('class_already_booked');
      if (s.per_family_limit !== null && (await repo.countActiveInClass(trx, s.class_id, input.familyId, now)) >= s.per_family_limit) {
        throw new AppError('class_family_limit', `A family holds at most ${s.per_family_limit} bookings of this class at a time.`);
      }
      const seats = input.guardianUserIds.length;
      let status: 'confirmed' | 'waitlisted';
      if (s.waitlist_count === 0 && s.seats_taken + seats <= s.capacity) status = 'confirmed';
      else if (s.waitlist_count < s.waitlist_capacity && seats <= s.capacity) status = 'waitlisted';
      else throw new AppError('class_session_full', s.waitlist_capacity > 0 ? 'No seats and no room on the waitlist.' : 'No seats left.');

      const booking = await repo.insertBooking(trx, { sessionId, classId: s.class_id, familyId: input.familyId, bookedBy: actor.userId, guardianIds: input.guardianUserIds, childIds, status });
      const due = status === 'confirmed' ? this.reminderDue(s) : null;
      await repo.countBookingAndRemind(trx, sessionId, status === 'confirmed' ? seats : 0, status === 'waitlisted' ? 1 : 0, due ? { bookingId: booking.id, dueAt: due } : null);
      const position = status === 'waitlisted' ? s.waitlist_count + 1 : null;
      return {
        status: 201,
        body: presentBooking(booking, position),
        audit: { action: 'classes.book', resourceType: 'class_booking', resourceId: booking.id, detail: { sessionId, familyId: input.familyId, seats, children: childIds.length, status } },
      };
    }, { familyId: input.familyId, ctx });
  }

  /** A guardian cancels (until the deadline; a waitlisted booking until the start); staff of the class may always. */
  async cancelBooking(ctx: RequestContext, bookingId: string, key: string): Promise<Answer<ReturnType<typeof presentBooking>>> {
    const actor = requireAdult(ctx);
    const found = await repo.findBooking(this.db, bookingId);
    if (!found) throw new AppError('not_found', 'No such booking.');
    const guardian = isGuardianOf(actor, found.family_id);
    if (!guardian) {
      const s = await repo.findSession(this.db, found.session_id);
      if (!s || !(await this.mayRunClass(actor, this.classOf(s)))) throw new AppError('out_of_scope', 'Only the family or the staff of the class cancel a booking.');
    }
    return idempotent(this.db, { userId: actor.userId, key, operation: 'cancel_booking', request: { bookingId } }, async (trx) => {
      const s = (await repo.lockSession(trx, found.session_id))!;
      const b = (await repo.findBooking(trx, bookingId))!;
      if (b.status === 'cancelled') throw new AppError('invalid_transition', 'The booking is already cancelled.');
      const now = new Date();
      if (new Date(s.starts_at) <= now) throw new AppError('class_session_started');
      if (guardian && b.status === 'confirmed' && new Date(s.cancel_until) < now) {
        throw new AppError('class_cancellation_closed', `Cancellation closed at ${chinaTime(new Date(s.cancel_until))} (China time); please tell the parent school.`);
      }
      await repo.cancelBookings(trx, [bookingId], actor.userId, guardian ? 'guardian' : 'staff');
      await repo.cancelReminders(trx, [bookingId]);
      await repo.adjustCounters(trx, s.id, b.status === 'confirmed' ? -b.seats : 0, b.status === 'waitlisted' ? -1 : 0);
      if (!guardian) {
        await repo.insertNotifications(
          trx,
          b.guardian_user_ids.map((userId) => ({ userId, kind: 'booking_cancelled' as const, sessionId: s.id, bookingId, title: `「${s.class_title}」预约已被取消`, body: `${s.organisation_name} 取消了您 ${chinaTime(new Date(s.starts_at))} 的预约。` })),
        );
      }
      const promoted = await this.promoteWaitlist(trx, (await repo.lockSession(trx, s.id))!);
      await recordAudit(trx, ctx, { action: 'classes.booking_cancel', resourceType: 'class_booking', resourceId: bookingId, detail: { sessionId: s.id, by: guardian ? 'guardian' : 'staff', was: b.status, promoted } });
      return { status: 200, body: presentBooking((await repo.findBooking(trx, bookingId))!, null) };
    });
  }

  /**
   * Gives freed seats to the waitlist in queue order (first come, first served). The queue is strict: when the
   * booking at its head needs more seats than are free, nobody behind it passes it. Call with the session locked.
   */
  private async promoteWaitlist(trx: Kysely<DB>, s: repo.SessionRow): Promise<string[]> {
    if (s.status !== 'scheduled' || s.waitlist_count === 0 || new Date(s.starts_at) <= new Date()) return [];
    let free = s.capacity - s.seats_taken;
    if (free <= 0) return [];
    const queue = await repo.waitlist(trx, s.id, Math.min(s.waitlist_count, free));
    const promoted: typeof queue = [];
    for (const b of queue) {
      if (b.seats > free) break;
      promoted.push(b);
      free -= b.seats;
    }
    if (promoted.length === 0) return [];
    const ids = promoted.map((b) => b.id);
    await repo.confirmBookings(trx, ids);
    await repo.adjustCounters(trx, s.id, promoted.reduce((n, b) => n + b.seats, 0), -promoted.length);
    await this.scheduleReminders(trx, s, ids);
    await repo.insertNotifications(
      trx,
      promoted.flatMap((b) =>
        b.guardian_user_ids.map((userId) => ({
          userId,
          kind: 'promoted' as const,
          sessionId: s.id,
          bookingId: b.id,
          title: `候补成功：「${s.class_title}」`,
          body: `${chinaTime(new Date(s.starts_at))} 在 ${s.location ?? s.organisation_name} 有了您的座位。如不能参加，请尽早取消，把座位留给下一位家长。`,
        })),
      ),
    );
    return ids;
  }

  /** When the reminder of a booking is due (null: the class sends none). */
  private reminderDue(s: repo.SessionRow): Date | null {
    if (s.reminder_minutes <= 0) return null;
    return new Date(Math.max(Date.now(), new Date(s.starts_at).getTime() - s.reminder_minutes * MINUTE));
  }

  private async scheduleReminders(trx: Kysely<DB>, s: repo.SessionRow, bookingIds: string[]) {
    const dueAt = this.reminderDue(s);
    if (!dueAt || bookingIds.length === 0) return;
    await repo.insertReminders(trx, bookingIds.map((bookingId) => ({ bookingId, sessionId: s.id, dueAt })));
  }

  async getBooking(ctx: RequestContext, id: string) {
    const actor = requireAdult(ctx);
    const b = await repo.findBooking(this.db, id);
    if (!b) throw new AppError('not_found', 'No such booking.');
    if (!isGuardianOf(actor, b.family_id)) {
      const s = await repo.findSession(this.db, b.session_id);
      if (!s || !(await this.mayRunClass(actor, this.classOf(s)))) throw new AppError('out_of_scope', 'Not your family’s booking.');
    }
    return presentBooking(b, b.status === 'waitlisted' ? await repo.waitlistPosition(this.db, b.session_id, b.seq) : null);
  }

  /** The bookings of all my families: upcoming by default, or everything. */
  async myBookings(ctx: RequestContext, query: { all?: 'true' | 'false'; limit: number }) {
    const actor = requireAdult(ctx);
    const rows = await repo.bookingsOfFamilies(this.db, actor.familyIds, { upcomingOnly: query.all !== 'true', now: new Date(), limit: query.limit });
    return Promise.all(
      rows.map(async (r) => ({
        ...presentBooking(r, r.status === 'waitlisted' ? await repo.waitlistPosition(this.db, r.session_id, r.seq) : null),
        session: { startsAt: new Date(r.starts_at).toISOString(), endsAt: new Date(r.ends_at).toISOString(), location: r.location, status: r.session_status, cancelUntil: new Date(r.cancel_until).toISOString() },
        classTitle: r.class_title,
        kind: r.class_kind,
        organisationName: r.organisation_name,
      })),
    );
  }

  // ---- fixed classes: enrolled roster and seats -------------------------------------------------------------------------

  private async fixedClassForStaff(actor: Actor, classId: string) {
    const k = await repo.findClass(this.db, classId);
    if (!k) throw new AppError('not_found', 'No such class.');
    await this.requireRunsClass(actor, k);
    if (k.mode !== 'fixed') throw new AppError('invalid_transition', 'Flexible classes are booked per session, not enrolled.');
    return k;
  }

  private assertSeat(k: repo.ClassRow, seat: string | null | undefined, path = 'seatLabel') {
    if (seat == null) return;
    const match = /^([A-Z])(\d{1,2})$/.exec(seat);
    const row = match ? match[1]!.charCodeAt(0) - 64 : 0;
    const col = match ? Number(match[2]) : 0;
    if (!k.seat_rows || !k.seat_cols) throw new AppError('validation_failed', 'This class has no seat map.', { issues: [{ path, message: 'No seat map' }] });
    if (row < 1 || row > k.seat_rows || col < 1 || col > k.seat_cols) {
      throw new AppError('validation_failed', `Seats run from A1 to ${String.fromCharCode(64 + k.seat_rows)}${k.seat_cols}.`, { issues: [{ path, message: 'Not on the seat map' }] });
    }
  }

  async enrolments(ctx: RequestContext, classId: string) {
    const actor = requireAdult(ctx);
    const k = await this.fixedClassForStaff(actor, classId);
    const rows = await repo.enrolmentsOf(this.db, classId);
    const history = await repo.rosterChanges(this.db, classId, 200);
    return { class: await this.classView(actor, k), enrolments: rows.map(presentEnrolment), changes: history.map((h) => ({ ...h, changed_at: new Date(h.changed_at).toISOString() })) };
  }

  async familyCandidates(ctx: RequestContext, classId: string) {
    const actor = requireAdult(ctx);
    const k = await this.fixedClassForStaff(actor, classId);
    if (k.organisation_kind !== 'school') return [];
    return repo.schoolFamilies(this.db, k.organisation_id, 2000);
  }

  /** Staff enrol a family in a fixed class, with a seat on its map; guardians are told. */
  async enrol(ctx: RequestContext, classId: string, input: { familyId: string; seatLabel?: string | null }) {
    const actor = requireAdult(ctx);
    const k = await this.fixedClassForStaff(actor, classId);
    this.assertSeat(k, input.seatLabel);
    const members = await repo.familyMembers(this.db, input.familyId);
    if (members.guardianIds.length === 0) throw new AppError('validation_failed', 'Unknown family.', { issues: [{ path: 'familyId', message: 'No such family' }] });
    if (k.audience === 'school_families' && !members.children.some((c) => c.school_id === k.organisation_id)) {
      throw new AppError('out_of_scope', `This class is for families with a child at ${k.organisation_name}.`);
    }
    return this.db.transaction().execute(async (trx) => {
      await repo.lockClassRoster(trx, classId);
      const current = await repo.enrolmentsOf(trx, classId);
      if (current.some((e) => e.family_id === input.familyId)) throw new AppError('already_exists', 'The family is already enrolled.');
      if (input.seatLabel && current.some((e) => e.seat_label === input.seatLabel)) throw new AppError('class_seat_taken');
      if (k.seat_rows && k.seat_cols && current.length >= k.seat_rows * k.seat_cols) throw new AppError('capacity_exceeded', 'Every seat of the class is taken.');
      const id = await repo.insertEnrolment(trx, { classId, familyId: input.familyId, seatLabel: input.seatLabel ?? null, by: actor.userId });
      await repo.insertRosterChange(trx, { classId, familyId: input.familyId, action: 'enrol', seatFrom: null, seatTo: input.seatLabel ?? null, by: actor.userId });
      await repo.insertNotifications(
        trx,
        members.guardianIds.map((userId) => ({ userId, kind: 'enrolled' as const, sessionId: null, bookingId: null, title: `已报名「${k.title}」`, body: `${k.organisation_name} 为您的家庭报名了这门固定课程${input.seatLabel ? `，座位 ${input.seatLabel}` : ''}。` })),
      );
      await recordAudit(trx, ctx, { action: 'classes.roster_enrol', resourceType: 'class', resourceId: classId, detail: { familyId: input.familyId, enrolmentId: id, seat: input.seatLabel ?? null } });
      return presentEnrolment((await repo.enrolmentsOf(trx, classId)).find((e) => e.id === id)!);
    });
  }

  async moveSeat(ctx: RequestContext, classId: string, enrolmentId: string, seatLabel: string | null) {
    const actor = requireAdult(ctx);
    const k = await this.fixedClassForStaff(actor, classId);
    this.assertSeat(k, seatLabel);
    return this.db.transaction().execute(async (trx) => {
      await repo.lockClassRoster(trx, classId);
      const current = await repo.enrolmentsOf(trx, classId);
      const e = current.find((x) => x.id === enrolmentId);
      if (!e) throw new AppError('not_found', 'No such active enrolment in this class.');
      if (seatLabel && current.some((x) => x.seat_label === seatLabel && x.id !== enrolmentId)) throw new AppError('class_seat_taken');
      await repo.setSeat(trx, enrolmentId, seatLabel);
      await repo.insertRosterChange(trx, { classId, familyId: e.family_id, action: 'seat', seatFrom: e.seat_label, seatTo: seatLabel, by: actor.userId });
      await recordAudit(trx, ctx, { action: 'classes.roster_seat', resourceType: 'class', resourceId: classId, detail: { enrolmentId, from: e.seat_label, to: seatLabel } });
      return presentEnrolment((await repo.enrolmentsOf(trx, classId)).find((x) => x.id === enrolmentId)!);
    });
  }

  async withdraw(ctx: RequestContext, classId: string, enrolmentId: string) {
    const actor = requireAdult(ctx);
    await this.fixedClassForStaff(actor, classId);
    return this.db.transaction().execute(async (trx) => {
      await repo.lockClassRoster(trx, classId);
      const e = (await repo.enrolmentsOf(trx, classId)).find((x) => x.id === enrolmentId);
      if (!e) throw new AppError('not_found', 'No such active enrolment in this class.');
      await repo.withdrawEnrolment(trx, enrolmentId, actor.userId);
      await repo.insertRosterChange(trx, { classId, familyId: e.family_id, action: 'withdraw', seatFrom: e.seat_label, seatTo: null, by: actor.userId });
      await recordAudit(trx, ctx, { action: 'classes.roster_withdraw', resourceType: 'class', resourceId: classId, detail: { enrolmentId, familyId: e.family_id } });
      return { ...presentEnrolment(e), status: 'withdrawn' as const };
    });
  }

  // ---- roster ----------------------------------------------------------------------------------------------------------

  /**
   * The session's roster for staff: each family with its guardians (checked in or not) and the children coming.
   * It names children, so every read is audited.
   */
  async roster(ctx: RequestContext, sessionId: string) {
    const actor = requireAdult(ctx);
    const s = await repo.findSession(this.db, sessionId);
    if (!s) throw new AppError('not_found', 'No such session.');
    await this.requireRunsClass(actor, this.classOf(s));
    const entries = await repo.rosterEntries(this.db, s);
    const guardianIds = [...new Set(entries.flatMap((e) => e.guardianIds))];
    const childIds = [...new Set(entries.flatMap((e) => e.childIds))];
    const [names, children, attendance] = await Promise.all([repo.userNames(this.db, guardianIds), repo.childNames(this.db, childIds), repo.attendanceOf(this.db, sessionId)]);
    await this.db.transaction().execute((trx) =>
      recordAudit(trx, ctx, { action: 'classes.roster_read', resourceType: 'class_session', resourceId: sessionId, detail: { families: entries.length, children: childIds.length } }),
    );
    const seen = new Map(attendance.map((a) => [a.guardian_user_id, a]));
    return {
      session: presentSession(s),
      entries: entries.map((e) => ({
        familyId: e.familyId,
        familyName: e.familyName,
        bookingId: e.bookingId,
        enrolmentId: e.enrolmentId,
        status: e.status,
        seatLabel: e.seatLabel,
        guardians: e.guardianIds.map((id) => {
          const a = seen.get(id);
          return { userId: id, displayName: names.get(id) ?? '', checkedInAt: a ? new Date(a.checked_in_at).toISOString() : null, method: a?.method ?? null };
        }),
        children: e.childIds.map((id) => ({ id, displayName: children.get(id) ?? '' })),
      })),
    };
  }

  // ---- background work ------------------------------------------------------------------------------------------------

  /**
   * Starts the in-process poller: due reminders, attendance events for the points bank, and (hourly) idempotency
   * answers older than a week. Every instance may run it: the queues are shared through SKIP LOCKED. Interval from
   * COEDU_CLASSES_POLL_SECONDS (default 15; 0 turns it off). Returns a stop function.
   */
  startWorkers(intervalMs = Number(process.env.COEDU_CLASSES_POLL_SECONDS ?? 15) * 1000): () => void {
    if (!(intervalMs > 0)) return () => undefined;
    let running = false;
    let lastCleanup = 0;
    const tick = async () => {
      if (running) return;
      running = true;
      try {
        while ((await this.processDueReminders()) > 0);
        while ((await this.checkIn.processAttendanceEvents()) > 0);
        if (Date.now() - lastCleanup > 3600_000) {
          lastCleanup = Date.now();
          await repo.deleteOldAnswers(this.db, 7);
        }
      } catch (error) {
        console.error('classes worker:', error instanceof Error ? error.message : error);
      } finally {
        running = false;
      }
    };
    const timer = setInterval(() => void tick(), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  // ---- calendars and exports -----------------------------------------------------------------------------------------

  /** The family's booked sessions (from 30 days back) as an iCalendar file. */
  async familyCalendar(ctx: RequestContext, familyId: string) {
    const actor = requireAdult(ctx);
    if (!isGuardianOf(actor, familyId)) throw new AppError('out_of_scope', 'Only its guardians read a family’s calendar.');
    return this.familyCalendarIcs(familyId);
  }

  private async familyCalendarIcs(familyId: string) {
    const rows = await repo.bookingsOfFamilies(this.db, [familyId], { upcomingOnly: false, now: new Date(), limit: 500 });
    const since = Date.now() - 30 * 24 * HOUR;
    const events = rows
      .filter((r) => r.status !== 'cancelled' && new Date(r.ends_at).getTime() > since)
      .map((r) => ({
        id: r.session_id,
        title: `${r.class_title}${r.status === 'waitlisted' ? '（候补）' : ''}`,
        startsAt: new Date(r.starts_at),
        endsAt: new Date(r.ends_at),
        location: r.location ?? r.organisation_name,
        description: `${r.organisation_name}`,
        cancelled: r.session_status === 'cancelled',
        // A moved or cancelled session is a newer version of the same event (same UID): calendar apps replace it.
        updatedAt: new Date(Math.max(new Date(r.created_at).getTime(), new Date(r.session_updated_at).getTime())),
        sequence: r.session_version,
      }));
    return icsCalendar('家长课堂 · 我的预约', events);
  }

  /** The family's calendar subscription, without its secret (guardians): whether there is one and when it was last read. */
  async calendarFeed(ctx: RequestContext, familyId: string) {
    const actor = requireAdult(ctx);
    if (!isGuardianOf(actor, familyId)) throw new AppError('out_of_scope', 'Only its guardians manage a family’s calendar subscription.');
    const feed = await repo.activeCalendarFeed(this.db, familyId);
    return presentCalendarFeed(feed ?? null, null);
  }

  /**
   * Makes a new secret subscription URL for the family's calendar (guardians), revoking the previous one in the same
   * transaction. The token is shown once; only its sha256 is stored.
   */
  async createCalendarFeed(ctx: RequestContext, familyId: string) {
    const actor = requireAdult(ctx);
    if (!isGuardianOf(actor, familyId)) throw new AppError('out_of_scope', 'Only its guardians manage a family’s calendar subscription.');
    const token = randomToken(32);
    const feed = await this.db.transaction().execute(async (trx) => {
      const revoked = await repo.revokeCalendarFeeds(trx, familyId);
      const row = await repo.insertCalendarFeed(trx, { id: randomUUID(), familyId, tokenHash: sha256(token), createdBy: actor.userId });
      await recordAudit(trx, ctx, { action: 'classes.calendar_feed_create', resourceType: 'family', resourceId: familyId, detail: { feedId: row.id, replaced: revoked } });
      return row;
    });
    return presentCalendarFeed(feed, token);
  }

  /** Revokes the family's calendar subscription (guardians); subscribed calendar apps get 404 from then on. */
  async revokeCalendarFeed(ctx: RequestContext, familyId: string) {
    const actor = requireAdult(ctx);
    if (!isGuardianOf(actor, familyId)) throw new AppError('out_of_scope', 'Only its guardians manage a family’s calendar subscription.');
    await this.db.transaction().execute(async (trx) => {
      const revoked = await repo.revokeCalendarFeeds(trx, familyId);
      if (revoked === 0) throw new AppError('not_found', 'The family has no calendar subscription.');
      await recordAudit(trx, ctx, { action: 'classes.calendar_feed_revoke', resourceType: 'family', resourceId: familyId, detail: {} });
    });
    return presentCalendarFeed(null, null);
  }

  /**
   * The family's calendar through its secret URL, for calendar apps (no session). An unknown or revoked token is the
   * same 404, so the answer tells nothing about which tokens once existed.
   */
  async calendarByFeedToken(token: string) {
    const feed = await repo.findCalendarFeedByHash(this.db, sha256(token));
    if (!feed) throw new AppError('calendar_feed_not_found', 'This calendar link does not exist or was revoked.');
    await repo.touchCalendarFeed(this.db, feed.id);
    return this.familyCalendarIcs(feed.family_id);
  }

  /** A class's sessions as an iCalendar file. */
  async classCalendar(ctx: RequestContext, classId: string) {
    requireAdult(ctx);
    const k = await repo.findClass(this.db, classId);
    if (!k) throw new AppError('not_found', 'No such class.');
    const sessions = await repo.listSessions(this.db, { classId, includeCancelled: true, limit: 500, offset: 0 });
    return icsCalendar(`${k.title} · ${k.organisation_name}`, sessions.map((s) => ({ id: s.id, title: k.title, startsAt: new Date(s.starts_at), endsAt: new Date(s.ends_at), location: s.location ?? k.organisation_name, description: k.organisation_name, cancelled: s.status === 'cancelled', updatedAt: new Date(k.updated_at) })));
  }

  /** The session's roster and attendance as a spreadsheet (staff; names children, so audited). */
  async rosterSpreadsheet(ctx: RequestContext, sessionId: string) {
    const { session, entries } = await this.roster(ctx, sessionId);
    const rows = entries.flatMap((e) =>
      e.guardians.map((g) => ({ family: e.familyName, seat: e.seatLabel, status: e.status, guardian: g.displayName, checkedInAt: g.checkedInAt, method: g.method, children: e.children.map((c) => c.displayName).join('、') })),
    );
    await this.db.transaction().execute((trx) => recordAudit(trx, ctx, { action: 'classes.export', resourceType: 'class_session', resourceId: sessionId, detail: { rows: rows.length } }));
    const body = await rosterWorkbook(`${session.classTitle} ${chinaTime(new Date(session.startsAt))}`, rows);
    return { body, fileName: `roster-${session.heldOn}-${sessionId.slice(0, 8)}.xlsx` };
  }

  // ---- notifications and reminders ------------------------------------------------------------------------------------

  async notifications(ctx: RequestContext, limit: number) {
    const actor = requireAdult(ctx);
    return (await repo.listNotifications(this.db, actor.userId, limit)).map(presentNotification);
  }

  async markNotificationRead(ctx: RequestContext, id: string) {
    const actor = requireAdult(ctx);
    const row = await repo.markNotificationRead(this.db, actor.userId, id);
    if (!row) throw new AppError('not_found', 'No such notification.');
    return presentNotification(row);
  }

  /**
   * Sends the reminders that are due: one batch in one transaction, rows locked with SKIP LOCKED so that several
   * instances share the queue and each reminder is sent once. Returns how many were sent.
   */
  async processDueReminders(batch = 100): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const due = await repo.takeDueReminders(trx, batch);
      if (due.length === 0) return 0;
      const bookings = await repo.remindersContext(trx, due.map((r) => r.booking_id));
      const send: string[] = [];
      const drop: string[] = [];
      const notes: Parameters<typeof repo.insertNotifications>[1] = [];
      for (const reminder of due) {
        const b = bookings.find((x) => x.id === reminder.booking_id);
        if (!b || b.status !== 'confirmed' || b.session_status !== 'scheduled' || new Date(b.starts_at) <= new Date()) {
          drop.push(reminder.id);
          continue;
        }
        send.push(reminder.id);
        for (const userId of b.guardian_user_ids) {
          notes.push({
            userId,
            kind: 'reminder',
            sessionId: b.session_id,
            bookingId: b.id,
            title: `提醒：「${b.class_title}」${chinaTime(new Date(b.starts_at))}`,
            body: `地点：${b.location ?? b.organisation_name}。到场后请扫描老师出示的签到码。不能参加请提前取消。`,
          });
        }
      }
      await repo.insertNotifications(trx, notes);
      await repo.markReminders(trx, send, 'sent');
      await repo.markReminders(trx, drop, 'cancelled');
      return send.length;
    });
  }
}
