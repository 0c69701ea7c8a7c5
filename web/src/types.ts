// Types of the API as described in docs/API-CONTRACT.md (the server's zod schemas are the source of truth).
import type { Feature, FeatureCollection, Point, Polygon, MultiPolygon } from 'geojson';

export const ROLES = ['district_admin', 'centre_staff', 'school_admin', 'community_admin', 'venue_manager', 'teacher', 'guardian'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPE_TYPES = ['district', 'subdistrict', 'community', 'organisation', 'family'] as const;
export type ScopeType = (typeof SCOPE_TYPES)[number];

export const ORG_KINDS = ['guidance_centre', 'school', 'community_parent_school', 'venue'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export interface RoleGrant {
  id: string;
  role: Role;
  scopeType: ScopeType;
  scopeId: string;
  scopeName: string;
}

export interface SessionView {
  user: { id: string; displayName: string; username: string | null; phoneMasked: string | null; locale: Locale };
  roles: RoleGrant[];
  child: null | { id: string; displayName: string; familyId: string };
  csrfToken: string;
}

export interface LocationView {
  lon: number;
  lat: number;
  crs: 'WGS-84';
  sourceCrs: 'WGS-84' | 'GCJ-02' | 'BD-09';
  illustrative: boolean;
}

export interface OrgView {
  id: string;
  name: string;
  kind: OrgKind;
  divisionCode: string | null;
  divisionName: string | null;
  address: string | null;
  location: LocationView | null;
}

export interface ChildView {
  id: string;
  displayName: string;
  birthYear: number | null;
  schoolId: string | null;
  schoolName: string | null;
  grade: string | null;
  hasPin: boolean;
}

export interface FamilyView {
  id: string;
  name: string;
  guardians: { userId: string; displayName: string; relation: string | null }[];
  children: ChildView[];
}

export interface Invitation {
  code: string;
  expiresAt: string;
}

export interface DistrictCounts {
  subdistricts: number;
  communities: number;
  schools: number;
  communityParentSchools: number;
  venues: number;
  users: number;
  families: number;
}

export type HomeSection =
  | { kind: 'district'; role: Role; district: { code: string; name: string }; counts: DistrictCounts }
  | { kind: 'organisation'; role: Role; organisation: OrgView; counts: { staff: number } }
  | { kind: 'community'; role: Role; community: { code: string; name: string; subdistrictName: string }; organisations: OrgView[] }
  | { kind: 'family'; role: 'guardian'; families: FamilyView[] }
  | { kind: 'child'; child: { id: string; displayName: string } };

export interface Division {
  code: string;
  name: string;
  shortName?: string;
  level: 'district' | 'subdistrict' | 'community' | 'workstation';
  parentCode: string | null;
}

export type AreaGeometry = Polygon | MultiPolygon;

export interface RegistryMap {
  crs: 'WGS-84';
  illustrativeNote: string;
  district: Feature<AreaGeometry, { code?: string; name?: string }>;
  subdistricts: FeatureCollection<AreaGeometry, { code: string; name: string; illustrative: boolean }>;
  communities: FeatureCollection<
    Point,
    { code: string; name: string; subdistrictCode: string; subdistrictName: string; illustrative: boolean; level?: Division['level'] }
  >;
  organisations: FeatureCollection<Point, { id: string; name: string; kind: OrgKind; illustrative: boolean }>;
}

export interface AdminUser {
  id: string;
  displayName: string;
  username: string | null;
  phoneMasked: string | null;
  disabled: boolean;
  roles: RoleGrant[];
}

export interface AuditEvent {
  id: number;
  at: string;
  actor: { userId: string; displayName: string | null } | null;
  actorChildId?: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
}

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface CreatedApiToken extends ApiToken {
  token: string;
}

export interface Paged<T> {
  items: T[];
  total: number;
}
