// The study map (研学地图), study-tour routes (游学线路) and group visits: API types, the one write that needs its own
// header (Idempotency-Key), and the small formatting rules every study page shares.
import type { Feature, LineString, Point } from 'geojson';
import type { TFunction } from 'i18next';
import { ApiError, isApiError, type ApiIssue } from '../../api.ts';
import { hasRole } from '../../session.tsx';
import type { OrgKind, Role, SessionView } from '../../types.ts';

// ---------------------------------------------------------------------------------------------------------------------
// API types (the server's zod schemas in src/server/modules/study/study.schema.ts and directory.schema.ts are the truth)

export interface Term {
  code: string;
  name: string;
  nameEn: string;
}

export interface BaseProperties {
  id: string;
  name: string;
  kind: OrgKind;
  illustrative: boolean;
  categories: Term[];
  designations: Term[];
}

export type BaseFeature = Feature<Point, BaseProperties>;

export interface StudyMap {
  type: 'FeatureCollection';
  crs: 'WGS-84';
  illustrativeNote: string;
  features: BaseFeature[];
}

export interface TaxonomyTerm extends Term {
  id: string;
  taxonomyId: string;
  description: string | null;
  sortOrder: number;
}

export interface Taxonomy {
  id: string;
  name: string;
  nameEn: string;
  description: string | null;
  terms: TaxonomyTerm[];
}

export type WalkMethod = 'network' | 'estimate';
export type RouteStatus = 'draft' | 'published' | 'archived';

export interface RouteLeg {
  minutes: number;
  distanceM: number;
  climbM: number | null;
  method: WalkMethod;
  geometry: LineString;
}

export interface RouteStop {
  position: number;
  organisationId: string;
  name: string;
  kind: OrgKind;
  lon: number | null;
  lat: number | null;
  illustrative: boolean;
  dwellMinutes: number;
  note: string | null;
  legToNext: RouteLeg | null;
}

export interface StudyRoute {
  id: string;
  title: string;
  theme: string | null;
  description: string | null;
  status: RouteStatus;
  version: number;
  updatedAt: string;
  walk: { method: WalkMethod; minutes: number; distanceM: number; climbM: number | null; totalMinutes: number };
  stops: RouteStop[];
}

export interface RouteList {
  items: StudyRoute[];
  total: number;
}

export interface ServiceSchedule {
  freq: 'WEEKLY' | 'MONTHLY' | 'ONCE';
  byday?: string;
  opensAt?: string;
  closesAt?: string;
  validFrom?: string;
  validTo?: string;
  description?: string;
}

export type ServiceType = 'visit' | 'course' | 'activity' | 'consultation' | 'care' | 'study_tour' | 'volunteering';

export interface DirectoryService {
  id: string;
  organisation: { id: string; name: string; kind: OrgKind };
  name: string;
  description: string | null;
  serviceType: ServiceType;
  status: 'active' | 'inactive' | 'defunct';
  audience: 'children' | 'guardians' | 'families';
  minAge: number | null;
  maxAge: number | null;
  isFree: boolean;
  feesDescription: string | null;
  capacity: number | null;
  bookingRequired: boolean;
  contactName: string | null;
  contactPhone: string | null;
  schedules: ServiceSchedule[];
  categories: Term[];
}

export type VisitStatus = 'pending' | 'accepted' | 'declined' | 'cancelled';

export interface VisitRequest {
  id: string;
  service: { id: string; name: string; capacity: number | null };
  venue: { id: string; name: string };
  school: { id: string; name: string };
  visitDate: string;
  groupSize: number;
  note: string | null;
  status: VisitStatus;
  decidedAt: string | null;
  decisionNote: string | null;
  createdAt: string;
}

export interface VisitRequestInput {
  serviceId: string;
  schoolId: string;
  visitDate: string;
  groupSize: number;
  note?: string | null;
}

// ---------------------------------------------------------------------------------------------------------------------
// who may do what (the server decides; these only choose what to offer)

/** Staff who compose study-tour routes (study.service.ts `canPlanRoutes`). */
export const ROUTE_PLANNER_ROLES: Role[] = ['district_admin', 'centre_staff', 'school_admin', 'teacher', 'community_admin'];
/** Staff who request group visits for their school. */
export const SCHOOL_STAFF_ROLES: Role[] = ['school_admin', 'teacher'];
/** Staff who see group visits: the requesting schools and the bases (and the district office). */
export const VISIT_ROLES: Role[] = ['district_admin', 'centre_staff', 'school_admin', 'teacher', 'venue_manager', 'community_admin'];

/** District-wide staff: publish and archive routes, see every draft. */
export function isDistrictStaff(session: SessionView | null): boolean {
  return !!session && session.roles.some((r) => (r.role === 'district_admin' || r.role === 'centre_staff') && r.scopeType === 'district');
}

export function canPlanRoutes(session: SessionView | null): boolean {
  return hasRole(session, ...ROUTE_PLANNER_ROLES);
}

/** Schools the signed-in user may request visits for (school admin or teacher grants on an organisation). */
export function mySchools(session: SessionView | null): { id: string; name: string }[] {
  const seen = new Map<string, string>();
  for (const r of session?.roles ?? []) {
    if ((r.role === 'school_admin' || r.role === 'teacher') && r.scopeType === 'organisation') seen.set(r.scopeId, r.scopeName);
  }
  return [...seen].map(([id, name]) => ({ id, name }));
}

/** Organisations whose incoming visits the user decides directly (venue manager or school admin grants). */
export function myBases(session: SessionView | null): Set<string> {
  return new Set(
    (session?.roles ?? []).filter((r) => (r.role === 'venue_manager' || r.role === 'school_admin') && r.scopeType === 'organisation').map((r) => r.scopeId),
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// the Idempotency-Key write (the shared client in api.ts has no per-request headers)

/** A fresh key for one intended submission: crypto.randomUUID where the page is a secure context, else 122 random bits. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') {
    const b = body as { error: string; message?: unknown; issues?: unknown };
    const issues: ApiIssue[] = Array.isArray(b.issues)
      ? b.issues
          .filter((i): i is ApiIssue => !!i && typeof i === 'object' && typeof (i as ApiIssue).message === 'string')
          .map((i) => ({ path: String(i.path ?? ''), message: i.message, code: i.code }))
      : [];
    return new ApiError(response.status, b.error, typeof b.message === 'string' ? b.message : b.error, issues);
  }
  return new ApiError(response.status, 'bad_response', `HTTP ${response.status} ${response.statusText}`);
}

/**
 * POST /api/study/visit-requests with an Idempotency-Key. The caller keeps the key for one intended request and sends
 * it again when retrying (the server then answers as it did the first time).
 */
export async function requestVisit(input: VisitRequestInput, key: string, csrfToken: string | null): Promise<VisitRequest> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json', 'idempotency-key': key };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch('/api/study/visit-requests', { method: 'POST', headers, body: JSON.stringify(input), credentials: 'same-origin' });
  } catch (error) {
    throw new ApiError(0, 'network_error', error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) throw await errorFrom(response);
  try {
    return (await response.json()) as VisitRequest;
  } catch {
    throw new ApiError(response.status, 'bad_response', 'The server sent a response that is not JSON.');
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// errors the shared `errors` texts do not know

export const STUDY_ERROR_IDS = ['capacity_exceeded', 'invalid_transition', 'idempotency_key_reused', 'idempotency_key_required', 'out_of_scope'] as const;
export type StudyErrorId = (typeof STUDY_ERROR_IDS)[number];

export function studyErrorId(error: unknown): StudyErrorId | null {
  return isApiError(error) && (STUDY_ERROR_IDS as readonly string[]).includes(error.id) ? (error.id as StudyErrorId) : null;
}

// ---------------------------------------------------------------------------------------------------------------------
// formatting

export function termName(term: Term, language: string): string {
  return language.startsWith('en') ? term.nameEn : term.name;
}

/** Whole minutes for people (at least 1 when there is any walk at all). */
export function roundMinutes(minutes: number): number {
  return minutes > 0 ? Math.max(1, Math.round(minutes)) : 0;
}

export function formatMinutes(t: TFunction, minutes: number): string {
  const m = roundMinutes(minutes);
  if (m < 60) return t('study.fmt.minutes', { value: m });
  const h = Math.floor(m / 60);
  const rest = m % 60;
  return rest === 0 ? t('study.fmt.hours', { h }) : t('study.fmt.hoursMinutes', { h, m: rest });
}

export function formatDistance(t: TFunction, metres: number, language: string): string {
  if (metres < 1000) return t('study.fmt.metres', { value: new Intl.NumberFormat(language, { maximumFractionDigits: 0 }).format(metres) });
  return t('study.fmt.km', { value: new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(metres / 1000) });
}

/** Climb in metres, or "—" when the method does not know it (estimates carry no elevation). */
export function formatClimb(t: TFunction, climbM: number | null, language: string): string {
  if (climbM === null) return '—';
  return t('study.fmt.metres', { value: new Intl.NumberFormat(language, { maximumFractionDigits: 0 }).format(climbM) });
}

/** "HH:MM" plus minutes → "HH:MM" (wraps at midnight). */
export function addMinutes(hhmm: string, minutes: number): string {
  const [h, m] = hhmm.split(':').map(Number);
  const total = (((h * 60 + m + Math.round(minutes)) % 1440) + 1440) % 1440;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

/** Arrival and departure at each stop for a tour that starts at `start` (legs and stays rounded as shown). */
export function timetable(stops: RouteStop[], start: string): { arrive: string; leave: string }[] {
  let at = 0;
  return stops.map((stop) => {
    const arrive = addMinutes(start, at);
    at += stop.dwellMinutes;
    const leave = addMinutes(start, at);
    at += stop.legToNext ? roundMinutes(stop.legToNext.minutes) : 0;
    return { arrive, leave };
  });
}

/** Today in China (the program's time zone), as YYYY-MM-DD: the earliest visit date the server accepts. */
export function todayInChina(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
