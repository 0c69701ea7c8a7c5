/**
 * CLI commands of the reachability engine: `graph build|info|export|boundary|calibrate`, `reach`,
 * `route`, `coverage`. `runReachCli(argv)` returns the exit code: 0 ok, 1 runtime error (bad input
 * data: message on stderr), 2 usage error. Never prints a stack trace; output files are written to
 * a temporary file and renamed, so a failed run leaves no partial output.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import gcoord from 'gcoord';
import { InvalidArgumentError, InvalidGeoJsonError, InvalidVenuesError, ReachError, checkMinutes } from './errors.ts';
import { Boundary, parseAreas, parseBoundary, parseJsonText } from './geo.ts';
import { openOsmFile } from './osm/read.ts';
import { readDem } from './dem/hgt.ts';
import { buildGraph } from './graph/build.ts';
import { FORMAT_VERSION } from './graph/format.ts';
import { readGraphFile, writeFileAtomic, writeGraphFile } from './graph/io.ts';
import { edgesCsv, nodesCsv } from './graph/export.ts';
import type { WalkGraph } from './graph/types.ts';
import { type Origin, reach } from './query/reach.ts';
import { isochronesFromSearch } from './query/isochrone.ts';
import { route } from './query/route.ts';
import { parseVenuesCsv, parseVenuesGeoJson, type Venue } from './coverage/venues.ts';
import { computeCoverage, coverageToGeoJson, summarizeCoverage } from './coverage/coverage.ts';
import { findGaps } from './coverage/gaps.ts';
import { calibrateDetourFactor } from './estimate/estimate.ts';
import { makeProfile } from './profile.ts';

/** Wrong command line: exit code 2. */
class UsageError extends Error {}

const USAGE = `usage:
  coedu graph build --osm FILE [--dem FILE ...] [--boundary GEOJSON [--boundary-crs wgs84|gcj02] [--clip-margin M]] --out FILE
                    [--keep-all-components] [--allow-partial-dem] [--flat-speed M/S]
  coedu graph info FILE
  coedu graph export --graph FILE --nodes NODES.csv --edges EDGES.csv
  coedu graph boundary --in GEOJSON --from gcj02|bd09|wgs84 --out GEOJSON
  coedu graph calibrate --graph FILE [--origins 200] [--per-origin 10] [--seed 1]
  coedu reach --graph FILE (--from LON,LAT | --from-node ID) [--minutes 15] [--format csv|geojson]
              [--bands 5,10,15] [--out FILE]
  coedu route --graph FILE --from LON,LAT --to LON,LAT
  coedu coverage (--graph FILE | --estimate) --venues FILE(.csv|.geojson) [--boundary GEOJSON] [--cell 100]
                 [--boundary-crs C] [--venues-crs wgs84|gcj02|bd09] [--minutes 15] [--areas GEOJSON [--areas-crs C]]
                 [--gaps K --candidates FILE [--category C]] --out FILE.geojson`;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: Io = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
};

/**
 * Runs one CLI command. `argv` starts at the command (e.g. ['graph', 'build', '--osm', …]).
 * @returns the exit code.
 */
export async function runReachCli(argv: string[], io: Io = defaultIo): Promise<number> {
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.out(USAGE + '\n');
      return 0;
    }
    const [cmd, ...rest] = argv;
    switch (cmd) {
      case 'graph': {
        const [sub, ...args] = rest;
        switch (sub) {
          case 'build': return await cmdBuild(args, io);
          case 'info': return await cmdInfo(args, io);
          case 'export': return await cmdExport(args, io);
          case 'boundary': return await cmdBoundary(args, io);
          case 'calibrate': return await cmdCalibrate(args, io);
          default: throw new UsageError(sub ? `unknown graph command "${sub}"` : 'missing graph command');
        }
      }
      case 'reach': return await cmdReach(rest, io);
      case 'route': return await cmdRoute(rest, io);
      case 'coverage': return await cmdCoverage(rest, io);
      case undefined:
      case '--help':
      case 'help':
        io.out(USAGE + '\n');
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ReachError) {
      io.err(`error [${e.code}]: ${e.message}\n`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`error: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    if (err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
      io.err(`error [io]: ${err.message}\n`);
      return 1;
    }
    io.err(`error [internal]: ${err?.message ?? String(e)}\n`);
    return 1;
  }
}

function need(v: string | undefined, flag: string): string {
  if (v === undefined || v === '') throw new UsageError(`missing ${flag}`);
  return v;
}

function num(v: string | undefined, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

function parseLonLat(v: string, flag: string): { lon: number; lat: number } {
  const parts = v.split(',').map((s) => s.trim());
  const lon = Number(parts[0]), lat = Number(parts[1]);
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '' || !Number.isFinite(lon) || !Number.isFinite(lat)) {
    throw new InvalidArgumentError(`${flag} must be LON,LAT (e.g. 7.4200,43.7350), got ${JSON.stringify(v)}`);
  }
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) throw new InvalidArgumentError(`${flag}: ${v} is not a WGS-84 lon,lat`);
  return { lon, lat };
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InvalidGeoJsonError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  return parseJsonText(text, path);
}

/** Reads a boundary file, converting from GCJ-02/BD-09 when asked. */
async function readBoundary(path: string, crs: string | undefined): Promise<Boundary> {
  let json = await readJson(path, 'boundary');
  const c = (crs ?? 'wgs84').toLowerCase();
  if (c !== 'wgs84') json = convertCrs(json, c);
  return parseBoundary(json, path);
}

function convertCrs(json: unknown, from: string): unknown {
  const crs = from === 'gcj02' ? gcoord.GCJ02 : from === 'bd09' ? gcoord.BD09 : null;
  if (!crs) throw new InvalidArgumentError(`unknown coordinate system "${from}" (use wgs84, gcj02 or bd09)`);
  // Validate first so gcoord never sees malformed input.
  parseAreas(json);
  const copy = JSON.parse(JSON.stringify(json));
  delete (copy as Record<string, unknown>).meta;
  return gcoord.transform(copy, crs, gcoord.WGS84);
}

async function loadGraph(path: string | undefined): Promise<WalkGraph> {
  return readGraphFile(need(path, '--graph FILE'));
}

async function cmdBuild(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      osm: { type: 'string' },
      dem: { type: 'string', multiple: true },
      boundary: { type: 'string' },
      'boundary-crs': { type: 'string' },
      'clip-margin': { type: 'string' },
      out: { type: 'string' },
      'keep-all-components': { type: 'boolean' },
      'allow-partial-dem': { type: 'boolean' },
      'flat-speed': { type: 'string' },
      quiet: { type: 'boolean' },
    },
    strict: true,
  });
  const osm = need(values.osm, '--osm FILE');
  const out = need(values.out, '--out FILE');
  const t0 = performance.now();
  const profile = values['flat-speed'] !== undefined ? makeProfile({ flatSpeedMps: num(values['flat-speed'], '--flat-speed', 1.25) }) : undefined;
  const dem = values.dem && values.dem.length > 0 ? await readDem(values.dem) : undefined;
  let boundary = values.boundary ? await readBoundary(values.boundary, values['boundary-crs']) : undefined;
  if (values['clip-margin'] !== undefined) {
    if (!boundary) throw new UsageError('--clip-margin needs --boundary');
    const m = num(values['clip-margin'], '--clip-margin', 0);
    if (m < 0) throw new InvalidArgumentError('--clip-margin must be ≥ 0 metres');
    boundary = expandedBBox(boundary, m);
  }
  const source = await openOsmFile(osm);
  const { graph, stats } = await buildGraph(source, {
    dem,
    boundary,
    profile,
    keepAllComponents: values['keep-all-components'],
    allowPartialDem: values['allow-partial-dem'],
    onProgress: values.quiet ? undefined : (m) => io.err(`… ${m}\n`),
  });
  const size = await writeGraphFile(out, graph);
  const secs = (performance.now() - t0) / 1000;
  io.out(
    [
      `graph written: ${out} (${(size / 1024).toFixed(0)} KiB, format v${FORMAT_VERSION})`,
      `nodes: ${stats.nodes}`,
      `edges: ${stats.edges} directed (${stats.links} street links)`,
      `walkway: ${stats.walkwayKm.toFixed(1)} km`,
      `ways: ${stats.walkableWays} walkable of ${stats.waysRead} (${stats.stepsWays} steps, ${stats.elevatorWays} elevators, ${stats.areaWays} pedestrian areas)`,
      `components dropped: ${stats.componentsDropped} (${stats.nodesDropped} nodes)${values['keep-all-components'] ? ' — kept all' : ''}`,
      `elevation: ${dem ? `${dem.tiles.map((t) => t.name).join(', ')}; ${stats.nodesWithoutElevation} nodes without` : 'none (flat speed)'}`,
      `seconds: ${secs.toFixed(2)}`,
    ].join('\n') + '\n',
  );
  return 0;
}

async function cmdInfo(args: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({ args, options: { graph: { type: 'string' } }, allowPositionals: true, strict: true });
  const g = await loadGraph(values.graph ?? positionals[0]);
  let a = Infinity, b = Infinity, c = -Infinity, d = -Infinity;
  for (let i = 0; i < g.nodeCount; i++) {
    a = Math.min(a, g.nodeLon[i]);
    b = Math.min(b, g.nodeLat[i]);
    c = Math.max(c, g.nodeLon[i]);
    d = Math.max(d, g.nodeLat[i]);
  }
  let km = 0;
  for (let l = 0; l < g.linkCount; l++) km += g.geomCumM[g.geomOffsets[l + 1] - 1] / 1000;
  const m = g.meta;
  io.out(
    [
      `format: v${FORMAT_VERSION}`,
      `source: ${m.source}`,
      `built: ${m.builtAt}`,
      `nodes: ${g.nodeCount}`,
      `edges: ${g.edgeCount} directed (${g.linkCount} street links)`,
      `walkway: ${km.toFixed(1)} km`,
      `bbox: ${a.toFixed(5)},${b.toFixed(5)},${c.toFixed(5)},${d.toFixed(5)}`,
      `elevation: ${m.hasElevation ? m.demTiles.join(', ') : 'none (flat speed)'}`,
      `clipped to boundary: ${m.clipped ? 'yes' : 'no'}`,
      `components: ${m.keepAllComponents ? 'all kept' : `largest strongly connected (${m.stats.componentsDropped} dropped)`}`,
      `profile: flat ${m.profile.flatSpeedMps} m/s, Tobler ${m.profile.tobler ? 'on' : 'off'}, steps up ${m.profile.stepsUpVerticalMps} / down ${m.profile.stepsDownVerticalMps} m/s vertical, snap limit ${m.profile.snapMaxM} m`,
    ].join('\n') + '\n',
  );
  return 0;
}

async function cmdExport(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { graph: { type: 'string' }, nodes: { type: 'string' }, edges: { type: 'string' } }, strict: true });
  const nodesPath = need(values.nodes, '--nodes NODES.csv');
  const edgesPath = need(values.edges, '--edges EDGES.csv');
  const g = await loadGraph(values.graph);
  await writeFileAtomic(nodesPath, nodesCsv(g));
  await writeFileAtomic(edgesPath, edgesCsv(g));
  io.out(`exported ${g.nodeCount} nodes to ${nodesPath} and ${g.edgeCount} directed edges to ${edgesPath}\n`);
  return 0;
}

async function cmdBoundary(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { in: { type: 'string' }, from: { type: 'string' }, out: { type: 'string' } }, strict: true });
  const input = need(values.in, '--in GEOJSON');
  const out = need(values.out, '--out GEOJSON');
  const from = need(values.from, '--from gcj02|bd09|wgs84').toLowerCase();
  const json = await readJson(input, 'boundary');
  const converted = from === 'wgs84' ? json : convertCrs(json, from);
  const b = parseBoundary(converted, out);
  await writeFileAtomic(out, JSON.stringify(converted) + '\n');
  io.out(`wrote ${out}: ${b.polygons.length} polygon(s), ${(b.areaM2() / 1e6).toFixed(2)} km², bbox ${b.bbox.map((v) => v.toFixed(5)).join(',')} (WGS-84)\n`);
  return 0;
}

async function cmdCalibrate(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { graph: { type: 'string' }, origins: { type: 'string' }, 'per-origin': { type: 'string' }, seed: { type: 'string' } },
    strict: true,
  });
  const g = await loadGraph(values.graph);
  const r = calibrateDetourFactor(g, {
    origins: num(values.origins, '--origins', 200),
    perOrigin: num(values['per-origin'], '--per-origin', 10),
    seed: num(values.seed, '--seed', 1),
  });
  io.out(JSON.stringify(r, null, 2) + '\n');
  return 0;
}

function parseOrigin(values: { from?: string; 'from-node'?: string }): Origin {
  if (values.from !== undefined && values['from-node'] !== undefined) throw new UsageError('give either --from or --from-node, not both');
  if (values['from-node'] !== undefined) {
    const n = Number(values['from-node']);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`--from-node must be a node id (integer ≥ 0), got ${JSON.stringify(values['from-node'])}`);
    return { node: n };
  }
  if (values.from !== undefined) return parseLonLat(values.from, '--from');
  throw new UsageError('missing --from LON,LAT or --from-node ID');
}

async function cmdReach(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      graph: { type: 'string' }, from: { type: 'string' }, 'from-node': { type: 'string' }, minutes: { type: 'string' },
      format: { type: 'string' }, bands: { type: 'string' }, out: { type: 'string' }, 'snap-max': { type: 'string' },
    },
    strict: true,
  });
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'geojson') throw new UsageError(`--format must be csv or geojson, got ${JSON.stringify(format)}`);
  const origin = parseOrigin(values);
  const minutes = checkMinutes(num(values.minutes, '--minutes', 15), '--minutes');
  const g = await loadGraph(values.graph);
  const snapMaxM = values['snap-max'] !== undefined ? num(values['snap-max'], '--snap-max', 500) : undefined;
  let text: string;
  if (format === 'csv') {
    const r = reach(g, origin, { minutes, snapMaxM });
    const lines = ['id,seconds'];
    for (const u of r.reached) lines.push(`${u},${r.seconds[u].toFixed(3)}`);
    text = lines.join('\n') + '\n';
  } else {
    let bands = values.bands !== undefined
      ? values.bands.split(',').map((s, i) => checkMinutes(num(s, `--bands[${i}]`, NaN), `--bands[${i}]`))
      : [5, 10, 15].filter((b) => b < minutes);
    if (values.bands === undefined) bands.push(minutes);
    bands = [...new Set(bands)].sort((a, b) => a - b);
    const r = reach(g, origin, { minutes: Math.max(minutes, bands[bands.length - 1]), snapMaxM });
    const fc = isochronesFromSearch(g, r.search, bands, {}, r.snap ? [r.snap] : []);
    text = JSON.stringify(fc) + '\n';
  }
  if (values.out) {
    await writeFileAtomic(values.out, text);
    io.err(`wrote ${values.out}\n`);
  } else io.out(text);
  return 0;
}

async function cmdRoute(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { graph: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
    strict: true,
  });
  const from = parseLonLat(need(values.from, '--from LON,LAT'), '--from');
  const to = parseLonLat(need(values.to, '--to LON,LAT'), '--to');
  const g = await loadGraph(values.graph);
  const r = route(g, from, to);
  if (!r) throw new InvalidArgumentError('the destination cannot be reached from the origin on foot');
  io.out(JSON.stringify({
    type: 'Feature',
    properties: {
      method: r.method, minutes: +r.minutes.toFixed(2), seconds: +r.seconds.toFixed(1), distance_m: +r.distanceM.toFixed(1),
      climb_m: +r.climbM.toFixed(1), descent_m: +r.descentM.toFixed(1), nodes: r.nodes,
    },
    geometry: { type: 'LineString', coordinates: r.coordinates },
  }) + '\n');
  return 0;
}

async function readVenues(path: string): Promise<Venue[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InvalidVenuesError(`cannot read venues ${path}: ${(e as Error).message}`);
  }
  if (/\.(geo)?json$/i.test(path) || text.trimStart().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new InvalidVenuesError(`${path}: not valid JSON (${(e as Error).message})`);
    }
    return parseVenuesGeoJson(json, path);
  }
  return parseVenuesCsv(text, path);
}

/** Converts venue coordinates from GCJ-02/BD-09 (Chinese map apps) to WGS-84. */
function convertVenues(venues: Venue[], crs: string | undefined): Venue[] {
  const c = (crs ?? 'wgs84').toLowerCase();
  if (c === 'wgs84') return venues;
  const from = c === 'gcj02' ? gcoord.GCJ02 : c === 'bd09' ? gcoord.BD09 : null;
  if (!from) throw new InvalidArgumentError(`unknown coordinate system "${crs}" (use wgs84, gcj02 or bd09)`);
  return venues.map((v) => {
    const [lon, lat] = gcoord.transform([v.lon, v.lat], from, gcoord.WGS84) as [number, number];
    return { ...v, lon, lat };
  });
}

async function cmdCoverage(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      graph: { type: 'string' }, estimate: { type: 'boolean' }, venues: { type: 'string' }, boundary: { type: 'string' },
      'boundary-crs': { type: 'string' }, cell: { type: 'string' }, minutes: { type: 'string' }, out: { type: 'string' },
      'venues-crs': { type: 'string' },
      areas: { type: 'string' }, 'areas-crs': { type: 'string' }, gaps: { type: 'string' }, candidates: { type: 'string' },
      category: { type: 'string' },
    },
    strict: true,
  });
  const out = need(values.out, '--out FILE.geojson');
  const venuesPath = need(values.venues, '--venues FILE');
  if (!values.graph && !values.estimate) throw new UsageError('give --graph FILE, or --estimate to work without a street graph');
  if (values.graph && values.estimate) throw new UsageError('give either --graph or --estimate, not both');
  const cellM = num(values.cell, '--cell', 100);
  const minutes = checkMinutes(num(values.minutes, '--minutes', 15), '--minutes');
  const venues = convertVenues(await readVenues(venuesPath), values['venues-crs']);
  const g = values.graph ? await loadGraph(values.graph) : null;
  let boundary: Boundary;
  if (values.boundary) boundary = await readBoundary(values.boundary, values['boundary-crs']);
  else if (g) boundary = bboxBoundary(g.nodeLon, g.nodeLat);
  else throw new UsageError('--estimate needs --boundary GEOJSON');
  const result = computeCoverage(g, boundary, venues, { cellM, minutes });
  const fc = coverageToGeoJson(result);
  if (values.areas) {
    let json = await readJson(values.areas, 'areas');
    if (values['areas-crs'] && values['areas-crs'].toLowerCase() !== 'wgs84') json = convertCrs(json, values['areas-crs'].toLowerCase());
    fc.areas = summarizeCoverage(result, parseAreas(json, values.areas));
  }
  if (values.gaps !== undefined) {
    const k = num(values.gaps, '--gaps', 3);
    const cands = convertVenues(await readVenues(need(values.candidates, '--candidates FILE (same format as venues)')), values['venues-crs']);
    fc.gaps = findGaps(g, result, cands.map((c) => ({ id: c.id, lon: c.lon, lat: c.lat })), { k, category: values.category, minutes });
  }
  await writeFileAtomic(out, JSON.stringify(fc) + '\n');
  const s = fc.summary as ReturnType<typeof import('./coverage/coverage.ts').summarizeCells>;
  io.out(
    [
      `coverage (${result.method}) written: ${out}`,
      `cells: ${s.cells} of ${cellM} m (${s.reachableCells} reachable), venues: ${venues.length} (${result.venues.filter((v) => v.snapped).length} snapped)`,
      ...result.categories.map((k) => `  ${k}: ${(100 * s.byCategory[k].coveredShare).toFixed(1)} % of reachable cells within ${minutes} min, median ${s.byCategory[k].medianMinutes?.toFixed(1) ?? '–'} min`),
    ].join('\n') + '\n',
  );
  return 0;
}

/** The boundary's bounding box grown by `m` metres on every side (clip rectangle). */
function expandedBBox(b: Boundary, m: number): Boundary {
  const [a, s, c, n] = b.bbox;
  const dLat = m / 111195;
  const dLon = m / (111195 * Math.cos((((s + n) / 2) * Math.PI) / 180));
  return new Boundary([[[[a - dLon, s - dLat], [c + dLon, s - dLat], [c + dLon, n + dLat], [a - dLon, n + dLat], [a - dLon, s - dLat]]]]);
}

function bboxBoundary(lon: Float64Array, lat: Float64Array): Boundary {
  let a = Infinity, b = Infinity, c = -Infinity, d = -Infinity;
  for (let i = 0; i < lon.length; i++) {
    a = Math.min(a, lon[i]);
    b = Math.min(b, lat[i]);
    c = Math.max(c, lon[i]);
    d = Math.max(d, lat[i]);
  }
  return new Boundary([[[[a, b], [c, b], [c, d], [a, d], [a, b]]]]);
}
