/**
 * Small geometry helpers on WGS-84 lon/lat. District-scale work uses a local
 * equirectangular projection (metres), whose scale error is < 0.1 % within ±10 km
 * of its origin — far below the other uncertainties of walking times.
 */
import { InvalidGeoJsonError } from './errors.ts';

/** Mean Earth radius in metres (IUGG). */
export const EARTH_RADIUS_M = 6371008.8;
const RAD = Math.PI / 180;

/** Great-circle distance in metres. */
export function haversineM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Local equirectangular projection around (lon0, lat0): x east, y north, metres. */
export class LocalProjection {
  readonly lon0: number;
  readonly lat0: number;
  readonly kx: number;
  readonly ky: number;
  constructor(lon0: number, lat0: number) {
    this.lon0 = lon0;
    this.lat0 = lat0;
    this.ky = EARTH_RADIUS_M * RAD;
    this.kx = this.ky * Math.cos(lat0 * RAD);
  }
  x(lon: number): number {
    return (lon - this.lon0) * this.kx;
  }
  y(lat: number): number {
    return (lat - this.lat0) * this.ky;
  }
  lon(x: number): number {
    return this.lon0 + x / this.kx;
  }
  lat(y: number): number {
    return this.lat0 + y / this.ky;
  }
}

/**
 * Projection of point p on segment a–b in a local metric frame around p.
 * Returns the parameter t in [0,1] and the distance in metres.
 */
export function projectOnSegment(
  px: number, py: number, ax: number, ay: number, bx: number, by: number,
): { t: number; d: number } {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  const qx = ax + t * dx - px;
  const qy = ay + t * dy - py;
  return { t, d: Math.sqrt(qx * qx + qy * qy) };
}

/** A ring: closed list of [lon, lat] (first == last). */
export type Ring = number[][];
/** A polygon: outer ring then holes. */
export type PolygonRings = Ring[];

/** Even-odd ray casting on one ring. Works on any planar coordinates. */
export function pointInRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = ring[i][0], yi = ring[i][1];
    const xj = ring[j][0], yj = ring[j][1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Point in a polygon with holes. */
export function pointInPolygon(x: number, y: number, poly: PolygonRings): boolean {
  if (!pointInRing(x, y, poly[0])) return false;
  for (let h = 1; h < poly.length; h++) if (pointInRing(x, y, poly[h])) return false;
  return true;
}

/** Bounding box [minLon, minLat, maxLon, maxLat]. */
export type BBox = [number, number, number, number];

/** A boundary (a set of polygons) with a fast bbox pre-test. */
export class Boundary {
  readonly polygons: PolygonRings[];
  readonly bbox: BBox;
  constructor(polygons: PolygonRings[]) {
    this.polygons = polygons;
    let a = Infinity, b = Infinity, c = -Infinity, d = -Infinity;
    for (const p of polygons) for (const [x, y] of p[0]) {
      if (x < a) a = x;
      if (y < b) b = y;
      if (x > c) c = x;
      if (y > d) d = y;
    }
    this.bbox = [a, b, c, d];
  }
  /** Whether lon/lat lies inside (even-odd; boundary points may go either way). */
  contains(lon: number, lat: number): boolean {
    const [a, b, c, d] = this.bbox;
    if (lon < a || lon > c || lat < b || lat > d) return false;
    for (const p of this.polygons) if (pointInPolygon(lon, lat, p)) return true;
    return false;
  }
  /** Area in square metres (planar, local projection). */
  areaM2(): number {
    const proj = new LocalProjection((this.bbox[0] + this.bbox[2]) / 2, (this.bbox[1] + this.bbox[3]) / 2);
    let area = 0;
    for (const p of this.polygons) {
      area += Math.abs(ringAreaXY(p[0].map(([x, y]) => [proj.x(x), proj.y(y)])));
      for (let h = 1; h < p.length; h++) area -= Math.abs(ringAreaXY(p[h].map(([x, y]) => [proj.x(x), proj.y(y)])));
    }
    return area;
  }
}

/** Signed shoelace area (positive = counter-clockwise). */
export function ringAreaXY(ring: number[][]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return s / 2;
}

function checkPosition(p: unknown, where: string): number[] {
  if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number' ||
      !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
    throw new InvalidGeoJsonError(`${where}: a position must be [lon, lat] numbers`);
  }
  if (p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90) {
    throw new InvalidGeoJsonError(`${where}: [${p[0]}, ${p[1]}] is not a WGS-84 lon/lat position`);
  }
  return [p[0], p[1]];
}

function checkRing(r: unknown, where: string): Ring {
  if (!Array.isArray(r)) throw new InvalidGeoJsonError(`${where}: a linear ring must be an array of positions`);
  if (r.length < 4) throw new InvalidGeoJsonError(`${where}: a linear ring needs at least 4 positions, got ${r.length}`);
  const ring = r.map((p, i) => checkPosition(p, `${where}, position ${i}`));
  const f = ring[0], l = ring[ring.length - 1];
  if (f[0] !== l[0] || f[1] !== l[1]) throw new InvalidGeoJsonError(`${where}: linear ring is not closed (first position ≠ last)`);
  return ring;
}

function checkPolygonCoords(c: unknown, where: string): PolygonRings {
  if (!Array.isArray(c) || c.length === 0) throw new InvalidGeoJsonError(`${where}: Polygon coordinates must be a non-empty array of rings`);
  return c.map((r, i) => checkRing(r, `${where}, ring ${i}`));
}

/** Polygons of a Polygon/MultiPolygon geometry, validated. */
export function polygonsOfGeometry(g: unknown, where: string): PolygonRings[] {
  if (g === null || typeof g !== 'object') throw new InvalidGeoJsonError(`${where}: geometry must be an object`);
  const geom = g as { type?: unknown; coordinates?: unknown };
  if (geom.type === 'Polygon') return [checkPolygonCoords(geom.coordinates, where)];
  if (geom.type === 'MultiPolygon') {
    if (!Array.isArray(geom.coordinates) || geom.coordinates.length === 0) {
      throw new InvalidGeoJsonError(`${where}: MultiPolygon coordinates must be a non-empty array`);
    }
    return geom.coordinates.map((c, i) => checkPolygonCoords(c, `${where}, polygon ${i}`));
  }
  throw new InvalidGeoJsonError(`${where}: expected a Polygon or MultiPolygon, got ${JSON.stringify(geom.type)}`);
}

/** Parses JSON text, mapping syntax errors to InvalidGeoJsonError. */
export function parseJsonText(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidGeoJsonError(`${name}: not valid JSON (${(e as Error).message})`);
  }
}

/** A named area (for per-area summaries). */
export interface NamedArea {
  id: string;
  name: string;
  boundary: Boundary;
}

/**
 * Reads the areas of a GeoJSON FeatureCollection / Feature / geometry of (Multi)Polygons.
 * `id` comes from properties.id | feature.id | properties.code | index, `name` from properties.name.
 */
export function parseAreas(json: unknown, name = 'GeoJSON'): NamedArea[] {
  if (json === null || typeof json !== 'object') throw new InvalidGeoJsonError(`${name}: expected a GeoJSON object`);
  const o = json as { type?: unknown; features?: unknown; geometry?: unknown; properties?: unknown; id?: unknown };
  const features: unknown[] =
    o.type === 'FeatureCollection' ? (Array.isArray(o.features) ? o.features : (() => {
      throw new InvalidGeoJsonError(`${name}: FeatureCollection without a features array`);
    })()) : o.type === 'Feature' ? [o] : [{ type: 'Feature', geometry: o, properties: {} }];
  const out: NamedArea[] = [];
  features.forEach((f, i) => {
    if (f === null || typeof f !== 'object' || (f as { type?: unknown }).type !== 'Feature') {
      throw new InvalidGeoJsonError(`${name}: features[${i}] is not a Feature`);
    }
    const feat = f as { geometry?: unknown; properties?: Record<string, unknown> | null; id?: unknown };
    const props = feat.properties ?? {};
    const polys = polygonsOfGeometry(feat.geometry, `${name}: features[${i}]`);
    const id = String(props.id ?? feat.id ?? props.code ?? i);
    out.push({ id, name: String(props.name ?? id), boundary: new Boundary(polys) });
  });
  if (out.length === 0) throw new InvalidGeoJsonError(`${name}: contains no polygon`);
  return out;
}

/** Reads one boundary (union of all polygons) from GeoJSON. */
export function parseBoundary(json: unknown, name = 'boundary'): Boundary {
  const areas = parseAreas(json, name);
  return new Boundary(areas.flatMap((a) => a.boundary.polygons));
}
