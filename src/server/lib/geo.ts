import gcoord from 'gcoord';
import type { Crs } from '../db/types.ts';

export const CRS_VALUES = ['WGS-84', 'GCJ-02', 'BD-09'] as const satisfies readonly Crs[];

const gcoordCrs = { 'WGS-84': gcoord.WGS84, 'GCJ-02': gcoord.GCJ02, 'BD-09': gcoord.BD09 } as const;

/** Converts one lon/lat pair to WGS-84 (the system we store). GCJ-02/BD-09 offsets only apply inside China. */
export function toWgs84(lon: number, lat: number, from: Crs): [number, number] {
  if (from === 'WGS-84') return [lon, lat];
  const [x, y] = gcoord.transform([lon, lat], gcoordCrs[from], gcoord.WGS84) as [number, number];
  return [round7(x), round7(y)];
}

/** Converts every position of a GeoJSON geometry in place. */
export function geometryToWgs84<T extends { type: string; coordinates: unknown }>(geometry: T, from: Crs): T {
  const convert = (value: unknown): unknown => {
    if (Array.isArray(value) && typeof value[0] === 'number') return toWgs84(value[0] as number, value[1] as number, from);
    if (Array.isArray(value)) return value.map(convert);
    return value;
  };
  return { ...geometry, coordinates: convert(geometry.coordinates) };
}

/** 7 decimals ≈ 1 cm: more is noise. */
export function round7(value: number): number {
  return Math.round(value * 1e7) / 1e7;
}

export type Ring = [number, number][];

/** Ray-casting point-in-polygon test on one ring (lon/lat treated as planar; fine at district scale). */
export function pointInRing(point: [number, number], ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > point[1] !== yj > point[1] && point[0] < ((xj - xi) * (point[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Clips a (possibly non-convex) polygon ring by the half-plane of points closer to `a` than to `b`
 * (Sutherland–Hodgman against one edge). Repeating it for every other site yields a Voronoi cell clipped to the ring.
 */
export function clipRingCloserTo(ring: Ring, a: [number, number], b: [number, number]): Ring {
  const mid: [number, number] = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const normal: [number, number] = [b[0] - a[0], b[1] - a[1]];
  const side = (p: [number, number]) => (p[0] - mid[0]) * normal[0] + (p[1] - mid[1]) * normal[1];
  const output: Ring = [];
  const open = ring[0]![0] === ring.at(-1)![0] && ring[0]![1] === ring.at(-1)![1] ? ring.slice(0, -1) : ring;
  for (let i = 0; i < open.length; i++) {
    const current = open[i]!;
    const previous = open[(i + open.length - 1) % open.length]!;
    const sc = side(current);
    const sp = side(previous);
    if (sc <= 0) {
      if (sp > 0) output.push(intersect(previous, current, sp, sc));
      output.push(current);
    } else if (sp <= 0) {
      output.push(intersect(previous, current, sp, sc));
    }
  }
  if (output.length > 0) output.push([output[0]![0], output[0]![1]]);
  return output;
}

function intersect(p: [number, number], q: [number, number], sp: number, sq: number): [number, number] {
  const t = sp / (sp - sq);
  return [round7(p[0] + t * (q[0] - p[0])), round7(p[1] + t * (q[1] - p[1]))];
}

export function ringCentroid(ring: Ring): [number, number] {
  let area = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [x0, y0] = ring[j]!;
    const [x1, y1] = ring[i]!;
    const cross = x0 * y1 - x1 * y0;
    area += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  if (area === 0) return ring[0]!;
  return [cx / (3 * area), cy / (3 * area)];
}

export function ringBounds(ring: Ring): { minX: number; minY: number; maxX: number; maxY: number } {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of ring) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  return { minX, minY, maxX, maxY };
}
