/**
 * The engine on a synthetic street grid of about BENCH_GRID_NODES (default 1,000,000) nodes.
 * Run: `npm run bench:grid` (= tsx bench/grid.bench.ts). Prints Markdown; needs nothing external.
 *
 * The grid (bench/lib/synthetic-grid.ts) is a jittered 60 m grid with 6 % of the edges missing, 3 % of
 * the north–south pieces stairs, on a synthetic hilly DEM — fed through the real `buildGraph`
 * (Tobler costs, SCC, contraction, CSR). Timed: DEM generation, build, serialise, write, read +
 * validate (in a fresh child process, which also reports the memory of a loaded graph), per-venue
 * catchments (1 thread and the pool), a large single search, and full-district coverage (100 m cells
 * over the whole grid, 300 venues in 3 categories) with its parts. Memory (RSS, heap, array buffers,
 * peak RSS) after each stage. CPU time (this process, all threads incl. V8's GC helpers) next to the
 * wall-clock time of the main stages: on a shared machine the wall clock includes time spent waiting
 * for a core.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Boundary, DemSet, ReachPool, buildGraph, computeCoverage, coverageGrid, deserializeGraph, readGraphFile, reach, serializeGraph,
  trySnap, venueCatchments, writeGraphFile, type Venue,
} from '../packages/reach/src/index.ts';
import { SyntheticGrid, gridForNodes, syntheticTile } from './lib/synthetic-grid.ts';
import { cpuMs, fmtMs, machineLine, median, memoryLine, mib, randomNodes } from './lib/util.ts';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--load-child') {
  // Child: load the graph file as a server would at start, report time and memory as JSON.
  const t0 = performance.now(), c0 = cpuMs();
  const g = await readGraphFile(process.argv[3]);
  const loadMs = performance.now() - t0, loadCpu = cpuMs() - c0;
  const t1 = performance.now();
  reach(g, { node: 0 }, { minutes: 15 });
  const firstMs = performance.now() - t1;
  const m = process.memoryUsage();
  console.log(JSON.stringify({ loadMs, loadCpu, firstMs, rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, maxRss: process.resourceUsage().maxRSS * 1024, nodes: g.nodeCount }));
  process.exit(0);
}

const NODES = Number(process.env.BENCH_GRID_NODES ?? 1_000_000);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const VENUES = 300;
const stage: [string, string, string][] = []; // what, time, memory after
const note = (m: string): void => void process.stderr.write(`[${(performance.now() / 1000).toFixed(0)} s] ${m}\n`);

console.log(`# Synthetic grid benchmark\n\nmachine: ${machineLine()}\n`);

let t = performance.now();
const tile = syntheticTile(29, 106, 1);
stage.push(['synthetic DEM tile (1201² posts)', `${fmtMs(performance.now() - t)} ms`, memoryLine()]);

const src = new SyntheticGrid({ ...gridForNodes(NODES), seed: 1 });
t = performance.now();
const buildC0 = cpuMs();
const { graph: g, stats } = await buildGraph(src, { dem: new DemSet([tile]) });
const buildMs = performance.now() - t, buildCpu = cpuMs() - buildC0;
stage.push([`build (${src.cols}×${src.rows} OSM nodes → ${g.nodeCount} nodes, ${g.edgeCount} directed edges, ${g.linkCount} links, ${stats.walkwayKm.toFixed(0)} km)`, `${fmtMs(buildMs)} ms wall (${fmtMs(buildCpu)} ms CPU)`, memoryLine()]);

t = performance.now();
const bytes = serializeGraph(g);
stage.push([`serialise (format v1, ${mib(bytes.length)})`, `${fmtMs(performance.now() - t)} ms`, memoryLine()]);
t = performance.now();
deserializeGraph(bytes);
stage.push(['deserialise from memory (CRC-32 per section, invariant checks)', `${fmtMs(performance.now() - t)} ms`, memoryLine()]);
const dir = mkdtempSync(join(tmpdir(), 'coedu-grid-'));
const file = join(dir, 'grid.graph');
try {
  t = performance.now();
  await writeGraphFile(file, g);
  stage.push([`write file (atomic, ${mib(statSync(file).size)})`, `${fmtMs(performance.now() - t)} ms`, memoryLine()]);
  const child = spawnSync(process.execPath, [...process.execArgv, self, '--load-child', file], { encoding: 'utf8', timeout: 300_000 });
  if (child.status === 0) {
    const r = JSON.parse(child.stdout.trim().split('\n').pop()!);
    stage.push([
      'read file + validate, fresh process (then first 15-min search incl. adjacency set-up)',
      `${fmtMs(r.loadMs)} ms wall (${fmtMs(r.loadCpu)} ms CPU) (+ ${fmtMs(r.firstMs)} ms)`,
      `child: RSS ${mib(r.rss)}, heap used ${mib(r.heapUsed)}, array buffers ${mib(r.arrayBuffers)}, peak RSS ${mib(r.maxRss)}`,
    ]);
  } else {
    stage.push(['read file in a child process', 'failed', (child.stderr || '').slice(-300)]);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// ---- searches
const venueNodes = randomNodes(g, VENUES, 42);
const origins = venueNodes.map((node) => ({ node }));
const times: number[] = [], cpuTimes: number[] = [];
let res = venueCatchments(g, origins, { minutes: 15, direction: 'from-venue' });
for (let i = 0; i < 5; i++) {
  const a = performance.now(), c = cpuMs();
  res = venueCatchments(g, origins, { minutes: 15, direction: 'from-venue' });
  times.push(performance.now() - a);
  cpuTimes.push(cpuMs() - c);
}
const seqMs = median(times), seqCpu = median(cpuTimes);
const pool = new ReachPool(g, { threads: THREADS });
t = performance.now();
await pool.ready();
const poolStart = performance.now() - t;
const ptimes: number[] = [], pcpu: number[] = [];
let pres = pool.venueCatchmentsSync(origins, { minutes: 15, direction: 'from-venue' });
for (let i = 0; i < 5; i++) {
  const a = performance.now(), c = cpuMs();
  pres = pool.venueCatchmentsSync(origins, { minutes: 15, direction: 'from-venue' });
  ptimes.push(performance.now() - a);
  pcpu.push(cpuMs() - c);
}
const parMs = median(ptimes), parCpu = median(pcpu);
const same = pres.nodes.length === res.nodes.length && pres.seconds.every((x, k) => x === res.seconds[k]);
await pool.close();
stage.push([
  `catchments of ${VENUES} venues, 15 min (${res.nodes.length} entries, ${res.relaxations} relaxations)`,
  `1 thread ${fmtMs(seqMs)} ms wall (${fmtMs(seqCpu)} ms CPU) = ${(res.relaxations / seqMs / 1000).toFixed(1)} M relaxations/s ` +
    `(${(res.relaxations / seqCpu / 1000).toFixed(1)} M per CPU second); pool (${pres.threads} threads, started in ${fmtMs(poolStart)} ms) ` +
    `${fmtMs(parMs)} ms wall (${fmtMs(parCpu)} ms CPU, both threads)${same ? '' : ' — DIFFERENT RESULT'}`,
  memoryLine(),
]);
const bigT: number[] = [], bigC: number[] = [];
let big = venueCatchments(g, [{ node: venueNodes[0] }], { minutes: 120, direction: 'from-venue' });
for (let i = 0; i < 3; i++) {
  const a = performance.now(), c = cpuMs();
  big = venueCatchments(g, [{ node: venueNodes[0] }], { minutes: 120, direction: 'from-venue' });
  bigT.push(performance.now() - a);
  bigC.push(cpuMs() - c);
}
stage.push([
  `one 120-min search (${big.nodes.length} nodes settled, ${big.relaxations} relaxations; cache-unfriendly)`,
  `${fmtMs(median(bigT))} ms wall (${fmtMs(median(bigC))} ms CPU) = ${(big.relaxations / median(bigT) / 1000).toFixed(1)} M relaxations/s ` +
    `(${(big.relaxations / median(bigC) / 1000).toFixed(1)} M per CPU second)`,
  memoryLine(),
]);

// ---- full-district coverage
const [w, s, e, n] = src.bbox();
const boundary = new Boundary([[[[w, s], [e, s], [e, n], [w, n], [w, s]]]]);
const venues: Venue[] = venueNodes.map((u, i) => ({
  id: `v${i}`, name: `v${i}`, category: ['school', 'library', 'community'][i % 3], lon: g.nodeLon[u] + 0.0002, lat: g.nodeLat[u] - 0.0001,
}));
t = performance.now();
const grid = coverageGrid(boundary, 100);
const gridMs = performance.now() - t;
t = performance.now();
trySnap(g, grid.cells[0].lon, grid.cells[0].lat); // builds the snap index (cached per graph)
const indexMs = performance.now() - t;
t = performance.now();
let snapped = 0;
for (const c of grid.cells) if (trySnap(g, c.lon, c.lat)) snapped++;
const snapMs = performance.now() - t;
t = performance.now();
const c0 = cpuMs();
const cov = computeCoverage(g, boundary, venues, { cellM: 100 });
const covMs = performance.now() - t, covCpu = cpuMs() - c0;
const covered = cov.cells.filter((c) => c.venuesWithin > 0).length;
stage.push([
  `full-district coverage: ${cov.cells.length} cells of 100 m, ${VENUES} venues in 3 categories (${covered} cells with a venue within 15 min)`,
  `${fmtMs(covMs)} ms wall (${fmtMs(covCpu)} ms CPU) with the snap index built (once per graph: ${fmtMs(indexMs)} ms); parts measured separately: grid + clipping ${fmtMs(gridMs)} ms, snapping the ${snapped} cell centres ${fmtMs(snapMs)} ms`,
  memoryLine(),
]);

console.log('| stage | time | memory after (this process unless noted) |');
console.log('|---|---|---|');
for (const [a, b, c] of stage) console.log(`| ${a} | ${b} | ${c} |`);
