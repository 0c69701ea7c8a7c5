/**
 * Per-venue catchments: the sequential batch equals one `reach` / reverse `dijkstra` per origin (same
 * node sets, same costs bit for bit), and the worker-thread pool returns exactly the sequential result
 * (same nodes in the same order, same costs) — with the workers alone, with the caller helping, with tiny output regions
 * (overflow → recomputed by the caller) and with many small rounds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ReachPool, XmlSource, buildGraph, catchmentOf, dijkstra, reach, seedsTo, snapPoint, venueCatchments, venueCatchmentsParallel,
  closeReachPools, type Origin, type VenueCatchments, type WalkGraph,
} from '../src/index.ts';
import { csrGraph, ll, osmXml } from './helpers.ts';

/** A 12 × 12 street grid (80 m) with a few missing blocks and one one-way footpath. */
async function smallGrid(): Promise<WalkGraph> {
  const nodes: Record<number, [number, number]> = {};
  const ways: [number, number[], Record<string, string>][] = [];
  const id = (c: number, r: number): number => r * 12 + c + 1;
  for (let r = 0; r < 12; r++) for (let c = 0; c < 12; c++) nodes[id(c, r)] = [c * 80 + ((c * 7 + r * 3) % 11), r * 80 + ((c * 5 + r) % 9)];
  let w = 1;
  for (let r = 0; r < 12; r++) {
    const row: number[] = [];
    for (let c = 0; c < 12; c++) row.push(id(c, r));
    ways.push([w++, row, { highway: 'residential' }]);
  }
  for (let c = 0; c < 12; c++) {
    if (c % 5 === 3) continue;
    const col: number[] = [];
    for (let r = 0; r < 12; r++) col.push(id(c, r));
    ways.push([w++, col, c === 4 ? { highway: 'footway', 'oneway:foot': 'yes' } : { highway: 'footway' }]);
  }
  return (await buildGraph(XmlSource.fromString(osmXml(nodes, ways)))).graph;
}

function assertSame(a: VenueCatchments, b: VenueCatchments): void {
  assert.deepEqual(Array.from(a.offsets), Array.from(b.offsets));
  assert.deepEqual(Array.from(a.nodes), Array.from(b.nodes));
  assert.deepEqual(Array.from(a.seconds), Array.from(b.seconds));
  assert.deepEqual(a.unsnapped, b.unsnapped);
  assert.equal(a.relaxations, b.relaxations);
}


test('venueCatchments: one reach per origin (nodes and points, both directions)', async () => {
  const g = await smallGrid();
  const origins: Origin[] = [{ node: 0 }, { node: 17 }, { lon: ll(333, 401)[0], lat: ll(333, 401)[1] }, { lon: ll(5000, 5000)[0], lat: ll(5000, 5000)[1] }, { node: 17 }];
  const fwd = venueCatchments(g, origins, { minutes: 6, direction: 'from-venue' });
  assert.deepEqual(fwd.unsnapped, [3]);
  origins.forEach((o, i) => {
    const { nodes, seconds } = catchmentOf(fwd, i);
    if (i === 3) return assert.equal(nodes.length, 0);
    const r = reach(g, o, { minutes: 6 });
    assert.deepEqual(Array.from(nodes).sort((x, y) => x - y), Array.from(r.reached).sort((x, y) => x - y));
    for (let k = 0; k < nodes.length; k++) assert.equal(seconds[k], r.seconds[nodes[k]]);
  });
  const rev = venueCatchments(g, origins, { minutes: 6 });
  assert.equal(rev.direction, 'to-venue');
  origins.forEach((o, i) => {
    if (i === 3) return;
    const seeds = 'node' in o ? [{ node: o.node, seconds: 0 }] : seedsTo(g, snapPoint(g, o.lon, o.lat));
    const d = dijkstra(g, seeds, { cutoff: 360, reverse: true });
    const { nodes, seconds } = catchmentOf(rev, i);
    assert.deepEqual(Array.from(nodes).sort((x, y) => x - y), Array.from(d.settled).sort((x, y) => x - y));
    for (let k = 0; k < nodes.length; k++) assert.equal(seconds[k], d.cost[nodes[k]]);
  });
  assert.throws(() => venueCatchments(g, [{ node: g.nodeCount }]), /does not exist/);
  assert.throws(() => venueCatchments(g, [{ node: 0 }], { minutes: 0 }), /minutes/);
});

test('parallel pool: identical to the sequential result (random graphs, workers alone, caller helping, overflow, small rounds)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 2, max: 80 }).chain((n) => fc.record({
        n: fc.constant(n),
        edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.float({ min: 0, max: 300, noNaN: true })), { maxLength: 5 * n }),
        origins: fc.array(fc.nat(n - 1), { minLength: 1, maxLength: 40 }),
        minutes: fc.integer({ min: 1, max: 20 }),
        direction: fc.constantFrom('from-venue' as const, 'to-venue' as const),
        variant: fc.constantFrom('workers-only', 'caller-helps', 'tiny-output', 'small-rounds', 'three-threads', 'eager-backup'),
      })),
      async ({ n, edges, origins, minutes, direction, variant }) => {
        const g = csrGraph(n, edges);
        const os = origins.map((node) => ({ node }));
        const want = venueCatchments(g, os, { minutes, direction });
        const pool = new ReachPool(g, {
          threads: variant === 'three-threads' ? 3 : 2,
          callerWorks: variant !== 'workers-only',
          outputCapacity: variant === 'tiny-output' ? 3 : undefined,
          roundSize: variant === 'small-rounds' ? 4 : undefined,
          backupAfterMs: variant === 'eager-backup' ? 0 : undefined,
          minParallelMs: 0,
        });
        try {
          await pool.ready();
          for (let rep = 0; rep < 2; rep++) {
            const got = await pool.venueCatchments(os, { minutes, direction });
            assertSame(got, want);
            if (variant === 'workers-only' && os.length > 1) assert.ok(got.threads >= 2, 'the workers did the work');
          }
          assert.equal(pool.fallbackReason, null);
        } finally {
          await pool.close();
        }
      },
    ),
    { numRuns: 48, seed: 99 },
  );
});

test('venueCatchmentsParallel on a built graph with point origins; threads: 1 runs sequentially', async () => {
  const g = await smallGrid();
  const origins = Array.from({ length: 30 }, (_, i) => {
    const [lon, lat] = ll((i * 97) % 900, (i * 53) % 900);
    return i % 3 === 0 ? { node: (i * 7) % g.nodeCount } : { lon, lat };
  });
  const want = venueCatchments(g, origins, { minutes: 8 });
  const par = await venueCatchmentsParallel(g, origins, { minutes: 8, threads: 2 });
  assertSame(par, want);
  // A second, equally small batch stays on the calling thread (estimated < 2 ms) — same answer.
  const again = await venueCatchmentsParallel(g, origins, { minutes: 8, threads: 2 });
  assertSame(again, want);
  assert.equal(again.threads, 1);
  const one = await venueCatchmentsParallel(g, origins, { minutes: 8, threads: 1 });
  assertSame(one, want);
  assert.equal(one.threads, 1);
  await closeReachPools(g);
});
