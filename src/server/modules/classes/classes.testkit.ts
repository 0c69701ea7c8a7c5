import { sql, type Kysely } from 'kysely';
import { buildFamily, buildUser } from '../../../../test/support/factories.ts';
import { createDatabase } from '../../db/database.ts';
import type { DB } from '../../db/types.ts';
import type { RequestContext } from '../access/actor.ts';

/** Test helpers of the classes module (imported by its tests, the race test and the benchmark). */

export function guardianContext(userId: string, familyIds: string[]): RequestContext {
  return { actor: { userId, displayName: 'g', grants: [], familyIds, child: null, via: 'session', sessionId: null }, authFailure: null, ip: null, userAgent: null };
}

/** A family with `guardians` guardian accounts and one child at `schoolId`. */
export async function familyWith(db: Kysely<DB>, guardians = 1, schoolId: string | null = null) {
  const users = [];
  for (let i = 0; i < guardians; i++) users.push(await buildUser(db));
  const { family, children } = await buildFamily(db, { guardianIds: users.map((u) => u.id), children: [{ schoolId }] });
  return { family, children, users, ctx: guardianContext(users[0]!.id, [family.id]) };
}

export async function sessionState(db: Kysely<DB>, sessionId: string) {
  const s = await db.selectFrom('class_sessions').select(['seats_taken', 'waitlist_count', 'capacity']).where('id', '=', sessionId).executeTakeFirstOrThrow();
  const bookings = await db.selectFrom('class_bookings').select(['id', 'family_id', 'status', 'seats', 'seq']).where('session_id', '=', sessionId).orderBy('seq').execute();
  return { ...s, bookings };
}

/** Moves a session in time (keeping its own checks): `startsInHours` from now, cancellable until `cancelInHours`. */
export async function moveSession(db: Kysely<DB>, sessionId: string, startsInHours: number, cancelInHours = startsInHours) {
  await sql`update class_sessions set starts_at = now() + make_interval(secs => ${startsInHours * 3600}), ends_at = now() + make_interval(secs => ${startsInHours * 3600 + 5400}),
    cancel_until = now() + make_interval(secs => ${Math.min(cancelInHours, startsInHours) * 3600}) where id = ${sessionId}`.execute(db);
}

/**
 * Runs `fn` on a connection pool of its own when the fixture is PostgreSQL, closed (and its sockets given time to
 * close) before the suite drops its database: a test that fills the shared pool would otherwise leave connections
 * that the forced DROP DATABASE terminates under the pool's feet.
 */
export async function withOwnPool<T>(fixture: { kind: string; db: Kysely<DB> }, fn: (db: Kysely<DB>) => Promise<T>): Promise<T> {
  if (fixture.kind !== 'postgres') return fn(fixture.db);
  const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(fixture.db);
  const url = new URL(process.env.COEDU_TEST_PG_ADMIN_URL!);
  url.pathname = `/${rows[0]!.name}`;
  const own = await createDatabase({ kind: 'postgres', url: url.toString() });
  try {
    return await fn(own.db);
  } finally {
    await own.close();
    await new Promise((r) => setTimeout(r, 300));
  }
}

