/**
 * Booking throughput: HTTP (real server processes, real PostgreSQL 15) against pgbench running the same booking SQL
 * transaction on the same database in the same run.
 *
 *   npm run bench:booking                      # defaults: 64 clients, 10 s per run
 *   BENCH_CLIENTS=64 BENCH_SECONDS=10 BENCH_SERVERS=1,2 npm run bench:booking
 *
 * Set-up: a throwaway cluster (test/support/pg-cluster.ts: fsync off, as in tests), migrated by the servers, a school
 * with a flexible class of 400 sessions (capacity 10 000 each, so that bookings succeed), 4 096 families with one
 * guardian each and a browser session each. Work: each request books one (family, session) pair never booked before,
 * with a fresh Idempotency-Key — the full path: authentication, idempotency claim, family lock, session row lock,
 * checks, booking, counters, reminder, audit row, stored answer. "hot" runs put every client on one session (one row
 * lock serialises them all).
 *
 * pgbench runs the statements the service runs for a booking (one transaction: the key claimed with the family's
 * members, family lock, session row lock, conflict check, booking, counters with reminder, audit row with the stored
 * answer) from a script written below, with -c = the HTTP client count, -M prepared, over TCP.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { buildFamily, buildUser } from '../test/support/factories.ts';
import { findPostgresBinaries, startPostgresCluster } from '../test/support/pg-cluster.ts';
import { buildWorld } from '../test/support/world.ts';
import { createDatabase } from '../src/server/db/database.ts';
import { call, sessionFor, startServerProcess, stopServerProcess, type Browser, type ServerProcess } from '../src/server/modules/classes/classes.racekit.ts';
import { fmtMs, loadNow, machineLine, pct } from './lib/util.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SERVER_COUNTS = (process.env.BENCH_SERVERS ?? '1,2').split(',').map(Number);
const FAMILIES = 4096;
const SESSIONS = 400;

/** CPU seconds of a process from /proc (utime + stime, and with `children` the reaped children's too). */
function procCpu(pid: number, children = false): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0);
    return ticks / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by a PostgreSQL cluster: the postmaster, its reaped backends, its live children. */
function clusterCpu(dataDir: string): number {
  const postmaster = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let total = procCpu(postmaster, true);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[1]) === postmaster) total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // gone
    }
  }
  return total;
}

/** CPU seconds of this process's reaped children (pgbench after spawnSync) and of this process itself. */
function selfCpu(): { own: number; children: number } {
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return { own: (Number(fields[11]) + Number(fields[12])) / 100, children: (Number(fields[13]) + Number(fields[14])) / 100 };
}

interface Run {
  label: string;
  ok: number;
  failed: number;
  seconds: number;
  latencies: number[];
  /** CPU milliseconds per booking: everything the run used (servers, PostgreSQL, the load generator or pgbench). */
  cpuMs?: number;
}

function summary(run: Run) {
  return { label: run.label, tps: run.ok / run.seconds, p50: pct(run.latencies, 0.5), p99: pct(run.latencies, 0.99), failed: run.failed, cpuMs: run.cpuMs ?? NaN };
}

async function main() {
  const binDir = findPostgresBinaries();
  if (!binDir) throw new Error('PostgreSQL 15 binaries not found (see test/support/pg-cluster.ts)');
  console.log(`# booking benchmark\n\n${machineLine()}\n${CLIENTS} clients, ${SECONDS} s per run\n`);
  const cluster = await startPostgresCluster({ binDir, settings: { max_connections: 300, shared_buffers: '256MB' } });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coedu-bench-booking-'));
  const servers: ServerProcess[] = [];
  try {
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query('create database bench');
    await admin.end();
    const url = new URL(cluster.adminUrl);
    url.pathname = '/bench';
    const databaseUrl = url.toString();
    const poolSize = String(Math.max(8, Math.ceil(CLIENTS / Math.max(...SERVER_COUNTS))));
    const env = { COEDU_PG_POOL_SIZE: poolSize, COEDU_CLASSES_POLL_SECONDS: '0' };
    servers.push(await startServerProcess(databaseUrl, dataDir, env));
    const database = await createDatabase({ kind: 'postgres', url: databaseUrl });
    const db = database.db;

    // ---- data
    const world = await buildWorld(db);
    const staff = await sessionFor(db, world.users.schoolAdminA.id);
    const k = await call(servers[0]!, staff, 'POST', '/api/classes', { organisationId: world.orgs.schoolA.id, mode: 'flexible', title: '压测课堂', reminderMinutes: 60 });
    const created = await call(servers[0]!, staff, 'POST', `/api/classes/${k.body.id}/sessions`, { startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(), durationMinutes: 60, capacity: 10000, repeat: { frequency: 'daily', count: 60 } });
    const sessionIds: string[] = created.body.items.map((s: { id: string }) => s.id);
    while (sessionIds.length < SESSIONS) {
      const more = await call(servers[0]!, staff, 'POST', `/api/classes/${k.body.id}/sessions`, { startsAt: new Date(Date.now() + (31 + sessionIds.length) * 86_400_000).toISOString(), durationMinutes: 60, capacity: 10000, repeat: { frequency: 'daily', count: 60 } });
      sessionIds.push(...more.body.items.map((s: { id: string }) => s.id));
    }
    sessionIds.length = SESSIONS;
    const hot = (await call(servers[0]!, staff, 'POST', `/api/classes/${k.body.id}/sessions`, { startsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(), durationMinutes: 60, capacity: 10000 })).body.items[0].id as string;
    const families: { id: string; userId: string; browser: Browser }[] = [];
    process.stdout.write('families: ');
    for (let i = 0; i < FAMILIES; i++) {
      const user = await buildUser(db);
      const { family } = await buildFamily(db, { guardianIds: [user.id] });
      families.push({ id: family.id, userId: user.id, browser: await sessionFor(db, user.id) });
      if (i % 512 === 0) process.stdout.write('.');
    }
    console.log(` ${FAMILIES}`);
    await sql`create table bench_families (i int primary key, id uuid not null, user_id uuid not null)`.execute(db);
    await sql`create table bench_sessions (i int primary key, id uuid not null)`.execute(db);
    await sql`create sequence bench_pairs`.execute(db);
    for (let i = 0; i < FAMILIES; i += 500) {
      await db.insertInto('bench_families' as never).values(families.slice(i, i + 500).map((f, j) => ({ i: i + j, id: f.id, user_id: f.userId })) as never).execute();
    }
    await db.insertInto('bench_sessions' as never).values(sessionIds.map((id, i) => ({ i, id })) as never).execute();
    await sql`vacuum analyze`.execute(db);

    // ---- HTTP runs: every request books a pair never booked before (pair n → family n % F, session n / F).
    let pairCounter = 0;
    const nextPair = () => {
      const n = pairCounter++;
      return { family: families[n % FAMILIES]!, session: sessionIds[Math.floor(n / FAMILIES) % SESSIONS]! };
    };
    let hotCounter = 0;
    async function httpRun(label: string, targets: ServerProcess[], mode: 'spread' | 'hot'): Promise<Run> {
      const latencies: number[] = [];
      let ok = 0;
      let failed = 0;
      const sample: unknown[] = [];
      const end = Date.now() + SECONDS * 1000;
      const started = performance.now();
      const cpuBefore = clusterCpu(cluster.dataDir) + targets.reduce((sum, t) => sum + procCpu(t.process.pid!), 0) + selfCpu().own;
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, c) => {
          const server = targets[c % targets.length]!;
          while (Date.now() < end) {
            const { family, session } = mode === 'spread' ? nextPair() : { family: families[hotCounter++ % FAMILIES]!, session: hot };
            const key = randomBytes(12).toString('base64url');
            const send = () => call(server, family.browser, 'POST', `/api/classes/sessions/${session}/bookings`, { familyId: family.id, guardianUserIds: [family.userId] }, { 'idempotency-key': key });
            // A keep-alive connection the server closed while idle: send again with the same key (the answer is the same).
            const r = await send().catch(() => send());
            if (r.status === 201) {
              ok++;
              latencies.push(r.ms);
            } else {
              failed++;
              if (sample.length < 3) sample.push(r.body);
            }
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const cpuAfter = clusterCpu(cluster.dataDir) + targets.reduce((sum, t) => sum + procCpu(t.process.pid!), 0) + selfCpu().own;
      if (failed > 0) console.log(`  ${label}: ${failed} failed, e.g. ${JSON.stringify(sample)}`);
      return { label, ok, failed, seconds, latencies, cpuMs: ((cpuAfter - cpuBefore) * 1000) / Math.max(1, ok) };
    }

    // ---- pgbench: the same statements, from a script
    const script = path.join(dataDir, 'booking.sql');
    fs.writeFileSync(
      script,
      `select nextval('bench_pairs') - 1 as n \\gset
\\set f :n % ${FAMILIES}
\\set s (:n / ${FAMILIES}) % ${SESSIONS}
select id as fam, user_id as uid from bench_families where i = :f \\gset
select id as sid from bench_sessions where i = :s \\gset
\\set key random(1, 2000000000)
begin;
with claim as (insert into class_idempotency (user_id, key, operation, request_hash, status_code, response) values (:uid, 'pgbench-' || :n || '-' || :key, 'book', md5(:fam), 0, 'null') on conflict (user_id, key) do nothing returning key) select (select key from claim) as claimed, (select json_agg(user_id) from family_guardians where family_id = :fam) as guardians, (select json_agg(json_build_object('id', id, 'school_id', school_id)) from children where family_id = :fam) as children;
select pg_advisory_xact_lock(7243005, hashtext(:fam));
select s.*, s.held_on::text, k.title, k.mode, k.kind, k.audience, k.per_family_limit, k.reminder_minutes, k.organisation_id, o.name, o.kind, o.division_code from class_sessions s join classes k on k.id = s.class_id join organisations o on o.id = k.organisation_id where s.id = :sid for update of s;
select b.id, b.family_id from class_bookings b where b.session_id = :sid and b.status in ('confirmed', 'waitlisted') and (b.family_id = :fam or b.guardian_user_ids && ('{' || :uid || '}')::uuid[]) limit 1;
insert into class_bookings (session_id, class_id, family_id, booked_by, guardian_user_ids, child_ids, seats, status, confirmed_at) select :sid::uuid, class_id, :fam::uuid, :uid::uuid, ('{' || :uid || '}')::uuid[], '{}'::uuid[], 1, 'confirmed', now() from class_sessions where id = :sid returning id, seq, session_id, class_id, family_id, booked_by, guardian_user_ids, child_ids, seats, status, promoted, confirmed_at, cancelled_at, cancel_reason, created_at \\gset b_
with counters as (update class_sessions set seats_taken = seats_taken + 1, waitlist_count = waitlist_count + 0, updated_at = now() where id = :sid returning id) insert into class_reminders (booking_id, session_id, due_at) select :b_id::uuid, id, now() + interval '1 day' from counters where true on conflict (booking_id) do update set due_at = excluded.due_at, status = 'pending';
with audit as (insert into audit_events (actor_user_id, actor_child_id, action, resource_type, resource_id, ip, detail) values (:uid, null, 'classes.book', 'class_booking', :b_id, null, '{"seats": 1}'::jsonb)) update class_idempotency set status_code = 201, response = '{"id": "x", "status": "confirmed", "seats": 1, "guardianUserIds": [], "childIds": []}'::jsonb where user_id = :uid and key = 'pgbench-' || :n || '-' || :key;
commit;
`,
    );
    const pgbench = path.join(binDir, 'pgbench');
    function pgbenchRun(label: string, threads: number): Run {
      const cpuBefore = clusterCpu(cluster.dataDir) + selfCpu().children;
      const result = spawnSync(pgbench, ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-n', '-M', 'prepared', '-c', String(CLIENTS), '-j', String(threads), '-T', String(SECONDS), '-r', '-f', script, 'bench'], {
        encoding: 'utf8',
        env: { ...process.env, PGSSLMODE: 'disable' },
      });
      if (result.status !== 0) throw new Error(`pgbench failed: ${result.stderr}\n${result.stdout}`);
      const tps = Number(/tps = ([\d.]+)/.exec(result.stdout)?.[1]);
      const latency = Number(/latency average = ([\d.]+) ms/.exec(result.stdout)?.[1]);
      const failed = Number(/number of failed transactions: (\d+)/.exec(result.stdout)?.[1] ?? 0);
      const cpu = clusterCpu(cluster.dataDir) + selfCpu().children - cpuBefore;
      return { label: `${label} (avg latency ${latency} ms)`, ok: tps * SECONDS, failed, seconds: SECONDS, latencies: [], cpuMs: (cpu * 1000) / Math.max(1, tps * SECONDS) };
    }

    const rows: ReturnType<typeof summary>[] = [];
    // Warm-up (JIT, plan caches, connection pools).
    await httpRun('warm-up', servers, 'spread');
    // pgbench runs before and after the HTTP runs (the machine may be shared: the ratio uses their mean). It takes
    // pairs from a range of its own so that every booking is a fresh (family, session) pair.
    await sql`select setval('bench_pairs', ${(FAMILIES * SESSIONS) / 2})`.execute(db);
    const pgBefore = pgbenchRun('pgbench before', 2);
    for (const count of SERVER_COUNTS) {
      while (servers.length < count) servers.push(await startServerProcess(databaseUrl, dataDir, env));
      rows.push(summary(await httpRun(`HTTP, ${count} server process${count > 1 ? 'es' : ''}, 400 sessions`, servers.slice(0, count), 'spread')));
    }
    rows.push(summary(await httpRun(`HTTP, ${SERVER_COUNTS.at(-1)} server process(es), one hot session`, servers.slice(0, SERVER_COUNTS.at(-1)), 'hot')));
    const pgAfter = pgbenchRun('pgbench after', 2);
    const pgRow = {
      label: `pgbench, same transaction, 400 sessions (mean of a run before and after: ${(pgBefore.ok / SECONDS).toFixed(0)} and ${(pgAfter.ok / SECONDS).toFixed(0)}/s)`,
      tps: (pgBefore.ok + pgAfter.ok) / (2 * SECONDS),
      p50: NaN,
      p99: NaN,
      failed: pgBefore.failed + pgAfter.failed,
      cpuMs: (pgBefore.cpuMs! * pgBefore.ok + pgAfter.cpuMs! * pgAfter.ok) / Math.max(1, pgBefore.ok + pgAfter.ok),
    };
    rows.push(pgRow);

    // Invariants after all that: never more bookings than seats, no family twice.
    const over = await sql<{ n: number }>`select count(*)::int as n from class_sessions s where s.seats_taken <> (select coalesce(sum(seats), 0) from class_bookings b where b.session_id = s.id and b.status = 'confirmed') or s.seats_taken > s.capacity`.execute(db);
    const twice = await sql<{ n: number }>`select count(*)::int as n from (select session_id, family_id from class_bookings where status <> 'cancelled' group by 1, 2 having count(*) > 1) x`.execute(db);
    const total = await sql<{ n: number }>`select count(*)::int as n from class_bookings`.execute(db);

    console.log('\n| run | bookings/s | p50 ms | p99 ms | ratio to pgbench | CPU ms per booking | ratio by CPU |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.label} | ${r.tps.toFixed(0)} | ${fmtMs(r.p50)} | ${fmtMs(r.p99)} | ${(r.tps / pgRow.tps).toFixed(2)} | ${r.cpuMs.toFixed(2)} | ${(pgRow.cpuMs / r.cpuMs).toFixed(2)} |`);
    console.log(`load average at the end: ${loadNow()}`);
    console.log(`\n${total.rows[0]!.n} bookings written; sessions whose counter disagrees or overflows: ${over.rows[0]!.n}; families booked twice: ${twice.rows[0]!.n}`);
    await database.close();
  } finally {
    await Promise.all(servers.map(stopServerProcess));
    await cluster.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
