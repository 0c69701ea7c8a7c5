/**
 * Per-venue catchments on several cores (worker_threads).
 *
 * A `ReachPool` copies the search adjacency of a graph once into SharedArrayBuffers and starts
 * `threads − 1` workers; the calling thread is the last worker. A batch is published through a
 * small shared control block; every thread (main included) claims origins one at a time with an
 * atomic compare-and-swap on a counter tagged with the batch number (so a late worker can never take
 * an origin of a newer batch with an older batch's parameters), runs the *same* kernel
 * (`kernelRunUnordered`, whose source text is shipped to the workers) and writes its results into its own
 * shared output region. The main thread then waits (Atomics.wait, bounded by one search) for the
 * origins the workers took and gathers everything into one CSR block. Workers block in Atomics.wait
 * between batches (no event-loop round trip: waking one costs microseconds, not a postMessage);
 * configuration (new shared buffers) travels over a MessagePort that the worker drains synchronously
 * with receiveMessageOnPort when woken.
 *
 * Fallbacks: one thread, no worker_threads, a worker that failed to start or crashed — the batch
 * runs (or is finished) on the calling thread; an origin whose result did not fit a worker's output
 * region is recomputed on the calling thread and the regions grow for the next batch.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { WalkGraph } from '../graph/types.ts';
import {
  type CatchmentSink, type FlatSeeds, type VenueCatchments, type VenueCatchmentsOptions, acquireSink, catchmentSetup, flattenSeeds,
  offsetsFrom, releaseSink, runOrigins,
} from './batch.ts';
import type { Adjacency } from './dijkstra.ts';
import { withSearch } from './dijkstra.ts';
import { createKernelState, kernelRun, kernelRunUnordered } from './kernel.ts';
import type { Origin } from './reach.ts';

// Control block (Int32): sequence, command, direction, job count, claim word.
const C_SEQ = 0, C_CMD = 1, C_DIR = 2, C_COUNT = 3, C_CLAIM = 4;
const CMD_RUN = 0, CMD_EXIT = 1;
/** Origins per round: the claim word holds an 11-bit batch tag above a 20-bit origin index. */
const MAX_ROUND = 1 << 19;
/** Per job (Int32 × 5): done (= batch seq), owner (worker index; −1 overflow, −2 error), start, length, edges scanned. */
const J_DONE = 0, J_OWNER = 1, J_START = 2, J_LEN = 3, J_RELAX = 4, J_STRIDE = 5;
/** How long the main thread waits for one origin a worker took before computing it itself. */
const JOB_WAIT_MS = 60_000;

/**
 * Worker entry (runs in the worker; self-contained apart from `createKernelState` / `kernelRun` /
 * `kernelRunUnordered`, which are defined next to it in the worker source).
 */
function workerMain(wt: typeof import('node:worker_threads')): void {
  const wd = wt.workerData as {
    index: number; n: number; ctrl: SharedArrayBuffer; params: SharedArrayBuffer; stats: SharedArrayBuffer; port: MessagePort;
  };
  const ctrl = new Int32Array(wd.ctrl);
  const params = new Float64Array(wd.params);
  const stats = new Float64Array(wd.stats);
  const me = wd.index;
  const adj: ({ offsets: Uint32Array; targets: Uint32Array; weights: Float32Array; delta: number } | null)[] = [null, null];
  let jobs = new Int32Array(0);
  let seedOff = new Uint32Array(0), seedNodes = new Float64Array(0), seedCosts = new Float64Array(0);
  let outNodes = new Uint32Array(0), outSecs = new Float64Array(0);
  const st = createKernelState(wd.n);
  let lastSeq = 0;
  for (;;) {
    Atomics.wait(ctrl, C_SEQ, lastSeq);
    const seq = Atomics.load(ctrl, C_SEQ);
    lastSeq = seq;
    for (let m = wt.receiveMessageOnPort(wd.port); m !== undefined; m = wt.receiveMessageOnPort(wd.port)) {
      const msg = m.message;
      if (msg.type === 'adj') {
        adj[msg.dir] = { offsets: new Uint32Array(msg.offsets), targets: new Uint32Array(msg.targets), weights: new Float32Array(msg.weights), delta: msg.delta };
      } else if (msg.type === 'jobs') {
        jobs = new Int32Array(msg.jobs);
        seedOff = new Uint32Array(msg.seedOff);
        seedNodes = new Float64Array(msg.seedNodes);
        seedCosts = new Float64Array(msg.seedCosts);
      } else if (msg.type === 'out') {
        outNodes = new Uint32Array(msg.nodes);
        outSecs = new Float64Array(msg.secs);
      }
    }
    if (Atomics.load(ctrl, C_CMD) === CMD_EXIT) return;
    const tag = seq & 0x7ff;
    const a = adj[ctrl[C_DIR]];
    const count = ctrl[C_COUNT];
    const cutoff = params[0];
    let pos = 0, relax = 0, done = 0, r = 0;
    for (;;) {
      const w = Atomics.load(ctrl, C_CLAIM);
      if (w >>> 20 !== tag) break;
      const j = w & 0xfffff;
      if (j >= count) break;
      if (Atomics.compareExchange(ctrl, C_CLAIM, w, w + 1) !== w) continue;
      let owner = me;
      let cnt = 0;
      try {
        if (a === null) throw new Error('no adjacency');
        cnt = kernelRunUnordered(st, a.offsets, a.targets, a.weights, null, seedNodes, seedCosts, null, seedOff[j], seedOff[j + 1], cutoff, a.delta, 0);
        r = st.relaxations;
        relax += r;
        if (pos + cnt > outNodes.length) owner = -1;
        else {
          const settled = st.settled, dist = st.dist;
          for (let k = 0; k < cnt; k++) {
            const u = settled[k];
            outNodes[pos + k] = u;
            outSecs[pos + k] = dist[u];
          }
        }
      } catch {
        owner = -2;
      }
      // Seqlock: mark the slot as being written, fill it, then publish the batch number. A reader
      // re-checks the mark after reading, so a late worker of an older batch can never hand it a
      // half-written slot.
      const b = J_STRIDE * j;
      Atomics.store(jobs, b + J_DONE, 0);
      jobs[b + J_OWNER] = owner;
      jobs[b + J_START] = pos;
      jobs[b + J_LEN] = cnt;
      jobs[b + J_RELAX] = r;
      if (owner >= 0) pos += cnt;
      done++;
      Atomics.store(jobs, b + J_DONE, seq);
      Atomics.notify(jobs, b + J_DONE);
      if (owner < 0) break; // region full or failure: leave the rest to the main thread
    }
    stats[0] += relax;
    stats[1] += done;
  }
}

function workerSource(): string {
  // `__name` is the helper esbuild (tsx) inserts for nested named functions; harmless if unused.
  return [
    '"use strict";',
    'var __name = (f) => f;',
    `const C_SEQ = ${C_SEQ}, C_CMD = ${C_CMD}, C_DIR = ${C_DIR}, C_COUNT = ${C_COUNT}, C_CLAIM = ${C_CLAIM}, CMD_EXIT = ${CMD_EXIT};`,
    `const J_DONE = ${J_DONE}, J_OWNER = ${J_OWNER}, J_START = ${J_START}, J_LEN = ${J_LEN}, J_RELAX = ${J_RELAX}, J_STRIDE = ${J_STRIDE};`,
    createKernelState.toString(),
    kernelRun.toString(),
    kernelRunUnordered.toString(),
    workerMain.toString(),
    "workerMain(require('node:worker_threads'));",
  ].join('\n');
}

interface SharedAdj {
  offsets: SharedArrayBuffer;
  targets: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  delta: number;
}

function share<T extends Uint32Array | Float32Array | Float64Array | Int32Array>(a: T): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(a.byteLength);
  new (a.constructor as new (b: SharedArrayBuffer) => T)(sab).set(a);
  return sab;
}

/** Options of `ReachPool`. */
export interface ReachPoolOptions {
  /** Threads including the calling one (default: available parallelism, at most 8). */
  threads?: number;
  /** Initial entries per worker output region (default 4 per node, 64 Ki – 4 Mi); grows on demand. */
  outputCapacity?: number;
  /** Origins per round (default and maximum 2^19). */
  roundSize?: number;
  /** Whether the calling thread takes origins too (default true; false leaves them all to the workers). */
  callerWorks?: boolean;
  /**
   * Batches estimated (from earlier batches) to take less than this many milliseconds on one thread run
   * on the calling thread alone (default 2; 0 = always use the workers).
   */
  minParallelMs?: number;
  /**
   * How long the calling thread waits for an origin still running in a worker before computing it
   * itself (default: twice its own mean time per origin in that batch, at least 0.05 ms).
   */
  backupAfterMs?: number;
}

/** Worker threads bound to one graph (see the module comment). Create once, reuse for many batches. */
export class ReachPool {
  readonly graph: WalkGraph;
  readonly threads: number;
  private workers: Worker[] = [];
  private ports: MessagePort[] = [];
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(64));
  private readonly params = new Float64Array(new SharedArrayBuffer(16));
  private readonly stats: Float64Array[] = [];
  private readonly sharedAdj: (SharedAdj | null)[] = [null, null];
  private jobs: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private seedOff: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private seedNodes: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private seedCosts: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private outCapacity: number;
  private readonly roundSize: number;
  private readonly callerWorks: boolean;
  private readonly backupAfterMs: number | undefined;
  private readonly minParallelMs: number;
  private readonly msPerOrigin = new Map<string, number>();
  private readonly online: Promise<void>;
  private seq = 0;
  private broken: string | null = null;
  private closed = false;

  constructor(graph: WalkGraph, opts: ReachPoolOptions = {}) {
    this.graph = graph;
    const want = opts.threads ?? Math.min(8, availableParallelism());
    this.threads = Math.max(1, Math.floor(want));
    this.outCapacity = Math.max(1, Math.floor(opts.outputCapacity ?? Math.max(1 << 16, Math.min(1 << 22, graph.nodeCount * 4))));
    this.roundSize = Math.max(1, Math.min(MAX_ROUND, Math.floor(opts.roundSize ?? MAX_ROUND)));
    this.callerWorks = opts.callerWorks ?? true;
    this.backupAfterMs = opts.backupAfterMs;
    this.minParallelMs = Math.max(0, opts.minParallelMs ?? 2);
    const online: Promise<void>[] = [];
    this.online = Promise.resolve();
    if (this.threads === 1) return;
    try {
      const source = workerSource();
      for (let i = 0; i < this.threads - 1; i++) {
        const { port1, port2 } = new MessageChannel();
        const stats = new Float64Array(new SharedArrayBuffer(16));
        const w = new Worker(source, {
          eval: true,
          workerData: { index: i, n: graph.nodeCount, ctrl: this.ctrl.buffer, params: this.params.buffer, stats: stats.buffer, port: port2 },
          transferList: [port2],
        });
        w.on('error', (e) => {
          this.broken = `worker ${i} failed: ${(e as Error).message}`;
        });
        online.push(new Promise<void>((res) => {
          w.once('online', () => res());
          w.once('error', () => res());
          w.once('exit', () => res());
        }));
        w.unref();
        port1.unref();
        this.workers.push(w);
        this.ports.push(port1);
        this.stats.push(stats);
        this.sendOut(i);
      }
      this.online = Promise.all(online).then(() => undefined);
    } catch (e) {
      this.broken = `workers unavailable: ${(e as Error).message}`;
      void this.terminate();
    }
  }

  /** Resolves when every worker thread has started (batches do not need to wait for it). */
  ready(): Promise<void> {
    // The workers are unref'd (they must not keep a process alive); hold the loop open while waiting.
    for (const w of this.workers) w.ref();
    return this.online.then(() => {
      for (const w of this.workers) w.unref();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Why the pool runs sequentially (null while the workers are fine). */
  get fallbackReason(): string | null {
    return this.threads === 1 ? 'one thread requested' : this.broken;
  }

  /** Edges scanned and origins done by each worker so far (diagnostics). */
  workerStats(): { relaxations: number; origins: number }[] {
    return this.stats.map((s) => ({ relaxations: s[0], origins: s[1] }));
  }

  private sendOut(i: number): void {
    const nodes = new SharedArrayBuffer(this.outCapacity * 4), secs = new SharedArrayBuffer(this.outCapacity * 8);
    this.outRegions[i] = { nodes: new Uint32Array(nodes), secs: new Float64Array(secs) };
    this.ports[i].postMessage({ type: 'out', nodes, secs });
  }

  private outRegions: { nodes: Uint32Array; secs: Float64Array }[] = [];

  private ensureAdj(dir: 0 | 1, adj: Adjacency): void {
    if (this.sharedAdj[dir]) return;
    const s: SharedAdj = { offsets: share(adj.offsets), targets: share(adj.targets), weights: share(adj.weights), delta: adj.deltaUnordered };
    this.sharedAdj[dir] = s;
    // The calling thread searches the shared copy too: one copy of the adjacency in the caches, not two.
    this.sharedViews[dir] = {
      ...adj,
      offsets: new Uint32Array(s.offsets) as unknown as Uint32Array,
      targets: new Uint32Array(s.targets) as unknown as Uint32Array,
      weights: new Float32Array(s.weights) as unknown as Float32Array,
    };
    for (const p of this.ports) p.postMessage({ type: 'adj', dir, ...s });
  }

  private readonly sharedViews: (Adjacency | null)[] = [null, null];

  private ensureJobs(count: number, seedCount: number): void {
    if (this.jobs.length >= J_STRIDE * count && this.seedNodes.length >= seedCount) return;
    const jc = Math.max(count, this.jobs.length / J_STRIDE, 64);
    const sc = Math.max(seedCount, this.seedNodes.length, 256);
    this.jobs = new Int32Array(new SharedArrayBuffer(4 * J_STRIDE * jc));
    this.seedOff = new Uint32Array(new SharedArrayBuffer(4 * (jc + 1)));
    this.seedNodes = new Float64Array(new SharedArrayBuffer(8 * sc));
    this.seedCosts = new Float64Array(new SharedArrayBuffer(8 * sc));
    for (const p of this.ports) {
      p.postMessage({ type: 'jobs', jobs: this.jobs.buffer, seedOff: this.seedOff.buffer, seedNodes: this.seedNodes.buffer, seedCosts: this.seedCosts.buffer });
    }
  }

  /**
   * Per-venue catchments (same result as `venueCatchments`, computed on all threads). Resolves
   * once every origin is done; the calling thread works too, so the promise is settled on return.
   */
  async venueCatchments(origins: Origin[], opts: VenueCatchmentsOptions = {}): Promise<VenueCatchments> {
    return this.venueCatchmentsSync(origins, opts);
  }

  /** Synchronous form of `venueCatchments` (blocks the calling thread while it works with the workers). */
  venueCatchmentsSync(origins: Origin[], opts: VenueCatchmentsOptions = {}): VenueCatchments {
    if (this.closed) throw new Error('ReachPool is closed');
    const g = this.graph;
    const { cutoff, direction, reverse, adj } = catchmentSetup(g, opts);
    const seeds = flattenSeeds(g, origins, reverse, opts.snapMaxM);
    const k = origins.length;
    const lengths = new Uint32Array(k);
    const where = new Int32Array(k); // −1: in the main sink; w ≥ 0: worker w's region
    const starts = new Uint32Array(k);
    const sink = acquireSink();
    try {
      return this.batch(origins, seeds, k, lengths, where, starts, sink, cutoff, direction, reverse, adj);
    } finally {
      releaseSink(sink);
    }
  }

  private batch(
    origins: Origin[], seeds: FlatSeeds, k: number, lengths: Uint32Array, where: Int32Array, starts: Uint32Array, sink: CatchmentSink,
    cutoff: number, direction: 'from-venue' | 'to-venue', reverse: boolean, adj: Adjacency,
  ): VenueCatchments {
    const g = this.graph;
    let relaxations = 0;
    // Small batches stay on the calling thread: waking a worker costs little, but on a busy machine the
    // woken worker can preempt the caller on the same core. Estimated from the measured time per origin
    // (same direction and cutoff) of earlier batches.
    const key = `${reverse ? 'r' : 'f'}${cutoff}`;
    const perOrigin = this.msPerOrigin.get(key);
    const small = this.callerWorks && perOrigin !== undefined && perOrigin * k < this.minParallelMs;
    const parallel = this.workers.length > 0 && this.broken === null && k > 1 && !small;
    let used = 1;
    if (!parallel) {
      const t0 = performance.now();
      relaxations = runOrigins(g.nodeCount, adj, seeds, cutoff, 0, k, sink, lengths);
      if (k > 0) this.msPerOrigin.set(key, (performance.now() - t0) / k);
      where.fill(-1);
      for (let i = 0, p = 0; i < k; i++) {
        starts[i] = p;
        p += lengths[i];
      }
    } else {
      const dir = reverse ? 1 : 0;
      this.ensureAdj(dir, adj);
      for (let r0 = 0; r0 < k; r0 += this.roundSize) {
        const r1 = Math.min(k, r0 + this.roundSize);
        const res = this.round(dir, this.sharedViews[dir] ?? adj, seeds, r0, r1, cutoff, sink, lengths, where, starts);
        relaxations += res.relaxations;
        used = Math.max(used, res.threads);
        if (Number.isFinite(res.msPerOrigin)) this.msPerOrigin.set(key, res.msPerOrigin);
        if (r1 < k) {
          // The next round reuses the worker regions: copy this round's worker results into the sink.
          for (let i = r0; i < r1; i++) {
            const w = where[i];
            if (w < 0) continue;
            const len = lengths[i], s0 = starts[i];
            sink.reserve(len);
            starts[i] = sink.length;
            sink.nodes.set(this.outRegions[w].nodes.subarray(s0, s0 + len), sink.length);
            sink.seconds.set(this.outRegions[w].secs.subarray(s0, s0 + len), sink.length);
            sink.length += len;
            where[i] = -1;
          }
        }
      }
    }
    // Gather into one CSR block in origin order: consecutive origins stored one after the other in the
    // same region (most of them: each thread claims origins in increasing order) are copied as one block.
    const offsets = offsetsFrom(lengths);
    const total = offsets[k];
    const nodes = new Uint32Array(total), seconds = new Float64Array(total);
    for (let i = 0; i < k;) {
      const w = where[i], s = starts[i];
      let j = i + 1, end = s + lengths[i];
      while (j < k && (lengths[j] === 0 || (where[j] === w && starts[j] === end))) end += lengths[j++];
      if (end > s) {
        const srcN = w < 0 ? sink.nodes : this.outRegions[w].nodes;
        const srcS = w < 0 ? sink.seconds : this.outRegions[w].secs;
        nodes.set(srcN.subarray(s, end), offsets[i]);
        seconds.set(srcS.subarray(s, end), offsets[i]);
      }
      i = j;
    }
    return { method: 'network', cutoffSeconds: cutoff, direction, offsets, nodes, seconds, unsnapped: seeds.unsnapped, relaxations, threads: used };
  }

  /** One round (≤ MAX_ROUND origins) on all threads. */
  private round(
    dir: 0 | 1, adj: Adjacency, seeds: FlatSeeds, r0: number, r1: number, cutoff: number, sink: CatchmentSink,
    lengths: Uint32Array, where: Int32Array, starts: Uint32Array,
  ): { relaxations: number; threads: number; msPerOrigin: number } {
    const count = r1 - r0;
    const so = seeds.seedOffsets;
    if (this.growTo > this.outCapacity) {
      this.outCapacity = this.growTo;
      for (let w = 0; w < this.workers.length; w++) this.sendOut(w);
    }
    const seedCount = so[r1] - so[r0];
    this.ensureJobs(count, seedCount);
    // Publish the round: seeds (re-based to 0), parameters, then the tagged claim word and the sequence.
    const base = so[r0];
    for (let j = 0; j <= count; j++) this.seedOff[j] = so[r0 + j] - base;
    this.seedNodes.set(seeds.seedNodes.subarray(base, so[r1]));
    this.seedCosts.set(seeds.seedCosts.subarray(base, so[r1]));
    this.params[0] = cutoff;
    this.params[1] = adj.deltaUnordered;
    this.ctrl[C_DIR] = dir;
    this.ctrl[C_COUNT] = count;
    this.ctrl[C_CMD] = CMD_RUN;
    const seq = (this.seq = (this.seq + 1) | 0 || 1);
    const tag = seq & 0x7ff;
    Atomics.store(this.ctrl, C_CLAIM, tag << 20);
    Atomics.store(this.ctrl, C_SEQ, seq);
    Atomics.notify(this.ctrl, C_SEQ);

    const mine = new Uint8Array(count);
    let relaxations = 0, mainJobs = 0;
    const mainT0 = performance.now();
    const n = this.graph.nodeCount;
    if (this.callerWorks) withSearch(n, (st) => {
      for (;;) {
        const w = Atomics.load(this.ctrl, C_CLAIM);
        if (w >>> 20 !== tag) break;
        const j = w & 0xfffff;
        if (j >= count) break;
        if (Atomics.compareExchange(this.ctrl, C_CLAIM, w, w + 1) !== w) continue;
        mine[j] = 1;
        const i = r0 + j;
        const cnt = kernelRunUnordered(st, adj.offsets, adj.targets, adj.weights, null, seeds.seedNodes, seeds.seedCosts, null, so[i], so[i + 1], cutoff, adj.deltaUnordered, 0);
        relaxations += st.relaxations;
        sink.reserve(cnt);
        const settled = st.settled, dist = st.dist, out = sink.nodes, secs = sink.seconds;
        let p = sink.length;
        starts[i] = p;
        for (let q = 0; q < cnt; q++) {
          const u = settled[q];
          out[p] = u;
          secs[p++] = dist[u];
        }
        sink.length = p;
        lengths[i] = cnt;
        where[i] = -1;
        mainJobs++;
      }
    });
    const mainMs = performance.now() - mainT0;
    // Origins the workers took. All but the ones still in flight (≤ one per worker) are done by now.
    // A worker that is descheduled (a busy machine) must not stall the batch: after waiting about
    // two of our own per-origin times, the calling thread computes that origin itself (a backup
    // task; the answer is the same whoever computes it, the late worker's copy is ignored).
    const patience = !this.callerWorks ? JOB_WAIT_MS
      : this.backupAfterMs !== undefined ? this.backupAfterMs
      : mainJobs > 0 ? Math.max(0.05, (2 * mainMs) / mainJobs) : 1;
    let threadsUsed = 1;
    const seen = new Uint8Array(this.workers.length);
    const redo: number[] = [];
    let overflow = false;
    const jobs = this.jobs;
    for (let j = 0; j < count; j++) {
      if (mine[j]) continue;
      const b = J_STRIDE * j;
      const t0 = performance.now();
      for (;;) {
        const v = Atomics.load(jobs, b + J_DONE);
        if (v === seq) break;
        const waited = performance.now() - t0;
        if (waited >= patience || patience <= 0) {
          if (patience === JOB_WAIT_MS) this.broken = `a worker did not finish an origin within ${JOB_WAIT_MS} ms`;
          break;
        }
        Atomics.wait(jobs, b + J_DONE, v, Math.min(50, patience - waited));
      }
      const i = r0 + j;
      let owner = -3;
      let start = 0, len = 0, rx = 0;
      if (Atomics.load(jobs, b + J_DONE) === seq) {
        owner = jobs[b + J_OWNER];
        start = jobs[b + J_START];
        len = jobs[b + J_LEN];
        rx = jobs[b + J_RELAX];
        if (Atomics.load(jobs, b + J_DONE) !== seq) owner = -3; // rewritten meanwhile (seqlock)
      }
      if (owner < 0) {
        if (owner === -1) overflow = true;
        redo.push(i);
        continue;
      }
      if (!seen[owner]) {
        seen[owner] = 1;
        threadsUsed++;
      }
      where[i] = owner;
      starts[i] = start;
      lengths[i] = len;
      relaxations += rx;
    }
    this.backups += redo.length;
    if (redo.length > 0) {
      // Output region too small, a worker failed or is late: compute those here; grow the regions if needed.
      withSearch(n, (st) => {
        for (const i of redo) {
          const cnt = kernelRunUnordered(st, adj.offsets, adj.targets, adj.weights, null, seeds.seedNodes, seeds.seedCosts, null, so[i], so[i + 1], cutoff, adj.deltaUnordered, 0);
          relaxations += st.relaxations;
          sink.reserve(cnt);
          starts[i] = sink.length;
          for (let q = 0; q < cnt; q++) {
            const u = st.settled[q];
            sink.nodes[sink.length] = u;
            sink.seconds[sink.length++] = st.dist[u];
          }
          lengths[i] = cnt;
          where[i] = -1;
        }
      });
      if (overflow && this.broken === null) {
        let total = 0, longest = 0;
        for (let i = r0; i < r1; i++) {
          total += lengths[i];
          longest = Math.max(longest, lengths[i]);
        }
        const want = Math.max(Math.ceil((total / this.threads) * 1.5), 2 * longest);
        // Grown before the next round (the results of this one are still read from the current regions).
        if (want > this.outCapacity) this.growTo = Math.min(Math.max(want, this.outCapacity * 2), 1 << 28);
      }
    }
    // Time per origin on one thread: the caller's own, else the round's time spread over the threads.
    const perOrigin = mainJobs > 0 ? mainMs / mainJobs : ((performance.now() - mainT0) * threadsUsed) / count;
    return { relaxations, threads: threadsUsed, msPerOrigin: perOrigin };
  }

  private growTo = 0;
  /** Origins the calling thread computed again because a worker was late, failed or overflowed. */
  backups = 0;

  private async terminate(): Promise<void> {
    for (const w of this.workers) w.ref();
    await Promise.all(this.workers.map((w) => w.terminate().catch(() => undefined)));
    this.workers = [];
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctrl, C_CMD, CMD_EXIT);
    Atomics.store(this.ctrl, C_SEQ, (this.seq + 1) | 0 || 1);
    Atomics.notify(this.ctrl, C_SEQ);
    for (const p of this.ports) p.close();
    await this.terminate();
  }
}

const pools = new WeakMap<WalkGraph, Map<number, ReachPool>>();

/** The shared pool of a graph for a thread count (created on first use; workers do not keep the process alive). */
export function reachPool(g: WalkGraph, threads?: number): ReachPool {
  const t = Math.max(1, Math.floor(threads ?? Math.min(8, availableParallelism())));
  let byThreads = pools.get(g);
  if (!byThreads) {
    byThreads = new Map();
    pools.set(g, byThreads);
  }
  let p = byThreads.get(t);
  if (!p || p.isClosed) {
    p = new ReachPool(g, { threads: t });
    byThreads.set(t, p);
  }
  return p;
}

/**
 * `venueCatchments` on all cores: the same result (same nodes in the same order, costs bit-identical), computed
 * by the graph's shared `ReachPool`. `threads: 1` (or a platform without worker threads) runs it on
 * the calling thread.
 */
export async function venueCatchmentsParallel(
  g: WalkGraph, origins: Origin[], opts: VenueCatchmentsOptions & { threads?: number } = {},
): Promise<VenueCatchments> {
  return reachPool(g, opts.threads).venueCatchments(origins, opts);
}

/** Releases every pool's workers of a graph. */
export async function closeReachPools(g: WalkGraph): Promise<void> {
  const byThreads = pools.get(g);
  if (!byThreads) return;
  pools.delete(g);
  await Promise.all([...byThreads.values()].map((p) => p.close()));
}

