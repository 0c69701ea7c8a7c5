import { sql, type Kysely } from 'kysely';
import { PREPARED } from '../../db/prepared.ts';
import type { DB } from '../../db/types.ts';
import type { Grant } from '../access/actor.ts';

export async function findUserByLogin(db: Kysely<DB>, login: string) {
  const normalised = login.trim().toLowerCase();
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb('username', '=', normalised), eb('phone', '=', normalised)]))
    .executeTakeFirst();
}

export async function findUserById(db: Kysely<DB>, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listGrantsOfUser(db: Kysely<DB>, userId: string): Promise<Grant[]> {
  const rows = await db
    .selectFrom('role_grants')
    .select(['id', 'role', 'scope_type', 'scope_id'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({ id: row.id, role: row.role, scopeType: row.scope_type, scopeId: row.scope_id }));
}

export async function listFamilyIdsOfUser(db: Kysely<DB>, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('family_guardians').select('family_id').where('user_id', '=', userId).execute();
  return rows.map((row) => row.family_id);
}

/** Display names of the scopes of grants (division name or organisation name), for session views. */
export async function scopeNames(db: Kysely<DB>, grants: Grant[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const orgIds = grants.filter((g) => g.scopeType === 'organisation').map((g) => g.scopeId);
  const divisionCodes = grants.filter((g) => g.scopeType !== 'organisation').map((g) => g.scopeId);
  if (orgIds.length > 0) {
    const rows = await db.selectFrom('organisations').select(['id', 'name']).where('id', 'in', orgIds).execute();
    for (const row of rows) names.set(row.id, row.name);
  }
  if (divisionCodes.length > 0) {
    const rows = await db.selectFrom('divisions').select(['code', 'name']).where('code', 'in', divisionCodes).execute();
    for (const row of rows) names.set(row.code, row.name);
  }
  return names;
}

export async function insertSession(
  db: Kysely<DB>,
  session: { id: string; userId: string; csrfToken: string; ip: string | null; userAgent: string | null; expiresAt: Date },
) {
  await db
    .insertInto('sessions')
    .values({
      id: session.id,
      user_id: session.userId,
      csrf_token: session.csrfToken,
      ip: session.ip,
      user_agent: session.userAgent,
      expires_at: session.expiresAt,
    })
    .execute();
}

/** A session with its user, grants and families (see findSessionsWithActor). */
export interface SessionWithActor {
  id: string;
  user_id: string;
  csrf_token: string;
  child_id: string | null;
  expires_at: Date;
  last_seen_at: Date;
  child_family_id: string | null;
  child_display_name: string | null;
  display_name: string;
  disabled: boolean;
  grants: Grant[];
  family_ids: string[];
}

/**
 * Everything requests need to authenticate session cookies, in one round trip for several sessions: each session
 * (with the child of child mode), its user, the user's grants and the families they guard. Answers in the order of
 * `ids`, undefined for an unknown session. Read fresh for every request (no cache), so that sign-out, a disabled
 * user or a changed grant takes effect on the next request.
 */
export async function findSessionsWithActor(db: Kysely<DB>, ids: string[]): Promise<(SessionWithActor | undefined)[]> {
  const { rows } = await sql<SessionWithActor>`${sql.raw(PREPARED)}
    select s.id, s.user_id, s.csrf_token, s.child_id, s.expires_at, s.last_seen_at,
           c.family_id as child_family_id, c.display_name as child_display_name, u.display_name, u.disabled,
           coalesce((select json_agg(json_build_object('id', g.id, 'role', g.role, 'scopeType', g.scope_type, 'scopeId', g.scope_id) order by g.created_at)
                     from role_grants g where g.user_id = s.user_id), '[]') as grants,
           coalesce((select json_agg(f.family_id) from family_guardians f where f.user_id = s.user_id), '[]') as family_ids
    from sessions s
    join users u on u.id = s.user_id
    left join children c on c.id = s.child_id
    where s.id = any(${ids}::text[])`.execute(db);
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id));
}

export async function touchSession(db: Kysely<DB>, id: string, expiresAt: Date) {
  await db.updateTable('sessions').set({ last_seen_at: sql`now()`, expires_at: expiresAt }).where('id', '=', id).execute();
}

export async function setSessionChild(db: Kysely<DB>, id: string, childId: string | null) {
  await db.updateTable('sessions').set({ child_id: childId }).where('id', '=', id).execute();
}

export async function deleteSession(db: Kysely<DB>, id: string) {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

export async function deleteExpiredSessions(db: Kysely<DB>) {
  await db.deleteFrom('sessions').where('expires_at', '<', sql<Date>`now()`).execute();
}

export async function countRecentFailures(db: Kysely<DB>, key: string, since: Date): Promise<number> {
  // Failures count from the later of the window start and the last success for this key.
  const lastSuccess = await db
    .selectFrom('sign_in_attempts')
    .select('at')
    .where('key', '=', key)
    .where('succeeded', '=', true)
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const from = lastSuccess && new Date(lastSuccess.at) > since ? new Date(lastSuccess.at) : since;
  const row = await db
    .selectFrom('sign_in_attempts')
    .select((eb) => eb.fn.countAll<number>().as('failures'))
    .where('key', '=', key)
    .where('succeeded', '=', false)
    .where('at', '>', from)
    .executeTakeFirstOrThrow();
  return Number(row.failures);
}

export async function recordAttempts(db: Kysely<DB>, keys: string[], succeeded: boolean) {
  await db.insertInto('sign_in_attempts').values(keys.map((key) => ({ key, succeeded }))).execute();
}

export async function insertUser(
  db: Kysely<DB>,
  user: { username: string | null; phone: string | null; displayName: string; passwordHash: string; locale?: 'zh-CN' | 'en' },
) {
  return db
    .insertInto('users')
    .values({
      username: user.username,
      phone: user.phone,
      display_name: user.displayName,
      password_hash: user.passwordHash,
      locale: user.locale ?? 'zh-CN',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateUserProfile(db: Kysely<DB>, id: string, changes: { locale?: 'zh-CN' | 'en'; displayName?: string }) {
  await db
    .updateTable('users')
    .set({
      ...(changes.locale ? { locale: changes.locale } : {}),
      ...(changes.displayName ? { display_name: changes.displayName } : {}),
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function findChildForFamily(db: Kysely<DB>, childId: string) {
  return db.selectFrom('children').select(['id', 'family_id', 'display_name', 'pin_hash']).where('id', '=', childId).executeTakeFirst();
}

export async function insertApiToken(db: Kysely<DB>, token: { userId: string; name: string; tokenHash: string; prefix: string; expiresAt: Date | null }) {
  return db
    .insertInto('api_tokens')
    .values({ user_id: token.userId, name: token.name, token_hash: token.tokenHash, prefix: token.prefix, expires_at: token.expiresAt })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listApiTokens(db: Kysely<DB>, userId: string) {
  return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).where('revoked_at', 'is', null).orderBy('created_at', 'desc').execute();
}

export async function findApiTokenByHash(db: Kysely<DB>, tokenHash: string) {
  return db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function markApiTokenUsed(db: Kysely<DB>, id: string) {
  await db.updateTable('api_tokens').set({ last_used_at: sql`now()` }).where('id', '=', id).execute();
}

export async function revokeApiToken(db: Kysely<DB>, userId: string, id: string): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: sql`now()` })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function familyNames(db: Kysely<DB>, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('families').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, row.name]));
}
