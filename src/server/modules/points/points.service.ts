import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/types.ts';
import { AppError, type ErrorIssue } from '../../errors.ts';
import { sha256 } from '../../lib/crypto.ts';
import {
  communitiesAdministered,
  isDistrictStaff,
  isGuardianOf,
  organisationsWithRole,
  requireAdult,
  requireSignedIn,
  type Actor,
  type RequestContext,
} from '../access/actor.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { createStorage } from '../../storage/index.ts';
import { LocalStorage } from '../../storage/local.ts';
import type { StoredFile } from '../../storage/serve.ts';
import type { ObjectStorage } from '../../storage/storage.ts';
import { addDays, daysBetween, defaultTermFor, today, weekStart } from './points.dates.ts';
import {
  ATTENDANCE_KINDS,
  AWARD_BATCH_MAX,
  AWARD_BATCHES_CONCURRENT,
  DEFAULT_RATING_POINTS,
  DEFAULT_RULES,
  HOME_LOG_BACKDATE_DAYS,
  MAX_PHOTO_BYTES,
  MIN_GROUP_FAMILIES,
  SCHOOL_EVENT_BACKDATE_DAYS,
} from './points.defaults.ts';
import { badgesFor } from './points.badges.ts';
import { GroupCommit, type GroupCommitItem } from './points.group-commit.ts';
import * as repo from './points.repository.ts';
import type { AttendanceKind } from './points.tables.ts';

/** The result of a write that may be a retry: `replayed` is true when the idempotency key had already been used. */
export interface Outcome<T> {
  value: T;
  replayed: boolean;
}

export interface PhotoInput {
  contentType: 'image/jpeg' | 'image/png' | 'image/webp';
  dataBase64: string;
}

const PHOTO_EXTENSIONS = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const;
const REDEMPTION_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A stable fingerprint of what a request asks for (not who retries it or when). */
export function requestHash(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return sha256(JSON.stringify(canonical(value)));
}

function capIssue(kind: 'day' | 'week' | 'term', cap: number, used: number, adding: number): ErrorIssue {
  return { path: 'ruleId', code: `cap_per_${kind}`, message: `The ${kind} cap is ${cap} points; ${used} used, this would add ${adding}.` };
}

/** Throws points_cap_exceeded when adding `amount` to the rule's usage would pass any of its caps. */
function assertWithinCaps(
  rule: { cap_per_day: number | null; cap_per_week: number | null; cap_per_term: number | null },
  usage: { day: number; week: number; term: number },
  amount: number,
  context: string,
) {
  const issues: ErrorIssue[] = [];
  if (rule.cap_per_day !== null && usage.day + amount > rule.cap_per_day) issues.push(capIssue('day', rule.cap_per_day, usage.day, amount));
  if (rule.cap_per_week !== null && usage.week + amount > rule.cap_per_week) issues.push(capIssue('week', rule.cap_per_week, usage.week, amount));
  if (rule.cap_per_term !== null && usage.term + amount > rule.cap_per_term) issues.push(capIssue('term', rule.cap_per_term, usage.term, amount));
  if (issues.length > 0) throw new AppError('points_cap_exceeded', `${context}: ${issues.map((i) => i.message).join(' ')}`, { issues });
}

function withinCaps(rule: { cap_per_day: number | null; cap_per_week: number | null; cap_per_term: number | null }, usage: { day: number; week: number; term: number }, amount: number) {
  return (
    (rule.cap_per_day === null || usage.day + amount <= rule.cap_per_day) &&
    (rule.cap_per_week === null || usage.week + amount <= rule.cap_per_week) &&
    (rule.cap_per_term === null || usage.term + amount <= rule.cap_per_term)
  );
}

function decodePhoto(photo: PhotoInput): Buffer {
  const invalid = (message: string) => new AppError('points_photo_invalid', message, { issues: [{ path: 'photo', message }] });
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(photo.dataBase64) || photo.dataBase64.length % 4 !== 0) throw invalid('The photo is not valid base64.');
  const bytes = Buffer.from(photo.dataBase64, 'base64');
  if (bytes.length === 0 || bytes.length > MAX_PHOTO_BYTES) throw invalid(`The photo must be 1 byte to ${MAX_PHOTO_BYTES} bytes.`);
  const matches =
    photo.contentType === 'image/jpeg'
      ? bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff
      : photo.contentType === 'image/png'
        ? bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
        : bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP';
  if (!matches) throw invalid(`The data is not a ${photo.contentType} image.`);
  return bytes;
}

function versionConflict(what: 'term' | 'rule' | 'reward'): AppError {
  return new AppError('points_version_conflict', `The ${what} has been changed by someone else since you loaded it; nothing was saved.`);
}

/**
 * A rule's numbers must be able to work together: caps in the order day ≤ week ≤ term, and one booking of the
 * activity must fit under each cap (else the activity could never earn anything). Issue codes let clients localise.
 */
function assertRuleConsistent(rule: { points: number | null; capPerDay: number | null; capPerWeek: number | null; capPerTerm: number | null }) {
  const issues: ErrorIssue[] = [];
  const caps = [
    ['capPerDay', rule.capPerDay],
    ['capPerWeek', rule.capPerWeek],
    ['capPerTerm', rule.capPerTerm],
  ] as const;
  if (rule.points !== null) {
    for (const [path, cap] of caps) {
      if (cap !== null && cap < rule.points) issues.push({ path, message: `Below the rule's ${rule.points} points: the activity could never be booked`, code: 'cap_below_points' });
    }
  }
  const set = caps.filter(([, cap]) => cap !== null) as [string, number][];
  for (let i = 1; i < set.length; i++) {
    if (set[i]![1] < set[i - 1]![1]) issues.push({ path: set[i]![0], message: `Smaller than ${set[i - 1]![0]}`, code: 'cap_order' });
  }
  if (issues.length > 0) throw new AppError('validation_failed', 'The points and caps do not fit together.', { issues });
}

/** What an award answers: the entry's id and the balance after it, and for a fresh award the entry as written. */
export interface AwardValue {
  entryId: string;
  balanceAfter: number;
  entry?: repo.EntryListRow;
}

/**
 * A home activity on its way to the ledger. On the fast path (`checked` null) only what needs no database has been
 * checked, and the rule and the family's district are read and checked under the account lock; on the slow path
 * (a family without an account with a district yet, a rule not found, a photo) they were checked beforehand.
 */
interface PendingHomeAward extends GroupCommitItem<Outcome<AwardValue> | 'slow_path'> {
  ctx: RequestContext;
  actor: Actor;
  familyId: string;
  ruleId: string;
  checked: { district: string; rule: repo.RuleWithTermRow } | null;
  occurredOn: string;
  note: string | null;
  photo: { bytes: Buffer; contentType: PhotoInput['contentType']; sha256: string } | null;
  idempotencyKey: string;
  hash: string;
}

/** Refuses a rule that is not an active home activity of the family's district, or a day outside its term. */
function assertHomeRule(rule: repo.RuleWithTermRow | undefined, district: string, occurredOn: string): asserts rule is repo.RuleWithTermRow {
  if (!rule || rule.kind !== 'home_activity' || !rule.active || rule.district_code !== district) {
    throw new AppError('points_rule_unknown', undefined, { issues: [{ path: 'ruleId', message: 'Not an active home activity of your district' }] });
  }
  if (occurredOn < rule.term_starts_on || occurredOn > rule.term_ends_on) {
    throw new AppError('points_date_out_of_range', 'The day is outside the rule’s term.', { issues: [{ path: 'occurredOn', message: 'Outside the term' }] });
  }
}

/** The entry view of a home activity just booked, from what was written (no re-read of the entry view). */
function freshHomeEntry(write: repo.HomeAwardWrite, item: PendingHomeAward, rule: repo.RuleWithTermRow, seq: number, createdAt: Date): repo.EntryListRow {
  return {
    id: write.entryId,
    seq,
    family_id: write.familyId,
    amount: write.amount,
    kind: 'award',
    source_type: 'home_activity',
    source_id: write.activityId,
    rule_id: write.ruleId,
    term_id: write.termId,
    idempotency_key: write.idempotencyKey,
    request_hash: write.requestHash,
    reverses_entry_id: null,
    reason: null,
    balance_after: write.balanceAfter,
    actor_user_id: write.actorUserId,
    actor_child_id: null,
    created_at: createdAt,
    occurred_on: write.occurredOn,
    rule_code: rule.code,
    rule_name_zh: rule.name_zh,
    rule_name_en: rule.name_en,
    rule_icon: rule.icon,
    rule_kind: rule.kind,
    home_note: write.note,
    home_photo_id: write.photoId,
    event_id: null,
    event_title: null,
    event_kind: null,
    event_held_on: null,
    school_name: null,
    attendee_name: null,
    rating_week_start: null,
    redemption_code: null,
    redemption_status: null,
    reward_title: null,
    actor_name: item.actor.displayName,
    reversed_by_entry_id: null,
  };
}

function redemptionCode(): string {
  const bytes = randomBytes(8);
  return Array.from(bytes, (b) => REDEMPTION_CODE_ALPHABET[b % REDEMPTION_CODE_ALPHABET.length]).join('');
}

/**
 * The family points bank. Every method checks role and scope first. Every ledger write runs in one transaction that
 * starts by locking the family's account row (`repo.lockAccount`; several accounts, always in family-id order:
 * `repo.lockAccounts`, `repo.lockExistingAccounts`), so that the idempotency check, the cap and balance
 * checks and the new entry are decided on the latest committed state of that account, across any number of server
 * processes; writes to different families do not wait for each other. Audit rows commit with the change.
 */
export class PointsService {
  /** Home activities being committed in groups (see commitHomeAwards). */
  private readonly homeAwards = new GroupCommit<PendingHomeAward, Outcome<AwardValue> | 'slow_path'>((batch) => this.commitHomeAwards(batch), AWARD_BATCH_MAX, AWARD_BATCHES_CONCURRENT);

  /** `storage` keeps the home-activity photos (the configured store by default; see src/server/storage). */
  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: Config,
    private readonly storage: ObjectStorage = createStorage(config),
  ) {}

  // -------------------------------------------------------------------------------------------------------------------
  // access

  private async requireGuardian(actor: Actor, familyId: string) {
    if (isGuardianOf(actor, familyId)) return;
    const family = await repo.findFamily(this.db, familyId);
    if (!family) throw new AppError('not_found', 'No such family.');
    throw new AppError('out_of_scope', 'Only the guardians of this family can see or change its points.');
  }

  private requireDistrictStaff(actor: Actor) {
    if (!isDistrictStaff(actor)) throw new AppError('forbidden', 'Only district staff configure the points bank.');
  }

  private schoolStaffOf(actor: Actor): string[] {
    return organisationsWithRole(actor, 'school_admin', 'teacher');
  }

  // -------------------------------------------------------------------------------------------------------------------
  // districts and terms

  /** The district whose rules apply to a family (stored on its account once known). */
  async familyDistrict(familyId: string): Promise<string> {
    const account = await repo.findAccount(this.db, familyId);
    if (account?.district_code) return account.district_code;
    const district = (await repo.resolveFamilyDistrict(this.db, familyId)) ?? (await repo.soleDistrict(this.db));
    if (!district) throw new AppError('points_no_term', "The family's district is not known: add the school of one of its children.");
    return district;
  }

  private async districtFor(actor: Actor, requested?: string): Promise<string> {
    if (requested) {
      const known = await repo.districtOfDivision(this.db, requested);
      if (known !== requested) throw new AppError('validation_failed', 'Unknown district.', { issues: [{ path: 'districtCode', message: 'No such district' }] });
      return requested;
    }
    const district = await repo.soleDistrict(this.db);
    if (!district) throw new AppError('validation_failed', 'Say which district.', { issues: [{ path: 'districtCode', message: 'Required when the registry has several districts' }] });
    return district;
  }

  /**
   * The term covering `date` in a district. When none does and the date is not in the future, a default term is
   * created for it (the school term around the date, fitted between existing terms), with the rules of the
   * district's latest term or, for its first, the defaults: a district always has rules to earn points by.
   */
  async termFor(districtCode: string, date: string) {
    const found = await repo.findTermCovering(this.db, districtCode, date);
    if (found || date > today()) return found ?? null;
    return this.db.transaction().execute(async (trx) => {
      await repo.lockDistrictTerms(trx, districtCode);
      const again = await repo.findTermCovering(trx, districtCode, date);
      if (again) return again;
      const fallback = defaultTermFor(date);
      const { previous, next } = await repo.neighbourTerms(trx, districtCode, date);
      const startsOn = previous && previous.ends_on >= fallback.startsOn ? addDays(previous.ends_on, 1) : fallback.startsOn;
      const endsOn = next && next.starts_on <= fallback.endsOn ? addDays(next.starts_on, -1) : fallback.endsOn;
      const { id } = await repo.insertTerm(trx, {
        districtCode,
        name: fallback.nameZh,
        startsOn,
        endsOn,
        ratingPoints: previous ? (previous.rating_points as number[]) : DEFAULT_RATING_POINTS,
        createdBy: null,
      });
      await this.copyRules(trx, id, previous?.id ?? null);
      await recordAudit(trx, { actor: null, authFailure: null, ip: null, userAgent: null }, {
        action: 'points.term_create',
        resourceType: 'points_term',
        resourceId: id,
        detail: { districtCode, startsOn, endsOn, automatic: true, rulesFrom: previous?.id ?? 'defaults' },
      });
      return (await repo.findTerm(trx, id))!;
    });
  }

  private async copyRules(trx: Kysely<DB>, termId: string, fromTermId: string | null) {
    const source = fromTermId ? await repo.listRules(trx, fromTermId) : [];
    const rules: repo.RuleWrite[] =
      source.length > 0
        ? source.map((r) => ({
            kind: r.kind,
            code: r.code,
            nameZh: r.name_zh,
            nameEn: r.name_en,
            icon: r.icon,
            points: r.points,
            capPerDay: r.cap_per_day,
            capPerWeek: r.cap_per_week,
            capPerTerm: r.cap_per_term,
            active: r.active,
            sortOrder: r.sort_order,
          }))
        : DEFAULT_RULES.map((r, i) => ({ ...r, sortOrder: i }));
    await repo.insertRules(trx, termId, rules);
  }

  /**
   * Terms with their rules, newest first. The current term of each district the actor is staff of is created first if
   * missing (as the first family request would): an admin opening the rules finds today's rules to edit.
   */
  async listTerms(ctx: RequestContext) {
    const actor = requireAdult(ctx);
    this.requireDistrictStaff(actor);
    const districts = new Set(actor.grants.filter((g) => (g.role === 'district_admin' || g.role === 'centre_staff') && g.scopeType === 'district').map((g) => g.scopeId));
    for (const district of districts) {
      if (district && (await repo.districtOfDivision(this.db, district)) === district) await this.termFor(district, today());
    }
    const terms = await repo.listTerms(this.db, null);
    return Promise.all(terms.map(async (term) => ({ term, rules: await repo.listRules(this.db, term.id) })));
  }

  async getTerm(ctx: RequestContext, termId: string) {
    const actor = requireAdult(ctx);
    this.requireDistrictStaff(actor);
    const term = await repo.findTerm(this.db, termId);
    if (!term) throw new AppError('not_found', 'No such term.');
    return { term, rules: await repo.listRules(this.db, termId) };
  }

  async createTerm(
    ctx: RequestContext,
    input: { districtCode?: string; name: string; startsOn: string; endsOn: string; ratingPoints?: number[]; copyRulesFromTermId?: string },
  ) {
    const actor = requireAdult(ctx);
    this.requireDistrictStaff(actor);
    const districtCode = await this.districtFor(actor, input.districtCode);
    this.assertTermDates(input.startsOn, input.endsOn);
    return this.db.transaction().execute(async (trx) => {
      await repo.lockDistrictTerms(trx, districtCode);
      const overlapping = await repo.overlappingTerms(trx, districtCode, input.startsOn, input.endsOn);
      if (overlapping.length > 0) throw new AppError('conflict', `The dates overlap the term "${overlapping[0]!.name}".`);
      if (input.copyRulesFromTermId) {
        const from = await repo.findTerm(trx, input.copyRulesFromTermId);
        if (!from || from.district_code !== districtCode) {
          throw new AppError('validation_failed', 'Unknown term to copy from.', { issues: [{ path: 'copyRulesFromTermId', message: 'No such term in this district' }] });
        }
      }
      const { id } = await repo.insertTerm(trx, {
        districtCode,
        name: input.name,
        startsOn: input.startsOn,
        endsOn: input.endsOn,
        ratingPoints: input.ratingPoints ?? DEFAULT_RATING_POINTS,
        createdBy: actor.userId,
      });
      await this.copyRules(trx, id, input.copyRulesFromTermId ?? null);
      await recordAudit(trx, ctx, { action: 'points.term_create', resourceType: 'points_term', resourceId: id, detail: { districtCode, startsOn: input.startsOn, endsOn: input.endsOn } });
      return { term: (await repo.findTerm(trx, id))!, rules: await repo.listRules(trx, id) };
    });
  }

  private assertTermDates(startsOn: string, endsOn: string) {
    if (endsOn < startsOn) throw new AppError('validation_failed', 'The term ends before it starts.', { issues: [{ path: 'endsOn', message: 'Before startsOn' }] });
    if (daysBetween(startsOn, endsOn) > 400) throw new AppError('validation_failed', 'A term is at most 400 days.', { issues: [{ path: 'endsOn', message: 'Too long' }] });
  }

  async updateTerm(ctx: RequestContext, termId: string, body: { name?: string; startsOn?: string; endsOn?: string; ratingPoints?: number[]; version?: number }) {
    const { version, ...input } = body;
    const actor = requireAdult(ctx);
    this.requireDistrictStaff(actor);
    const term = await repo.findTerm(this.db, termId);
    if (!term) throw new AppError('not_found', 'No such term.');
    const startsOn = input.startsOn ?? term.starts_on;
    const endsOn = input.endsOn ?? term.ends_on;
    this.assertTermDates(startsOn, endsOn);
    return this.db.transaction().execute(async (trx) => {
      await repo.lockDistrictTerms(trx, term.district_code);
      const overlapping = await repo.overlappingTerms(trx, term.district_code, startsOn, endsOn, termId);
      if (overlapping.length > 0) throw new AppError('conflict', `The dates overlap the term "${overlapping[0]!.name}".`);
      if ((await repo.countEntriesOutside(trx, termId, startsOn, endsOn)) > 0) {
        throw new AppError('conflict', 'Points have been booked on days the new dates would leave out.');
      }
      if ((await repo.updateTerm(trx, termId, input, version)) === 0) throw versionConflict('term');
      await recordAudit(trx, ctx, { action: 'points.term_update', resourceType: 'points_term', resourceId: termId, detail: { changes: input } });
      return { term: (await repo.findTerm(trx, termId))!, rules: await repo.listRules(trx, termId) };
    });
  }

  async createRule(
    ctx: RequestContext,
    termId: string,
    input: { kind: 'home_activity' | 'child_rating'; code: string; nameZh: string; nameEn: string; icon?: string; points?: number; capPerDay?: number; capPerWeek?: number; capPerTerm?: number; sortOrder?: number },
  ) {
    const actor = requireAdult(ctx);
    this.requireDistrictStaff(actor);
    const term = await repo.findTerm(this.db, termId);
    if (!term) throw new AppError('not_found', 'No such term.');
    if (input.kind === 'home_activity' && input.points === undefined) {
      throw new AppError('validation_failed', 'A home activity needs its points.', { issues: [{ path: 'points', message: 'Required for home activities' }] });
    }
    if (input.kind === 'child_rating' && (input.points !== undefined || input.capPerDay !== undefined || input.capPerWeek !== undefined)) {
      throw new AppError('validation_failed', 'Child-rated behaviours take their points from the term’s conversion table and have term caps only.', {
        issues: [{ path: 'points', message: 'Not for child-rated behaviours' }],
      });
    }
    assertRuleConsistent({ points: input.points ?? null, capPerDay: input.capPerDay ?? null, capPerWeek: input.capPerWeek ?? null, capPerTerm: input.capPerTerm ?? null });
    return this.db.transaction().execute(async (trx) => {
      if (await repo.findRuleByCode(trx, termId, input.code)) throw new AppError('already_exists', 'A rule with this code exists in the term.');
      const [created] = await repo.insertRules(trx, termId, [
        {
          kind: input.kind,
          code: input.code,
          nameZh: input.nameZh,
          nameEn: input.nameEn,
          icon: input.icon ?? 'star',
          points: input.kind === 'child_rating' ? null : input.points!,
          capPerDay: input.capPerDay ?? null,
          capPerWeek: input.capPerWeek ?? null,
          capPerTerm: input.capPerTerm ?? null,
          sortOrder: input.sortOrder ?? 100,
        },
      ]);
      await recordAudit(trx, ctx, { action: 'points.rule_create', resourceType: 'points_rule', resourceId: created!.id, detail: { termId, ...input } });
      return (await repo.listRules(trx, termId)).find((r) => r.id === created!.id)!;
    });
  }

  async updateRule(
    ctx: RequestContext,
    ruleId: string,
    body: Partial<{ nameZh: string; nameEn: string; icon: string; points: number; capPerDay: number | null; capPerWeek: number | null; capPerTerm: number | null; active: boolean; sortOrder: number; version: number }>,
  ) {
    const { version, ...input } = body;
    const actor = requireAdult(ctx);
    this.requireDistrictStaff(actor);
    const rule = await repo.findRuleWithTerm(this.db, ruleId);
    if (!rule) throw new AppError('not_found', 'No such rule.');
    if (rule.kind === 'child_rating' && (input.points !== undefined || (input.capPerDay ?? null) !== null || (input.capPerWeek ?? null) !== null)) {
      throw new AppError('validation_failed', 'Child-rated behaviours take their points from the term’s conversion table and have term caps only.', {
        issues: [{ path: 'points', message: 'Not for child-rated behaviours', code: 'rating_rule_fixed' }],
      });
    }
    return this.db.transaction().execute(async (trx) => {
      // The caps are checked against the row as it is now (locked), merged with the change; only when the numbers
      // change, so that a rule with numbers from before this check can always be renamed or switched off.
      const current = await repo.lockRule(trx, ruleId);
      if (version !== undefined && current.version !== version) throw versionConflict('rule');
      if (input.points !== undefined || input.capPerDay !== undefined || input.capPerWeek !== undefined || input.capPerTerm !== undefined) {
        assertRuleConsistent({
          points: input.points ?? current.points,
          capPerDay: input.capPerDay !== undefined ? input.capPerDay : current.cap_per_day,
          capPerWeek: input.capPerWeek !== undefined ? input.capPerWeek : current.cap_per_week,
          capPerTerm: input.capPerTerm !== undefined ? input.capPerTerm : current.cap_per_term,
        });
      }
      if ((await repo.updateRule(trx, ruleId, input, version)) === 0) throw versionConflict('rule');
      await recordAudit(trx, ctx, { action: 'points.rule_update', resourceType: 'points_rule', resourceId: ruleId, detail: { changes: input } });
      return (await repo.listRules(trx, rule.term_id)).find((r) => r.id === ruleId)!;
    });
  }

  // -------------------------------------------------------------------------------------------------------------------
  // the guardian's view

  async summary(ctx: RequestContext, familyId: string) {
    const actor = requireAdult(ctx);
    await this.requireGuardian(actor, familyId);
    const family = (await repo.findFamily(this.db, familyId))!;
    const day = today();
    const district = await this.familyDistrict(familyId).catch(() => null);
    const term = district ? await this.termFor(district, day) : null;
    const account = await repo.findAccount(this.db, familyId);
    const totals = { homeActivity: 0, attendance: 0, childRating: 0, redeemed: 0 };
    const homeRules = [];
    if (term) {
      for (const row of await repo.termTotals(this.db, familyId, term.id)) {
        const points = Number(row.points);
        if (row.source_type === 'home_activity') totals.homeActivity = points;
        else if (row.source_type === 'attendance') totals.attendance = points;
        else if (row.source_type === 'child_rating') totals.childRating = points;
        else if (row.source_type === 'redemption') totals.redeemed = -points;
      }
      const week = weekStart(day);
      for (const rule of await repo.listRules(this.db, term.id, 'home_activity')) {
        if (!rule.active) continue;
        const usage = await repo.capUsage(this.db, familyId, rule.id, day, week, addDays(week, 6));
        homeRules.push({ rule, usage, available: withinCaps(rule, usage, rule.points ?? 0) });
      }
    }
    return { family, balance: account?.balance ?? 0, today: day, term, totals, homeRules };
  }

  async entries(ctx: RequestContext, familyId: string, query: { limit: number; before?: number }) {
    const actor = requireAdult(ctx);
    await this.requireGuardian(actor, familyId);
    const rows = await repo.listEntries(this.db, { familyId, limit: query.limit, beforeSeq: query.before });
    return { rows, nextBefore: rows.length === query.limit ? rows.at(-1)!.seq : null };
  }

  /** A photo of a home activity, for the family's guardians only (it may show a child: audited). */
  async photo(ctx: RequestContext, photoId: string) {
    const actor = requireAdult(ctx);
    const photo = await repo.findPhoto(this.db, photoId);
    if (!photo) throw new AppError('not_found', 'No such photo.');
    if (!isGuardianOf(actor, photo.family_id)) throw new AppError('out_of_scope', 'Only the family’s guardians see its photos.');
    const file: StoredFile = { key: photo.storage_path, contentType: photo.content_type, byteSize: Number(photo.byte_size), sha256: photo.sha256, fileName: path.basename(photo.storage_path) };
    let storage = this.storage;
    if ((await storage.size(file.key)) === null) {
      // Photos written before the storage interface lie directly under the data directory (same relative path).
      const legacy = new LocalStorage(this.config.dataDir);
      if ((await legacy.size(file.key)) === null) throw new AppError('not_found', 'The photo file is missing.');
      storage = legacy;
    }
    await this.db.transaction().execute((trx) => recordAudit(trx, ctx, { action: 'points.photo_read', resourceType: 'points_photo', resourceId: photoId, detail: { familyId: photo.family_id } }));
    return { storage, file };
  }

  // -------------------------------------------------------------------------------------------------------------------
  // awards: home activities

  /**
   * Logs a home activity. The checks that need no database come first (guardian, date); then the award joins the
   * group commit of home activities (see commitHomeAwards), where under the account lock the rule (an active home
   * activity of the family's district, the day within its term), the idempotency key, the caps and the balance are
   * decided on the latest committed state, and evidence, entry, balance and audit row commit together. A family's
   * first award (no account with a district yet), an unknown rule (the district may first need its default term) and
   * an award with a photo take the slow path: the same checks before a transaction of their own. A fresh award
   * answers with the entry as written (`entry`); a retry with the key's earlier entry.
   */
  async logHomeActivity(
    ctx: RequestContext,
    familyId: string,
    input: { ruleId: string; occurredOn?: string; note?: string; photo?: PhotoInput; idempotencyKey: string },
  ): Promise<Outcome<AwardValue>> {
    const actor = requireAdult(ctx);
    await this.requireGuardian(actor, familyId);
    const day = today();
    const occurredOn = input.occurredOn ?? day;
    if (occurredOn > day || daysBetween(occurredOn, day) > HOME_LOG_BACKDATE_DAYS) {
      throw new AppError('points_date_out_of_range', `A home activity can be logged for today or up to ${HOME_LOG_BACKDATE_DAYS} days back.`, {
        issues: [{ path: 'occurredOn', message: 'Out of range' }],
      });
    }
    const note = input.note ? input.note : null;
    const award = { key: familyId, ctx, actor, familyId, ruleId: input.ruleId, occurredOn, note, idempotencyKey: input.idempotencyKey };
    if (!input.photo) {
      const hash = requestHash({ op: 'home_activity', familyId, ruleId: input.ruleId, occurredOn, note, photo: null });
      const outcome = await this.homeAwards.submit({ ...award, checked: null, photo: null, hash });
      if (outcome !== 'slow_path') return outcome;
    }
    // The slow path.
    const context = await repo.awardContext(this.db, familyId, input.ruleId);
    const district = context.accountDistrict ?? (await this.familyDistrict(familyId));
    let rule = context.rule;
    if (!rule) {
      await this.termFor(district, occurredOn); // a district without a term for the day gets its default one
      rule = await repo.findRuleWithTerm(this.db, input.ruleId);
    }
    assertHomeRule(rule, district, occurredOn);
    const photoBytes = input.photo ? decodePhoto(input.photo) : null;
    const photoSha = photoBytes ? sha256(photoBytes.toString('base64')) : null;
    const hash = requestHash({ op: 'home_activity', familyId, ruleId: rule.id, occurredOn, note, photo: photoSha });
    const photo = photoBytes && input.photo ? { bytes: photoBytes, contentType: input.photo.contentType, sha256: photoSha! } : null;
    const outcome = await new Promise<Outcome<AwardValue> | 'slow_path'>((resolve, reject) => {
      this.commitHomeAwards([{ ...award, checked: { district, rule }, photo, hash, resolve, reject }]).catch(reject);
    });
    if (outcome === 'slow_path') throw new Error('a checked home activity cannot take the slow path');
    return outcome;
  }

  /**
   * Commits home activities (at most one per family) in one transaction of four statements whatever their number:
   * lock the accounts (in family-id order), read each award's rule, key and cap usage, write evidence + entries +
   * balances + audit rows, commit. Each award is decided exactly as alone: a rule that is not an active home activity
   * of the family's district or a day outside its term is refused, a used key answers with its entry (or a conflict
   * for a different request), an award over a cap is refused, the others are booked. Unchecked awards of a family
   * without an account with a district, or with a rule not found, are sent to the slow path (nothing written for
   * them). Answers are given after the commit; if the transaction fails, GroupCommit retries each award alone.
   */
  private async commitHomeAwards(batch: PendingHomeAward[]) {
    const answers: (() => void)[] = [];
    const writtenFiles: string[] = [];
    // Checked awards may create their account (their district is known); unchecked ones only lock existing ones.
    const create = batch.every((a) => a.checked);
    if (!create && batch.some((a) => a.checked)) throw new Error('checked and unchecked home activities in one batch');
    try {
      await this.db.transaction().execute(async (trx) => {
        answers.length = 0;
        const accounts = create
          ? await repo.lockAccounts(trx, batch.map((a) => ({ familyId: a.familyId, districtCode: a.checked!.district })))
          : await repo.lockExistingAccounts(trx, batch.map((a) => a.familyId));
        const states = await repo.awardStates(
          trx,
          batch.map((a) => {
            const week = weekStart(a.occurredOn);
            return { familyId: a.familyId, ruleId: a.ruleId, day: a.occurredOn, weekFrom: week, weekTo: addDays(week, 6), key: a.idempotencyKey };
          }),
        );
        const writes: (repo.HomeAwardWrite & { item: PendingHomeAward; rule: repo.RuleWithTermRow })[] = [];
        batch.forEach((item, i) => {
          // The rule as it is now (for a checked award too: it may have been switched off since).
          const { rule, existing, usage } = states[i]!;
          const account = accounts.get(item.familyId);
          const district = account?.districtCode ?? item.checked?.district;
          if (!account || !district || (!rule && !item.checked)) {
            answers.push(() => item.resolve('slow_path'));
            return;
          }
          try {
            assertHomeRule(rule, district, item.occurredOn);
          } catch (refusal) {
            answers.push(() => item.reject(refusal));
            return;
          }
          if (existing) {
            if (existing.requestHash !== item.hash) {
              const conflict = new AppError('points_idempotency_conflict', undefined, { issues: [{ path: 'idempotencyKey', message: 'Used for a different request' }] });
              answers.push(() => item.reject(conflict));
            } else answers.push(() => item.resolve({ value: { entryId: existing.id, balanceAfter: existing.balanceAfter }, replayed: true }));
            return;
          }
          const amount = rule.points!;
          try {
            assertWithinCaps(rule, usage, amount, rule.name_zh);
          } catch (refusal) {
            answers.push(() => item.reject(refusal));
            return;
          }
          writes.push({
            item,
            rule,
            entryId: randomUUID(),
            activityId: randomUUID(),
            familyId: item.familyId,
            ruleId: rule.id,
            termId: rule.term_id,
            occurredOn: item.occurredOn,
            note: item.note,
            photoId: item.photo ? randomUUID() : null,
            amount,
            idempotencyKey: item.idempotencyKey,
            requestHash: item.hash,
            balanceAfter: account.balance + amount,
            actorUserId: item.actor.userId,
            ip: item.ctx.ip,
            auditDetail: { familyId: item.familyId, source: 'home_activity', ruleId: rule.id, amount, occurredOn: item.occurredOn },
          });
        });
        for (const write of writes) {
          const { photo } = write.item;
          if (!photo || !write.photoId) continue;
          // A fresh key per photo in the shared store (every instance reads it); removed again if the transaction fails.
          const key = `points/photos/${write.familyId}/${write.photoId}.${PHOTO_EXTENSIONS[photo.contentType]}`;
          await this.storage.put(key, photo.bytes, photo.contentType);
          writtenFiles.push(key);
          await repo.insertPhoto(trx, {
            id: write.photoId,
            familyId: write.familyId,
            contentType: photo.contentType,
            byteSize: photo.bytes.length,
            sha256: photo.sha256,
            storagePath: key,
            uploadedBy: write.actorUserId,
          });
        }
        if (writes.length === 0) return;
        const written = await repo.writeHomeAwards(trx, writes);
        for (const write of writes) {
          const { seq, createdAt } = written.get(write.entryId)!;
          const entry = freshHomeEntry(write, write.item, write.rule, seq, createdAt);
          answers.push(() => write.item.resolve({ value: { entryId: write.entryId, balanceAfter: write.balanceAfter, entry }, replayed: false }));
        }
      });
    } catch (error) {
      for (const key of writtenFiles) await this.storage.delete(key).catch(() => undefined);
      throw error;
    }
    for (const answer of answers) answer();
  }

  /** Under the account lock: the earlier answer for a retried key, or a conflict when the key was used differently. */
  private async replay(trx: Kysely<DB>, familyId: string, key: string, hash: string): Promise<Outcome<{ entryId: string; balanceAfter: number }> | null> {
    const existing = await repo.findEntryByKey(trx, familyId, key);
    if (!existing) return null;
    if (existing.request_hash !== hash) throw new AppError('points_idempotency_conflict', undefined, { issues: [{ path: 'idempotencyKey', message: 'Used for a different request' }] });
    return { value: { entryId: existing.id, balanceAfter: existing.balance_after }, replayed: true };
  }

  async entryView(entryId: string) {
    const [row] = await repo.listEntries(this.db, { ids: [entryId], limit: 1 });
    if (!row) throw new AppError('not_found', 'No such entry.');
    return row;
  }

  // -------------------------------------------------------------------------------------------------------------------
  // corrections

  /**
   * Reverses an award with a reason: a new entry of the opposite amount that points at it. Guardians may reverse
   * their own family's home activities, school staff the attendance their school recorded, district staff any award.
   * A reversal cannot be reversed, an entry is reversed at most once, and the balance may not go below zero.
   */
  async reverseEntry(ctx: RequestContext, entryId: string, input: { reason: string; idempotencyKey: string }): Promise<Outcome<{ entryId: string; balanceAfter: number }>> {
    const actor = requireAdult(ctx);
    const entry = await repo.findEntry(this.db, entryId);
    if (!entry) throw new AppError('not_found', 'No such entry.');
    const mayReverse = await this.mayReverse(actor, entry);
    if (mayReverse === 'out_of_scope') throw new AppError('out_of_scope', 'This entry is outside your scope.');
    if (entry.kind === 'reversal') throw new AppError('points_not_reversible', 'A reversal is final: it cannot itself be reversed.');
    if (entry.kind === 'redemption') throw new AppError('points_not_reversible', 'A redemption is undone by cancelling it, which also returns the stock.');
    if (mayReverse === 'forbidden') throw new AppError('forbidden', 'Guardians can reverse their own home activities only.');
    const hash = requestHash({ op: 'reverse', entryId, reason: input.reason });
    return this.db.transaction().execute(async (trx) => {
      const account = await repo.lockAccount(trx, entry.family_id, null);
      const replay = await this.replay(trx, entry.family_id, input.idempotencyKey, hash);
      if (replay) return replay;
      if (await repo.findReversalOf(trx, entryId)) throw new AppError('points_already_reversed');
      const balanceAfter = account.balance - entry.amount;
      if (balanceAfter < 0) throw new AppError('points_insufficient_balance', 'The points of this entry have already been spent; reversing it would make the balance negative.');
      const reversal = await repo.insertEntry(trx, {
        familyId: entry.family_id,
        amount: -entry.amount,
        kind: 'reversal',
        sourceType: entry.source_type,
        sourceId: entry.source_id,
        ruleId: entry.rule_id,
        termId: entry.term_id,
        occurredOn: entry.occurred_on,
        idempotencyKey: input.idempotencyKey,
        requestHash: hash,
        reversesEntryId: entryId,
        reason: input.reason,
        balanceAfter,
        actorUserId: actor.userId,
        actorChildId: null,
      });
      await repo.setAccountBalance(trx, entry.family_id, balanceAfter, 1);
      await recordAudit(trx, ctx, {
        action: 'points.reverse',
        resourceType: 'points_entry',
        resourceId: reversal.id,
        detail: { familyId: entry.family_id, reverses: entryId, amount: -entry.amount, reason: input.reason },
      });
      return { value: { entryId: reversal.id, balanceAfter }, replayed: false };
    });
  }

  /** Whether the actor may reverse this entry: 'yes', 'forbidden' (in scope, wrong role) or 'out_of_scope'. */
  private async mayReverse(actor: Actor, entry: repo.EntryBaseRow): Promise<'yes' | 'forbidden' | 'out_of_scope'> {
    if (isDistrictStaff(actor)) return 'yes';
    if (entry.source_type === 'attendance') {
      const rows = await repo.listEntries(this.db, { ids: [entry.id], limit: 1 });
      const event = rows[0]?.event_id ? await repo.findSchoolEvent(this.db, rows[0].event_id) : null;
      if (event && this.schoolStaffOf(actor).includes(event.school_id)) return 'yes';
    }
    if (!isGuardianOf(actor, entry.family_id)) return 'out_of_scope';
    return entry.source_type === 'home_activity' ? 'yes' : 'forbidden';
  }

  // -------------------------------------------------------------------------------------------------------------------
  // at-school attendance

  async createSchoolEvent(ctx: RequestContext, input: { schoolId: string; kind: AttendanceKind; title: string; heldOn: string; idempotencyKey: string }) {
    const actor = requireAdult(ctx);
    this.requireSchoolStaff(actor, input.schoolId);
    const school = await repo.findOrganisationBasics(this.db, input.schoolId);
    if (!school || school.kind !== 'school') throw new AppError('not_found', 'No such school.');
    this.assertEventDate(input.heldOn);
    const hash = requestHash({ op: 'school_event', schoolId: input.schoolId, kind: input.kind, title: input.title, heldOn: input.heldOn });
    return this.db.transaction().execute(async (trx) => {
      await repo.advisoryLock(trx, `school-event:${input.schoolId}:${input.idempotencyKey}`);
      const existing = await repo.findSchoolEventByKey(trx, input.schoolId, input.idempotencyKey);
      if (existing) {
        if (existing.request_hash !== hash) throw new AppError('points_idempotency_conflict', undefined, { issues: [{ path: 'idempotencyKey', message: 'Used for a different request' }] });
        return { value: existing, replayed: true };
      }
      const created = await repo.insertSchoolEvent(trx, {
        schoolId: input.schoolId,
        kind: input.kind,
        title: input.title,
        heldOn: input.heldOn,
        source: 'staff',
        sourceRef: null,
        idempotencyKey: input.idempotencyKey,
        requestHash: hash,
        recordedBy: actor.userId,
      });
      await recordAudit(trx, ctx, { action: 'points.school_event_create', resourceType: 'points_school_event', resourceId: created!.id, detail: { schoolId: input.schoolId, kind: input.kind } });
      return { value: (await repo.findSchoolEvent(trx, created!.id))!, replayed: false };
    });
  }

  private requireSchoolStaff(actor: Actor, schoolId: string) {
    const schools = this.schoolStaffOf(actor);
    if (schools.length === 0) throw new AppError('forbidden', 'Only school administrators and teachers record attendance.');
    if (!schools.includes(schoolId)) throw new AppError('out_of_scope', 'You record attendance for your own school only.');
  }

  private assertEventDate(heldOn: string) {
    const day = today();
    if (heldOn > day || daysBetween(heldOn, day) > SCHOOL_EVENT_BACKDATE_DAYS) {
      throw new AppError('points_date_out_of_range', `Events are recorded on or after the day, up to ${SCHOOL_EVENT_BACKDATE_DAYS} days back.`, {
        issues: [{ path: 'heldOn', message: 'Out of range' }],
      });
    }
  }

  async listSchoolEvents(ctx: RequestContext, schoolId: string, limit: number) {
    const actor = requireAdult(ctx);
    this.requireSchoolStaff(actor, schoolId);
    return repo.listSchoolEvents(this.db, schoolId, limit);
  }

  /** Guardians of families with a child at the school (to tick attendance). Shows children's names: audited. */
  async schoolGuardians(ctx: RequestContext, schoolId: string) {
    const actor = requireAdult(ctx);
    this.requireSchoolStaff(actor, schoolId);
    const { children, guardians } = await repo.schoolGuardians(this.db, schoolId);
    if (children.length > 0) {
      await this.db.transaction().execute((trx) =>
        recordAudit(trx, ctx, { action: 'points.guardians_read', resourceType: 'organisation', resourceId: schoolId, detail: { basis: 'school_staff', children: children.length } }),
      );
    }
    return guardians
      .filter((g) => g.user_id !== actor.userId)
      .map((g) => ({ ...g, children: children.filter((c) => c.family_id === g.family_id) }));
  }

  /** Staff record who attended one of their school's events. */
  async recordAttendance(ctx: RequestContext, eventId: string, guardianUserIds: string[]) {
    const actor = requireAdult(ctx);
    const event = await repo.findSchoolEvent(this.db, eventId);
    if (!event) throw new AppError('not_found', 'No such event.');
    this.requireSchoolStaff(actor, event.school_id);
    return this.attendanceEvent(ctx, { eventId }, guardianUserIds);
  }

  /**
   * The one way attendance turns into points. Called by the staff endpoint with an existing event, and by the
   * parent-school module (when it exists) with its own event reference: the event is found or created by that
   * reference, then each attending guardian's family is credited once for the rule of the event's kind.
   * Idempotent by nature: a guardian already recorded for the event is reported, never credited twice.
   * All or nothing: if one attendee cannot be credited (not a guardian at this school, own family, over a cap)
   * nothing is written and the issues say who and why.
   */
  async attendanceEvent(
    ctx: RequestContext,
    event: { eventId: string } | { schoolId: string; kind: AttendanceKind; title: string; heldOn: string; sourceRef: string },
    guardianUserIds: string[],
  ) {
    const actor = requireAdult(ctx);
    let row: repo.SchoolEventRow;
    if ('eventId' in event) {
      const found = await repo.findSchoolEvent(this.db, event.eventId);
      if (!found) throw new AppError('not_found', 'No such event.');
      row = found;
    } else {
      this.requireSchoolStaff(actor, event.schoolId);
      if (!ATTENDANCE_KINDS.includes(event.kind)) throw new AppError('validation_failed', 'Unknown attendance kind.');
      this.assertEventDate(event.heldOn);
      const existing = await repo.findSchoolEventBySourceRef(this.db, 'parent_school', event.sourceRef);
      if (existing) row = existing;
      else {
        await this.db.transaction().execute(async (trx) => {
          const created = await repo.insertSchoolEvent(trx, { ...event, source: 'parent_school', idempotencyKey: null, requestHash: null, recordedBy: actor.userId });
          if (created) await recordAudit(trx, ctx, { action: 'points.school_event_create', resourceType: 'points_school_event', resourceId: created.id, detail: { schoolId: event.schoolId, kind: event.kind, sourceRef: event.sourceRef } });
        });
        row = (await repo.findSchoolEventBySourceRef(this.db, 'parent_school', event.sourceRef))!;
      }
    }
    this.requireSchoolStaff(actor, row.school_id);
    const uniqueGuardians = [...new Set(guardianUserIds)];
    const issues: ErrorIssue[] = [];
    if (uniqueGuardians.includes(actor.userId)) {
      throw new AppError('points_self_award', 'You cannot record your own attendance.', { issues: [{ path: `guardianUserIds.${guardianUserIds.indexOf(actor.userId)}`, message: 'That is you' }] });
    }
    const families = await repo.familiesAtSchoolOfGuardians(this.db, uniqueGuardians, row.school_id);
    const familyOf = new Map<string, string>();
    for (const f of families) if (!familyOf.has(f.user_id)) familyOf.set(f.user_id, f.family_id);
    uniqueGuardians.forEach((id, i) => {
      if (!familyOf.has(id)) issues.push({ path: `guardianUserIds.${i}`, message: 'Not a guardian of a family with a child at this school' });
    });
    if (issues.length > 0) throw new AppError('points_not_family_guardian', 'Some people are not guardians of a family with a child at this school.', { issues });
    for (const [guardian, familyId] of familyOf) {
      if (actor.familyIds.includes(familyId)) {
        throw new AppError('points_self_award', 'Staff cannot credit their own family.', { issues: [{ path: `guardianUserIds.${uniqueGuardians.indexOf(guardian)}`, message: 'Your own family' }] });
      }
    }
    // Rules by family district (normally one district for a school).
    const ruleByFamily = new Map<string, repo.RuleWithTermRow>();
    const districtByFamily = new Map<string, string>();
    for (const familyId of new Set(familyOf.values())) {
      const district = await this.familyDistrict(familyId);
      districtByFamily.set(familyId, district);
      const term = await this.termFor(district, row.held_on);
      const rule = term ? await repo.findRuleWithTermByCode(this.db, term.id, row.kind) : undefined;
      if (!rule || !rule.active || rule.kind !== 'school_attendance') {
        throw new AppError('points_rule_unknown', `No active "${row.kind}" rule for the day of the event.`, { issues: [{ path: 'kind', message: 'No active rule' }] });
      }
      ruleByFamily.set(familyId, rule);
    }
    const results = await this.db.transaction().execute(async (trx) => {
      const out: { guardianUserId: string; familyId: string; status: 'credited' | 'already_recorded'; entryId: string | null; points: number }[] = [];
      const capIssues: ErrorIssue[] = [];
      // Lock accounts in one order (family id) so that two such batches can never deadlock.
      // (All of them in one statement.)
      const order = [...familyOf.entries()].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] < b[0] ? -1 : 1));
      const locked = await repo.lockAccounts(trx, [...districtByFamily].map(([familyId, districtCode]) => ({ familyId, districtCode })));
      const balances = new Map([...locked].map(([familyId, account]) => [familyId, account.balance]));
      for (const [guardianId, familyId] of order) {
        const rule = ruleByFamily.get(familyId)!;
        const already = await repo.findAttendance(trx, row.id, guardianId);
        if (already) {
          const entry = await repo.findEntryByKey(trx, already.family_id, `attendance:${row.id}:${guardianId}`);
          out.push({ guardianUserId: guardianId, familyId: already.family_id, status: 'already_recorded', entryId: entry?.id ?? null, points: entry?.amount ?? 0 });
          continue;
        }
        const week = weekStart(row.held_on);
        const usage = await repo.capUsage(trx, familyId, rule.id, row.held_on, week, addDays(week, 6));
        const amount = rule.points!;
        if (!withinCaps(rule, usage, amount)) {
          capIssues.push({ path: `guardianUserIds.${uniqueGuardians.indexOf(guardianId)}`, code: 'cap', message: `The family would pass the cap of "${rule.name_zh}"` });
          continue;
        }
        const attendance = await repo.insertAttendance(trx, { eventId: row.id, familyId, guardianUserId: guardianId, recordedBy: actor.userId });
        const balanceAfter = balances.get(familyId)! + amount;
        const key = `attendance:${row.id}:${guardianId}`;
        const entry = await repo.insertEntry(trx, {
          familyId,
          amount,
          kind: 'award',
          sourceType: 'attendance',
          sourceId: attendance.id,
          ruleId: rule.id,
          termId: rule.term_id,
          occurredOn: row.held_on,
          idempotencyKey: key,
          requestHash: requestHash({ op: 'attendance', eventId: row.id, guardianId }),
          balanceAfter,
          actorUserId: actor.userId,
          actorChildId: null,
        });
        balances.set(familyId, balanceAfter);
        await repo.setAccountBalance(trx, familyId, balanceAfter, 1);
        out.push({ guardianUserId: guardianId, familyId, status: 'credited', entryId: entry.id, points: amount });
      }
      if (capIssues.length > 0) throw new AppError('points_cap_exceeded', 'Recording these attendees would pass a cap; nothing was recorded.', { issues: capIssues });
      const credited = out.filter((r) => r.status === 'credited');
      if (credited.length > 0) {
        await recordAudit(trx, ctx, {
          action: 'points.attendance_record',
          resourceType: 'points_school_event',
          resourceId: row.id,
          detail: { credited: credited.map((r) => ({ guardian: r.guardianUserId, family: r.familyId, entry: r.entryId, points: r.points })) },
        });
      }
      return out;
    });
    return { event: (await repo.findSchoolEventWithAttendees(this.db, row.id))!, results };
  }

  // -------------------------------------------------------------------------------------------------------------------
  // children's ratings (child mode)

  private requireChild(ctx: RequestContext) {
    const actor = requireSignedIn(ctx);
    if (!actor.child) throw new AppError('forbidden', 'Children rate in child mode: a guardian hands over the device with the child’s PIN.');
    return { actor, child: actor.child };
  }

  /** The child's rating screen for this week: who to rate, the behaviours, and what is already done. */
  async childRatingScreen(ctx: RequestContext) {
    const { child } = this.requireChild(ctx);
    const day = today();
    const week = weekStart(day);
    const district = await this.familyDistrict(child.familyId);
    const term = await this.termFor(district, day);
    const behaviours = term ? (await repo.listRules(this.db, term.id, 'child_rating')).filter((r) => r.active) : [];
    const guardians = await repo.familyGuardians(this.db, child.familyId);
    const rated = await repo.childWeekRatings(this.db, child.id, week);
    await this.db.transaction().execute((trx) =>
      recordAudit(trx, ctx, { action: 'points.rating_read', resourceType: 'child', resourceId: child.id, detail: { basis: 'child_self', weekStart: week } }),
    );
    return {
      childName: child.displayName,
      weekStart: week,
      weekEnd: addDays(week, 6),
      guardians: guardians.map((g) => ({
        userId: g.user_id,
        displayName: g.display_name,
        relation: g.relation,
        ratedRuleIds: rated.filter((r) => r.guardian_user_id === g.user_id).map((r) => r.rule_id),
      })),
      behaviours: behaviours.map((b) => ({ id: b.id, nameZh: b.name_zh, nameEn: b.name_en, icon: b.icon })),
    };
  }

  /**
   * A child rates one guardian's companionship this week. One rating per child, guardian, behaviour and week; the
   * term's table converts ratings to points, booked as one entry for the sheet. A behaviour's term cap limits the
   * points, never the child's rating: over the cap the rating is kept and earns nothing more.
   */
  async submitRatings(ctx: RequestContext, input: { guardianUserId: string; ratings: { ruleId: string; value: number }[]; idempotencyKey: string }) {
    const { actor, child } = this.requireChild(ctx);
    const familyId = child.familyId;
    const guardians = await repo.familyGuardians(this.db, familyId);
    if (!guardians.some((g) => g.user_id === input.guardianUserId)) {
      throw new AppError('points_not_family_guardian', 'Children rate the guardians of their own family only.', { issues: [{ path: 'guardianUserId', message: 'Not a guardian of your family' }] });
    }
    const day = today();
    const week = weekStart(day);
    const district = await this.familyDistrict(familyId);
    const term = await this.termFor(district, day);
    if (!term) throw new AppError('points_no_term');
    const behaviours = new Map((await repo.listRules(this.db, term.id, 'child_rating')).filter((r) => r.active).map((r) => [r.id, r]));
    const unknown = input.ratings.map((r, i) => ({ r, i })).filter(({ r }) => !behaviours.has(r.ruleId));
    if (unknown.length > 0) {
      throw new AppError('points_rule_unknown', 'Not a behaviour of this week.', { issues: unknown.map(({ i }) => ({ path: `ratings.${i}.ruleId`, message: 'Unknown behaviour' })) });
    }
    const conversion = term.rating_points as number[];
    const ruleIds = input.ratings.map((r) => r.ruleId);
    const hash = requestHash({ op: 'ratings', childId: child.id, guardianUserId: input.guardianUserId, weekStart: week, ratings: [...input.ratings].sort((a, b) => (a.ruleId < b.ruleId ? -1 : 1)) });
    return this.db.transaction().execute(async (trx) => {
      const account = await repo.lockAccount(trx, familyId, district);
      const previous = await repo.findSheetByKey(trx, child.id, input.idempotencyKey);
      if (previous) {
        if (previous.request_hash !== hash) throw new AppError('points_idempotency_conflict', undefined, { issues: [{ path: 'idempotencyKey', message: 'Used for a different request' }] });
        const rows = await repo.ratingsOfSheet(trx, previous.id);
        return { value: { sheetId: previous.id, weekStart: previous.week_start, rated: rows.length }, replayed: true };
      }
      const duplicates = await repo.existingRatings(trx, child.id, input.guardianUserId, week, ruleIds);
      if (duplicates.length > 0) {
        const dup = new Set(duplicates.map((d) => d.rule_id));
        throw new AppError('points_rating_duplicate', undefined, {
          issues: input.ratings.map((r, i) => ({ r, i })).filter(({ r }) => dup.has(r.ruleId)).map(({ i }) => ({ path: `ratings.${i}.ruleId`, message: 'Already rated this week' })),
        });
      }
      const used = await repo.ratingPointsUsed(trx, familyId, term.id, ruleIds);
      const sheet = await repo.insertSheet(trx, { familyId, childId: child.id, guardianUserId: input.guardianUserId, termId: term.id, weekStart: week, idempotencyKey: input.idempotencyKey, requestHash: hash });
      const rows = input.ratings.map((r) => {
        const rule = behaviours.get(r.ruleId)!;
        const converted = conversion[r.value - 1] ?? 0;
        const room = rule.cap_per_term === null ? converted : Math.max(0, rule.cap_per_term - (used.get(rule.id) ?? 0));
        return { sheetId: sheet.id, familyId, childId: child.id, guardianUserId: input.guardianUserId, ruleId: r.ruleId, weekStart: week, value: r.value, points: Math.min(converted, room) };
      });
      await repo.insertRatings(trx, rows);
      const total = rows.reduce((sum, r) => sum + r.points, 0);
      let entryId: string | null = null;
      if (total > 0) {
        const balanceAfter = account.balance + total;
        const entry = await repo.insertEntry(trx, {
          familyId,
          amount: total,
          kind: 'award',
          sourceType: 'child_rating',
          sourceId: sheet.id,
          ruleId: null,
          termId: term.id,
          occurredOn: day,
          idempotencyKey: `rating:${sheet.id}`,
          requestHash: hash,
          balanceAfter,
          actorUserId: actor.userId,
          actorChildId: child.id,
        });
        entryId = entry.id;
        await repo.setAccountBalance(trx, familyId, balanceAfter, 1);
      }
      await recordAudit(trx, ctx, {
        action: 'points.rating_submit',
        resourceType: 'child',
        resourceId: child.id,
        detail: { familyId, sheetId: sheet.id, guardianUserId: input.guardianUserId, weekStart: week, ratings: rows.length, points: total, entryId },
      });
      return { value: { sheetId: sheet.id, weekStart: week, rated: rows.length }, replayed: false };
    });
  }

  /** The family's weekly summary of its children's ratings (never who rated what when): audited. */
  async weeklyRatings(ctx: RequestContext, familyId: string, weeks: number) {
    const actor = requireAdult(ctx);
    await this.requireGuardian(actor, familyId);
    const fromWeek = addDays(weekStart(today()), -7 * (weeks - 1));
    const rows = await repo.familyRatingSummary(this.db, familyId, fromWeek);
    await this.db.transaction().execute((trx) =>
      recordAudit(trx, ctx, { action: 'points.rating_read', resourceType: 'family', resourceId: familyId, detail: { basis: 'guardian', fromWeek, weeks } }),
    );
    const byWeek = new Map<string, typeof rows>();
    for (const row of rows) byWeek.set(row.week_start, [...(byWeek.get(row.week_start) ?? []), row]);
    return [...byWeek.entries()].map(([week, list]) => ({
      weekStart: week,
      children: Math.max(...list.map((r) => Number(r.children))),
      ratings: list.reduce((s, r) => s + Number(r.ratings), 0),
      points: list.reduce((s, r) => s + Number(r.points), 0),
      behaviours: list.map((r) => ({ ruleId: r.rule_id, nameZh: r.name_zh, nameEn: r.name_en, icon: r.icon, ratings: Number(r.ratings), average: Math.round(Number(r.average) * 10) / 10 })),
    }));
  }

  // -------------------------------------------------------------------------------------------------------------------
  // rewards and redemptions

  /** Partners who may offer rewards for an organisation: its venue manager / school admin, or district staff. */
  private async requireRewardPartner(actor: Actor, organisationId: string) {
    const org = await repo.findOrganisationBasics(this.db, organisationId);
    if (isDistrictStaff(actor)) {
      if (!org) throw new AppError('validation_failed', 'Unknown organisation.', { issues: [{ path: 'organisationId', message: 'No such organisation' }] });
      return org;
    }
    const mine = organisationsWithRole(actor, 'venue_manager', 'school_admin');
    const community = communitiesAdministered(actor);
    if (mine.length === 0 && community.length === 0) throw new AppError('forbidden', 'Only partners (venue managers, school admins) and district staff offer rewards.');
    if (!org) throw new AppError('validation_failed', 'Unknown organisation.', { issues: [{ path: 'organisationId', message: 'No such organisation' }] });
    if (mine.includes(org.id)) return org;
    if (org.division_code && community.includes(org.division_code) && org.kind !== 'school') return org;
    throw new AppError('out_of_scope', 'You offer rewards for your own organisation only.');
  }

  async listRewards(ctx: RequestContext) {
    const actor = requireAdult(ctx);
    if (isDistrictStaff(actor)) return repo.listRewards(this.db, { activeOnly: false });
    const own = organisationsWithRole(actor, 'venue_manager', 'school_admin');
    const districts = new Set<string>();
    for (const familyId of actor.familyIds) {
      const district = await this.familyDistrict(familyId).catch(() => null);
      if (district) districts.add(district);
    }
    const offered = districts.size > 0 ? await repo.listRewards(this.db, { districtCodes: [...districts], activeOnly: true }) : [];
    const communities = communitiesAdministered(actor);
    const managed = [
      ...(own.length > 0 ? await repo.listRewards(this.db, { organisationIds: own, activeOnly: false }) : []),
      ...(communities.length > 0 ? await repo.listRewards(this.db, { communityCodes: communities, activeOnly: false }) : []),
    ];
    const seen = new Set<string>();
    return [...managed, ...offered].filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
  }

  async createReward(
    ctx: RequestContext,
    input: { organisationId: string; title: string; description?: string; cost: number; stock: number; perFamilyLimit?: number },
  ) {
    const actor = requireAdult(ctx);
    const org = await this.requireRewardPartner(actor, input.organisationId);
    const district = (org.division_code ? await repo.districtOfDivision(this.db, org.division_code) : null) ?? (await repo.soleDistrict(this.db));
    if (!district) throw new AppError('validation_failed', 'The organisation has no district.', { issues: [{ path: 'organisationId', message: 'Not placed in a district' }] });
    return this.db.transaction().execute(async (trx) => {
      const { id } = await repo.insertReward(trx, {
        districtCode: district,
        organisationId: org.id,
        title: input.title,
        description: input.description || null,
        cost: input.cost,
        stock: input.stock,
        perFamilyLimit: input.perFamilyLimit ?? null,
        createdBy: actor.userId,
      });
      await recordAudit(trx, ctx, { action: 'points.reward_create', resourceType: 'points_reward', resourceId: id, detail: { ...input } });
      return (await repo.findReward(trx, id))!;
    });
  }

  /** Organisations the actor may offer rewards for (the partner picker of the rewards page). */
  async rewardPartners(ctx: RequestContext, query: { q?: string; limit: number }) {
    const actor = requireAdult(ctx);
    const all = isDistrictStaff(actor);
    const organisationIds = organisationsWithRole(actor, 'venue_manager', 'school_admin');
    const communityCodes = communitiesAdministered(actor);
    if (!all && organisationIds.length === 0 && communityCodes.length === 0) {
      throw new AppError('forbidden', 'Only partners (venue managers, school admins, community admins) and district staff offer rewards.');
    }
    return repo.rewardPartnerOrganisations(this.db, { all, organisationIds, communityCodes, q: query.q, limit: query.limit });
  }

  async updateReward(
    ctx: RequestContext,
    rewardId: string,
    body: Partial<{ title: string; description: string | null; cost: number; stock: number; perFamilyLimit: number | null; active: boolean; version: number }>,
  ) {
    const { version, ...input } = body;
    const actor = requireAdult(ctx);
    const reward = await repo.findReward(this.db, rewardId);
    if (!reward) throw new AppError('not_found', 'No such reward.');
    await this.requireRewardPartner(actor, reward.organisation_id);
    return this.db.transaction().execute(async (trx) => {
      await repo.lockReward(trx, rewardId);
      // Redemptions change the stock without a new version (they are not edits of the offer): a partner's stock is
      // the number left from now on.
      if ((await repo.updateReward(trx, rewardId, input, version)) === 0) throw versionConflict('reward');
      await recordAudit(trx, ctx, { action: 'points.reward_update', resourceType: 'points_reward', resourceId: rewardId, detail: { changes: input } });
      return (await repo.findReward(trx, rewardId))!;
    });
  }

  /**
   * Spends points on a reward: a debit entry with the same guarantees as an award. Under the account lock and then
   * the reward's row lock: stock left, the family's limit, enough balance; the stock goes down in the same commit.
   */
  async redeem(ctx: RequestContext, familyId: string, input: { rewardId: string; idempotencyKey: string }) {
    const actor = requireAdult(ctx);
    await this.requireGuardian(actor, familyId);
    const reward = await repo.findReward(this.db, input.rewardId);
    if (!reward) throw new AppError('not_found', 'No such reward.');
    const district = await this.familyDistrict(familyId);
    if (reward.district_code !== district) throw new AppError('points_reward_unavailable', 'This reward is offered in another district.');
    const hash = requestHash({ op: 'redeem', familyId, rewardId: reward.id });
    return this.db.transaction().execute(async (trx) => {
      const account = await repo.lockAccount(trx, familyId, district);
      const replay = await this.replay(trx, familyId, input.idempotencyKey, hash);
      if (replay) {
        const entry = (await repo.findEntry(trx, replay.value.entryId))!;
        return { value: { redemptionId: entry.source_id, ...replay.value }, replayed: true };
      }
      const locked = await repo.lockReward(trx, reward.id);
      if (!locked.active) throw new AppError('points_reward_unavailable', 'This reward is no longer on offer.');
      if (locked.stock <= 0) throw new AppError('points_out_of_stock');
      if (locked.per_family_limit !== null && (await repo.countLiveRedemptions(trx, reward.id, familyId)) >= locked.per_family_limit) {
        throw new AppError('points_redemption_limit', `At most ${locked.per_family_limit} per family.`);
      }
      if (account.balance < locked.cost) throw new AppError('points_insufficient_balance', `This reward costs ${locked.cost} points; the family has ${account.balance}.`);
      const redemption = await repo.insertRedemption(trx, { familyId, rewardId: reward.id, cost: locked.cost, code: redemptionCode(), redeemedBy: actor.userId });
      const balanceAfter = account.balance - locked.cost;
      const entry = await repo.insertEntry(trx, {
        familyId,
        amount: -locked.cost,
        kind: 'redemption',
        sourceType: 'redemption',
        sourceId: redemption.id,
        ruleId: null,
        termId: (await repo.findTermCovering(trx, district, today()))?.id ?? null,
        occurredOn: today(),
        idempotencyKey: input.idempotencyKey,
        requestHash: hash,
        balanceAfter,
        actorUserId: actor.userId,
        actorChildId: null,
      });
      await repo.setAccountBalance(trx, familyId, balanceAfter, 1);
      await repo.changeStock(trx, reward.id, -1);
      await recordAudit(trx, ctx, { action: 'points.redeem', resourceType: 'points_redemption', resourceId: redemption.id, detail: { familyId, rewardId: reward.id, cost: locked.cost, entryId: entry.id } });
      return { value: { redemptionId: redemption.id, entryId: entry.id, balanceAfter }, replayed: false };
    });
  }

  async familyRedemptions(ctx: RequestContext, familyId: string, limit: number) {
    const actor = requireAdult(ctx);
    await this.requireGuardian(actor, familyId);
    return repo.listRedemptions(this.db, { familyId, limit });
  }

  /** The partner's list of redemptions of one reward: codes and dates, no family names. */
  async rewardRedemptions(ctx: RequestContext, rewardId: string, limit: number) {
    const actor = requireAdult(ctx);
    const reward = await repo.findReward(this.db, rewardId);
    if (!reward) throw new AppError('not_found', 'No such reward.');
    await this.requireRewardPartner(actor, reward.organisation_id);
    return repo.listRedemptions(this.db, { rewardId, limit });
  }

  async getRedemption(redemptionId: string) {
    const row = await repo.findRedemption(this.db, redemptionId);
    if (!row) throw new AppError('not_found', 'No such redemption.');
    return row;
  }

  /** The partner hands the reward over. */
  async fulfilRedemption(ctx: RequestContext, redemptionId: string) {
    const actor = requireAdult(ctx);
    const redemption = await repo.findRedemption(this.db, redemptionId);
    if (!redemption) throw new AppError('not_found', 'No such redemption.');
    await this.requireRewardPartner(actor, redemption.organisation_id);
    return this.db.transaction().execute(async (trx) => {
      const locked = await repo.lockRedemption(trx, redemptionId);
      if (locked.status === 'fulfilled') return (await repo.findRedemption(trx, redemptionId))!;
      if (locked.status === 'cancelled') throw new AppError('conflict', 'This redemption was cancelled.');
      await repo.setRedemptionStatus(trx, redemptionId, { status: 'fulfilled', by: actor.userId });
      await recordAudit(trx, ctx, { action: 'points.redemption_update', resourceType: 'points_redemption', resourceId: redemptionId, detail: { status: 'fulfilled' } });
      return (await repo.findRedemption(trx, redemptionId))!;
    });
  }

  /**
   * Cancels an issued redemption (the family before pick-up, or the partner): the points come back as a reversal
   * entry and the stock goes up again. Cancelling a cancelled redemption answers with it unchanged.
   */
  async cancelRedemption(ctx: RequestContext, redemptionId: string, input: { reason: string }) {
    const actor = requireAdult(ctx);
    const redemption = await repo.findRedemption(this.db, redemptionId);
    if (!redemption) throw new AppError('not_found', 'No such redemption.');
    if (!isGuardianOf(actor, redemption.family_id)) await this.requireRewardPartner(actor, redemption.organisation_id);
    return this.db.transaction().execute(async (trx) => {
      const account = await repo.lockAccount(trx, redemption.family_id, null);
      const locked = await repo.lockRedemption(trx, redemptionId);
      if (locked.status === 'cancelled') return (await repo.findRedemption(trx, redemptionId))!;
      if (locked.status === 'fulfilled') throw new AppError('conflict', 'This reward has been handed over; it cannot be cancelled.');
      await repo.lockReward(trx, locked.reward_id);
      const debit = await repo.findEntryBySource(trx, redemptionId);
      if (!debit) throw new Error(`redemption ${redemptionId} has no ledger entry`);
      const balanceAfter = account.balance + locked.cost;
      const refund = await repo.insertEntry(trx, {
        familyId: redemption.family_id,
        amount: locked.cost,
        kind: 'reversal',
        sourceType: 'redemption',
        sourceId: redemptionId,
        ruleId: null,
        termId: debit.term_id,
        occurredOn: debit.occurred_on,
        idempotencyKey: `cancel:${redemptionId}`,
        requestHash: requestHash({ op: 'cancel', redemptionId }),
        reversesEntryId: debit.id,
        reason: input.reason,
        balanceAfter,
        actorUserId: actor.userId,
        actorChildId: null,
      });
      await repo.setAccountBalance(trx, redemption.family_id, balanceAfter, 1);
      await repo.changeStock(trx, locked.reward_id, 1);
      await repo.setRedemptionStatus(trx, redemptionId, { status: 'cancelled', by: actor.userId, reason: input.reason });
      await recordAudit(trx, ctx, {
        action: 'points.redemption_update',
        resourceType: 'points_redemption',
        resourceId: redemptionId,
        detail: { status: 'cancelled', reason: input.reason, refundEntryId: refund.id },
      });
      return (await repo.findRedemption(trx, redemptionId))!;
    });
  }

  // -------------------------------------------------------------------------------------------------------------------
  // aggregates for schools and the district

  /**
   * Participation and points per class, school, community or subdistrict for a term. District staff see the whole
   * district, community admins their community's schools, school staff their own school (by class or as a whole).
   * Only group counts and sums leave the database, and groups of fewer than MIN_GROUP_FAMILIES families show counts
   * without points, so that no family can be singled out. There is no ranking of families anywhere.
   */
  async aggregates(ctx: RequestContext, query: { termId?: string; by: repo.AggregateBy }) {
    const actor = requireAdult(ctx);
    let schoolIds: string[] | null;
    if (isDistrictStaff(actor)) schoolIds = null;
    else {
      const staffSchools = this.schoolStaffOf(actor);
      const communitySchools = await repo.schoolsInCommunities(this.db, communitiesAdministered(actor));
      schoolIds = [...new Set([...staffSchools, ...communitySchools])];
      if (schoolIds.length === 0) throw new AppError('forbidden', 'Aggregates are for school, community and district staff.');
      if (communitySchools.length === 0 && (query.by === 'community' || query.by === 'subdistrict')) {
        throw new AppError('forbidden', 'School staff see their school by class or as a whole.');
      }
    }
    const term = await this.resolveTerm(query.termId);
    const rows = await repo.aggregate(this.db, { termId: term.id, by: query.by, schoolIds, districtCode: term.district_code });
    await this.db.transaction().execute((trx) =>
      recordAudit(trx, ctx, { action: 'points.aggregate_read', resourceType: 'points_term', resourceId: term.id, detail: { by: query.by, scope: schoolIds ?? 'district' } }),
    );
    const groups = rows.map((row) => {
      const suppressed = row.families < MIN_GROUP_FAMILIES;
      return {
        key: row.key,
        name: row.name,
        parentName: row.parent_name,
        families: row.families,
        activeFamilies: row.active,
        participationRate: row.families === 0 ? 0 : Math.round((row.active / row.families) * 1000) / 1000,
        suppressed,
        pointsEarned: suppressed ? null : row.earned,
        pointsRedeemed: suppressed ? null : row.redeemed,
        averagePerActiveFamily: suppressed || row.active === 0 ? null : Math.round((row.earned / row.active) * 10) / 10,
        bySource: suppressed ? null : { homeActivity: row.home, attendance: row.attendance, childRating: row.rating },
      };
    });
    const totals = {
      families: rows.reduce((s, r) => s + r.families, 0),
      activeFamilies: rows.reduce((s, r) => s + r.active, 0),
      pointsEarned: groups.reduce((s, g) => s + (g.pointsEarned ?? 0), 0),
      pointsRedeemed: groups.reduce((s, g) => s + (g.pointsRedeemed ?? 0), 0),
    };
    return { term, by: query.by, minGroupFamilies: MIN_GROUP_FAMILIES, groups, totals };
  }

  /** The term asked for, or the current term of the registry's only district. */
  private async resolveTerm(termId?: string) {
    if (termId) {
      const term = await repo.findTerm(this.db, termId);
      if (!term) throw new AppError('not_found', 'No such term.');
      return term;
    }
    const district = await repo.soleDistrict(this.db);
    const term = district ? await this.termFor(district, today()) : null;
    if (!term) throw new AppError('points_no_term');
    return term;
  }

  // -------------------------------------------------------------------------------------------------------------------
  // the Smart Parent Growth Handbook (智慧家长成长手册)

  /** A family's term in one view: school events attended, home activities, the children's ratings summary, points and badges. */
  async handbook(ctx: RequestContext, familyId: string, termId?: string) {
    const actor = requireAdult(ctx);
    await this.requireGuardian(actor, familyId);
    const family = (await repo.findFamily(this.db, familyId))!;
    let term;
    if (termId) {
      term = await repo.findTerm(this.db, termId);
      if (!term) throw new AppError('not_found', 'No such term.');
    } else {
      term = await this.termFor(await this.familyDistrict(familyId), today());
      if (!term) throw new AppError('points_no_term');
    }
    const data = await repo.handbookData(this.db, familyId, term.id);
    const account = await repo.findAccount(this.db, familyId);
    await this.db.transaction().execute((trx) =>
      recordAudit(trx, ctx, { action: 'points.handbook_read', resourceType: 'family', resourceId: familyId, detail: { basis: 'guardian', termId: term.id } }),
    );
    const bySource = (type: string) => Number(data.totals.find((t) => t.source_type === type)?.points ?? 0);
    const activities = data.activities.filter((a) => a.times > 0);
    const ratings = data.ratings.map((r) => ({ ruleId: r.rule_id, nameZh: r.name_zh, nameEn: r.name_en, ratings: r.ratings, average: Math.round(r.average * 10) / 10 }));
    return {
      family: {
        id: family.id,
        name: family.name,
        guardians: data.guardians.map((g) => g.display_name),
        children: data.children.map((c) => ({ displayName: c.display_name, schoolName: c.school_name, grade: c.grade })),
      },
      term,
      generatedOn: today(),
      points: {
        earned: bySource('home_activity') + bySource('attendance') + bySource('child_rating'),
        redeemed: -bySource('redemption'),
        balance: account?.balance ?? 0,
        homeActivity: bySource('home_activity'),
        attendance: bySource('attendance'),
        childRating: bySource('child_rating'),
      },
      classesAttended: data.attendance.map((a) => ({ heldOn: a.held_on, kind: a.kind, title: a.title, schoolName: a.school_name, attendee: a.attendee })),
      activities: activities.map((a) => ({ ruleId: a.rule_id, nameZh: a.name_zh, nameEn: a.name_en, icon: a.icon, times: a.times, points: a.points })),
      ratings,
      weeksRated: data.weeksRated,
      badges: badgesFor({
        activities: activities.map((a) => ({ code: a.code, times: a.times })),
        homeWeeks: data.homeWeeks,
        attendance: data.attendance,
        ratings,
        weeksRated: data.weeksRated,
      }),
    };
  }

  /** Exposed for tests and tools: the smallest group size aggregates report points for. */
  static readonly minGroupFamilies = MIN_GROUP_FAMILIES;
}
