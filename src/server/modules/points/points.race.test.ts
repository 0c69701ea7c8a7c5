import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { databaseKinds, testConfig } from '../../../../test/support/databases.ts';
import { buildFamily, buildUser } from '../../../../test/support/factories.ts';
import { getFreePort } from '../../../../test/support/free-port.ts';
import { buildWorld, type World } from '../../../../test/support/world.ts';
import { repoRoot } from '../../config.ts';
import { createDatabase, type Database } from '../../db/database.ts';
import { createServices, type Services } from '../../services.ts';
import type { RequestContext } from '../access/actor.ts';

/**
 * Two real server processes (`tsx src/server/main.ts`) on one PostgreSQL database race on one family's redemptions,
 * on one reward's stock and on home activities under a cap (each process commits its awards in groups). The account row lock (and the reward row lock) must hold across processes: the family
 * can never spend more than it has, the stock never goes below zero, a key sent to both servers at once books once.
 */
const postgres = databaseKinds().find((k) => k.kind === 'postgres')!;

interface Server {
  process: ChildProcess;
  url: string;
  output: string;
  exited: boolean;
}

async function startServer(databaseUrl: string, dataDir: string): Promise<Server> {
  const port = await getFreePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      COEDU_SEED_DEMO: 'false',
      COEDU_DATA_DIR: dataDir,
      COEDU_WEB_DIR: path.join(dataDir, 'no-web'),
      COEDU_PG_POOL_SIZE: '8',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server: Server = { process: child, url: `http://127.0.0.1:${port}`, output: '', exited: false };
  child.stdout!.on('data', (chunk: Buffer) => (server.output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (server.output += chunk.toString()));
  child.on('exit', () => (server.exited = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exited) throw new Error(`server exited before it answered:\n${server.output}`);
    try {
      if ((await fetch(`${server.url}/api/health`)).status === 200) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not start within 60 s:\n${server.output}`);
}

async function stopServer(server: Server) {
  if (server.exited) return;
  const exited = new Promise((r) => server.process.once('exit', r));
  server.process.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (!server.exited) server.process.kill('SIGKILL');
}

/** A signed-in browser-like session on one server (cookie + CSRF token). */
async function signIn(server: Server, login: string, password: string) {
  const response = await fetch(`${server.url}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });
  assert.equal(response.status, 200, await response.clone().text());
  const cookie = /coedu_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')![0];
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return async (method: string, urlPath: string, body?: unknown) => {
    const res = await fetch(`${server.url}${urlPath}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any, replayed: res.headers.get('idempotent-replayed') === 'true' };
  };
}

describe('points: two server processes race on one PostgreSQL', { skip: postgres.skip }, () => {
  let database: Database;
  let databaseUrl: string;
  let dataDir: string;
  let services: Services;
  let world: World;
  let servers: Server[] = [];
  const adminUrl = process.env.COEDU_TEST_PG_ADMIN_URL;
  const dbName = `coedu_race_${randomBytes(6).toString('hex')}`;

  before(async () => {
    if (!adminUrl) throw new Error('COEDU_TEST_PG_ADMIN_URL is not set');
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coedu-race-'));
    // Both servers start at once on the empty database: the migration lock makes one migrate and the other wait.
    servers = await Promise.all([startServer(databaseUrl, dataDir), startServer(databaseUrl, dataDir)]);
    database = await createDatabase({ kind: 'postgres', url: databaseUrl });
    services = createServices(database, testConfig({ dataDir }));
    world = await buildWorld(database.db);
  });

  after(async () => {
    await Promise.all(servers.map(stopServer));
    await database?.close();
    if (adminUrl) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Gives a family `points` through a home activity rule made for the test (no caps). */
  async function fund(familyId: string, guardianId: string, points: number) {
    const adminCtx: RequestContext = {
      actor: {
        userId: world.users.districtAdmin.id,
        displayName: 'admin',
        grants: [{ id: 'g', role: 'district_admin', scopeType: 'district', scopeId: world.divisions.district }],
        familyIds: [],
        child: null,
        via: 'session',
        sessionId: null,
      },
      authFailure: null,
      ip: null,
      userAgent: null,
    };
    const term = (await services.points.termFor(world.divisions.district, new Date().toISOString().slice(0, 10)))!;
    const rule = await services.points.createRule(adminCtx, term.id, { kind: 'home_activity', code: `race_${randomBytes(4).toString('hex')}`, nameZh: '测试', nameEn: 'Test', points });
    const guardianCtx: RequestContext = {
      actor: { userId: guardianId, displayName: 'g', grants: [], familyIds: [familyId], child: null, via: 'session', sessionId: null },
      authFailure: null,
      ip: null,
      userAgent: null,
    };
    await services.points.logHomeActivity(guardianCtx, familyId, { ruleId: rule.id, idempotencyKey: randomUUID() });
  }

  async function balanceOf(familyId: string) {
    const account = await database.db.selectFrom('points_accounts').select('balance').where('family_id', '=', familyId).executeTakeFirstOrThrow();
    const sum = await database.db.selectFrom('points_entries').select((eb) => eb.fn.sum<number>('amount').as('s')).where('family_id', '=', familyId).executeTakeFirstOrThrow();
    assert.equal(account.balance, Number(sum.s ?? 0), 'balance = sum of entries');
    return account.balance;
  }

  it('one family cannot overspend: 40 redemptions through two servers, balance for 10', async () => {
    const guardian = await buildUser(database.db);
    const { family } = await buildFamily(database.db, { guardianIds: [guardian.id], children: [{ schoolId: world.orgs.schoolA.id }] });
    await fund(family.id, guardian.id, 100);
    const reward = await services.points.createReward(
      { actor: { userId: world.users.venueManagerA.id, displayName: 'v', grants: [{ id: 'v', role: 'venue_manager', scopeType: 'organisation', scopeId: world.orgs.venueA.id }], familyIds: [], child: null, via: 'session', sessionId: null }, authFailure: null, ip: null, userAgent: null },
      { organisationId: world.orgs.venueA.id, title: '并发测试券', cost: 10, stock: 100 },
    );
    const clients = await Promise.all(servers.map((s) => signIn(s, guardian.login, guardian.password)));
    // 40 distinct keys, plus 5 keys each sent to both servers at the same moment.
    const shared = Array.from({ length: 5 }, () => randomUUID());
    const requests = [
      ...Array.from({ length: 40 }, (_, i) => clients[i % 2]!('POST', `/api/points/families/${family.id}/redemptions`, { rewardId: reward.id, idempotencyKey: randomUUID() })),
      ...shared.flatMap((key) => clients.map((client) => client('POST', `/api/points/families/${family.id}/redemptions`, { rewardId: reward.id, idempotencyKey: key }))),
    ];
    const responses = await Promise.all(requests);
    const statuses = responses.map((r) => `${r.status} ${r.status === 201 ? '' : r.body.error}`.trim());
    assert.ok(responses.every((r) => r.status === 201 || (r.status === 409 && r.body.error === 'points_insufficient_balance')), statuses.join(', '));
    const booked = new Set(responses.filter((r) => r.status === 201).map((r) => r.body.redemption.id));
    assert.equal(booked.size, 10, 'exactly the balance was spent');
    assert.equal(await balanceOf(family.id), 0);
    const redemptions = await database.db.selectFrom('points_redemptions').select('id').where('family_id', '=', family.id).execute();
    assert.equal(redemptions.length, 10);
    const stock = await database.db.selectFrom('points_rewards').select('stock').where('id', '=', reward.id).executeTakeFirstOrThrow();
    assert.equal(stock.stock, 90);
    for (const key of shared) {
      const entries = await database.db.selectFrom('points_entries').select('id').where('family_id', '=', family.id).where('idempotency_key', '=', key).execute();
      assert.ok(entries.length <= 1, 'a key sent to both servers books at most once');
    }
  });

  it('two families cannot take more than the stock', async () => {
    const families = [];
    for (let i = 0; i < 2; i++) {
      const guardian = await buildUser(database.db);
      const { family } = await buildFamily(database.db, { guardianIds: [guardian.id], children: [{ schoolId: world.orgs.schoolA.id }] });
      await fund(family.id, guardian.id, 50);
      families.push({ guardian, family });
    }
    const reward = await services.points.createReward(
      { actor: { userId: world.users.districtAdmin.id, displayName: 'a', grants: [{ id: 'g', role: 'district_admin', scopeType: 'district', scopeId: world.divisions.district }], familyIds: [], child: null, via: 'session', sessionId: null }, authFailure: null, ip: null, userAgent: null },
      { organisationId: world.orgs.venueA.id, title: '限量 5 份', cost: 1, stock: 5 },
    );
    const calls = [];
    for (const { guardian, family } of families) {
      const clients = await Promise.all(servers.map((s) => signIn(s, guardian.login, guardian.password)));
      for (let i = 0; i < 16; i++) calls.push(clients[i % 2]!('POST', `/api/points/families/${family.id}/redemptions`, { rewardId: reward.id, idempotencyKey: randomUUID() }));
    }
    const responses = await Promise.all(calls);
    assert.ok(responses.every((r) => r.status === 201 || (r.status === 409 && r.body.error === 'points_out_of_stock')), responses.map((r) => r.status).join(','));
    assert.equal(responses.filter((r) => r.status === 201).length, 5);
    const stock = await database.db.selectFrom('points_rewards').select('stock').where('id', '=', reward.id).executeTakeFirstOrThrow();
    assert.equal(stock.stock, 0);
    let spent = 0;
    for (const { family } of families) spent += 50 - (await balanceOf(family.id));
    assert.equal(spent, 5);
  });
  it('home activities of several families through two servers (two group commits at once): caps, keys and balances hold', async () => {
    const adminCtx: RequestContext = {
      actor: { userId: world.users.districtAdmin.id, displayName: 'a', grants: [{ id: 'g', role: 'district_admin', scopeType: 'district', scopeId: world.divisions.district }], familyIds: [], child: null, via: 'session', sessionId: null },
      authFailure: null,
      ip: null,
      userAgent: null,
    };
    const term = (await services.points.termFor(world.divisions.district, new Date().toISOString().slice(0, 10)))!;
    // 2 points an award, at most 10 a day: 5 awards per family and day, whatever arrives.
    const rule = await services.points.createRule(adminCtx, term.id, { kind: 'home_activity', code: `race_cap_${randomBytes(4).toString('hex')}`, nameZh: '限额', nameEn: 'Capped', points: 2, capPerDay: 10 });
    const families = [];
    for (let i = 0; i < 4; i++) {
      const guardian = await buildUser(database.db);
      const { family } = await buildFamily(database.db, { guardianIds: [guardian.id], children: [{ schoolId: world.orgs.schoolA.id }] });
      await fund(family.id, guardian.id, 1); // the account exists: awards take the group-commit path
      families.push({ family, clients: await Promise.all(servers.map((s) => signIn(s, guardian.login, guardian.password))) });
    }
    const shared = families.map(() => Array.from({ length: 3 }, () => randomUUID()));
    const calls = families.flatMap(({ family, clients }, f) => [
      ...Array.from({ length: 12 }, (_, i) => clients[i % 2]!('POST', `/api/points/families/${family.id}/home-activities`, { ruleId: rule.id, idempotencyKey: randomUUID() })),
      ...shared[f]!.flatMap((key) => clients.map((client) => client('POST', `/api/points/families/${family.id}/home-activities`, { ruleId: rule.id, idempotencyKey: key }))),
    ]);
    const responses = await Promise.all(calls);
    assert.ok(responses.every((r) => r.status === 201 || (r.status === 409 && r.body.error === 'points_cap_exceeded')), responses.map((r) => `${r.status} ${r.body.error ?? ''}`).join(', '));
    const answered = new Set(responses.filter((r) => r.status === 201).map((r) => r.body.entry.id));
    for (const [f, { family }] of families.entries()) {
      const entries = await database.db.selectFrom('points_entries').select(['id', 'idempotency_key']).where('family_id', '=', family.id).where('rule_id', '=', rule.id).execute();
      assert.equal(entries.length, 5, 'exactly the day cap was booked');
      assert.equal(await balanceOf(family.id), 1 + 10);
      for (const key of shared[f]!) assert.ok(entries.filter((e) => e.idempotency_key === key).length <= 1, 'a key sent to both servers books at most once');
      for (const entry of entries) assert.ok(answered.has(entry.id), 'every booked entry was answered');
    }
  });
});
