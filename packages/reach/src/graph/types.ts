/**
 * The walking graph: compressed sparse rows over typed arrays.
 *
 * Invariants (checked by `validateGraph`, relied on everywhere):
 * - nodes 0..nodeCount-1; out-edges of node u are offsets[u] .. offsets[u+1]-1 (offsets non-decreasing,
 *   offsets[nodeCount] = edgeCount); targets[e] < nodeCount.
 * - every directed edge walks one *link* (an undirected piece of street with geometry) either in its
 *   geometry order (edgeFlags bit 0 clear) or against it (bit set); linkFwdEdge/linkBwdEdge point back
 *   (−1 when that direction is not walkable).
 * - link ℓ has geometry vertices geomOffsets[ℓ] .. geomOffsets[ℓ+1]-1 (≥ 2), the first at node
 *   linkFrom[ℓ], the last at node linkTo[ℓ]. Degree-2 chains are contracted into one link.
 * - cumulative arrays per vertex i of a link with first vertex i0: geomCumM = metres from i0;
 *   geomCumFwdS = seconds from i0 to i walking forward; geomCumBwdS = seconds from i back to i0 walking
 *   backward; geomCumFwdClimb / geomCumBwdClimb the same for metres climbed. So a forward edge costs
 *   geomCumFwdS[last] seconds and a backward edge geomCumBwdS[last] (stored again in `seconds`).
 */
import type { WalkingProfile } from '../profile.ts';

/** Numbers reported by a build. */
export interface BuildStats {
  nodes: number;
  edges: number;
  links: number;
  walkwayKm: number;
  waysRead: number;
  walkableWays: number;
  stepsWays: number;
  elevatorWays: number;
  areaWays: number;
  componentsDropped: number;
  nodesDropped: number;
  /** Graph nodes without elevation (outside DEM or void) — flat speed used around them. */
  nodesWithoutElevation: number;
  buildSeconds: number;
}

/** Free-form metadata stored with the graph. */
export interface GraphMeta {
  source: string;
  builtAt: string;
  hasElevation: boolean;
  demTiles: string[];
  clipped: boolean;
  keepAllComponents: boolean;
  /** Which connectivity was used to keep the largest component. */
  component: 'strong';
  profile: WalkingProfile;
  stats: BuildStats;
}

/** Edge flag bits. */
export const EDGE_REVERSED = 1;
export const EDGE_STEPS = 2;
export const EDGE_ELEVATOR = 4;

/** The graph. All arrays are owned by the graph; treat them as read-only. */
export interface WalkGraph {
  nodeCount: number;
  edgeCount: number;
  linkCount: number;
  nodeLon: Float64Array;
  nodeLat: Float64Array;
  /** Metres; NaN where unknown. */
  nodeEle: Float32Array;
  /** OSM id of the node (for traceability). */
  nodeOsmId: Float64Array;
  offsets: Uint32Array;
  targets: Uint32Array;
  seconds: Float32Array;
  meters: Float32Array;
  climb: Float32Array;
  edgeLink: Uint32Array;
  edgeFlags: Uint8Array;
  linkFrom: Uint32Array;
  linkTo: Uint32Array;
  linkFwdEdge: Int32Array;
  linkBwdEdge: Int32Array;
  geomOffsets: Uint32Array;
  geomLon: Float64Array;
  geomLat: Float64Array;
  geomEle: Float32Array;
  geomCumM: Float32Array;
  geomCumFwdS: Float32Array;
  geomCumBwdS: Float32Array;
  geomCumFwdClimb: Float32Array;
  geomCumBwdClimb: Float32Array;
  meta: GraphMeta;
}

/** Cheap structural checks; returns the first problem found or null. */
export function validateGraph(g: WalkGraph): string | null {
  const n = g.nodeCount, m = g.edgeCount, L = g.linkCount;
  if (g.offsets.length !== n + 1) return `offsets has ${g.offsets.length} entries, expected ${n + 1}`;
  if (g.offsets[0] !== 0 || g.offsets[n] !== m) return 'offsets do not span the edges';
  for (let u = 0; u < n; u++) if (g.offsets[u] > g.offsets[u + 1]) return `offsets decrease at node ${u}`;
  for (const [name, a, len] of [
    ['nodeLon', g.nodeLon, n], ['nodeLat', g.nodeLat, n], ['nodeEle', g.nodeEle, n], ['nodeOsmId', g.nodeOsmId, n],
    ['targets', g.targets, m], ['seconds', g.seconds, m], ['meters', g.meters, m], ['climb', g.climb, m],
    ['edgeLink', g.edgeLink, m], ['edgeFlags', g.edgeFlags, m], ['linkFrom', g.linkFrom, L], ['linkTo', g.linkTo, L],
    ['linkFwdEdge', g.linkFwdEdge, L], ['linkBwdEdge', g.linkBwdEdge, L], ['geomOffsets', g.geomOffsets, L + 1],
  ] as const) {
    if (a.length !== len) return `${name} has ${a.length} entries, expected ${len}`;
  }
  for (let e = 0; e < m; e++) {
    if (g.targets[e] >= n) return `edge ${e} targets node ${g.targets[e]} ≥ ${n}`;
    if (g.edgeLink[e] >= L) return `edge ${e} refers to link ${g.edgeLink[e]} ≥ ${L}`;
    if (!(g.seconds[e] >= 0)) return `edge ${e} has negative or NaN seconds`;
  }
  const V = g.geomOffsets[L];
  for (const a of [g.geomLon, g.geomLat, g.geomEle, g.geomCumM, g.geomCumFwdS, g.geomCumBwdS, g.geomCumFwdClimb, g.geomCumBwdClimb]) {
    if (a.length !== V) return `geometry arrays have ${a.length} entries, expected ${V}`;
  }
  for (let l = 0; l < L; l++) {
    if (g.geomOffsets[l + 1] - g.geomOffsets[l] < 2) return `link ${l} has fewer than 2 vertices`;
    if (g.linkFrom[l] >= n || g.linkTo[l] >= n) return `link ${l} has an endpoint outside the nodes`;
    if (g.linkFwdEdge[l] >= m || g.linkBwdEdge[l] >= m) return `link ${l} refers to an edge outside the edges`;
  }
  return null;
}
