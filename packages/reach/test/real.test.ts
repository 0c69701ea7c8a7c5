/**
 * Real OpenStreetMap extracts: Monaco (XML.gz + SRTM) through the CLI, Andorra (PBF + SRTM) through
 * the API. Correctness: the engine's `reach` agrees within 1 s per node with an independent
 * reference Dijkstra run on the exported edge list.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EDGE_STEPS, PbfSource, buildGraph, calibrateDetourFactor, edgesCsv, isochrones, mulberry32, reach, readDem, readGraphFile,
  route, type WalkGraph,
} from '../src/index.ts';
import { runReachCli } from '../src/cli.ts';
import { captureIo, dataPath, sharedDataSkip, parseEdgesCsv, referenceDijkstra } from './helpers.ts';

const skip = sharedDataSkip('shared data not found (set COEDU_SHARED_DATA)');

/** Compares the engine (CSV `id,seconds` rows) with the reference for one origin. */
function compare(n: number, edges: [number, number, number][], origin: number, rows: Map<number, number>, cutoff: number): number {
  const ref = referenceDijkstra(n, edges, origin);
  let checked = 0;
  for (let v = 0; v < n; v++) {
    const mine = rows.get(v);
    if (ref[v] <= cutoff - 1) assert.ok(mine !== undefined, `node ${v} within ${ref[v]} s missing from reach output`);
    if (mine !== undefined) {
      assert.ok(Math.abs(mine - ref[v]) <= 1, `node ${v}: engine ${mine} s, reference ${ref[v]} s`);
      assert.ok(mine <= cutoff + 1e-6);
      checked++;
    }
  }
  return checked;
}

describe('Monaco (OSM XML.gz + SRTM3) via the CLI', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'reach-monaco-'));
  const graphPath = join(dir, 'monaco.graph');
  let g: WalkGraph;
  before(async () => {
    const c = captureIo();
    const code = await runReachCli(
      ['graph', 'build', '--osm', dataPath('osm/monaco.osm.gz'), '--dem', dataPath('dem/N43E007.hgt.zip'), '--out', graphPath, '--quiet'],
      c.io,
    );
    assert.equal(code, 0, c.err.join(''));
    const out = c.out.join('');
    for (const k of ['nodes:', 'edges:', 'walkway:', 'components dropped:', 'seconds:']) assert.ok(out.includes(k), `build prints ${k}`);
    g = await readGraphFile(graphPath);
  });

  test('graph info and shape', async () => {
    const c = captureIo();
    assert.equal(await runReachCli(['graph', 'info', graphPath], c.io), 0);
    assert.match(c.out.join(''), /format: v1[\s\S]*nodes: \d+[\s\S]*elevation: N43E007/);
    assert.ok(g.nodeCount > 500 && g.edgeCount > 1000);
    assert.equal(g.meta.stats.stepsWays, 82, 'all 82 steps ways of the extract are walkable');
    let stepsEdges = 0;
    for (let e = 0; e < g.edgeCount; e++) if (g.edgeFlags[e] & EDGE_STEPS) stepsEdges++;
    assert.ok(stepsEdges > 50, `steps edges present (${stepsEdges})`);
    assert.ok(g.meta.stats.nodesWithoutElevation === 0);
  });

  test('reach agrees with a reference Dijkstra on the exported edges (6 seeded origins)', async () => {
    const c = captureIo();
    const nodesCsvPath = join(dir, 'nodes.csv'), edgesCsvPath = join(dir, 'edges.csv');
    assert.equal(await runReachCli(['graph', 'export', '--graph', graphPath, '--nodes', nodesCsvPath, '--edges', edgesCsvPath], c.io), 0);
    const nodeRows = readFileSync(nodesCsvPath, 'utf8').trim().split('\n');
    assert.equal(nodeRows[0], 'id,lon,lat,elevation_m');
    assert.equal(nodeRows.length - 1, g.nodeCount);
    const edges = parseEdgesCsv(readFileSync(edgesCsvPath, 'utf8'));
    assert.equal(edges.length, g.edgeCount);
    const rnd = mulberry32(42);
    let checked = 0;
    for (let k = 0; k < 6; k++) {
      const origin = Math.floor(rnd() * g.nodeCount);
      const r = captureIo();
      assert.equal(await runReachCli(['reach', '--graph', graphPath, '--from-node', String(origin), '--minutes', '15'], r.io), 0);
      const lines = r.out.join('').trim().split('\n');
      assert.equal(lines[0], 'id,seconds');
      const rows = new Map(lines.slice(1).map((l) => l.split(',').map(Number) as [number, number]));
      checked += compare(g.nodeCount, edges, origin, rows, 900);
    }
    assert.ok(checked > 500, `compared ${checked} node times`);
  });

  test('uphill and downhill differ; routes up are slower than down', () => {
    let asym = 0;
    for (let l = 0; l < g.linkCount; l++) {
      const f = g.linkFwdEdge[l], b = g.linkBwdEdge[l];
      if (f >= 0 && b >= 0 && Math.abs(g.seconds[f] - g.seconds[b]) > 0.1 * Math.min(g.seconds[f], g.seconds[b])) asym++;
    }
    assert.ok(asym > 100, `${asym} links with > 10 % asymmetry`);
    // From the harbour (low) up to the Rock's Palace square (high) and back.
    const low = { lon: 7.4230, lat: 43.7355 }, high = { lon: 7.4205, lat: 43.7313 };
    const up = route(g, low, high)!, down = route(g, high, low)!;
    assert.ok(up.climbM > 20, `climb ${up.climbM}`);
    assert.ok(up.seconds > down.seconds, `up ${up.seconds} s vs down ${down.seconds} s`);
  });

  test('clipping Monaco to a boundary polygon (GeoJSON file, CLI)', async () => {
    const { writeFileSync } = await import('node:fs');
    const ring = [[7.410, 43.726], [7.428, 43.726], [7.428, 43.740], [7.410, 43.740], [7.410, 43.726]];
    const bpath = join(dir, 'part.geojson');
    writeFileSync(bpath, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } }] }));
    const out = join(dir, 'part.graph');
    const c = captureIo();
    assert.equal(await runReachCli(['graph', 'build', '--osm', dataPath('osm/monaco.osm.gz'), '--boundary', bpath, '--out', out, '--quiet'], c.io), 0, c.err.join(''));
    const part = await readGraphFile(out);
    assert.ok(part.nodeCount > 100 && part.nodeCount < g.nodeCount, `${part.nodeCount} nodes`);
    for (let i = 0; i < part.geomLon.length; i++) {
      assert.ok(part.geomLon[i] >= 7.410 && part.geomLon[i] <= 7.428 && part.geomLat[i] >= 43.726 && part.geomLat[i] <= 43.740);
    }
    assert.equal(part.meta.clipped, true);
  });

  test('isochrones from a point: nested bands with polygons', () => {
    const fc = isochrones(g, { lon: 7.4200, lat: 43.7350 });
    assert.equal(fc.features.length, 3);
    for (const f of fc.features) assert.ok(f.geometry.coordinates.length > 0);
    const c = captureIo();
    return runReachCli(['reach', '--graph', graphPath, '--from', '7.4200,43.7350', '--format', 'geojson'], c.io).then((code) => {
      assert.equal(code, 0);
      const out = JSON.parse(c.out.join(''));
      assert.equal(out.type, 'FeatureCollection');
      assert.deepEqual(out.features.map((f: { properties: { minutes: number } }) => f.properties.minutes), [5, 10, 15]);
    });
  });
});

describe('Andorra (OSM PBF + SRTM3) via the API', { skip }, () => {
  let g: WalkGraph;
  before(async () => {
    const dem = await readDem([dataPath('dem/N42E001.hgt.zip')]);
    g = (await buildGraph(PbfSource.fromFile(dataPath('osm/andorra.osm.pbf')), { dem })).graph;
  });

  test('builds from PBF with elevation', () => {
    assert.ok(g.nodeCount > 1000, `${g.nodeCount} nodes`);
    assert.ok(g.meta.stats.walkwayKm > 300);
    assert.ok(g.meta.stats.waysRead === 2725);
    let maxEle = 0;
    for (let i = 0; i < g.nodeCount; i++) maxEle = Math.max(maxEle, g.nodeEle[i]);
    assert.ok(maxEle > 1500, `mountain country: max elevation ${maxEle}`);
  });

  test('reach agrees with a reference Dijkstra (6 seeded origins, 30 min)', () => {
    const edges = parseEdgesCsv(edgesCsv(g));
    const rnd = mulberry32(7);
    for (let k = 0; k < 6; k++) {
      const origin = Math.floor(rnd() * g.nodeCount);
      const r = reach(g, { node: origin }, { minutes: 30 });
      const rows = new Map(Array.from(r.reached, (u) => [u, Number(r.seconds[u].toFixed(3))] as [number, number]));
      compare(g.nodeCount, edges, origin, rows, 1800);
    }
  });

  test('asymmetry on mountain roads and detour calibration runs', () => {
    let maxRatio = 1;
    for (let l = 0; l < g.linkCount; l++) {
      const f = g.linkFwdEdge[l], b = g.linkBwdEdge[l];
      if (f >= 0 && b >= 0) maxRatio = Math.max(maxRatio, g.seconds[f] / g.seconds[b], g.seconds[b] / g.seconds[f]);
    }
    assert.ok(maxRatio > 1.3, `max up/down ratio ${maxRatio}`);
    const cal = calibrateDetourFactor(g, { origins: 40, perOrigin: 5, seed: 1 });
    assert.equal(cal.method, 'network');
    assert.ok(cal.median >= 1 && cal.median < 3, `median ${cal.median}`);
  });
});

test('shared data path resolves', { skip: sharedDataSkip('no shared data') }, () => {
  assert.ok(readFileSync(dataPath('ATTRIBUTION.md'), 'utf8').includes('OpenStreetMap'));
});
