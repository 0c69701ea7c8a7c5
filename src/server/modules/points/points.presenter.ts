import type { z } from '@hono/zod-openapi';
import type { EntryListRow, RedemptionViewRow, RewardViewRow, RuleViewRow, SchoolEventRow, TermViewRow } from './points.repository.ts';
import type { EntryViewSchema, RedemptionViewSchema, RewardPartnerListSchema, RewardViewSchema, RuleViewSchema, SchoolEventViewSchema, TermViewSchema } from './points.schema.ts';

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export function presentTerm(row: TermViewRow): z.infer<typeof TermViewSchema> {
  return {
    id: row.id,
    districtCode: row.district_code,
    name: row.name,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    ratingPoints: row.rating_points as number[],
    version: row.version,
  };
}

export function presentRule(row: RuleViewRow): z.infer<typeof RuleViewSchema> {
  return {
    id: row.id,
    termId: row.term_id,
    kind: row.kind,
    code: row.code,
    nameZh: row.name_zh,
    nameEn: row.name_en,
    icon: row.icon,
    points: row.points,
    capPerDay: row.cap_per_day,
    capPerWeek: row.cap_per_week,
    capPerTerm: row.cap_per_term,
    active: row.active,
    sortOrder: row.sort_order,
    version: row.version,
  };
}

export function presentTermWithRules({ term, rules }: { term: TermViewRow; rules: RuleViewRow[] }) {
  return { ...presentTerm(term), rules: rules.map(presentRule) };
}

/** An entry with what it came from; evidence fields appear only for its own source type. */
export function presentEntry(row: EntryListRow): z.infer<typeof EntryViewSchema> {
  const source: z.infer<typeof EntryViewSchema>['source'] = { id: row.source_id };
  if (row.source_type === 'home_activity') Object.assign(source, { note: row.home_note, photoId: row.home_photo_id });
  if (row.source_type === 'attendance') {
    Object.assign(source, { eventTitle: row.event_title, eventKind: row.event_kind, schoolName: row.school_name, attendee: row.attendee_name });
  }
  if (row.source_type === 'child_rating') Object.assign(source, { weekStart: row.rating_week_start });
  if (row.source_type === 'redemption') Object.assign(source, { rewardTitle: row.reward_title, redemptionCode: row.redemption_code, redemptionStatus: row.redemption_status });
  return {
    id: row.id,
    seq: row.seq,
    amount: row.amount,
    kind: row.kind,
    sourceType: row.source_type,
    occurredOn: row.occurred_on,
    balanceAfter: row.balance_after,
    createdAt: iso(row.created_at)!,
    reason: row.reason,
    reversesEntryId: row.reverses_entry_id,
    reversedByEntryId: row.reversed_by_entry_id,
    actor: row.actor_child_id ? null : row.actor_name,
    byChild: row.actor_child_id !== null,
    rule:
      row.rule_id && row.rule_code && row.rule_kind
        ? { id: row.rule_id, code: row.rule_code, kind: row.rule_kind, nameZh: row.rule_name_zh!, nameEn: row.rule_name_en!, icon: row.rule_icon! }
        : null,
    source,
  };
}

export function presentSchoolEvent(row: SchoolEventRow & { attendees?: number }): z.infer<typeof SchoolEventViewSchema> {
  return { id: row.id, schoolId: row.school_id, kind: row.kind, title: row.title, heldOn: row.held_on, source: row.source, attendees: Number(row.attendees ?? 0) };
}

export function presentReward(row: RewardViewRow): z.infer<typeof RewardViewSchema> {
  return {
    id: row.id,
    districtCode: row.district_code,
    organisationId: row.organisation_id,
    organisationName: row.organisation_name,
    title: row.title,
    description: row.description,
    cost: row.cost,
    stock: row.stock,
    perFamilyLimit: row.per_family_limit,
    active: row.active,
    version: row.version,
  };
}

export function presentRedemption(row: RedemptionViewRow): z.infer<typeof RedemptionViewSchema> {
  return {
    id: row.id,
    rewardId: row.reward_id,
    rewardTitle: row.reward_title,
    organisationName: row.organisation_name,
    cost: row.cost,
    code: row.code,
    status: row.status,
    createdAt: iso(row.created_at)!,
    fulfilledAt: iso(row.fulfilled_at),
    cancelledAt: iso(row.cancelled_at),
    cancelReason: row.cancel_reason,
  };
}

type RewardPartnerView = z.infer<typeof RewardPartnerListSchema>['items'][number];

/** An organisation a partner may offer rewards for (the picker of the rewards page). */
export function presentRewardPartner(row: { id: string; name: string; kind: RewardPartnerView['kind'] }): RewardPartnerView {
  return { id: row.id, name: row.name, kind: row.kind };
}
