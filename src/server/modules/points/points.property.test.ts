import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { describeEachDatabase, testConfig } from '../../../../test/support/databases.ts';
import { buildFamily, buildUser } from '../../../../test/support/factories.ts';
import { buildWorld, type World } from '../../../../test/support/world.ts';
import type { DB } from '../../db/types.ts';
import { isAppError } from '../../errors.ts';
import { createServices, type Services } from '../../services.ts';
import type { Actor, RequestContext } from '../access/actor.ts';
import { addDays, today, weekStart } from './points.dates.ts';

/**
 * Random sequences of awards, retries (same key, same or different request), reversals, redemptions and
 * cancellations, some of them fired concurrently, against the service on PGlite and on PostgreSQL. After every
 * sequence the ledger must satisfy its invariants, whatever the interleaving.
 */

const RULES = ['reading_together', 'chores_together', 'outdoor_visit'] as const;
const EXPECTED_REFUSALS = new Set([
  'points_cap_exceeded',
  'points_idempotency_conflict',
  'points_already_reversed',
  'points_not_reversible',
  'points_insufficient_balance',
  'points_out_of_stock',
  'points_redemption_limit',
]);

type Op =
  | { type: 'award'; family: number; rule: number; daysBack: number; key: number }
  | { type: 'reverse'; family: number; pick: number; key: number }
  | { type: 'redeem'; family: number; reward: number; key: number }
  | { type: 'cancel'; pick: number };
type Step = { concurrent: Op[] } | Op;

const familyArb = fc.integer({ min: 0, max: 1 });
const keyArb = fc.integer({ min: 0, max: 7 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('award' as const), family: familyArb, rule: fc.integer({ min: 0, max: RULES.length - 1 }), daysBack: fc.integer({ min: 0, max: 2 }), key: keyArb }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('reverse' as const), family: familyArb, pick: fc.nat(), key: keyArb }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('redeem' as const), family: familyArb, reward: fc.integer({ min: 0, max: 1 }), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('cancel' as const), pick: fc.nat() }) },
);
const stepArb: fc.Arbitrary<Step> = fc.oneof({ weight: 3, arbitrary: opArb }, { weight: 1, arbitrary: fc.record({ concurrent: fc.array(opArb, { minLength: 2, maxLength: 6 }) }) });

function ctxFor(actor: Actor): RequestContext {
  return { actor, authFailure: null, ip: null, userAgent: null };
}

async function assertInvariants(db: Kysely<DB>, families: string[], caps: Map<string, { day: number | null; week: number | null; term: number | null }>, rewards: { id: string; stock: number; limit: number }[]) {
  for (const familyId of families) {
    const account = await db.selectFrom('points_accounts').select(['balance', 'entry_count']).where('family_id', '=', familyId).executeTakeFirst();
    const entries = await db
      .selectFrom('points_entries')
      .select(['amount', 'balance_after', 'rule_id', sql<string>`occurred_on::text`.as('day'), 'idempotency_key'])
      .where('family_id', '=', familyId)
      .orderBy('seq')
      .execute();
    const sum = entries.reduce((s, e) => s + e.amount, 0);
    assert.equal(account?.balance ?? 0, sum, 'balance = sum of entries');
    assert.equal(account?.entry_count ?? 0, entries.length);
    let running = 0;
    for (const e of entries) {
      running += e.amount;
      assert.equal(e.balance_after, running, 'balance_after is the running sum');
      assert.ok(running >= 0, 'no negative balance, ever');
    }
    assert.equal(new Set(entries.map((e) => e.idempotency_key)).size, entries.length, 'no entry twice for one idempotency key');
    for (const [ruleId, cap] of caps) {
      const ofRule = entries.filter((e) => e.rule_id === ruleId);
      const byDay = new Map<string, number>();
      const byWeek = new Map<string, number>();
      for (const e of ofRule) {
        byDay.set(e.day, (byDay.get(e.day) ?? 0) + e.amount);
        byWeek.set(weekStart(e.day), (byWeek.get(weekStart(e.day)) ?? 0) + e.amount);
      }
      const term = ofRule.reduce((s, e) => s + e.amount, 0);
      if (cap.day !== null) for (const v of byDay.values()) assert.ok(v <= cap.day, `day cap ${cap.day}: ${v}`);
      if (cap.week !== null) for (const v of byWeek.values()) assert.ok(v <= cap.week, `week cap ${cap.week}: ${v}`);
      if (cap.term !== null) assert.ok(term <= cap.term, `term cap ${cap.term}: ${term}`);
    }
  }
  for (const reward of rewards) {
    const row = await db.selectFrom('points_rewards').select('stock').where('id', '=', reward.id).executeTakeFirstOrThrow();
    const live = await db.selectFrom('points_redemptions').select(['family_id']).where('reward_id', '=', reward.id).where('status', '<>', 'cancelled').execute();
    assert.ok(row.stock >= 0, 'stock never negative');
    assert.equal(row.stock, reward.stock - live.length, 'stock = initial − live redemptions');
    for (const familyId of families) assert.ok(live.filter((r) => r.family_id === familyId).length <= reward.limit, 'per-family limit');
  }
  // Every redemption has exactly one debit, and a cancelled one exactly one refund.
  const orphans = await sql<{ n: number }>`
    select count(*)::int as n from points_redemptions r
    where (select count(*) from points_entries e where e.source_id = r.id and e.kind = 'redemption') <> 1
       or (select count(*) from points_entries e where e.source_id = r.id and e.kind = 'reversal') <> (case when r.status = 'cancelled' then 1 else 0 end)
  `.execute(db);
  assert.equal(orphans.rows[0]!.n, 0, 'redemptions and their ledger entries match');
}

describeEachDatabase('points ledger properties (fast-check)', (fixture) => {
  let services: Services;
  let world: World;
  let admin: RequestContext;
  let ruleIds: string[];
  const caps = new Map<string, { day: number | null; week: number | null; term: number | null }>();

  before(async () => {
    const { db, database } = fixture();
    world = await buildWorld(db);
    services = createServices(database, testConfig());
    admin = ctxFor({
      userId: world.users.districtAdmin.id,
      displayName: 'admin',
      grants: [{ id: 'g', role: 'district_admin', scopeType: 'district', scopeId: world.divisions.district }],
      familyIds: [],
      child: null,
      via: 'session',
      sessionId: null,
    });
    // A term around today with tight caps, so that short random sequences hit them.
    const term = await services.points.createTerm(admin, { name: '属性测试学期', startsOn: addDays(today(), -30), endsOn: addDays(today(), 30) });
    ruleIds = RULES.map((code) => term.rules.find((r) => r.code === code)!.id);
    const tight = [
      { capPerDay: 6, capPerWeek: 9, capPerTerm: 15 },
      { capPerDay: 4, capPerWeek: null, capPerTerm: 10 },
      { capPerDay: null, capPerWeek: 10, capPerTerm: null },
    ];
    for (const [i, id] of ruleIds.entries()) {
      const updated = await services.points.updateRule(admin, id, tight[i]!);
      caps.set(id, { day: updated.cap_per_day, week: updated.cap_per_week, term: updated.cap_per_term });
    }
  });

  it('balance = sum of entries, one entry per key, never negative, caps and stock respected, under retries and concurrency', async () => {
    const { db } = fixture();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 5, maxLength: 25 }), async (steps) => {
        run++;
        const guardians = [await buildUser(db), await buildUser(db)];
        const families: string[] = [];
        for (const g of guardians) families.push((await buildFamily(db, { guardianIds: [g.id], children: [{ schoolId: world.orgs.schoolA.id }] })).family.id);
        const contexts = guardians.map((g, i) =>
          ctxFor({ userId: g.id, displayName: g.display_name, grants: [], familyIds: [families[i]!], child: null, via: 'session', sessionId: null }),
        );
        const venue = ctxFor({
          userId: world.users.venueManagerA.id,
          displayName: 'venue',
          grants: [{ id: 'v', role: 'venue_manager', scopeType: 'organisation', scopeId: world.orgs.venueA.id }],
          familyIds: [],
          child: null,
          via: 'session',
          sessionId: null,
        });
        const rewards = [
          { ...(await services.points.createReward(venue, { organisationId: world.orgs.venueA.id, title: `奖 ${run}a`, cost: 4, stock: 3, perFamilyLimit: 2 })), limit: 2 },
          { ...(await services.points.createReward(venue, { organisationId: world.orgs.venueA.id, title: `奖 ${run}b`, cost: 7, stock: 2 })), limit: 1000 },
        ];
        const successesByKey = new Map<string, string>();
        const redemptions: string[] = [];

        const execute = async (op: Op) => {
          try {
            if (op.type === 'award') {
              const key = `prop-${run}-${op.family}-${op.key}`;
              const outcome = await services.points.logHomeActivity(contexts[op.family]!, families[op.family]!, {
                ruleId: ruleIds[op.rule]!,
                occurredOn: addDays(today(), -op.daysBack),
                idempotencyKey: key,
              });
              const seen = successesByKey.get(`${op.family}:${key}`);
              if (seen) assert.equal(outcome.value.entryId, seen, 'a retry returns the same entry');
              successesByKey.set(`${op.family}:${key}`, outcome.value.entryId);
            } else if (op.type === 'reverse') {
              const entries = await db.selectFrom('points_entries').select('id').where('family_id', '=', families[op.family]!).orderBy('seq').execute();
              if (entries.length === 0) return;
              const target = entries[op.pick % entries.length]!.id;
              const key = `prop-${run}-${op.family}-${op.key}`;
              const outcome = await services.points.reverseEntry(admin, target, { reason: '属性测试', idempotencyKey: key });
              const seen = successesByKey.get(`${op.family}:${key}`);
              if (seen) assert.equal(outcome.value.entryId, seen);
              successesByKey.set(`${op.family}:${key}`, outcome.value.entryId);
            } else if (op.type === 'redeem') {
              const key = `prop-${run}-${op.family}-${op.key}`;
              const outcome = await services.points.redeem(contexts[op.family]!, families[op.family]!, { rewardId: rewards[op.reward]!.id, idempotencyKey: key });
              const seen = successesByKey.get(`${op.family}:${key}`);
              if (seen) assert.equal(outcome.value.entryId, seen);
              successesByKey.set(`${op.family}:${key}`, outcome.value.entryId);
              redemptions.push(outcome.value.redemptionId);
            } else {
              if (redemptions.length === 0) return;
              await services.points.cancelRedemption(admin, redemptions[op.pick % redemptions.length]!, { reason: '属性测试取消' });
            }
          } catch (error) {
            if (isAppError(error) && EXPECTED_REFUSALS.has(error.id)) return;
            throw error;
          }
        };

        for (const step of steps) {
          if ('concurrent' in step) await Promise.all(step.concurrent.map(execute));
          else await execute(step);
        }
        await assertInvariants(db, families, caps, [
          { id: rewards[0]!.id, stock: 3, limit: 2 },
          { id: rewards[1]!.id, stock: 2, limit: 1000 },
        ]);
      }),
      { numRuns: Number(process.env.POINTS_PROPERTY_RUNS ?? 20), seed: process.env.POINTS_PROPERTY_SEED ? Number(process.env.POINTS_PROPERTY_SEED) : undefined },
    );
  });
});
