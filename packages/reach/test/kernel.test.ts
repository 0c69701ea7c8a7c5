/**
 * The search kernel (bucket + heap queue, reusable buffers with a reset list) against the plain
 * reference Dijkstra in helpers.ts, on random graphs given directly as CSR: zero-weight edges,
 * parallel edges, self-loops, very long edges, several seeds with labels, cutoffs, both directions,
 * bucket widths from tiny to none. Costs must be identical (===), not just close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { WalkGraph } from '../src/index.ts';
import { adjacency, dijkstra, runSparse, withSearch } from '../src/query/dijkstra.ts';
import { TRACK_LABELS, TRACK_PRED, createKernelState, kernelRun, kernelRunUnordered } from '../src/query/kernel.ts';
import { csrGraph, referenceDijkstra } from './helpers.ts';

/** Reference costs from several seeds (super source with edges of the seed costs), float32 weights as searched. */
function reference(g: WalkGraph, seeds: { node: number; seconds: number }[], reverse: boolean, weights = g.seconds): Float64Array {
  const n = g.nodeCount;
  const edges: [number, number, number][] = [];
  for (let u = 0; u < n; u++) {
    for (let e = g.offsets[u]; e < g.offsets[u + 1]; e++) {
      edges.push(reverse ? [g.targets[e], u, weights[e]] : [u, g.targets[e], weights[e]]);
    }
  }
  for (const s of seeds) edges.push([n, s.node, s.seconds]);
  return referenceDijkstra(n + 1, edges, n).subarray(0, n);
}

const weight = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 6, arbitrary: fc.float({ min: 0, max: 200, noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.float({ min: 0, max: 5000, noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 60 }) }, // ties
);
const graphArb = fc.integer({ min: 1, max: 60 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), weight), { maxLength: 4 * n }),
    seeds: fc.array(fc.record({ node: fc.nat(n - 1), seconds: fc.oneof(fc.constant(0), fc.float({ min: 0, max: 300, noNaN: true })) }), { minLength: 1, maxLength: 4 }),
    cutoff: fc.oneof(fc.constant(Infinity), fc.float({ min: 0, max: 2000, noNaN: true })),
    reverse: fc.boolean(),
    delta: fc.oneof(fc.constant(0), fc.constant(1e-3), fc.float({ min: Math.fround(0.01), max: 500, noNaN: true })),
  }),
);

test('kernel: identical costs to the reference Dijkstra on random graphs (seeds, cutoffs, both directions, any bucket width)', () => {
  fc.assert(
    fc.property(graphArb, fc.boolean(), ({ n, edges, seeds, cutoff, reverse, delta }, ordered) => {
      const g = csrGraph(n, edges);
      const ref = reference(g, seeds, reverse);
      const adj = adjacency(g, reverse);
      const st = createKernelState(n);
      // Run twice on the same state (the second run starts from the reset list of the first).
      for (let rep = 0; rep < 2; rep++) {
        const args = [
          st, adj.offsets, adj.targets, adj.weights, adj.edgeIds, seeds.map((s) => s.node), seeds.map((s) => s.seconds), null,
          0, seeds.length, cutoff, delta, TRACK_LABELS | TRACK_PRED,
        ] as const;
        const count = ordered ? kernelRun(...args, null) : kernelRunUnordered(...args);
        let want = 0;
        for (let u = 0; u < n; u++) {
          if (ref[u] <= cutoff && ref[u] < Infinity) {
            want++;
            assert.equal(st.dist[u], ref[u], `node ${u}`);
          } else assert.equal(st.dist[u], Infinity, `node ${u} beyond the cutoff`);
        }
        assert.equal(count, want);
        // Each reached node listed once; settled in non-decreasing cost order by the ordered kernel.
        const seen = new Set<number>();
        for (let k = 0; k < count; k++) {
          const u = st.settled[k];
          assert.ok(!seen.has(u) && st.dist[u] < Infinity);
          seen.add(u);
          if (ordered && k > 0) assert.ok(st.dist[st.settled[k - 1]] <= st.dist[u]);
        }
        // Labels: the labelled seed alone reaches the node at the same cost; predecessors close the sum.
        for (let k = 0; k < count; k++) {
          const u = st.settled[k];
          const s = seeds[st.label[u]];
          const alone = reference(g, [s], reverse);
          assert.equal(alone[u], st.dist[u], `label of node ${u}`);
          const e = st.pred[u];
          if (e >= 0) {
            const k2 = adj.edgeIds === null ? e : Array.from(adj.edgeIds).indexOf(e);
            const from = seenFrom(adj.offsets, k2);
            assert.equal(adj.targets[k2], u);
            assert.equal(st.dist[from] + adj.weights[k2], st.dist[u]);
          }
        }
      }
    }),
    { numRuns: 400, seed: 20261123 },
  );
});

/** The node whose adjacency range holds index k. */
function seenFrom(offsets: Uint32Array, k: number): number {
  let lo = 0, hi = offsets.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid] <= k) lo = mid;
    else hi = mid;
  }
  return lo;
}

test('dijkstra (public) and the pooled sparse path agree with each other and the reference', () => {
  fc.assert(
    fc.property(graphArb, fc.array(fc.nat(59), { minLength: 1, maxLength: 8 }), ({ n, edges, cutoff, reverse }, origins) => {
      const g = csrGraph(n, edges);
      const adj = adjacency(g, reverse);
      withSearch(n, (st) => {
        for (const o0 of origins) {
          const o = o0 % n;
          const ref = reference(g, [{ node: o, seconds: 0 }], reverse);
          const dense = dijkstra(g, [{ node: o, seconds: 0 }], { cutoff, reverse });
          for (const ordered of [true, false]) {
            const count = runSparse(st, adj, [o], [0], null, 0, 1, cutoff, 0, ordered);
            assert.equal(count, dense.settledCount);
            for (let u = 0; u < n; u++) {
              const want = ref[u] <= cutoff ? ref[u] : Infinity;
              assert.equal(dense.cost[u], want);
              assert.equal(st.dist[u], want);
              assert.equal(dense.source[u], want < Infinity ? 0 : -1);
            }
          }
          // predEdge: following it back reaches the origin with the same cost sums.
          for (let k = 0; k < dense.settledCount; k++) {
            const u = dense.settled[k];
            const e = dense.predEdge[u];
            if (u === o) assert.equal(e, -1);
            else {
              const from = reverse ? g.targets[e] : edgeSource(g, e);
              assert.equal(reverse ? edgeSource(g, e) : g.targets[e], u);
              assert.equal(dense.cost[from] + g.seconds[e], dense.cost[u]);
            }
          }
        }
      });
    }),
    { numRuns: 200, seed: 7 },
  );
});

function edgeSource(g: WalkGraph, e: number): number {
  let lo = 0, hi = g.nodeCount;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (g.offsets[mid] <= e) lo = mid;
    else hi = mid;
  }
  return lo;
}

test('dijkstra: onSettle can stop the search; the next search on the pooled buffers is unaffected', () => {
  const edges: [number, number, number][] = [];
  for (let i = 0; i < 99; i++) edges.push([i, i + 1, 10], [i + 1, i, 10]);
  const g = csrGraph(100, edges);
  let settled = 0;
  const r = dijkstra(g, [{ node: 0, seconds: 0 }], { cutoff: 500, onSettle: () => ++settled >= 5 });
  assert.equal(r.settledCount, 5);
  const full = dijkstra(g, [{ node: 0, seconds: 0 }], { cutoff: 500 });
  assert.equal(full.settledCount, 51);
  assert.equal(full.cost[50], 500);
  assert.equal(full.cost[51], Infinity);
});
