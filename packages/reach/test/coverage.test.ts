/** Coverage grid, gap finding (greedy maximal covering) and the estimate mode. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Boundary, XmlSource, buildGraph, computeCoverage, coverageToGeoJson, estimateWalk, findGaps, greedyMaxCover,
  parseVenuesCsv, summarizeCoverage, DEFAULT_DETOUR_FACTOR, type Venue,
} from '../src/index.ts';
import { ll, osmXml } from './helpers.ts';

/** A 1.2 km × 1.2 km street grid with streets every 200 m (x, y in 0..1200). */
async function gridCity() {
  const nodes: Record<number, [number, number]> = {};
  const id = (i: number, j: number) => 1000 + i * 10 + j;
  for (let i = 0; i <= 6; i++) for (let j = 0; j <= 6; j++) nodes[id(i, j)] = [i * 200, j * 200];
  const ways: [number, number[], Record<string, string>][] = [];
  for (let i = 0; i <= 6; i++) {
    ways.push([i + 1, Array.from({ length: 7 }, (_, j) => id(i, j)), { highway: 'residential' }]);
    ways.push([i + 101, Array.from({ length: 7 }, (_, j) => id(j, i)), { highway: 'residential' }]);
  }
  return (await buildGraph(XmlSource.fromString(osmXml(nodes, ways)))).graph;
}
const rect = (x0: number, y0: number, x1: number, y1: number) => {
  const [a, b] = ll(x0, y0), [c, d] = ll(x1, y1);
  return new Boundary([[[[a, b], [c, b], [c, d], [a, d], [a, b]]]]);
};
const venue = (id: string, category: string, x: number, y: number): Venue => {
  const [lon, lat] = ll(x, y);
  return { id, name: id, category, lon, lat };
};

test('greedy maximal covering on explicit sets', () => {
  // Elements 0..9; candidate 2 covers the most, then 0 adds 3, then nothing new.
  const sets = [[0, 1, 2], [2, 3], [3, 4, 5, 6, 7], [7, 8]];
  const target = new Uint8Array(10).fill(1);
  target[9] = 0; // already covered
  const { picks, remaining } = greedyMaxCover(sets, target, 3);
  assert.deepEqual(picks, [{ candidate: 2, gain: 5 }, { candidate: 0, gain: 3 }, { candidate: 3, gain: 1 }]);
  assert.equal(remaining.reduce((s, v) => s + v, 0), 0);
  const two = greedyMaxCover(sets, target, 5);
  assert.equal(two.picks.length, 3, 'stops when nothing is gained');
  assert.throws(() => greedyMaxCover(sets, target, -1), { code: 'invalid_argument' });
});

test('coverage grid: minutes per category, counts, unreachable cells, GeoJSON', async () => {
  const g = await gridCity();
  const venues = [venue('s1', 'school', 0, 0), venue('l1', 'library', 1200, 1200), venue('s2', 'school', 600, 600)];
  // Boundary larger than the city: cells > 500 m from any street are unreachable.
  const r = computeCoverage(g, rect(-800, 0, 1200, 1200), venues, { cellM: 100, minutes: 15 });
  assert.equal(r.method, 'network');
  assert.deepEqual(r.categories, ['library', 'school']);
  assert.equal(r.cells.length, 20 * 12);
  const cellAt = (x: number, y: number) => r.cells.find((c) => {
    const [lon, lat] = ll(x, y);
    return Math.abs(c.lon - lon) < 1e-5 && Math.abs(c.lat - lat) < 1e-5;
  })!;
  const far = cellAt(-750, 50);
  assert.equal(far.reachable, false);
  assert.equal(far.minutes.school, null);
  // Cell centre (50, 50): 50 m walk-off to street x=0, then 50 m to the school at the corner.
  const c = cellAt(50, 50);
  assert.ok(c.reachable && Math.abs(c.snapM! - 50) < 0.5);
  assert.ok(Math.abs(c.minutes.school! - 100 / 1.25 / 60) < 0.02, `${c.minutes.school}`);
  // Library at (1200,1200): 50 + 1150 + 1200 = 2400 m → 32 min.
  assert.ok(Math.abs(c.minutes.library! - 2400 / 1.25 / 60) < 0.05, `${c.minutes.library}`);
  // s2 at (600,600) is 50 + 600 + 550 = 1200 m = 16 min away: not within 15.
  assert.equal(c.venuesWithinByCategory.school, 1);
  assert.equal(c.venuesWithin, 1);
  assert.ok(Math.abs(cellAt(550, 550).minutes.school! - 100 / 1.25 / 60) < 0.02);
  assert.equal(c.venuesWithinByCategory.library, 0);
  const fc = coverageToGeoJson(r) as { features: { properties: Record<string, unknown> }[]; method: string };
  assert.equal(fc.method, 'network');
  assert.equal(fc.features.length, r.cells.length);
  assert.ok('minutes_school' in fc.features[0].properties && 'within_library' in fc.features[0].properties);
  const areas = summarizeCoverage(r, [{ id: 'west', name: 'west', boundary: rect(-800, 0, 0, 1200) }, { id: 'city', name: 'city', boundary: rect(0, 0, 1200, 1200) }]);
  assert.equal(areas[1].reachableCells, 144);
  assert.equal(areas[1].byCategory.school.coveredShare > 0.5, true);
});

test('gap finding adds the sites that cover the most uncovered cells', async () => {
  const g = await gridCity();
  const venues = [venue('s1', 'school', 0, 0)];
  const r = computeCoverage(g, rect(0, 0, 1200, 1200), venues, { cellM: 100, minutes: 10 });
  const candidates = [
    { id: 'near', ...pt(200, 200) }, // overlaps the existing school
    { id: 'far', ...pt(1000, 1000) }, // opposite corner: most new cells
    { id: 'mid', ...pt(600, 600) },
  ];
  const gaps = findGaps(g, r, candidates, { k: 2, category: 'school', minutes: 10 });
  assert.equal(gaps.method, 'network');
  // The centre covers the most; the far corner then adds what the centre misses; 'near' overlaps s1.
  assert.deepEqual(gaps.picks.map((p) => p.id), ['mid', 'far']);
  assert.equal(gaps.shareBefore, gaps.coveredBefore / 144);
  assert.ok(gaps.shareAfter > gaps.shareBefore);
  assert.equal(gaps.coveredAfter, gaps.coveredBefore + gaps.picks.reduce((s, p) => s + p.gain, 0));
  assert.ok(gaps.picks.every((p, i) => i === 0 || p.cumulativeShare >= gaps.picks[i - 1].cumulativeShare));
  assert.throws(() => findGaps(g, r, candidates, { category: 'nope' }), { code: 'invalid_argument' });
  // Estimate mode gives an answer too, labelled as such.
  const est = computeCoverage(null, rect(0, 0, 1200, 1200), venues, { cellM: 200 });
  assert.equal(est.method, 'estimate');
  assert.equal(findGaps(null, est, candidates, { k: 1, category: 'school' }).method, 'estimate');
});

function pt(x: number, y: number) {
  const [lon, lat] = ll(x, y);
  return { lon, lat };
}

test('estimate mode: straight line × detour factor at flat speed', () => {
  const [a, b] = ll(0, 0), [c, d] = ll(0, 1000);
  const e = estimateWalk(a, b, c, d);
  assert.equal(e.method, 'estimate');
  assert.ok(Math.abs(e.straightM - 1000) < 0.01);
  assert.ok(Math.abs(e.seconds - (1000 * DEFAULT_DETOUR_FACTOR) / 1.25) < 0.01);
  assert.ok(Math.abs(estimateWalk(a, b, c, d, { detourFactor: 1 }).minutes - 800 / 60) < 1e-6);
  assert.throws(() => estimateWalk(a, b, c, d, { detourFactor: 0.5 }), { code: 'invalid_argument' });
});

test('venue CSV parsing', () => {
  const v = parseVenuesCsv('id,name,category,lon,lat\n1,"School, No. 1",school,106.57,29.55\n2,Lib,library,106.58,29.56\n');
  assert.equal(v.length, 2);
  assert.equal(v[0].name, 'School, No. 1');
  assert.throws(() => parseVenuesCsv('id,name,lon,lat\n1,a,1,2'), { code: 'invalid_venues', message: /missing "category"/ });
  assert.throws(() => parseVenuesCsv('id,name,category,lon,lat\n1,a,s,abc,2'), { code: 'invalid_venues', message: /line 2/ });
  assert.throws(() => parseVenuesCsv('id,name,category,lon,lat\n1,a,s,1,2\n1,b,s,1,2'), { code: 'invalid_venues', message: /duplicate/ });
});
