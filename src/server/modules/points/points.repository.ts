import { sql, type Kysely } from 'kysely';
import { PREPARED } from '../../db/prepared.ts';
import type { DB } from '../../db/types.ts';
import type { AttendanceKind, EntryKind, EntrySourceType, RuleKind } from './points.tables.ts';

/** A `date` column as 'YYYY-MM-DD' text (drivers would turn it into a local-midnight Date otherwise). */
const dateText = <A extends string>(ref: string, alias: A) => sql<string>`${sql.ref(ref)}::text`.as(alias);
/** The same for a date column of a left-joined table (null when there is no joined row). */
const optionalDateText = <A extends string>(ref: string, alias: A) => sql<string | null>`${sql.ref(ref)}::text`.as(alias);

// ---------------------------------------------------------------------------------------------------------------------
// terms and rules

function termsQuery(db: Kysely<DB>) {
  return db
    .selectFrom('points_terms as t')
    .select([
      't.id',
      't.district_code',
      't.name',
      dateText('t.starts_on', 'starts_on'),
      dateText('t.ends_on', 'ends_on'),
      't.rating_points',
      't.version',
      't.updated_at',
    ]);
}
export type TermViewRow = Awaited<ReturnType<typeof findTerm>> & {};

export async function findTerm(db: Kysely<DB>, id: string) {
  return termsQuery(db).where('t.id', '=', id).executeTakeFirst();
}

export async function findTermCovering(db: Kysely<DB>, districtCode: string, date: string) {
  return termsQuery(db)
    .where('t.district_code', '=', districtCode)
    .where('t.starts_on', '<=', date)
    .where('t.ends_on', '>=', date)
    .executeTakeFirst();
}

export async function listTerms(db: Kysely<DB>, districtCodes: string[] | null) {
  let query = termsQuery(db).orderBy('t.starts_on', 'desc');
  if (districtCodes) query = query.where('t.district_code', 'in', districtCodes.length > 0 ? districtCodes : ['']);
  return query.execute();
}

export async function overlappingTerms(db: Kysely<DB>, districtCode: string, startsOn: string, endsOn: string, excludeId?: string) {
  let query = termsQuery(db).where('t.district_code', '=', districtCode).where('t.starts_on', '<=', endsOn).where('t.ends_on', '>=', startsOn);
  if (excludeId) query = query.where('t.id', '<>', excludeId);
  return query.execute();
}

/** The nearest terms before and after `date` (for fitting a default term into a gap). */
export async function neighbourTerms(db: Kysely<DB>, districtCode: string, date: string) {
  const [previous, next] = await Promise.all([
    termsQuery(db).where('t.district_code', '=', districtCode).where('t.ends_on', '<', date).orderBy('t.ends_on', 'desc').limit(1).executeTakeFirst(),
    termsQuery(db).where('t.district_code', '=', districtCode).where('t.starts_on', '>', date).orderBy('t.starts_on').limit(1).executeTakeFirst(),
  ]);
  return { previous, next };
}

/** A transaction-scoped advisory lock on a name (PostgreSQL and PGlite alike), released at commit or rollback. */
export async function advisoryLock(db: Kysely<DB>, name: string) {
  await sql`select pg_advisory_xact_lock(7243002, hashtext(${name}))`.execute(db);
}

/** Serialises term creation per district. */
export async function lockDistrictTerms(db: Kysely<DB>, districtCode: string) {
  await advisoryLock(db, `points-terms:${districtCode}`);
}

export async function insertTerm(
  db: Kysely<DB>,
  term: { districtCode: string; name: string; startsOn: string; endsOn: string; ratingPoints: number[]; createdBy: string | null },
) {
  return db
    .insertInto('points_terms')
    .values({
      district_code: term.districtCode,
      name: term.name,
      starts_on: term.startsOn,
      ends_on: term.endsOn,
      rating_points: JSON.stringify(term.ratingPoints),
      created_by: term.createdBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/**
 * Changes a term; with `expectedVersion`, only if the row still has that version. Returns how many rows changed
 * (0: the version moved on, the caller refuses with points_version_conflict).
 */
export async function updateTerm(
  db: Kysely<DB>,
  id: string,
  changes: { name?: string; startsOn?: string; endsOn?: string; ratingPoints?: number[] },
  expectedVersion?: number,
): Promise<number> {
  const result = await db
    .updateTable('points_terms')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.startsOn !== undefined ? { starts_on: changes.startsOn } : {}),
      ...(changes.endsOn !== undefined ? { ends_on: changes.endsOn } : {}),
      ...(changes.ratingPoints !== undefined ? { rating_points: JSON.stringify(changes.ratingPoints) } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .$if(expectedVersion !== undefined, (q) => q.where('version', '=', expectedVersion!))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Entries already booked in the term outside [startsOn, endsOn] (a term cannot shrink past its own history). */
export async function countEntriesOutside(db: Kysely<DB>, termId: string, startsOn: string, endsOn: string) {
  const row = await db
    .selectFrom('points_entries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('term_id', '=', termId)
    .where((eb) => eb.or([eb('occurred_on', '<', startsOn), eb('occurred_on', '>', endsOn)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const ruleColumns = [
  'r.id',
  'r.term_id',
  'r.kind',
  'r.code',
  'r.name_zh',
  'r.name_en',
  'r.icon',
  'r.points',
  'r.cap_per_day',
  'r.cap_per_week',
  'r.cap_per_term',
  'r.active',
  'r.sort_order',
  'r.version',
] as const;

export async function listRules(db: Kysely<DB>, termId: string, kind?: RuleKind) {
  let query = db.selectFrom('points_rules as r').select(ruleColumns).where('r.term_id', '=', termId);
  if (kind) query = query.where('r.kind', '=', kind);
  return query.orderBy('r.kind').orderBy('r.sort_order').orderBy('r.code').execute();
}
export type RuleViewRow = Awaited<ReturnType<typeof listRules>>[number];

/** A rule with the dates and district of its term. */
export async function findRuleWithTerm(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('points_rules as r')
    .innerJoin('points_terms as t', 't.id', 'r.term_id')
    .select([...ruleColumns, 't.district_code', dateText('t.starts_on', 'term_starts_on'), dateText('t.ends_on', 'term_ends_on')])
    .where('r.id', '=', id)
    .executeTakeFirst();
}
export type RuleWithTermRow = NonNullable<Awaited<ReturnType<typeof findRuleWithTerm>>>;

/** A rule of a term by its code, with the dates and district of the term. */
export async function findRuleWithTermByCode(db: Kysely<DB>, termId: string, code: string) {
  return db
    .selectFrom('points_rules as r')
    .innerJoin('points_terms as t', 't.id', 'r.term_id')
    .select([...ruleColumns, 't.district_code', dateText('t.starts_on', 'term_starts_on'), dateText('t.ends_on', 'term_ends_on')])
    .where('r.term_id', '=', termId)
    .where('r.code', '=', code)
    .executeTakeFirst();
}

export async function findRuleByCode(db: Kysely<DB>, termId: string, code: string) {
  return db.selectFrom('points_rules as r').select(ruleColumns).where('r.term_id', '=', termId).where('r.code', '=', code).executeTakeFirst();
}

export interface RuleWrite {
  kind: RuleKind;
  code: string;
  nameZh: string;
  nameEn: string;
  icon: string;
  points: number | null;
  capPerDay: number | null;
  capPerWeek: number | null;
  capPerTerm: number | null;
  active?: boolean;
  sortOrder: number;
}

export async function insertRules(db: Kysely<DB>, termId: string, rules: RuleWrite[]) {
  if (rules.length === 0) return [];
  return db
    .insertInto('points_rules')
    .values(
      rules.map((rule) => ({
        term_id: termId,
        kind: rule.kind,
        code: rule.code,
        name_zh: rule.nameZh,
        name_en: rule.nameEn,
        icon: rule.icon,
        points: rule.points,
        cap_per_day: rule.capPerDay,
        cap_per_week: rule.capPerWeek,
        cap_per_term: rule.capPerTerm,
        active: rule.active ?? true,
        sort_order: rule.sortOrder,
      })),
    )
    .returning('id')
    .execute();
}

/** Changes a rule; with `expectedVersion`, only if the row still has that version. Returns how many rows changed. */
export async function updateRule(
  db: Kysely<DB>,
  id: string,
  changes: Partial<{ nameZh: string; nameEn: string; icon: string; points: number; capPerDay: number | null; capPerWeek: number | null; capPerTerm: number | null; active: boolean; sortOrder: number }>,
  expectedVersion?: number,
): Promise<number> {
  const result = await db
    .updateTable('points_rules')
    .set({
      ...(changes.nameZh !== undefined ? { name_zh: changes.nameZh } : {}),
      ...(changes.nameEn !== undefined ? { name_en: changes.nameEn } : {}),
      ...(changes.icon !== undefined ? { icon: changes.icon } : {}),
      ...(changes.points !== undefined ? { points: changes.points } : {}),
      ...(changes.capPerDay !== undefined ? { cap_per_day: changes.capPerDay } : {}),
      ...(changes.capPerWeek !== undefined ? { cap_per_week: changes.capPerWeek } : {}),
      ...(changes.capPerTerm !== undefined ? { cap_per_term: changes.capPerTerm } : {}),
      ...(changes.active !== undefined ? { active: changes.active } : {}),
      ...(changes.sortOrder !== undefined ? { sort_order: changes.sortOrder } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .$if(expectedVersion !== undefined, (q) => q.where('version', '=', expectedVersion!))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Takes a rule's row lock and returns its current state (caps are checked against it, not a stale read). */
export async function lockRule(trx: Kysely<DB>, id: string) {
  return trx
    .selectFrom('points_rules')
    .select(['id', 'kind', 'points', 'cap_per_day', 'cap_per_week', 'cap_per_term', 'version'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------------------------------------------------------------
// districts

/** The district of a family: the district above the division of its children's schools (most children win). */
export async function resolveFamilyDistrict(db: Kysely<DB>, familyId: string): Promise<string | null> {
  const result = await sql<{ code: string }>`
    with recursive up as (
      select d.code, d.level, d.parent_code, c.id as child_id
      from children c
      join organisations o on o.id = c.school_id
      join divisions d on d.code = o.division_code
      where c.family_id = ${familyId}
      union all
      select p.code, p.level, p.parent_code, up.child_id
      from up join divisions p on p.code = up.parent_code
    )
    select code from up where level = 'district' group by code order by count(*) desc, code limit 1
  `.execute(db);
  return result.rows[0]?.code ?? null;
}

/** The only district of the registry, when there is exactly one (the usual single-district deployment). */
export async function soleDistrict(db: Kysely<DB>): Promise<string | null> {
  const rows = await db.selectFrom('divisions').select('code').where('level', '=', 'district').limit(2).execute();
  return rows.length === 1 ? rows[0]!.code : null;
}

/** Districts a user's grants reach: district grants directly, lower scopes through their division. */
export async function districtOfDivision(db: Kysely<DB>, code: string): Promise<string | null> {
  const result = await sql<{ code: string }>`
    with recursive up as (
      select code, level, parent_code from divisions where code = ${code}
      union all
      select p.code, p.level, p.parent_code from up join divisions p on p.code = up.parent_code
    )
    select code from up where level = 'district' limit 1
  `.execute(db);
  return result.rows[0]?.code ?? null;
}

export async function findOrganisationBasics(db: Kysely<DB>, id: string) {
  return db.selectFrom('organisations').select(['id', 'name', 'kind', 'division_code']).where('id', '=', id).executeTakeFirst();
}

/**
 * Organisations a partner may offer rewards for: `all` (district staff; optionally narrowed by a name fragment), or
 * the given organisations plus the non-school organisations of the given communities.
 */
export async function rewardPartnerOrganisations(db: Kysely<DB>, filter: { all: boolean; organisationIds: string[]; communityCodes: string[]; q?: string; limit: number }) {
  let query = db.selectFrom('organisations as o').select(['o.id', 'o.name', 'o.kind']);
  if (!filter.all) {
    query = query.where((eb) =>
      eb.or([
        eb('o.id', 'in', filter.organisationIds.length > 0 ? filter.organisationIds : ['00000000-0000-0000-0000-000000000000']),
        eb.and([eb('o.division_code', 'in', filter.communityCodes.length > 0 ? filter.communityCodes : ['']), eb('o.kind', '<>', 'school')]),
      ]),
    );
  }
  if (filter.q) query = query.where('o.name', 'like', `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  return query.orderBy('o.name').orderBy('o.id').limit(filter.limit).execute();
}

export async function findFamily(db: Kysely<DB>, id: string) {
  return db.selectFrom('families').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------------------------------
// the ledger

export async function findAccount(db: Kysely<DB>, familyId: string) {
  return db.selectFrom('points_accounts').select(['family_id', 'district_code', 'balance', 'entry_count']).where('family_id', '=', familyId).executeTakeFirst();
}

/**
 * Creates the account if needed and takes its row lock until the transaction ends. Every ledger write of a family
 * goes through here first, so writes to one account are serialised while writes to different accounts run in
 * parallel. Statements after this one see everything committed by earlier holders of the lock.
 */
export async function lockAccount(trx: Kysely<DB>, familyId: string, districtCode: string | null) {
  // One round trip: insert the account or, when it exists, take its row lock (ON CONFLICT DO UPDATE locks the row,
  // waiting for any other holder) and return its current values.
  return trx
    .insertInto('points_accounts')
    .values({ family_id: familyId, district_code: districtCode })
    .onConflict((oc) => oc.column('family_id').doUpdateSet({ family_id: sql`excluded.family_id` }))
    .returning(['family_id', 'district_code', 'balance', 'entry_count'])
    .executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------------------------------------------------------------
// the award hot path: a fixed number of statements per transaction, whatever the number of awards in it

/** A rule with its term's district and dates, as the award path reads it. */
type RuleColumnsRow = {
  id: string | null;
  term_id: string;
  kind: RuleKind;
  code: string;
  name_zh: string;
  name_en: string;
  icon: string;
  points: number | null;
  cap_per_day: number | null;
  cap_per_week: number | null;
  cap_per_term: number | null;
  active: boolean;
  sort_order: number;
  version: number;
  district_code: string;
  term_starts_on: string;
  term_ends_on: string;
};
const awardRuleColumns = sql`r.id, r.term_id, r.kind, r.code, r.name_zh, r.name_en, r.icon, r.points, r.cap_per_day, r.cap_per_week, r.cap_per_term,
  r.active, r.sort_order, r.version, t.district_code, t.starts_on::text as term_starts_on, t.ends_on::text as term_ends_on`;
const ruleOrUndefined = (rule: RuleColumnsRow) => (rule.id === null ? undefined : (rule as RuleWithTermRow));

/**
 * What an award needs before its transaction when its family has no account with a district yet (the slow path of
 * a family's first award): the district stored on the account (null when there is none) and the rule with its
 * term's district and dates (undefined when there is no such rule).
 */
export async function awardContext(db: Kysely<DB>, familyId: string, ruleId: string) {
  const { rows } = await sql<RuleColumnsRow & { account_district: string | null }>`${sql.raw(PREPARED)}
    select a.district_code as account_district, ${awardRuleColumns}
    from (select 1) one
    left join points_accounts a on a.family_id = ${familyId}
    left join (points_rules r join points_terms t on t.id = r.term_id) on r.id = ${ruleId}`.execute(db);
  const { account_district, ...rule } = rows[0]!;
  return { accountDistrict: account_district, rule: ruleOrUndefined(rule) };
}

/** A locked account: its balance and stored district. */
export interface LockedAccount {
  balance: number;
  districtCode: string | null;
}

/**
 * Creates the accounts that do not exist yet and takes the row locks of all of them until the transaction ends,
 * in family-id order (the order every multi-account transaction uses, so that two of them cannot deadlock).
 * Statements after this one see everything committed by earlier holders of the locks.
 */
export async function lockAccounts(trx: Kysely<DB>, accounts: { familyId: string; districtCode: string }[]): Promise<Map<string, LockedAccount>> {
  const { rows } = await sql<{ family_id: string; balance: number; district_code: string | null }>`${sql.raw(PREPARED)}
    insert into points_accounts (family_id, district_code)
    select f, d from unnest(${accounts.map((a) => a.familyId)}::uuid[], ${accounts.map((a) => a.districtCode)}::text[]) as x(f, d) order by f
    on conflict (family_id) do update set family_id = excluded.family_id
    returning family_id, balance, district_code`.execute(trx);
  return new Map(rows.map((row) => [row.family_id, { balance: Number(row.balance), districtCode: row.district_code }]));
}

/**
 * Takes the row locks of those of the accounts that exist, in family-id order like lockAccounts, and creates none.
 * A family missing from the answer has no account yet.
 */
export async function lockExistingAccounts(trx: Kysely<DB>, familyIds: string[]): Promise<Map<string, LockedAccount>> {
  const { rows } = await sql<{ family_id: string; balance: number; district_code: string | null }>`${sql.raw(PREPARED)}
    select family_id, balance, district_code from points_accounts where family_id = any(${familyIds}::uuid[]) order by family_id for update`.execute(trx);
  return new Map(rows.map((row) => [row.family_id, { balance: Number(row.balance), districtCode: row.district_code }]));
}

/**
 * Under the account locks, for each award: its rule with the term's district and dates (undefined when there is no
 * such rule), the entry already booked with its idempotency key (if any) and the net points of its rule booked for
 * the family on the day, in the week and in the term (reversals count negative). One statement for the whole batch,
 * answers in the order of `awards`.
 */
export async function awardStates(trx: Kysely<DB>, awards: { familyId: string; ruleId: string; day: string; weekFrom: string; weekTo: string; key: string }[]) {
  const { rows } = await sql<
    RuleColumnsRow & { i: number; key_entry_id: string | null; key_request_hash: string | null; key_balance_after: number | null; used_day: number; used_week: number; used_term: number }
  >`${sql.raw(PREPARED)}
    select x.i::int as i, ${awardRuleColumns}, k.id as key_entry_id, k.request_hash as key_request_hash, k.balance_after as key_balance_after,
           coalesce(u.day, 0)::int as used_day, coalesce(u.week, 0)::int as used_week, coalesce(u.term, 0)::int as used_term
    from unnest(${awards.map((a) => a.familyId)}::uuid[], ${awards.map((a) => a.ruleId)}::uuid[], ${awards.map((a) => a.day)}::date[],
                ${awards.map((a) => a.weekFrom)}::date[], ${awards.map((a) => a.weekTo)}::date[], ${awards.map((a) => a.key)}::text[])
         with ordinality as x(family_id, rule_id, day, week_from, week_to, key, i)
    left join (points_rules r join points_terms t on t.id = r.term_id) on r.id = x.rule_id
    left join points_entries k on k.family_id = x.family_id and k.idempotency_key = x.key
    left join lateral (
      select sum(e.amount) filter (where e.occurred_on = x.day) as day,
             sum(e.amount) filter (where e.occurred_on between x.week_from and x.week_to) as week,
             sum(e.amount) as term
      from points_entries e where e.family_id = x.family_id and e.rule_id = x.rule_id) u on true
    order by x.i`.execute(trx);
  return rows.map(({ i: _i, key_entry_id, key_request_hash, key_balance_after, used_day, used_week, used_term, ...rule }) => ({
    rule: ruleOrUndefined(rule),
    existing: key_entry_id === null ? null : { id: key_entry_id, requestHash: key_request_hash!, balanceAfter: Number(key_balance_after) },
    usage: { day: Number(used_day), week: Number(used_week), term: Number(used_term) },
  }));
}

/** A home activity to book: its evidence row, its ledger entry, the account's new balance and its audit row. */
export interface HomeAwardWrite {
  entryId: string;
  activityId: string;
  familyId: string;
  ruleId: string;
  termId: string;
  occurredOn: string;
  note: string | null;
  photoId: string | null;
  amount: number;
  idempotencyKey: string;
  requestHash: string;
  balanceAfter: number;
  actorUserId: string;
  ip: string | null;
  auditDetail: Record<string, unknown>;
}

/**
 * Books home activities in one statement: evidence rows, ledger entries, account balances (one award per account)
 * and one audit row per award (action points.award, like recordAudit writes it). Returns each entry's seq and
 * created_at by entry id. Call it under the accounts' locks with balances computed from the locked rows.
 */
export async function writeHomeAwards(trx: Kysely<DB>, awards: HomeAwardWrite[]) {
  const col = <K extends keyof HomeAwardWrite>(key: K) => awards.map((a) => a[key]);
  const { rows } = await sql<{ id: string; seq: number; created_at: Date }>`${sql.raw(PREPARED)}
    with x as (
      select * from unnest(${col('entryId')}::uuid[], ${col('activityId')}::uuid[], ${col('familyId')}::uuid[], ${col('ruleId')}::uuid[],
                           ${col('termId')}::uuid[], ${col('occurredOn')}::date[], ${col('note')}::text[], ${col('photoId')}::uuid[],
                           ${col('amount')}::int[], ${col('idempotencyKey')}::text[], ${col('requestHash')}::text[], ${col('balanceAfter')}::bigint[],
                           ${col('actorUserId')}::uuid[], ${col('ip')}::text[], ${awards.map((a) => JSON.stringify(a.auditDetail))}::jsonb[])
        as x(entry_id, activity_id, family_id, rule_id, term_id, occurred_on, note, photo_id, amount, idempotency_key, request_hash, balance_after, actor_user_id, ip, detail)
    ),
    activity as (
      insert into points_home_activities (id, family_id, rule_id, occurred_on, note, photo_id, logged_by)
      select activity_id, family_id, rule_id, occurred_on, note, photo_id, actor_user_id from x
    ),
    entry as (
      insert into points_entries (id, family_id, amount, kind, source_type, source_id, rule_id, term_id, occurred_on, idempotency_key,
                                  request_hash, balance_after, actor_user_id, actor_child_id)
      select entry_id, family_id, amount, 'award', 'home_activity', activity_id, rule_id, term_id, occurred_on, idempotency_key,
             request_hash, balance_after, actor_user_id, null from x
      returning id, seq, created_at
    ),
    account as (
      update points_accounts a set balance = x.balance_after, entry_count = a.entry_count + 1, updated_at = now()
      from x where a.family_id = x.family_id
    ),
    audit as (
      insert into audit_events (actor_user_id, actor_child_id, action, resource_type, resource_id, ip, detail)
      select actor_user_id, null, 'points.award', 'points_entry', entry_id::text, ip, detail from x
    )
    select id, seq, created_at from entry`.execute(trx);
  return new Map(rows.map((row) => [row.id, { seq: Number(row.seq), createdAt: row.created_at }]));
}

const entryColumns = [
  'e.id',
  'e.seq',
  'e.family_id',
  'e.amount',
  'e.kind',
  'e.source_type',
  'e.source_id',
  'e.rule_id',
  'e.term_id',
  'e.idempotency_key',
  'e.request_hash',
  'e.reverses_entry_id',
  'e.reason',
  'e.balance_after',
  'e.actor_user_id',
  'e.actor_child_id',
  'e.created_at',
] as const;

export async function findEntryByKey(db: Kysely<DB>, familyId: string, key: string) {
  return db
    .selectFrom('points_entries as e')
    .select([...entryColumns, dateText('e.occurred_on', 'occurred_on')])
    .where('e.family_id', '=', familyId)
    .where('e.idempotency_key', '=', key)
    .executeTakeFirst();
}
export type EntryBaseRow = NonNullable<Awaited<ReturnType<typeof findEntryByKey>>>;

export async function findEntry(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('points_entries as e')
    .select([...entryColumns, dateText('e.occurred_on', 'occurred_on')])
    .where('e.id', '=', id)
    .executeTakeFirst();
}

/** The debit entry of a redemption. */
export async function findEntryBySource(db: Kysely<DB>, sourceId: string) {
  return db
    .selectFrom('points_entries as e')
    .select([...entryColumns, dateText('e.occurred_on', 'occurred_on')])
    .where('e.source_id', '=', sourceId)
    .where('e.kind', '=', 'redemption')
    .executeTakeFirst();
}

export async function findReversalOf(db: Kysely<DB>, entryId: string) {
  return db.selectFrom('points_entries').select(['id']).where('reverses_entry_id', '=', entryId).executeTakeFirst();
}

/** Net points already booked for one rule on the day, in the week and in the term (reversals count negative). */
export async function capUsage(db: Kysely<DB>, familyId: string, ruleId: string, day: string, weekFrom: string, weekTo: string) {
  const row = await db
    .selectFrom('points_entries')
    .select([
      sql<number>`coalesce(sum(amount) filter (where occurred_on = ${day}::date), 0)`.as('day'),
      sql<number>`coalesce(sum(amount) filter (where occurred_on between ${weekFrom}::date and ${weekTo}::date), 0)`.as('week'),
      sql<number>`coalesce(sum(amount), 0)`.as('term'),
    ])
    .where('family_id', '=', familyId)
    .where('rule_id', '=', ruleId)
    .executeTakeFirstOrThrow();
  return { day: Number(row.day), week: Number(row.week), term: Number(row.term) };
}

export interface NewEntry {
  familyId: string;
  amount: number;
  kind: EntryKind;
  sourceType: EntrySourceType;
  sourceId: string;
  ruleId: string | null;
  termId: string | null;
  occurredOn: string;
  idempotencyKey: string;
  requestHash: string;
  reversesEntryId?: string | null;
  reason?: string | null;
  balanceAfter: number;
  actorUserId: string | null;
  actorChildId: string | null;
}

export async function insertEntry(db: Kysely<DB>, entry: NewEntry) {
  return db
    .insertInto('points_entries')
    .values({
      family_id: entry.familyId,
      amount: entry.amount,
      kind: entry.kind,
      source_type: entry.sourceType,
      source_id: entry.sourceId,
      rule_id: entry.ruleId,
      term_id: entry.termId,
      occurred_on: entry.occurredOn,
      idempotency_key: entry.idempotencyKey,
      request_hash: entry.requestHash,
      reverses_entry_id: entry.reversesEntryId ?? null,
      reason: entry.reason ?? null,
      balance_after: entry.balanceAfter,
      actor_user_id: entry.actorUserId,
      actor_child_id: entry.actorChildId,
    })
    .returning(['id', 'seq'])
    .executeTakeFirstOrThrow();
}

export async function setAccountBalance(db: Kysely<DB>, familyId: string, balance: number, addedEntries: number) {
  await db
    .updateTable('points_accounts')
    .set({ balance, entry_count: sql`entry_count + ${addedEntries}`, updated_at: sql`now()` })
    .where('family_id', '=', familyId)
    .execute();
}

/** Entries of a family, newest first, with what each came from (one query, left joins on the evidence tables). */
export async function listEntries(db: Kysely<DB>, filter: { familyId?: string; ids?: string[]; limit: number; beforeSeq?: number }) {
  let query = db
    .selectFrom('points_entries as e')
    .leftJoin('points_rules as r', 'r.id', 'e.rule_id')
    .leftJoin('points_home_activities as h', (join) => join.onRef('h.id', '=', 'e.source_id').on('e.source_type', '=', 'home_activity'))
    .leftJoin('points_attendance as a', (join) => join.onRef('a.id', '=', 'e.source_id').on('e.source_type', '=', 'attendance'))
    .leftJoin('points_school_events as ev', 'ev.id', 'a.event_id')
    .leftJoin('organisations as school', 'school.id', 'ev.school_id')
    .leftJoin('points_rating_sheets as rs', (join) => join.onRef('rs.id', '=', 'e.source_id').on('e.source_type', '=', 'child_rating'))
    .leftJoin('points_redemptions as rd', (join) => join.onRef('rd.id', '=', 'e.source_id').on('e.source_type', '=', 'redemption'))
    .leftJoin('points_rewards as rw', 'rw.id', 'rd.reward_id')
    .leftJoin('users as actor', 'actor.id', 'e.actor_user_id')
    .leftJoin('users as attendee', 'attendee.id', 'a.guardian_user_id')
    .leftJoin('points_entries as rev', 'rev.reverses_entry_id', 'e.id')
    .select([
      ...entryColumns,
      dateText('e.occurred_on', 'occurred_on'),
      'r.code as rule_code',
      'r.name_zh as rule_name_zh',
      'r.name_en as rule_name_en',
      'r.icon as rule_icon',
      'r.kind as rule_kind',
      'h.note as home_note',
      'h.photo_id as home_photo_id',
      'ev.id as event_id',
      'ev.title as event_title',
      'ev.kind as event_kind',
      optionalDateText('ev.held_on', 'event_held_on'),
      'school.name as school_name',
      'attendee.display_name as attendee_name',
      optionalDateText('rs.week_start', 'rating_week_start'),
      'rd.code as redemption_code',
      'rd.status as redemption_status',
      'rw.title as reward_title',
      'actor.display_name as actor_name',
      'rev.id as reversed_by_entry_id',
    ])
    .orderBy('e.seq', 'desc')
    .limit(filter.limit);
  if (filter.familyId) query = query.where('e.family_id', '=', filter.familyId);
  if (filter.ids) query = query.where('e.id', 'in', filter.ids.length > 0 ? filter.ids : ['00000000-0000-0000-0000-000000000000']);
  if (filter.beforeSeq !== undefined) query = query.where('e.seq', '<', filter.beforeSeq);
  return query.execute();
}
export type EntryListRow = Awaited<ReturnType<typeof listEntries>>[number];

/** Points earned and spent in a term by source (net of reversals). */
export async function termTotals(db: Kysely<DB>, familyId: string, termId: string) {
  return db
    .selectFrom('points_entries')
    .select(['source_type', (eb) => eb.fn.sum<number>('amount').as('points'), (eb) => eb.fn.countAll<number>().as('entries')])
    .where('family_id', '=', familyId)
    .where('term_id', '=', termId)
    .groupBy('source_type')
    .execute();
}

// ---------------------------------------------------------------------------------------------------------------------
// home activities and photos

export async function insertPhoto(
  db: Kysely<DB>,
  photo: { id: string; familyId: string; contentType: 'image/jpeg' | 'image/png' | 'image/webp'; byteSize: number; sha256: string; storagePath: string; uploadedBy: string },
) {
  await db
    .insertInto('points_photos')
    .values({
      id: photo.id,
      family_id: photo.familyId,
      content_type: photo.contentType,
      byte_size: photo.byteSize,
      sha256: photo.sha256,
      storage_path: photo.storagePath,
      uploaded_by: photo.uploadedBy,
    })
    .execute();
}

export async function findPhoto(db: Kysely<DB>, id: string) {
  return db.selectFrom('points_photos').select(['id', 'family_id', 'content_type', 'byte_size', 'sha256', 'storage_path']).where('id', '=', id).executeTakeFirst();
}

export async function insertHomeActivity(
  db: Kysely<DB>,
  activity: { familyId: string; ruleId: string; occurredOn: string; note: string | null; photoId: string | null; loggedBy: string },
) {
  return db
    .insertInto('points_home_activities')
    .values({
      family_id: activity.familyId,
      rule_id: activity.ruleId,
      occurred_on: activity.occurredOn,
      note: activity.note,
      photo_id: activity.photoId,
      logged_by: activity.loggedBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------------------------------------------------------------
// school events and attendance

const eventColumns = [
  'ev.id',
  'ev.school_id',
  'ev.kind',
  'ev.title',
  'ev.source',
  'ev.source_ref',
  'ev.idempotency_key',
  'ev.request_hash',
  'ev.recorded_by',
  'ev.created_at',
] as const;

function eventsQuery(db: Kysely<DB>) {
  return db.selectFrom('points_school_events as ev').select([...eventColumns, dateText('ev.held_on', 'held_on')]);
}
export type SchoolEventRow = NonNullable<Awaited<ReturnType<typeof findSchoolEvent>>>;

export async function findSchoolEvent(db: Kysely<DB>, id: string) {
  return eventsQuery(db).where('ev.id', '=', id).executeTakeFirst();
}

export async function findSchoolEventByKey(db: Kysely<DB>, schoolId: string, key: string) {
  return eventsQuery(db).where('ev.school_id', '=', schoolId).where('ev.idempotency_key', '=', key).executeTakeFirst();
}

export async function findSchoolEventBySourceRef(db: Kysely<DB>, source: 'parent_school', ref: string) {
  return eventsQuery(db).where('ev.source', '=', source).where('ev.source_ref', '=', ref).executeTakeFirst();
}

export async function insertSchoolEvent(
  db: Kysely<DB>,
  event: {
    schoolId: string;
    kind: AttendanceKind;
    title: string;
    heldOn: string;
    source: 'staff' | 'parent_school';
    sourceRef: string | null;
    idempotencyKey: string | null;
    requestHash: string | null;
    recordedBy: string;
  },
) {
  return db
    .insertInto('points_school_events')
    .values({
      school_id: event.schoolId,
      kind: event.kind,
      title: event.title,
      held_on: event.heldOn,
      source: event.source,
      source_ref: event.sourceRef,
      idempotency_key: event.idempotencyKey,
      request_hash: event.requestHash,
      recorded_by: event.recordedBy,
    })
    .onConflict((oc) => oc.columns(['source', 'source_ref']).doNothing())
    .returning('id')
    .executeTakeFirst();
}

/** One event with its number of attendees (the answer of an attendance record). */
export async function findSchoolEventWithAttendees(db: Kysely<DB>, eventId: string) {
  return db
    .selectFrom('points_school_events as ev')
    .leftJoin('points_attendance as a', 'a.event_id', 'ev.id')
    .select([...eventColumns, dateText('ev.held_on', 'held_on'), (eb) => eb.fn.count<number>('a.id').as('attendees')])
    .where('ev.id', '=', eventId)
    .groupBy('ev.id')
    .executeTakeFirst();
}

export async function listSchoolEvents(db: Kysely<DB>, schoolId: string, limit: number) {
  return db
    .selectFrom('points_school_events as ev')
    .leftJoin('points_attendance as a', 'a.event_id', 'ev.id')
    .select([...eventColumns, dateText('ev.held_on', 'held_on'), (eb) => eb.fn.count<number>('a.id').as('attendees')])
    .where('ev.school_id', '=', schoolId)
    .groupBy('ev.id')
    .orderBy('ev.held_on', 'desc')
    .orderBy('ev.created_at', 'desc')
    .limit(limit)
    .execute();
}

export async function listEventAttendees(db: Kysely<DB>, eventId: string) {
  return db.selectFrom('points_attendance').select(['id', 'family_id', 'guardian_user_id']).where('event_id', '=', eventId).execute();
}

/** For each guardian, the families they guard that have a child at the school (oldest family first). */
export async function familiesAtSchoolOfGuardians(db: Kysely<DB>, guardianIds: string[], schoolId: string) {
  if (guardianIds.length === 0) return [];
  return db
    .selectFrom('family_guardians as g')
    .innerJoin('families as f', 'f.id', 'g.family_id')
    .select(['g.user_id', 'g.family_id'])
    .where('g.user_id', 'in', guardianIds)
    .where((eb) => eb.exists(eb.selectFrom('children as c').select('c.id').whereRef('c.family_id', '=', 'g.family_id').where('c.school_id', '=', schoolId)))
    .orderBy('f.created_at')
    .execute();
}

export async function findAttendance(db: Kysely<DB>, eventId: string, guardianId: string) {
  return db.selectFrom('points_attendance').select(['id', 'family_id']).where('event_id', '=', eventId).where('guardian_user_id', '=', guardianId).executeTakeFirst();
}

export async function insertAttendance(db: Kysely<DB>, row: { eventId: string; familyId: string; guardianUserId: string; recordedBy: string }) {
  return db
    .insertInto('points_attendance')
    .values({ event_id: row.eventId, family_id: row.familyId, guardian_user_id: row.guardianUserId, recorded_by: row.recordedBy })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** Guardians of families with a child at the school, with those children (for staff recording attendance). */
export async function schoolGuardians(db: Kysely<DB>, schoolId: string) {
  const children = await db
    .selectFrom('children as c')
    .select(['c.id', 'c.family_id', 'c.display_name', 'c.grade'])
    .where('c.school_id', '=', schoolId)
    .orderBy('c.grade')
    .orderBy('c.display_name')
    .execute();
  const familyIds = [...new Set(children.map((c) => c.family_id))];
  const guardians =
    familyIds.length === 0
      ? []
      : await db
          .selectFrom('family_guardians as g')
          .innerJoin('users as u', 'u.id', 'g.user_id')
          .select(['g.family_id', 'g.user_id', 'g.relation', 'u.display_name'])
          .where('g.family_id', 'in', familyIds)
          .orderBy('g.joined_at')
          .execute();
  return { children, guardians };
}

// ---------------------------------------------------------------------------------------------------------------------
// children's ratings

export async function familyGuardians(db: Kysely<DB>, familyId: string) {
  return db
    .selectFrom('family_guardians as g')
    .innerJoin('users as u', 'u.id', 'g.user_id')
    .select(['g.user_id', 'g.relation', 'u.display_name'])
    .where('g.family_id', '=', familyId)
    .orderBy('g.joined_at')
    .execute();
}

export async function findSheetByKey(db: Kysely<DB>, childId: string, key: string) {
  return db
    .selectFrom('points_rating_sheets')
    .select(['id', 'family_id', 'child_id', 'guardian_user_id', 'term_id', dateText('week_start', 'week_start'), 'request_hash'])
    .where('child_id', '=', childId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

export async function ratingsOfSheet(db: Kysely<DB>, sheetId: string) {
  return db.selectFrom('points_child_ratings').select(['rule_id', 'value', 'points']).where('sheet_id', '=', sheetId).execute();
}

export async function existingRatings(db: Kysely<DB>, childId: string, guardianId: string, weekStart: string, ruleIds: string[]) {
  if (ruleIds.length === 0) return [];
  return db
    .selectFrom('points_child_ratings')
    .select(['rule_id'])
    .where('child_id', '=', childId)
    .where('guardian_user_id', '=', guardianId)
    .where('week_start', '=', weekStart)
    .where('rule_id', 'in', ruleIds)
    .execute();
}

/** Points already given per behaviour in a term for the family, leaving out sheets whose entry was reversed. */
export async function ratingPointsUsed(db: Kysely<DB>, familyId: string, termId: string, ruleIds: string[]) {
  if (ruleIds.length === 0) return new Map<string, number>();
  const rows = await db
    .selectFrom('points_child_ratings as cr')
    .innerJoin('points_rating_sheets as s', 's.id', 'cr.sheet_id')
    .select(['cr.rule_id', (eb) => eb.fn.sum<number>('cr.points').as('points')])
    .where('cr.family_id', '=', familyId)
    .where('s.term_id', '=', termId)
    .where('cr.rule_id', 'in', ruleIds)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('points_entries as e')
            .innerJoin('points_entries as rev', 'rev.reverses_entry_id', 'e.id')
            .select('e.id')
            .whereRef('e.source_id', '=', 's.id')
            .where('e.source_type', '=', 'child_rating'),
        ),
      ),
    )
    .groupBy('cr.rule_id')
    .execute();
  return new Map(rows.map((row) => [row.rule_id, Number(row.points)]));
}

export async function insertSheet(
  db: Kysely<DB>,
  sheet: { familyId: string; childId: string; guardianUserId: string; termId: string; weekStart: string; idempotencyKey: string; requestHash: string },
) {
  return db
    .insertInto('points_rating_sheets')
    .values({
      family_id: sheet.familyId,
      child_id: sheet.childId,
      guardian_user_id: sheet.guardianUserId,
      term_id: sheet.termId,
      week_start: sheet.weekStart,
      idempotency_key: sheet.idempotencyKey,
      request_hash: sheet.requestHash,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function insertRatings(
  db: Kysely<DB>,
  rows: { sheetId: string; familyId: string; childId: string; guardianUserId: string; ruleId: string; weekStart: string; value: number; points: number }[],
) {
  if (rows.length === 0) return;
  await db
    .insertInto('points_child_ratings')
    .values(
      rows.map((row) => ({
        sheet_id: row.sheetId,
        family_id: row.familyId,
        child_id: row.childId,
        guardian_user_id: row.guardianUserId,
        rule_id: row.ruleId,
        week_start: row.weekStart,
        value: row.value,
        points: row.points,
      })),
    )
    .execute();
}

/** What a child has rated this week: which behaviours for which guardian (not the values: the child's screen shows ticks). */
export async function childWeekRatings(db: Kysely<DB>, childId: string, weekStart: string) {
  return db.selectFrom('points_child_ratings').select(['guardian_user_id', 'rule_id']).where('child_id', '=', childId).where('week_start', '=', weekStart).execute();
}

/** The family's weekly summary: per week and behaviour, how many ratings, their average and the points, all children together. */
export async function familyRatingSummary(db: Kysely<DB>, familyId: string, fromWeek: string) {
  return db
    .selectFrom('points_child_ratings as cr')
    .innerJoin('points_rules as r', 'r.id', 'cr.rule_id')
    .select([
      dateText('cr.week_start', 'week_start'),
      'cr.rule_id',
      'r.name_zh',
      'r.name_en',
      'r.icon',
      (eb) => eb.fn.countAll<number>().as('ratings'),
      (eb) => eb.fn.avg<number>('cr.value').as('average'),
      (eb) => eb.fn.sum<number>('cr.points').as('points'),
      sql<number>`count(distinct cr.child_id)`.as('children'),
    ])
    .where('cr.family_id', '=', familyId)
    .where('cr.week_start', '>=', fromWeek)
    .groupBy(['cr.week_start', 'cr.rule_id', 'r.name_zh', 'r.name_en', 'r.icon', 'r.sort_order'])
    .orderBy('cr.week_start', 'desc')
    .orderBy('r.sort_order')
    .execute();
}

// ---------------------------------------------------------------------------------------------------------------------
// rewards and redemptions

const rewardColumns = [
  'rw.id',
  'rw.district_code',
  'rw.organisation_id',
  'o.name as organisation_name',
  'rw.title',
  'rw.description',
  'rw.cost',
  'rw.stock',
  'rw.per_family_limit',
  'rw.active',
  'rw.version',
  'rw.updated_at',
] as const;

function rewardsQuery(db: Kysely<DB>) {
  return db.selectFrom('points_rewards as rw').innerJoin('organisations as o', 'o.id', 'rw.organisation_id').select(rewardColumns);
}
export type RewardViewRow = NonNullable<Awaited<ReturnType<typeof findReward>>>;

export async function findReward(db: Kysely<DB>, id: string) {
  return rewardsQuery(db).where('rw.id', '=', id).executeTakeFirst();
}

export async function listRewards(db: Kysely<DB>, filter: { districtCodes?: string[]; organisationIds?: string[]; communityCodes?: string[]; activeOnly: boolean }) {
  let query = rewardsQuery(db);
  // A community admin manages the rewards of its community's venues and parent schools (never a school's).
  if (filter.communityCodes) query = query.where('o.division_code', 'in', filter.communityCodes.length > 0 ? filter.communityCodes : ['']).where('o.kind', '<>', 'school');
  if (filter.districtCodes) query = query.where('rw.district_code', 'in', filter.districtCodes.length > 0 ? filter.districtCodes : ['']);
  if (filter.organisationIds) {
    query = query.where('rw.organisation_id', 'in', filter.organisationIds.length > 0 ? filter.organisationIds : ['00000000-0000-0000-0000-000000000000']);
  }
  if (filter.activeOnly) query = query.where('rw.active', '=', true);
  return query.orderBy('rw.cost').orderBy('rw.title').limit(500).execute();
}

export async function insertReward(
  db: Kysely<DB>,
  reward: { districtCode: string; organisationId: string; title: string; description: string | null; cost: number; stock: number; perFamilyLimit: number | null; createdBy: string },
) {
  return db
    .insertInto('points_rewards')
    .values({
      district_code: reward.districtCode,
      organisation_id: reward.organisationId,
      title: reward.title,
      description: reward.description,
      cost: reward.cost,
      stock: reward.stock,
      per_family_limit: reward.perFamilyLimit,
      created_by: reward.createdBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function updateReward(
  db: Kysely<DB>,
  id: string,
  changes: Partial<{ title: string; description: string | null; cost: number; stock: number; perFamilyLimit: number | null; active: boolean }>,
  expectedVersion?: number,
): Promise<number> {
  const result = await db
    .updateTable('points_rewards')
    .set({
      ...(changes.title !== undefined ? { title: changes.title } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.cost !== undefined ? { cost: changes.cost } : {}),
      ...(changes.stock !== undefined ? { stock: changes.stock } : {}),
      ...(changes.perFamilyLimit !== undefined ? { per_family_limit: changes.perFamilyLimit } : {}),
      ...(changes.active !== undefined ? { active: changes.active } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .$if(expectedVersion !== undefined, (q) => q.where('version', '=', expectedVersion!))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Takes the reward's row lock (after the account's: always in that order) and returns its current stock. */
export async function lockReward(trx: Kysely<DB>, id: string) {
  return trx.selectFrom('points_rewards').select(['id', 'stock', 'active', 'cost', 'per_family_limit']).where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
}

export async function changeStock(db: Kysely<DB>, id: string, delta: number) {
  await db
    .updateTable('points_rewards')
    .set({ stock: sql`stock + ${delta}`, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export async function countLiveRedemptions(db: Kysely<DB>, rewardId: string, familyId: string) {
  const row = await db
    .selectFrom('points_redemptions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('reward_id', '=', rewardId)
    .where('family_id', '=', familyId)
    .where('status', '<>', 'cancelled')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertRedemption(db: Kysely<DB>, redemption: { familyId: string; rewardId: string; cost: number; code: string; redeemedBy: string }) {
  return db
    .insertInto('points_redemptions')
    .values({ family_id: redemption.familyId, reward_id: redemption.rewardId, cost: redemption.cost, code: redemption.code, redeemed_by: redemption.redeemedBy })
    .returning('id')
    .executeTakeFirstOrThrow();
}

const redemptionColumns = [
  'rd.id',
  'rd.family_id',
  'rd.reward_id',
  'rw.title as reward_title',
  'rw.organisation_id',
  'o.name as organisation_name',
  'rd.cost',
  'rd.code',
  'rd.status',
  'rd.created_at',
  'rd.fulfilled_at',
  'rd.cancelled_at',
  'rd.cancel_reason',
] as const;

function redemptionsQuery(db: Kysely<DB>) {
  return db
    .selectFrom('points_redemptions as rd')
    .innerJoin('points_rewards as rw', 'rw.id', 'rd.reward_id')
    .innerJoin('organisations as o', 'o.id', 'rw.organisation_id')
    .select(redemptionColumns);
}
export type RedemptionViewRow = NonNullable<Awaited<ReturnType<typeof findRedemption>>>;

export async function findRedemption(db: Kysely<DB>, id: string) {
  return redemptionsQuery(db).where('rd.id', '=', id).executeTakeFirst();
}

export async function listRedemptions(db: Kysely<DB>, filter: { familyId?: string; rewardId?: string; limit: number }) {
  let query = redemptionsQuery(db).orderBy('rd.created_at', 'desc').limit(filter.limit);
  if (filter.familyId) query = query.where('rd.family_id', '=', filter.familyId);
  if (filter.rewardId) query = query.where('rd.reward_id', '=', filter.rewardId);
  return query.execute();
}

export async function setRedemptionStatus(db: Kysely<DB>, id: string, change: { status: 'fulfilled' | 'cancelled'; by: string; reason?: string }) {
  await db
    .updateTable('points_redemptions')
    .set(
      change.status === 'fulfilled'
        ? { status: 'fulfilled', fulfilled_by: change.by, fulfilled_at: sql`now()` }
        : { status: 'cancelled', cancelled_by: change.by, cancelled_at: sql`now()`, cancel_reason: change.reason ?? null },
    )
    .where('id', '=', id)
    .execute();
}

/** Locks the redemption row (status changes are serialised; taken after the account lock). */
export async function lockRedemption(trx: Kysely<DB>, id: string) {
  return trx.selectFrom('points_redemptions').select(['id', 'status', 'family_id', 'reward_id', 'cost']).where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------------------------------------------------------------
// aggregates (no family ever leaves this query: only group counts and sums)

export type AggregateBy = 'class' | 'school' | 'community' | 'subdistrict';

const GROUPS: Record<AggregateBy, { key: string; name: string; parent: string }> = {
  class: { key: `o.id::text || ':' || coalesce(c.grade, '')`, name: `o.name || ' · ' || coalesce(c.grade, '—')`, parent: 'o.name' },
  school: { key: 'o.id::text', name: 'o.name', parent: 'com.name' },
  community: { key: `coalesce(com.code, '')`, name: `coalesce(com.name, '—')`, parent: 'sub.name' },
  subdistrict: { key: `coalesce(sub.code, '')`, name: `coalesce(sub.name, '—')`, parent: 'null::text' },
};

/**
 * Participation and points per group for a term. Families are placed by their children's schools (a family with
 * children at two schools counts in both); only schools in `schoolIds` (or all, when null) are counted.
 */
export async function aggregate(db: Kysely<DB>, input: { termId: string; by: AggregateBy; schoolIds: string[] | null; districtCode: string }) {
  const group = GROUPS[input.by];
  const schoolFilter = input.schoolIds ? sql`and o.id = any(${input.schoolIds}::uuid[])` : sql``;
  const result = await sql<{
    key: string;
    name: string;
    parent_name: string | null;
    families: number;
    active: number;
    earned: number;
    redeemed: number;
    home: number;
    attendance: number;
    rating: number;
  }>`
    with fam as (
      select distinct c.family_id, ${sql.raw(group.key)} as key, ${sql.raw(group.name)} as name, ${sql.raw(group.parent)} as parent_name
      from children c
      join organisations o on o.id = c.school_id and o.kind = 'school'
      left join divisions com on com.code = o.division_code
      left join divisions sub on sub.code = com.parent_code
      where ${input.by === 'class' || input.by === 'school' ? sql`true` : sql`com.code is not null`} ${schoolFilter}
    ),
    stats as (
      select family_id,
        coalesce(sum(amount) filter (where source_type <> 'redemption'), 0) as earned,
        coalesce(-sum(amount) filter (where source_type = 'redemption'), 0) as redeemed,
        coalesce(sum(amount) filter (where source_type = 'home_activity'), 0) as home,
        coalesce(sum(amount) filter (where source_type = 'attendance'), 0) as attendance,
        coalesce(sum(amount) filter (where source_type = 'child_rating'), 0) as rating,
        count(*) filter (where kind = 'award') as awards
      from points_entries
      where term_id = ${input.termId}
      group by family_id
    )
    select fam.key, fam.name, fam.parent_name,
      count(*)::int as families,
      (count(*) filter (where coalesce(s.awards, 0) > 0))::int as active,
      coalesce(sum(s.earned), 0)::int as earned,
      coalesce(sum(s.redeemed), 0)::int as redeemed,
      coalesce(sum(s.home), 0)::int as home,
      coalesce(sum(s.attendance), 0)::int as attendance,
      coalesce(sum(s.rating), 0)::int as rating
    from fam left join stats s on s.family_id = fam.family_id
    group by fam.key, fam.name, fam.parent_name
    order by fam.parent_name nulls first, fam.name
  `.execute(db);
  return result.rows;
}

export async function schoolsInCommunities(db: Kysely<DB>, communityCodes: string[]) {
  if (communityCodes.length === 0) return [];
  const rows = await db.selectFrom('organisations').select('id').where('kind', '=', 'school').where('division_code', 'in', communityCodes).execute();
  return rows.map((r) => r.id);
}

// ---------------------------------------------------------------------------------------------------------------------
// the growth handbook

export async function handbookData(db: Kysely<DB>, familyId: string, termId: string) {
  const [children, guardians, attendance, activities, ratings, totals] = await Promise.all([
    db
      .selectFrom('children as c')
      .leftJoin('organisations as o', 'o.id', 'c.school_id')
      .select(['c.display_name', 'o.name as school_name', 'c.grade'])
      .where('c.family_id', '=', familyId)
      .orderBy('c.birth_year')
      .execute(),
    familyGuardians(db, familyId),
    db
      .selectFrom('points_attendance as a')
      .innerJoin('points_school_events as ev', 'ev.id', 'a.event_id')
      .innerJoin('organisations as o', 'o.id', 'ev.school_id')
      .innerJoin('users as u', 'u.id', 'a.guardian_user_id')
      .innerJoin('points_entries as e', (join) => join.onRef('e.source_id', '=', 'a.id').on('e.kind', '=', 'award'))
      .select([dateText('ev.held_on', 'held_on'), 'ev.kind', 'ev.title', 'o.name as school_name', 'u.display_name as attendee'])
      .where('a.family_id', '=', familyId)
      .where('e.term_id', '=', termId)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('points_entries as rev').select('rev.id').whereRef('rev.reverses_entry_id', '=', 'e.id'))))
      .orderBy('ev.held_on')
      .execute(),
    db
      .selectFrom('points_entries as e')
      .innerJoin('points_rules as r', 'r.id', 'e.rule_id')
      .select([
        'r.id as rule_id',
        'r.code',
        'r.name_zh',
        'r.name_en',
        'r.icon',
        'r.sort_order',
        sql<number>`(count(*) filter (where e.kind = 'award') - count(*) filter (where e.kind = 'reversal'))::int`.as('times'),
        sql<number>`sum(e.amount)::int`.as('points'),
        sql<number>`count(distinct date_trunc('week', e.occurred_on)) filter (where e.kind = 'award')::int`.as('weeks'),
      ])
      .where('e.family_id', '=', familyId)
      .where('e.term_id', '=', termId)
      .where('e.source_type', '=', 'home_activity')
      .groupBy(['r.id', 'r.code', 'r.name_zh', 'r.name_en', 'r.icon', 'r.sort_order'])
      .orderBy('r.sort_order')
      .execute(),
    db
      .selectFrom('points_child_ratings as cr')
      .innerJoin('points_rating_sheets as s', 's.id', 'cr.sheet_id')
      .innerJoin('points_rules as r', 'r.id', 'cr.rule_id')
      .select([
        'r.id as rule_id',
        'r.name_zh',
        'r.name_en',
        'r.sort_order',
        sql<number>`count(*)::int`.as('ratings'),
        sql<number>`avg(cr.value)::float8`.as('average'),
        sql<number>`count(distinct cr.week_start)::int`.as('weeks'),
      ])
      .where('cr.family_id', '=', familyId)
      .where('s.term_id', '=', termId)
      .groupBy(['r.id', 'r.name_zh', 'r.name_en', 'r.sort_order'])
      .orderBy('r.sort_order')
      .execute(),
    termTotals(db, familyId, termId),
  ]);
  const weeksRated = await db
    .selectFrom('points_rating_sheets')
    .select(sql<number>`count(distinct week_start)::int`.as('n'))
    .where('family_id', '=', familyId)
    .where('term_id', '=', termId)
    .executeTakeFirstOrThrow();
  const homeWeeks = await db
    .selectFrom('points_entries')
    .select(sql<number>`count(distinct date_trunc('week', occurred_on))::int`.as('n'))
    .where('family_id', '=', familyId)
    .where('term_id', '=', termId)
    .where('source_type', '=', 'home_activity')
    .where('kind', '=', 'award')
    .executeTakeFirstOrThrow();
  return { children, guardians, attendance, activities, ratings, totals, weeksRated: Number(weeksRated.n), homeWeeks: Number(homeWeeks.n) };
}
