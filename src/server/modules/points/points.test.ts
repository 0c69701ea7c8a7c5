import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { describeEachDatabase, testConfig } from '../../../../test/support/databases.ts';
import { buildFamily, buildUser, TEST_PIN } from '../../../../test/support/factories.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../../test/support/http.ts';
import { buildWorld, type World } from '../../../../test/support/world.ts';
import type { DB } from '../../db/types.ts';
import { addDays, today } from './points.dates.ts';

const key = () => randomUUID();

/** Everything the points bank writes, to prove that a refused request wrote nothing. */
async function pointsCounts(db: Kysely<DB>) {
  const tables = [
    'points_accounts',
    'points_entries',
    'points_home_activities',
    'points_photos',
    'points_school_events',
    'points_attendance',
    'points_rating_sheets',
    'points_child_ratings',
    'points_rewards',
    'points_redemptions',
  ] as const;
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  const balances = await db.selectFrom('points_accounts').select((eb) => eb.fn.sum<number>('balance').as('b')).executeTakeFirstOrThrow();
  counts.balances = Number(balances.b ?? 0);
  const stock = await db.selectFrom('points_rewards').select((eb) => eb.fn.sum<number>('stock').as('s')).executeTakeFirstOrThrow();
  counts.stock = Number(stock.s ?? 0);
  return counts;
}

/** The ledger invariants for every account: balance = sum of entries = last balance_after, never negative. */
export async function assertLedgerInvariants(db: Kysely<DB>) {
  const accounts = await db.selectFrom('points_accounts').select(['family_id', 'balance', 'entry_count']).execute();
  for (const account of accounts) {
    const entries = await db.selectFrom('points_entries').select(['amount', 'balance_after', 'seq']).where('family_id', '=', account.family_id).orderBy('seq').execute();
    const sum = entries.reduce((s, e) => s + e.amount, 0);
    assert.equal(account.balance, sum, `balance of ${account.family_id} equals the sum of its entries`);
    assert.equal(account.entry_count, entries.length, 'entry count');
    let running = 0;
    for (const entry of entries) {
      running += entry.amount;
      assert.equal(entry.balance_after, running, 'balance_after is the running sum');
      assert.ok(running >= 0, 'never negative');
    }
  }
}

describeEachDatabase('points bank: ledger, rules, attendance, ratings, rewards', (fixture) => {
  let app: TestApp;
  let world: World;
  let dataDir: string;
  let parentA: TestClient;
  let familyA: string;
  let homeRules: Record<string, { id: string; points: number; capPerDay: number }>;

  before(async () => {
    const { db, database } = fixture();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coedu-points-'));
    world = await buildWorld(db);
    app = buildTestApp(database, testConfig({ dataDir }));
    parentA = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
    familyA = world.familyA.family.id;
    const summary = await parentA.get(`/api/points/families/${familyA}`);
    assert.equal(summary.status, 200, JSON.stringify(summary.body));
    homeRules = Object.fromEntries(summary.body.homeRules.map((r: { code: string }) => [r.code, r]));
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('a district gets a default term with 10 home activities, 4 school kinds and the child-rated behaviours', async () => {
    const summary = await parentA.get(`/api/points/families/${familyA}`);
    assert.equal(summary.body.balance, 0);
    assert.ok(summary.body.term.startsOn <= today() && today() <= summary.body.term.endsOn);
    assert.equal(summary.body.homeRules.length, 10);
    const admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
    const terms = await admin.get('/api/points/terms');
    assert.equal(terms.status, 200);
    const rules = terms.body.items[0].rules as { kind: string }[];
    assert.equal(rules.filter((r) => r.kind === 'home_activity').length, 10);
    assert.equal(rules.filter((r) => r.kind === 'school_attendance').length, 4);
    assert.ok(rules.filter((r) => r.kind === 'child_rating').length >= 5);
    assert.equal((await parentA.get('/api/points/terms')).status, 403, 'guardians do not configure terms');
  });

  it('both guardians share the family account; the history says where each entry came from', async () => {
    const { db } = fixture();
    const second = await buildUser(db);
    await db.insertInto('family_guardians').values({ family_id: familyA, user_id: second.id, relation: '爸爸' }).execute();
    const dad = await TestClient.signedIn(app, second.login, second.password);
    const before = (await parentA.get(`/api/points/families/${familyA}`)).body.balance;
    const logged = await dad.post(`/api/points/families/${familyA}/home-activities`, { ruleId: homeRules.family_meeting!.id, note: '周末家庭会议', idempotencyKey: key() });
    assert.equal(logged.status, 201, JSON.stringify(logged.body));
    assert.equal(logged.body.balanceAfter, before + homeRules.family_meeting!.points);
    assert.equal(logged.body.entry.rule.code, 'family_meeting');
    assert.equal(logged.body.entry.source.note, '周末家庭会议');
    const mumView = await parentA.get(`/api/points/families/${familyA}`);
    assert.equal(mumView.body.balance, logged.body.balanceAfter, 'the other guardian sees the same balance');
    const history = await parentA.get(`/api/points/families/${familyA}/entries`);
    assert.equal(history.status, 200);
    assert.equal(history.body.items[0].id, logged.body.entry.id);
    assert.equal(history.body.items[0].actor, second.display_name);
    assert.equal(history.body.items[0].sourceType, 'home_activity');
    const other = await TestClient.signedIn(app, world.users.parentB.login, world.users.parentB.password);
    assert.equal((await other.get(`/api/points/families/${familyA}`)).status, 403);
    assert.equal((await other.post(`/api/points/families/${familyA}/home-activities`, { ruleId: homeRules.family_meeting!.id, idempotencyKey: key() })).body.error, 'out_of_scope');
    await assertLedgerInvariants(db);
  });

  it('a retry with the same key gets the same answer; the same key for another request is a 409; nothing is booked twice', async () => {
    const { db } = fixture();
    const idempotencyKey = key();
    const body = { ruleId: homeRules.crafts_together!.id, idempotencyKey };
    const first = await parentA.post(`/api/points/families/${familyA}/home-activities`, body);
    assert.equal(first.status, 201);
    const [second, third] = await Promise.all([
      parentA.post(`/api/points/families/${familyA}/home-activities`, body),
      parentA.post(`/api/points/families/${familyA}/home-activities`, body),
    ]);
    for (const retry of [second, third]) {
      assert.equal(retry.status, 201);
      assert.deepEqual(retry.body, first.body, 'the same answer');
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    }
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const before = await pointsCounts(db);
    const conflict = await parentA.post(`/api/points/families/${familyA}/home-activities`, { ...body, ruleId: homeRules.dinner_talk!.id });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error, 'points_idempotency_conflict');
    assert.deepEqual(await pointsCounts(db), before);
    const rows = await db.selectFrom('points_entries').select('id').where('idempotency_key', '=', idempotencyKey).execute();
    assert.equal(rows.length, 1);
  });

  it('awards of many families at once (one group commit) are each decided as alone: booked, refused at a cap, replayed, audited', async () => {
    const { db } = fixture();
    const rule = homeRules.reading_together!;
    const families: { id: string; client: TestClient }[] = [];
    for (let i = 0; i < 6; i++) {
      const user = await buildUser(db);
      const { family } = await buildFamily(db, { guardianIds: [user.id], children: [{ schoolId: world.orgs.schoolA.id }] });
      families.push({ id: family.id, client: await TestClient.signedIn(app, user.login, user.password) });
    }
    // The first family reaches today's cap of the rule beforehand.
    const full = families[0]!;
    for (let used = 0; used + rule.points <= rule.capPerDay; used += rule.points) {
      assert.equal((await full.client.post(`/api/points/families/${full.id}/home-activities`, { ruleId: rule.id, idempotencyKey: key() })).status, 201);
    }
    const auditsBefore = await db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'points.award').executeTakeFirstOrThrow();
    const retryKey = key();
    const results = await Promise.all([
      ...families.map((f) => f.client.post(`/api/points/families/${f.id}/home-activities`, { ruleId: rule.id, note: `家 ${f.id}`, idempotencyKey: key() })),
      families[1]!.client.post(`/api/points/families/${families[1]!.id}/home-activities`, { ruleId: rule.id, idempotencyKey: retryKey }),
      families[1]!.client.post(`/api/points/families/${families[1]!.id}/home-activities`, { ruleId: rule.id, idempotencyKey: retryKey }),
    ]);
    assert.equal(results[0]!.status, 409);
    assert.equal(results[0]!.body.error, 'points_cap_exceeded');
    for (const [i, result] of results.slice(1, 6).entries()) {
      assert.equal(result.status, 201, JSON.stringify(result.body));
      assert.equal(result.body.entry.source.note, `家 ${families[i + 1]!.id}`);
      const history = await families[i + 1]!.client.get(`/api/points/families/${families[i + 1]!.id}/entries`);
      assert.ok(history.body.items.some((e: { id: string }) => e.id === result.body.entry.id));
      assert.deepEqual(history.body.items.find((e: { id: string }) => e.id === result.body.entry.id), result.body.entry, 'the answer is the entry as stored');
    }
    const [once, again] = [results[6]!, results[7]!];
    assert.equal(once.status, 201);
    assert.deepEqual(again.body, once.body, 'the same key twice at once books once');
    assert.deepEqual(
      [once.headers.get('idempotent-replayed'), again.headers.get('idempotent-replayed')].sort(),
      [null, 'true'].sort(),
    );
    const auditsAfter = await db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'points.award').executeTakeFirstOrThrow();
    assert.equal(Number(auditsAfter.n) - Number(auditsBefore.n), 6, 'one audit row per booked award');
    await assertLedgerInvariants(db);
  });

  it('caps: over the day cap is refused and writes nothing; a reversal frees the cap again', async () => {
    const { db } = fixture();
    const rule = homeRules.reading_together!;
    const logs = Math.floor(rule.capPerDay / rule.points);
    const ids: string[] = [];
    for (let i = 0; i < logs; i++) {
      const ok = await parentA.post(`/api/points/families/${familyA}/home-activities`, { ruleId: rule.id, idempotencyKey: key() });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      ids.push(ok.body.entry.id);
    }
    const before = await pointsCounts(db);
    const over = await parentA.post(`/api/points/families/${familyA}/home-activities`, { ruleId: rule.id, idempotencyKey: key() });
    assert.equal(over.status, 409);
    assert.equal(over.body.error, 'points_cap_exceeded');
    assert.ok(over.body.issues.some((i: { code: string }) => i.code === 'cap_per_day'));
    assert.deepEqual(await pointsCounts(db), before, 'nothing written');
    const summary = await parentA.get(`/api/points/families/${familyA}`);
    assert.equal(summary.body.homeRules.find((r: { code: string }) => r.code === 'reading_together').available, false);

    const reversal = await parentA.post(`/api/points/entries/${ids[0]}/reversal`, { reason: '记错了，是昨天读的', idempotencyKey: key() });
    assert.equal(reversal.status, 201, JSON.stringify(reversal.body));
    assert.equal(reversal.body.entry.amount, -rule.points);
    assert.equal(reversal.body.entry.kind, 'reversal');
    assert.equal(reversal.body.entry.reversesEntryId, ids[0]);
    const again = await parentA.post(`/api/points/families/${familyA}/home-activities`, { ruleId: rule.id, idempotencyKey: key() });
    assert.equal(again.status, 201, 'the reversal freed the cap');
    await assertLedgerInvariants(db);
  });

  it('unknown rules, school rules through the home endpoint, bad dates: precise 4xx, nothing written', async () => {
    const { db } = fixture();
    const before = await pointsCounts(db);
    const post = (body: object) => parentA.post(`/api/points/families/${familyA}/home-activities`, { idempotencyKey: key(), ...body });
    const unknown = await post({ ruleId: randomUUID() });
    assert.deepEqual([unknown.status, unknown.body.error], [400, 'points_rule_unknown']);
    const admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
    const schoolRule = (await admin.get('/api/points/terms')).body.items[0].rules.find((r: { kind: string }) => r.kind === 'school_attendance');
    const selfAward = await post({ ruleId: schoolRule.id });
    assert.deepEqual([selfAward.status, selfAward.body.error], [400, 'points_rule_unknown'], 'a guardian cannot award themselves at-school points');
    const future = await post({ ruleId: homeRules.dinner_talk!.id, occurredOn: addDays(today(), 1) });
    assert.deepEqual([future.status, future.body.error], [400, 'points_date_out_of_range']);
    const old = await post({ ruleId: homeRules.dinner_talk!.id, occurredOn: addDays(today(), -8) });
    assert.deepEqual([old.status, old.body.error], [400, 'points_date_out_of_range']);
    const badDate = await post({ ruleId: homeRules.dinner_talk!.id, occurredOn: '2026-02-30' });
    assert.deepEqual([badDate.status, badDate.body.error], [400, 'validation_failed']);
    const noKey = await parentA.post(`/api/points/families/${familyA}/home-activities`, { ruleId: homeRules.dinner_talk!.id });
    assert.deepEqual([noKey.status, noKey.body.error], [400, 'validation_failed']);
    assert.deepEqual(await pointsCounts(db), before);
  });

  it('reversals: a reason is required, a reversal cannot be reversed, nothing is reversed twice, the balance never goes negative', async () => {
    const { db } = fixture();
    const logged = await parentA.post(`/api/points/families/${familyA}/home-activities`, { ruleId: homeRules.cooking_together!.id, idempotencyKey: key() });
    const entryId = logged.body.entry.id;
    const noReason = await parentA.post(`/api/points/entries/${entryId}/reversal`, { reason: '  ', idempotencyKey: key() });
    assert.deepEqual([noReason.status, noReason.body.error], [400, 'validation_failed']);
    const reversalKey = key();
    const reversal = await parentA.post(`/api/points/entries/${entryId}/reversal`, { reason: '重复记录', idempotencyKey: reversalKey });
    assert.equal(reversal.status, 201);
    const replay = await parentA.post(`/api/points/entries/${entryId}/reversal`, { reason: '重复记录', idempotencyKey: reversalKey });
    assert.deepEqual(replay.body, reversal.body);
    const before = await pointsCounts(db);
    const twice = await parentA.post(`/api/points/entries/${entryId}/reversal`, { reason: '再来一次', idempotencyKey: key() });
    assert.deepEqual([twice.status, twice.body.error], [409, 'points_already_reversed']);
    const ofReversal = await parentA.post(`/api/points/entries/${reversal.body.entry.id}/reversal`, { reason: '撤销撤销', idempotencyKey: key() });
    assert.deepEqual([ofReversal.status, ofReversal.body.error], [409, 'points_not_reversible']);
    const teacher = await TestClient.signedIn(app, world.users.teacherA.login, world.users.teacherA.password);
    const outOfScope = await teacher.post(`/api/points/entries/${entryId}/reversal`, { reason: '不是我的', idempotencyKey: key() });
    assert.deepEqual([outOfScope.status, outOfScope.body.error], [403, 'out_of_scope']);
    assert.deepEqual(await pointsCounts(db), before);

    // Spend everything, then try to reverse an earlier award: that would go negative.
    const { family } = await buildFamily(db, { guardianIds: [(await buildUser(db)).id], children: [{ schoolId: world.orgs.schoolA.id }] });
    const guardianId = (await db.selectFrom('family_guardians').select('user_id').where('family_id', '=', family.id).executeTakeFirstOrThrow()).user_id;
    const guardianLogin = (await db.selectFrom('users').select('username').where('id', '=', guardianId).executeTakeFirstOrThrow()).username!;
    const guardian = await TestClient.signedIn(app, guardianLogin, 'Test-pass-123');
    const award = await guardian.post(`/api/points/families/${family.id}/home-activities`, { ruleId: homeRules.outdoor_visit!.id, idempotencyKey: key() });
    assert.equal(award.status, 201);
    const venue = await TestClient.signedIn(app, world.users.venueManagerA.login, world.users.venueManagerA.password);
    const reward = await venue.post('/api/points/rewards', { organisationId: world.orgs.venueA.id, title: '小奖品', cost: award.body.balanceAfter, stock: 5 });
    assert.equal(reward.status, 201, JSON.stringify(reward.body));
    assert.equal((await guardian.post(`/api/points/families/${family.id}/redemptions`, { rewardId: reward.body.id, idempotencyKey: key() })).status, 201);
    const negative = await guardian.post(`/api/points/entries/${award.body.entry.id}/reversal`, { reason: '撤销', idempotencyKey: key() });
    assert.deepEqual([negative.status, negative.body.error], [409, 'points_insufficient_balance']);
    await assertLedgerInvariants(db);
  });

  it('entries are immutable in the database itself', async () => {
    const { db } = fixture();
    const entry = await db.selectFrom('points_entries').select('id').limit(1).executeTakeFirstOrThrow();
    await assert.rejects(sql`update points_entries set amount = 1000 where id = ${entry.id}`.execute(db), /immutable/);
    await assert.rejects(sql`delete from points_entries where id = ${entry.id}`.execute(db), /immutable/);
  });

  it('a photo is kept under the data directory and shown to the family only; a bad photo is refused', async () => {
    const { db } = fixture();
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const logged = await parentA.post(`/api/points/families/${familyA}/home-activities`, {
      ruleId: homeRules.exercise_together!.id,
      photo: { contentType: 'image/png', dataBase64: png.toString('base64') },
      idempotencyKey: key(),
    });
    assert.equal(logged.status, 201, JSON.stringify(logged.body));
    const photoId = logged.body.entry.source.photoId;
    assert.ok(photoId);
    const stored = await db.selectFrom('points_photos').select('storage_path').where('id', '=', photoId).executeTakeFirstOrThrow();
    assert.ok(fs.existsSync(path.join(dataDir, 'files', stored.storage_path)), 'the file is in the configured storage (local: under the data directory)');
    const image = await parentA.fetch(`/api/points/photos/${photoId}`);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), png);
    assert.equal((await parentA.fetch(`/api/points/photos/${photoId}`, { 'if-none-match': image.headers.get('etag')! })).status, 304);
    // A photo written before the storage interface lies directly under the data directory: still shown.
    fs.mkdirSync(path.dirname(path.join(dataDir, stored.storage_path)), { recursive: true });
    fs.renameSync(path.join(dataDir, 'files', stored.storage_path), path.join(dataDir, stored.storage_path));
    const legacy = await parentA.fetch(`/api/points/photos/${photoId}`);
    assert.equal(legacy.status, 200);
    assert.deepEqual(Buffer.from(await legacy.arrayBuffer()), png);
    fs.renameSync(path.join(dataDir, stored.storage_path), path.join(dataDir, 'files', stored.storage_path));
    const other = await TestClient.signedIn(app, world.users.parentB.login, world.users.parentB.password);
    assert.equal((await other.get(`/api/points/photos/${photoId}`)).status, 403);
    const before = await pointsCounts(db);
    const notPng = await parentA.post(`/api/points/families/${familyA}/home-activities`, {
      ruleId: homeRules.exercise_together!.id,
      photo: { contentType: 'image/png', dataBase64: Buffer.from('not an image').toString('base64') },
      idempotencyKey: key(),
    });
    assert.deepEqual([notPng.status, notPng.body.error], [400, 'points_photo_invalid']);
    assert.deepEqual(await pointsCounts(db), before);
  });

  it('school staff record attendance; each attendee’s family is credited once; guardians and other schools cannot', async () => {
    const { db } = fixture();
    const teacher = await TestClient.signedIn(app, world.users.teacherA.login, world.users.teacherA.password);
    const eventKey = key();
    const eventBody = { schoolId: world.orgs.schoolA.id, kind: 'parent_class', title: '如何陪孩子读书', heldOn: today(), idempotencyKey: eventKey };
    const event = await teacher.post('/api/points/school-events', eventBody);
    assert.equal(event.status, 201, JSON.stringify(event.body));
    const eventReplay = await teacher.post('/api/points/school-events', eventBody);
    assert.deepEqual(eventReplay.body, event.body);
    assert.equal(eventReplay.headers.get('idempotent-replayed'), 'true');

    const guardians = await teacher.get(`/api/points/schools/${world.orgs.schoolA.id}/guardians`);
    assert.equal(guardians.status, 200);
    assert.ok(guardians.body.items.some((g: { userId: string }) => g.userId === world.users.parentA.id));
    assert.ok(!guardians.body.items.some((g: { userId: string }) => g.userId === world.users.parentB.id), 'families of other schools are not listed');

    const balanceBefore = (await parentA.get(`/api/points/families/${familyA}`)).body.balance;
    const recorded = await teacher.post(`/api/points/school-events/${event.body.id}/attendance`, { guardianUserIds: [world.users.parentA.id] });
    assert.equal(recorded.status, 200, JSON.stringify(recorded.body));
    assert.equal(recorded.body.results[0].status, 'credited');
    assert.equal(recorded.body.results[0].points, 10);
    const again = await teacher.post(`/api/points/school-events/${event.body.id}/attendance`, { guardianUserIds: [world.users.parentA.id] });
    assert.equal(again.body.results[0].status, 'already_recorded');
    assert.equal(again.body.results[0].entryId, recorded.body.results[0].entryId);
    const after = await parentA.get(`/api/points/families/${familyA}`);
    assert.equal(after.body.balance, balanceBefore + 10, 'credited exactly once');
    const history = await parentA.get(`/api/points/families/${familyA}/entries?limit=1`);
    assert.equal(history.body.items[0].source.eventTitle, '如何陪孩子读书');
    assert.equal(history.body.items[0].source.schoolName, '甲小学');

    const before = await pointsCounts(db);
    const asParent = await parentA.post('/api/points/school-events', { ...eventBody, idempotencyKey: key() });
    assert.deepEqual([asParent.status, asParent.body.error], [403, 'forbidden'], 'a guardian cannot award themselves at-school points');
    const otherSchool = await TestClient.signedIn(app, world.users.schoolAdminB.login, world.users.schoolAdminB.password);
    assert.deepEqual((await otherSchool.post(`/api/points/school-events/${event.body.id}/attendance`, { guardianUserIds: [world.users.parentA.id] })).body.error, 'out_of_scope');
    const notAtSchool = await teacher.post(`/api/points/school-events/${event.body.id}/attendance`, { guardianUserIds: [world.users.parentB.id] });
    assert.deepEqual([notAtSchool.status, notAtSchool.body.error], [403, 'points_not_family_guardian']);
    assert.equal(notAtSchool.body.issues[0].path, 'guardianUserIds.0');
    const self = await teacher.post(`/api/points/school-events/${event.body.id}/attendance`, { guardianUserIds: [world.users.teacherA.id] });
    assert.deepEqual([self.status, self.body.error], [403, 'points_self_award']);
    assert.deepEqual(await pointsCounts(db), before);

    // A teacher who is also a parent at the school cannot credit their own family.
    await db.insertInto('family_guardians').values({ family_id: familyA, user_id: world.users.teacherA.id, relation: null }).execute();
    const teacherAsParent = await TestClient.signedIn(app, world.users.teacherA.login, world.users.teacherA.password);
    const ownFamily = await teacherAsParent.post(`/api/points/school-events/${event.body.id}/attendance`, { guardianUserIds: [world.users.parentA.id] });
    assert.deepEqual([ownFamily.status, ownFamily.body.error], [403, 'points_self_award']);
    await db.deleteFrom('family_guardians').where('family_id', '=', familyA).where('user_id', '=', world.users.teacherA.id).execute();
    await assertLedgerInvariants(db);
  });

  it('attendance over a term cap is refused for the whole batch', async () => {
    const { db } = fixture();
    const teacher = await TestClient.signedIn(app, world.users.teacherA.login, world.users.teacherA.password);
    let refused: { status: number; body: any } | null = null;
    for (let i = 0; i < 6 && !refused; i++) {
      const event = await teacher.post('/api/points/school-events', { schoolId: world.orgs.schoolA.id, kind: 'parent_meeting', title: `家长会 ${i}`, heldOn: today(), idempotencyKey: key() });
      const before = await pointsCounts(db);
      const result = await teacher.post(`/api/points/school-events/${event.body.id}/attendance`, { guardianUserIds: [world.users.parentA.id] });
      if (result.status !== 200) {
        refused = result;
        assert.deepEqual(await pointsCounts(db), before, 'nothing written');
      }
    }
    assert.ok(refused, 'the parent meeting cap (40 points) stops the fifth meeting');
    assert.equal(refused.body.error, 'points_cap_exceeded');
  });

  it('the internal attendance event function (for the parent-school module) is idempotent by its own reference', async () => {
    const { db, database } = fixture();
    const { createServices } = await import('../../services.ts');
    const services = createServices(database, testConfig({ dataDir }));
    const teacher = world.users.teacherA;
    const grants = await db.selectFrom('role_grants').select(['id', 'role', 'scope_type', 'scope_id']).where('user_id', '=', teacher.id).execute();
    const ctx = {
      actor: {
        userId: teacher.id,
        displayName: teacher.display_name,
        grants: grants.map((g) => ({ id: g.id, role: g.role, scopeType: g.scope_type, scopeId: g.scope_id })),
        familyIds: [],
        child: null,
        via: 'api_token' as const,
        sessionId: null,
      },
      authFailure: null,
      ip: null,
      userAgent: null,
    };
    const event = { schoolId: world.orgs.schoolA.id, kind: 'open_day' as const, title: '校园开放日', heldOn: today(), sourceRef: `parent-school:class:${randomUUID()}` };
    const first = await services.points.attendanceEvent(ctx, event, [world.users.parentA.id]);
    const second = await services.points.attendanceEvent(ctx, event, [world.users.parentA.id]);
    assert.equal(first.results[0]!.status, 'credited');
    assert.equal(second.results[0]!.status, 'already_recorded');
    assert.equal(first.event.id, second.event.id);
    const events = await db.selectFrom('points_school_events').select('id').where('source_ref', '=', event.sourceRef).execute();
    assert.equal(events.length, 1);
  });

  it('children rate their own guardians in child mode, once per behaviour and week; the family sees a weekly summary', async () => {
    const { db } = fixture();
    const guardian = await buildUser(db);
    const otherParent = await buildUser(db);
    const { family, children } = await buildFamily(db, { guardianIds: [guardian.id], children: [{ schoolId: world.orgs.schoolA.id }, { schoolId: world.orgs.schoolA.id }] });
    const { family: otherFamily } = await buildFamily(db, { guardianIds: [otherParent.id] });
    void otherFamily;
    const adult = await TestClient.signedIn(app, guardian.login, guardian.password);
    assert.deepEqual((await adult.post('/api/points/child/ratings', { guardianUserId: guardian.id, ratings: [{ ruleId: randomUUID(), value: 3 }], idempotencyKey: key() })).body.error, 'forbidden', 'only in child mode');

    const child = await TestClient.signedIn(app, guardian.login, guardian.password);
    assert.equal((await child.post('/api/auth/child-mode', { childId: children[0]!.id, pin: TEST_PIN })).status, 200);
    const screen = await child.get('/api/points/child/ratings');
    assert.equal(screen.status, 200, JSON.stringify(screen.body));
    assert.deepEqual(screen.body.guardians.map((g: { userId: string }) => g.userId), [guardian.id], 'only the own family is visible');
    const [b1, b2, b3] = screen.body.behaviours as { id: string }[];
    assert.equal((await child.get(`/api/points/families/${family.id}`)).body.error, 'child_mode', 'no balances in child mode');

    const before = await pointsCounts(db);
    const foreign = await child.post('/api/points/child/ratings', { guardianUserId: otherParent.id, ratings: [{ ruleId: b1!.id, value: 3 }], idempotencyKey: key() });
    assert.deepEqual([foreign.status, foreign.body.error], [403, 'points_not_family_guardian'], "rating another family's parent");
    const freeText = await child.post('/api/points/child/ratings', { guardianUserId: guardian.id, ratings: [{ ruleId: b1!.id, value: 3 }], comment: '你好', idempotencyKey: key() });
    assert.deepEqual([freeText.status, freeText.body.error], [400, 'validation_failed'], 'no free text from children');
    const outOfScale = await child.post('/api/points/child/ratings', { guardianUserId: guardian.id, ratings: [{ ruleId: b1!.id, value: 5 }], idempotencyKey: key() });
    assert.equal(outOfScale.status, 400);
    assert.deepEqual(await pointsCounts(db), before);

    const sheetKey = key();
    const sheet = { guardianUserId: guardian.id, ratings: [{ ruleId: b1!.id, value: 3 }, { ruleId: b2!.id, value: 2 }, { ruleId: b3!.id, value: 1 }], idempotencyKey: sheetKey };
    const rated = await child.post('/api/points/child/ratings', sheet);
    assert.equal(rated.status, 201, JSON.stringify(rated.body));
    assert.equal(rated.body.thanks, true);
    assert.equal(rated.body.points, undefined, 'the child sees thanks, not points');
    assert.deepEqual((await child.post('/api/points/child/ratings', sheet)).body, rated.body, 'a double tap is harmless');

    const beforeTwice = await pointsCounts(db);
    const twice = await child.post('/api/points/child/ratings', { guardianUserId: guardian.id, ratings: [{ ruleId: b2!.id, value: 3 }], idempotencyKey: key() });
    assert.deepEqual([twice.status, twice.body.error], [409, 'points_rating_duplicate'], 'a child rating twice');
    assert.equal(twice.body.issues[0].path, 'ratings.0.ruleId');
    assert.deepEqual(await pointsCounts(db), beforeTwice);

    // The sibling rates too; the ratings convert with the term's table [0, 1, 2].
    const sibling = await TestClient.signedIn(app, guardian.login, guardian.password);
    await sibling.post('/api/auth/child-mode', { childId: children[1]!.id, pin: TEST_PIN });
    assert.equal((await sibling.post('/api/points/child/ratings', { guardianUserId: guardian.id, ratings: [{ ruleId: b1!.id, value: 2 }], idempotencyKey: key() })).status, 201);

    const summary = await adult.get(`/api/points/families/${family.id}`);
    assert.equal(summary.body.balance, 2 + 1 + 0 + 1);
    assert.equal(summary.body.termTotals.childRating, 4);
    const weekly = await adult.get(`/api/points/families/${family.id}/ratings`);
    assert.equal(weekly.status, 200);
    const week = weekly.body.weeks[0];
    assert.equal(week.children, 2);
    assert.equal(week.ratings, 4);
    assert.equal(week.points, 4);
    const first = week.behaviours.find((b: { ruleId: string }) => b.ruleId === b1!.id);
    assert.deepEqual([first.ratings, first.average], [2, 2.5], 'averages, not single ratings');
    const screenAfter = await child.get('/api/points/child/ratings');
    assert.deepEqual(screenAfter.body.guardians[0].ratedRuleIds.sort(), [b1!.id, b2!.id, b3!.id].sort());

    const audit = await db.selectFrom('audit_events').select(['action', 'actor_child_id']).where('action', 'in', ['points.rating_submit', 'points.rating_read']).where('actor_user_id', '=', guardian.id).execute();
    assert.ok(audit.some((a) => a.action === 'points.rating_submit' && a.actor_child_id === children[0]!.id), 'ratings are children’s data: writes audited');
    assert.ok(audit.some((a) => a.action === 'points.rating_read' && a.actor_child_id === null), 'and reads by the family too');
    await assertLedgerInvariants(db);
  });

  it('rewards: partners offer, families redeem within stock, limit and balance; cancelling refunds and restocks', async () => {
    const { db } = fixture();
    const guardian = await buildUser(db);
    const { family } = await buildFamily(db, { guardianIds: [guardian.id], children: [{ schoolId: world.orgs.schoolA.id }] });
    const client = await TestClient.signedIn(app, guardian.login, guardian.password);
    for (const code of ['outdoor_visit', 'reading_together', 'exercise_together']) {
      assert.equal((await client.post(`/api/points/families/${family.id}/home-activities`, { ruleId: homeRules[code]!.id, idempotencyKey: key() })).status, 201);
    }
    const balance = (await client.get(`/api/points/families/${family.id}`)).body.balance as number;
    assert.equal(balance, 11);
    const venue = await TestClient.signedIn(app, world.users.venueManagerA.login, world.users.venueManagerA.password);
    assert.equal((await venue.post('/api/points/rewards', { organisationId: world.orgs.venueB.id, title: '别人的', cost: 1, stock: 1 })).body.error, 'out_of_scope');
    assert.equal((await client.post('/api/points/rewards', { organisationId: world.orgs.venueA.id, title: '自己发', cost: 1, stock: 1 })).body.error, 'forbidden');
    const reward = await venue.post('/api/points/rewards', { organisationId: world.orgs.venueA.id, title: '研学体验券', cost: 4, stock: 2, perFamilyLimit: 1 });
    assert.equal(reward.status, 201);
    const catalogue = await client.get('/api/points/rewards');
    assert.ok(catalogue.body.items.some((r: { id: string }) => r.id === reward.body.id));

    const redeemKey = key();
    const redeemed = await client.post(`/api/points/families/${family.id}/redemptions`, { rewardId: reward.body.id, idempotencyKey: redeemKey });
    assert.equal(redeemed.status, 201, JSON.stringify(redeemed.body));
    assert.equal(redeemed.body.balanceAfter, 7);
    assert.equal(redeemed.body.entry.amount, -4);
    assert.match(redeemed.body.redemption.code, /^[A-Z0-9]{8}$/);
    const replay = await client.post(`/api/points/families/${family.id}/redemptions`, { rewardId: reward.body.id, idempotencyKey: redeemKey });
    assert.deepEqual(replay.body, redeemed.body, 'a double click redeems once');

    const before = await pointsCounts(db);
    const limit = await client.post(`/api/points/families/${family.id}/redemptions`, { rewardId: reward.body.id, idempotencyKey: key() });
    assert.deepEqual([limit.status, limit.body.error], [409, 'points_redemption_limit']);
    const expensive = await venue.post('/api/points/rewards', { organisationId: world.orgs.venueA.id, title: '大奖', cost: 1000, stock: 1 });
    const poor = await client.post(`/api/points/families/${family.id}/redemptions`, { rewardId: expensive.body.id, idempotencyKey: key() });
    assert.deepEqual([poor.status, poor.body.error], [409, 'points_insufficient_balance']);
    const none = await venue.post('/api/points/rewards', { organisationId: world.orgs.venueA.id, title: '已领完', cost: 1, stock: 0 });
    const empty = await client.post(`/api/points/families/${family.id}/redemptions`, { rewardId: none.body.id, idempotencyKey: key() });
    assert.deepEqual([empty.status, empty.body.error], [409, 'points_out_of_stock']);
    const counts = await pointsCounts(db);
    assert.deepEqual({ ...counts, points_rewards: before.points_rewards, stock: before.stock }, before, 'refusals write nothing');

    const partnerView = await venue.get(`/api/points/rewards/${reward.body.id}/redemptions`);
    assert.equal(partnerView.status, 200);
    assert.equal(partnerView.body.items[0].code, redeemed.body.redemption.code);
    assert.equal(JSON.stringify(partnerView.body).includes(family.name), false, 'partners see codes, not family names');

    const cancelled = await client.post(`/api/points/redemptions/${redeemed.body.redemption.id}/cancel`, { reason: '那天没空去' });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal((await client.get(`/api/points/families/${family.id}`)).body.balance, 11, 'refunded');
    assert.equal((await venue.get('/api/points/rewards')).body.items.find((r: { id: string }) => r.id === reward.body.id).stock, 2, 'restocked');
    assert.equal((await client.post(`/api/points/redemptions/${redeemed.body.redemption.id}/cancel`, { reason: '再取消' })).body.status, 'cancelled', 'cancelling twice is harmless');
    const refund = (await client.get(`/api/points/families/${family.id}/entries?limit=1`)).body.items[0];
    assert.equal(refund.kind, 'reversal');
    assert.equal(refund.amount, 4);
    assert.equal((await client.post(`/api/points/entries/${redeemed.body.entry.id}/reversal`, { reason: 'x', idempotencyKey: key() })).body.error, 'points_not_reversible');

    const second = await client.post(`/api/points/families/${family.id}/redemptions`, { rewardId: reward.body.id, idempotencyKey: key() });
    assert.equal(second.status, 201, 'the limit counts live redemptions only');
    const fulfilled = await venue.post(`/api/points/redemptions/${second.body.redemption.id}/fulfil`);
    assert.equal(fulfilled.body.status, 'fulfilled');
    assert.equal((await client.post(`/api/points/redemptions/${second.body.redemption.id}/cancel`, { reason: '太晚了' })).status, 409);
    await assertLedgerInvariants(db);
  });

  it('district staff edit rules per term: points and caps apply to new entries only', async () => {
    const { db } = fixture();
    const admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
    const rule = homeRules.screen_free_time!;
    assert.equal((await parentA.patch(`/api/points/rules/${rule.id}`, { points: 50 })).body.error, 'forbidden');
    const changed = await admin.patch(`/api/points/rules/${rule.id}`, { points: 4, capPerDay: 8 });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.points, 4);
    const logged = await parentA.post(`/api/points/families/${familyA}/home-activities`, { ruleId: rule.id, idempotencyKey: key() });
    assert.equal(logged.body.entry.amount, 4);
    const off = await admin.patch(`/api/points/rules/${rule.id}`, { active: false });
    assert.equal(off.body.active, false);
    const refused = await parentA.post(`/api/points/families/${familyA}/home-activities`, { ruleId: rule.id, idempotencyKey: key() });
    assert.equal(refused.body.error, 'points_rule_unknown');
    await admin.patch(`/api/points/rules/${rule.id}`, { active: true });
    const behaviour = (await admin.get('/api/points/terms')).body.items[0].rules.find((r: { kind: string }) => r.kind === 'child_rating');
    assert.equal((await admin.patch(`/api/points/rules/${behaviour.id}`, { points: 3 })).body.error, 'validation_failed');
    const term = (await admin.get('/api/points/terms')).body.items[0];
    const overlap = await admin.post('/api/points/terms', { name: '重叠学期', startsOn: term.startsOn, endsOn: term.endsOn });
    assert.deepEqual([overlap.status, overlap.body.error], [409, 'conflict']);
    const next = await admin.post('/api/points/terms', { name: '下个学期', startsOn: addDays(term.endsOn, 1), endsOn: addDays(term.endsOn, 150), copyRulesFromTermId: term.id, ratingPoints: [1, 2, 3] });
    assert.equal(next.status, 201, JSON.stringify(next.body));
    assert.equal(next.body.rules.find((r: { code: string }) => r.code === 'screen_free_time').points, 4, 'rules copied with their edits');
    const audit = await db.selectFrom('audit_events').select('action').where('action', '=', 'points.rule_update').execute();
    assert.ok(audit.length >= 3);
  });

  it('rule edits: version precondition (409, nothing written), caps checked against each other, the parent sees the new cap', async () => {
    const { db } = fixture();
    const admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
    const centre = await TestClient.signedIn(app, world.users.centreStaff.login, world.users.centreStaff.password);
    // The current term (an earlier test added the next one; the list is newest first).
    const term = (await admin.get('/api/points/terms')).body.items.find((t: { startsOn: string; endsOn: string }) => t.startsOn <= today() && today() <= t.endsOn);
    const rule = term.rules.find((r: { code: string }) => r.code === 'learning_alongside');
    assert.equal(rule.capPerDay, 4);

    // Two admins load the same rule; the first save wins, the second is refused and writes nothing.
    const first = await admin.patch(`/api/points/rules/${rule.id}`, { capPerDay: 6, version: rule.version });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.version, rule.version + 1);
    const auditBefore = await db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'points.rule_update').executeTakeFirstOrThrow();
    const stale = await centre.patch(`/api/points/rules/${rule.id}`, { capPerDay: 2, version: rule.version });
    assert.deepEqual([stale.status, stale.body.error], [409, 'points_version_conflict']);
    const after = (await admin.get(`/api/points/terms/${term.id}`)).body.rules.find((r: { id: string }) => r.id === rule.id);
    assert.equal(after.capPerDay, 6, 'the stale edit did not overwrite');
    assert.equal(after.version, rule.version + 1);
    const auditAfter = await db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'points.rule_update').executeTakeFirstOrThrow();
    assert.equal(Number(auditAfter.n), Number(auditBefore.n), 'no audit row for a refused edit');

    // The parent's summary shows the new day cap at once.
    const summary = await parentA.get(`/api/points/families/${familyA}`);
    assert.equal(summary.body.homeRules.find((r: { id: string }) => r.id === rule.id).capPerDay, 6);

    // Caps that cannot work together are refused with issue codes the web app localises.
    const below = await admin.patch(`/api/points/rules/${rule.id}`, { capPerDay: 1, version: after.version });
    assert.deepEqual([below.status, below.body.error], [400, 'validation_failed']);
    assert.deepEqual(below.body.issues.map((i: { path: string; code: string }) => [i.path, i.code]), [['capPerDay', 'cap_below_points']]);
    const order = await admin.patch(`/api/points/rules/${rule.id}`, { capPerWeek: 5, capPerDay: 6 });
    assert.deepEqual(order.body.issues.map((i: { path: string; code: string }) => [i.path, i.code]), [['capPerWeek', 'cap_order']]);
    const created = await admin.post(`/api/points/terms/${term.id}/rules`, { kind: 'home_activity', code: 'museum_night', nameZh: '博物馆之夜', nameEn: 'Museum night', points: 5, capPerDay: 3 });
    assert.deepEqual([created.status, created.body.issues?.[0]?.code], [400, 'cap_below_points']);
    const unchanged = (await admin.get(`/api/points/terms/${term.id}`)).body;
    assert.equal(unchanged.rules.find((r: { id: string }) => r.id === rule.id).version, after.version, 'refused edits write nothing');
    assert.equal(unchanged.rules.some((r: { code: string }) => r.code === 'museum_night'), false);

    // Without a version the edit applies (scripts that mean to overwrite), and switching a rule off works the same way.
    const off = await admin.patch(`/api/points/rules/${rule.id}`, { active: false, version: after.version });
    assert.equal(off.body.active, false);
    assert.equal((await parentA.get(`/api/points/families/${familyA}`)).body.homeRules.some((r: { id: string }) => r.id === rule.id), false, 'a rule switched off is not offered');
    assert.equal((await admin.patch(`/api/points/rules/${rule.id}`, { active: true })).body.active, true);
    // The version alone is not a change.
    assert.equal((await admin.patch(`/api/points/rules/${rule.id}`, { version: 1 })).body.error, 'validation_failed');

    // Two saves from the same version at the same moment (truly concurrent on PostgreSQL): exactly one wins.
    const latest = (await admin.get(`/api/points/terms/${term.id}`)).body.rules.find((r: { id: string }) => r.id === rule.id);
    const race = await Promise.all([admin.patch(`/api/points/rules/${rule.id}`, { capPerWeek: 30, version: latest.version }), centre.patch(`/api/points/rules/${rule.id}`, { capPerWeek: 40, version: latest.version })]);
    assert.deepEqual(race.map((r) => r.status).sort(), [200, 409]);
    const winner = race.find((r) => r.status === 200)!;
    const stored = (await admin.get(`/api/points/terms/${term.id}`)).body.rules.find((r: { id: string }) => r.id === rule.id);
    assert.deepEqual([stored.capPerWeek, stored.version], [winner.body.capPerWeek, latest.version + 1]);

    // Terms: the same precondition on the conversion table.
    const renamed = await admin.patch(`/api/points/terms/${term.id}`, { ratingPoints: [0, 1, 3], version: unchanged.version });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.deepEqual(renamed.body.ratingPoints, [0, 1, 3]);
    const staleTerm = await centre.patch(`/api/points/terms/${term.id}`, { ratingPoints: [0, 0, 0], version: unchanged.version });
    assert.deepEqual([staleTerm.status, staleTerm.body.error], [409, 'points_version_conflict']);
    assert.deepEqual((await admin.get(`/api/points/terms/${term.id}`)).body.ratingPoints, [0, 1, 3]);
    await admin.patch(`/api/points/terms/${term.id}`, { ratingPoints: term.ratingPoints });

    // A rule whose numbers predate the check can still be switched off and renamed; changing its numbers is checked.
    await db.updateTable('points_rules').set({ cap_per_day: 1 }).where('id', '=', rule.id).execute();
    assert.equal((await admin.patch(`/api/points/rules/${rule.id}`, { active: false, nameEn: 'Learning alongside' })).status, 200);
    assert.equal((await admin.patch(`/api/points/rules/${rule.id}`, { capPerTerm: 100 })).body.issues[0].code, 'cap_below_points');
    assert.equal((await admin.patch(`/api/points/rules/${rule.id}`, { capPerDay: 4, active: true })).status, 200);
  });

  it('rewards: version precondition, community admins manage their venues’ rewards, the partner picker per role', async () => {
    const { db } = fixture();
    const venue = await TestClient.signedIn(app, world.users.venueManagerA.login, world.users.venueManagerA.password);
    const community = await TestClient.signedIn(app, world.users.communityAdmin1.login, world.users.communityAdmin1.password);
    const admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
    const teacher = await TestClient.signedIn(app, world.users.teacherA.login, world.users.teacherA.password);

    const ids = (body: { items: { id: string }[] }) => body.items.map((o) => o.id).sort();
    assert.deepEqual(ids((await venue.get('/api/points/reward-partners')).body), [world.orgs.venueA.id]);
    const communityOrgs = ids((await community.get('/api/points/reward-partners')).body);
    assert.ok(communityOrgs.includes(world.orgs.venueA.id) && communityOrgs.includes(world.orgs.parentSchoolA.id));
    assert.equal(communityOrgs.includes(world.orgs.schoolA.id), false, 'a community admin does not offer rewards for a school');
    assert.equal(communityOrgs.includes(world.orgs.venueB.id), false, 'nor for another community');
    const search = await admin.get('/api/points/reward-partners?q=乙');
    assert.deepEqual(ids(search.body), [world.orgs.schoolB.id, world.orgs.venueB.id].sort());
    assert.deepEqual([(await teacher.get('/api/points/reward-partners')).status, (await parentA.get('/api/points/reward-partners')).body.error], [403, 'forbidden']);

    const created = await community.post('/api/points/rewards', { organisationId: world.orgs.venueA.id, title: '社区观影券', cost: 3, stock: 5 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.ok((await community.get('/api/points/rewards')).body.items.some((r: { id: string }) => r.id === created.body.id), 'the community admin sees the reward it offered');
    assert.ok((await venue.get('/api/points/rewards')).body.items.some((r: { id: string }) => r.id === created.body.id), 'so does the venue');

    const restock = await venue.patch(`/api/points/rewards/${created.body.id}`, { stock: 8, version: created.body.version });
    assert.equal(restock.status, 200);
    const stale = await community.patch(`/api/points/rewards/${created.body.id}`, { active: false, version: created.body.version });
    assert.deepEqual([stale.status, stale.body.error], [409, 'points_version_conflict']);
    const row = await db.selectFrom('points_rewards').select(['stock', 'active', 'version']).where('id', '=', created.body.id).executeTakeFirstOrThrow();
    assert.deepEqual(row, { stock: 8, active: true, version: created.body.version + 1 });
    const race = await Promise.all([
      venue.patch(`/api/points/rewards/${created.body.id}`, { cost: 4, version: restock.body.version }),
      community.patch(`/api/points/rewards/${created.body.id}`, { cost: 6, version: restock.body.version }),
    ]);
    assert.deepEqual(race.map((r) => r.status).sort(), [200, 409]);
    const raced = await db.selectFrom('points_rewards').select(['cost', 'version']).where('id', '=', created.body.id).executeTakeFirstOrThrow();
    assert.deepEqual(raced, { cost: race.find((r) => r.status === 200)!.body.cost, version: restock.body.version + 1 });
    const off = await community.patch(`/api/points/rewards/${created.body.id}`, { active: false, version: raced.version });
    assert.equal(off.body.active, false);
    assert.equal((await parentA.get('/api/points/rewards')).body.items.some((r: { id: string }) => r.id === created.body.id), false, 'families do not see a reward taken off offer');
    assert.ok((await community.get('/api/points/rewards')).body.items.some((r: { id: string }) => r.id === created.body.id), 'its partner still does');
  });

  it('aggregates: group figures by class, school, community, subdistrict; small groups show no points; scope by role', async () => {
    const { db } = fixture();
    // Three more families at school A make its group large enough to show points.
    for (let i = 0; i < 3; i++) {
      const g = await buildUser(db);
      const { family } = await buildFamily(db, { guardianIds: [g.id], children: [{ schoolId: world.orgs.schoolA.id }] });
      const client = await TestClient.signedIn(app, g.login, g.password);
      if (i < 2) assert.equal((await client.post(`/api/points/families/${family.id}/home-activities`, { ruleId: homeRules.dinner_talk!.id, idempotencyKey: key() })).status, 201);
    }
    const admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
    for (const by of ['class', 'school', 'community', 'subdistrict']) {
      const result = await admin.get(`/api/points/aggregates?by=${by}`);
      assert.equal(result.status, 200, `${by}: ${JSON.stringify(result.body)}`);
      assert.equal(result.body.by, by);
      for (const group of result.body.groups) {
        assert.ok(group.activeFamilies <= group.families);
        if (group.families < result.body.minGroupFamilies) {
          assert.equal(group.suppressed, true);
          assert.equal(group.pointsEarned, null, 'no points for groups that could single out a family');
        }
      }
      const text = JSON.stringify(result.body);
      assert.ok(!text.includes(world.familyA.family.name) && !text.includes(world.users.parentA.display_name), 'no family or parent names');
    }
    const bySchool = await admin.get('/api/points/aggregates?by=school');
    const schoolA = bySchool.body.groups.find((g: { key: string }) => g.key === world.orgs.schoolA.id);
    assert.ok(schoolA.families >= 4);
    assert.equal(schoolA.suppressed, false);
    assert.ok(schoolA.pointsEarned > 0);
    assert.ok(schoolA.activeFamilies >= 3);
    const schoolB = bySchool.body.groups.find((g: { key: string }) => g.key === world.orgs.schoolB.id);
    assert.equal(schoolB.suppressed, true);

    const teacher = await TestClient.signedIn(app, world.users.teacherA.login, world.users.teacherA.password);
    const own = await teacher.get('/api/points/aggregates?by=class');
    assert.equal(own.status, 200);
    assert.ok(own.body.groups.every((g: { key: string }) => g.key.startsWith(world.orgs.schoolA.id)), 'school staff see their school only');
    assert.equal((await teacher.get('/api/points/aggregates?by=subdistrict')).body.error, 'forbidden');
    assert.equal((await parentA.get('/api/points/aggregates')).body.error, 'forbidden');
    assert.equal((await TestClient.signedIn(app, world.users.venueManagerA.login, world.users.venueManagerA.password).then((c) => c.get('/api/points/aggregates'))).status, 403);
    const audit = await db.selectFrom('audit_events').select('action').where('action', '=', 'points.aggregate_read').execute();
    assert.ok(audit.length >= 5);
  });

  it('the growth handbook: page data and a print-ready A4 PDF with embedded Chinese fonts', async () => {
    const book = await parentA.get(`/api/points/families/${familyA}/handbook`);
    assert.equal(book.status, 200, JSON.stringify(book.body));
    assert.equal(book.body.family.name, world.familyA.family.name);
    assert.ok(book.body.classesAttended.some((c: { title: string }) => c.title === '如何陪孩子读书'));
    assert.ok(book.body.activities.some((a: { nameZh: string; times: number }) => a.nameZh === '亲子共读' && a.times > 0));
    assert.equal(book.body.points.earned, book.body.points.homeActivity + book.body.points.attendance + book.body.points.childRating);
    assert.ok(book.body.badges.some((b: { code: string }) => b.code === 'school_partner') === book.body.classesAttended.length >= 3);
    const pdf = await parentA.request('GET', `/api/points/families/${familyA}/handbook.pdf`);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    const bytes = Buffer.from(pdf.body as string, 'latin1');
    assert.ok(String(pdf.body).startsWith('%PDF-'), 'a PDF');
    assert.match(String(pdf.body), /MediaBox \[0 0 595\.28 841\.89\]/, 'A4');
    assert.match(String(pdf.body), /NotoSansHans-Regular/, 'the Chinese font is embedded');
    assert.ok(bytes.length > 5000);
    const other = await TestClient.signedIn(app, world.users.parentB.login, world.users.parentB.password);
    assert.equal((await other.get(`/api/points/families/${familyA}/handbook.pdf`)).status, 403);
    assert.equal((await parentA.get(`/api/points/families/${familyA}/handbook?termId=${randomUUID()}`)).status, 404);
  });
});

describeEachDatabase('points bank: the rules page of a district nobody has used yet', (fixture) => {
  it('district staff listing the terms find the current term with its default rules, created once', async () => {
    const { db, database } = fixture();
    const world = await buildWorld(db);
    const app = buildTestApp(database, testConfig());
    const centre = await TestClient.signedIn(app, world.users.centreStaff.login, world.users.centreStaff.password);
    assert.equal(Number((await db.selectFrom('points_terms').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n), 0);
    const first = await centre.get('/api/points/terms');
    assert.equal(first.status, 200);
    assert.equal(first.body.items.length, 1);
    const term = first.body.items[0];
    assert.ok(term.startsOn <= today() && today() <= term.endsOn);
    assert.equal(term.rules.filter((r: { kind: string }) => r.kind === 'home_activity').length, 10);
    assert.equal(term.rules.filter((r: { kind: string }) => r.kind === 'school_attendance').length, 4);
    assert.equal((await centre.get('/api/points/terms')).body.items.length, 1, 'no second term');
    const school = await TestClient.signedIn(app, world.users.schoolAdminA.login, world.users.schoolAdminA.password);
    assert.equal((await school.get('/api/points/terms')).body.error, 'forbidden');
  });
});
