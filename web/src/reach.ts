// The walking-time ("15-minute") part of the API: types of /api/reach/* (the server's zod schemas in
// src/server/modules/reach/reach.schema.ts are the source of truth) and the small rules the screens share.
import type { TFunction } from 'i18next';
import type { Feature, FeatureCollection, LineString, MultiPolygon, Polygon } from 'geojson';
import type { OrgKind, SessionView } from './types.ts';

export type ReachMethod = 'network' | 'estimate';

export interface ReachStatus {
  method: ReachMethod;
  graph: { file: string; source: string; builtAt: string; nodes: number; edges: number; hasElevation: boolean; demTiles: string[] } | null;
  detourFactor: number;
  flatSpeedMps: number;
}

export type BandGeometry = Polygon | MultiPolygon;

export interface IsochroneCollection extends FeatureCollection<BandGeometry, { minutes: number; seconds: number; method: ReachMethod }> {
  method: ReachMethod;
  crs: 'WGS-84';
  origin: { lon: number; lat: number };
}

export interface WalkRoute {
  method: ReachMethod;
  crs: 'WGS-84';
  minutes: number;
  seconds: number;
  distanceM: number;
  climbM: number | null;
  descentM: number | null;
  geometry: LineString;
}

export interface CatchmentProps {
  id: string;
  name: string;
  kind: OrgKind;
  minutes: number;
  method: ReachMethod;
  snapped: boolean;
  illustrative: boolean;
}

export interface CatchmentCollection {
  type: 'FeatureCollection';
  method: ReachMethod;
  crs: 'WGS-84';
  minutes: number;
  features: { type: 'Feature'; properties: CatchmentProps; geometry: BandGeometry | null }[];
}

export interface CategorySummary {
  coveredCells: number;
  coveredShare: number;
  meanMinutes: number | null;
  medianMinutes: number | null;
}

export interface CellSummary {
  cells: number;
  reachableCells: number;
  meanVenuesWithin: number;
  byCategory: Record<string, CategorySummary>;
}

export interface AreaSummary extends CellSummary {
  level: 'subdistrict' | 'community';
  code: string;
  name: string;
  method: ReachMethod;
}

export interface CoverageRun {
  id: string;
  createdAt: string;
  method: ReachMethod;
  cellM: number;
  minutes: number;
  categories: string[];
  venueCount: number;
  cellCount: number;
  graph: Record<string, unknown> | null;
  summary: CellSummary & { venues: number; venuesNotOnGraph: string[] };
  areaSummaries: AreaSummary[];
  areasIllustrative: boolean;
}

export interface CellProps {
  idx: number;
  reachable: boolean;
  minutes: Record<string, number | null>;
  nearestMinutes: number | null;
  venuesWithin: number;
}

export interface CoverageCells extends FeatureCollection<BandGeometry, CellProps> {
  method: ReachMethod;
  crs: 'WGS-84';
  runId: string;
  minutes: number;
  categories: string[];
}

export interface GapPick {
  id: string;
  lon: number;
  lat: number;
  gain: number;
  cumulativeShare: number;
}

export interface GapResult {
  method: ReachMethod;
  category: string | null;
  minutes: number;
  cells: number;
  coveredBefore: number;
  coveredAfter: number;
  shareBefore: number;
  shareAfter: number;
  picks: GapPick[];
  skipped: string[];
}

export type CellFeature = Feature<BandGeometry, CellProps>;

/** Runs coverage and plans new sites: the district office and the guidance centre, in the district scope (as the server checks). */
export function isDistrictStaff(session: SessionView | null): boolean {
  return !!session && session.roles.some((r) => (r.role === 'district_admin' || r.role === 'centre_staff') && r.scopeType === 'district');
}

/** Isochrone band colours, innermost (shortest walk) first. */
export const BAND_COLOURS = ['#1a9850', '#91cf60', '#fee08b', '#fc8d59', '#d73027', '#7f3b08'];

/** Minute classes of a coverage map: ≤ b1, ≤ b2, ≤ b3 (the run's threshold), over, unreachable. */
export const CLASS_COLOURS = ['#1a9850', '#91cf60', '#fee08b', '#f46d43', '#9aa3a0'] as const;

/** Class breaks for a run's threshold: thirds of it (5, 10, 15 for the usual 15 minutes). */
export function minuteBreaks(minutes: number): [number, number, number] {
  const round = (v: number) => Math.round(v * 10) / 10;
  return [round(minutes / 3), round((2 * minutes) / 3), round(minutes)];
}

/** The colour class (index into CLASS_COLOURS) of a cell for a kind (or the nearest of any kind). */
export function cellClass(cell: CellProps, kind: string | null, breaks: [number, number, number]): number {
  if (!cell.reachable) return 4;
  const value = kind ? cell.minutes[kind] : cell.nearestMinutes;
  if (value === null || value === undefined) return 3; // nothing within the search limit
  if (value <= breaks[0]) return 0;
  if (value <= breaks[1]) return 1;
  if (value <= breaks[2]) return 2;
  return 3;
}

/** "network" / "estimate" as a short tag. */
export function methodLabel(t: TFunction, method: ReachMethod): string {
  return t(`reach.method.${method}`);
}

/** The sentence that says how walking times were computed, with the estimate's detour factor and speed. */
export function methodExplanation(t: TFunction, method: ReachMethod, status: ReachStatus | undefined, locale: string): string {
  if (method === 'network') return t('reach.explain.network');
  const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  return t('reach.explain.estimate', {
    detour: status ? nf.format(status.detourFactor) : '?',
    speed: status ? nf.format(status.flatSpeedMps) : '?',
  });
}

export function formatMinutes(locale: string, minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined || !Number.isFinite(minutes)) return '—';
  return new Intl.NumberFormat(locale, { maximumFractionDigits: minutes < 10 ? 1 : 0 }).format(minutes);
}

export function formatShare(locale: string, share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(share);
}

export function formatDistance(t: TFunction, locale: string, metres: number): string {
  if (metres >= 1000) return t('reach.km', { value: new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(metres / 1000) });
  return t('reach.m', { value: new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(metres) });
}

/** A point as the API's "lon,lat" text (6 decimals ≈ 0.1 m; the server's pattern takes no exponent). */
export function lonLatText(lon: number, lat: number): string {
  return `${lon.toFixed(6)},${lat.toFixed(6)}`;
}
