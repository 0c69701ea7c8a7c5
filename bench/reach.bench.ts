/**
 * Benchmark of the reachability engine on the shared real extracts (Monaco XML.gz, Andorra PBF,
 * both with SRTM3). Run: `npm run bench:reach` (tsx bench/reach.bench.ts). Prints a Markdown report.
 * Data: $COEDU_SHARED_DATA or <repo>/../shared/data.
 */
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Boundary, buildGraph, calibrateDetourFactor, computeCoverage, isochrones, mulberry32, openOsmFile, reach, readDem,
  serializeGraph, deserializeGraph, route, type Venue, type WalkGraph,
} from '../packages/reach/src/index.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const data = process.env.COEDU_SHARED_DATA ?? resolve(repo, '../shared/data');
const QUERIES = Number(process.env.BENCH_QUERIES ?? 300);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
}
const ms = (x: number): string => x.toFixed(x < 10 ? 2 : 1);

async function timeBuild(osm: string, dem: string, runs = 3): Promise<{ g: WalkGraph; times: number[] }> {
  const times: number[] = [];
  let g!: WalkGraph;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const d = await readDem([resolve(data, dem)]);
    g = (await buildGraph(await openOsmFile(resolve(data, osm)), { dem: d })).graph;
    times.push(performance.now() - t0);
  }
  return { g, times };
}

async function bench(name: string, osm: string, dem: string): Promise<string[]> {
  const { g, times } = await timeBuild(osm, dem);
  const s = g.meta.stats;
  const bytes = serializeGraph(g);
  const t0 = performance.now();
  deserializeGraph(bytes);
  const loadMs = performance.now() - t0;
  const rnd = mulberry32(2024);
  // Warm-up, then one-to-many 15-minute queries from random nodes and from random snapped points.
  for (let i = 0; i < 20; i++) reach(g, { node: Math.floor(rnd() * g.nodeCount) }, { minutes: 15 });
  const nodeT: number[] = [], pointT: number[] = [], reached: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const u = Math.floor(rnd() * g.nodeCount);
    let t = performance.now();
    const r = reach(g, { node: u }, { minutes: 15 });
    nodeT.push(performance.now() - t);
    reached.push(r.reached.length);
    const lon = g.nodeLon[u] + (rnd() - 0.5) * 0.002, lat = g.nodeLat[u] + (rnd() - 0.5) * 0.002;
    t = performance.now();
    reach(g, { lon, lat }, { minutes: 15 });
    pointT.push(performance.now() - t);
  }
  const isoT: number[] = [];
  for (let i = 0; i < 30; i++) {
    const u = Math.floor(rnd() * g.nodeCount);
    const t = performance.now();
    isochrones(g, { lon: g.nodeLon[u], lat: g.nodeLat[u] });
    isoT.push(performance.now() - t);
  }
  const routeT: number[] = [];
  for (let i = 0; i < 100; i++) {
    const a = Math.floor(rnd() * g.nodeCount), b = Math.floor(rnd() * g.nodeCount);
    const t = performance.now();
    route(g, { node: a }, { node: b });
    routeT.push(performance.now() - t);
  }
  // Coverage: 100 m grid over the graph's bounding box, 30 venues in 3 categories at random nodes.
  let a = Infinity, b = Infinity, c = -Infinity, d = -Infinity;
  for (let i = 0; i < g.nodeCount; i++) {
    a = Math.min(a, g.nodeLon[i]); b = Math.min(b, g.nodeLat[i]); c = Math.max(c, g.nodeLon[i]); d = Math.max(d, g.nodeLat[i]);
  }
  const boundary = new Boundary([[[[a, b], [c, b], [c, d], [a, d], [a, b]]]]);
  const venues: Venue[] = Array.from({ length: 30 }, (_, i) => {
    const u = Math.floor(rnd() * g.nodeCount);
    return { id: `v${i}`, name: `v${i}`, category: ['school', 'library', 'community'][i % 3], lon: g.nodeLon[u], lat: g.nodeLat[u] };
  });
  let t = performance.now();
  const cov = computeCoverage(g, boundary, venues, { cellM: 100 });
  const covMs = performance.now() - t;
  t = performance.now();
  const cal = calibrateDetourFactor(g, { origins: 500, perOrigin: 10, seed: 1 });
  const calMs = performance.now() - t;
  return [
    `| ${name} | ${s.nodes} / ${s.edges} | ${s.walkwayKm.toFixed(1)} | ${ms(pct(times, 0.5))} | ${(bytes.length / 1024).toFixed(0)} KiB, load ${ms(loadMs)} ms | ` +
      `${ms(pct(nodeT, 0.5))} / ${ms(pct(nodeT, 0.95))} (${Math.round(pct(reached, 0.5))} nodes) | ${ms(pct(pointT, 0.5))} / ${ms(pct(pointT, 0.95))} | ` +
      `${ms(pct(isoT, 0.5))} / ${ms(pct(isoT, 0.95))} | ${ms(pct(routeT, 0.5))} / ${ms(pct(routeT, 0.95))} | ` +
      `${cov.cells.length} cells: ${ms(covMs)} ms |`,
    `| ${name} | ${cal.pairs} | ${cal.p25.toFixed(3)} | ${cal.median.toFixed(3)} | ${cal.mean.toFixed(3)} | ${cal.p75.toFixed(3)} | ${cal.p90.toFixed(3)} | ${ms(calMs)} ms |`,
  ];
}

const rows = [
  await bench('Monaco (XML.gz + N43E007)', 'osm/monaco.osm.gz', 'dem/N43E007.hgt.zip'),
  await bench('Andorra (PBF + N42E001)', 'osm/andorra.osm.pbf', 'dem/N42E001.hgt.zip'),
];
const cpu = cpus();
console.log(`machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ${QUERIES} queries per kind\n`);
console.log('| extract | nodes / directed edges | walkway km | build ms (median of 3, incl. DEM unzip) | graph file | reach 15 min from node p50 / p95 ms (median reached) | from point p50 / p95 ms | isochrones 5/10/15 p50 / p95 ms | route p50 / p95 ms | coverage (3 categories, 30 venues) |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r[0]);
console.log('\nDetour factor calibration (network / straight-line distance, node pairs 100 m – 2 km apart, 500 origins × 10, seed 1):\n');
console.log('| extract | pairs | p25 | median | mean | p75 | p90 | time |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r[1]);
