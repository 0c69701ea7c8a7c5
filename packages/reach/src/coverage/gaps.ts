/**
 * Gap finding (pure): choose k new sites among candidates that add the most uncovered cells within
 * the time threshold — the greedy heuristic for maximal covering (Church & ReVelle 1974), which is
 * within 1 − 1/e of the optimum because coverage is submodular.
 */
import { InvalidArgumentError, checkMinutes } from '../errors.ts';
import { seedsTo } from '../graph/snap.ts';
import type { WalkGraph } from '../graph/types.ts';
import { adjacency, runSparse, withSearch } from '../query/dijkstra.ts';
import { trySnap } from '../query/reach.ts';
import { estimateSeconds } from '../estimate/estimate.ts';
import { type CoverageResult, cellIndex, evaluateCells } from './coverage.ts';

/** One greedy pick. */
export interface GreedyPick {
  candidate: number;
  gain: number;
}

/**
 * Greedy maximal covering over explicit sets. `sets[c]` lists the element indices candidate c
 * covers; `target[e]` = 1 for elements that still need covering. Ties go to the lower index.
 * Stops early when no candidate adds anything.
 */
export function greedyMaxCover(sets: ArrayLike<number>[], target: Uint8Array, k: number): { picks: GreedyPick[]; remaining: Uint8Array } {
  if (!Number.isInteger(k) || k < 0) throw new InvalidArgumentError(`k must be a non-negative integer, got ${k}`);
  const need = target.slice();
  const chosen = new Uint8Array(sets.length);
  const picks: GreedyPick[] = [];
  for (let round = 0; round < k; round++) {
    let best = -1, bestGain = 0;
    for (let c = 0; c < sets.length; c++) {
      if (chosen[c]) continue;
      let gain = 0;
      const s = sets[c];
      for (let i = 0; i < s.length; i++) if (need[s[i]]) gain++;
      if (gain > bestGain) {
        bestGain = gain;
        best = c;
      }
    }
    if (best < 0) break;
    chosen[best] = 1;
    const s = sets[best];
    for (let i = 0; i < s.length; i++) need[s[i]] = 0;
    picks.push({ candidate: best, gain: bestGain });
  }
  return { picks, remaining: need };
}

/** A candidate site: a point or a graph node. */
export type GapCandidate = { id?: string; lon: number; lat: number } | { id?: string; node: number };

/** Result of gap finding. */
export interface GapResult {
  method: 'network' | 'estimate';
  category: string | null;
  minutes: number;
  /** Reachable cells considered. */
  cells: number;
  coveredBefore: number;
  coveredAfter: number;
  shareBefore: number;
  shareAfter: number;
  picks: { id: string; lon: number; lat: number; gain: number; cumulativeShare: number }[];
  /** Candidates that could not be snapped to the graph. */
  skipped: string[];
}

/**
 * Picks k sites. A cell is "covered" when it is reachable and its minutes to the nearest venue of
 * `category` are ≤ minutes (or, without a category, when at least one venue is within the threshold).
 * Candidate coverage uses the same direction as coverage: from the cell to the site.
 */
export function findGaps(
  g: WalkGraph | null, coverage: CoverageResult, candidates: GapCandidate[],
  opts: { k?: number; category?: string; minutes?: number; detourFactor?: number } = {},
): GapResult {
  const k = opts.k ?? 3;
  const minutes = checkMinutes(opts.minutes ?? coverage.minutes);
  const T = minutes * 60;
  const category = opts.category ?? null;
  if (category !== null && !coverage.categories.includes(category)) {
    throw new InvalidArgumentError(`unknown category ${JSON.stringify(category)}; known: ${coverage.categories.join(', ')}`);
  }
  const cells = coverage.cells;
  const target = new Uint8Array(cells.length);
  let reachable = 0, coveredBefore = 0;
  cells.forEach((c, i) => {
    if (!c.reachable) return;
    reachable++;
    const covered = category === null ? c.venuesWithin > 0 : c.minutes[category] !== null && c.minutes[category]! <= minutes;
    if (covered) coveredBefore++;
    else target[i] = 1;
  });
  const points = candidates.map((c, i) => {
    if ('node' in c) {
      if (!g || !Number.isInteger(c.node) || c.node < 0 || c.node >= g.nodeCount) throw new InvalidArgumentError(`candidate ${i}: node ${c.node} does not exist`);
      return { id: c.id ?? `node:${c.node}`, lon: g.nodeLon[c.node], lat: g.nodeLat[c.node] };
    }
    return { id: c.id ?? `candidate:${i}`, lon: c.lon, lat: c.lat };
  });
  const skipped: string[] = [];
  const sets: number[][] = [];
  if (g) {
    const idx = cellIndex(g, coverage.cellSnaps);
    const adj = adjacency(g, true);
    withSearch(g.nodeCount, (st) => {
      for (const p of points) {
        const s = trySnap(g, p.lon, p.lat);
        if (!s) {
          skipped.push(p.id);
          sets.push([]);
          continue;
        }
        const seeds = seedsTo(g, s);
        const count = runSparse(st, adj, seeds.map((x) => x.node), seeds.map((x) => x.seconds), null, 0, seeds.length, T, 0, false);
        const best = evaluateCells(g, coverage.cellSnaps, idx, st.dist, st.settled.subarray(0, count), [s]);
        const set: number[] = [];
        for (let ci = 0; ci < cells.length; ci++) if (best[ci] <= T) set.push(ci);
        sets.push(set);
      }
    });
  } else {
    for (const p of points) {
      const set: number[] = [];
      cells.forEach((c, ci) => {
        if (estimateSeconds(c.lon, c.lat, p.lon, p.lat, { detourFactor: opts.detourFactor }) <= T) set.push(ci);
      });
      sets.push(set);
    }
  }
  const { picks } = greedyMaxCover(sets, target, k);
  let covered = coveredBefore;
  const share = (n: number): number => (reachable ? n / reachable : 0);
  return {
    method: g ? 'network' : 'estimate',
    category,
    minutes,
    cells: reachable,
    coveredBefore,
    coveredAfter: coveredBefore + picks.reduce((s, p) => s + p.gain, 0),
    shareBefore: share(coveredBefore),
    shareAfter: share(coveredBefore + picks.reduce((s, p) => s + p.gain, 0)),
    picks: picks.map((p) => {
      covered += p.gain;
      const pt = points[p.candidate];
      return { id: pt.id, lon: pt.lon, lat: pt.lat, gain: p.gain, cumulativeShare: share(covered) };
    }),
    skipped,
  };
}
