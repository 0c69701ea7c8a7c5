/**
 * One-to-many / many-to-many Dijkstra on the CSR graph. Costs accumulate in float64; edge weights
 * are float32 seconds (or metres).
 *
 * The search itself is `kernelRun` (kernel.ts): a two-level bucket + binary-heap queue over
 * reusable typed arrays. `dijkstra` keeps its original contract — dense, freshly allocated result
 * arrays the caller owns — so it still costs O(n) per call for those arrays. Batch callers that only
 * need the reached nodes use `withSearch` / `runSparse` instead, which reuse one set of buffers and
 * cost O(reached).
 */
import type { WalkGraph } from '../graph/types.ts';
import { type KernelState, TRACK_LABELS, TRACK_PRED, createKernelState, kernelReset, kernelRun, kernelRunUnordered } from './kernel.ts';

/** A search seed: start node, initial cost, and an optional source label (e.g. venue index). */
export interface Seed {
  node: number;
  seconds: number;
  source?: number;
}

/** Options of `dijkstra`. */
export interface SearchOptions {
  /** Do not settle nodes farther than this (in weight units; default Infinity). */
  cutoff?: number;
  /** Search against edge direction: costs become "from the node to the seeds". */
  reverse?: boolean;
  /** Edge weights; default `g.seconds`. Pass `g.meters` for distances. */
  weights?: Float32Array;
  /** Called when a node is settled; return true to stop the search. */
  onSettle?: (node: number, cost: number) => boolean | void;
}

/** Result of a search; arrays are indexed by node. */
export interface SearchResult {
  method: 'network';
  /** Cost to each node (Infinity if not reached within the cutoff). */
  cost: Float64Array;
  /** Seed label of the nearest seed (−1 if unreached). */
  source: Int32Array;
  /** Edge by which the node was reached (−1 for seeds and unreached nodes). In reverse searches the edge leaves the node. */
  predEdge: Int32Array;
  /** Settled nodes in order of cost (subarray of length `settledCount`). */
  settled: Uint32Array;
  settledCount: number;
  reverse: boolean;
  cutoff: number;
  /**
   * True when the search ran to the end (not stopped by `onSettle`): then exactly the settled nodes
   * have finite costs. Absent on results built elsewhere (treated as unknown).
   */
  complete?: boolean;
}

interface Reverse {
  offsets: Uint32Array;
  edges: Uint32Array;
  sources: Uint32Array;
}
const reverseCache = new WeakMap<WalkGraph, Reverse>();

/** Source node of every edge (computed once per graph). */
export function edgeSources(g: WalkGraph): Uint32Array {
  return reverseIndex(g).sources;
}

/** Reverse adjacency (in-edges per node), built lazily and cached per graph. */
export function reverseIndex(g: WalkGraph): Reverse {
  let r = reverseCache.get(g);
  if (r) return r;
  const n = g.nodeCount, m = g.edgeCount;
  const sources = new Uint32Array(m);
  for (let u = 0; u < n; u++) for (let e = g.offsets[u]; e < g.offsets[u + 1]; e++) sources[e] = u;
  const offsets = new Uint32Array(n + 1);
  for (let e = 0; e < m; e++) offsets[g.targets[e] + 1]++;
  for (let v = 0; v < n; v++) offsets[v + 1] += offsets[v];
  const pos = offsets.slice(0, n);
  const edges = new Uint32Array(m);
  for (let e = 0; e < m; e++) edges[pos[g.targets[e]]++] = e;
  r = { offsets, edges, sources };
  reverseCache.set(g, r);
  return r;
}

/**
 * Adjacency in one search direction, laid out for the kernel: the neighbours and weights of node u
 * are contiguous (`targets[k]`, `weights[k]` for k in offsets[u] .. offsets[u+1]-1). Forward it is the
 * graph's own CSR (no copy); reverse it is a copy with the weights permuted into in-edge order, so the
 * reverse search reads as few arrays as the forward one. `edgeIds[k]` is the graph edge (null forward).
 */
export interface Adjacency {
  nodeCount: number;
  offsets: Uint32Array;
  targets: Uint32Array;
  weights: Float32Array;
  edgeIds: Uint32Array | null;
  /** Bucket width for the ordered kernel's queue (weight units): median edge / 20. */
  delta: number;
  /** Bucket width for the unordered kernel (Δ-stepping): median edge / 2. */
  deltaUnordered: number;
}

const adjCache = new WeakMap<WalkGraph, Map<string, { w: Float32Array; adj: Adjacency }[]>>();

/**
 * Bucket width for `fraction` of the median edge weight, at least 1e-3. Measured best (bench:kernel,
 * docs/BENCHMARKS.md): 1/20 for the ordered kernel, 1/2 for the unordered one.
 */
export function bucketWidth(weights: Float32Array, fraction = 1 / 20): number {
  const m = weights.length;
  if (m === 0) return 1;
  // Median of a sample (exact for small graphs).
  const step = Math.max(1, Math.floor(m / 4096));
  const sample: number[] = [];
  for (let e = 0; e < m; e += step) sample.push(weights[e]);
  sample.sort((a, b) => a - b);
  const med = sample[sample.length >> 1];
  return Math.max(1e-3, med * fraction);
}

/** The kernel's adjacency for a direction and weight array (built once per graph, cached). */
export function adjacency(g: WalkGraph, reverse = false, weights: Float32Array = g.seconds): Adjacency {
  let byKey = adjCache.get(g);
  if (!byKey) {
    byKey = new Map();
    adjCache.set(g, byKey);
  }
  const key = reverse ? 'rev' : 'fwd';
  let list = byKey.get(key);
  if (!list) {
    list = [];
    byKey.set(key, list);
  }
  for (const x of list) if (x.w === weights) return x.adj;
  let adj: Adjacency;
  if (!reverse) {
    adj = {
      nodeCount: g.nodeCount, offsets: g.offsets, targets: g.targets, weights, edgeIds: null,
      delta: bucketWidth(weights), deltaUnordered: bucketWidth(weights, 1 / 2),
    };
  } else {
    const r = reverseIndex(g);
    const m = g.edgeCount;
    const targets = new Uint32Array(m), w = new Float32Array(m);
    for (let k = 0; k < m; k++) {
      const e = r.edges[k];
      targets[k] = r.sources[e];
      w[k] = weights[e];
    }
    adj = {
      nodeCount: g.nodeCount, offsets: r.offsets, targets, weights: w, edgeIds: r.edges,
      delta: bucketWidth(weights), deltaUnordered: bucketWidth(weights, 1 / 2),
    };
  }
  list.push({ w: weights, adj });
  return adj;
}

// Scratch states per graph size, reused by `withSearch` (a free list, so nested use is safe).
const statePool = new Map<number, KernelState[]>();

/**
 * Runs `fn` with a pooled kernel state for `n` nodes (dist all Infinity on entry). Results living in
 * the state (dist, settled, label) are valid only inside `fn`.
 */
export function withSearch<T>(n: number, fn: (st: KernelState) => T): T {
  let free = statePool.get(n);
  if (!free) {
    free = [];
    statePool.set(n, free);
  }
  const st = free.pop() ?? createKernelState(n);
  try {
    return fn(st);
  } finally {
    kernelReset(st);
    free.push(st);
  }
}

/** Drops the pooled scratch states (memory: ~37 bytes per node each). */
export function releaseSearchBuffers(): void {
  statePool.clear();
}

/**
 * A sparse search into a pooled state: afterwards `st.dist` is the dense cost array (Infinity where
 * not reached) and `st.settled[0 .. count-1]` the reached nodes — in order of cost when `ordered`
 * (the default), else in discovery order from the faster unordered kernel (same costs, bit for bit).
 */
export function runSparse(
  st: KernelState, adj: Adjacency, seedNodes: ArrayLike<number>, seedCosts: ArrayLike<number>, seedLabels: ArrayLike<number> | null,
  seedStart: number, seedEnd: number, cutoff: number, flags = 0, ordered = true,
): number {
  return ordered
    ? kernelRun(st, adj.offsets, adj.targets, adj.weights, adj.edgeIds, seedNodes, seedCosts, seedLabels, seedStart, seedEnd, cutoff, adj.delta, flags, null)
    : kernelRunUnordered(st, adj.offsets, adj.targets, adj.weights, adj.edgeIds, seedNodes, seedCosts, seedLabels, seedStart, seedEnd, cutoff, adj.deltaUnordered, flags);
}

/** Runs Dijkstra from the seeds. Seeds with cost > cutoff are ignored. */
export function dijkstra(g: WalkGraph, seeds: Seed[], opts: SearchOptions = {}): SearchResult {
  const n = g.nodeCount;
  const cutoff = opts.cutoff ?? Infinity;
  const reverse = !!opts.reverse;
  const adj = adjacency(g, reverse, opts.weights ?? g.seconds);
  const k = seeds.length;
  const seedNodes = new Float64Array(k), seedCosts = new Float64Array(k), seedLabels = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const s = seeds[i];
    // Non-integer nodes are out of range like negative ones (the kernel ignores them).
    seedNodes[i] = Number.isInteger(s.node) ? s.node : -1;
    seedCosts[i] = s.seconds;
    seedLabels[i] = s.source ?? i;
  }
  // The caller owns the result: fresh dense arrays swapped into a pooled state for the run (the same
  // object every time, so the kernel's property accesses stay monomorphic), scratch reused.
  return withSearch(n, (st) => {
    const keep = { dist: st.dist, label: st.label, pred: st.pred, settled: st.settled, touchedCount: st.touchedCount };
    const cost = new Float64Array(n).fill(Infinity);
    const source = new Int32Array(n).fill(-1);
    const predEdge = new Int32Array(n).fill(-1);
    const settled = new Uint32Array(n);
    st.dist = cost;
    st.label = source;
    st.pred = predEdge;
    st.settled = settled;
    st.touchedCount = 0; // nothing to reset in the fresh arrays
    let count: number;
    let stopped = false;
    const onSettle = opts.onSettle;
    const settle = onSettle ? (u: number, d: number): boolean => (stopped = !!onSettle(u, d)) : null;
    try {
      count = kernelRun(
        st, adj.offsets, adj.targets, adj.weights, adj.edgeIds, seedNodes, seedCosts, seedLabels, 0, k, cutoff, adj.delta,
        TRACK_LABELS | TRACK_PRED, settle,
      );
    } finally {
      // The pooled arrays were untouched (still all Infinity): restore them with an empty reset list.
      st.dist = keep.dist;
      st.label = keep.label;
      st.pred = keep.pred;
      st.settled = keep.settled;
      st.touchedCount = keep.touchedCount;
    }
    // Nodes pushed but not settled (stopped early) keep tentative costs; callers use `settled`.
    return {
      method: 'network', cost, source, predEdge, settled: settled.subarray(0, count), settledCount: count, reverse, cutoff, complete: !stopped,
    };
  });
}
