import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { PointsTables } from '../modules/points/points.tables.ts';
import type { DirectoryTables } from '../modules/directory/directory.tables.ts';
import type { StudyTables } from '../modules/study/study.tables.ts';
import type { ClassesTables } from '../modules/classes/classes.tables.ts';

/** Kysely table types; they mirror the SQL migrations (the migrations are the source of truth). */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T = unknown> = ColumnType<T, string, string>;

export type Crs = 'WGS-84' | 'GCJ-02' | 'BD-09';
export type DivisionLevel = 'district' | 'subdistrict' | 'community' | 'workstation';
export type OrgKind = 'guidance_centre' | 'school' | 'community_parent_school' | 'venue';
export type GrantRole = 'district_admin' | 'centre_staff' | 'school_admin' | 'community_admin' | 'venue_manager' | 'teacher';
export type GrantScopeType = 'district' | 'subdistrict' | 'community' | 'organisation';

export interface AppMetaTable {
  key: string;
  value: Json;
  updated_at: Timestamp;
}

export interface DivisionsTable {
  code: string;
  level: DivisionLevel;
  name: string;
  short_name: string;
  parent_code: string | null;
  geometry: Json<GeoJsonGeometry | null> | null;
  geometry_illustrative: Generated<boolean>;
  geometry_source_crs: Crs | null;
  sort_order: Generated<number>;
}

export interface GeoJsonGeometry {
  type: 'Point' | 'Polygon' | 'MultiPolygon';
  coordinates: unknown;
}

export interface OrganisationsTable {
  id: Generated<string>;
  external_id: string | null;
  name: string;
  kind: OrgKind;
  division_code: string | null;
  address: string | null;
  description: string | null;
  email: string | null;
  website: string | null;
  phone: string | null;
  lon: number | null;
  lat: number | null;
  source_crs: Crs | null;
  location_illustrative: Generated<boolean>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: Generated<string>;
  username: string | null;
  phone: string | null;
  display_name: string;
  password_hash: string;
  locale: Generated<'zh-CN' | 'en'>;
  disabled: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RoleGrantsTable {
  id: Generated<string>;
  user_id: string;
  role: GrantRole;
  scope_type: GrantScopeType;
  scope_id: string;
  granted_by: string | null;
  created_at: Timestamp;
}

export interface FamiliesTable {
  id: Generated<string>;
  name: string;
  created_by: string | null;
  created_at: Timestamp;
}

export interface FamilyHomesTable {
  family_id: string;
  lon: number;
  lat: number;
  source_crs: Crs;
  label: string | null;
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface FamilyGuardiansTable {
  family_id: string;
  user_id: string;
  relation: string | null;
  joined_at: Timestamp;
}

export interface ChildrenTable {
  id: Generated<string>;
  family_id: string;
  display_name: string;
  birth_year: number | null;
  school_id: string | null;
  grade: string | null;
  pin_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface FamilyInvitationsTable {
  id: Generated<string>;
  family_id: string;
  code_hash: string;
  relation: string | null;
  created_by: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  accepted_by: string | null;
  accepted_at: NullableTimestamp;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  csrf_token: string;
  child_id: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: Timestamp;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface SignInAttemptsTable {
  id: Generated<number>;
  key: string;
  succeeded: boolean;
  at: Timestamp;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: Timestamp;
  actor_user_id: string | null;
  actor_child_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  ip: string | null;
  detail: Json<Record<string, unknown>>;
}

export interface CoverageRunsTable {
  id: Generated<string>;
  created_at: Timestamp;
  created_by: string | null;
  method: 'network' | 'estimate';
  cell_m: number;
  minutes: number;
  categories: Json<string[]>;
  venues: Json<{ id: string; name: string; category: string; lon: number; lat: number }[]>;
  graph_info: Json<Record<string, unknown> | null> | null;
  summary: Json<Record<string, unknown>>;
  area_summaries: Json<Record<string, unknown>[]>;
  cell_count: number;
  areas_illustrative: Generated<boolean>;
}

export interface CoverageCellsTable {
  run_id: string;
  idx: number;
  lon: number;
  lat: number;
  reachable: boolean;
  minutes: Json<Record<string, number | null>>;
  venues_within: number;
  geometry: Json<{ type: string; coordinates: unknown }>;
}

/**
 * The whole schema. Each domain that owns tables declares them in an interface (here, or in its module's
 * `*.tables.ts`) and the database type is their union.
 */
export interface DB extends CoreTables, ReachTables, DirectoryTables, PointsTables, StudyTables, ClassesTables {}

export interface ReachTables {
  coverage_runs: CoverageRunsTable;
  coverage_cells: CoverageCellsTable;
}

export interface CoreTables {
  app_meta: AppMetaTable;
  divisions: DivisionsTable;
  organisations: OrganisationsTable;
  users: UsersTable;
  role_grants: RoleGrantsTable;
  families: FamiliesTable;
  family_guardians: FamilyGuardiansTable;
  family_homes: FamilyHomesTable;
  children: ChildrenTable;
  family_invitations: FamilyInvitationsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  sign_in_attempts: SignInAttemptsTable;
  audit_events: AuditEventsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type OrganisationRow = Selectable<OrganisationsTable>;
export type DivisionRow = Selectable<DivisionsTable>;
export type RoleGrantRow = Selectable<RoleGrantsTable>;
export type ChildRow = Selectable<ChildrenTable>;
export type FamilyRow = Selectable<FamiliesTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
