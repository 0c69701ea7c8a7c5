/**
 * A synthetic street grid for benchmarks: an OSM source (no parsing — nodes and ways are generated
 * on the fly, deterministically from a seed) plus a synthetic SRTM3 tile with hilly terrain, so the
 * real `buildGraph` pipeline (junction splitting, Tobler costs from the DEM, SCC, contraction, CSR)
 * runs on it.
 *
 * Grid: `cols × rows` OSM nodes `spacingM` apart, each jittered by up to ±jitterM in x and y; every
 * node is joined to its east and north neighbour unless that edge is dropped (probability
 * `dropShare`). Rows and columns are emitted as ways, cut where an edge is missing. A share of the
 * column pieces are `highway=steps` (short stair streets), the rest residential/footway.
 * Terrain: a sum of random smooth bumps (value noise over 3 octaves), up to ~±120 m, giving slopes of a
 * few percent up to ~25 % between neighbouring nodes.
 */
import type { DemTile } from '../../packages/reach/src/dem/tile.ts';
import type { OsmReadStats, OsmSink, OsmSource } from '../../packages/reach/src/osm/types.ts';

export interface GridSpec {
  cols: number;
  rows: number;
  /** Metres between neighbouring nodes before jitter (default 60). */
  spacingM?: number;
  /** Maximum jitter in metres per axis (default 12). */
  jitterM?: number;
  /** Probability that an edge is missing (default 0.06). */
  dropShare?: number;
  /** Probability that a column piece is a flight of steps (default 0.03). */
  stepsShare?: number;
  seed?: number;
  /** South-west corner (default 106.05 E, 29.05 N — inside tile N29E106). */
  lon0?: number;
  lat0?: number;
}

const M_PER_DEG = (6371008.8 * Math.PI) / 180;

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer hash → [0, 1). */
function hash01(x: number, y: number, seed: number): number {
  let h = Math.imul(x, 374761393) ^ Math.imul(y, 668265263) ^ Math.imul(seed, 1274126177);
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

export class SyntheticGrid implements OsmSource {
  readonly name: string;
  readonly cols: number;
  readonly rows: number;
  readonly spacingM: number;
  readonly jitterM: number;
  readonly dropShare: number;
  readonly stepsShare: number;
  readonly seed: number;
  readonly lon0: number;
  readonly lat0: number;
  private readonly mPerDegLon: number;

  constructor(spec: GridSpec) {
    this.cols = spec.cols;
    this.rows = spec.rows;
    this.spacingM = spec.spacingM ?? 60;
    this.jitterM = spec.jitterM ?? 12;
    this.dropShare = spec.dropShare ?? 0.06;
    this.stepsShare = spec.stepsShare ?? 0.03;
    this.seed = spec.seed ?? 1;
    this.lon0 = spec.lon0 ?? 106.05;
    this.lat0 = spec.lat0 ?? 29.05;
    this.mPerDegLon = M_PER_DEG * Math.cos((this.lat0 * Math.PI) / 180);
    this.name = `synthetic grid ${this.cols}×${this.rows} (${this.spacingM} m, seed ${this.seed})`;
  }

  /** OSM id of grid node (c, r). */
  id(c: number, r: number): number {
    return r * this.cols + c + 1;
  }

  lon(c: number, r: number): number {
    const jx = (hash01(c, r, this.seed) - 0.5) * 2 * this.jitterM;
    return this.lon0 + (c * this.spacingM + jx) / this.mPerDegLon;
  }

  lat(c: number, r: number): number {
    const jy = (hash01(c, r, this.seed + 7) - 0.5) * 2 * this.jitterM;
    return this.lat0 + (r * this.spacingM + jy) / M_PER_DEG;
  }

  /** Whether the edge from (c, r) east (dir 0) or north (dir 1) exists. */
  hasEdge(c: number, r: number, dir: 0 | 1): boolean {
    if (dir === 0 && c + 1 >= this.cols) return false;
    if (dir === 1 && r + 1 >= this.rows) return false;
    return hash01(c * 2 + dir, r, this.seed + 13) >= this.dropShare;
  }

  /** Bounding box [west, south, east, north] of the generated nodes. */
  bbox(): [number, number, number, number] {
    const pad = this.jitterM + 1;
    return [
      this.lon0 - pad / this.mPerDegLon,
      this.lat0 - pad / M_PER_DEG,
      this.lon0 + ((this.cols - 1) * this.spacingM + pad) / this.mPerDegLon,
      this.lat0 + ((this.rows - 1) * this.spacingM + pad) / M_PER_DEG,
    ];
  }

  async read(sink: OsmSink): Promise<OsmReadStats> {
    let nodes = 0, ways = 0;
    if (sink.onNode) {
      for (let r = 0; r < this.rows; r++) {
        for (let c = 0; c < this.cols; c++) {
          sink.onNode(this.id(c, r), this.lon(c, r), this.lat(c, r));
          nodes++;
        }
      }
    }
    if (sink.onWay) {
      let wayId = 1;
      const emit = (refs: number[], tags: Record<string, string>): void => {
        if (refs.length >= 2) sink.onWay!(wayId++, refs, tags);
        ways++;
      };
      // Rows (east–west streets).
      for (let r = 0; r < this.rows; r++) {
        let cur = [this.id(0, r)];
        for (let c = 0; c + 1 < this.cols; c++) {
          if (this.hasEdge(c, r, 0)) cur.push(this.id(c + 1, r));
          else {
            emit(cur, { highway: r % 5 === 0 ? 'tertiary' : 'residential' });
            cur = [this.id(c + 1, r)];
          }
        }
        emit(cur, { highway: r % 5 === 0 ? 'tertiary' : 'residential' });
      }
      // Columns (north–south streets), pieces of ≤ 8 edges so some can be steps.
      for (let c = 0; c < this.cols; c++) {
        let cur = [this.id(c, 0)];
        const flush = (r: number): void => {
          const steps = hash01(c, r, this.seed + 29) < this.stepsShare;
          emit(cur, steps ? { highway: 'steps' } : { highway: c % 4 === 0 ? 'residential' : 'footway' });
        };
        for (let r = 0; r + 1 < this.rows; r++) {
          if (this.hasEdge(c, r, 1) && cur.length < 9) cur.push(this.id(c, r + 1));
          else if (this.hasEdge(c, r, 1)) {
            flush(r);
            cur = [this.id(c, r), this.id(c, r + 1)];
          } else {
            flush(r);
            cur = [this.id(c, r + 1)];
          }
        }
        flush(this.rows);
      }
    }
    return { nodes, ways };
  }
}

/**
 * A synthetic SRTM3 tile (1201 × 1201 posts) with smooth random terrain: value noise with octaves
 * of 24, 8 and 3 posts (≈ 2.2 km, 740 m, 280 m), amplitudes 80, 30 and 10 m, around 300 m.
 */
export function syntheticTile(south: number, west: number, seed = 1): DemTile {
  const size = 1201;
  const heights = new Int16Array(size * size);
  const octaves: [number, number][] = [[24, 80], [8, 30], [3, 10]];
  const smooth = (t: number): number => t * t * (3 - 2 * t);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      let h = 300;
      for (let o = 0; o < octaves.length; o++) {
        const [p, amp] = octaves[o];
        const x = c / p, y = r / p;
        const x0 = Math.floor(x), y0 = Math.floor(y);
        const tx = smooth(x - x0), ty = smooth(y - y0);
        const s = seed * 31 + o;
        const v00 = hash01(x0, y0, s), v10 = hash01(x0 + 1, y0, s), v01 = hash01(x0, y0 + 1, s), v11 = hash01(x0 + 1, y0 + 1, s);
        const v = v00 * (1 - tx) * (1 - ty) + v10 * tx * (1 - ty) + v01 * (1 - tx) * ty + v11 * tx * ty;
        h += (v * 2 - 1) * amp;
      }
      heights[r * size + c] = Math.round(h);
    }
  }
  const ns = south < 0 ? 'S' : 'N', ew = west < 0 ? 'W' : 'E';
  const name = `${ns}${String(Math.abs(south)).padStart(2, '0')}${ew}${String(Math.abs(west)).padStart(3, '0')}`;
  return { name, south, west, size, heights };
}

/** Grid dimensions for about `nodes` graph nodes (contraction removes a few percent). */
export function gridForNodes(nodes: number): { cols: number; rows: number } {
  const side = Math.ceil(Math.sqrt(nodes * 1.03));
  return { cols: side, rows: side };
}
