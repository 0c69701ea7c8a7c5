import type { Kysely } from 'kysely';
import type { DB, GrantRole, GrantScopeType } from '../../db/types.ts';

export async function listUsers(db: Kysely<DB>, filter: { q?: string; userIds?: string[]; limit: number; offset: number }) {
  let query = db.selectFrom('users').select(['id', 'username', 'phone', 'display_name', 'disabled', 'created_at']);
  if (filter.userIds) query = query.where('id', 'in', filter.userIds.length > 0 ? filter.userIds : ['00000000-0000-0000-0000-000000000000']);
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    query = query.where((eb) => eb.or([eb('display_name', 'ilike', like), eb('username', 'ilike', like), eb('phone', 'like', like)]));
  }
  const [items, total] = await Promise.all([
    query.orderBy('display_name').orderBy('id').limit(filter.limit).offset(filter.offset).execute(),
    query.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

export type UserListRow = Awaited<ReturnType<typeof listUsers>>['items'][number];

export async function grantsOfUsers(db: Kysely<DB>, userIds: string[]) {
  if (userIds.length === 0) return [];
  return db.selectFrom('role_grants').select(['id', 'user_id', 'role', 'scope_type', 'scope_id']).where('user_id', 'in', userIds).orderBy('created_at').execute();
}

/** Users holding any grant within the given organisations or communities (for scoped admins' user lists). */
export async function userIdsWithGrantsIn(db: Kysely<DB>, scope: { organisationIds: string[]; communityCodes: string[] }) {
  const rows = await db
    .selectFrom('role_grants')
    .select('user_id')
    .distinct()
    .where((eb) => {
      const ors = [];
      if (scope.organisationIds.length > 0) ors.push(eb.and([eb('scope_type', '=', 'organisation'), eb('scope_id', 'in', scope.organisationIds)]));
      if (scope.communityCodes.length > 0) ors.push(eb.and([eb('scope_type', '=', 'community'), eb('scope_id', 'in', scope.communityCodes)]));
      return ors.length > 0 ? eb.or(ors) : eb.val(false);
    })
    .execute();
  return rows.map((row) => row.user_id);
}

export async function organisationIdsInCommunities(db: Kysely<DB>, communityCodes: string[]) {
  if (communityCodes.length === 0) return [];
  const rows = await db.selectFrom('organisations').select(['id']).where('division_code', 'in', communityCodes).execute();
  return rows.map((row) => row.id);
}

export async function findUser(db: Kysely<DB>, id: string) {
  return db.selectFrom('users').select(['id', 'username', 'phone', 'display_name', 'disabled', 'created_at']).where('id', '=', id).executeTakeFirst();
}

export async function insertGrant(db: Kysely<DB>, grant: { userId: string; role: GrantRole; scopeType: GrantScopeType; scopeId: string; grantedBy: string }) {
  return db
    .insertInto('role_grants')
    .values({ user_id: grant.userId, role: grant.role, scope_type: grant.scopeType, scope_id: grant.scopeId, granted_by: grant.grantedBy })
    .returning(['id', 'user_id', 'role', 'scope_type', 'scope_id'])
    .executeTakeFirstOrThrow();
}

export async function findGrant(db: Kysely<DB>, id: string) {
  return db.selectFrom('role_grants').select(['id', 'user_id', 'role', 'scope_type', 'scope_id']).where('id', '=', id).executeTakeFirst();
}

export async function deleteGrant(db: Kysely<DB>, id: string) {
  await db.deleteFrom('role_grants').where('id', '=', id).execute();
}

export async function countDistrictAdmins(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('role_grants')
    .select((eb) => eb.fn.count<number>('user_id').distinct().as('n'))
    .where('role', '=', 'district_admin')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findOrganisationKind(db: Kysely<DB>, id: string) {
  return db.selectFrom('organisations').select(['id', 'kind', 'division_code']).where('id', '=', id).executeTakeFirst();
}

export async function findDivisionLevel(db: Kysely<DB>, code: string) {
  return db.selectFrom('divisions').select(['code', 'level']).where('code', '=', code).executeTakeFirst();
}
