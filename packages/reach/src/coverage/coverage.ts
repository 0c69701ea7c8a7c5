/**
 * District coverage (pure): a grid of cells over a boundary; for each cell centre the minutes to
 * the nearest venue of each category and the number of venues within the time threshold.
 *
 * Direction: times are *from the cell to the venue* (a family walking to the venue), computed by
 * reverse searches from the venues, so uphill/downhill asymmetry is respected.
 */
import { InvalidArgumentError, checkMinutes } from '../errors.ts';
import { type Boundary, LocalProjection, type NamedArea, ringAreaXY } from '../geo.ts';
import { type Snap, alongLinkSeconds, seedsFrom, seedsTo } from '../graph/snap.ts';
import type { WalkGraph } from '../graph/types.ts';
import { adjacency, runSparse, withSearch } from '../query/dijkstra.ts';
import { trySnap } from '../query/reach.ts';
import { DEFAULT_DETOUR_FACTOR, estimateSeconds } from '../estimate/estimate.ts';
import type { Venue } from './venues.ts';

/** Options of `computeCoverage`. */
export interface CoverageOptions {
  /** Cell size in metres (default 100). */
  cellM?: number;
  /** Threshold for "covered" and for counting venues (default 15). */
  minutes?: number;
  /** Search limit for "minutes to nearest" (default 60); farther → null. */
  maxMinutes?: number;
  /** Snap limit for cell centres and venues (default profile.snapMaxM). */
  snapMaxM?: number;
  /** Estimate mode only. */
  detourFactor?: number;
  /** Estimate mode only (default 1.25). */
  flatSpeedMps?: number;
}

/** One grid cell. */
export interface CoverageCell {
  index: number;
  row: number;
  col: number;
  /** Cell centre (the point that is evaluated). */
  lon: number;
  lat: number;
  /** The cell square clipped to the boundary: polygons of rings of [lon, lat]. */
  polygons: number[][][][];
  /** False when the centre is farther than the snap limit from any street. */
  reachable: boolean;
  snapM: number | null;
  /** Minutes to the nearest venue per category (null: none within maxMinutes, or unreachable). */
  minutes: Record<string, number | null>;
  /** Venues (all categories) within `minutes`. */
  venuesWithin: number;
  venuesWithinByCategory: Record<string, number>;
}

/** Status of an input venue. */
export interface VenueStatus {
  id: string;
  category: string;
  snapped: boolean;
  snapM: number | null;
}

/** Result of a coverage computation. */
export interface CoverageResult {
  method: 'network' | 'estimate';
  cellM: number;
  minutes: number;
  maxMinutes: number;
  categories: string[];
  cells: CoverageCell[];
  venues: VenueStatus[];
  /** Internal: per cell, snap (network mode) — used by gap finding. */
  cellSnaps: (Snap | null)[];
}

/** Builds the grid of cells over the boundary (centres inside the boundary), clipped polygons included. */
export function coverageGrid(boundary: Boundary, cellM: number): { cells: Omit<CoverageCell, 'reachable' | 'snapM' | 'minutes' | 'venuesWithin' | 'venuesWithinByCategory'>[]; proj: LocalProjection } {
  if (!(cellM >= 5) || !Number.isFinite(cellM)) throw new InvalidArgumentError(`cell size must be ≥ 5 m, got ${cellM}`);
  const [a, b, c, d] = boundary.bbox;
  const proj = new LocalProjection((a + c) / 2, (b + d) / 2);
  const x0 = proj.x(a), y0 = proj.y(b), x1 = proj.x(c), y1 = proj.y(d);
  const cols = Math.max(1, Math.ceil((x1 - x0) / cellM)), rows = Math.max(1, Math.ceil((y1 - y0) / cellM));
  if (cols * rows > 2_000_000) throw new InvalidArgumentError(`grid of ${cols}×${rows} cells is too large; use a bigger cell size`);
  const ringsXY = boundary.polygons.map((p) => p[0].map(([lon, lat]) => [proj.x(lon), proj.y(lat)]));
  const cells: ReturnType<typeof coverageGrid>['cells'] = [];
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const cx = x0 + (q + 0.5) * cellM, cy = y0 + (r + 0.5) * cellM;
      const lon = proj.lon(cx), lat = proj.lat(cy);
      if (!boundary.contains(lon, lat)) continue;
      const sq = [[cx - cellM / 2, cy - cellM / 2], [cx + cellM / 2, cy - cellM / 2], [cx + cellM / 2, cy + cellM / 2], [cx - cellM / 2, cy + cellM / 2]];
      const polygons: number[][][][] = [];
      for (const ring of ringsXY) {
        const clipped = clipToSquare(ring, sq[0][0], sq[0][1], sq[2][0], sq[2][1]);
        if (clipped.length >= 3 && Math.abs(ringAreaXY(clipped)) > 1e-6) {
          const closed = [...clipped, clipped[0]].map(([x, y]) => [round7(proj.lon(x)), round7(proj.lat(y))]);
          polygons.push([closed]);
        }
      }
      cells.push({ index: cells.length, row: r, col: q, lon, lat, polygons });
    }
  }
  return { cells, proj };
}

/** Sutherland–Hodgman: clip a polygon ring by an axis-aligned square (a convex clipper). */
function clipToSquare(ring: number[][], xmin: number, ymin: number, xmax: number, ymax: number): number[][] {
  let pts = ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1] ? ring.slice(0, -1) : ring.slice();
  // Left, right, bottom, top half-planes in turn (same order and arithmetic as before, no closures per call).
  pts = clipHalf(pts, 0, xmin, true);
  if (pts.length > 0) pts = clipHalf(pts, 0, xmax, false);
  if (pts.length > 0) pts = clipHalf(pts, 1, ymin, true);
  if (pts.length > 0) pts = clipHalf(pts, 1, ymax, false);
  return pts;
}

/** Keeps the part of the polygon with coordinate `axis` ≥ bound (`above`) or ≤ bound. */
function clipHalf(pts: number[][], axis: 0 | 1, bound: number, above: boolean): number[][] {
  const out: number[][] = [];
  const other = axis === 0 ? 1 : 0;
  const n = pts.length;
  for (let i = 0; i < n; i++) {
    const cur = pts[i], prev = pts[(i + n - 1) % n];
    const ci = above ? cur[axis] >= bound : cur[axis] <= bound;
    const pi = above ? prev[axis] >= bound : prev[axis] <= bound;
    if (ci !== pi) {
      // Intersection of prev→cur with the line: same formula as the original per-edge closures.
      const q = prev[other] + ((cur[other] - prev[other]) * (bound - prev[axis])) / (cur[axis] - prev[axis]);
      out.push(axis === 0 ? [bound, q] : [q, bound]);
    }
    if (ci) out.push(cur);
  }
  return out;
}

function round7(v: number): number {
  return Math.round(v * 1e7) / 1e7;
}

/**
 * Computes coverage. With `g` null the estimate mode is used (straight line × detour factor at flat
 * speed) and every cell counts as reachable.
 */
export function computeCoverage(g: WalkGraph | null, boundary: Boundary, venues: Venue[], opts: CoverageOptions = {}): CoverageResult {
  const cellM = opts.cellM ?? 100;
  const minutes = checkMinutes(opts.minutes ?? 15);
  const maxMinutes = checkMinutes(opts.maxMinutes ?? Math.max(60, minutes), 'maxMinutes');
  if (maxMinutes < minutes) throw new InvalidArgumentError('maxMinutes must be ≥ minutes');
  const categories = [...new Set(venues.map((v) => v.category))].sort();
  const { cells: base } = coverageGrid(boundary, cellM);
  const T = minutes * 60, Tmax = maxMinutes * 60;

  if (!g) {
    const cells: CoverageCell[] = base.map((c) => ({
      ...c,
      reachable: true,
      snapM: null,
      minutes: Object.fromEntries(categories.map((k) => [k, null])),
      venuesWithin: 0,
      venuesWithinByCategory: Object.fromEntries(categories.map((k) => [k, 0])),
    }));
    const est = { detourFactor: opts.detourFactor ?? DEFAULT_DETOUR_FACTOR, flatSpeedMps: opts.flatSpeedMps };
    for (const c of cells) {
      for (const v of venues) {
        const s = estimateSeconds(c.lon, c.lat, v.lon, v.lat, est);
        if (s <= Tmax) {
          const cur = c.minutes[v.category];
          if (cur === null || s / 60 < cur) c.minutes[v.category] = s / 60;
        }
        if (s <= T) {
          c.venuesWithin++;
          c.venuesWithinByCategory[v.category]++;
        }
      }
    }
    return {
      method: 'estimate', cellM, minutes, maxMinutes, categories, cells,
      venues: venues.map((v) => ({ id: v.id, category: v.category, snapped: false, snapM: null })),
      cellSnaps: cells.map(() => null),
    };
  }

  // Network mode: everything is accumulated in typed arrays per cell and category; the cell objects
  // are built once at the end.
  const snapMax = opts.snapMaxM ?? g.meta.profile.snapMaxM;
  const nCells = base.length, nCat = categories.length;
  const cellSnaps = base.map((c) => trySnap(g, c.lon, c.lat, snapMax));
  const venueSnaps = venues.map((v) => trySnap(g, v.lon, v.lat, snapMax));
  const idx = cellIndex(g, cellSnaps);
  const catOf = new Map(categories.map((k, i) => [k, i]));
  const minutesTo = new Float64Array(nCat * nCells).fill(NaN); // NaN: none within maxMinutes
  const within = new Int32Array(nCells);
  const withinByCat = new Int32Array(nCat * nCells);

  // Reverse searches on pooled buffers (O(reached) each, no per-search O(n) arrays).
  const adj = adjacency(g, true);
  withSearch(g.nodeCount, (st) => {
    // Minutes to the nearest venue, per category: one multi-source reverse search each.
    categories.forEach((k, kc) => {
      const members = venues.map((v, i) => i).filter((i) => venues[i].category === k && venueSnaps[i]);
      const seeds = members.flatMap((i) => seedsTo(g, venueSnaps[i]!));
      const count = runSparse(st, adj, seeds.map((s) => s.node), seeds.map((s) => s.seconds), null, 0, seeds.length, Tmax, 0, false);
      const best = evaluateCells(g, cellSnaps, idx, st.dist, st.settled.subarray(0, count), members.map((i) => venueSnaps[i]!));
      const row = kc * nCells;
      for (let i = 0; i < nCells; i++) if (cellSnaps[i] && best[i] <= Tmax) minutesTo[row + i] = Math.round((best[i] / 60) * 100) / 100;
    });
    // Venues within the threshold: one bounded reverse search per venue.
    const stamp = new Int32Array(nCells).fill(-1);
    const { nodeOff, nodeCell, nodeCost } = idx;
    venues.forEach((v, vi) => {
      const vs = venueSnaps[vi];
      if (!vs) return;
      const row = catOf.get(v.category)! * nCells;
      const seeds = seedsTo(g, vs);
      const settledCount = runSparse(st, adj, seeds.map((s) => s.node), seeds.map((s) => s.seconds), null, 0, seeds.length, T, 0, false);
      const settled = st.settled, dist = st.dist;
      for (let k = 0; k < settledCount; k++) {
        const u = settled[k];
        const du = dist[u];
        for (let p = nodeOff[u], end = nodeOff[u + 1]; p < end; p++) {
          const ci = nodeCell[p];
          if (stamp[ci] !== vi && nodeCost[p] + du <= T) {
            stamp[ci] = vi;
            within[ci]++;
            withinByCat[row + ci]++;
          }
        }
      }
      for (const ci of idx.linkCells.get(vs.link) ?? []) {
        if (stamp[ci] !== vi && alongLinkSeconds(g, cellSnaps[ci]!, vs) <= T) {
          stamp[ci] = vi;
          within[ci]++;
          withinByCat[row + ci]++;
        }
      }
    });
  });
  // One loop, plain property writes in a fixed order (all cells share one object shape; building
  // them with spread + Object.fromEntries was most of the time on a 370k-cell district).
  // A category literally named "__proto__" needs Object.fromEntries (a plain write would set the prototype).
  const safeKeys = !categories.includes('__proto__');
  const cells: CoverageCell[] = new Array(nCells);
  for (let i = 0; i < nCells; i++) {
    const c = base[i];
    const s = cellSnaps[i];
    let mins: Record<string, number | null>, byCat: Record<string, number>;
    if (safeKeys) {
      mins = {};
      byCat = {};
      for (let kc = 0; kc < nCat; kc++) {
        const m = minutesTo[kc * nCells + i];
        mins[categories[kc]] = Number.isNaN(m) ? null : m;
      }
      for (let kc = 0; kc < nCat; kc++) byCat[categories[kc]] = withinByCat[kc * nCells + i];
    } else {
      mins = Object.fromEntries(categories.map((k, kc) => {
        const m = minutesTo[kc * nCells + i];
        return [k, Number.isNaN(m) ? null : m];
      }));
      byCat = Object.fromEntries(categories.map((k, kc) => [k, withinByCat[kc * nCells + i]]));
    }
    cells[i] = {
      index: c.index, row: c.row, col: c.col, lon: c.lon, lat: c.lat, polygons: c.polygons,
      reachable: s !== null,
      snapM: s ? Math.round(s.distanceM * 10) / 10 : null,
      minutes: mins,
      venuesWithin: within[i],
      venuesWithinByCategory: byCat,
    };
  }
  return {
    method: 'network', cellM, minutes, maxMinutes, categories, cells,
    venues: venues.map((v, i) => ({ id: v.id, category: v.category, snapped: venueSnaps[i] !== null, snapM: venueSnaps[i] ? Math.round(venueSnaps[i]!.distanceM * 10) / 10 : null })),
    cellSnaps,
  };
}

/** Node → (cell, cost from the cell to the node) incidence, and link → cells for same-link shortcuts. */
export interface CellIndex {
  nodeOff: Uint32Array;
  nodeCell: Uint32Array;
  nodeCost: Float64Array;
  linkCells: Map<number, number[]>;
}

/** Indexes snapped cells by the nodes they lead to (seedsFrom). */
export function cellIndex(g: WalkGraph, snaps: (Snap | null)[]): CellIndex {
  // Two passes over the cells (count, then fill) into typed arrays; no per-pair objects.
  const linkCells = new Map<number, number[]>();
  const seedLists: ReturnType<typeof seedsFrom>[] = new Array(snaps.length);
  const nodeOff = new Uint32Array(g.nodeCount + 1);
  for (let ci = 0; ci < snaps.length; ci++) {
    const s = snaps[ci];
    if (!s) continue;
    const seeds = seedsFrom(g, s);
    seedLists[ci] = seeds;
    for (const nc of seeds) nodeOff[nc.node + 1]++;
    const arr = linkCells.get(s.link);
    if (arr) arr.push(ci);
    else linkCells.set(s.link, [ci]);
  }
  for (let u = 0; u < g.nodeCount; u++) nodeOff[u + 1] += nodeOff[u];
  const pos = nodeOff.slice(0, g.nodeCount);
  const total = nodeOff[g.nodeCount];
  const nodeCell = new Uint32Array(total), nodeCost = new Float64Array(total);
  for (let ci = 0; ci < snaps.length; ci++) {
    const seeds = seedLists[ci];
    if (!seeds) continue;
    for (const nc of seeds) {
      const p = pos[nc.node]++;
      nodeCell[p] = ci;
      nodeCost[p] = nc.seconds;
    }
  }
  return { nodeOff, nodeCell, nodeCost, linkCells };
}

/** Best seconds from each cell to the targets of a reverse search (plus same-link shortcuts). */
export function evaluateCells(
  g: WalkGraph, cellSnaps: (Snap | null)[], idx: CellIndex, cost: Float64Array, settled: Uint32Array, targets: Snap[],
): Float64Array {
  const best = new Float64Array(cellSnaps.length).fill(Infinity);
  for (let k = 0; k < settled.length; k++) {
    const u = settled[k];
    for (let p = idx.nodeOff[u]; p < idx.nodeOff[u + 1]; p++) {
      const v = idx.nodeCost[p] + cost[u];
      if (v < best[idx.nodeCell[p]]) best[idx.nodeCell[p]] = v;
    }
  }
  for (const t of targets) {
    for (const ci of idx.linkCells.get(t.link) ?? []) {
      const v = alongLinkSeconds(g, cellSnaps[ci]!, t);
      if (v < best[ci]) best[ci] = v;
    }
  }
  return best;
}

/** GeoJSON FeatureCollection of the cells (properties flattened for map styling). */
export function coverageToGeoJson(r: CoverageResult): Record<string, unknown> {
  return {
    type: 'FeatureCollection',
    method: r.method,
    cellM: r.cellM,
    minutes: r.minutes,
    maxMinutes: r.maxMinutes,
    categories: r.categories,
    venues: r.venues,
    summary: summarizeCells(r, r.cells),
    features: r.cells.map((c) => {
      const props: Record<string, unknown> = {
        cell: c.index, row: c.row, col: c.col, lon: round7(c.lon), lat: round7(c.lat), method: r.method,
        reachable: c.reachable, snap_m: c.snapM, venues_within: c.venuesWithin,
      };
      for (const k of r.categories) {
        props[`minutes_${k}`] = c.minutes[k];
        props[`within_${k}`] = c.venuesWithinByCategory[k];
      }
      return {
        type: 'Feature',
        properties: props,
        geometry: c.polygons.length === 1
          ? { type: 'Polygon', coordinates: c.polygons[0] }
          : { type: 'MultiPolygon', coordinates: c.polygons },
      };
    }),
  };
}

/** Summary of a set of cells. */
export interface CellSummary {
  cells: number;
  reachableCells: number;
  /** Mean number of venues within the threshold over reachable cells. */
  meanVenuesWithin: number;
  byCategory: Record<string, { coveredCells: number; coveredShare: number; meanMinutes: number | null; medianMinutes: number | null }>;
}

/** Summary over the given cells (shares are of reachable cells). */
export function summarizeCells(r: CoverageResult, cells: CoverageCell[]): CellSummary {
  const reach = cells.filter((c) => c.reachable);
  const byCategory: CellSummary['byCategory'] = {};
  for (const k of r.categories) {
    const mins = reach.map((c) => c.minutes[k]).filter((m): m is number => m !== null).sort((a, b) => a - b);
    const covered = mins.filter((m) => m <= r.minutes).length;
    byCategory[k] = {
      coveredCells: covered,
      coveredShare: reach.length ? covered / reach.length : 0,
      meanMinutes: mins.length ? mins.reduce((s, m) => s + m, 0) / mins.length : null,
      medianMinutes: mins.length ? mins[Math.floor((mins.length - 1) / 2)] : null,
    };
  }
  return {
    cells: cells.length,
    reachableCells: reach.length,
    meanVenuesWithin: reach.length ? reach.reduce((s, c) => s + c.venuesWithin, 0) / reach.length : 0,
    byCategory,
  };
}

/** Per-area summaries: a cell belongs to the area containing its centre. */
export function summarizeCoverage(r: CoverageResult, areas: NamedArea[]): ({ id: string; name: string; method: 'network' | 'estimate' } & CellSummary)[] {
  return areas.map((a) => ({
    id: a.id,
    name: a.name,
    method: r.method,
    ...summarizeCells(r, r.cells.filter((c) => a.boundary.contains(c.lon, c.lat))),
  }));
}
