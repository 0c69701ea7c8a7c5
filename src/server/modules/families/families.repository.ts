import { sql, type Kysely } from 'kysely';
import type { Crs, DB } from '../../db/types.ts';

export async function insertFamily(db: Kysely<DB>, family: { name: string; createdBy: string }) {
  return db.insertInto('families').values({ name: family.name, created_by: family.createdBy }).returning(['id']).executeTakeFirstOrThrow();
}

export async function addGuardian(db: Kysely<DB>, familyId: string, userId: string, relation: string | null) {
  await db.insertInto('family_guardians').values({ family_id: familyId, user_id: userId, relation }).execute();
}

export async function findFamily(db: Kysely<DB>, id: string) {
  return db.selectFrom('families').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listGuardians(db: Kysely<DB>, familyIds: string[]) {
  if (familyIds.length === 0) return [];
  return db
    .selectFrom('family_guardians as g')
    .innerJoin('users as u', 'u.id', 'g.user_id')
    .select(['g.family_id', 'g.user_id', 'g.relation', 'u.display_name'])
    .where('g.family_id', 'in', familyIds)
    .orderBy('g.joined_at')
    .execute();
}

export async function listChildren(db: Kysely<DB>, familyIds: string[]) {
  if (familyIds.length === 0) return [];
  return db
    .selectFrom('children as c')
    .leftJoin('organisations as o', 'o.id', 'c.school_id')
    .select(['c.id', 'c.family_id', 'c.display_name', 'c.birth_year', 'c.school_id', 'o.name as school_name', 'c.grade', 'c.pin_hash'])
    .where('c.family_id', 'in', familyIds)
    .orderBy('c.birth_year')
    .orderBy('c.created_at')
    .execute();
}

export type ChildListRow = Awaited<ReturnType<typeof listChildren>>[number];

export async function listFamiliesByIds(db: Kysely<DB>, ids: string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('families').selectAll().where('id', 'in', ids).orderBy('created_at').execute();
}

/** Whether any child of the family attends one of the given schools (a school's staff may then see the family). */
export async function familyHasChildAtSchools(db: Kysely<DB>, familyId: string, schoolIds: string[]): Promise<boolean> {
  if (schoolIds.length === 0) return false;
  const row = await db.selectFrom('children').select('id').where('family_id', '=', familyId).where('school_id', 'in', schoolIds).executeTakeFirst();
  return Boolean(row);
}

export async function insertChild(
  db: Kysely<DB>,
  child: { familyId: string; displayName: string; birthYear: number | null; schoolId: string | null; grade: string | null; pinHash: string | null },
) {
  return db
    .insertInto('children')
    .values({
      family_id: child.familyId,
      display_name: child.displayName,
      birth_year: child.birthYear,
      school_id: child.schoolId,
      grade: child.grade,
      pin_hash: child.pinHash,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function updateChild(
  db: Kysely<DB>,
  id: string,
  changes: { displayName?: string; birthYear?: number | null; schoolId?: string | null; grade?: string | null; pinHash?: string | null },
) {
  await db
    .updateTable('children')
    .set({
      ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
      ...(changes.birthYear !== undefined ? { birth_year: changes.birthYear } : {}),
      ...(changes.schoolId !== undefined ? { school_id: changes.schoolId } : {}),
      ...(changes.grade !== undefined ? { grade: changes.grade } : {}),
      ...(changes.pinHash !== undefined ? { pin_hash: changes.pinHash } : {}),
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function findChild(db: Kysely<DB>, id: string) {
  return db.selectFrom('children').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findSchool(db: Kysely<DB>, id: string) {
  return db.selectFrom('organisations').select(['id', 'kind']).where('id', '=', id).executeTakeFirst();
}

export async function insertInvitation(db: Kysely<DB>, invitation: { familyId: string; codeHash: string; relation: string | null; createdBy: string; expiresAt: Date }) {
  await db
    .insertInto('family_invitations')
    .values({
      family_id: invitation.familyId,
      code_hash: invitation.codeHash,
      relation: invitation.relation,
      created_by: invitation.createdBy,
      expires_at: invitation.expiresAt,
    })
    .execute();
}

/** Claims an open invitation atomically: only one acceptance can win. */
export async function claimInvitation(db: Kysely<DB>, codeHash: string, userId: string) {
  return db
    .updateTable('family_invitations')
    .set({ accepted_by: userId, accepted_at: sql`now()` })
    .where('code_hash', '=', codeHash)
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['id', 'family_id', 'relation'])
    .executeTakeFirst();
}

export async function isGuardian(db: Kysely<DB>, familyId: string, userId: string): Promise<boolean> {
  const row = await db.selectFrom('family_guardians').select('user_id').where('family_id', '=', familyId).where('user_id', '=', userId).executeTakeFirst();
  return Boolean(row);
}

// ---------------------------------------------------------------------------------------------------------------------
// the family's home point (guardians only; see migration 20261125060000_family_home.sql)

export async function findHome(db: Kysely<DB>, familyId: string) {
  return db.selectFrom('family_homes').select(['family_id', 'lon', 'lat', 'source_crs', 'label', 'updated_at']).where('family_id', '=', familyId).executeTakeFirst();
}
export type HomeRow = NonNullable<Awaited<ReturnType<typeof findHome>>>;

export async function upsertHome(db: Kysely<DB>, home: { familyId: string; lon: number; lat: number; sourceCrs: Crs; label: string | null; updatedBy: string }) {
  const values = { lon: home.lon, lat: home.lat, source_crs: home.sourceCrs, label: home.label, updated_by: home.updatedBy, updated_at: sql<Date>`now()` };
  return db
    .insertInto('family_homes')
    .values({ family_id: home.familyId, ...values })
    .onConflict((oc) => oc.column('family_id').doUpdateSet(values))
    .returning(['family_id', 'lon', 'lat', 'source_crs', 'label', 'updated_at'])
    .executeTakeFirstOrThrow();
}

export async function deleteHome(db: Kysely<DB>, familyId: string): Promise<boolean> {
  const result = await db.deleteFrom('family_homes').where('family_id', '=', familyId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
