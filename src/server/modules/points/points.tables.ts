import type { ColumnType, Generated, Selectable } from 'kysely';

/** Kysely types of the points bank tables; they mirror `db/migrations/20261123230000_points.sql`. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;
/** `date` columns: read as 'YYYY-MM-DD' text (the repository casts), written as such. */
type DateText = string;

export type RuleKind = 'home_activity' | 'school_attendance' | 'child_rating';
export type AttendanceKind = 'parent_meeting' | 'parent_class' | 'open_day' | 'volunteer_duty';
export type EntryKind = 'award' | 'redemption' | 'reversal';
export type EntrySourceType = 'home_activity' | 'attendance' | 'child_rating' | 'redemption';
export type RedemptionStatus = 'issued' | 'fulfilled' | 'cancelled';

export interface PointsTermsTable {
  id: Generated<string>;
  district_code: string;
  name: string;
  starts_on: DateText;
  ends_on: DateText;
  rating_points: Json<number[]>;
  version: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PointsRulesTable {
  id: Generated<string>;
  term_id: string;
  kind: RuleKind;
  code: string;
  name_zh: string;
  name_en: string;
  icon: Generated<string>;
  points: number | null;
  cap_per_day: number | null;
  cap_per_week: number | null;
  cap_per_term: number | null;
  active: Generated<boolean>;
  sort_order: Generated<number>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PointsAccountsTable {
  family_id: string;
  district_code: string | null;
  balance: Generated<number>;
  entry_count: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PointsPhotosTable {
  id: Generated<string>;
  family_id: string;
  content_type: 'image/jpeg' | 'image/png' | 'image/webp';
  byte_size: number;
  sha256: string;
  storage_path: string;
  uploaded_by: string | null;
  created_at: Timestamp;
}

export interface PointsHomeActivitiesTable {
  id: Generated<string>;
  family_id: string;
  rule_id: string;
  occurred_on: DateText;
  note: string | null;
  photo_id: string | null;
  logged_by: string | null;
  created_at: Timestamp;
}

export interface PointsSchoolEventsTable {
  id: Generated<string>;
  school_id: string;
  kind: AttendanceKind;
  title: string;
  held_on: DateText;
  source: Generated<'staff' | 'parent_school'>;
  source_ref: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  recorded_by: string | null;
  created_at: Timestamp;
}

export interface PointsAttendanceTable {
  id: Generated<string>;
  event_id: string;
  family_id: string;
  guardian_user_id: string;
  recorded_by: string | null;
  created_at: Timestamp;
}

export interface PointsRatingSheetsTable {
  id: Generated<string>;
  family_id: string;
  child_id: string;
  guardian_user_id: string;
  term_id: string;
  week_start: DateText;
  idempotency_key: string;
  request_hash: string;
  created_at: Timestamp;
}

export interface PointsChildRatingsTable {
  sheet_id: string;
  family_id: string;
  child_id: string;
  guardian_user_id: string;
  rule_id: string;
  week_start: DateText;
  value: number;
  points: number;
}

export interface PointsRewardsTable {
  id: Generated<string>;
  district_code: string;
  organisation_id: string;
  title: string;
  description: string | null;
  cost: number;
  stock: number;
  per_family_limit: number | null;
  active: Generated<boolean>;
  version: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PointsEntriesTable {
  id: Generated<string>;
  seq: Generated<number>;
  family_id: string;
  amount: number;
  kind: EntryKind;
  source_type: EntrySourceType;
  source_id: string;
  rule_id: string | null;
  term_id: string | null;
  occurred_on: DateText;
  idempotency_key: string;
  request_hash: string;
  reverses_entry_id: string | null;
  reason: string | null;
  balance_after: number;
  actor_user_id: string | null;
  actor_child_id: string | null;
  created_at: Timestamp;
}

export interface PointsRedemptionsTable {
  id: Generated<string>;
  family_id: string;
  reward_id: string;
  cost: number;
  code: string;
  status: Generated<RedemptionStatus>;
  redeemed_by: string | null;
  fulfilled_by: string | null;
  fulfilled_at: NullableTimestamp;
  cancelled_by: string | null;
  cancelled_at: NullableTimestamp;
  cancel_reason: string | null;
  created_at: Timestamp;
}

export interface PointsTables {
  points_terms: PointsTermsTable;
  points_rules: PointsRulesTable;
  points_accounts: PointsAccountsTable;
  points_photos: PointsPhotosTable;
  points_home_activities: PointsHomeActivitiesTable;
  points_school_events: PointsSchoolEventsTable;
  points_attendance: PointsAttendanceTable;
  points_rating_sheets: PointsRatingSheetsTable;
  points_child_ratings: PointsChildRatingsTable;
  points_rewards: PointsRewardsTable;
  points_entries: PointsEntriesTable;
  points_redemptions: PointsRedemptionsTable;
}

export type TermRow = Selectable<PointsTermsTable>;
export type RuleRow = Selectable<PointsRulesTable>;
export type EntryRow = Selectable<PointsEntriesTable>;
export type RewardRow = Selectable<PointsRewardsTable>;
export type RedemptionRow = Selectable<PointsRedemptionsTable>;
