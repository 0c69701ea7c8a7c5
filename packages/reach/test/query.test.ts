/** Snapping, cutoff, isochrones (no bridging), routes, catchments on small fixtures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PointOutsideGraphError, XmlSource, buildGraph, catchments, isochrones, reach, route, snapPoint, type WalkGraph,
} from '../src/index.ts';
import { pointInPolygon } from '../src/geo.ts';
import { ll, osmXml } from './helpers.ts';

/**
 * Two parallel north–south streets 300 m apart (x = 0 and x = 300), each 1 km long with nodes every
 * 100 m, NOT connected to each other; kept both with keepAllComponents.
 */
async function parallelStreets(): Promise<WalkGraph> {
  const nodes: Record<number, [number, number]> = {};
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i <= 10; i++) {
    nodes[100 + i] = [0, i * 100];
    nodes[200 + i] = [300, i * 100];
    a.push(100 + i);
    b.push(200 + i);
  }
  // Side streets make every 100 m a junction so nodes survive contraction.
  const ways: [number, number[], Record<string, string>][] = [
    [1, a, { highway: 'residential' }],
    [2, b, { highway: 'residential' }],
  ];
  for (let i = 0; i <= 10; i++) {
    nodes[300 + i] = [-30, i * 100];
    ways.push([10 + i, [100 + i, 300 + i], { highway: 'footway' }]);
  }
  return (await buildGraph(XmlSource.fromString(osmXml(nodes, ways)), { keepAllComponents: true })).graph;
}

const inFc = (fc: { features: { properties: { minutes: number }; geometry: { coordinates: number[][][][] } }[] }, minutes: number, x: number, y: number) => {
  const f = fc.features.find((ft) => ft.properties.minutes === minutes)!;
  const [lon, lat] = ll(x, y);
  return f.geometry.coordinates.some((poly) => pointInPolygon(lon, lat, poly));
};

test('snapping: projection, walk-off cost, and the snap limit', async () => {
  const g = await parallelStreets();
  const [lon, lat] = ll(100, 450); // 100 m east of street A, between nodes 104 and 105
  const s = snapPoint(g, lon, lat);
  assert.ok(Math.abs(s.distanceM - 100) < 0.5, `${s.distanceM}`);
  const [plon, plat] = ll(0, 450);
  assert.ok(Math.abs(s.lon - plon) < 1e-7 && Math.abs(s.lat - plat) < 1e-6);
  // Starting there: walk-off 100 m + 50 m along the street to node 105 (or 104), at 1.25 m/s.
  const r = reach(g, { lon, lat }, { minutes: 10 });
  const n105 = g.nodeOsmId.indexOf(105);
  assert.ok(Math.abs(r.seconds[n105] - 150 / 1.25) < 0.5, `${r.seconds[n105]}`);
  // 600 m from any street → error with the distance; a larger limit accepts it.
  const [flon, flat] = ll(-630, 500);
  assert.throws(() => snapPoint(g, flon, flat), (e: unknown) => {
    assert.ok(e instanceof PointOutsideGraphError);
    assert.equal(e.code, 'point_outside_graph');
    assert.ok(Math.abs(e.distanceM - 600) < 1, `${e.distanceM}`);
    assert.match(e.message, /600 m from the nearest walkable street; the limit is 500 m/);
    return true;
  });
  assert.ok(snapPoint(g, flon, flat, 700).distanceM > 599);
  assert.throws(() => reach(g, { lon: flon, lat: flat }), { code: 'point_outside_graph' });
});

test('cutoff: exactly the nodes within the budget, costs exact', async () => {
  const g = await parallelStreets();
  // Junctions on street A are 101..109 (100 and 110 have degree 2 and are contracted); footway ends 300..310.
  const origin = g.nodeOsmId.indexOf(102);
  const r = reach(g, { node: origin }, { minutes: 4.1 }); // 246 s = 307.5 m
  const ids = Array.from(r.reached, (u) => g.nodeOsmId[u]).sort((x, y) => x - y);
  assert.deepEqual(ids, [101, 102, 103, 104, 105, 300, 301, 302, 303, 304]);
  for (const u of r.reached) assert.ok(r.seconds[u] <= 246);
  assert.ok(Math.abs(r.seconds[g.nodeOsmId.indexOf(105)] - 240) < 1e-3);
  assert.ok(Math.abs(r.seconds[g.nodeOsmId.indexOf(300)] - 230 / 1.25) < 1e-3, 'via the contracted corner node 100');
  assert.equal(r.method, 'network');
  assert.throws(() => reach(g, { node: origin }, { minutes: 0 }), { code: 'invalid_minutes' });
  assert.throws(() => reach(g, { node: origin }, { minutes: 241 }), { code: 'invalid_minutes' });
  assert.throws(() => reach(g, { node: 99999 }), { code: 'invalid_argument' });
});

test('isochrones contain reached points and do not bridge the 300 m gap', async () => {
  const g = await parallelStreets();
  const [lon, lat] = ll(0, 500);
  const fc = isochrones(g, { lon, lat }); // 5/10/15 min
  assert.equal(fc.method, 'network');
  assert.deepEqual(fc.features.map((f) => f.properties.minutes), [5, 10, 15]);
  // 5 min = 375 m along street A.
  assert.ok(inFc(fc, 5, 0, 500));
  assert.ok(inFc(fc, 5, 0, 800), '300 m north on the street');
  assert.ok(inFc(fc, 5, 20, 700), '20 m off the street (walk-off buffer)');
  assert.ok(!inFc(fc, 5, 0, 900), '400 m is beyond 5 min');
  assert.ok(inFc(fc, 10, 0, 900));
  // The gap between the streets and street B itself are never inside: B is not connected.
  for (const m of [5, 10, 15]) {
    assert.ok(!inFc(fc, m, 150, 500), `gap midpoint outside ${m}-min band`);
    assert.ok(!inFc(fc, m, 300, 500), `street B outside ${m}-min band`);
    assert.ok(!inFc(fc, m, 100, 500), `100 m off street A outside ${m}-min band`);
  }
  // Bands are nested.
  for (const [x, y] of [[0, 500], [0, 750], [10, 600]]) if (inFc(fc, 5, x, y)) assert.ok(inFc(fc, 10, x, y) && inFc(fc, 15, x, y));
});

test('route: geometry, distance, minutes; same-link shortcut', async () => {
  const g = await parallelStreets();
  const [alon, alat] = ll(0, 120), [blon, blat] = ll(-10, 780);
  const r = route(g, { lon: alon, lat: alat }, { lon: blon, lat: blat })!;
  assert.ok(Math.abs(r.distanceM - (660 + 10)) < 1, `${r.distanceM}`);
  assert.ok(Math.abs(r.seconds - 670 / 1.25) < 1);
  assert.ok(Math.abs(r.minutes - 670 / 1.25 / 60) < 0.02);
  assert.ok(r.nodes.length >= 6 && r.climbM === 0);
  assert.equal(r.method, 'network');
  assert.deepEqual(r.coordinates[0], [alon, alat]);
  assert.deepEqual(r.coordinates[r.coordinates.length - 1], [blon, blat]);
  const [clon, clat] = ll(0, 150);
  const s = route(g, { lon: alon, lat: alat }, { lon: clon, lat: clat })!;
  assert.ok(Math.abs(s.distanceM - 30) < 0.5 && s.nodes.length === 0, 'same link: no detour via nodes');
  const [dlon, dlat] = ll(300, 500);
  assert.equal(route(g, { lon: alon, lat: alat }, { lon: dlon, lat: dlat }), null, 'unconnected street');
});

test('catchments: nearest venue and per-venue sets', async () => {
  const g = await parallelStreets();
  const [l1, b1] = ll(0, 0), [l2, b2] = ll(0, 1000), [l3, b3] = ll(5000, 5000);
  const c = catchments(g, [{ lon: l1, lat: b1 }, { lon: l2, lat: b2 }, { lon: l3, lat: b3 }], { minutes: 15 });
  assert.equal(c.snaps[2], null, 'far venue unsnapped, not fatal');
  assert.equal(c.nearest[g.nodeOsmId.indexOf(102)], 0);
  assert.equal(c.nearest[g.nodeOsmId.indexOf(108)], 1);
  assert.ok(Math.abs(c.seconds[g.nodeOsmId.indexOf(108)] - 200 / 1.25) < 1e-3);
  assert.equal(c.nearest[g.nodeOsmId.indexOf(210)], -1, 'street B has no venue');
  const total = c.perVenue.reduce((s, p) => s + p.length, 0);
  assert.equal(total, Array.from(c.nearest).filter((x) => x >= 0).length);
});
