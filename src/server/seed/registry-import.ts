import fs from 'node:fs';
import type { Kysely } from 'kysely';
import type { Crs, DB, GeoJsonGeometry } from '../db/types.ts';
import { clipRingCloserTo, geometryToWgs84, pointInRing, ringBounds, ringCentroid, toWgs84, type Ring } from '../lib/geo.ts';

export interface DivisionRecord {
  level: 'subdistrict' | 'community' | 'workstation';
  code: string;
  name: string;
  parentCode: string;
  parentName: string;
}

/**
 * Reads a divisions CSV (`level,code,name,parent_code,parent_name`, as in divisions.csv). A community-level row whose
 * name ends in 工作站 (a workstation, not a residents' committee) is kept with level `workstation`.
 */
export function readDivisionsCsv(file: string): DivisionRecord[] {
  const lines = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines.shift()?.split(',').map((h) => h.trim());
  const expected = ['level', 'code', 'name', 'parent_code', 'parent_name'];
  if (!header || expected.some((column, i) => header[i] !== column)) {
    throw new Error(`${file}: expected the header ${expected.join(',')}`);
  }
  return lines.map((line, index) => {
    const [level, code, name, parentCode, parentName] = line.split(',').map((cell) => cell.trim());
    if (!code || !/^\d{6,12}$/.test(code) || !name || !parentCode) throw new Error(`${file}:${index + 2}: malformed row`);
    if (level !== 'subdistrict' && level !== 'community') throw new Error(`${file}:${index + 2}: unknown level ${level}`);
    const isWorkstation = level === 'community' && name.endsWith('工作站');
    return { level: isWorkstation ? 'workstation' : level, code, name, parentCode, parentName: parentName ?? '' };
  });
}

/** 七星岗街道 → 七星岗, 华一坡社区居民委员会 → 华一坡社区. */
export function shortDivisionName(name: string): string {
  return name.replace(/居民委员会$/, '').replace(/街道$/, '') || name;
}

export function readBoundary(file: string, crs: Crs): { name: string; geometry: GeoJsonGeometry } {
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { type: string; features?: { properties?: { name?: string }; geometry: GeoJsonGeometry }[]; geometry?: GeoJsonGeometry };
  const feature = json.type === 'FeatureCollection' ? json.features?.[0] : (json as never as { properties?: { name?: string }; geometry: GeoJsonGeometry });
  if (!feature?.geometry || (feature.geometry.type !== 'Polygon' && feature.geometry.type !== 'MultiPolygon')) {
    throw new Error(`${file}: expected a Polygon or MultiPolygon feature`);
  }
  return { name: feature.properties?.name ?? '', geometry: geometryToWgs84(feature.geometry, crs) };
}

/** Deterministic PRNG (mulberry32), so the illustrative layout is the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomPointInRing(ring: Ring, random: () => number, avoid: [number, number][] = [], minGap = 0): [number, number] {
  const box = ringBounds(ring);
  let fallback: [number, number] | null = null;
  for (let attempt = 0; attempt < 2000; attempt++) {
    const point: [number, number] = [box.minX + random() * (box.maxX - box.minX), box.minY + random() * (box.maxY - box.minY)];
    if (!pointInRing(point, ring)) continue;
    fallback ??= point;
    if (avoid.every(([x, y]) => Math.hypot(x - point[0], y - point[1]) >= minGap)) return [round6(point[0]), round6(point[1])];
  }
  return fallback ? [round6(fallback[0]), round6(fallback[1])] : ringCentroid(ring);
}

function round6(value: number) {
  return Math.round(value * 1e6) / 1e6;
}

/**
 * Illustrative subdistrict areas: a Voronoi partition of the district outline around one anchor per subdistrict.
 * The real subdistrict boundaries are not in our data; these areas only help people find their way on the map.
 */
export function illustrativeAreas(outline: Ring, anchors: Map<string, [number, number]>): Map<string, Ring> {
  const areas = new Map<string, Ring>();
  for (const [code, anchor] of anchors) {
    let cell = outline;
    for (const [otherCode, other] of anchors) {
      if (otherCode === code || cell.length === 0) continue;
      cell = clipRingCloserTo(cell, anchor, other);
    }
    if (cell.length >= 4) areas.set(code, cell);
  }
  return areas;
}

/** Loads district, subdistricts and communities; idempotent (existing codes are updated, not duplicated). */
export async function importRegistry(
  db: Kysely<DB>,
  input: {
    district: { code: string; name: string };
    divisions: DivisionRecord[];
    boundary: GeoJsonGeometry;
    boundarySourceCrs: Crs;
    subdistrictAnchors?: Map<string, [number, number]>;
    seed?: number;
  },
) {
  const outline = (input.boundary.type === 'Polygon' ? (input.boundary.coordinates as Ring[])[0] : (input.boundary.coordinates as Ring[][])[0]![0])!;
  const random = seededRandom(input.seed ?? 500103);
  const subdistricts = input.divisions.filter((d) => d.level === 'subdistrict');
  const anchors = new Map<string, [number, number]>();
  for (const sub of subdistricts) {
    let anchor = input.subdistrictAnchors?.get(sub.code);
    if (!anchor || !pointInRing(anchor, outline)) anchor = randomPointInRing(outline, random, [...anchors.values()], 0.005);
    anchors.set(sub.code, anchor);
  }
  const areas = illustrativeAreas(outline, anchors);

  await db
    .insertInto('divisions')
    .values({
      code: input.district.code,
      level: 'district',
      name: input.district.name,
      short_name: input.district.name,
      parent_code: null,
      geometry: JSON.stringify(input.boundary),
      geometry_illustrative: false,
      geometry_source_crs: input.boundarySourceCrs,
    })
    .onConflict((oc) => oc.column('code').doUpdateSet({ name: input.district.name, geometry: JSON.stringify(input.boundary), geometry_source_crs: input.boundarySourceCrs }))
    .execute();

  let order = 0;
  for (const sub of subdistricts) {
    const area = areas.get(sub.code);
    const geometry = area ? { type: 'Polygon', coordinates: [area] } : null;
    await upsertDivision(db, { code: sub.code, level: 'subdistrict', name: sub.name, parentCode: input.district.code, geometry, order: order++ });
  }
  const placed: [number, number][] = [];
  for (const community of input.divisions.filter((d) => d.level !== 'subdistrict')) {
    const area = areas.get(community.parentCode) ?? outline;
    const point = randomPointInRing(area, random, placed, 0.0018);
    placed.push(point);
    await upsertDivision(db, {
      code: community.code,
      level: community.level,
      name: community.name,
      parentCode: community.parentCode,
      geometry: { type: 'Point', coordinates: point },
      order: order++,
    });
  }
  return { subdistricts: subdistricts.length, communities: input.divisions.filter((d) => d.level === 'community').length };
}

async function upsertDivision(
  db: Kysely<DB>,
  d: { code: string; level: 'subdistrict' | 'community' | 'workstation'; name: string; parentCode: string; geometry: object | null; order: number },
) {
  const values = {
    level: d.level,
    name: d.name,
    short_name: shortDivisionName(d.name),
    parent_code: d.parentCode,
    geometry: d.geometry ? JSON.stringify(d.geometry) : null,
    geometry_illustrative: true,
    geometry_source_crs: d.geometry ? ('WGS-84' as const) : null,
    sort_order: d.order,
  };
  await db
    .insertInto('divisions')
    .values({ code: d.code, ...values })
    .onConflict((oc) => oc.column('code').doUpdateSet(values))
    .execute();
}

/** Converts a GCJ-02 anchor table to WGS-84. */
export function anchorsToWgs84(anchors: Record<string, [number, number]>, crs: Crs): Map<string, [number, number]> {
  return new Map(Object.entries(anchors).map(([code, [lon, lat]]) => [code, toWgs84(lon, lat, crs)]));
}
