import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/types.ts';
import type { BookingStatus, ClassKind, ClassMode, CourseFormat, CourseMaterial, CourseTier, GuardianRole, NotificationKind } from './classes.tables.ts';

/** A PostgreSQL array literal of validated UUIDs, cast to uuid[] (the same on pg and PGlite). */
export function uuidArray(ids: readonly string[]) {
  for (const id of ids) if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error(`not a uuid: ${id}`);
  return sql<string[]>`${`{${ids.join(',')}}`}::uuid[]`;
}

const dateText = (ref: string, alias: string) => sql<string>`${sql.ref(ref)}::text`.as(alias);
const nullableDateText = (ref: string, alias: string) => sql<string | null>`${sql.ref(ref)}::text`.as(alias);

// ---------------------------------------------------------------------------------------------------------------------
// idempotency

export async function findAnswer(db: Kysely<DB>, userId: string, key: string) {
  return db.selectFrom('class_idempotency').select(['operation', 'request_hash', 'status_code', 'response']).where('user_id', '=', userId).where('key', '=', key).executeTakeFirst();
}

/**
 * Claims a key inside the caller's transaction. A concurrent request with the same key blocks here until this
 * transaction ends; returns false when the key was already answered.
 */
export async function claimKey(db: Kysely<DB>, claim: { userId: string; key: string; operation: string; hash: string }) {
  const row = await db
    .insertInto('class_idempotency')
    .values({ user_id: claim.userId, key: claim.key, operation: claim.operation, request_hash: claim.hash, status_code: 0, response: 'null' })
    .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  return Boolean(row);
}

/** Claims a key and reads a family's members in one round trip (the booking hot path). */
export async function claimKeyWithFamily(db: Kysely<DB>, claim: { userId: string; key: string; operation: string; hash: string }, familyId: string) {
  const { rows } = await sql<{ claimed: string | null; guardians: string[] | null; children: { id: string; school_id: string | null }[] | null }>`
    with claim as (
      insert into class_idempotency (user_id, key, operation, request_hash, status_code, response)
      values (${claim.userId}, ${claim.key}, ${claim.operation}, ${claim.hash}, 0, 'null')
      on conflict (user_id, key) do nothing returning key)
    select (select key from claim) as claimed,
           (select json_agg(user_id) from family_guardians where family_id = ${familyId}) as guardians,
           (select json_agg(json_build_object('id', id, 'school_id', school_id)) from children where family_id = ${familyId}) as children`.execute(db);
  const row = rows[0]!;
  return { claimed: row.claimed !== null, members: { guardianIds: row.guardians ?? [], children: row.children ?? [] } };
}

/** Stores the answer and writes the change's audit row in one statement (same transaction as the change). */
export async function storeAnswerWithAudit(
  db: Kysely<DB>,
  userId: string,
  key: string,
  status: number,
  response: unknown,
  audit: { actorUserId: string | null; actorChildId: string | null; action: string; resourceType: string; resourceId: string | null; ip: string | null; detail: Record<string, unknown> },
) {
  await sql`with audit as (
      insert into audit_events (actor_user_id, actor_child_id, action, resource_type, resource_id, ip, detail)
      values (${audit.actorUserId}, ${audit.actorChildId}, ${audit.action}, ${audit.resourceType}, ${audit.resourceId}, ${audit.ip}, ${JSON.stringify(audit.detail)}::jsonb))
    update class_idempotency set status_code = ${status}, response = ${JSON.stringify(response)}::jsonb where user_id = ${userId} and key = ${key}`.execute(db);
}

export async function storeAnswer(db: Kysely<DB>, userId: string, key: string, status: number, response: unknown) {
  await db.updateTable('class_idempotency').set({ status_code: status, response: JSON.stringify(response) }).where('user_id', '=', userId).where('key', '=', key).execute();
}

/** Stores a refusal outside the failed transaction; false when another request with the key got there first. */
export async function insertAnswer(db: Kysely<DB>, claim: { userId: string; key: string; operation: string; hash: string }, status: number, response: unknown) {
  const row = await db
    .insertInto('class_idempotency')
    .values({ user_id: claim.userId, key: claim.key, operation: claim.operation, request_hash: claim.hash, status_code: status, response: JSON.stringify(response) })
    .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  return Boolean(row);
}

export async function deleteOldAnswers(db: Kysely<DB>, olderThanDays: number) {
  const result = await db.deleteFrom('class_idempotency').where('created_at', '<', sql<Date>`now() - make_interval(days => ${olderThanDays})`).executeTakeFirst();
  return Number(result.numDeletedRows);
}

// ---------------------------------------------------------------------------------------------------------------------
// organisations, families

export async function findOrganisation(db: Kysely<DB>, id: string) {
  return db.selectFrom('organisations').select(['id', 'name', 'kind', 'division_code']).where('id', '=', id).executeTakeFirst();
}

/** A family's guardians and children, in one round trip. */
export async function familyMembers(db: Kysely<DB>, familyId: string) {
  const { rows } = await sql<{ guardians: string[] | null; children: { id: string; school_id: string | null }[] | null }>`
    select (select json_agg(user_id) from family_guardians where family_id = ${familyId}) as guardians,
           (select json_agg(json_build_object('id', id, 'school_id', school_id)) from children where family_id = ${familyId}) as children`.execute(db);
  return { guardianIds: rows[0]?.guardians ?? [], children: rows[0]?.children ?? [] };
}

/** Serialises the booking decisions of one family (its limits span sessions). Released at commit or rollback. */
export async function lockFamily(db: Kysely<DB>, familyId: string) {
  await sql`select pg_advisory_xact_lock(7243005, hashtext(${familyId}))`.execute(db);
}

export async function userNames(db: Kysely<DB>, ids: string[]) {
  if (ids.length === 0) return new Map<string, string>();
  const rows = await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.display_name]));
}

export async function childNames(db: Kysely<DB>, ids: string[]) {
  if (ids.length === 0) return new Map<string, string>();
  const rows = await db.selectFrom('children').select(['id', 'display_name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.display_name]));
}

/** Grants and families of a user, to act in their name (handing attendance on to the points bank). */
export async function actorFacts(db: Kysely<DB>, userId: string) {
  const [user, grants, families] = await Promise.all([
    db.selectFrom('users').select(['id', 'display_name', 'disabled']).where('id', '=', userId).executeTakeFirst(),
    db.selectFrom('role_grants').select(['id', 'role', 'scope_type', 'scope_id']).where('user_id', '=', userId).execute(),
    db.selectFrom('family_guardians').select('family_id').where('user_id', '=', userId).execute(),
  ]);
  return user ? { user, grants, familyIds: families.map((f) => f.family_id) } : null;
}

// ---------------------------------------------------------------------------------------------------------------------
// courses

/** The entry's file in the library (left join `library_files as lf`): all null when it has none. */
export const courseFileColumns = ['lf.media_kind as file_media_kind', 'lf.content_type as file_content_type', 'lf.byte_size as file_byte_size', 'lf.file_name as file_name', 'lf.demo as file_demo', 'lf.sha256 as file_sha256'] as const;

const courseColumns = [
  'c.id',
  'c.external_id',
  'c.tier',
  'c.topic',
  'c.title',
  'c.summary',
  'c.age_min',
  'c.age_max',
  'c.guardian_role',
  'c.format',
  'c.duration_minutes',
  'c.session_count',
  'c.provider_org_id',
  'c.provider_name',
  'c.materials',
  'c.status',
  'c.version',
  'c.updated_at',
] as const;

export interface CourseFilter {
  statuses: ('draft' | 'published' | 'archived')[];
  tier?: CourseTier;
  topic?: string;
  format?: CourseFormat;
  age?: number;
  q?: string;
  /** Only entries with (true) or without (false) a file in the library's storage. */
  hasFile?: boolean;
  limit: number;
  offset: number;
}

export async function listCourses(db: Kysely<DB>, filter: CourseFilter) {
  let query = db
    .selectFrom('class_courses as c')
    .leftJoin('organisations as p', 'p.id', 'c.provider_org_id')
    .leftJoin('library_files as lf', 'lf.course_id', 'c.id')
    .where('c.status', 'in', filter.statuses);
  if (filter.hasFile !== undefined) query = query.where('lf.course_id', filter.hasFile ? 'is not' : 'is', null);
  if (filter.tier) query = query.where('c.tier', '=', filter.tier);
  if (filter.topic) query = query.where('c.topic', '=', filter.topic);
  if (filter.format) query = query.where('c.format', '=', filter.format);
  if (filter.age !== undefined) query = query.where('c.age_min', '<=', filter.age).where('c.age_max', '>=', filter.age);
  if (filter.q) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    query = query.where((eb) => eb.or([eb('c.title', 'ilike', pattern), eb('c.summary', 'ilike', pattern)]));
  }
  const [items, total] = await Promise.all([
    query.select([...courseColumns, ...courseFileColumns, 'p.name as provider_org_name']).orderBy('c.tier').orderBy('c.title').orderBy('c.id').limit(filter.limit).offset(filter.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

export type CourseRow = Awaited<ReturnType<typeof listCourses>>['items'][number];

export async function findCourse(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('class_courses as c')
    .leftJoin('organisations as p', 'p.id', 'c.provider_org_id')
    .leftJoin('library_files as lf', 'lf.course_id', 'c.id')
    .select([...courseColumns, ...courseFileColumns, 'p.name as provider_org_name'])
    .where('c.id', '=', id)
    .executeTakeFirst();
}

export interface CourseWrite {
  tier: CourseTier;
  topic: string;
  title: string;
  summary: string | null;
  ageMin: number;
  ageMax: number;
  guardianRole: GuardianRole;
  format: CourseFormat;
  durationMinutes: number;
  sessionCount: number;
  providerOrgId: string | null;
  providerName: string | null;
  materials: CourseMaterial[];
  status: 'draft' | 'published' | 'archived';
}

function courseValues(c: Partial<CourseWrite>) {
  return {
    ...(c.tier !== undefined ? { tier: c.tier } : {}),
    ...(c.topic !== undefined ? { topic: c.topic } : {}),
    ...(c.title !== undefined ? { title: c.title } : {}),
    ...(c.summary !== undefined ? { summary: c.summary } : {}),
    ...(c.ageMin !== undefined ? { age_min: c.ageMin } : {}),
    ...(c.ageMax !== undefined ? { age_max: c.ageMax } : {}),
    ...(c.guardianRole !== undefined ? { guardian_role: c.guardianRole } : {}),
    ...(c.format !== undefined ? { format: c.format } : {}),
    ...(c.durationMinutes !== undefined ? { duration_minutes: c.durationMinutes } : {}),
    ...(c.sessionCount !== undefined ? { session_count: c.sessionCount } : {}),
    ...(c.providerOrgId !== undefined ? { provider_org_id: c.providerOrgId } : {}),
    ...(c.providerName !== undefined ? { provider_name: c.providerName } : {}),
    ...(c.materials !== undefined ? { materials: JSON.stringify(c.materials) } : {}),
    ...(c.status !== undefined ? { status: c.status } : {}),
  };
}

export async function insertCourse(db: Kysely<DB>, course: CourseWrite & { createdBy: string | null; externalId?: string | null }) {
  const row = await db
    .insertInto('class_courses')
    .values({ ...(courseValues(course) as Required<ReturnType<typeof courseValues>> & { tier: CourseTier; topic: string; title: string; format: CourseFormat; duration_minutes: number; materials: string }), created_by: course.createdBy, external_id: course.externalId ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateCourse(db: Kysely<DB>, id: string, changes: Partial<CourseWrite>) {
  await db
    .updateTable('class_courses')
    .set({ ...courseValues(changes), version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

// ---------------------------------------------------------------------------------------------------------------------
// classes and staff

const classColumns = [
  'k.id',
  'k.organisation_id',
  'o.name as organisation_name',
  'o.kind as organisation_kind',
  'o.division_code as organisation_division_code',
  'k.course_id',
  'course.title as course_title',
  'course.tier as course_tier',
  'k.mode',
  'k.kind',
  'k.title',
  'k.description',
  'k.audience',
  'k.per_family_limit',
  'k.cancel_hours',
  'k.reminder_minutes',
  'k.seat_rows',
  'k.seat_cols',
  'k.status',
  'k.demo',
  'k.version',
  'k.updated_at',
] as const;

function classesQuery(db: Kysely<DB>) {
  return db
    .selectFrom('classes as k')
    .innerJoin('organisations as o', 'o.id', 'k.organisation_id')
    .leftJoin('class_courses as course', 'course.id', 'k.course_id')
    .select([...classColumns, nullableDateText('k.term_starts_on', 'term_starts_on'), nullableDateText('k.term_ends_on', 'term_ends_on')]);
}

export async function findClass(db: Kysely<DB>, id: string) {
  return classesQuery(db).where('k.id', '=', id).executeTakeFirst();
}
export type ClassRow = NonNullable<Awaited<ReturnType<typeof findClass>>>;

export async function listClasses(db: Kysely<DB>, filter: { organisationId?: string; organisationIds?: string[]; mode?: ClassMode; kind?: ClassKind; status?: 'active' | 'archived'; staffUserId?: string; limit: number; offset: number }) {
  let query = classesQuery(db);
  if (filter.organisationId) query = query.where('k.organisation_id', '=', filter.organisationId);
  if (filter.organisationIds || filter.staffUserId) {
    query = query.where((eb) => {
      const ors = [];
      if (filter.organisationIds && filter.organisationIds.length > 0) ors.push(eb('k.organisation_id', 'in', filter.organisationIds));
      if (filter.staffUserId) ors.push(eb.exists(eb.selectFrom('class_staff as cs').select('cs.user_id').whereRef('cs.class_id', '=', 'k.id').where('cs.user_id', '=', filter.staffUserId)));
      return ors.length > 0 ? eb.or(ors) : eb.val(false);
    });
  }
  if (filter.mode) query = query.where('k.mode', '=', filter.mode);
  if (filter.kind) query = query.where('k.kind', '=', filter.kind);
  query = query.where('k.status', '=', filter.status ?? 'active');
  return query.orderBy('o.name').orderBy('k.title').orderBy('k.id').limit(filter.limit).offset(filter.offset).execute();
}

export interface ClassWrite {
  organisationId: string;
  courseId: string | null;
  mode: ClassMode;
  kind: ClassKind;
  title: string;
  description: string | null;
  audience: 'public' | 'school_families';
  perFamilyLimit: number | null;
  cancelHours: number;
  reminderMinutes: number;
  termStartsOn: string | null;
  termEndsOn: string | null;
  seatRows: number | null;
  seatCols: number | null;
  demo?: boolean;
}

export async function insertClass(db: Kysely<DB>, k: ClassWrite & { createdBy: string | null }) {
  const row = await db
    .insertInto('classes')
    .values({
      organisation_id: k.organisationId,
      course_id: k.courseId,
      mode: k.mode,
      kind: k.kind,
      title: k.title,
      description: k.description,
      audience: k.audience,
      per_family_limit: k.perFamilyLimit,
      cancel_hours: k.cancelHours,
      reminder_minutes: k.reminderMinutes,
      term_starts_on: k.termStartsOn,
      term_ends_on: k.termEndsOn,
      seat_rows: k.seatRows,
      seat_cols: k.seatCols,
      demo: k.demo ?? false,
      created_by: k.createdBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateClass(
  db: Kysely<DB>,
  id: string,
  c: Partial<Pick<ClassWrite, 'title' | 'description' | 'audience' | 'perFamilyLimit' | 'cancelHours' | 'reminderMinutes' | 'courseId' | 'seatRows' | 'seatCols'>> & { status?: 'active' | 'archived' },
) {
  await db
    .updateTable('classes')
    .set({
      ...(c.title !== undefined ? { title: c.title } : {}),
      ...(c.description !== undefined ? { description: c.description } : {}),
      ...(c.audience !== undefined ? { audience: c.audience } : {}),
      ...(c.perFamilyLimit !== undefined ? { per_family_limit: c.perFamilyLimit } : {}),
      ...(c.cancelHours !== undefined ? { cancel_hours: c.cancelHours } : {}),
      ...(c.reminderMinutes !== undefined ? { reminder_minutes: c.reminderMinutes } : {}),
      ...(c.courseId !== undefined ? { course_id: c.courseId } : {}),
      ...(c.seatRows !== undefined ? { seat_rows: c.seatRows } : {}),
      ...(c.seatCols !== undefined ? { seat_cols: c.seatCols } : {}),
      ...(c.status !== undefined ? { status: c.status } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function classStaff(db: Kysely<DB>, classIds: string[]) {
  if (classIds.length === 0) return [];
  return db
    .selectFrom('class_staff as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.class_id', 's.user_id', 's.role', 'u.display_name'])
    .where('s.class_id', 'in', classIds)
    .orderBy('s.role', 'desc')
    .orderBy('u.display_name')
    .execute();
}

export async function isClassStaff(db: Kysely<DB>, classId: string, userId: string) {
  return Boolean(await db.selectFrom('class_staff').select('user_id').where('class_id', '=', classId).where('user_id', '=', userId).executeTakeFirst());
}

export async function replaceStaff(db: Kysely<DB>, classId: string, staff: { userId: string; role: 'lead' | 'assistant' }[], addedBy: string) {
  await db.deleteFrom('class_staff').where('class_id', '=', classId).execute();
  if (staff.length === 0) return;
  await db
    .insertInto('class_staff')
    .values(staff.map((s) => ({ class_id: classId, user_id: s.userId, role: s.role, added_by: addedBy })))
    .execute();
}

export async function existingUsers(db: Kysely<DB>, ids: string[]) {
  if (ids.length === 0) return [];
  return (await db.selectFrom('users').select('id').where('id', 'in', ids).where('disabled', '=', false).execute()).map((r) => r.id);
}

// ---------------------------------------------------------------------------------------------------------------------
// sessions

const sessionColumns = [
  's.id',
  's.class_id',
  's.series_id',
  's.starts_at',
  's.ends_at',
  's.location',
  's.capacity',
  's.waitlist_capacity',
  's.children_allowed',
  's.max_children',
  's.cancel_until',
  's.status',
  's.seats_taken',
  's.waitlist_count',
  's.version',
  'k.title as class_title',
  'k.mode as class_mode',
  'k.kind as class_kind',
  'k.audience as class_audience',
  'k.per_family_limit',
  'k.reminder_minutes',
  'k.cancel_hours',
  'k.organisation_id',
  'o.name as organisation_name',
  'o.kind as organisation_kind',
  'o.division_code as organisation_division_code',
] as const;

function sessionsQuery(db: Kysely<DB>) {
  return db
    .selectFrom('class_sessions as s')
    .innerJoin('classes as k', 'k.id', 's.class_id')
    .innerJoin('organisations as o', 'o.id', 'k.organisation_id')
    .select([...sessionColumns, dateText('s.held_on', 'held_on')]);
}

export async function findSession(db: Kysely<DB>, id: string) {
  return sessionsQuery(db).where('s.id', '=', id).executeTakeFirst();
}
export type SessionRow = NonNullable<Awaited<ReturnType<typeof findSession>>>;

/** Locks the session row: every booking decision of a session is made one at a time, on its latest state. */
export async function lockSession(db: Kysely<DB>, id: string) {
  return sessionsQuery(db).where('s.id', '=', id).forUpdate('s').executeTakeFirst();
}

export async function listSessions(
  db: Kysely<DB>,
  filter: { classId?: string; organisationId?: string; kind?: ClassKind; mode?: ClassMode; from?: Date; to?: Date; includeCancelled?: boolean; limit: number; offset: number },
) {
  let query = sessionsQuery(db).where('k.status', '=', 'active');
  if (filter.classId) query = query.where('s.class_id', '=', filter.classId);
  if (filter.organisationId) query = query.where('k.organisation_id', '=', filter.organisationId);
  if (filter.kind) query = query.where('k.kind', '=', filter.kind);
  if (filter.mode) query = query.where('k.mode', '=', filter.mode);
  if (filter.from) query = query.where('s.starts_at', '>=', filter.from);
  if (filter.to) query = query.where('s.starts_at', '<', filter.to);
  if (!filter.includeCancelled) query = query.where('s.status', '=', 'scheduled');
  return query.orderBy('s.starts_at').orderBy('s.id').limit(filter.limit).offset(filter.offset).execute();
}

export interface SessionWrite {
  classId: string;
  seriesId: string | null;
  startsAt: Date;
  endsAt: Date;
  heldOn: string;
  location: string | null;
  capacity: number;
  waitlistCapacity: number;
  childrenAllowed: boolean;
  maxChildren: number;
  cancelUntil: Date;
  createdBy: string | null;
}

export async function insertSessions(db: Kysely<DB>, sessions: SessionWrite[]) {
  if (sessions.length === 0) return [];
  const rows = await db
    .insertInto('class_sessions')
    .values(
      sessions.map((s) => ({
        class_id: s.classId,
        series_id: s.seriesId,
        starts_at: s.startsAt,
        ends_at: s.endsAt,
        held_on: s.heldOn,
        location: s.location,
        capacity: s.capacity,
        waitlist_capacity: s.waitlistCapacity,
        children_allowed: s.childrenAllowed,
        max_children: s.maxChildren,
        cancel_until: s.cancelUntil,
        created_by: s.createdBy,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function updateSession(
  db: Kysely<DB>,
  id: string,
  changes: { capacity?: number; waitlistCapacity?: number; location?: string | null; status?: 'cancelled'; times?: { startsAt: Date; endsAt: Date; heldOn: string; cancelUntil: Date } },
) {
  await db
    .updateTable('class_sessions')
    .set({
      ...(changes.times ? { starts_at: changes.times.startsAt, ends_at: changes.times.endsAt, held_on: changes.times.heldOn, cancel_until: changes.times.cancelUntil } : {}),
      ...(changes.capacity !== undefined ? { capacity: changes.capacity } : {}),
      ...(changes.waitlistCapacity !== undefined ? { waitlist_capacity: changes.waitlistCapacity } : {}),
      ...(changes.location !== undefined ? { location: changes.location } : {}),
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function adjustCounters(db: Kysely<DB>, sessionId: string, seats: number, waitlisted: number) {
  if (seats === 0 && waitlisted === 0) return;
  await db
    .updateTable('class_sessions')
    .set({ seats_taken: sql`seats_taken + ${seats}`, waitlist_count: sql`waitlist_count + ${waitlisted}`, updated_at: sql`now()` })
    .where('id', '=', sessionId)
    .execute();
}

// ---------------------------------------------------------------------------------------------------------------------
// bookings

const bookingColumns = [
  'b.id',
  'b.seq',
  'b.session_id',
  'b.class_id',
  'b.family_id',
  'b.booked_by',
  'b.guardian_user_ids',
  'b.child_ids',
  'b.seats',
  'b.status',
  'b.promoted',
  'b.confirmed_at',
  'b.cancelled_at',
  'b.cancel_reason',
  'b.created_at',
] as const;

export async function findBooking(db: Kysely<DB>, id: string) {
  return db.selectFrom('class_bookings as b').select(bookingColumns).where('b.id', '=', id).executeTakeFirst();
}
export type BookingRow = NonNullable<Awaited<ReturnType<typeof findBooking>>>;

/** An active booking of this session by the family, or one that already brings any of these guardians. */
export async function activeConflict(db: Kysely<DB>, sessionId: string, familyId: string, guardianIds: string[]) {
  return db
    .selectFrom('class_bookings as b')
    .select(['b.id', 'b.family_id'])
    .where('b.session_id', '=', sessionId)
    .where('b.status', 'in', ['confirmed', 'waitlisted'])
    .where((eb) => eb.or([eb('b.family_id', '=', familyId), sql<boolean>`b.guardian_user_ids && ${uuidArray(guardianIds)}`]))
    .limit(1)
    .executeTakeFirst();
}

/** The family's active bookings in a class for sessions that have not ended. */
export async function countActiveInClass(db: Kysely<DB>, classId: string, familyId: string, now: Date) {
  const row = await db
    .selectFrom('class_bookings as b')
    .innerJoin('class_sessions as s', 's.id', 'b.session_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('b.class_id', '=', classId)
    .where('b.family_id', '=', familyId)
    .where('b.status', 'in', ['confirmed', 'waitlisted'])
    .where('s.ends_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertBooking(
  db: Kysely<DB>,
  b: { sessionId: string; classId: string; familyId: string; bookedBy: string; guardianIds: string[]; childIds: string[]; status: BookingStatus },
) {
  const row = await db
    .insertInto('class_bookings')
    .values({
      session_id: b.sessionId,
      class_id: b.classId,
      family_id: b.familyId,
      booked_by: b.bookedBy,
      guardian_user_ids: uuidArray(b.guardianIds),
      child_ids: uuidArray(b.childIds),
      seats: b.guardianIds.length,
      status: b.status,
      confirmed_at: b.status === 'confirmed' ? sql`now()` : null,
    })
    .returning(bookingColumns.map((c) => c.replace('b.', '')) as never)
    .executeTakeFirstOrThrow();
  return row as unknown as BookingRow;
}

export async function cancelBookings(db: Kysely<DB>, ids: string[], by: string | null, reason: 'guardian' | 'staff' | 'session_cancelled') {
  if (ids.length === 0) return;
  await db
    .updateTable('class_bookings')
    .set({ status: 'cancelled', cancelled_at: sql`now()`, cancelled_by: by, cancel_reason: reason, updated_at: sql`now()` })
    .where('id', 'in', ids)
    .execute();
}

/** The head of the waitlist, in queue order. */
export async function waitlist(db: Kysely<DB>, sessionId: string, limit: number) {
  return db
    .selectFrom('class_bookings as b')
    .select(['b.id', 'b.seats', 'b.guardian_user_ids', 'b.family_id'])
    .where('b.session_id', '=', sessionId)
    .where('b.status', '=', 'waitlisted')
    .orderBy('b.seq')
    .limit(limit)
    .execute();
}

export async function confirmBookings(db: Kysely<DB>, ids: string[]) {
  if (ids.length === 0) return;
  await db.updateTable('class_bookings').set({ status: 'confirmed', promoted: true, confirmed_at: sql`now()`, updated_at: sql`now()` }).where('id', 'in', ids).execute();
}

export async function activeBookingsOfSession(db: Kysely<DB>, sessionId: string) {
  return db
    .selectFrom('class_bookings as b')
    .select(bookingColumns)
    .where('b.session_id', '=', sessionId)
    .where('b.status', 'in', ['confirmed', 'waitlisted'])
    .orderBy('b.seq')
    .execute();
}

/** Bookings of these families, newest sessions last, with their session and class. */
export async function bookingsOfFamilies(db: Kysely<DB>, familyIds: string[], filter: { upcomingOnly: boolean; now: Date; limit: number }) {
  if (familyIds.length === 0) return [];
  let query = db
    .selectFrom('class_bookings as b')
    .innerJoin('class_sessions as s', 's.id', 'b.session_id')
    .innerJoin('classes as k', 'k.id', 'b.class_id')
    .innerJoin('organisations as o', 'o.id', 'k.organisation_id')
    .select([...bookingColumns, 's.starts_at', 's.ends_at', 's.location', 's.status as session_status', 's.cancel_until', 's.version as session_version', 's.updated_at as session_updated_at', 'k.title as class_title', 'k.kind as class_kind', 'o.name as organisation_name'])
    .where('b.family_id', 'in', familyIds);
  if (filter.upcomingOnly) query = query.where('s.ends_at', '>', filter.now).where('b.status', '<>', 'cancelled');
  return query.orderBy('s.starts_at').orderBy('b.seq').limit(filter.limit).execute();
}

/** Position in the queue (1 = next) of a waitlisted booking. */
export async function waitlistPosition(db: Kysely<DB>, sessionId: string, seq: number) {
  const row = await db
    .selectFrom('class_bookings')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('session_id', '=', sessionId)
    .where('status', '=', 'waitlisted')
    .where('seq', '<=', seq)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// ---------------------------------------------------------------------------------------------------------------------
// reminders and notifications

export async function insertReminders(db: Kysely<DB>, reminders: { bookingId: string; sessionId: string; dueAt: Date }[]) {
  if (reminders.length === 0) return;
  await db
    .insertInto('class_reminders')
    .values(reminders.map((r) => ({ booking_id: r.bookingId, session_id: r.sessionId, due_at: r.dueAt })))
    .onConflict((oc) => oc.column('booking_id').doUpdateSet({ due_at: (eb) => eb.ref('excluded.due_at'), status: 'pending' }))
    .execute();
}

/** The counters of a new booking and its reminder, in one statement (one round trip in the hot path). */
export async function countBookingAndRemind(db: Kysely<DB>, sessionId: string, seats: number, waitlisted: number, reminder: { bookingId: string; dueAt: Date } | null) {
  await sql`with counters as (
      update class_sessions set seats_taken = seats_taken + ${seats}, waitlist_count = waitlist_count + ${waitlisted}, updated_at = now() where id = ${sessionId} returning id)
    insert into class_reminders (booking_id, session_id, due_at)
    select ${reminder?.bookingId ?? null}::uuid, id, ${reminder?.dueAt ?? null}::timestamptz from counters where ${reminder !== null}
    on conflict (booking_id) do update set due_at = excluded.due_at, status = 'pending'`.execute(db);
}

export async function cancelReminders(db: Kysely<DB>, bookingIds: string[]) {
  if (bookingIds.length === 0) return;
  await db.updateTable('class_reminders').set({ status: 'cancelled' }).where('booking_id', 'in', bookingIds).where('status', '=', 'pending').execute();
}

export async function insertNotifications(db: Kysely<DB>, rows: { userId: string; kind: NotificationKind; sessionId: string | null; bookingId: string | null; title: string; body: string }[]) {
  if (rows.length === 0) return;
  await db
    .insertInto('class_notifications')
    .values(rows.map((n) => ({ user_id: n.userId, kind: n.kind, session_id: n.sessionId, booking_id: n.bookingId, title: n.title, body: n.body })))
    .execute();
}

export async function listNotifications(db: Kysely<DB>, userId: string, limit: number) {
  return db
    .selectFrom('class_notifications')
    .select(['id', 'kind', 'session_id', 'booking_id', 'title', 'body', 'created_at', 'read_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function markNotificationRead(db: Kysely<DB>, userId: string, id: string) {
  const row = await db
    .updateTable('class_notifications')
    .set({ read_at: sql`coalesce(read_at, now())` })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning(['id', 'kind', 'session_id', 'booking_id', 'title', 'body', 'created_at', 'read_at'])
    .executeTakeFirst();
  return row;
}

/**
 * Takes up to `limit` due reminders and locks them; rows another instance holds are skipped, so that several
 * instances work the queue together and each reminder is sent once.
 */
export async function takeDueReminders(db: Kysely<DB>, limit: number) {
  return db
    .selectFrom('class_reminders as r')
    .select(['r.id', 'r.booking_id', 'r.session_id', 'r.attempts'])
    .where('r.status', '=', 'pending')
    .where('r.due_at', '<=', sql<Date>`now()`)
    .orderBy('r.due_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markReminders(db: Kysely<DB>, ids: string[], status: 'sent' | 'cancelled') {
  if (ids.length === 0) return;
  await db
    .updateTable('class_reminders')
    .set({ status, sent_at: status === 'sent' ? sql`now()` : null, attempts: sql`attempts + 1` })
    .where('id', 'in', ids)
    .execute();
}

export async function remindersContext(db: Kysely<DB>, bookingIds: string[]) {
  if (bookingIds.length === 0) return [];
  return db
    .selectFrom('class_bookings as b')
    .innerJoin('class_sessions as s', 's.id', 'b.session_id')
    .innerJoin('classes as k', 'k.id', 'b.class_id')
    .innerJoin('organisations as o', 'o.id', 'k.organisation_id')
    .select(['b.id', 'b.status', 'b.guardian_user_ids', 'b.session_id', 's.starts_at', 's.status as session_status', 's.location', 'k.title as class_title', 'o.name as organisation_name'])
    .where('b.id', 'in', bookingIds)
    .execute();
}

// ---------------------------------------------------------------------------------------------------------------------
// roster and attendance

export interface RosterEntry {
  familyId: string;
  familyName: string;
  bookingId: string | null;
  enrolmentId: string | null;
  status: 'confirmed' | 'waitlisted' | 'enrolled';
  seatLabel: string | null;
  guardianIds: string[];
  childIds: string[];
}

/** Flexible sessions: the active bookings; fixed classes: the enrolled families with all their guardians. */
export async function rosterEntries(db: Kysely<DB>, s: { id: string; class_id: string; class_mode: string }): Promise<RosterEntry[]> {
  if (s.class_mode === 'flexible') {
    const rows = await db
      .selectFrom('class_bookings as b')
      .innerJoin('families as f', 'f.id', 'b.family_id')
      .select(['b.id', 'b.family_id', 'f.name', 'b.status', 'b.guardian_user_ids', 'b.child_ids'])
      .where('b.session_id', '=', s.id)
      .where('b.status', 'in', ['confirmed', 'waitlisted'])
      .orderBy('b.status')
      .orderBy('b.seq')
      .execute();
    return rows.map((r) => ({ familyId: r.family_id, familyName: r.name, bookingId: r.id, enrolmentId: null, status: r.status as 'confirmed' | 'waitlisted', seatLabel: null, guardianIds: r.guardian_user_ids, childIds: r.child_ids }));
  }
  const rows = await db
    .selectFrom('class_enrolments as e')
    .innerJoin('families as f', 'f.id', 'e.family_id')
    .select(['e.id', 'e.family_id', 'f.name', 'e.seat_label'])
    .where('e.class_id', '=', s.class_id)
    .where('e.status', '=', 'active')
    .orderBy('e.seat_label')
    .orderBy('f.name')
    .execute();
  const familyIds = rows.map((r) => r.family_id);
  const guardians = familyIds.length ? await db.selectFrom('family_guardians').select(['family_id', 'user_id']).where('family_id', 'in', familyIds).orderBy('joined_at').execute() : [];
  return rows.map((r) => ({
    familyId: r.family_id,
    familyName: r.name,
    bookingId: null,
    enrolmentId: r.id,
    status: 'enrolled' as const,
    seatLabel: r.seat_label,
    guardianIds: guardians.filter((g) => g.family_id === r.family_id).map((g) => g.user_id),
    childIds: [],
  }));
}

export async function attendanceOf(db: Kysely<DB>, sessionId: string) {
  return db.selectFrom('class_attendance').select(['guardian_user_id', 'family_id', 'method', 'checked_in_at']).where('session_id', '=', sessionId).execute();
}

// ---------------------------------------------------------------------------------------------------------------------
// fixed classes: enrolments and seats

/** Serialises roster changes of one fixed class (seats are unique; the unique indexes are the backstop). */
export async function lockClassRoster(db: Kysely<DB>, classId: string) {
  await db.selectFrom('classes').select('id').where('id', '=', classId).forUpdate().executeTakeFirst();
}

export async function enrolmentsOf(db: Kysely<DB>, classId: string) {
  return db
    .selectFrom('class_enrolments as e')
    .innerJoin('families as f', 'f.id', 'e.family_id')
    .select(['e.id', 'e.class_id', 'e.family_id', 'f.name as family_name', 'e.status', 'e.seat_label', 'e.enrolled_at'])
    .where('e.class_id', '=', classId)
    .where('e.status', '=', 'active')
    .orderBy('e.seat_label')
    .orderBy('f.name')
    .execute();
}
export type EnrolmentRow = Awaited<ReturnType<typeof enrolmentsOf>>[number];

export async function insertEnrolment(db: Kysely<DB>, e: { classId: string; familyId: string; seatLabel: string | null; by: string }) {
  const row = await db.insertInto('class_enrolments').values({ class_id: e.classId, family_id: e.familyId, seat_label: e.seatLabel, enrolled_by: e.by }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function setSeat(db: Kysely<DB>, id: string, seat: string | null) {
  await db.updateTable('class_enrolments').set({ seat_label: seat }).where('id', '=', id).execute();
}

export async function withdrawEnrolment(db: Kysely<DB>, id: string, by: string) {
  await db.updateTable('class_enrolments').set({ status: 'withdrawn', withdrawn_at: sql`now()`, withdrawn_by: by, seat_label: null }).where('id', '=', id).execute();
}

export async function insertRosterChange(db: Kysely<DB>, c: { classId: string; familyId: string; action: 'enrol' | 'withdraw' | 'seat'; seatFrom: string | null; seatTo: string | null; by: string }) {
  await db.insertInto('class_roster_changes').values({ class_id: c.classId, family_id: c.familyId, action: c.action, seat_from: c.seatFrom, seat_to: c.seatTo, changed_by: c.by }).execute();
}

export async function rosterChanges(db: Kysely<DB>, classId: string, limit: number) {
  return db
    .selectFrom('class_roster_changes as c')
    .innerJoin('families as f', 'f.id', 'c.family_id')
    .leftJoin('users as u', 'u.id', 'c.changed_by')
    .select(['c.id', 'c.family_id', 'f.name as family_name', 'c.action', 'c.seat_from', 'c.seat_to', 'u.display_name as changed_by', 'c.changed_at'])
    .where('c.class_id', '=', classId)
    .orderBy('c.id', 'desc')
    .limit(limit)
    .execute();
}

/** Families with a child at a school, for staff to enrol (names only: no children's data). */
export async function schoolFamilies(db: Kysely<DB>, schoolId: string, limit: number) {
  return db
    .selectFrom('families as f')
    .select(['f.id', 'f.name'])
    .where(({ exists, selectFrom }) => exists(selectFrom('children as c').select('c.id').whereRef('c.family_id', '=', 'f.id').where('c.school_id', '=', schoolId)))
    .orderBy('f.name')
    .limit(limit)
    .execute();
}

// ---------------------------------------------------------------------------------------------------------------------
// calendar subscriptions (one active secret feed per family)

export async function activeCalendarFeed(db: Kysely<DB>, familyId: string) {
  return db.selectFrom('class_calendar_feeds').select(['id', 'family_id', 'created_at', 'last_used_at', 'created_by']).where('family_id', '=', familyId).where('revoked_at', 'is', null).executeTakeFirst();
}

/** Revokes the family's active feed (if any); returns how many were revoked (0 or 1). */
export async function revokeCalendarFeeds(db: Kysely<DB>, familyId: string) {
  const result = await db.updateTable('class_calendar_feeds').set({ revoked_at: new Date() }).where('family_id', '=', familyId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertCalendarFeed(db: Kysely<DB>, feed: { id: string; familyId: string; tokenHash: string; createdBy: string }) {
  return db
    .insertInto('class_calendar_feeds')
    .values({ id: feed.id, family_id: feed.familyId, token_hash: feed.tokenHash, created_by: feed.createdBy })
    .returning(['id', 'family_id', 'created_at', 'last_used_at'])
    .executeTakeFirstOrThrow();
}

export async function findCalendarFeedByHash(db: Kysely<DB>, tokenHash: string) {
  return db.selectFrom('class_calendar_feeds').select(['id', 'family_id', 'last_used_at']).where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).executeTakeFirst();
}

/** Records a read, at most once an hour per feed (calendar apps poll often; this is not an audit trail). */
export async function touchCalendarFeed(db: Kysely<DB>, id: string) {
  await db
    .updateTable('class_calendar_feeds')
    .set({ last_used_at: new Date() })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 hour'`)]))
    .execute();
}

/** Whether anyone has checked in to the session (a session with attendance keeps its time). */
export async function hasAttendance(db: Kysely<DB>, sessionId: string) {
  const row = await db.selectFrom('class_attendance').select('session_id').where('session_id', '=', sessionId).limit(1).executeTakeFirst();
  return row !== undefined;
}
