/**
 * Estimate-mode isochrones: without a street graph, the area within t minutes is the disc of radius
 * t·speed / detourFactor around the origin, clipped to a boundary when one is given (so a peninsula's disc does
 * not spill over the rivers). Rasterised and contoured like the network isochrones, so both modes return the same
 * GeoJSON shape; every feature says `method: "estimate"`.
 */
import { InvalidArgumentError, checkMinutes } from '../errors.ts';
import { type Boundary, LocalProjection } from '../geo.ts';
import { DEFAULT_WALKING_PROFILE } from '../profile.ts';
import { contourPolygons } from '../query/contour.ts';
import { DEFAULT_DETOUR_FACTOR } from './estimate.ts';

/** Options of `estimateIsochrones`. */
export interface EstimateIsochroneOptions {
  bandsMinutes?: number[];
  detourFactor?: number;
  flatSpeedMps?: number;
  /** Clip to this area (e.g. the district outline): points outside are not counted as reachable. */
  boundary?: Boundary | null;
  /** Raster cell in metres (default 20). */
  cellM?: number;
}

/** Band polygons in the same shape as network isochrones. */
export interface EstimateIsochroneCollection {
  type: 'FeatureCollection';
  method: 'estimate';
  features: {
    type: 'Feature';
    properties: { minutes: number; seconds: number; method: 'estimate'; radiusM: number };
    geometry: { type: 'MultiPolygon'; coordinates: number[][][][] };
  }[];
}

export function estimateIsochrones(lon: number, lat: number, opts: EstimateIsochroneOptions = {}): EstimateIsochroneCollection {
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) {
    throw new InvalidArgumentError(`not a WGS-84 point: ${lon},${lat}`);
  }
  const bands = [...new Set((opts.bandsMinutes ?? [5, 10, 15]).map((m, i) => checkMinutes(m, `band ${i}`)))].sort((a, b) => a - b);
  if (bands.length === 0) throw new InvalidArgumentError('at least one isochrone band is needed');
  const factor = opts.detourFactor ?? DEFAULT_DETOUR_FACTOR;
  const speed = opts.flatSpeedMps ?? DEFAULT_WALKING_PROFILE.flatSpeedMps;
  if (!(factor >= 1)) throw new InvalidArgumentError(`detour factor must be ≥ 1, got ${factor}`);
  if (!(speed > 0)) throw new InvalidArgumentError(`flat speed must be > 0, got ${speed}`);
  const cell = opts.cellM ?? 20;
  if (!(cell > 0)) throw new InvalidArgumentError('cellM must be > 0');
  const boundary = opts.boundary ?? null;
  const proj = new LocalProjection(lon, lat);
  const secondsPerMetre = factor / speed;
  const maxRadius = (bands[bands.length - 1] * 60) / secondsPerMetre;
  const x0 = -maxRadius - 2 * cell;
  const y0 = -maxRadius - 2 * cell;
  const W = Math.ceil((2 * maxRadius + 4 * cell) / cell);
  const H = W;
  const field = new Float32Array(W * H);
  for (let j = 0; j < H; j++) {
    const y = y0 + (j + 0.5) * cell;
    for (let i = 0; i < W; i++) {
      const x = x0 + (i + 0.5) * cell;
      const inside = !boundary || boundary.contains(proj.lon(x), proj.lat(y));
      field[j * W + i] = inside ? Math.hypot(x, y) * secondsPerMetre : Infinity;
    }
  }
  const features = bands.map((minutes) => {
    const level = minutes * 60;
    const cap = level + cell * secondsPerMetre;
    const values = new Float32Array(field.length);
    for (let k = 0; k < field.length; k++) values[k] = field[k]! > cap ? cap : field[k]!;
    const polygons = contourPolygons(values, W, H, level, x0, y0, cell);
    return {
      type: 'Feature' as const,
      properties: { minutes, seconds: level, method: 'estimate' as const, radiusM: Math.round(level / secondsPerMetre) },
      geometry: {
        type: 'MultiPolygon' as const,
        coordinates: polygons.map((polygon) => polygon.map((ring) => ring.map(([x, y]) => [round6(proj.lon(x!)), round6(proj.lat(y!))]))),
      },
    };
  });
  return { type: 'FeatureCollection', method: 'estimate', features };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
