/** One-to-many reach and multi-venue catchments. */
import { InvalidArgumentError, checkMinutes } from '../errors.ts';
import { type Snap, alongLinkSeconds, seedsFrom, seedsTo, snapNode, snapPoint } from '../graph/snap.ts';
import type { WalkGraph } from '../graph/types.ts';
import { type SearchResult, type Seed, dijkstra } from './dijkstra.ts';

/** An origin: a graph node or a WGS-84 point to snap. */
export type Origin = { node: number } | { lon: number; lat: number };

/** Resolves an origin to a Snap (nodes become zero-distance snaps). */
export function resolveOrigin(g: WalkGraph, o: Origin, snapMaxM?: number): Snap {
  if ('node' in o) {
    if (!Number.isInteger(o.node) || o.node < 0 || o.node >= g.nodeCount) {
      throw new InvalidArgumentError(`node ${o.node} does not exist (the graph has nodes 0..${g.nodeCount - 1})`);
    }
    return snapNode(g, o.node);
  }
  return snapPoint(g, o.lon, o.lat, snapMaxM);
}

/** Result of a one-to-many search within a time budget. */
export interface ReachResult {
  method: 'network';
  cutoffSeconds: number;
  /** The origin as snapped (null when starting at a node). */
  snap: Snap | null;
  originNode: number | null;
  /** Seconds to each node (Infinity beyond the cutoff). */
  seconds: Float64Array;
  /** Nodes within the cutoff, nearest first. */
  reached: Uint32Array;
  /** The raw search (for isochrones and routes). */
  search: SearchResult;
}

/**
 * Walking time from an origin to every node within `minutes`. From a point, both ends of the snapped
 * link are seeded with their partial costs (plus the walk-off at flat speed).
 */
export function reach(g: WalkGraph, origin: Origin, opts: { minutes?: number; snapMaxM?: number } = {}): ReachResult {
  const minutes = checkMinutes(opts.minutes ?? 15);
  const cutoff = minutes * 60;
  let seeds: Seed[];
  let snap: Snap | null = null;
  let originNode: number | null = null;
  if ('node' in origin) {
    resolveOrigin(g, origin);
    originNode = origin.node;
    seeds = [{ node: origin.node, seconds: 0 }];
  } else {
    snap = resolveOrigin(g, origin, opts.snapMaxM);
    seeds = seedsFrom(g, snap).map((s) => ({ node: s.node, seconds: s.seconds, source: 0 }));
  }
  const search = dijkstra(g, seeds, { cutoff });
  return { method: 'network', cutoffSeconds: cutoff, snap, originNode, seconds: search.cost, reached: search.settled, search };
}

/** A venue (or any point of interest) to compute catchments for. */
export interface VenuePoint {
  lon: number;
  lat: number;
}

/** Multi-venue catchments. */
export interface CatchmentResult {
  method: 'network';
  cutoffSeconds: number;
  /** 'from-venue': seconds from the nearest venue to each node; 'to-venue': from each node to its nearest venue. */
  direction: 'from-venue' | 'to-venue';
  /** Per node: index of the nearest venue (−1 if none within the cutoff). */
  nearest: Int32Array;
  /** Per node: seconds to/from that venue (Infinity if none). */
  seconds: Float64Array;
  /** Per venue: nodes for which it is the nearest venue (Voronoi catchment within the cutoff). */
  perVenue: Uint32Array[];
  /** Per venue: its snap, or null when it lies farther than the snap limit (then it serves nothing). */
  snaps: (Snap | null)[];
}

/**
 * Nearest venue and time for every node, in one multi-source search. Venues that cannot be snapped
 * are reported with a null snap instead of failing the whole query.
 */
export function catchments(
  g: WalkGraph,
  venues: VenuePoint[],
  opts: { minutes?: number; direction?: 'from-venue' | 'to-venue'; snapMaxM?: number } = {},
): CatchmentResult {
  const minutes = checkMinutes(opts.minutes ?? 15);
  const direction = opts.direction ?? 'to-venue';
  const snaps = venues.map((v) => trySnap(g, v.lon, v.lat, opts.snapMaxM));
  const seeds: Seed[] = [];
  snaps.forEach((s, i) => {
    if (!s) return;
    for (const nc of direction === 'from-venue' ? seedsFrom(g, s) : seedsTo(g, s)) seeds.push({ node: nc.node, seconds: nc.seconds, source: i });
  });
  const search = dijkstra(g, seeds, { cutoff: minutes * 60, reverse: direction === 'to-venue' });
  const counts = new Uint32Array(venues.length);
  for (let k = 0; k < search.settledCount; k++) counts[search.source[search.settled[k]]]++;
  const perVenue = venues.map((_, i) => new Uint32Array(counts[i]));
  const fill = new Uint32Array(venues.length);
  for (let k = 0; k < search.settledCount; k++) {
    const u = search.settled[k];
    const s = search.source[u];
    perVenue[s][fill[s]++] = u;
  }
  const nearest = new Int32Array(g.nodeCount).fill(-1);
  const seconds = new Float64Array(g.nodeCount).fill(Infinity);
  for (let k = 0; k < search.settledCount; k++) {
    const u = search.settled[k];
    nearest[u] = search.source[u];
    seconds[u] = search.cost[u];
  }
  return { method: 'network', cutoffSeconds: minutes * 60, direction, nearest, seconds, perVenue, snaps };
}

/** Snap that returns null instead of throwing PointOutsideGraphError. */
export function trySnap(g: WalkGraph, lon: number, lat: number, maxM?: number): Snap | null {
  try {
    return snapPoint(g, lon, lat, maxM, false);
  } catch (e) {
    if ((e as { code?: string }).code === 'point_outside_graph') return null;
    throw e;
  }
}

/**
 * Seconds to walk from the search origin(s) to snapped point `t`, given a *forward* search
 * (`search.reverse` false) and optional source snaps for the same-link shortcut.
 */
export function secondsToSnap(g: WalkGraph, search: SearchResult, t: Snap, sources: Snap[] = []): number {
  let best = Infinity;
  if (!search.reverse) {
    for (const s of seedsTo(g, t)) best = Math.min(best, search.cost[s.node] + s.seconds);
    for (const s of sources) best = Math.min(best, alongLinkSeconds(g, s, t));
  } else {
    for (const s of seedsFrom(g, t)) best = Math.min(best, search.cost[s.node] + s.seconds);
    for (const s of sources) best = Math.min(best, alongLinkSeconds(g, t, s));
  }
  return best;
}
