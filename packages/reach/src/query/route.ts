/** Point-to-point walking route with geometry, distance, climb and time. */
import { type Snap, alongLinkSeconds, interpAt, seedsFrom, seedsTo } from '../graph/snap.ts';
import { EDGE_REVERSED, type WalkGraph } from '../graph/types.ts';
import { dijkstra, edgeSources } from './dijkstra.ts';
import { type Origin, resolveOrigin } from './reach.ts';

/** A walking route. */
export interface Route {
  method: 'network';
  /** Graph nodes passed, in order (empty when both points lie on the same link). */
  nodes: number[];
  /** [lon, lat] polyline from the start point to the end point (including walk-offs). */
  coordinates: number[][];
  seconds: number;
  minutes: number;
  /** Metres walked, walk-offs included. */
  distanceM: number;
  /** Metres climbed (sum of ascents) and descended. */
  climbM: number;
  descentM: number;
}

/** Thrown-free variant: null when the destination cannot be reached at all. */
export function route(g: WalkGraph, from: Origin, to: Origin, opts: { snapMaxM?: number } = {}): Route | null {
  const a = resolveOrigin(g, from, opts.snapMaxM);
  const b = resolveOrigin(g, to, opts.snapMaxM);
  const direct = alongLinkSeconds(g, a, b);
  const targets = seedsTo(g, b);
  let best = direct;
  const search = dijkstra(
    g,
    seedsFrom(g, a).map((s) => ({ node: s.node, seconds: s.seconds })),
    {
      onSettle(u, d) {
        for (const t of targets) if (t.node === u) best = Math.min(best, d + t.seconds);
        return d >= best;
      },
    },
  );
  let endNode = -1;
  best = direct;
  for (const t of targets) {
    const c = search.cost[t.node] + t.seconds;
    if (c < best) {
      best = c;
      endNode = t.node;
    }
  }
  if (!Number.isFinite(best)) return null;
  const coords: number[][] = [[a.queryLon, a.queryLat]];
  let distanceM = a.distanceM + b.distanceM;
  let climbM = 0, descentM = 0;
  const addPiece = (l: number, u0: number, u1: number): void => {
    // Piece of link l from position u0 to u1 (either direction).
    const fwd = u1 >= u0;
    const i0 = g.geomOffsets[l];
    const pt = (u: number): number[] => [interpAt(g, g.geomLon, l, u), interpAt(g, g.geomLat, l, u)];
    coords.push(pt(u0));
    if (fwd) for (let k = Math.floor(u0) + 1; k < u1; k++) coords.push([g.geomLon[i0 + k], g.geomLat[i0 + k]]);
    else for (let k = Math.ceil(u0) - 1; k > u1; k--) coords.push([g.geomLon[i0 + k], g.geomLat[i0 + k]]);
    coords.push(pt(u1));
    distanceM += Math.abs(interpAt(g, g.geomCumM, l, u1) - interpAt(g, g.geomCumM, l, u0));
    if (fwd) {
      climbM += interpAt(g, g.geomCumFwdClimb, l, u1) - interpAt(g, g.geomCumFwdClimb, l, u0);
      descentM += interpAt(g, g.geomCumBwdClimb, l, u1) - interpAt(g, g.geomCumBwdClimb, l, u0);
    } else {
      climbM += interpAt(g, g.geomCumBwdClimb, l, u0) - interpAt(g, g.geomCumBwdClimb, l, u1);
      descentM += interpAt(g, g.geomCumFwdClimb, l, u0) - interpAt(g, g.geomCumFwdClimb, l, u1);
    }
  };
  const nvOf = (l: number): number => g.geomOffsets[l + 1] - g.geomOffsets[l];
  const nodes: number[] = [];
  if (endNode < 0) {
    addPiece(a.link, a.u, b.u);
  } else {
    const src = edgeSources(g);
    const edges: number[] = [];
    for (let v = endNode; search.predEdge[v] >= 0; ) {
      const e = search.predEdge[v];
      edges.push(e);
      v = src[e];
    }
    edges.reverse();
    const startNode = edges.length > 0 ? src[edges[0]] : endNode;
    // Start: from the snapped point along its link to the start node (the cheaper seed if both ends match).
    const la = a.link;
    const seedCost = (toEnd: boolean): number =>
      toEnd ? g.geomCumFwdS[g.geomOffsets[la + 1] - 1] - interpAt(g, g.geomCumFwdS, la, a.u) : interpAt(g, g.geomCumBwdS, la, a.u);
    const canEnd = g.linkTo[la] === startNode && g.linkFwdEdge[la] >= 0;
    const canStart = g.linkFrom[la] === startNode && g.linkBwdEdge[la] >= 0;
    const viaEnd = canEnd && (!canStart || seedCost(true) <= seedCost(false));
    addPiece(la, a.u, viaEnd ? nvOf(la) - 1 : 0);
    nodes.push(startNode);
    for (const e of edges) {
      const l = g.edgeLink[e];
      const rev = (g.edgeFlags[e] & EDGE_REVERSED) !== 0;
      addPiece(l, rev ? nvOf(l) - 1 : 0, rev ? 0 : nvOf(l) - 1);
      nodes.push(g.targets[e]);
    }
    // End: from the end node along the target's link to the snapped point (the cheaper way if both match).
    const lb = b.link;
    const lastB = g.geomOffsets[lb + 1] - 1;
    const fromStartOk = g.linkFrom[lb] === endNode && g.linkFwdEdge[lb] >= 0;
    const fromEndOk = g.linkTo[lb] === endNode && g.linkBwdEdge[lb] >= 0;
    const fromStart = fromStartOk &&
      (!fromEndOk || interpAt(g, g.geomCumFwdS, lb, b.u) <= g.geomCumBwdS[lastB] - interpAt(g, g.geomCumBwdS, lb, b.u));
    addPiece(lb, fromStart ? 0 : nvOf(lb) - 1, b.u);
  }
  coords.push([b.queryLon, b.queryLat]);
  return {
    method: 'network',
    nodes,
    coordinates: dedupe(coords),
    seconds: best,
    minutes: best / 60,
    distanceM,
    climbM,
    descentM,
  };
}

function dedupe(c: number[][]): number[][] {
  const out: number[][] = [];
  for (const p of c) {
    const q = out[out.length - 1];
    if (!q || q[0] !== p[0] || q[1] !== p[1]) out.push(p);
  }
  return out;
}

export type { Snap };
