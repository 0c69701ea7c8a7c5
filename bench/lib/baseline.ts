/**
 * The engine's search as it was before the kernel (commit dd3b534, `packages/reach/src/query/dijkstra.ts`),
 * forward only: a flatqueue binary heap with lazy deletion and fresh O(n) result arrays per search.
 * Kept verbatim (minus options) as the "straightforward binary-heap Dijkstra over typed arrays"
 * baseline of the benchmarks.
 */
import FlatQueue from 'flatqueue';
import type { WalkGraph } from '../../packages/reach/src/index.ts';

export function previousDijkstra(g: WalkGraph, seeds: { node: number; seconds: number; source?: number }[], cutoff: number): {
  cost: Float64Array; source: Int32Array; predEdge: Int32Array; settled: Uint32Array; settledCount: number;
} {
  const n = g.nodeCount;
  const w = g.seconds;
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
  while (q.length > 0) {
    const d = q.peekValue()!;
    const u = q.pop()!;
    if (done[u] || d > cost[u]) continue;
    done[u] = 1;
    settled[settledCount++] = u;
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
  }
  return { cost, source, predEdge, settled: settled.subarray(0, settledCount), settledCount };
}

/** Per-venue catchments the previous way: one `previousDijkstra` per venue, results copied out. */
export function previousVenueCatchments(g: WalkGraph, venues: number[], cutoff: number): { nodes: Uint32Array; seconds: Float64Array } {
  const nodes: number[] = [], seconds: number[] = [];
  for (const v of venues) {
    const r = previousDijkstra(g, [{ node: v, seconds: 0 }], cutoff);
    for (let k = 0; k < r.settledCount; k++) {
      nodes.push(r.settled[k]);
      seconds.push(r.cost[r.settled[k]]);
    }
  }
  return { nodes: Uint32Array.from(nodes), seconds: Float64Array.from(seconds) };
}
