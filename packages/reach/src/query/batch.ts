/**
 * Per-venue catchments: for each of many origins, every node within the time budget and its time —
 * the answer of pgRouting's `pgr_drivingDistance(edges, ARRAY[venues], distance, equicost => false)`,
 * and what coverage counting needs. (`catchments` in reach.ts is the other semantics: the *nearest*
 * venue per node, one multi-source search.)
 *
 * One search per origin on reused buffers (no O(n) work per origin) with the unordered kernel
 * (`kernelRunUnordered`: same costs, no heap); results in one CSR block.
 * `venueCatchmentsParallel` (parallel.ts) spreads the origins over worker threads.
 */
import { InvalidArgumentError, checkMinutes } from '../errors.ts';
import { seedsFrom, seedsTo } from '../graph/snap.ts';
import type { WalkGraph } from '../graph/types.ts';
import { type Adjacency, adjacency, runSparse, withSearch } from './dijkstra.ts';
import { type Origin, trySnap } from './reach.ts';

/** Options of `venueCatchments`. */
export interface VenueCatchmentsOptions {
  /** Time budget (default 15). */
  minutes?: number;
  /** 'from-venue': time from the venue to the node (forward search); 'to-venue' (default, like `catchments`): from the node to the venue. */
  direction?: 'from-venue' | 'to-venue';
  snapMaxM?: number;
}

/** Per-venue catchments in CSR form. */
export interface VenueCatchments {
  method: 'network';
  cutoffSeconds: number;
  direction: 'from-venue' | 'to-venue';
  /**
   * Entries of origin i are offsets[i] .. offsets[i+1]-1 of `nodes` / `seconds`, in discovery order (not
   * sorted; the unordered kernel is faster and gives the same times).
   */
  offsets: Uint32Array;
  nodes: Uint32Array;
  seconds: Float64Array;
  /** Indices of point origins farther than the snap limit from any street (their catchment is empty). */
  unsnapped: number[];
  /** Edges scanned in total (for throughput figures). */
  relaxations: number;
  /** Threads that took part (1 = sequential). */
  threads: number;
}

/** Seeds of all origins, flattened: origin i owns entries seedOffsets[i] .. seedOffsets[i+1]-1. */
export interface FlatSeeds {
  seedOffsets: Uint32Array;
  seedNodes: Float64Array;
  seedCosts: Float64Array;
  unsnapped: number[];
}

/** Resolves origins to flat seeds (node origins: the node at 0 s; points: both ends of the snapped link). */
export function flattenSeeds(g: WalkGraph, origins: Origin[], reverse: boolean, snapMaxM?: number): FlatSeeds {
  const k = origins.length;
  const seedOffsets = new Uint32Array(k + 1);
  const nodes: number[] = [], costs: number[] = [];
  const unsnapped: number[] = [];
  for (let i = 0; i < k; i++) {
    const o = origins[i];
    if ('node' in o) {
      if (!Number.isInteger(o.node) || o.node < 0 || o.node >= g.nodeCount) {
        throw new InvalidArgumentError(`origin ${i}: node ${o.node} does not exist (the graph has nodes 0..${g.nodeCount - 1})`);
      }
      nodes.push(o.node);
      costs.push(0);
    } else {
      const s = trySnap(g, o.lon, o.lat, snapMaxM);
      if (!s) unsnapped.push(i);
      else for (const nc of reverse ? seedsTo(g, s) : seedsFrom(g, s)) {
        nodes.push(nc.node);
        costs.push(nc.seconds);
      }
    }
    seedOffsets[i + 1] = nodes.length;
  }
  return { seedOffsets, seedNodes: Float64Array.from(nodes), seedCosts: Float64Array.from(costs), unsnapped };
}

/**
 * Growable (node, seconds) output. Pooled (`acquireSink` / `releaseSink`): a batch fills a sink that
 * keeps its capacity between batches, and only the exact-size result arrays are allocated — large
 * short-lived typed arrays are what makes V8 collect garbage.
 */
export class CatchmentSink {
  nodes: Uint32Array;
  seconds: Float64Array;
  length = 0;
  constructor(capacity = 256) {
    this.nodes = new Uint32Array(capacity);
    this.seconds = new Float64Array(capacity);
  }
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.nodes.length) return;
    const cap = Math.max(need, this.nodes.length * 2);
    const a = new Uint32Array(cap);
    a.set(this.nodes.subarray(0, this.length));
    const b = new Float64Array(cap);
    b.set(this.seconds.subarray(0, this.length));
    this.nodes = a;
    this.seconds = b;
  }
}

const sinks: CatchmentSink[] = [];

/** A pooled, empty sink. */
export function acquireSink(): CatchmentSink {
  const s = sinks.pop() ?? new CatchmentSink();
  s.length = 0;
  return s;
}

/** Returns a sink to the pool (at most 4 are kept; a very large one is dropped). */
export function releaseSink(s: CatchmentSink): void {
  if (sinks.length < 4 && s.nodes.length <= 1 << 24) sinks.push(s);
}

/** Runs origins `from .. to-1` sequentially into `sink`; returns per-origin lengths and relaxations. */
export function runOrigins(
  n: number, adj: Adjacency, seeds: FlatSeeds, cutoff: number, from: number, to: number, sink: CatchmentSink, lengths: Uint32Array,
): number {
  return withSearch(n, (st) => {
    let relax = 0;
    const off = seeds.seedOffsets;
    for (let i = from; i < to; i++) {
      const count = runSparse(st, adj, seeds.seedNodes, seeds.seedCosts, null, off[i], off[i + 1], cutoff, 0, false);
      relax += st.relaxations;
      sink.reserve(count);
      const out = sink.nodes, secs = sink.seconds, settled = st.settled, dist = st.dist;
      let p = sink.length;
      for (let k = 0; k < count; k++) {
        const u = settled[k];
        out[p] = u;
        secs[p++] = dist[u];
      }
      sink.length = p;
      lengths[i] = count;
    }
    return relax;
  });
}

/** Checks options; returns cutoff seconds, direction and the adjacency. */
export function catchmentSetup(g: WalkGraph, opts: VenueCatchmentsOptions): { cutoff: number; direction: 'from-venue' | 'to-venue'; reverse: boolean; adj: Adjacency } {
  const minutes = checkMinutes(opts.minutes ?? 15);
  const direction = opts.direction ?? 'to-venue';
  if (direction !== 'from-venue' && direction !== 'to-venue') throw new InvalidArgumentError(`direction must be 'from-venue' or 'to-venue', got ${String(direction)}`);
  const reverse = direction === 'to-venue';
  return { cutoff: minutes * 60, direction, reverse, adj: adjacency(g, reverse) };
}

/** Prefix sums of per-origin lengths. */
export function offsetsFrom(lengths: Uint32Array): Uint32Array {
  const offsets = new Uint32Array(lengths.length + 1);
  for (let i = 0; i < lengths.length; i++) offsets[i + 1] = offsets[i] + lengths[i];
  return offsets;
}

/**
 * Every node within `minutes` of each origin, with its time, one exact search per origin (sequential).
 * Node origins start at the node; point origins are snapped (as in `reach`).
 */
export function venueCatchments(g: WalkGraph, origins: Origin[], opts: VenueCatchmentsOptions = {}): VenueCatchments {
  const { cutoff, direction, reverse, adj } = catchmentSetup(g, opts);
  const seeds = flattenSeeds(g, origins, reverse, opts.snapMaxM);
  const lengths = new Uint32Array(origins.length);
  const sink = acquireSink();
  try {
    const relaxations = runOrigins(g.nodeCount, adj, seeds, cutoff, 0, origins.length, sink, lengths);
    return {
      method: 'network', cutoffSeconds: cutoff, direction, offsets: offsetsFrom(lengths),
      nodes: sink.nodes.slice(0, sink.length), seconds: sink.seconds.slice(0, sink.length), unsnapped: seeds.unsnapped, relaxations, threads: 1,
    };
  } finally {
    releaseSink(sink);
  }
}

/** The catchment of origin i as views (nodes in discovery order, seconds). */
export function catchmentOf(r: VenueCatchments, i: number): { nodes: Uint32Array; seconds: Float64Array } {
  return { nodes: r.nodes.subarray(r.offsets[i], r.offsets[i + 1]), seconds: r.seconds.subarray(r.offsets[i], r.offsets[i + 1]) };
}
