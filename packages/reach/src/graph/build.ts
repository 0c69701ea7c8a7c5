/**
 * Builds a WalkGraph from an OSM source (two streaming reads), an optional DEM and an
 * optional boundary. Pure apart from reading the source through its interface.
 *
 * Pipeline: read walkable ways + needed node coordinates → pedestrian areas get straight
 * links between their entrances → ways are split into links at junctions (and at missing or
 * clipped-away nodes) → per-segment costs (Tobler over ≤ slopeSampleM pieces, steps, elevators)
 * → largest strongly connected component → degree-2 contraction → CSR.
 */
import { DemNotCoveringError, EmptyGraphError } from '../errors.ts';
import { Boundary, LocalProjection, haversineM } from '../geo.ts';
import { type DemSet, tileName } from '../dem/tile.ts';
import type { OsmSource } from '../osm/types.ts';
import { type WalkingProfile, WayKind, classifyWay, makeProfile, stepsSeconds, toblerSpeed } from '../profile.ts';
import { type BuildStats, EDGE_ELEVATOR, EDGE_REVERSED, EDGE_STEPS, type WalkGraph } from './types.ts';

/** Options of `buildGraph`. */
export interface BuildOptions {
  /** Elevation tiles; without them every segment is flat. */
  dem?: DemSet;
  /** Clip: keep only segments whose both end nodes lie inside. */
  boundary?: Boundary;
  /** Profile overrides. */
  profile?: Partial<WalkingProfile>;
  /** Keep every connected component, not just the largest strongly connected one. */
  keepAllComponents?: boolean;
  /** Accept nodes outside the DEM (they get no elevation) instead of failing. */
  allowPartialDem?: boolean;
  /**
   * Contract chains of degree-2 nodes into one link (default true). False keeps *every* OSM node of a
   * walkable way as a graph node (one link per OSM segment; bridges and tunnels stay whole between
   * junctions): the same walking times up to float32 rounding, many more nodes — the graph a naive
   * export would give (benchmarks compare both).
   */
  contract?: boolean;
  /** Called with short progress notes. */
  onProgress?: (msg: string) => void;
}

/** Growable typed arrays (amortised doubling). */
class GrowF64 {
  a: Float64Array;
  n = 0;
  constructor(cap = 1024) {
    this.a = new Float64Array(cap);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  view(): Float64Array {
    return this.a.subarray(0, this.n);
  }
}
class GrowI32 {
  a: Int32Array;
  n = 0;
  constructor(cap = 1024) {
    this.a = new Int32Array(cap);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

/** Walkable ways as read: flat ref pool plus per-way class. */
interface WayStore {
  refStart: number[];
  refs: GrowF64;
  kind: number[];
  fwd: boolean[];
  bwd: boolean[];
  incline: number[];
  area: boolean[];
  structure: boolean[];
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sorted unique copy. */
function sortedUnique(a: Float64Array): Float64Array {
  const s = Float64Array.from(a).sort();
  let k = 0;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[i - 1]) s[k++] = s[i];
  return s.slice(0, k);
}

/**
 * Builds the graph. Throws EmptyGraphError when nothing walkable remains, DemNotCoveringError
 * when DEM tiles miss part of the area (unless allowPartialDem), OsmParseError from the reader.
 */
export async function buildGraph(source: OsmSource, options: BuildOptions = {}): Promise<{ graph: WalkGraph; stats: BuildStats }> {
  const t0 = performance.now();
  const profile = makeProfile(options.profile);
  const progress = options.onProgress ?? (() => undefined);
  const boundary = options.boundary;
  const contract = options.contract ?? true;

  const ways: WayStore = { refStart: [], refs: new GrowF64(), kind: [], fwd: [], bwd: [], incline: [], area: [], structure: [] };
  let waysRead = 0;
  let highwaysRead = 0;
  const onWay = (_id: number, refs: number[], tags: Record<string, string>): void => {
    waysRead++;
    if (tags.highway !== undefined) highwaysRead++;
    if (refs.length < 2) return;
    const c = classifyWay(tags, profile);
    if (!c) return;
    ways.refStart.push(ways.refs.n);
    for (const r of refs) ways.refs.push(r);
    ways.kind.push(c.kind);
    ways.fwd.push(c.forward);
    ways.bwd.push(c.backward);
    ways.incline.push(c.incline);
    const closed = refs[0] === refs[refs.length - 1] && refs.length >= 4;
    ways.area.push(c.area && closed);
    ways.structure.push(c.structure);
  };

  // Node table: sorted ids with coordinates (NaN = not present / clipped away).
  let nodeIds: Float64Array;
  let nodeLon: Float64Array;
  let nodeLat: Float64Array;
  if (boundary) {
    // Nodes first, keeping only those inside the boundary: memory is bounded by the district.
    progress('reading nodes inside the boundary');
    const ids = new GrowF64(), lons = new GrowF64(), lats = new GrowF64();
    let sorted = true;
    await source.read({
      onNode(id, lon, lat) {
        if (!boundary.contains(lon, lat)) return;
        if (ids.n > 0 && id <= ids.a[ids.n - 1]) sorted = false;
        ids.push(id);
        lons.push(lon);
        lats.push(lat);
      },
    });
    progress('reading ways');
    await source.read({ onWay });
    if (sorted) {
      nodeIds = ids.view().slice();
      nodeLon = lons.view().slice();
      nodeLat = lats.view().slice();
    } else {
      const order = Array.from({ length: ids.n }, (_, i) => i).sort((x, y) => ids.a[x] - ids.a[y]);
      nodeIds = new Float64Array(order.map((i) => ids.a[i]));
      nodeLon = new Float64Array(order.map((i) => lons.a[i]));
      nodeLat = new Float64Array(order.map((i) => lats.a[i]));
    }
  } else {
    // Ways first, then only the nodes they need.
    progress('reading ways');
    await source.read({ onWay });
    nodeIds = sortedUnique(ways.refs.view());
    nodeLon = new Float64Array(nodeIds.length).fill(NaN);
    nodeLat = new Float64Array(nodeIds.length).fill(NaN);
    progress(`reading coordinates of ${nodeIds.length} nodes`);
    const ids = nodeIds;
    await source.read({
      onNode(id, lon, lat) {
        const i = lowerBound(ids, id);
        if (i < ids.length && ids[i] === id) {
          nodeLon[i] = lon;
          nodeLat[i] = lat;
        }
      },
    });
  }
  const walkableWays = ways.refStart.length;
  if (walkableWays === 0) {
    throw new EmptyGraphError(
      `${source.name}: no walkable ways (read ${waysRead} ways, ${highwaysRead} with a highway tag)` +
        (boundary ? ' inside or crossing the boundary' : ''),
    );
  }

  // Resolve refs to node-table indices (−1 = missing coordinates or outside the boundary).
  const W = walkableWays;
  ways.refStart.push(ways.refs.n);
  const refIdx = new Int32Array(ways.refs.n);
  for (let i = 0; i < ways.refs.n; i++) {
    const id = ways.refs.a[i];
    const j = lowerBound(nodeIds, id);
    refIdx[i] = j < nodeIds.length && nodeIds[j] === id && !Number.isNaN(nodeLon[j]) ? j : -1;
  }
  const N = nodeIds.length;

  // Usage counts (saturating) — a node used twice is a junction. A closed way's last ref repeats the first: skip it.
  const usage = new Uint8Array(N);
  const endpoint = new Uint8Array(N);
  for (let w = 0; w < W; w++) {
    const s = ways.refStart[w], e = ways.refStart[w + 1];
    const closed = refIdx[s] >= 0 && refIdx[s] === refIdx[e - 1];
    for (let i = s; i < (closed ? e - 1 : e); i++) {
      const j = refIdx[i];
      if (j >= 0 && usage[j] < 255) usage[j]++;
    }
    if (refIdx[s] >= 0) endpoint[refIdx[s]] = 1;
    if (refIdx[e - 1] >= 0) endpoint[refIdx[e - 1]] = 1;
  }

  // DEM coverage check on the nodes actually used.
  const dem = options.dem;
  if (dem) {
    const missing = new Map<string, number>();
    let used = 0;
    for (let j = 0; j < N; j++) {
      if (usage[j] === 0) continue;
      used++;
      if (!dem.covers(nodeLon[j], nodeLat[j])) {
        const name = tileName(Math.floor(nodeLat[j]), Math.floor(nodeLon[j]));
        missing.set(name, (missing.get(name) ?? 0) + 1);
      }
    }
    if (missing.size > 0 && !options.allowPartialDem) {
      const count = [...missing.values()].reduce((a, b) => a + b, 0);
      const names = [...missing.keys()].sort();
      throw new DemNotCoveringError(
        `DEM tiles ${dem.tiles.map((t) => t.name).join(', ') || '(none)'} do not cover ${count} of ${used} nodes ` +
          `(${((100 * count) / Math.max(1, used)).toFixed(1)} %); missing tile(s): ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}`,
        names,
      );
    }
  }

  // Pedestrian areas: straight links between entrances that see each other across the area.
  let areaWays = 0;
  const extraRefs: number[][] = [];
  for (let w = 0; w < W; w++) {
    if (!ways.area[w]) continue;
    areaWays++;
    const s = ways.refStart[w], e = ways.refStart[w + 1] - 1; // e: closing duplicate
    let complete = true;
    for (let i = s; i <= e; i++) if (refIdx[i] < 0) complete = false;
    if (!complete) continue;
    const ring = Array.from(refIdx.subarray(s, e)); // open ring
    const proj = new LocalProjection(nodeLon[ring[0]], nodeLat[ring[0]]);
    const xy = ring.map((j) => [proj.x(nodeLon[j]), proj.y(nodeLat[j])]);
    const entrances: number[] = [];
    for (let k = 0; k < ring.length && entrances.length < profile.areaMaxEntrances; k++) if (usage[ring[k]] >= 2) entrances.push(k);
    for (let a = 0; a < entrances.length; a++) {
      for (let b = a + 1; b < entrances.length; b++) {
        const ka = entrances[a], kb = entrances[b];
        const adjacent = Math.abs(ka - kb) === 1 || Math.abs(ka - kb) === ring.length - 1;
        if (adjacent || ring[ka] === ring[kb]) continue;
        if (segmentInsideRing(xy, ka, kb)) extraRefs.push([ring[ka], ring[kb]]);
      }
    }
  }

  // ---- Split ways into links; compute per-segment costs ----
  // Link vertices are node-table indices in a flat pool; per-segment costs in parallel pools.
  const linkVStart = new GrowI32();
  const linkVerts = new GrowI32();
  const linkVEle = new GrowF64(); // elevation per link vertex (parallel to linkVerts)
  const linkKind: number[] = [];
  const linkFwd: boolean[] = [];
  const linkBwd: boolean[] = [];
  // Per segment (segment k of a link lies between vertex k and k+1 of that link).
  const segM = new GrowF64(), segF = new GrowF64(), segB = new GrowF64(), segCF = new GrowF64(), segCB = new GrowF64();
  const segStart: number[] = [];
  const eleCache = new Float64Array(N).fill(NaN);
  const eleDone = new Uint8Array(N);
  const nodeEle = (j: number): number => {
    if (!dem) return NaN;
    if (!eleDone[j]) {
      eleDone[j] = 1;
      eleCache[j] = dem.sample(nodeLon[j], nodeLat[j]);
    }
    return eleCache[j];
  };
  let stepsWays = 0, elevatorWays = 0;

  const emitLink = (verts: number[], kind: number, fwd: boolean, bwd: boolean, incline: number, structure: boolean): void => {
    if (verts.length < 2) return;
    // Vertex elevations. Bridges and tunnels do not follow the ground: only their ends are sampled
    // from the DEM and the deck/bore is interpolated linearly by distance in between.
    const ve = verts.map((v) => nodeEle(v));
    if (structure && dem && verts.length > 2) {
      const cum = [0];
      for (let k = 1; k < verts.length; k++) {
        cum.push(cum[k - 1] + haversineM(nodeLon[verts[k - 1]], nodeLat[verts[k - 1]], nodeLon[verts[k]], nodeLat[verts[k]]));
      }
      const e0 = ve[0], e1 = ve[ve.length - 1], tot = cum[cum.length - 1];
      for (let k = 1; k + 1 < verts.length; k++) ve[k] = tot > 0 ? e0 + ((e1 - e0) * cum[k]) / tot : e0;
    }
    linkVStart.push(linkVerts.n);
    segStart.push(segM.n);
    for (let k = 0; k < verts.length; k++) {
      linkVerts.push(verts[k]);
      linkVEle.push(ve[k]);
    }
    linkKind.push(kind);
    linkFwd.push(fwd);
    linkBwd.push(bwd);
    const first = segM.n;
    let totalM = 0;
    for (let k = 0; k + 1 < verts.length; k++) {
      const a = verts[k], b = verts[k + 1];
      const L = haversineM(nodeLon[a], nodeLat[a], nodeLon[b], nodeLat[b]);
      totalM += L;
      const ea = ve[k], eb = ve[k + 1];
      let f = 0, bw = 0, cf = 0, cb = 0;
      if (kind === WayKind.Steps) {
        // Signed rise in way direction (NaN = unknown). The incline tag gives the direction when
        // present, else the DEM; the magnitude is at least stepsMinGradient·L (SRTM cannot see stairs).
        const dh = eb - ea;
        let r: number;
        if (incline !== 0) r = incline * Math.max(Number.isNaN(dh) ? 0 : Math.abs(dh), L * profile.stepsMinGradient);
        else if (!Number.isNaN(dh) && dh !== 0) r = dh;
        else r = NaN;
        f = stepsSeconds(L, r, profile);
        bw = stepsSeconds(L, -r, profile);
        if (!Number.isNaN(r)) {
          const v = Math.max(Math.abs(r), L * profile.stepsMinGradient);
          if (r > 0) cf = v;
          else cb = v;
        }
      } else if (kind === WayKind.Elevator) {
        if (!Number.isNaN(ea) && !Number.isNaN(eb)) {
          cf = Math.max(0, eb - ea);
          cb = Math.max(0, ea - eb);
        }
      } else if (!dem || !profile.tobler || Number.isNaN(ea) || Number.isNaN(eb)) {
        f = bw = L / profile.flatSpeedMps;
      } else {
        // Slope sampled over pieces of at most slopeSampleM horizontal metres.
        const pieces = Math.max(1, Math.ceil(L / profile.slopeSampleM));
        const pl = L / pieces;
        let prev = ea;
        for (let p = 1; p <= pieces; p++) {
          const t = p / pieces;
          let cur = p === pieces ? eb : structure ? ea + (eb - ea) * t
            : dem.sample(nodeLon[a] + (nodeLon[b] - nodeLon[a]) * t, nodeLat[a] + (nodeLat[b] - nodeLat[a]) * t);
          if (Number.isNaN(cur)) cur = ea + (eb - ea) * t;
          const dh = cur - prev;
          if (pl > 0) {
            f += pl / toblerSpeed(dh / pl, profile);
            bw += pl / toblerSpeed(-dh / pl, profile);
          }
          if (dh > 0) cf += dh;
          else cb -= dh;
          prev = cur;
        }
      }
      segM.push(L);
      segF.push(f);
      segB.push(bw);
      segCF.push(cf);
      segCB.push(cb);
    }
    if (kind === WayKind.Elevator) {
      // Fixed time for the whole elevator ride, spread over its segments by length.
      for (let s = first; s < segM.n; s++) {
        const share = totalM > 0 ? segM.a[s] / totalM : 1 / (segM.n - first);
        segF.a[s] = segB.a[s] = profile.elevatorSeconds * share;
      }
    }
  };

  const splitWay = (refs: ArrayLike<number>, kind: number, fwd: boolean, bwd: boolean, incline: number, structure: boolean): void => {
    let cur: number[] = [];
    for (let i = 0; i < refs.length; i++) {
      const j = refs[i];
      if (j < 0) {
        emitLink(cur, kind, fwd, bwd, incline, structure);
        cur = [];
        continue;
      }
      if (cur.length > 0 && cur[cur.length - 1] === j) continue; // repeated node
      cur.push(j);
      // Uncontracted: split at every node, except along bridges and tunnels, whose deck elevation is
      // interpolated over the whole piece (splitting them would sample the DEM under the deck).
      if (cur.length >= 2 && (usage[j] >= 2 || endpoint[j] || (!contract && !structure))) {
        emitLink(cur, kind, fwd, bwd, incline, structure);
        cur = [j];
      }
    }
    emitLink(cur, kind, fwd, bwd, incline, structure);
  };

  for (let w = 0; w < W; w++) {
    const kind = ways.kind[w];
    if (kind === WayKind.Steps) stepsWays++;
    if (kind === WayKind.Elevator) elevatorWays++;
    splitWay(refIdx.subarray(ways.refStart[w], ways.refStart[w + 1]), kind, ways.fwd[w], ways.bwd[w], ways.incline[w], ways.structure[w]);
  }
  for (const r of extraRefs) {
    // Links across areas join two junctions, so they split nothing; mark endpoints anyway.
    endpoint[r[0]] = endpoint[r[1]] = 1;
    splitWay(r, WayKind.Normal, true, true, 0, false);
  }
  const L0 = linkKind.length;
  linkVStart.push(linkVerts.n);
  segStart.push(segM.n);
  if (L0 === 0) {
    throw new EmptyGraphError(
      `${source.name}: ${walkableWays} walkable ways but no usable segment` +
        (boundary ? ' inside the boundary' : ' (their nodes are missing from the extract)'),
    );
  }
  progress(`${L0} street pieces; finding the largest component`);

  // Endpoints of links (pre-contraction graph nodes).
  const lFrom = new Int32Array(L0), lTo = new Int32Array(L0);
  for (let l = 0; l < L0; l++) {
    lFrom[l] = linkVerts.a[linkVStart.a[l]];
    lTo[l] = linkVerts.a[linkVStart.a[l + 1] - 1];
  }

  // ---- Largest strongly connected component ----
  const keepLink = new Uint8Array(L0).fill(1);
  let componentsDropped = 0;
  let nodesDropped = 0;
  if (!options.keepAllComponents) {
    const r = largestScc(N, L0, lFrom, lTo, linkFwd, linkBwd);
    componentsDropped = r.components - 1;
    nodesDropped = r.nodesInGraph - r.largestSize;
    for (let l = 0; l < L0; l++) if (!r.inLargest[lFrom[l]] || !r.inLargest[lTo[l]]) keepLink[l] = 0;
  }

  // ---- Degree-2 contraction ----
  const deg = new Int32Array(N);
  for (let l = 0; l < L0; l++) {
    if (!keepLink[l]) continue;
    deg[lFrom[l]]++;
    deg[lTo[l]]++;
  }
  // Incidence lists (CSR over pre-contraction nodes).
  const incOff = new Int32Array(N + 1);
  for (let j = 0; j < N; j++) incOff[j + 1] = incOff[j] + deg[j];
  const incLink = new Int32Array(incOff[N]);
  const fill = incOff.slice(0, N);
  for (let l = 0; l < L0; l++) {
    if (!keepLink[l]) continue;
    incLink[fill[lFrom[l]]++] = l;
    incLink[fill[lTo[l]]++] = l;
  }
  const other = (l: number, v: number): number => (lFrom[l] === v ? lTo[l] : lFrom[l]);
  const contractible = new Uint8Array(N);
  for (let v = 0; v < N; v++) {
    if (!contract || deg[v] !== 2) continue;
    const l1 = incLink[incOff[v]], l2 = incLink[incOff[v] + 1];
    if (l1 === l2 || lFrom[l1] === lTo[l1] || lFrom[l2] === lTo[l2]) continue;
    const a = other(l1, v), b = other(l2, v);
    if (a === b) continue;
    // Orient l1 as a→v and l2 as v→b; walking permissions must agree along the chain.
    const f1 = lTo[l1] === v ? linkFwd[l1] : linkBwd[l1];
    const b1 = lTo[l1] === v ? linkBwd[l1] : linkFwd[l1];
    const f2 = lFrom[l2] === v ? linkFwd[l2] : linkBwd[l2];
    const b2 = lFrom[l2] === v ? linkBwd[l2] : linkFwd[l2];
    if (f1 !== f2 || b1 !== b2) continue;
    if ((linkKind[l1] === WayKind.Elevator) !== (linkKind[l2] === WayKind.Elevator)) continue;
    contractible[v] = 1;
  }

  // Chains: list of (link, reversed) from a non-contractible node to the next one.
  const used = new Uint8Array(L0);
  const chains: { parts: number[]; rev: boolean[]; fwd: boolean; bwd: boolean }[] = [];
  const walkChain = (start: number, firstLink: number): void => {
    const parts: number[] = [];
    const rev: boolean[] = [];
    let v = start;
    let l = firstLink;
    for (;;) {
      used[l] = 1;
      const reversed = lFrom[l] !== v; // a self-loop (from = to = v) is walked in its own order
      parts.push(l);
      rev.push(reversed);
      const next = reversed ? lFrom[l] : lTo[l];
      if (!contractible[next] || next === start) break;
      const i0 = incOff[next];
      const nl = incLink[i0] === l ? incLink[i0 + 1] : incLink[i0];
      if (used[nl]) break;
      v = next;
      l = nl;
    }
    const f0 = rev[0] ? linkBwd[parts[0]] : linkFwd[parts[0]];
    const b0 = rev[0] ? linkFwd[parts[0]] : linkBwd[parts[0]];
    chains.push({ parts, rev, fwd: f0, bwd: b0 });
  };
  for (let v = 0; v < N; v++) {
    if (deg[v] === 0 || contractible[v]) continue;
    for (let i = incOff[v]; i < incOff[v + 1]; i++) {
      const l = incLink[i];
      if (used[l]) continue;
      // A self-loop link is listed twice at v; walk it once in its own direction.
      walkChain(v, l);
    }
  }
  // Pure cycles of contractible nodes: cut each at one node.
  for (let l = 0; l < L0; l++) {
    if (!keepLink[l] || used[l]) continue;
    contractible[lFrom[l]] = 0;
    walkChain(lFrom[l], l);
  }

  // ---- Final nodes, links, geometry, CSR ----
  const newId = new Int32Array(N).fill(-1);
  let n = 0;
  const chainFrom: number[] = [], chainTo: number[] = [];
  for (const c of chains) {
    const first = c.parts[0], last = c.parts[c.parts.length - 1];
    const s = c.rev[0] ? lTo[first] : lFrom[first];
    const t = c.rev[c.rev.length - 1] ? lFrom[last] : lTo[last];
    chainFrom.push(s);
    chainTo.push(t);
  }
  // Number nodes in node-table order (OSM id order): deterministic and roughly spatially coherent.
  const isNode = new Uint8Array(N);
  for (let i = 0; i < chains.length; i++) isNode[chainFrom[i]] = isNode[chainTo[i]] = 1;
  for (let j = 0; j < N; j++) if (isNode[j]) newId[j] = n++;

  const L = chains.length;
  let V = 0;
  for (const c of chains) {
    V += 1;
    for (const l of c.parts) V += linkVStart.a[l + 1] - linkVStart.a[l] - 1;
  }
  const geomOffsets = new Uint32Array(L + 1);
  const geomLon = new Float64Array(V), geomLat = new Float64Array(V), geomEle = new Float32Array(V);
  const geomCumM = new Float32Array(V), geomCumFwdS = new Float32Array(V), geomCumBwdS = new Float32Array(V);
  const geomCumFwdClimb = new Float32Array(V), geomCumBwdClimb = new Float32Array(V);
  const linkFrom = new Uint32Array(L), linkTo = new Uint32Array(L);
  const lenM = new Float64Array(L), fwdS = new Float64Array(L), bwdS = new Float64Array(L);
  const fwdC = new Float64Array(L), bwdC = new Float64Array(L);
  const linkFlags = new Uint8Array(L);
  const linkOk = new Uint8Array(L * 2); // [fwd, bwd]
  let vi = 0;
  let walkwayM = 0;
  for (let ci = 0; ci < L; ci++) {
    const c = chains[ci];
    geomOffsets[ci] = vi;
    linkFrom[ci] = newId[chainFrom[ci]];
    linkTo[ci] = newId[chainTo[ci]];
    let m = 0, fs = 0, bs = 0, fc = 0, bc = 0;
    const pushVertex = (p: number): void => {
      const j = linkVerts.a[p];
      geomLon[vi] = nodeLon[j];
      geomLat[vi] = nodeLat[j];
      geomEle[vi] = dem ? linkVEle.a[p] : NaN;
      geomCumM[vi] = m;
      geomCumFwdS[vi] = fs;
      geomCumBwdS[vi] = bs;
      geomCumFwdClimb[vi] = fc;
      geomCumBwdClimb[vi] = bc;
      vi++;
    };
    let flags = 0;
    for (let pi = 0; pi < c.parts.length; pi++) {
      const l = c.parts[pi];
      const rev = c.rev[pi];
      if (linkKind[l] === WayKind.Steps) flags |= EDGE_STEPS;
      if (linkKind[l] === WayKind.Elevator) flags |= EDGE_ELEVATOR;
      const vs = linkVStart.a[l], ve = linkVStart.a[l + 1];
      const ss = segStart[l];
      const nv = ve - vs;
      if (pi === 0) pushVertex(rev ? ve - 1 : vs);
      for (let k = 1; k < nv; k++) {
        // k-th step along the chain direction; seg index in link order:
        const seg = rev ? ss + (nv - 1 - k) : ss + (k - 1);
        m += segM.a[seg];
        fs += rev ? segB.a[seg] : segF.a[seg];
        bs += rev ? segF.a[seg] : segB.a[seg];
        fc += rev ? segCB.a[seg] : segCF.a[seg];
        bc += rev ? segCF.a[seg] : segCB.a[seg];
        pushVertex(rev ? ve - 1 - k : vs + k);
      }
    }
    lenM[ci] = m;
    fwdS[ci] = fs;
    bwdS[ci] = bs;
    fwdC[ci] = fc;
    bwdC[ci] = bc;
    linkFlags[ci] = flags;
    linkOk[2 * ci] = c.fwd ? 1 : 0;
    linkOk[2 * ci + 1] = c.bwd ? 1 : 0;
    walkwayM += m;
  }
  geomOffsets[L] = vi;

  // CSR by counting sort on the source node.
  const outDeg = new Uint32Array(n + 1);
  let m = 0;
  for (let l = 0; l < L; l++) {
    if (linkOk[2 * l]) { outDeg[linkFrom[l]]++; m++; }
    if (linkOk[2 * l + 1]) { outDeg[linkTo[l]]++; m++; }
  }
  const offsets = new Uint32Array(n + 1);
  for (let u = 0; u < n; u++) offsets[u + 1] = offsets[u] + outDeg[u];
  const pos = offsets.slice(0, n);
  const targets = new Uint32Array(m), seconds = new Float32Array(m), meters = new Float32Array(m), climb = new Float32Array(m);
  const edgeLink = new Uint32Array(m), edgeFlags = new Uint8Array(m);
  const linkFwdEdge = new Int32Array(L).fill(-1), linkBwdEdge = new Int32Array(L).fill(-1);
  for (let l = 0; l < L; l++) {
    if (linkOk[2 * l]) {
      const e = pos[linkFrom[l]]++;
      targets[e] = linkTo[l];
      seconds[e] = fwdS[l];
      meters[e] = lenM[l];
      climb[e] = fwdC[l];
      edgeLink[e] = l;
      edgeFlags[e] = linkFlags[l];
      linkFwdEdge[l] = e;
    }
    if (linkOk[2 * l + 1]) {
      const e = pos[linkTo[l]]++;
      targets[e] = linkFrom[l];
      seconds[e] = bwdS[l];
      meters[e] = lenM[l];
      climb[e] = bwdC[l];
      edgeLink[e] = l;
      edgeFlags[e] = linkFlags[l] | EDGE_REVERSED;
      linkBwdEdge[l] = e;
    }
  }
  const gLon = new Float64Array(n), gLat = new Float64Array(n), gEle = new Float32Array(n), gOsm = new Float64Array(n);
  let noEle = 0;
  for (let j = 0; j < N; j++) {
    const u = newId[j];
    if (u < 0) continue;
    gLon[u] = nodeLon[j];
    gLat[u] = nodeLat[j];
    gEle[u] = dem ? nodeEle(j) : NaN;
    if (Number.isNaN(gEle[u])) noEle++;
    gOsm[u] = nodeIds[j];
  }

  const stats: BuildStats = {
    nodes: n,
    edges: m,
    links: L,
    walkwayKm: walkwayM / 1000,
    waysRead,
    walkableWays,
    stepsWays,
    elevatorWays,
    areaWays,
    componentsDropped,
    nodesDropped,
    nodesWithoutElevation: noEle,
    buildSeconds: (performance.now() - t0) / 1000,
  };
  const graph: WalkGraph = {
    nodeCount: n,
    edgeCount: m,
    linkCount: L,
    nodeLon: gLon,
    nodeLat: gLat,
    nodeEle: gEle,
    nodeOsmId: gOsm,
    offsets,
    targets,
    seconds,
    meters,
    climb,
    edgeLink,
    edgeFlags,
    linkFrom,
    linkTo,
    linkFwdEdge,
    linkBwdEdge,
    geomOffsets,
    geomLon,
    geomLat,
    geomEle,
    geomCumM,
    geomCumFwdS,
    geomCumBwdS,
    geomCumFwdClimb,
    geomCumBwdClimb,
    meta: {
      source: source.name.split(/[\\/]/).pop() ?? source.name,
      builtAt: new Date().toISOString(),
      hasElevation: !!dem,
      demTiles: dem ? dem.tiles.map((t) => t.name) : [],
      clipped: !!boundary,
      keepAllComponents: !!options.keepAllComponents,
      component: 'strong',
      profile,
      stats,
    },
  };
  return { graph, stats };
}

/**
 * Whether the straight segment between ring vertices ka and kb runs inside the (open) ring:
 * it must not cross any ring edge and its midpoint must be inside.
 */
function segmentInsideRing(xy: number[][], ka: number, kb: number): boolean {
  const [ax, ay] = xy[ka], [bx, by] = xy[kb];
  const n = xy.length;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    if (i === ka || i === kb || j === ka || j === kb) continue;
    if (segmentsCross(ax, ay, bx, by, xy[i][0], xy[i][1], xy[j][0], xy[j][1])) return false;
  }
  const mx = (ax + bx) / 2, my = (ay + by) / 2;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const [xi, yi] = xy[i], [xj, yj] = xy[j];
    if (yi > my !== yj > my && mx < ((xj - xi) * (my - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function segmentsCross(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): boolean {
  const d1 = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  const d2 = (bx - ax) * (dy - ay) - (by - ay) * (dx - ax);
  const d3 = (dx - cx) * (ay - cy) - (dy - cy) * (ax - cx);
  const d4 = (dx - cx) * (by - cy) - (dy - cy) * (bx - cx);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

/**
 * Iterative Tarjan SCC over the directed link graph. Only nodes touched by a link count.
 * Returns a membership mask of the largest component.
 */
function largestScc(
  N: number, L: number, from: Int32Array, to: Int32Array, fwd: boolean[], bwd: boolean[],
): { inLargest: Uint8Array; components: number; largestSize: number; nodesInGraph: number } {
  const outDeg = new Int32Array(N + 1);
  const touched = new Uint8Array(N);
  for (let l = 0; l < L; l++) {
    touched[from[l]] = touched[to[l]] = 1;
    if (fwd[l]) outDeg[from[l]]++;
    if (bwd[l]) outDeg[to[l]]++;
  }
  const off = new Int32Array(N + 1);
  for (let v = 0; v < N; v++) off[v + 1] = off[v] + outDeg[v];
  const adj = new Int32Array(off[N]);
  const p = off.slice(0, N);
  for (let l = 0; l < L; l++) {
    if (fwd[l]) adj[p[from[l]]++] = to[l];
    if (bwd[l]) adj[p[to[l]]++] = from[l];
  }
  const index = new Int32Array(N).fill(-1);
  const low = new Int32Array(N);
  const onStack = new Uint8Array(N);
  const comp = new Int32Array(N).fill(-1);
  const stack = new Int32Array(N);
  let sp = 0;
  const callV = new Int32Array(N);
  const callE = new Int32Array(N);
  let idx = 0, nComp = 0;
  const sizes: number[] = [];
  let nodesInGraph = 0;
  for (let root = 0; root < N; root++) {
    if (!touched[root]) continue;
    nodesInGraph++;
    if (index[root] >= 0) continue;
    let depth = 0;
    callV[0] = root;
    callE[0] = off[root];
    index[root] = low[root] = idx++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callV[depth];
      if (callE[depth] < off[v + 1]) {
        const w = adj[callE[depth]++];
        if (index[w] < 0) {
          index[w] = low[w] = idx++;
          stack[sp++] = w;
          onStack[w] = 1;
          depth++;
          callV[depth] = w;
          callE[depth] = off[w];
        } else if (onStack[w] && index[w] < low[v]) low[v] = index[w];
      } else {
        if (low[v] === index[v]) {
          let size = 0;
          let w: number;
          do {
            w = stack[--sp];
            onStack[w] = 0;
            comp[w] = nComp;
            size++;
          } while (w !== v);
          sizes.push(size);
          nComp++;
        }
        depth--;
        if (depth >= 0) {
          const u = callV[depth];
          if (low[v] < low[u]) low[u] = low[v];
        }
      }
    }
  }
  let best = 0;
  for (let c = 1; c < nComp; c++) if (sizes[c] > sizes[best]) best = c;
  const inLargest = new Uint8Array(N);
  for (let v = 0; v < N; v++) if (comp[v] === best && touched[v]) inLargest[v] = 1;
  return { inLargest, components: nComp, largestSize: sizes[best] ?? 0, nodesInGraph };
}
