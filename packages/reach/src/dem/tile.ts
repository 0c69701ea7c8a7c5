/**
 * Pure DEM sampling over SRTM-style tiles: a 1°×1° grid of n×n posts (n = 1201 for 3″,
 * 3601 for 1″), row 0 at the north edge, posts on whole-degree lines (so neighbouring tiles
 * share their edge rows). Void posts (-32768) are left out of the interpolation.
 */
import { DemFormatError } from '../errors.ts';

/** SRTM void marker. */
export const HGT_VOID = -32768;

/** One tile: `south`/`west` are the integer degrees of its south-west corner. */
export interface DemTile {
  name: string;
  south: number;
  west: number;
  /** Posts per side (1201 or 3601). */
  size: number;
  /** Row-major heights in metres, north row first. */
  heights: Int16Array;
}

/** Parses a tile name like N43E007 (optionally with a path or extension) into its SW corner. */
export function parseTileName(fileName: string): { south: number; west: number; name: string } {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const m = /^([NS])(\d{1,2})([EW])(\d{1,3})/i.exec(base);
  if (!m) throw new DemFormatError(`${base}: DEM tile name must start like N43E007 (SRTM naming) to tell its position`);
  const lat = parseInt(m[2], 10) * (m[1].toUpperCase() === 'S' ? -1 : 1);
  const lon = parseInt(m[4], 10) * (m[3].toUpperCase() === 'W' ? -1 : 1);
  if (lat < -90 || lat > 89 || lon < -180 || lon > 179) throw new DemFormatError(`${base}: tile corner ${lat},${lon} is out of range`);
  return { south: lat, west: lon, name: tileName(lat, lon) };
}

/** SRTM name of the tile whose south-west corner is (south, west). */
export function tileName(south: number, west: number): string {
  const ns = south < 0 ? 'S' : 'N';
  const ew = west < 0 ? 'W' : 'E';
  return `${ns}${String(Math.abs(south)).padStart(2, '0')}${ew}${String(Math.abs(west)).padStart(3, '0')}`;
}

/**
 * Builds a tile from the raw big-endian int16 bytes of an .hgt file.
 * The resolution is detected from the byte count (2·1201² or 2·3601²).
 */
export function tileFromHgtBytes(bytes: Uint8Array, fileName: string): DemTile {
  const { south, west, name } = parseTileName(fileName);
  const posts = bytes.length / 2;
  const size = Math.round(Math.sqrt(posts));
  if (!Number.isInteger(posts) || size * size !== posts || (size !== 1201 && size !== 3601)) {
    throw new DemFormatError(
      `${fileName}: ${bytes.length} bytes is not an SRTM .hgt tile (expected ${2 * 1201 * 1201} bytes for 3″ or ${2 * 3601 * 3601} for 1″)`,
    );
  }
  const heights = new Int16Array(posts);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < posts; i++) heights[i] = dv.getInt16(i * 2, false);
  return { name, south, west, size, heights };
}

/** Tile-local void-tolerant bilinear sample; NaN when no valid post is near. */
function sampleTile(t: DemTile, lon: number, lat: number): number {
  const n1 = t.size - 1;
  const fx = (lon - t.west) * n1;
  const fy = (t.south + 1 - lat) * n1;
  let c = Math.floor(fx);
  let r = Math.floor(fy);
  if (c >= n1) c = n1 - 1;
  if (r >= n1) r = n1 - 1;
  if (c < 0) c = 0;
  if (r < 0) r = 0;
  const dx = fx - c;
  const dy = fy - r;
  const h = t.heights;
  const i00 = r * t.size + c;
  const v00 = h[i00], v01 = h[i00 + 1], v10 = h[i00 + t.size], v11 = h[i00 + t.size + 1];
  const w00 = (1 - dx) * (1 - dy), w01 = dx * (1 - dy), w10 = (1 - dx) * dy, w11 = dx * dy;
  if (v00 !== HGT_VOID && v01 !== HGT_VOID && v10 !== HGT_VOID && v11 !== HGT_VOID) {
    return v00 * w00 + v01 * w01 + v10 * w10 + v11 * w11;
  }
  // Some corners void: renormalise the bilinear weights over the valid corners.
  let s = 0, w = 0;
  if (v00 !== HGT_VOID) { s += v00 * w00; w += w00; }
  if (v01 !== HGT_VOID) { s += v01 * w01; w += w01; }
  if (v10 !== HGT_VOID) { s += v10 * w10; w += w10; }
  if (v11 !== HGT_VOID) { s += v11 * w11; w += w11; }
  if (w > 1e-9) return s / w;
  // All four void: inverse-distance average of valid posts in growing square rings (≤ 5 posts away).
  for (let k = 1; k <= 5; k++) {
    let ss = 0, ww = 0;
    for (let rr = r - k; rr <= r + 1 + k; rr++) {
      if (rr < 0 || rr > n1) continue;
      for (let cc = c - k; cc <= c + 1 + k; cc++) {
        if (cc < 0 || cc > n1) continue;
        const v = h[rr * t.size + cc];
        if (v === HGT_VOID) continue;
        const d = Math.hypot(cc - fx, rr - fy);
        const wt = 1 / Math.max(d, 1e-6);
        ss += v * wt;
        ww += wt;
      }
    }
    if (ww > 0) return ss / ww;
  }
  return NaN;
}

/** A set of tiles queried by lon/lat. */
export class DemSet {
  readonly tiles: DemTile[];
  private readonly byKey = new Map<number, DemTile>();
  constructor(tiles: DemTile[]) {
    this.tiles = tiles;
    for (const t of tiles) this.byKey.set(key(t.south, t.west), t);
  }
  /** The tile containing lon/lat, or undefined. Points on a tile's north/east edge belong to it too. */
  tileAt(lon: number, lat: number): DemTile | undefined {
    const s = Math.floor(lat), w = Math.floor(lon);
    const t = this.byKey.get(key(s, w));
    if (t) return t;
    // Exactly on a whole-degree line: the neighbouring tile's edge row/column has the same posts.
    const onLat = lat === s, onLon = lon === w;
    return (onLat ? this.byKey.get(key(s - 1, w)) : undefined) ??
      (onLon ? this.byKey.get(key(s, w - 1)) : undefined) ??
      (onLat && onLon ? this.byKey.get(key(s - 1, w - 1)) : undefined);
  }
  /** Whether some tile covers lon/lat. */
  covers(lon: number, lat: number): boolean {
    return this.tileAt(lon, lat) !== undefined;
  }
  /** Elevation in metres at lon/lat (bilinear), NaN if uncovered or only voids nearby. */
  sample(lon: number, lat: number): number {
    const t = this.tileAt(lon, lat);
    return t ? sampleTile(t, lon, lat) : NaN;
  }
}

function key(s: number, w: number): number {
  return (s + 90) * 1000 + (w + 180);
}
