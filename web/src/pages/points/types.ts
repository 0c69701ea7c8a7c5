// Types of the points API (the server's zod schemas in src/server/modules/points/points.schema.ts are the source).
export interface PointsRule {
  id: string;
  kind: 'home_activity' | 'school_attendance' | 'child_rating';
  code: string;
  nameZh: string;
  nameEn: string;
  icon: string;
  points: number | null;
  capPerDay: number | null;
  capPerWeek: number | null;
  capPerTerm: number | null;
  active: boolean;
  sortOrder?: number;
  version?: number;
}
export interface PointsTerm {
  id: string;
  name: string;
  startsOn: string;
  endsOn: string;
  ratingPoints?: number[];
  version?: number;
}
export interface TermWithRules extends Required<PointsTerm> {
  districtCode: string;
  rules: Required<PointsRule>[];
}
export interface RewardPartner {
  id: string;
  name: string;
  kind: 'guidance_centre' | 'school' | 'community_parent_school' | 'venue';
}
export interface HomeRuleStatus extends PointsRule {
  usedToday: number;
  available: boolean;
}
export interface AccountSummary {
  familyId: string;
  familyName: string;
  balance: number;
  today: string;
  term: PointsTerm | null;
  termTotals: { homeActivity: number; attendance: number; childRating: number; redeemed: number };
  homeRules: HomeRuleStatus[];
}
export interface PointsEntry {
  id: string;
  seq: number;
  amount: number;
  kind: 'award' | 'redemption' | 'reversal';
  sourceType: 'home_activity' | 'attendance' | 'child_rating' | 'redemption';
  occurredOn: string;
  balanceAfter: number;
  createdAt: string;
  reason: string | null;
  reversesEntryId: string | null;
  reversedByEntryId: string | null;
  actor: string | null;
  byChild: boolean;
  rule: { code: string; nameZh: string; nameEn: string; icon: string } | null;
  source: {
    note?: string | null;
    photoId?: string | null;
    eventTitle?: string | null;
    eventKind?: string | null;
    schoolName?: string | null;
    attendee?: string | null;
    weekStart?: string | null;
    rewardTitle?: string | null;
    redemptionCode?: string | null;
  };
}
export interface Reward {
  id: string;
  organisationId: string;
  organisationName: string;
  title: string;
  description: string | null;
  cost: number;
  stock: number;
  perFamilyLimit: number | null;
  active: boolean;
  version?: number;
}
export interface Redemption {
  id: string;
  rewardTitle: string;
  organisationName: string;
  cost: number;
  code: string;
  status: 'issued' | 'fulfilled' | 'cancelled';
  createdAt: string;
  fulfilledAt?: string | null;
}
export interface WeeklyRatings {
  weeks: { weekStart: string; children: number; ratings: number; points: number; behaviours: { ruleId: string; nameZh: string; nameEn: string; icon: string; average: number; ratings: number }[] }[];
}

/** A key per intended action: made when the action is first tried, reused by its retries. */
export function newKey(): string {
  return crypto.randomUUID();
}
