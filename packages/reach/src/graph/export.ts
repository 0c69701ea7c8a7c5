/** CSV export of the graph exactly as the engine searches it (pure: returns strings). */
import type { WalkGraph } from './types.ts';

/** `id,lon,lat,elevation_m` — elevation empty when unknown. */
export function nodesCsv(g: WalkGraph): string {
  const lines = ['id,lon,lat,elevation_m'];
  for (let u = 0; u < g.nodeCount; u++) {
    const e = g.nodeEle[u];
    lines.push(`${u},${g.nodeLon[u].toFixed(7)},${g.nodeLat[u].toFixed(7)},${Number.isNaN(e) ? '' : e.toFixed(1)}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Directed `from,to,seconds,meters` — one row per directed edge. Seconds are printed with enough
 * digits (float32 has ~7 significant) that re-summing them reproduces the engine's costs.
 */
export function edgesCsv(g: WalkGraph): string {
  const lines = ['from,to,seconds,meters'];
  for (let u = 0; u < g.nodeCount; u++) {
    for (let e = g.offsets[u]; e < g.offsets[u + 1]; e++) {
      lines.push(`${u},${g.targets[e]},${g.seconds[e].toPrecision(9)},${g.meters[e].toFixed(2)}`);
    }
  }
  return lines.join('\n') + '\n';
}
