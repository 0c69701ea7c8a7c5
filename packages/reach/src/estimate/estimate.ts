/**
 * Estimate mode: without a street graph, walking time = straight-line distance × detour factor
 * at flat speed. The detour factor is calibrated on real graphs (see calibrateDetourFactor and
 * docs/WALKING-MODEL.md).
 */
import KDBush from 'kdbush';
import { InvalidArgumentError } from '../errors.ts';
import { LocalProjection, haversineM } from '../geo.ts';
import { DEFAULT_WALKING_PROFILE } from '../profile.ts';
import type { WalkGraph } from '../graph/types.ts';
import { dijkstra } from '../query/dijkstra.ts';

/**
 * Default detour factor (network metres / straight-line metres), from `calibrateDetourFactor` over
 * node pairs 100 m – 2 km apart (500 origins × 10, seed 1): Monaco median 1.377, Andorra 1.537.
 * Monaco — a dense, steep city — is the closer analogue of Yuzhong, so its median, rounded to 1.4,
 * is the default. Numbers and caveats: docs/WALKING-MODEL.md.
 */
export const DEFAULT_DETOUR_FACTOR = 1.4;

/** Options of the estimate mode. */
export interface EstimateOptions {
  detourFactor?: number;
  flatSpeedMps?: number;
}

/** An estimated walking time. */
export interface Estimate {
  method: 'estimate';
  straightM: number;
  distanceM: number;
  seconds: number;
  minutes: number;
}

/** Estimated walk between two points. */
export function estimateWalk(lon1: number, lat1: number, lon2: number, lat2: number, opts: EstimateOptions = {}): Estimate {
  const f = opts.detourFactor ?? DEFAULT_DETOUR_FACTOR;
  const v = opts.flatSpeedMps ?? DEFAULT_WALKING_PROFILE.flatSpeedMps;
  if (!(f >= 1)) throw new InvalidArgumentError(`detour factor must be ≥ 1, got ${f}`);
  if (!(v > 0)) throw new InvalidArgumentError(`flat speed must be > 0, got ${v}`);
  const straightM = haversineM(lon1, lat1, lon2, lat2);
  const distanceM = straightM * f;
  const seconds = distanceM / v;
  return { method: 'estimate', straightM, distanceM, seconds, minutes: seconds / 60 };
}

/** Estimated seconds (the number only). */
export function estimateSeconds(lon1: number, lat1: number, lon2: number, lat2: number, opts: EstimateOptions = {}): number {
  return estimateWalk(lon1, lat1, lon2, lat2, opts).seconds;
}

/** Small seeded PRNG (mulberry32) so calibrations are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Result of a calibration. */
export interface DetourCalibration {
  method: 'network';
  pairs: number;
  origins: number;
  minStraightM: number;
  maxStraightM: number;
  median: number;
  mean: number;
  p25: number;
  p75: number;
  p90: number;
}

/**
 * Ratio of network distance to straight-line distance over random node pairs whose straight-line
 * distance is in [minStraightM, maxStraightM]. For each of `origins` random nodes one distance-weighted
 * search is run and up to `perOrigin` random partners within range are sampled.
 */
export function calibrateDetourFactor(
  g: WalkGraph,
  opts: { origins?: number; perOrigin?: number; minStraightM?: number; maxStraightM?: number; seed?: number } = {},
): DetourCalibration {
  const origins = opts.origins ?? 200;
  const perOrigin = opts.perOrigin ?? 10;
  const minS = opts.minStraightM ?? 100;
  const maxS = opts.maxStraightM ?? 2000;
  const rnd = mulberry32(opts.seed ?? 1);
  const n = g.nodeCount;
  if (n < 2) throw new InvalidArgumentError('graph too small to calibrate');
  let a0 = Infinity, a1 = -Infinity, b0 = Infinity, b1 = -Infinity;
  for (let i = 0; i < n; i++) {
    a0 = Math.min(a0, g.nodeLon[i]);
    a1 = Math.max(a1, g.nodeLon[i]);
    b0 = Math.min(b0, g.nodeLat[i]);
    b1 = Math.max(b1, g.nodeLat[i]);
  }
  const proj = new LocalProjection((a0 + a1) / 2, (b0 + b1) / 2);
  const kd = new KDBush(n);
  for (let i = 0; i < n; i++) kd.add(proj.x(g.nodeLon[i]), proj.y(g.nodeLat[i]));
  kd.finish();
  const ratios: number[] = [];
  let used = 0;
  for (let o = 0; o < origins; o++) {
    const a = Math.floor(rnd() * n);
    const near = kd.within(proj.x(g.nodeLon[a]), proj.y(g.nodeLat[a]), maxS * 1.01).filter((b) => {
      const d = haversineM(g.nodeLon[a], g.nodeLat[a], g.nodeLon[b], g.nodeLat[b]);
      return d >= minS && d <= maxS;
    });
    if (near.length === 0) continue;
    used++;
    const search = dijkstra(g, [{ node: a, seconds: 0 }], { weights: g.meters, cutoff: maxS * 6 });
    for (let k = 0; k < perOrigin; k++) {
      const b = near[Math.floor(rnd() * near.length)];
      const net = search.cost[b];
      if (!Number.isFinite(net)) continue;
      ratios.push(net / haversineM(g.nodeLon[a], g.nodeLat[a], g.nodeLon[b], g.nodeLat[b]));
    }
  }
  if (ratios.length === 0) throw new InvalidArgumentError('no node pairs in range to calibrate on');
  ratios.sort((x, y) => x - y);
  const q = (p: number): number => ratios[Math.min(ratios.length - 1, Math.floor(p * (ratios.length - 1) + 0.5))];
  return {
    method: 'network',
    pairs: ratios.length,
    origins: used,
    minStraightM: minS,
    maxStraightM: maxS,
    median: q(0.5),
    mean: ratios.reduce((s, r) => s + r, 0) / ratios.length,
    p25: q(0.25),
    p75: q(0.75),
    p90: q(0.9),
  };
}
