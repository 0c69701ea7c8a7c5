/** Walking model and graph build on tiny hand-computed fixtures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_WALKING_PROFILE, EDGE_STEPS, XmlSource, buildGraph, classifyWay, makeProfile, reach, stepsSeconds, toblerSpeed,
  type WalkGraph,
} from '../src/index.ts';
import { M_PER_DEG, osmXml, slopedDem, tobler } from './helpers.ts';

const P = makeProfile();

/** Directed edge seconds between two graph nodes found by OSM id. */
function edgeSeconds(g: WalkGraph, fromOsm: number, toOsm: number): number {
  const u = g.nodeOsmId.indexOf(fromOsm), v = g.nodeOsmId.indexOf(toOsm);
  assert.ok(u >= 0 && v >= 0, `nodes ${fromOsm}/${toOsm} in graph`);
  for (let e = g.offsets[u]; e < g.offsets[u + 1]; e++) if (g.targets[e] === v) return g.seconds[e];
  return NaN;
}

test('profile: highway, foot and access rules', () => {
  const c = (t: Record<string, string>) => classifyWay(t, P);
  assert.ok(c({ highway: 'footway' }));
  assert.ok(c({ highway: 'residential' }));
  assert.equal(c({ highway: 'motorway' }), null);
  assert.ok(c({ highway: 'motorway', foot: 'yes' }), 'foot=yes opens a motorway');
  assert.equal(c({ highway: 'footway', foot: 'no' }), null);
  assert.equal(c({ highway: 'service', access: 'private' }), null);
  assert.ok(c({ highway: 'service', access: 'private', foot: 'yes' }), 'foot=yes overrides access');
  assert.equal(c({ highway: 'footway', access: 'no' }), null);
  assert.equal(c({ highway: 'construction' }), null);
  assert.equal(c({ building: 'yes' }), null);
  assert.equal(c({ highway: 'primary', route: 'ferry' }), null);
  assert.equal(c({ highway: 'path', foot: 'use_sidepath' }), null);
  assert.deepEqual(c({ highway: 'residential', oneway: 'yes' }), { kind: 0, forward: true, backward: true, incline: 0, area: false, structure: false },
    'plain oneway does not bind pedestrians');
  assert.equal(c({ highway: 'footway', 'oneway:foot': 'yes' })!.backward, false);
  assert.equal(c({ highway: 'footway', 'oneway:foot': '-1' })!.forward, false);
  assert.equal(c({ highway: 'steps' })!.kind, 1);
  assert.equal(c({ highway: 'steps', incline: 'down' })!.incline, -1);
  assert.equal(c({ highway: 'elevator' })!.kind, 2);
  assert.equal(c({ highway: 'pedestrian', area: 'yes' })!.area, true);
  assert.equal(c({ highway: 'footway', bridge: 'yes' })!.structure, true);
  assert.equal(c({ highway: 'footway', tunnel: 'no' })!.structure, false);
});

test('Tobler: flat = 1.25 m/s, fastest at −5 %, uphill slower than downhill', () => {
  assert.ok(Math.abs(toblerSpeed(0, P) - 1.25) < 1e-12);
  assert.ok(Math.abs(toblerSpeed(-0.05, P) - 1.25 * Math.exp(0.175)) < 1e-12);
  for (const s of [0.02, 0.05, 0.1, 0.2, 0.4]) {
    assert.ok(toblerSpeed(s, P) < toblerSpeed(-s, P), `up ${s} slower than down`);
    assert.ok(Math.abs(toblerSpeed(s, P) - tobler(s)) < 1e-12);
  }
  // 10 % up: 1.25·e^(−3.5·0.1) ≈ 0.8809 m/s.
  assert.ok(Math.abs(toblerSpeed(0.1, P) - 0.880866) < 1e-5);
});

test('steps: max(horizontal at flat speed, vertical at stair speed)', () => {
  // 20 m horizontal, 10 m up: max(16 s, 10/0.25 = 40 s) = 40 s; down: max(16, 10/0.35) = 28.571 s.
  assert.ok(Math.abs(stepsSeconds(20, 10, P) - 40) < 1e-9);
  assert.ok(Math.abs(stepsSeconds(20, -10, P) - 10 / 0.35) < 1e-9);
  // A DEM rise smaller than the minimum gradient (0.5) is raised to it: 20 m → 10 m.
  assert.ok(Math.abs(stepsSeconds(20, 1, P) - 40) < 1e-9);
  // Unknown direction: mean of up and down over the assumed rise.
  assert.ok(Math.abs(stepsSeconds(20, NaN, P) - (40 + 10 / 0.35) / 2) < 1e-9);
  // Very flat steps (landings): the horizontal pace bounds the time.
  assert.ok(Math.abs(stepsSeconds(20, 0.5, makeProfile({ stepsMinGradient: 0 })) - 16) < 1e-9);
});

test('makeProfile validates', () => {
  assert.throws(() => makeProfile({ flatSpeedMps: 0 }), { code: 'invalid_argument' });
  assert.equal(makeProfile({ flatSpeedMps: 1.1 }).flatSpeedMps, 1.1);
  assert.equal(DEFAULT_WALKING_PROFILE.flatSpeedMps, 1.25);
});

// A north–south street: 1 —100 m— 2 —100 m— 3, then steps 3 —20 m— 4, and a spur 3 — 5 that keeps 3 a junction.
const lineXml = (stepTags: Record<string, string> = {}) =>
  osmXml({ 1: [0, 0], 2: [0, 100], 3: [0, 200], 4: [0, 220], 5: [50, 200] }, [
    [10, [1, 2, 3], { highway: 'residential' }],
    [11, [3, 4], { highway: 'steps', ...stepTags }],
    [12, [3, 5], { highway: 'footway' }],
  ]);

test('build without elevation: flat 1.25 m/s, steps with unknown direction', async () => {
  const { graph: g, stats } = await buildGraph(XmlSource.fromString(lineXml()), { keepAllComponents: true });
  assert.equal(stats.stepsWays, 1);
  assert.equal(stats.nodesWithoutElevation, g.nodeCount);
  // Node 2 is a degree-2 chain node between 1 and 3 of the same way: contracted away.
  assert.equal(g.nodeOsmId.indexOf(2), -1);
  assert.ok(Math.abs(edgeSeconds(g, 1, 3) - 200 / 1.25) < 1e-3);
  assert.ok(Math.abs(edgeSeconds(g, 3, 1) - 160) < 1e-3);
  // Steps: 20 m horizontal, assumed rise 10 m, direction unknown → (40 + 28.571) / 2.
  const want = (40 + 10 / 0.35) / 2;
  assert.ok(Math.abs(edgeSeconds(g, 3, 4) - want) < 1e-3);
  assert.ok(Math.abs(edgeSeconds(g, 4, 3) - want) < 1e-3);
  const u = g.nodeOsmId.indexOf(3), v = g.nodeOsmId.indexOf(4);
  for (let e = g.offsets[u]; e < g.offsets[u + 1]; e++) if (g.targets[e] === v) assert.ok(g.edgeFlags[e] & EDGE_STEPS);
});

test('build with a sloped DEM: Tobler up vs down, steps from the DEM and from incline', async () => {
  const perRow = 10; // metres per 3″ row
  const rowM = M_PER_DEG / 1200;
  const s = perRow / rowM; // slope northwards ≈ 0.1079
  const dem = slopedDem(perRow);
  const { graph: g } = await buildGraph(XmlSource.fromString(lineXml()), { dem, keepAllComponents: true });
  const up = 200 / tobler(s), down = 200 / tobler(-s);
  assert.ok(Math.abs(edgeSeconds(g, 1, 3) - up) < 0.01, `${edgeSeconds(g, 1, 3)} vs ${up}`);
  assert.ok(Math.abs(edgeSeconds(g, 3, 1) - down) < 0.01);
  assert.ok(up > down * 1.3, 'going north (uphill) is clearly slower');
  // Elevations of the nodes follow the tile.
  const n1 = g.nodeOsmId.indexOf(1);
  assert.ok(Math.abs(g.nodeEle[n1] - ((43.5 - 43) * 1200) * perRow) < 0.01);
  // Steps 20 m northwards: DEM rise 20·s ≈ 2.16 m < 0.5·20 → vertical 10 m, direction up.
  assert.ok(Math.abs(edgeSeconds(g, 3, 4) - 40) < 1e-3);
  assert.ok(Math.abs(edgeSeconds(g, 4, 3) - 10 / 0.35) < 1e-3);
  // Climb recorded per direction: the street climbs 200·s metres northwards.
  const u = g.nodeOsmId.indexOf(1);
  for (let e = g.offsets[u]; e < g.offsets[u + 1]; e++) assert.ok(Math.abs(g.climb[e] - 200 * s) < 0.05);
  // An incline=down tag wins over the DEM.
  const { graph: g2 } = await buildGraph(XmlSource.fromString(lineXml({ incline: 'down' })), { dem, keepAllComponents: true });
  assert.ok(Math.abs(edgeSeconds(g2, 3, 4) - 10 / 0.35) < 1e-3);
  assert.ok(Math.abs(edgeSeconds(g2, 4, 3) - 40) < 1e-3);
});

test('contraction keeps costs and geometry', async () => {
  // A chain of three separate ways 1-2, 2-3, 3-4 (each 100 m east) with a spur at 3 removed later.
  const xml = osmXml({ 1: [0, 0], 2: [100, 0], 3: [200, 0], 4: [300, 0], 5: [300, 50] }, [
    [1, [1, 2], { highway: 'footway' }],
    [2, [2, 3], { highway: 'footway' }],
    [3, [3, 4], { highway: 'residential' }],
    [4, [4, 5], { highway: 'path' }],
  ]);
  const { graph: g } = await buildGraph(XmlSource.fromString(xml), { dem: slopedDem(3) });
  // Nodes 2, 3 and 4 have degree 2: everything contracts into one link 1 → 5.
  assert.equal(g.nodeCount, 2);
  assert.equal(g.linkCount, 1);
  assert.equal(g.geomOffsets[1] - g.geomOffsets[0], 5, 'all 5 vertices kept as geometry');
  // Reference: sum of per-way costs, built without contraction by cutting at every node.
  const parts = await Promise.all(
    [[[1, 2], 'footway'], [[2, 3], 'footway'], [[3, 4], 'residential'], [[4, 5], 'path']].map(async ([refs, hw]) => {
      const [a, b] = refs as number[];
      const pos: Record<number, [number, number]> = { 1: [0, 0], 2: [100, 0], 3: [200, 0], 4: [300, 0], 5: [300, 50] };
      const { graph } = await buildGraph(XmlSource.fromString(osmXml({ [a]: pos[a], [b]: pos[b] }, [[9, [a, b], { highway: hw as string }]])), { dem: slopedDem(3) });
      return [edgeSeconds(graph, a, b), edgeSeconds(graph, b, a)];
    }),
  );
  const fwd = parts.reduce((s, p) => s + p[0], 0), bwd = parts.reduce((s, p) => s + p[1], 0);
  assert.ok(Math.abs(edgeSeconds(g, 1, 5) - fwd) < 1e-3);
  assert.ok(Math.abs(edgeSeconds(g, 5, 1) - bwd) < 1e-3);
  assert.ok(Math.abs(g.geomCumM[g.geomOffsets[1] - 1] - 350) < 0.1);
});

test('contract: false keeps every OSM node (bridges whole) with the same times', async () => {
  const pos: Record<number, [number, number]> = { 1: [0, 0], 2: [100, 0], 3: [200, 0], 4: [300, 0], 5: [300, 50], 6: [300, 150], 7: [300, 250] };
  const xml = osmXml(pos, [
    [1, [1, 2, 3, 4], { highway: 'footway' }],
    [2, [4, 5], { highway: 'path' }],
    [3, [5, 6, 7], { highway: 'footway', bridge: 'yes' }],
  ]);
  const c = (await buildGraph(XmlSource.fromString(xml), { dem: slopedDem(3) })).graph;
  const u = (await buildGraph(XmlSource.fromString(xml), { dem: slopedDem(3), contract: false })).graph;
  assert.equal(c.nodeCount, 2);
  assert.deepEqual(Array.from(u.nodeOsmId).sort((a, b) => a - b), [1, 2, 3, 4, 5, 7], 'every node but the bridge interior');
  const rc = reach(c, { node: c.nodeOsmId.indexOf(1) }, { minutes: 60 });
  const ru = reach(u, { node: u.nodeOsmId.indexOf(1) }, { minutes: 60 });
  const t7c = rc.seconds[c.nodeOsmId.indexOf(7)], t7u = ru.seconds[u.nodeOsmId.indexOf(7)];
  assert.ok(Math.abs(t7c - t7u) < 1e-3, `${t7c} vs ${t7u}`);
});

test('largest strongly connected component is kept unless keepAllComponents', async () => {
  const xml = osmXml({ 1: [0, 0], 2: [0, 300], 3: [0, 600], 7: [500, 0], 8: [500, 50] }, [
    [1, [1, 2, 3], { highway: 'footway' }],
    [2, [7, 8], { highway: 'footway' }],
  ]);
  const a = await buildGraph(XmlSource.fromString(xml));
  assert.equal(a.stats.componentsDropped, 1);
  assert.equal(a.graph.nodeOsmId.indexOf(7), -1);
  const b = await buildGraph(XmlSource.fromString(xml), { keepAllComponents: true });
  assert.ok(b.graph.nodeOsmId.indexOf(7) >= 0);
});

test('oneway:foot is honoured; plain oneway is not', async () => {
  const xml = osmXml({ 1: [0, 0], 2: [0, 100], 3: [100, 100] }, [
    [1, [1, 2], { highway: 'footway', 'oneway:foot': 'yes' }],
    [2, [2, 3], { highway: 'residential', oneway: 'yes' }],
  ]);
  const { graph: g } = await buildGraph(XmlSource.fromString(xml), { keepAllComponents: true });
  assert.ok(edgeSeconds(g, 1, 2) > 0);
  assert.ok(Number.isNaN(edgeSeconds(g, 2, 1)));
  assert.ok(edgeSeconds(g, 3, 2) > 0);
});

test('pedestrian area: entrances are joined straight across', async () => {
  // A 100 m square plaza; footways arrive at opposite corners 1 and 3.
  const xml = osmXml({ 1: [0, 0], 2: [100, 0], 3: [100, 100], 4: [0, 100], 5: [-50, 0], 6: [150, 100] }, [
    [1, [1, 2, 3, 4, 1], { highway: 'pedestrian', area: 'yes' }],
    [2, [5, 1], { highway: 'footway' }],
    [3, [3, 6], { highway: 'footway' }],
  ]);
  const { graph: g, stats } = await buildGraph(XmlSource.fromString(xml));
  assert.equal(stats.areaWays, 1);
  const r = reach(g, { node: g.nodeOsmId.indexOf(5) }, { minutes: 10 });
  const t = r.seconds[g.nodeOsmId.indexOf(6)];
  // 50 + 100·√2 + 50 metres at 1.25 m/s, not 50 + 200 + 50.
  assert.ok(Math.abs(t - (100 + 100 * Math.SQRT2) / 1.25) < 0.5, `${t}`);
});

test('clipping to a boundary keeps only segments inside', async () => {
  const { Boundary } = await import('../src/geo.ts');
  const { ll } = await import('./helpers.ts');
  const xml = osmXml({ 1: [0, 0], 2: [0, 100], 3: [0, 200], 4: [0, 300] }, [[1, [1, 2, 3, 4], { highway: 'footway' }]]);
  const [a0, b0] = ll(-50, -50), [a1, b1] = ll(50, 250);
  const boundary = new Boundary([[[[a0, b0], [a1, b0], [a1, b1], [a0, b1], [a0, b0]]]]);
  const { graph: g } = await buildGraph(XmlSource.fromString(xml), { boundary });
  assert.ok(Math.abs(g.geomCumM[g.geomOffsets[g.linkCount] - 1] - 200) < 0.1, 'node 4 is outside: 200 m remain');
  assert.equal(g.nodeOsmId.indexOf(4), -1);
});

test('bridges and tunnels do not follow the DEM between their ends', async () => {
  // A 300 m north–south bridge whose ends are at the same height; the DEM below is a V-shaped valley.
  const { DemSet } = await import('../src/dem/tile.ts');
  const size = 1201;
  const heights = new Int16Array(size * size);
  const rowOf = (lat: number) => Math.round((44 - lat) * 1200);
  const mid = rowOf(43.5 + 150 / M_PER_DEG);
  for (let r = 0; r < size; r++) heights.fill(Math.abs(r - mid) * 20, r * size, (r + 1) * size);
  const dem = new DemSet([{ name: 'N43E007', south: 43, west: 7, size, heights }]);
  const xmlFor = (tags: Record<string, string>) => osmXml({ 1: [0, 0], 2: [0, 100], 3: [0, 200], 4: [0, 300] }, [[1, [1, 2, 3, 4], { highway: 'footway', ...tags }]]);
  const bridge = (await buildGraph(XmlSource.fromString(xmlFor({ bridge: 'yes' })), { dem })).graph;
  const ground = (await buildGraph(XmlSource.fromString(xmlFor({})), { dem })).graph;
  const e1 = bridge.nodeEle[bridge.nodeOsmId.indexOf(1)], e4 = bridge.nodeEle[bridge.nodeOsmId.indexOf(4)];
  const slope = (e4 - e1) / 300;
  assert.ok(Math.abs(edgeSeconds(bridge, 1, 4) - 300 / tobler(slope)) < 0.05, 'bridge: straight deck between the abutments');
  assert.ok(edgeSeconds(ground, 1, 4) > edgeSeconds(bridge, 1, 4) + 20, 'on the ground the valley costs time');
  let climb = 0;
  for (let e = bridge.offsets[0]; e < bridge.offsets[bridge.nodeCount]; e++) climb = Math.max(climb, bridge.climb[e]);
  assert.ok(climb < Math.abs(e4 - e1) + 0.01);
});
