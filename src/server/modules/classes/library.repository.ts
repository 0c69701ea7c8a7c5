import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/types.ts';
import { courseFileColumns } from './classes.repository.ts';
import type { CourseTier, LibraryMediaKind } from './classes.tables.ts';

/** SQL of the online course library: files of entries, progress per guardian, what recommendations start from. */

export async function findFile(db: Kysely<DB>, courseId: string) {
  return db
    .selectFrom('class_courses as c')
    .leftJoin('library_files as f', 'f.course_id', 'c.id')
    .select(['c.id', 'c.status', 'c.title', 'f.storage_key', 'f.media_kind', 'f.content_type', 'f.byte_size', 'f.sha256', 'f.file_name', 'f.demo'])
    .where('c.id', '=', courseId)
    .executeTakeFirst();
}

export interface FileWrite {
  courseId: string;
  storageKey: string;
  mediaKind: LibraryMediaKind;
  contentType: string;
  byteSize: number;
  sha256: string;
  fileName: string;
  demo: boolean;
  uploadedBy: string | null;
}

/** Sets the entry's file (replacing the one it had); returns the storage key it had before, if any. */
export async function upsertFile(db: Kysely<DB>, f: FileWrite): Promise<string | null> {
  const before = await db.selectFrom('library_files').select('storage_key').where('course_id', '=', f.courseId).forUpdate().executeTakeFirst();
  const values = {
    storage_key: f.storageKey,
    media_kind: f.mediaKind,
    content_type: f.contentType,
    byte_size: f.byteSize,
    sha256: f.sha256,
    file_name: f.fileName,
    demo: f.demo,
    uploaded_by: f.uploadedBy,
    uploaded_at: new Date(),
  };
  await db
    .insertInto('library_files')
    .values({ course_id: f.courseId, ...values })
    .onConflict((oc) => oc.column('course_id').doUpdateSet(values))
    .execute();
  return before?.storage_key ?? null;
}

/**
 * Records progress idempotently: the position is replaced (where to resume), the percent only grows, and
 * completed_at, once set, is kept (completion is monotonic). Returns the row as stored.
 */
export async function upsertProgress(db: Kysely<DB>, p: { userId: string; courseId: string; positionSeconds: number; percent: number; complete: boolean }) {
  const percent = p.complete ? 100 : p.percent;
  return db
    .insertInto('library_progress')
    .values({ user_id: p.userId, course_id: p.courseId, position_seconds: p.positionSeconds, percent, completed_at: p.complete ? sql<Date>`now()` : null })
    .onConflict((oc) =>
      oc.columns(['user_id', 'course_id']).doUpdateSet({
        position_seconds: (eb) => eb.ref('excluded.position_seconds'),
        percent: sql<number>`greatest(library_progress.percent, excluded.percent)`,
        completed_at: sql<Date | null>`coalesce(library_progress.completed_at, excluded.completed_at)`,
        updated_at: sql<Date>`now()`,
      }),
    )
    .returning(['course_id', 'position_seconds', 'percent', 'started_at', 'updated_at', 'completed_at'])
    .executeTakeFirstOrThrow();
}

/** A guardian's progress rows with their entries, most recently touched first. */
export async function progressOf(db: Kysely<DB>, userId: string, limit: number) {
  return db
    .selectFrom('library_progress as lp')
    .innerJoin('class_courses as c', 'c.id', 'lp.course_id')
    .leftJoin('library_files as lf', 'lf.course_id', 'c.id')
    .select([
      'lp.course_id',
      'lp.position_seconds',
      'lp.percent',
      'lp.started_at',
      'lp.updated_at',
      'lp.completed_at',
      'c.id',
      'c.title',
      'c.tier',
      'c.topic',
      'c.age_min',
      'c.age_max',
      'c.duration_minutes',
      ...courseFileColumns,
    ])
    .where('lp.user_id', '=', userId)
    .where('c.status', '=', 'published')
    .orderBy('lp.updated_at', 'desc')
    .orderBy('lp.course_id')
    .limit(limit)
    .execute();
}

/** Per family: library entries completed by any of its guardians (an entry counts once), and by how many guardians. */
export async function familyCompletion(db: Kysely<DB>, familyIds: string[]) {
  if (familyIds.length === 0) return [];
  return db
    .selectFrom('families as f')
    .leftJoin('family_guardians as g', 'g.family_id', 'f.id')
    .leftJoin('library_progress as lp', (join) => join.onRef('lp.user_id', '=', 'g.user_id').on('lp.completed_at', 'is not', null))
    .select((eb) => ['f.id', 'f.name', eb.fn.count<string>('lp.course_id').distinct().as('completed'), eb.fn.count<string>('lp.user_id').distinct().as('guardians_completing')])
    .where('f.id', 'in', familyIds)
    .groupBy(['f.id', 'f.name'])
    .orderBy('f.name')
    .execute();
}

/** Birth years of the children of these families (null ones left out). */
export async function childBirthYears(db: Kysely<DB>, familyIds: string[]) {
  if (familyIds.length === 0) return [];
  const rows = await db.selectFrom('children').select('birth_year').where('family_id', 'in', familyIds).where('birth_year', 'is not', null).orderBy('birth_year').execute();
  return rows.map((r) => r.birth_year!);
}

/** Entries completed by any guardian of these families, most recent first. */
export async function familyCompleted(db: Kysely<DB>, familyIds: string[]) {
  if (familyIds.length === 0) return [];
  return db
    .selectFrom('library_progress as lp')
    .innerJoin('family_guardians as g', 'g.user_id', 'lp.user_id')
    .innerJoin('class_courses as c', 'c.id', 'lp.course_id')
    .select(['c.id', 'c.title', 'c.tier', 'c.topic', 'lp.completed_at'])
    .where('g.family_id', 'in', familyIds)
    .where('lp.completed_at', 'is not', null)
    .orderBy('lp.completed_at', 'desc')
    .orderBy('c.id')
    .limit(200)
    .execute();
}

/** Classes the families booked (not cancelled) or are enrolled in, with their course's tier and theme, most recent first. */
export async function familyBookedCourses(db: Kysely<DB>, familyIds: string[]): Promise<{ title: string; tier: CourseTier | null; topic: string | null }[]> {
  if (familyIds.length === 0) return [];
  const bookings = db
    .selectFrom('class_bookings as b')
    .innerJoin('classes as k', 'k.id', 'b.class_id')
    .leftJoin('class_courses as c', 'c.id', 'k.course_id')
    .select(['k.id as class_id', 'k.title', 'c.tier', 'c.topic', 'b.created_at as at'])
    .where('b.family_id', 'in', familyIds)
    .where('b.status', '!=', 'cancelled');
  const enrolments = db
    .selectFrom('class_enrolments as e')
    .innerJoin('classes as k', 'k.id', 'e.class_id')
    .leftJoin('class_courses as c', 'c.id', 'k.course_id')
    .select(['k.id as class_id', 'k.title', 'c.tier', 'c.topic', 'e.enrolled_at as at'])
    .where('e.family_id', 'in', familyIds)
    .where('e.status', '=', 'active');
  return db
    .selectFrom(bookings.unionAll(enrolments).as('h'))
    .select(['h.title', 'h.tier', 'h.topic'])
    .orderBy('h.at', 'desc')
    .orderBy('h.class_id')
    .limit(200)
    .execute();
}

/**
 * Published library entries (format online) that could suit the family: for one of the ages (when ages are known),
 * or in one of the themes it has a history in; entries with a file first. Capped: ranking is done in recommend().
 */
export async function recommendationCandidates(db: Kysely<DB>, ages: number[], topics: string[], cap = 3000) {
  let query = db
    .selectFrom('class_courses as c')
    .leftJoin('library_files as lf', 'lf.course_id', 'c.id')
    .select(['c.id', 'c.title', 'c.tier', 'c.topic', 'c.age_min', 'c.age_max', 'lf.course_id as file_course_id'])
    .where('c.status', '=', 'published')
    .where('c.format', '=', 'online');
  if (ages.length > 0) query = query.where((eb) => eb.or(ages.map((age) => eb.and([eb('c.age_min', '<=', age), eb('c.age_max', '>=', age)]))));
  else if (topics.length > 0) query = query.where('c.topic', 'in', topics);
  else return [];
  return query.orderBy(sql`lf.course_id is null`).orderBy('c.title').orderBy('c.id').limit(cap).execute();
}
