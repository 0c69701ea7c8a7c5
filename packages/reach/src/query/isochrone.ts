/**
 * Isochrone polygons that follow the streets.
 *
 * Method: every reached piece of street (including the reached fraction of partially reached links)
 * is sampled every ≤ cell/2 metres with its exact arrival time t (interpolated along the link's
 * cumulative costs). Each sample stamps a disk into a raster of "arrival time by walking off the
 * street": cell value = min(t + d / flatSpeed) over samples within d ≤ min(walkOffM, remaining·flat).
 * One field serves all bands; marching squares at each band's level gives the polygons. Because the
 * buffer is at most walkOffM (default 40 m), streets 300 m apart that are not connected within the
 * budget are never bridged.
 */
import { InvalidArgumentError, checkMinutes } from '../errors.ts';
import { LocalProjection } from '../geo.ts';
import { type Snap, interpAt } from '../graph/snap.ts';
import type { WalkGraph } from '../graph/types.ts';
import { contourPolygons } from './contour.ts';
import { type Origin, reach } from './reach.ts';
import type { SearchResult } from './dijkstra.ts';

/** Options for isochrones. */
export interface IsochroneOptions {
  /** Band limits in minutes (default 5, 10, 15). */
  bandsMinutes?: number[];
  /** Buffer walked off the street, metres (default profile.walkOffM). */
  walkOffM?: number;
  /** Raster cell in metres (default profile.isochroneCellM; grown automatically for huge areas). */
  cellM?: number;
  snapMaxM?: number;
}

/** A GeoJSON FeatureCollection of band polygons (cumulative: the 10-min band contains the 5-min one). */
export interface IsochroneCollection {
  type: 'FeatureCollection';
  method: 'network';
  features: {
    type: 'Feature';
    properties: { minutes: number; seconds: number; method: 'network' };
    geometry: { type: 'MultiPolygon'; coordinates: number[][][][] };
  }[];
}

const MAX_CELLS = 4_000_000;

/** Isochrones from an origin (node or point). */
export function isochrones(g: WalkGraph, origin: Origin, opts: IsochroneOptions = {}): IsochroneCollection {
  const bands = checkBands(opts.bandsMinutes ?? [5, 10, 15]);
  const r = reach(g, origin, { minutes: bands[bands.length - 1], snapMaxM: opts.snapMaxM });
  return isochronesFromSearch(g, r.search, bands, opts, r.snap ? [r.snap] : []);
}

function checkBands(b: number[]): number[] {
  if (!Array.isArray(b) || b.length === 0) throw new InvalidArgumentError('at least one isochrone band is needed');
  const s = b.map((m, i) => checkMinutes(m, `band ${i}`)).sort((x, y) => x - y);
  return [...new Set(s)];
}

/**
 * Isochrones from an existing forward search. `sources` are the snapped origins (for the time along
 * the origin's own link, which the node costs do not capture).
 */
export function isochronesFromSearch(
  g: WalkGraph, search: SearchResult, bandsMinutes: number[], opts: IsochroneOptions = {}, sources: Snap[] = [],
): IsochroneCollection {
  const bands = checkBands(bandsMinutes);
  const p = g.meta.profile;
  const flat = p.flatSpeedMps;
  const walkOff = opts.walkOffM ?? p.walkOffM;
  if (!(walkOff >= 0)) throw new InvalidArgumentError('walkOffM must be ≥ 0');
  const tMax = bands[bands.length - 1] * 60;
  const cost = search.cost;

  // Extent of reached geometry.
  let minLon = Infinity, maxLon = -Infinity, minLat = Infinity, maxLat = -Infinity;
  for (let k = 0; k < search.settledCount; k++) {
    const u = search.settled[k];
    if (cost[u] > tMax) continue;
    minLon = Math.min(minLon, g.nodeLon[u]);
    maxLon = Math.max(maxLon, g.nodeLon[u]);
    minLat = Math.min(minLat, g.nodeLat[u]);
    maxLat = Math.max(maxLat, g.nodeLat[u]);
  }
  for (const s of sources) {
    minLon = Math.min(minLon, s.lon, s.queryLon);
    maxLon = Math.max(maxLon, s.lon, s.queryLon);
    minLat = Math.min(minLat, s.lat, s.queryLat);
    maxLat = Math.max(maxLat, s.lat, s.queryLat);
  }
  const empty: IsochroneCollection = {
    type: 'FeatureCollection',
    method: 'network',
    features: bands.map((m) => ({
      type: 'Feature' as const,
      properties: { minutes: m, seconds: m * 60, method: 'network' as const },
      geometry: { type: 'MultiPolygon' as const, coordinates: [] },
    })),
  };
  if (!Number.isFinite(minLon)) return empty;
  const proj = new LocalProjection((minLon + maxLon) / 2, (minLat + maxLat) / 2);
  // Room for the walk-off buffer plus two cells, so the grid border is always outside.
  const pad = walkOff + 2 * (opts.cellM ?? p.isochroneCellM);
  let x0 = proj.x(minLon), x1 = proj.x(maxLon), y0 = proj.y(minLat), y1 = proj.y(maxLat);

  // Collect samples first (their extent may exceed the node extent on partially reached links).
  const sx: number[] = [], sy: number[] = [], st: number[] = [];
  let cell = opts.cellM ?? p.isochroneCellM;
  if (!(cell > 0)) throw new InvalidArgumentError('cellM must be > 0');
  const step = Math.max(1, cell / 2);
  const srcByLink = new Map<number, Snap[]>();
  for (const s of sources) srcByLink.set(s.link, [...(srcByLink.get(s.link) ?? []), s]);
  const links = reachedLinks(g, search, tMax, srcByLink);
  for (let li = 0; li < links.length; li++) {
    const l = links[li];
    const a = g.linkFrom[l], b = g.linkTo[l];
    const srcs = srcByLink.get(l);
    const fwdOk = g.linkFwdEdge[l] >= 0, bwdOk = g.linkBwdEdge[l] >= 0;
    const ta = fwdOk ? cost[a] : Infinity; // entering at the start, walking forward
    const tb = bwdOk ? cost[b] : Infinity; // entering at the end, walking backward
    if (!(ta <= tMax) && !(tb <= tMax) && !srcs) continue;
    const i0 = g.geomOffsets[l], i1 = g.geomOffsets[l + 1];
    const last = i1 - 1;
    for (let i = i0; i < last; i++) {
      const ax = proj.x(g.geomLon[i]), ay = proj.y(g.geomLat[i]);
      const bx = proj.x(g.geomLon[i + 1]), by = proj.y(g.geomLat[i + 1]);
      const len = Math.hypot(bx - ax, by - ay);
      const k = Math.max(1, Math.ceil(len / step));
      for (let s = 0; s <= k; s++) {
        if (s === k && i < last - 1) continue;
        const u = i - i0 + s / k;
        let t = Math.min(
          ta + interpAt(g, g.geomCumFwdS, l, u),
          tb + g.geomCumBwdS[last] - interpAt(g, g.geomCumBwdS, l, u),
        );
        if (srcs) {
          for (const src of srcs) {
            const w = src.distanceM / flat;
            if (src.u <= u && fwdOk) t = Math.min(t, w + interpAt(g, g.geomCumFwdS, l, u) - interpAt(g, g.geomCumFwdS, l, src.u));
            if (src.u >= u && bwdOk) t = Math.min(t, w + interpAt(g, g.geomCumBwdS, l, src.u) - interpAt(g, g.geomCumBwdS, l, u));
          }
        }
        if (!(t <= tMax)) continue;
        const x = ax + ((bx - ax) * s) / k, y = ay + ((by - ay) * s) / k;
        sx.push(x);
        sy.push(y);
        st.push(t);
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  // The walk from the query point to the street is itself reached.
  for (const s of sources) {
    const x = proj.x(s.queryLon), y = proj.y(s.queryLat);
    sx.push(x);
    sy.push(y);
    st.push(0);
  }
  x0 -= pad;
  y0 -= pad;
  x1 += pad;
  y1 += pad;
  while (((x1 - x0) / cell) * ((y1 - y0) / cell) > MAX_CELLS) cell *= 1.5;
  const W = Math.ceil((x1 - x0) / cell), H = Math.ceil((y1 - y0) / cell);
  const field = new Float32Array(W * H).fill(Infinity);
  for (let k = 0; k < sx.length; k++) {
    const t = st[k];
    const R = Math.min(walkOff, (tMax - t) * flat);
    const ci = (sx[k] - x0) / cell - 0.5, cj = (sy[k] - y0) / cell - 0.5;
    const rc = R / cell;
    const iMin = Math.max(0, Math.ceil(ci - rc)), iMax = Math.min(W - 1, Math.floor(ci + rc));
    const jMin = Math.max(0, Math.ceil(cj - rc)), jMax = Math.min(H - 1, Math.floor(cj + rc));
    for (let j = jMin; j <= jMax; j++) {
      for (let i = iMin; i <= iMax; i++) {
        const d = Math.hypot(i - ci, j - cj) * cell;
        if (d > R) continue;
        const v = t + d / flat;
        const idx = j * W + i;
        if (v < field[idx]) field[idx] = v;
      }
    }
    // Make sure the sample's own cell is stamped even when R < cell/2.
    const oi = Math.round(ci), oj = Math.round(cj);
    if (oi >= 0 && oj >= 0 && oi < W && oj < H) {
      const idx = oj * W + oi;
      if (t < field[idx]) field[idx] = t;
    }
  }
  const features = bands.map((m) => {
    const level = m * 60;
    // Clamp: outside values just above the level keep interpolation within one cell.
    const cap = level + cell / flat;
    const vals = new Float32Array(field.length);
    for (let i = 0; i < field.length; i++) vals[i] = field[i] > cap ? cap : field[i];
    const polys = contourPolygons(vals, W, H, level, x0, y0, cell);
    const coordinates = polys.map((poly) => poly.map((ring) => ring.map(([x, y]) => [round6(proj.lon(x)), round6(proj.lat(y))])));
    return {
      type: 'Feature' as const,
      properties: { minutes: m, seconds: level, method: 'network' as const },
      geometry: { type: 'MultiPolygon' as const, coordinates },
    };
  });
  return { type: 'FeatureCollection', method: 'network', features };
}

const linkStamps = new WeakMap<WalkGraph, { stamp: Uint32Array; gen: number }>();

/**
 * The links the isochrone samples, ascending: those entered from a reached end within tMax (an
 * out-edge of a node with cost ≤ tMax walks them) plus the origins' own links. From a complete search
 * they are collected from the settled nodes' out-edges (O(reached), not O(links): 1.9M links on the
 * 1M-node grid); otherwise every link is checked.
 */
function reachedLinks(g: WalkGraph, search: SearchResult, tMax: number, srcByLink: Map<number, Snap[]>): ArrayLike<number> {
  const cost = search.cost;
  if (search.complete !== true || search.reverse) {
    const all: number[] = [];
    for (let l = 0; l < g.linkCount; l++) {
      const ta = g.linkFwdEdge[l] >= 0 ? cost[g.linkFrom[l]] : Infinity;
      const tb = g.linkBwdEdge[l] >= 0 ? cost[g.linkTo[l]] : Infinity;
      if (ta <= tMax || tb <= tMax || srcByLink.has(l)) all.push(l);
    }
    return all;
  }
  let st = linkStamps.get(g);
  if (!st) {
    st = { stamp: new Uint32Array(g.linkCount), gen: 0 };
    linkStamps.set(g, st);
  }
  if (++st.gen === 0xffffffff) {
    st.stamp.fill(0);
    st.gen = 1;
  }
  const { stamp, gen } = st;
  const out: number[] = [];
  for (let k = 0; k < search.settledCount; k++) {
    const u = search.settled[k];
    if (!(cost[u] <= tMax)) continue;
    for (let e = g.offsets[u], end = g.offsets[u + 1]; e < end; e++) {
      const l = g.edgeLink[e];
      if (stamp[l] !== gen) {
        stamp[l] = gen;
        out.push(l);
      }
    }
  }
  for (const l of srcByLink.keys()) {
    if (stamp[l] !== gen) {
      stamp[l] = gen;
      out.push(l);
    }
  }
  return Uint32Array.from(out).sort();
}

function round6(v: number): number {
  return Math.round(v * 1e7) / 1e7;
}
