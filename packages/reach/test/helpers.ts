/** Test helpers: shared-data paths, inline OSM fixtures, synthetic DEM tiles, a reference Dijkstra. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DemSet, type DemTile } from '../src/dem/tile.ts';
import { EARTH_RADIUS_M } from '../src/geo.ts';
import type { WalkGraph } from '../src/graph/types.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root (packages/reach/test → ../../..). */
export const REPO_ROOT = resolve(here, '../../..');
/** Shared read-only data: $COEDU_SHARED_DATA or <repo>/../shared/data. */
export const SHARED_DATA = process.env.COEDU_SHARED_DATA ?? resolve(REPO_ROOT, '../shared/data');
export const dataPath = (rel: string): string => resolve(SHARED_DATA, rel);
export const haveSharedData = existsSync(dataPath('osm/monaco.osm.gz'));
/**
 * Skip reason for tests on the real OSM/SRTM files: outside CI a missing ../shared/data skips them by name; on CI
 * (CI=true) they must run, so a missing data folder fails loudly instead of passing silently.
 */
export const sharedDataSkip = (reason: string): string | false => (haveSharedData || process.env.CI === 'true' ? false : reason);

/** Metres per degree of latitude (same sphere as the engine). */
export const M_PER_DEG = (EARTH_RADIUS_M * Math.PI) / 180;
export const LON0 = 7.5;
export const LAT0 = 43.5;
/** lon/lat of a point x metres east and y metres north of (LON0, LAT0). */
export function ll(x: number, y: number): [number, number] {
  return [LON0 + x / (M_PER_DEG * Math.cos((LAT0 * Math.PI) / 180)), LAT0 + y / M_PER_DEG];
}

/** Builds OSM XML from nodes {id: [x, y] metres} and ways [id, refs, tags]. */
export function osmXml(nodes: Record<number, [number, number]>, ways: [number, number[], Record<string, string>][]): string {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">'];
  for (const [id, [x, y]] of Object.entries(nodes)) {
    const [lon, lat] = ll(x, y);
    parts.push(`  <node id="${id}" lat="${lat.toFixed(10)}" lon="${lon.toFixed(10)}" version="1"/>`);
  }
  for (const [id, refs, tags] of ways) {
    parts.push(`  <way id="${id}" version="1">`);
    for (const r of refs) parts.push(`    <nd ref="${r}"/>`);
    for (const [k, v] of Object.entries(tags)) parts.push(`    <tag k="${k}" v="${v}"/>`);
    parts.push('  </way>');
  }
  parts.push('</osm>');
  return parts.join('\n');
}

/**
 * A synthetic 3″ tile N43E007 whose height rises `perRow` metres per post row northwards
 * (linear in latitude, so bilinear sampling is exact). Row spacing is 1/1200° = M_PER_DEG/1200 m.
 */
export function slopedTile(perRow: number, base = 0): DemTile {
  const size = 1201;
  const heights = new Int16Array(size * size);
  for (let r = 0; r < size; r++) heights.fill(base + (size - 1 - r) * perRow, r * size, (r + 1) * size);
  return { name: 'N43E007', south: 43, west: 7, size, heights };
}
export const slopedDem = (perRow: number): DemSet => new DemSet([slopedTile(perRow)]);

/** Tobler scaled to 1.25 m/s on the flat, written out independently of the engine. */
export const tobler = (s: number): number => 1.25 * Math.exp(-3.5 * Math.abs(s + 0.05)) / Math.exp(-3.5 * 0.05);

/** Plain reference Dijkstra over an edge list (binary heap written here, not the engine's). */
export function referenceDijkstra(n: number, edges: [number, number, number][], source: number): Float64Array {
  const adj: [number, number][][] = Array.from({ length: n }, () => []);
  for (const [a, b, w] of edges) adj[a].push([b, w]);
  const dist = new Float64Array(n).fill(Infinity);
  dist[source] = 0;
  const heap: [number, number][] = [[0, source]];
  const push = (x: [number, number]): void => {
    heap.push(x);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p][0] <= heap[i][0]) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const pop = (): [number, number] => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && heap[l][0] < heap[m][0]) m = l;
        if (r < heap.length && heap[r][0] < heap[m][0]) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  };
  while (heap.length > 0) {
    const [d, u] = pop();
    if (d > dist[u]) continue;
    for (const [v, w] of adj[u]) {
      if (d + w < dist[v]) {
        dist[v] = d + w;
        push([d + w, v]);
      }
    }
  }
  return dist;
}

/** Parses `from,to,seconds,meters` CSV. */
export function parseEdgesCsv(text: string): [number, number, number][] {
  return text.trim().split('\n').slice(1).map((l) => {
    const [a, b, s] = l.split(',');
    return [Number(a), Number(b), Number(s)];
  });
}

/** Captures CLI output. */
export function captureIo(): { out: string[]; err: string[]; io: { out: (s: string) => void; err: (s: string) => void } } {
  const out: string[] = [], err: string[] = [];
  return { out, err, io: { out: (s) => void out.push(s), err: (s) => void err.push(s) } };
}

/** A WalkGraph shell with just the CSR arrays the searches read. */
export function csrGraph(n: number, edges: [number, number, number][]): WalkGraph {
  const sorted = [...edges].sort((a, b) => a[0] - b[0]);
  const offsets = new Uint32Array(n + 1);
  for (const [a] of sorted) offsets[a + 1]++;
  for (let u = 0; u < n; u++) offsets[u + 1] += offsets[u];
  return {
    nodeCount: n, edgeCount: sorted.length, linkCount: 0,
    offsets, targets: Uint32Array.from(sorted.map((e) => e[1])), seconds: Float32Array.from(sorted.map((e) => e[2])),
    meters: Float32Array.from(sorted.map((e) => e[2] * 1.25)),
  } as unknown as WalkGraph;
}

