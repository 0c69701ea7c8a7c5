/**
 * Nearest-edge snapping. A kdbush index holds sample points along every link (vertices plus
 * points every ≤ SAMPLE_M metres), each remembering its segment; a query collects the samples
 * within a radius and projects exactly onto their segments. Any point of a segment lies within
 * SAMPLE_M/2 of a sample, so a best distance d ≤ r − SAMPLE_M/2 is provably the nearest.
 */
import KDBush from 'kdbush';
import { PointOutsideGraphError, checkLonLat } from '../errors.ts';
import { LocalProjection, projectOnSegment } from '../geo.ts';
import type { WalkGraph } from './types.ts';

const SAMPLE_M = 20;

/** A point snapped onto a link. */
export interface Snap {
  /** The query point. */
  queryLon: number;
  queryLat: number;
  /** The projected point on the link. */
  lon: number;
  lat: number;
  /** Metres from the query point to the projected point (walked at flat speed). */
  distanceM: number;
  /** Link index. */
  link: number;
  /** Position along the link in vertex units: 0 = first vertex (linkFrom), nv−1 = last vertex (linkTo). */
  u: number;
}

interface SnapIndex {
  proj: LocalProjection;
  kd: KDBush;
  sampleVertex: Uint32Array; // global vertex index i of the segment (i, i+1)
  sampleLink: Uint32Array;
}

const cache = new WeakMap<WalkGraph, SnapIndex>();

function buildIndex(g: WalkGraph): SnapIndex {
  let minLon = Infinity, maxLon = -Infinity, minLat = Infinity, maxLat = -Infinity;
  for (let i = 0; i < g.geomLon.length; i++) {
    const x = g.geomLon[i], y = g.geomLat[i];
    if (x < minLon) minLon = x;
    if (x > maxLon) maxLon = x;
    if (y < minLat) minLat = y;
    if (y > maxLat) maxLat = y;
  }
  const proj = new LocalProjection((minLon + maxLon) / 2 || 0, (minLat + maxLat) / 2 || 0);
  const xs: number[] = [], ys: number[] = [], sv: number[] = [], sl: number[] = [];
  for (let l = 0; l < g.linkCount; l++) {
    const a = g.geomOffsets[l], b = g.geomOffsets[l + 1];
    for (let i = a; i < b - 1; i++) {
      const x0 = proj.x(g.geomLon[i]), y0 = proj.y(g.geomLat[i]);
      const x1 = proj.x(g.geomLon[i + 1]), y1 = proj.y(g.geomLat[i + 1]);
      const len = Math.hypot(x1 - x0, y1 - y0);
      const k = Math.max(1, Math.ceil(len / SAMPLE_M));
      for (let s = 0; s <= k; s++) {
        if (s === k && i < b - 2) continue; // the next segment adds this vertex
        xs.push(x0 + ((x1 - x0) * s) / k);
        ys.push(y0 + ((y1 - y0) * s) / k);
        sv.push(i);
        sl.push(l);
      }
    }
  }
  const kd = new KDBush(Math.max(1, xs.length));
  for (let i = 0; i < xs.length; i++) kd.add(xs[i], ys[i]);
  if (xs.length === 0) kd.add(Infinity, Infinity);
  kd.finish();
  return { proj, kd, sampleVertex: Uint32Array.from(sv), sampleLink: Uint32Array.from(sl) };
}

function index(g: WalkGraph): SnapIndex {
  let ix = cache.get(g);
  if (!ix) {
    ix = buildIndex(g);
    cache.set(g, ix);
  }
  return ix;
}

/**
 * Snaps lon/lat to the nearest point of any link.
 * @throws PointOutsideGraphError (with the actual distance) when farther than `maxM`; with
 *   `exactDistance` false the search stops at the limit and the reported distance is not exact.
 */
export function snapPoint(g: WalkGraph, lon: number, lat: number, maxM: number = g.meta.profile.snapMaxM, exactDistance = true): Snap {
  checkLonLat(lon, lat);
  const ix = index(g);
  if (g.linkCount === 0) throw new PointOutsideGraphError(lon, lat, Infinity, maxM);
  const qx = ix.proj.x(lon), qy = ix.proj.y(lat);
  // Local frame at the query point for exact distances.
  const local = new LocalProjection(lon, lat);
  // Index x is scaled by cos(lat0); a true distance d appears at most d·stretch in the index.
  const stretch = Math.max(1, Math.cos((ix.proj.lat0 * Math.PI) / 180) / Math.max(1e-6, Math.cos((lat * Math.PI) / 180)));
  let r = 2 * SAMPLE_M;
  let bestD = Infinity, bestV = -1, bestT = 0, bestL = -1;
  const seen = new Set<number>();
  for (;;) {
    const ids = ix.kd.within(qx, qy, r * stretch);
    for (const id of ids) {
      const v = ix.sampleVertex[id];
      if (seen.has(v)) continue;
      seen.add(v);
      const p = projectOnSegment(0, 0, local.x(g.geomLon[v]), local.y(g.geomLat[v]), local.x(g.geomLon[v + 1]), local.y(g.geomLat[v + 1]));
      if (p.d < bestD) {
        bestD = p.d;
        bestV = v;
        bestT = p.t;
        bestL = ix.sampleLink[id];
      }
    }
    if (bestD <= r - SAMPLE_M / 2) break;
    // Nothing within r − SAMPLE_M/2 ≥ maxM: provably outside. Only the error message needs the exact distance.
    if (!exactDistance && r - SAMPLE_M / 2 >= maxM) break;
    if (r > 4e7) break;
    r *= 2;
  }
  if (bestV < 0 || bestD > maxM) throw new PointOutsideGraphError(lon, lat, Number.isFinite(bestD) ? bestD : r - SAMPLE_M / 2, maxM);
  const i0 = g.geomOffsets[bestL];
  return {
    queryLon: lon,
    queryLat: lat,
    lon: g.geomLon[bestV] + (g.geomLon[bestV + 1] - g.geomLon[bestV]) * bestT,
    lat: g.geomLat[bestV] + (g.geomLat[bestV + 1] - g.geomLat[bestV]) * bestT,
    distanceM: bestD,
    link: bestL,
    u: bestV - i0 + bestT,
  };
}

/** Value of a per-vertex cumulative array of `link` at position u (linear within a segment). */
export function interpAt(g: WalkGraph, arr: Float32Array | Float64Array, link: number, u: number): number {
  const i0 = g.geomOffsets[link];
  const nv = g.geomOffsets[link + 1] - i0;
  if (u <= 0) return arr[i0];
  if (u >= nv - 1) return arr[i0 + nv - 1];
  const k = Math.floor(u);
  const f = u - k;
  return arr[i0 + k] + (arr[i0 + k + 1] - arr[i0 + k]) * f;
}

/** A node with an initial cost (search seed / target). */
export interface NodeCost {
  node: number;
  seconds: number;
}

/** Seconds walked between the query point and the link (flat speed). */
export function walkOffSeconds(g: WalkGraph, s: Snap): number {
  return s.distanceM / g.meta.profile.flatSpeedMps;
}

/** Nodes reachable *from* the snapped point directly along its link, with their costs (walk-off included). */
export function seedsFrom(g: WalkGraph, s: Snap): NodeCost[] {
  const out: NodeCost[] = [];
  const w = walkOffSeconds(g, s);
  const last = g.geomOffsets[s.link + 1] - 1;
  if (g.linkFwdEdge[s.link] >= 0) out.push({ node: g.linkTo[s.link], seconds: w + g.geomCumFwdS[last] - interpAt(g, g.geomCumFwdS, s.link, s.u) });
  if (g.linkBwdEdge[s.link] >= 0) out.push({ node: g.linkFrom[s.link], seconds: w + interpAt(g, g.geomCumBwdS, s.link, s.u) });
  return out;
}

/** Nodes from which the snapped point is reached directly along its link, with their costs (walk-off included). */
export function seedsTo(g: WalkGraph, s: Snap): NodeCost[] {
  const out: NodeCost[] = [];
  const w = walkOffSeconds(g, s);
  const last = g.geomOffsets[s.link + 1] - 1;
  if (g.linkFwdEdge[s.link] >= 0) out.push({ node: g.linkFrom[s.link], seconds: w + interpAt(g, g.geomCumFwdS, s.link, s.u) });
  if (g.linkBwdEdge[s.link] >= 0) out.push({ node: g.linkTo[s.link], seconds: w + g.geomCumBwdS[last] - interpAt(g, g.geomCumBwdS, s.link, s.u) });
  return out;
}

/**
 * Seconds from snapped point a to snapped point b staying on their common link (Infinity when on
 * different links or when the needed direction is not walkable). Walk-offs of both are included.
 */
export function alongLinkSeconds(g: WalkGraph, a: Snap, b: Snap): number {
  if (a.link !== b.link) return Infinity;
  const l = a.link;
  let s = Infinity;
  if (a.u <= b.u && g.linkFwdEdge[l] >= 0) s = interpAt(g, g.geomCumFwdS, l, b.u) - interpAt(g, g.geomCumFwdS, l, a.u);
  else if (a.u >= b.u && g.linkBwdEdge[l] >= 0) s = interpAt(g, g.geomCumBwdS, l, a.u) - interpAt(g, g.geomCumBwdS, l, b.u);
  return s + walkOffSeconds(g, a) + walkOffSeconds(g, b);
}

/** Snaps a graph node: a zero-distance Snap at the node's end of one of its links. */
export function snapNode(g: WalkGraph, node: number): Snap {
  // Find a link touching the node via its out- or in-edges.
  for (let e = g.offsets[node]; e < g.offsets[node + 1]; e++) {
    const l = g.edgeLink[e];
    const nv = g.geomOffsets[l + 1] - g.geomOffsets[l];
    const u = g.linkFrom[l] === node ? 0 : nv - 1;
    return { queryLon: g.nodeLon[node], queryLat: g.nodeLat[node], lon: g.nodeLon[node], lat: g.nodeLat[node], distanceM: 0, link: l, u };
  }
  for (let l = 0; l < g.linkCount; l++) {
    if (g.linkFrom[l] === node || g.linkTo[l] === node) {
      const nv = g.geomOffsets[l + 1] - g.geomOffsets[l];
      const u = g.linkFrom[l] === node ? 0 : nv - 1;
      return { queryLon: g.nodeLon[node], queryLat: g.nodeLat[node], lon: g.nodeLon[node], lat: g.nodeLat[node], distanceM: 0, link: l, u };
    }
  }
  throw new Error(`node ${node} has no link`);
}
