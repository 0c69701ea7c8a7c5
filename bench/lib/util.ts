/** Small helpers shared by the benchmarks: timing statistics, machine and memory notes, graphs. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DemSet, buildGraph, mulberry32, openOsmFile, readDem, type WalkGraph,
} from '../../packages/reach/src/index.ts';
import { SyntheticGrid, gridForNodes, syntheticTile } from './synthetic-grid.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DATA = process.env.COEDU_SHARED_DATA ?? resolve(REPO, '../shared/data');

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
}

/** Milliseconds with sensible precision. */
export function fmtMs(x: number): string {
  if (!Number.isFinite(x)) return '–';
  if (x >= 1000) return x.toFixed(0);
  if (x >= 100) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

export function fmtX(x: number): string {
  return !Number.isFinite(x) ? '–' : x >= 100 ? `${x.toFixed(0)}×` : `${x.toFixed(1)}×`;
}

export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

export function machineLine(): string {
  const c = cpus();
  const [l1, l5] = loadavg();
  return `${c.length} × ${c[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
    `load average ${l1.toFixed(2)} (1 min) / ${l5.toFixed(2)} (5 min) at the start`;
}

export function loadNow(): string {
  return loadavg()[0].toFixed(2);
}

export function memoryLine(): string {
  const m = process.memoryUsage();
  return `RSS ${mib(m.rss)}, heap used ${mib(m.heapUsed)}, array buffers ${mib(m.arrayBuffers)}, peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}`;
}

/** `count` distinct random nodes (seeded). */
export function randomNodes(g: WalkGraph, count: number, seed: number): number[] {
  const rnd = mulberry32(seed);
  const out = new Set<number>();
  const want = Math.min(count, g.nodeCount);
  while (out.size < want) out.add(Math.floor(rnd() * g.nodeCount));
  return [...out];
}

export interface NamedGraph {
  key: string;
  label: string;
  graph: WalkGraph;
  buildMs: number;
}

/** The benchmark graphs by key: monaco, andorra (contracted, as shipped), andorra-full (contract: false), grid<N>k / grid1m. */
export async function loadBenchGraph(key: string): Promise<NamedGraph> {
  const t0 = performance.now();
  const real: Record<string, [string, string, string]> = {
    monaco: ['Monaco', 'osm/monaco.osm.gz', 'dem/N43E007.hgt.zip'],
    andorra: ['Andorra', 'osm/andorra.osm.pbf', 'dem/N42E001.hgt.zip'],
  };
  const base = key.replace(/-full$/, '');
  if (real[base]) {
    const [name, osm, dem] = real[base];
    const contract = !key.endsWith('-full');
    const { graph } = await buildGraph(await openOsmFile(resolve(DATA, osm)), { dem: await readDem([resolve(DATA, dem)]), contract });
    return { key, label: `${name}${contract ? '' : ' uncontracted'}`, graph, buildMs: performance.now() - t0 };
  }
  const m = /^grid(\d+)(k|m)$/.exec(key);
  if (m) {
    const nodes = Number(m[1]) * (m[2] === 'k' ? 1e3 : 1e6);
    const { graph } = await buildGraph(new SyntheticGrid({ ...gridForNodes(nodes), seed: 1 }), { dem: new DemSet([syntheticTile(29, 106, 1)]) });
    return { key, label: `synthetic grid ${m[1]}${m[2] === 'k' ? 'k' : 'M'}`, graph, buildMs: performance.now() - t0 };
  }
  throw new Error(`unknown graph ${key} (monaco, andorra, monaco-full, andorra-full, grid<N>k, grid<N>m)`);
}

/** CPU time of this process (all threads; µs resolution), in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * CPU time of another (idle) process from /proc/<pid>/schedstat (ns resolution), in ms; NaN where
 * unavailable. Used for the PostgreSQL backend, which sleeps between our queries.
 */
export function procCpuMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

let gcFn: (() => void) | null | undefined;

/**
 * A full garbage collection, so that the next timed call does not pay for garbage someone else left
 * (e.g. the pg client's parsed rows being marked while the engine runs). `BENCH_GC=0` turns it off;
 * a no-op where V8's `gc` cannot be exposed. The timed code's own allocations still cost what they cost.
 */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    gcFn = null;
    if (process.env.BENCH_GC !== '0') {
      try {
        setFlagsFromString('--expose-gc');
        gcFn = runInNewContext('gc') as () => void;
      } catch {
        gcFn = null;
      }
    }
  }
  gcFn?.();
}

/** `collectGarbage()` between measurements (async so that pending I/O callbacks can run first). No-op with BENCH_GC=0. */
export async function settle(): Promise<void> {
  await new Promise((res) => setImmediate(res));
  collectGarbage();
}
