/**
 * Points bank benchmark: awards per second through the HTTP API on PostgreSQL, and the cost of a balance read for a
 * family with 10 000 ledger entries.
 *
 *   npm run bench:points                                   # 64 clients, 10 s per run, 1 and 2 server processes
 *   BENCH_CLIENTS=64 BENCH_SECONDS=10 BENCH_SERVERS=1,2 npm run bench:points
 *
 * Set-up: a throwaway PostgreSQL 15 cluster (test/support/pg-cluster.ts), migrated by the servers, the test world
 * plus one family per client with a guardian signed in (browser session: cookie + CSRF), and a home-activity rule
 * without caps. Work: each client posts `POST /api/points/families/{id}/home-activities` with a fresh idempotency key
 * in a loop — the full path: session authentication, then the group commit of home activities (account row locks,
 * rule and term, idempotency check, cap sums, evidence rows, ledger entries, balances, audit rows, commit) and the
 * answer built from the rows written. CPU per award is read from /proc for the server processes and the cluster,
 * and from process.cpuUsage() for this process (the load generator); the 2-core ceiling is 2 000 ms ÷ (server +
 * PostgreSQL CPU ms per award), what two otherwise idle cores would do.
 */
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { repoRoot, loadConfig } from '../src/server/config.ts';
import { createDatabase } from '../src/server/db/database.ts';
import { today } from '../src/server/modules/points/points.dates.ts';
import { createServices } from '../src/server/services.ts';
import { buildFamily, buildUser } from '../test/support/factories.ts';
import { getFreePort } from '../test/support/free-port.ts';
import { findPostgresBinaries, startPostgresCluster } from '../test/support/pg-cluster.ts';
import { buildWorld } from '../test/support/world.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SERVER_COUNTS = (process.env.BENCH_SERVERS ?? '1,2').split(',').map(Number);
const BIG_ACCOUNT_ENTRIES = 10_000;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!;
};
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

/** CPU seconds (user + system) used so far by the given processes. */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / 100;
}

/** The cluster's postmaster and its children (backends, writer, …). */
function postgresPids(dataDir: string): number[] {
  const postmaster = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [postmaster];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[1]) === postmaster) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

interface Server {
  child: ChildProcess;
  url: string;
}

async function startServer(databaseUrl: string, dataDir: string): Promise<Server> {
  const port = await getFreePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', COEDU_SEED_DEMO: 'false', COEDU_DATA_DIR: dataDir, COEDU_WEB_DIR: path.join(dataDir, 'none'), COEDU_PG_POOL_SIZE: '24' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { child, url };
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server did not start');
}

/**
 * One POST over a kept-alive connection with node:http. The load generator shares the two measured cores with the
 * server and PostgreSQL, so it should cost as little as it can: undici's fetch took ≈ 0.35 ms of CPU per request here,
 * node:http with a keep-alive agent about a third of that.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function post(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.on('data', () => undefined);
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function signIn(url: string, login: string, password: string) {
  const response = await fetch(`${url}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });
  if (!response.ok) throw new Error(`sign-in failed: ${response.status}`);
  const cookie = /coedu_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')![0];
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { cookie, csrfToken };
}

async function main() {
  const binDir = findPostgresBinaries();
  if (!binDir) throw new Error('PostgreSQL 15 binaries not found (see test/support/pg-cluster.ts)');
  console.log(`# points benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  console.log(`${CLIENTS} clients, ${SECONDS} s per run\n`);
  const cluster = await startPostgresCluster({ binDir, settings: { max_connections: 300, shared_buffers: '256MB' } });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coedu-bench-points-'));
  const servers: Server[] = [];
  try {
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query('create database bench');
    await admin.end();
    const url = new URL(cluster.adminUrl);
    url.pathname = '/bench';
    const databaseUrl = url.toString();
    const maxServers = Math.max(...SERVER_COUNTS);
    for (let i = 0; i < maxServers; i++) servers.push(await startServer(databaseUrl, dataDir)); // the first one migrates

    const database = await createDatabase({ kind: 'postgres', url: databaseUrl });
    const services = createServices(database, loadConfig({ COEDU_DATA_DIR: dataDir, COEDU_SEED_DEMO: 'false' }));
    const world = await buildWorld(database.db);
    const adminCtx = {
      actor: { userId: world.users.districtAdmin.id, displayName: 'a', grants: [{ id: 'g', role: 'district_admin' as const, scopeType: 'district' as const, scopeId: world.divisions.district }], familyIds: [], child: null, via: 'session' as const, sessionId: null },
      authFailure: null,
      ip: null,
      userAgent: null,
    };
    const term = (await services.points.termFor(world.divisions.district, today()))!;
    const rule = await services.points.createRule(adminCtx, term.id, { kind: 'home_activity', code: 'bench_award', nameZh: '基准测试', nameEn: 'Benchmark', points: 1 });

    const families: { id: string; login: string; password: string }[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const user = await buildUser(database.db);
      const { family } = await buildFamily(database.db, { guardianIds: [user.id], children: [{ schoolId: world.orgs.schoolA.id }] });
      families.push({ id: family.id, login: user.login, password: user.password });
    }

    console.log('| servers | clients | awards/s | p50 ms | p95 ms | p99 ms | refused | server CPU ms/award | PostgreSQL CPU ms/award | load generator CPU ms/award | 2-core ceiling awards/s | load avg |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const serverCount of SERVER_COUNTS) {
      const sessions = await Promise.all(families.map((f, i) => signIn(servers[i % serverCount]!.url, f.login, f.password)));
      const run = async (seconds: number) => {
        const latencies: number[] = [];
        let refused = 0;
        const deadline = Date.now() + seconds * 1000;
        await Promise.all(
          families.map(async (family, i) => {
            const base = servers[i % serverCount]!.url;
            const { cookie, csrfToken } = sessions[i]!;
            while (Date.now() < deadline) {
              const started = performance.now();
              const status = await post(`${base}/api/points/families/${family.id}/home-activities`, { cookie, 'x-csrf-token': csrfToken }, JSON.stringify({ ruleId: rule.id, idempotencyKey: randomUUID() }));
              if (status === 201) latencies.push(performance.now() - started);
              else refused++;
            }
          }),
        );
        return { latencies, refused };
      };
      await run(2); // warm-up
      const serverPids = servers.slice(0, serverCount).map((server) => server.child.pid!);
      const pgPids = postgresPids(cluster.dataDir);
      const cpuBefore = [cpuSeconds(serverPids), cpuSeconds(pgPids)];
      const clientBefore = process.cpuUsage();
      const started = performance.now();
      const { latencies, refused } = await run(SECONDS);
      const elapsed = (performance.now() - started) / 1000;
      const clientUsage = process.cpuUsage(clientBefore);
      const serverCpu = ((cpuSeconds(serverPids) - cpuBefore[0]!) * 1000) / latencies.length;
      const pgCpu = ((cpuSeconds(postgresPids(cluster.dataDir)) - cpuBefore[1]!) * 1000) / latencies.length;
      const clientCpu = (clientUsage.user + clientUsage.system) / 1000 / latencies.length;
      // What two otherwise idle cores could do at this CPU cost per award: server + PostgreSQL (the load generator
      // would run elsewhere in production; with it on the same cores, divide by the sum of all three).
      const ceiling = 2000 / (serverCpu + pgCpu);
      console.log(
        `| ${serverCount} | ${CLIENTS} | ${(latencies.length / elapsed).toFixed(0)} | ${ms(pct(latencies, 0.5))} | ${ms(pct(latencies, 0.95))} | ${ms(pct(latencies, 0.99))} | ${refused} | ${serverCpu.toFixed(2)} | ${pgCpu.toFixed(2)} | ${clientCpu.toFixed(2)} | ${ceiling.toFixed(0)} | ${os.loadavg()[0]!.toFixed(1)} |`,
      );
    }

    // Invariant check after the load: every account's balance is the sum of its entries.
    const mismatched = await sql<{ n: number }>`
      select count(*)::int as n from points_accounts a
      where a.balance <> coalesce((select sum(amount) from points_entries e where e.family_id = a.family_id), 0)`.execute(database.db);
    console.log(`\naccounts whose balance differs from the sum of their entries after the load: ${mismatched.rows[0]!.n}`);

    // A family with 10 000 entries.
    const big = families[0]!;
    const existing = await database.db.selectFrom('points_entries').select((eb) => eb.fn.countAll<number>().as('n')).where('family_id', '=', big.id).executeTakeFirstOrThrow();
    const toAdd = Math.max(0, BIG_ACCOUNT_ENTRIES - Number(existing.n));
    await sql`
      insert into points_entries (family_id, amount, kind, source_type, source_id, rule_id, term_id, occurred_on, idempotency_key, request_hash, balance_after, actor_user_id)
      select ${big.id}, 1, 'award', 'home_activity', gen_random_uuid(), ${rule.id}, ${term.id}, current_date, 'bulk-' || g, 'bulk',
             (select balance from points_accounts where family_id = ${big.id}) + g, null
      from generate_series(1, ${toAdd}) g`.execute(database.db);
    await sql`update points_accounts set balance = balance + ${toAdd}, entry_count = entry_count + ${toAdd} where family_id = ${big.id}`.execute(database.db);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    const time = async (label: string, repeat: number, fn: () => Promise<unknown>) => {
      for (let i = 0; i < 20; i++) await fn();
      const xs: number[] = [];
      for (let i = 0; i < repeat; i++) {
        const t = performance.now();
        await fn();
        xs.push(performance.now() - t);
      }
      console.log(`| ${label} | ${ms(pct(xs, 0.5))} | ${ms(pct(xs, 0.95))} |`);
    };
    const count = await pool.query('select count(*)::int as n, sum(amount)::int as s from points_entries where family_id = $1', [big.id]);
    console.log(`\nbalance read for a family with ${count.rows[0].n} entries (sum ${count.rows[0].s}):\n`);
    console.log('| read | p50 ms | p95 ms |');
    console.log('|---|---|---|');
    await time('SQL: `select balance from points_accounts` (what the API reads)', 2000, () => pool.query('select balance from points_accounts where family_id = $1', [big.id]));
    await time('SQL: `select sum(amount) from points_entries` (what it would cost without the account row)', 300, () => pool.query('select sum(amount) from points_entries where family_id = $1', [big.id]));
    const session = await signIn(servers[0]!.url, big.login, big.password);
    await time('HTTP: `GET /api/points/families/{id}` (balance + term totals + caps of 10 rules)', 300, async () => {
      const r = await fetch(`${servers[0]!.url}/api/points/families/${big.id}`, { headers: { cookie: session.cookie } });
      await r.arrayBuffer();
    });
    await time('HTTP: `GET /api/points/families/{id}/entries?limit=50` (newest page of the history)', 300, async () => {
      const r = await fetch(`${servers[0]!.url}/api/points/families/${big.id}/entries?limit=50`, { headers: { cookie: session.cookie } });
      await r.arrayBuffer();
    });
    await pool.end();
    await database.close();
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await cluster.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
