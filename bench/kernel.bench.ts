/**
 * Design-space benchmark of the search kernel: what the engine's `kernelRun` is compared against.
 * Run: `npm run bench:kernel` (= tsx bench/kernel.bench.ts). Prints Markdown.
 *
 * Same task for every variant: BENCH_QUERIES (300) one-to-many searches with a 15-minute cutoff from
 * random nodes; the number reported is edges scanned ("relaxations") per second on one core, from the
 * fastest and the median of BENCH_REPS interleaved repetitions. Every variant's costs are checked
 * against the engine before timing. Variants:
 *  A  the engine's previous `dijkstra`: flatqueue binary heap, fresh O(n) arrays per search
 *     (cost/source/pred filled, a `done` byte array) — "straightforward", kept here as the baseline;
 *  B  typed-array binary heap, generation stamps instead of O(n) initialisation;
 *  K  the engine's ordered kernel: bucket lists + binary heap for the current bucket (exact order),
 *     reset list — at Δ = 0 (pure heap), the default Δ (median edge / 20) and ×4 / ÷4 of it;
 *  U  the engine's unordered kernel: Δ-stepping with bucket lists only, nodes may be scanned again
 *     (same costs, not settled in order) — at the ordered Δ, its default (median edge / 2) and ×4;
 *  R  reverse searches: in-edges through an edge-index indirection (the previous layout) vs the
 *     engine's contiguous reversed copy.
 * Graphs: BENCH_GRAPHS (default monaco,andorra,grid100k,grid1m).
 */
import {
  adjacency, createKernelState, kernelRun, kernelRunUnordered, reverseIndex, type WalkGraph,
} from '../packages/reach/src/index.ts';
import { previousDijkstra } from './lib/baseline.ts';
import { cpuMs, fmtMs, loadBenchGraph, machineLine, median, randomNodes } from './lib/util.ts';

const GRAPHS = (process.env.BENCH_GRAPHS ?? 'monaco,andorra,grid100k,grid1m').split(',').map((s) => s.trim()).filter(Boolean);
const Q = Number(process.env.BENCH_QUERIES ?? 300);
const REPS = Number(process.env.BENCH_REPS ?? 15);
const CUTOFF = 900;

type Search = (s: number) => Float64Array | null; // returns the dist array valid until the next call (for checking)

/** A: the previous engine `dijkstra` (flatqueue, per-search arrays), forward only. */
function variantA(g: WalkGraph): Search {
  return (s) => previousDijkstra(g, [{ node: s, seconds: 0 }], CUTOFF).cost;
}

/** B: typed binary heap + generation stamps. */
function variantB(g: WalkGraph): Search {
  const n = g.nodeCount, { offsets, targets } = g, w = g.seconds;
  const dist = new Float64Array(n), stamp = new Uint32Array(n), out = new Float64Array(n).fill(Infinity);
  let gen = 0;
  let hk = new Float64Array(1024), hn = new Uint32Array(1024);
  let lastSettled: number[] = [];
  return (s) => {
    for (const u of lastSettled) out[u] = Infinity;
    gen++;
    const settled: number[] = [];
    let len = 1;
    dist[s] = 0;
    stamp[s] = gen;
    hk[0] = 0;
    hn[0] = s;
    while (len > 0) {
      const d = hk[0], u = hn[0];
      len--;
      if (len > 0) {
        const lk = hk[len], ln = hn[len];
        let i = 0;
        const half = len >> 1;
        while (i < half) {
          let c = 2 * i + 1;
          let ck = hk[c];
          if (c + 1 < len && hk[c + 1] < ck) ck = hk[++c];
          if (ck >= lk) break;
          hk[i] = ck; hn[i] = hn[c]; i = c;
        }
        hk[i] = lk; hn[i] = ln;
      }
      if (d > dist[u]) continue;
      settled.push(u);
      for (let e = offsets[u], end = offsets[u + 1]; e < end; e++) {
        const v = targets[e];
        const nd = d + w[e];
        if (nd <= CUTOFF && (stamp[v] !== gen || nd < dist[v])) {
          dist[v] = nd;
          stamp[v] = gen;
          if (len === hk.length) {
            const a = new Float64Array(len * 2); a.set(hk); hk = a;
            const b = new Uint32Array(len * 2); b.set(hn); hn = b;
          }
          let i = len++;
          while (i > 0) {
            const p = (i - 1) >> 1;
            if (nd >= hk[p]) break;
            hk[i] = hk[p]; hn[i] = hn[p]; i = p;
          }
          hk[i] = nd; hn[i] = v;
        }
      }
    }
    for (const u of settled) out[u] = dist[u];
    lastSettled = settled;
    return out;
  };
}

/** U: the engine's unordered kernel (Δ-stepping, bucket lists only; nodes may be scanned again). */
function variantU(g: WalkGraph, delta: number): Search {
  const adj = adjacency(g);
  const st = createKernelState(g.nodeCount);
  const sn = new Float64Array(1), sc = new Float64Array(1);
  return (s) => {
    sn[0] = s;
    kernelRunUnordered(st, adj.offsets, adj.targets, adj.weights, null, sn, sc, null, 0, 1, CUTOFF, delta, 0);
    return st.dist;
  };
}

/** K: the engine's kernel with bucket width `delta` (0 = pure heap), forward or reverse adjacency. */
function variantK(g: WalkGraph, delta: number, reverse = false): Search {
  const adj = adjacency(g, reverse);
  const st = createKernelState(g.nodeCount);
  const sn = new Float64Array(1), sc = new Float64Array(1);
  return (s) => {
    sn[0] = s;
    kernelRun(st, adj.offsets, adj.targets, adj.weights, adj.edgeIds, sn, sc, null, 0, 1, CUTOFF, delta, 0, null);
    return st.dist;
  };
}

/** R: reverse search through the in-edge index (edge id → source, weight by edge id), heap as in K Δ=0 otherwise. */
function variantRIndirect(g: WalkGraph): Search {
  const r = reverseIndex(g);
  const n = g.nodeCount, w = g.seconds;
  const dist = new Float64Array(n).fill(Infinity);
  const touched = new Uint32Array(n);
  let nt = 0;
  let hk = new Float64Array(1024), hn = new Uint32Array(1024);
  return (s) => {
    for (let k = 0; k < nt; k++) dist[touched[k]] = Infinity;
    nt = 0;
    let len = 1;
    dist[s] = 0;
    touched[nt++] = s;
    hk[0] = 0;
    hn[0] = s;
    while (len > 0) {
      const d = hk[0], u = hn[0];
      len--;
      if (len > 0) {
        const lk = hk[len], ln = hn[len];
        let i = 0;
        const half = len >> 1;
        while (i < half) {
          let c = 2 * i + 1;
          let ck = hk[c];
          if (c + 1 < len && hk[c + 1] < ck) ck = hk[++c];
          if (ck >= lk) break;
          hk[i] = ck; hn[i] = hn[c]; i = c;
        }
        hk[i] = lk; hn[i] = ln;
      }
      if (d > dist[u]) continue;
      for (let k = r.offsets[u], end = r.offsets[u + 1]; k < end; k++) {
        const e = r.edges[k];
        const v = r.sources[e];
        const nd = d + w[e];
        const dv = dist[v];
        if (nd < dv && nd <= CUTOFF) {
          if (dv === Infinity) touched[nt++] = v;
          dist[v] = nd;
          if (len === hk.length) {
            const a = new Float64Array(len * 2); a.set(hk); hk = a;
            const b = new Uint32Array(len * 2); b.set(hn); hn = b;
          }
          let i = len++;
          while (i > 0) {
            const p = (i - 1) >> 1;
            if (nd >= hk[p]) break;
            hk[i] = hk[p]; hn[i] = hn[p]; i = p;
          }
          hk[i] = nd; hn[i] = v;
        }
      }
    }
    return dist;
  };
}

console.log(`# Search kernel variants\n\nmachine: ${machineLine()}\n`);
console.log(`${Q} searches, 15-minute cutoff, random origins (seed 11). Cells: million relaxations per second on one core **by CPU time** (median of ${REPS} interleaved repetitions; robust to other work on the machine), and in brackets the median wall-clock time of the ${Q} searches.\n`);
const table: Record<string, string[]> = {};
const labels: string[] = [];
for (const key of GRAPHS) {
  const { label, graph: g } = await loadBenchGraph(key);
  const origins = randomNodes(g, Q, 11);
  const delta = adjacency(g).delta, deltaU = adjacency(g).deltaUnordered;
  const variants: [string, Search][] = [
    ['A previous `dijkstra` (flatqueue, O(n) arrays per search)', variantA(g)],
    ['B typed binary heap + generation stamps', variantB(g)],
    ['K ordered kernel, Δ = 0 (binary heap only, reset list)', variantK(g, 0)],
    ['K ordered kernel, Δ = median edge / 80', variantK(g, delta / 4)],
    ['K ordered kernel, Δ = median edge / 20 (**default**)', variantK(g, delta)],
    ['K ordered kernel, Δ = median edge / 5', variantK(g, delta * 4)],
    ['U unordered kernel, Δ = median edge / 20', variantU(g, delta)],
    ['U unordered kernel, Δ = median edge / 2 (**default**)', variantU(g, deltaU)],
    ['U unordered kernel, Δ = 2 × median edge', variantU(g, deltaU * 4)],
    ['R reverse search through the edge-index indirection (heap)', variantRIndirect(g)],
    ['R reverse search, kernel on the contiguous reversed copy (Δ = 0)', variantK(g, 0, true)],
  ];
  // Reference costs (first 10 origins) and relaxation counts from the engine.
  const adjF = adjacency(g), adjR = adjacency(g, true);
  const st = createKernelState(g.nodeCount);
  let relax = 0, relaxRev = 0;
  const checks: Float64Array[] = [], checksRev: Float64Array[] = [];
  for (const [i, o] of origins.entries()) {
    kernelRun(st, adjF.offsets, adjF.targets, adjF.weights, null, [o], [0], null, 0, 1, CUTOFF, delta, 0, null);
    relax += st.relaxations;
    if (i < 10) checks.push(st.dist.slice());
    kernelRun(st, adjR.offsets, adjR.targets, adjR.weights, adjR.edgeIds, [o], [0], null, 0, 1, CUTOFF, delta, 0, null);
    relaxRev += st.relaxations;
    if (i < 10) checksRev.push(st.dist.slice());
  }
  for (const [name, f] of variants) {
    const rev = name.startsWith('R');
    for (let i = 0; i < 10; i++) {
      const d = f(origins[i])!;
      const want = rev ? checksRev[i] : checks[i];
      for (let u = 0; u < g.nodeCount; u++) {
        const a = d[u] <= CUTOFF ? d[u] : Infinity;
        if (a !== want[u]) throw new Error(`${label}: variant ${name} differs at node ${u}: ${a} vs ${want[u]}`);
      }
    }
  }
  const times: number[][] = variants.map(() => []);
  const cpus: number[][] = variants.map(() => []);
  for (let r = 0; r < REPS; r++) {
    variants.forEach(([, f], i) => {
      const c = cpuMs(), t = performance.now();
      for (const o of origins) f(o);
      times[i].push(performance.now() - t);
      cpus[i].push(cpuMs() - c);
    });
  }
  variants.forEach(([name], i) => {
    const cmed = median(cpus[i]), med = median(times[i]);
    const rx = name.startsWith('R') ? relaxRev : relax;
    (table[name] ??= []).push(`**${(rx / cmed / 1000).toFixed(1)}** (${fmtMs(med)} ms)`);
  });
  labels.push(`${label} (${g.nodeCount} nodes, ${Math.round(relax / Q)} relaxations/search)`);
  process.stderr.write(`${label} done\n`);
}
console.log(`| variant | ${labels.join(' | ')} |`);
console.log(`|---|${labels.map(() => '---').join('|')}|`);
for (const [name, cells] of Object.entries(table)) console.log(`| ${name} | ${cells.join(' | ')} |`);
