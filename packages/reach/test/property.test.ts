/**
 * Property test (fast-check): on random small street networks without elevation, the built graph
 * (junction splitting, contraction, CSR) gives the same node-to-node walking times as a reference
 * Dijkstra over the raw OSM segments (length / 1.25 m/s, both directions).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { XmlSource, buildGraph, haversineM, reach } from '../src/index.ts';
import { ll, osmXml, referenceDijkstra } from './helpers.ts';

test('random networks: engine times equal raw-segment Dijkstra', async () => {
  const network = fc.record({
    points: fc.array(fc.tuple(fc.integer({ min: 0, max: 800 }), fc.integer({ min: 0, max: 800 })), { minLength: 4, maxLength: 25 }),
    ways: fc.array(fc.array(fc.nat(24), { minLength: 2, maxLength: 6 }), { minLength: 1, maxLength: 15 }),
    origin: fc.nat(24),
  });
  await fc.assert(
    fc.asyncProperty(network, async ({ points, ways, origin }) => {
      const n = points.length;
      const nodes: Record<number, [number, number]> = {};
      points.forEach((p, i) => (nodes[i + 1] = p));
      const wayList = ways.map((w, i) => [i + 1, w.map((r) => (r % n) + 1), { highway: 'footway' }] as [number, number[], Record<string, string>]);
      // Raw reference graph over OSM nodes 1..n.
      const edges: [number, number, number][] = [];
      for (const [, refs] of wayList) {
        for (let k = 0; k + 1 < refs.length; k++) {
          if (refs[k] === refs[k + 1]) continue;
          const [a, b] = [ll(...nodes[refs[k]]), ll(...nodes[refs[k + 1]])];
          const s = haversineM(a[0], a[1], b[0], b[1]) / 1.25;
          edges.push([refs[k], refs[k + 1], s], [refs[k + 1], refs[k], s]);
        }
      }
      if (edges.length === 0) return;
      let g;
      try {
        g = (await buildGraph(XmlSource.fromString(osmXml(nodes, wayList)), { keepAllComponents: true })).graph;
      } catch (e) {
        if ((e as { code?: string }).code === 'empty_graph') return; // all segments degenerate
        throw e;
      }
      const graphNodes = Array.from(g.nodeOsmId);
      const o = graphNodes[origin % graphNodes.length];
      const ref = referenceDijkstra(n + 1, edges, o);
      const r = reach(g, { node: graphNodes.indexOf(o) }, { minutes: 240 });
      for (let u = 0; u < g.nodeCount; u++) {
        const want = ref[g.nodeOsmId[u]];
        const got = r.seconds[u];
        if (!Number.isFinite(want)) assert.equal(got, Infinity);
        else assert.ok(Math.abs(got - want) < 0.01 + 1e-5 * want, `node ${g.nodeOsmId[u]}: ${got} vs ${want}`);
      }
    }),
    { numRuns: 60, seed: 12345 },
  );
});
