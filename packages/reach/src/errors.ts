/**
 * Typed errors of the reachability engine. Every error carries a stable `code`
 * string so that the HTTP layer can map it to a 4xx answer and the CLI can print
 * a one-line message without a stack trace.
 */

/** Stable machine-readable error codes. Never rename one: clients depend on them. */
export type ReachErrorCode =
  | 'osm_parse_error'
  | 'empty_graph'
  | 'dem_format_error'
  | 'dem_not_covering'
  | 'point_outside_graph'
  | 'invalid_minutes'
  | 'invalid_geojson'
  | 'invalid_venues'
  | 'invalid_argument'
  | 'graph_format_error';

/** Base class: `code` is stable, `message` is for people. */
export class ReachError extends Error {
  readonly code: ReachErrorCode;
  constructor(code: ReachErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An OSM file could not be read: truncated, corrupt, or not OSM at all. */
export class OsmParseError extends ReachError {
  constructor(message: string) {
    super('osm_parse_error', message);
  }
}

/** The extract (after filtering and clipping) contains no walkable way. */
export class EmptyGraphError extends ReachError {
  constructor(message: string) {
    super('empty_graph', message);
  }
}

/** A DEM tile is malformed (wrong size, bad name, bad zip). */
export class DemFormatError extends ReachError {
  constructor(message: string) {
    super('dem_format_error', message);
  }
}

/** The DEM tiles given do not cover (part of) the area of the graph. */
export class DemNotCoveringError extends ReachError {
  /** Tile names (e.g. `N43E008`) that would be needed. */
  readonly missingTiles: string[];
  constructor(message: string, missingTiles: string[]) {
    super('dem_not_covering', message);
    this.missingTiles = missingTiles;
  }
}

/** A point is farther from every walkable edge than the snap limit. */
export class PointOutsideGraphError extends ReachError {
  /** Distance in metres to the nearest walkable edge (Infinity for an empty graph). */
  readonly distanceM: number;
  /** The snap limit in metres that was exceeded. */
  readonly limitM: number;
  constructor(lon: number, lat: number, distanceM: number, limitM: number) {
    super(
      'point_outside_graph',
      Number.isFinite(distanceM)
        ? `point ${lon.toFixed(6)},${lat.toFixed(6)} is ${Math.round(distanceM)} m from the nearest walkable street; the limit is ${limitM} m`
        : `point ${lon.toFixed(6)},${lat.toFixed(6)} cannot be snapped: the graph has no edges`,
    );
    this.distanceM = distanceM;
    this.limitM = limitM;
  }
}

/** A time budget is not a number in (0, 240] minutes. */
export class InvalidMinutesError extends ReachError {
  constructor(message: string) {
    super('invalid_minutes', message);
  }
}

/** GeoJSON input is malformed or of the wrong geometry type. */
export class InvalidGeoJsonError extends ReachError {
  constructor(message: string) {
    super('invalid_geojson', message);
  }
}

/** A venue list (CSV or GeoJSON) is malformed. */
export class InvalidVenuesError extends ReachError {
  constructor(message: string) {
    super('invalid_venues', message);
  }
}

/** Any other invalid argument (bad coordinates, unknown node id, bad option). */
export class InvalidArgumentError extends ReachError {
  constructor(message: string) {
    super('invalid_argument', message);
  }
}

/** A graph file is not ours, of an unknown version, truncated or corrupt. */
export class GraphFormatError extends ReachError {
  constructor(message: string) {
    super('graph_format_error', message);
  }
}

/** Largest time budget accepted, in minutes. Larger budgets are almost always a unit mistake. */
export const MAX_MINUTES = 240;

/**
 * Validates a time budget in minutes and returns it.
 * @throws InvalidMinutesError when not a finite number in (0, 240].
 */
export function checkMinutes(minutes: unknown, what = 'minutes'): number {
  if (typeof minutes !== 'number' || !Number.isFinite(minutes)) {
    throw new InvalidMinutesError(`${what} must be a number, got ${JSON.stringify(minutes)}`);
  }
  if (minutes <= 0) throw new InvalidMinutesError(`${what} must be greater than 0, got ${minutes}`);
  if (minutes > MAX_MINUTES) {
    throw new InvalidMinutesError(`${what} must be at most ${MAX_MINUTES}, got ${minutes}`);
  }
  return minutes;
}

/** Validates a WGS-84 coordinate pair. */
export function checkLonLat(lon: unknown, lat: unknown, what = 'point'): void {
  if (typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat)) {
    throw new InvalidArgumentError(`${what}: longitude and latitude must be finite numbers`);
  }
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    throw new InvalidArgumentError(`${what}: ${lon},${lat} is not a WGS-84 lon,lat (lon in [-180,180], lat in [-90,90])`);
  }
}
