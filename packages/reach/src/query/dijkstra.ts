/**
 * One-to-many / many-to-many Dijkstra on the CSR graph with a binary heap (flatqueue) and lazy
 * deletion. Costs accumulate in float64; edge weights are float32 seconds (or metres).
 */
import FlatQueue from 'flatqueue';
import type { WalkGraph } from '../graph/types.ts';

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

/** Runs Dijkstra from the seeds. Seeds with cost > cutoff are ignored. */
export function dijkstra(g: WalkGraph, seeds: Seed[], opts: SearchOptions = {}): SearchResult {
  const n = g.nodeCount;
  const cutoff = opts.cutoff ?? Infinity;
  const w = opts.weights ?? g.seconds;
  const reverse = !!opts.reverse;
  const cost = new Float64Array(n).fill(Infinity);
  const source = new Int32Array(n).fill(-1);
  const predEdge = new Int32Array(n).fill(-1);
  const settled = new Uint32Array(n);
  const done = new Uint8Array(n);
  let settledCount = 0;
  const q = new FlatQueue<number>();
  seeds.forEach((s, i) => {
    if (s.node < 0 || s.node >= n || !(s.seconds <= cutoff)) return;
    if (s.seconds < cost[s.node]) {
      cost[s.node] = s.seconds;
      source[s.node] = s.source ?? i;
      predEdge[s.node] = -1;
      q.push(s.node, s.seconds);
    }
  });
  const { offsets, targets } = g;
  const rev = reverse ? reverseIndex(g) : null;
  while (q.length > 0) {
    const d = q.peekValue()!;
    const u = q.pop()!;
    if (done[u] || d > cost[u]) continue;
    done[u] = 1;
    settled[settledCount++] = u;
    if (opts.onSettle && opts.onSettle(u, d)) break;
    if (!rev) {
      for (let e = offsets[u], end = offsets[u + 1]; e < end; e++) {
        const v = targets[e];
        const nd = d + w[e];
        if (nd < cost[v] && nd <= cutoff) {
          cost[v] = nd;
          source[v] = source[u];
          predEdge[v] = e;
          q.push(v, nd);
        }
      }
    } else {
      for (let k = rev.offsets[u], end = rev.offsets[u + 1]; k < end; k++) {
        const e = rev.edges[k];
        const v = rev.sources[e];
        const nd = d + w[e];
        if (nd < cost[v] && nd <= cutoff) {
          cost[v] = nd;
          source[v] = source[u];
          predEdge[v] = e;
          q.push(v, nd);
        }
      }
    }
  }
  // Nodes pushed but not settled (stopped early) keep tentative costs; callers use `settled`.
  return { method: 'network', cost, source, predEdge, settled: settled.subarray(0, settledCount), settledCount, reverse, cutoff };
}
