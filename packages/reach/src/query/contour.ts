/**
 * Marching squares on a scalar grid: polygons of the region {value ≤ level}.
 *
 * Grid values are sampled at cell centres (x = x0 + (i+0.5)·cell, y = y0 + (j+0.5)·cell, j northwards).
 * The grid is padded with "outside" so every ring closes. Saddles are always resolved as *separate*
 * (two inside corners on a diagonal are not joined), so contours never bridge diagonally.
 * Rings are oriented with the inside on the left: outer rings counter-clockwise, holes clockwise.
 */

/** Polygons as [outer, ...holes] rings of [x, y] (closed). */
export type XYPolygon = number[][][];

/** Contours `values ≤ level` into polygons with holes, in grid coordinates mapped by (x0, y0, cell). */
export function contourPolygons(
  values: Float32Array | Float64Array, W: number, H: number, level: number, x0: number, y0: number, cell: number,
): XYPolygon[] {
  const PW = W + 2; // padded width in corners
  const val = (i: number, j: number): number => (i < 0 || j < 0 || i >= W || j >= H ? Infinity : values[j * W + i]);
  const ins = (i: number, j: number): boolean => val(i, j) <= level;
  const px = (i: number): number => x0 + (i + 0.5) * cell;
  const py = (j: number): number => y0 + (j + 0.5) * cell;
  // Crossing on the edge between corners (i,j) and (i2,j2), exactly one of which is inside.
  const cross = (i: number, j: number, i2: number, j2: number): [number, number] => {
    const a = val(i, j), b = val(i2, j2);
    let t: number;
    if (!Number.isFinite(a) || !Number.isFinite(b)) t = Number.isFinite(a) ? 0.5 : 0.5;
    else t = Math.min(1, Math.max(0, (level - a) / (b - a)));
    if (!Number.isFinite(t)) t = 0.5;
    return [px(i) + (px(i2) - px(i)) * t, py(j) + (py(j2) - py(j)) * t];
  };
  // Edge ids (padded coordinates): horizontal edge (i,j)-(i+1,j) → 2·k, vertical (i,j)-(i,j+1) → 2·k+1.
  const hId = (i: number, j: number): number => 2 * ((j + 1) * PW + (i + 1));
  const vId = (i: number, j: number): number => 2 * ((j + 1) * PW + (i + 1)) + 1;
  const next = new Map<number, number>(); // start edge id → end edge id
  const point = new Map<number, [number, number]>();
  const addSeg = (e1: number, p1: [number, number], e2: number, p2: [number, number]): void => {
    next.set(e1, e2);
    point.set(e1, p1);
    point.set(e2, p2);
  };
  for (let j = -1; j < H; j++) {
    for (let i = -1; i < W; i++) {
      const bl = ins(i, j), br = ins(i + 1, j), tr = ins(i + 1, j + 1), tl = ins(i, j + 1);
      const c = (bl ? 1 : 0) | (br ? 2 : 0) | (tr ? 4 : 0) | (tl ? 8 : 0);
      if (c === 0 || c === 15) continue;
      // Square edges: B bottom, R right, T top, L left.
      const B = (): [number, [number, number]] => [hId(i, j), cross(i, j, i + 1, j)];
      const R = (): [number, [number, number]] => [vId(i + 1, j), cross(i + 1, j, i + 1, j + 1)];
      const T = (): [number, [number, number]] => [hId(i, j + 1), cross(i, j + 1, i + 1, j + 1)];
      const L = (): [number, [number, number]] => [vId(i, j), cross(i, j, i, j + 1)];
      // Each pair is listed in the orientation that keeps the inside on the left.
      const pairs: [() => [number, [number, number]], () => [number, [number, number]]][] = [];
      switch (c) {
        case 1: pairs.push([B, L]); break;
        case 2: pairs.push([R, B]); break;
        case 3: pairs.push([R, L]); break;
        case 4: pairs.push([T, R]); break;
        case 5: pairs.push([B, L], [T, R]); break;
        case 6: pairs.push([T, B]); break;
        case 7: pairs.push([T, L]); break;
        case 8: pairs.push([L, T]); break;
        case 9: pairs.push([B, T]); break;
        case 10: pairs.push([R, B], [L, T]); break;
        case 11: pairs.push([R, T]); break;
        case 12: pairs.push([L, R]); break;
        case 13: pairs.push([B, R]); break;
        case 14: pairs.push([L, B]); break;
      }
      for (const [fa, fb] of pairs) {
        const [ea, pa] = fa();
        const [eb, pb] = fb();
        addSeg(ea, pa, eb, pb);
      }
    }
  }
  // Chain segments into rings.
  const outers: number[][][] = [];
  const holes: number[][][] = [];
  const visited = new Set<number>();
  for (const start of next.keys()) {
    if (visited.has(start)) continue;
    const ring: number[][] = [];
    let e = start;
    while (!visited.has(e)) {
      visited.add(e);
      ring.push(point.get(e)!);
      const n = next.get(e);
      if (n === undefined) break;
      e = n;
    }
    if (ring.length < 3) continue;
    ring.push(ring[0]);
    const simplified = dropCollinear(ring);
    if (simplified.length < 4) continue;
    (signedArea(simplified) > 0 ? outers : holes).push(simplified);
  }
  // Attach each hole to the smallest outer ring that contains it.
  const polys: XYPolygon[] = outers.map((o) => [o]);
  const areas = outers.map((o) => signedArea(o));
  for (const h of holes) {
    const [hx, hy] = h[0];
    let best = -1;
    for (let k = 0; k < outers.length; k++) {
      if (inRing(hx, hy, outers[k]) && (best < 0 || areas[k] < areas[best])) best = k;
    }
    if (best >= 0) polys[best].push(h);
  }
  return polys;
}

/** Signed area (positive = counter-clockwise). */
export function signedArea(ring: number[][]): number {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s / 2;
}

function inRing(x: number, y: number, ring: number[][]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Removes vertices on a straight line between their neighbours (grid contours have many). */
function dropCollinear(ring: number[][]): number[][] {
  const open = ring.slice(0, -1);
  const n = open.length;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const a = open[(i + n - 1) % n], b = open[i], c = open[(i + 1) % n];
    const cr = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
    const scale = Math.hypot(b[0] - a[0], b[1] - a[1]) * Math.hypot(c[0] - b[0], c[1] - b[1]);
    if (Math.abs(cr) > 1e-9 * Math.max(scale, 1e-12)) out.push(b);
  }
  if (out.length > 0) out.push(out[0]);
  return out;
}
