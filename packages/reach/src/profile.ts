/**
 * The walking profile: which OSM ways are walkable and how long walking takes.
 * All numbers are collected in one `WalkingProfile` object; docs/WALKING-MODEL.md
 * explains each default and its source.
 */
import { InvalidArgumentError } from './errors.ts';

/** Everything that decides walkability and walking time. */
export interface WalkingProfile {
  /** Speed on flat ground in m/s (also used for walk-off to/from snapped points). */
  flatSpeedMps: number;
  /** Apply Tobler's hiking function when elevation is known. */
  tobler: boolean;
  /** Slopes are clamped to ±this (dimensionless, 1 = 45°) before Tobler, against DEM noise. */
  maxSlope: number;
  /** Maximum horizontal length in metres of a piece over which slope is sampled. */
  slopeSampleM: number;
  /** Vertical speed in m/s climbing `highway=steps`. */
  stepsUpVerticalMps: number;
  /** Vertical speed in m/s descending `highway=steps`. */
  stepsDownVerticalMps: number;
  /**
   * Minimum rise per horizontal metre assumed for steps (SRTM cannot see a flight of stairs);
   * also the rise used when no elevation is known.
   */
  stepsMinGradient: number;
  /** Time in seconds to use a `highway=elevator` way, waiting included, regardless of length. */
  elevatorSeconds: number;
  /** `highway=*` values that are walkable unless access tags say otherwise. */
  walkableHighways: string[];
  /** `highway=*` values walkable only with an explicit foot=yes/designated/permissive. */
  footOnlyIfTaggedHighways: string[];
  /** `foot`/`access` values that forbid walking. */
  deniedAccess: string[];
  /** `foot` values that allow walking (they override `access` and `footOnlyIfTaggedHighways`). */
  allowedFoot: string[];
  /** Honour `oneway:foot=yes|-1` (plain `oneway` never applies to pedestrians). */
  onewayFoot: boolean;
  /** Pedestrian areas (`area=yes`): entrances are joined by straight lines across the area, up to this many entrances. */
  areaMaxEntrances: number;
  /** Default snap limit in metres: points farther than this from any walkable edge are "outside". */
  snapMaxM: number;
  /** Isochrones: distance in metres one may walk off a reached street (buffer width). */
  walkOffM: number;
  /** Isochrones: raster cell size in metres. */
  isochroneCellM: number;
}

/** The defaults. Frozen: copy with `makeProfile({...})` to change something. */
export const DEFAULT_WALKING_PROFILE: Readonly<WalkingProfile> = Object.freeze({
  flatSpeedMps: 1.25,
  tobler: true,
  maxSlope: 1,
  slopeSampleM: 30,
  stepsUpVerticalMps: 0.25,
  stepsDownVerticalMps: 0.35,
  stepsMinGradient: 0.5,
  elevatorSeconds: 45,
  walkableHighways: Object.freeze([
    'footway', 'path', 'pedestrian', 'steps', 'living_street', 'residential', 'service',
    'unclassified', 'road', 'track', 'tertiary', 'tertiary_link', 'secondary', 'secondary_link',
    'primary', 'primary_link', 'trunk', 'trunk_link', 'cycleway', 'bridleway', 'corridor',
    'elevator', 'platform', 'crossing',
  ]) as unknown as string[],
  footOnlyIfTaggedHighways: Object.freeze(['motorway', 'motorway_link']) as unknown as string[],
  deniedAccess: Object.freeze(['no', 'private', 'military', 'use_sidepath']) as unknown as string[],
  allowedFoot: Object.freeze(['yes', 'designated', 'permissive', 'destination', 'official', 'customers']) as unknown as string[],
  onewayFoot: true,
  areaMaxEntrances: 40,
  snapMaxM: 500,
  walkOffM: 40,
  isochroneCellM: 10,
});

/** Returns a complete, validated profile: defaults overridden by `overrides`. */
export function makeProfile(overrides: Partial<WalkingProfile> = {}): WalkingProfile {
  const p: WalkingProfile = {
    ...DEFAULT_WALKING_PROFILE,
    walkableHighways: [...DEFAULT_WALKING_PROFILE.walkableHighways],
    footOnlyIfTaggedHighways: [...DEFAULT_WALKING_PROFILE.footOnlyIfTaggedHighways],
    deniedAccess: [...DEFAULT_WALKING_PROFILE.deniedAccess],
    allowedFoot: [...DEFAULT_WALKING_PROFILE.allowedFoot],
    ...overrides,
  };
  const positive: (keyof WalkingProfile)[] = [
    'flatSpeedMps', 'maxSlope', 'slopeSampleM', 'stepsUpVerticalMps', 'stepsDownVerticalMps',
    'snapMaxM', 'isochroneCellM',
  ];
  for (const k of positive) {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new InvalidArgumentError(`walking profile: ${k} must be a positive number, got ${String(v)}`);
    }
  }
  for (const k of ['stepsMinGradient', 'elevatorSeconds', 'walkOffM', 'areaMaxEntrances'] as const) {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new InvalidArgumentError(`walking profile: ${k} must be a number ≥ 0, got ${String(v)}`);
    }
  }
  return p;
}

/**
 * Tobler's hiking function scaled so that flat ground gives `flatSpeedMps`:
 *   v(s) = flat · exp(−3.5·(|s + 0.05| − 0.05)),
 * which is Tobler's 6·exp(−3.5·|s+0.05|) km/h multiplied by flat / (6·e^−0.175 km/h).
 * The fastest speed (flat·e^0.175 ≈ 1.19·flat) is on a 5 % downhill.
 * @param slope rise over run (dh/dx), positive uphill.
 */
export function toblerSpeed(slope: number, profile: Pick<WalkingProfile, 'flatSpeedMps' | 'maxSlope'>): number {
  const s = Math.max(-profile.maxSlope, Math.min(profile.maxSlope, slope));
  return profile.flatSpeedMps * Math.exp(-3.5 * (Math.abs(s + 0.05) - 0.05));
}

/**
 * Seconds to walk a flight of steps. Pedestrians on stairs are limited either by their
 * horizontal pace or by their vertical rate, whichever is slower:
 *   t = max(horizontal / flat, rise / v_up)   climbing
 *   t = max(horizontal / flat, drop / v_down) descending
 * @param rise metres gained in the walking direction (negative = descending); NaN = unknown direction.
 */
export function stepsSeconds(horizontalM: number, rise: number, profile: WalkingProfile): number {
  const flatT = horizontalM / profile.flatSpeedMps;
  const minV = horizontalM * profile.stepsMinGradient;
  if (Number.isNaN(rise)) {
    // Direction unknown: average of the up and down times over the assumed rise.
    const up = Math.max(flatT, minV / profile.stepsUpVerticalMps);
    const down = Math.max(flatT, minV / profile.stepsDownVerticalMps);
    return (up + down) / 2;
  }
  const v = Math.max(Math.abs(rise), minV);
  return rise >= 0 ? Math.max(flatT, v / profile.stepsUpVerticalMps) : Math.max(flatT, v / profile.stepsDownVerticalMps);
}

/** What kind of walkable way a way is. */
export const WayKind = { Normal: 0, Steps: 1, Elevator: 2 } as const;
/** 0 = normal, 1 = steps, 2 = elevator. */
export type WayKind = (typeof WayKind)[keyof typeof WayKind];

/** The walking-relevant reading of a way's tags. */
export interface WayClass {
  kind: WayKind;
  /** Walking in the way's node order is allowed. */
  forward: boolean;
  /** Walking against the way's node order is allowed. */
  backward: boolean;
  /** For steps: +1 = rising in way direction, −1 = falling, 0 = unknown (from `incline`). */
  incline: number;
  /** A pedestrian area (closed way with area=yes). */
  area: boolean;
  /** A bridge or tunnel: its interior does not follow the DEM ground surface. */
  structure: boolean;
}

/**
 * Decides whether a way is walkable under `profile` and how. Returns null when not walkable.
 * Rules (in this order): route=ferry → no; foot in deniedAccess → no; highway not walkable and not
 * explicitly foot-allowed → no; foot in allowedFoot → yes; access in deniedAccess → no; otherwise yes.
 */
export function classifyWay(tags: Record<string, string>, profile: WalkingProfile): WayClass | null {
  const highway = tags.highway;
  if (highway === undefined) return null;
  if (tags.route === 'ferry' || tags.ferry !== undefined) return null;
  const foot = tags.foot;
  if (foot !== undefined && profile.deniedAccess.includes(foot)) return null;
  const footAllowed = foot !== undefined && profile.allowedFoot.includes(foot);
  const walkableType = profile.walkableHighways.includes(highway);
  if (!walkableType && !(footAllowed && profile.footOnlyIfTaggedHighways.includes(highway))) return null;
  if (!footAllowed) {
    const access = tags.access;
    if (access !== undefined && profile.deniedAccess.includes(access)) return null;
  }
  let forward = true;
  let backward = true;
  if (profile.onewayFoot) {
    const ow = tags['oneway:foot'];
    if (ow === 'yes' || ow === 'true' || ow === '1') backward = false;
    else if (ow === '-1' || ow === 'reverse') forward = false;
  }
  const kind = highway === 'steps' ? WayKind.Steps : highway === 'elevator' ? WayKind.Elevator : WayKind.Normal;
  let incline = 0;
  const inc = tags.incline;
  if (inc !== undefined) {
    if (inc === 'up') incline = 1;
    else if (inc === 'down') incline = -1;
    else {
      const n = parseFloat(inc);
      if (Number.isFinite(n) && n !== 0) incline = Math.sign(n);
    }
  }
  const area = tags.area === 'yes';
  const structure = (tags.bridge !== undefined && tags.bridge !== 'no') || (tags.tunnel !== undefined && tags.tunnel !== 'no');
  return { kind, forward, backward, incline, area, structure };
}
