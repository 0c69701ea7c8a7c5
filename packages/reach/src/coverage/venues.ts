/** Parsing venue lists (pure: text/JSON in, venues out). */
import { InvalidVenuesError } from '../errors.ts';

/** A venue: a school, library, community centre, park … with a category used for coverage. */
export interface Venue {
  id: string;
  name: string;
  category: string;
  lon: number;
  lat: number;
}

/** Splits one CSV line (RFC 4180 quotes, no embedded newlines). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else q = false;
      } else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

function checkVenue(v: Venue, where: string): Venue {
  if (!v.id) throw new InvalidVenuesError(`${where}: empty id`);
  if (!v.category) throw new InvalidVenuesError(`${where}: empty category`);
  if (!Number.isFinite(v.lon) || !Number.isFinite(v.lat) || v.lon < -180 || v.lon > 180 || v.lat < -90 || v.lat > 90) {
    throw new InvalidVenuesError(`${where}: lon/lat must be WGS-84 numbers`);
  }
  return v;
}

/** Parses `id,name,category,lon,lat` CSV (header required, any column order, extra columns ignored). */
export function parseVenuesCsv(text: string, name = 'venues CSV'): Venue[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.toLowerCase());
  const col = (k: string): number => header.indexOf(k);
  for (const k of ['id', 'category', 'lon', 'lat']) {
    if (col(k) < 0) throw new InvalidVenuesError(`${name}: header must contain id,name,category,lon,lat (missing "${k}")`);
  }
  const out: Venue[] = [];
  const ids = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const f = splitCsvLine(lines[i]);
    const where = `${name} line ${i + 1}`;
    if (f.length < header.length) throw new InvalidVenuesError(`${where}: ${f.length} fields, header has ${header.length}`);
    const num = (s: string): number => (s === '' ? NaN : Number(s));
    const v = checkVenue(
      { id: f[col('id')], name: col('name') >= 0 ? f[col('name')] : f[col('id')], category: f[col('category')], lon: num(f[col('lon')]), lat: num(f[col('lat')]) },
      where,
    );
    if (ids.has(v.id)) throw new InvalidVenuesError(`${where}: duplicate id ${JSON.stringify(v.id)}`);
    ids.add(v.id);
    out.push(v);
  }
  if (out.length === 0) throw new InvalidVenuesError(`${name}: no venues`);
  return out;
}

/** Parses a GeoJSON FeatureCollection of Points with properties id/name/category. */
export function parseVenuesGeoJson(json: unknown, name = 'venues GeoJSON'): Venue[] {
  const o = json as { type?: unknown; features?: unknown } | null;
  if (!o || o.type !== 'FeatureCollection' || !Array.isArray(o.features)) {
    throw new InvalidVenuesError(`${name}: expected a GeoJSON FeatureCollection of Point features`);
  }
  const ids = new Set<string>();
  const out = o.features.map((f: unknown, i: number) => {
    const where = `${name} features[${i}]`;
    const feat = f as { geometry?: { type?: unknown; coordinates?: unknown }; properties?: Record<string, unknown> | null; id?: unknown };
    if (!feat || feat.geometry?.type !== 'Point' || !Array.isArray(feat.geometry.coordinates)) {
      throw new InvalidVenuesError(`${where}: geometry must be a Point`);
    }
    const p = feat.properties ?? {};
    const c = feat.geometry.coordinates as unknown[];
    const id = String(p.id ?? feat.id ?? '');
    const v = checkVenue(
      { id, name: String(p.name ?? id), category: String(p.category ?? ''), lon: Number(c[0]), lat: Number(c[1]) },
      where,
    );
    if (ids.has(v.id)) throw new InvalidVenuesError(`${where}: duplicate id ${JSON.stringify(v.id)}`);
    ids.add(v.id);
    return v;
  });
  if (out.length === 0) throw new InvalidVenuesError(`${name}: no venues`);
  return out;
}
