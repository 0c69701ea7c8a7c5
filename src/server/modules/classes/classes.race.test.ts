import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { databaseKinds } from '../../../../test/support/databases.ts';
import { buildFamily, buildUser } from '../../../../test/support/factories.ts';
import { buildWorld, type World } from '../../../../test/support/world.ts';
import { createDatabase, type Database } from '../../db/database.ts';
import { call, sessionFor, startServerProcess, stopServerProcess, type Browser, type HttpAnswer, type ServerProcess } from './classes.racekit.ts';

/**
 * Two real server processes on one PostgreSQL; hundreds of concurrent booking requests race for the last seats of a
 * few sessions, each sent to both servers with the same Idempotency-Key, plus double bookings under new keys,
 * cancellations and the waitlist promotions they trigger. Afterwards the invariants are checked in SQL.
 */
const postgres = databaseKinds().find((k) => k.kind === 'postgres')!;

interface Family {
  id: string;
  guardians: string[];
  browsers: Browser[];
}

describe('classes: two server processes race for the last seats on one PostgreSQL', { skip: postgres.skip }, () => {
  let database: Database;
  let dataDir: string;
  let servers: ServerProcess[] = [];
  let world: World;
  const adminUrl = process.env.COEDU_TEST_PG_ADMIN_URL;
  const dbName = `coedu_classes_race_${randomBytes(6).toString('hex')}`;

  before(async () => {
    if (!adminUrl) throw new Error('COEDU_TEST_PG_ADMIN_URL is not set');
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coedu-classes-race-'));
    // Both start on the empty database at once: one migrates, the other waits for the migration lock.
    servers = await Promise.all([startServerProcess(url.toString(), dataDir, { COEDU_CLASSES_POLL_SECONDS: '1' }), startServerProcess(url.toString(), dataDir, { COEDU_CLASSES_POLL_SECONDS: '1' })]);
    database = await createDatabase({ kind: 'postgres', url: url.toString() });
    world = await buildWorld(database.db);
  });

  after(async () => {
    await Promise.all(servers.map(stopServerProcess));
    await database?.close();
    await new Promise((r) => setTimeout(r, 200));
    if (adminUrl) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('no session ever has more bookings than seats, no family is booked twice, a key gives one answer on both servers', { timeout: 240_000 }, async () => {
    const db = database.db;
    const staff = await sessionFor(db, world.users.schoolAdminA.id);
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const k = await call(a, staff, 'POST', '/api/classes', { organisationId: world.orgs.schoolA.id, mode: 'flexible', title: '抢座测试课堂', perFamilyLimit: 2 });
    assert.equal(k.status, 201, JSON.stringify(k.body));
    const startsAt = new Date(Date.now() + 48 * 3600_000).toISOString();
    const created = await call(b, staff, 'POST', `/api/classes/${k.body.id}/sessions`, { startsAt, durationMinutes: 60, capacity: 12, waitlistCapacity: 15, repeat: { frequency: 'daily', count: 3 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const sessions = created.body.items.map((s: { id: string }) => s.id) as string[];

    // 150 families; one in five comes as a couple (two seats).
    const families: Family[] = [];
    for (let i = 0; i < 150; i++) {
      const users = [await buildUser(db)];
      if (i % 5 === 0) users.push(await buildUser(db));
      const { family } = await buildFamily(db, { guardianIds: users.map((u) => u.id) });
      families.push({ id: family.id, guardians: users.map((u) => u.id), browsers: await Promise.all(users.map((u) => sessionFor(db, u.id))) });
    }

    const answers: { family: Family; session: string; key: string; a: HttpAnswer; b: HttpAnswer }[] = [];
    const doubles: HttpAnswer[] = [];
    const cancels: HttpAnswer[] = [];
    // Every family wants one session (spread over three), sends the same request to both servers at once, and a
    // different key for the same session (a double booking); a quarter of the confirmed cancel straight away.
    await Promise.all(
      families.map(async (f, i) => {
        const session = sessions[i % sessions.length]!;
        const body = { familyId: f.id, guardianUserIds: f.guardians };
        const key = `race-${i}-${randomBytes(4).toString('hex')}`;
        const path = `/api/classes/sessions/${session}/bookings`;
        const [ra, rb, dup] = await Promise.all([
          call(a, f.browsers[0]!, 'POST', path, body, { 'idempotency-key': key }),
          call(b, f.browsers[0]!, 'POST', path, body, { 'idempotency-key': key }),
          call(i % 2 ? a : b, f.browsers.at(-1)!, 'POST', path, body, { 'idempotency-key': `${key}-again` }),
        ]);
        answers.push({ family: f, session, key, a: ra, b: rb });
        doubles.push(dup);
        const mine = [ra, rb, dup].find((r) => r.status === 201);
        if (mine && i % 4 === 0) {
          cancels.push(await call(i % 3 ? b : a, f.browsers[0]!, 'POST', `/api/classes/bookings/${mine.body.id}/cancel`, {}, { 'idempotency-key': `${key}-cancel` }));
        }
      }),
    );

    const all = [...answers.flatMap((x) => [x.a, x.b]), ...doubles, ...cancels];
    const faults = all.filter((r) => r.status >= 500);
    assert.deepEqual(faults, [], 'no server faults');
    for (const x of answers) {
      assert.equal(x.a.status, x.b.status, `same key, same status (${x.key})`);
      assert.deepEqual(x.a.body, x.b.body, `same key, same answer (${x.key})`);
      assert.ok(x.a.replayed || x.b.replayed, 'one of the two is the replay');
    }
    const refusals = new Set(all.filter((r) => r.status >= 400).map((r) => r.body.error));
    for (const id of refusals) assert.ok(['class_session_full', 'class_already_booked'].includes(id), `unexpected refusal ${id}`);
    assert.ok(cancels.length > 0 && cancels.every((c) => c.status === 200), 'cancellations went through');

    // Invariants, in SQL.
    const bySession = await sql<{ id: string; capacity: number; seats_taken: number; waitlist_count: number; waitlist_capacity: number; confirmed: number; waiting: number }>`
      select s.id, s.capacity, s.seats_taken, s.waitlist_count, s.waitlist_capacity,
        coalesce(sum(b.seats) filter (where b.status = 'confirmed'), 0)::int as confirmed,
        count(b.id) filter (where b.status = 'waitlisted')::int as waiting
      from class_sessions s left join class_bookings b on b.session_id = s.id
      where s.class_id = ${k.body.id} group by s.id`.execute(db);
    for (const s of bySession.rows) {
      assert.ok(s.confirmed <= s.capacity, `session ${s.id}: ${s.confirmed} seats booked of ${s.capacity}`);
      assert.equal(s.seats_taken, s.confirmed, 'the counter matches the bookings');
      assert.equal(s.waitlist_count, s.waiting);
      assert.ok(s.waiting <= s.waitlist_capacity);
    }
    const twice = await sql<{ n: number }>`select count(*)::int as n from (select session_id, family_id from class_bookings where status <> 'cancelled' group by 1, 2 having count(*) > 1) x`.execute(db);
    assert.equal(twice.rows[0]!.n, 0, 'no family booked twice for a session');
    const guardianTwice = await sql<{ n: number }>`select count(*)::int as n from (select session_id, g from class_bookings, unnest(guardian_user_ids) g where status <> 'cancelled' group by 1, 2 having count(*) > 1) x`.execute(db);
    assert.equal(guardianTwice.rows[0]!.n, 0, 'no guardian holds two seats in a session');
    // Strict first come, first served: everybody promoted joined the queue before everybody still waiting, and a
    // waiting head does not fit in the seats left.
    for (const s of bySession.rows) {
      const order = await sql<{ promoted: number | null; waiting: number | null }>`
        select max(seq) filter (where promoted and status = 'confirmed')::int as promoted, min(seq) filter (where status = 'waitlisted')::int as waiting
        from class_bookings where session_id = ${s.id}`.execute(db);
      const { promoted, waiting } = order.rows[0]!;
      if (promoted !== null && waiting !== null) assert.ok(promoted < waiting, `session ${s.id}: promoted in queue order`);
      if (waiting !== null) {
        const head = await db.selectFrom('class_bookings').select('seats').where('session_id', '=', s.id).where('status', '=', 'waitlisted').orderBy('seq').executeTakeFirstOrThrow();
        assert.ok(s.capacity - s.seats_taken < head.seats, `session ${s.id}: nobody waits while their seats are free`);
      }
    }
    // Each key booked at most once: one booking per (family, session) request, whichever server answered.
    const created201 = answers.filter((x) => x.a.status === 201).length;
    const rows = await db.selectFrom('class_bookings').select((eb) => eb.fn.countAll<number>().as('n')).where('class_id', '=', k.body.id).executeTakeFirstOrThrow();
    assert.equal(Number(rows.n), created201 + doubles.filter((d) => d.status === 201).length);
    const promotedNotes = await db.selectFrom('class_notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', 'promoted').executeTakeFirstOrThrow();
    assert.ok(Number(promotedNotes.n) > 0, 'cancellations promoted waiting families, who were told');
  });
});
