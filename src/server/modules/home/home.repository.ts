import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.ts';

export async function districtCounts(db: Kysely<DB>) {
  const [divisions, organisations, users, families] = await Promise.all([
    db.selectFrom('divisions').select(['level', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('level').execute(),
    db.selectFrom('organisations').select(['kind', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('kind').execute(),
    db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('families').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const byLevel = new Map(divisions.map((row) => [row.level, Number(row.n)]));
  const byKind = new Map(organisations.map((row) => [row.kind, Number(row.n)]));
  return {
    subdistricts: byLevel.get('subdistrict') ?? 0,
    communities: byLevel.get('community') ?? 0,
    schools: byKind.get('school') ?? 0,
    communityParentSchools: byKind.get('community_parent_school') ?? 0,
    venues: byKind.get('venue') ?? 0,
    users: Number(users.n),
    families: Number(families.n),
  };
}

export async function findDistrict(db: Kysely<DB>) {
  return db.selectFrom('divisions').select(['code', 'name']).where('level', '=', 'district').orderBy('code').executeTakeFirst();
}

export async function countStaffOfOrganisation(db: Kysely<DB>, organisationId: string): Promise<number> {
  const row = await db
    .selectFrom('role_grants')
    .select((eb) => eb.fn.count<number>('user_id').distinct().as('n'))
    .where('scope_type', '=', 'organisation')
    .where('scope_id', '=', organisationId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findCommunity(db: Kysely<DB>, code: string) {
  return db
    .selectFrom('divisions as c')
    .leftJoin('divisions as s', 's.code', 'c.parent_code')
    .select(['c.code', 'c.name', 's.name as subdistrict_name'])
    .where('c.code', '=', code)
    .executeTakeFirst();
}
