/** Bad input: every case gives a typed error with a stable code, no crash, no partial output. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DemSet, PbfSource, ReachError, XmlSource, buildGraph, checkMinutes, openOsmFile, parseBoundary, readDem, readHgtFile,
  tileFromHgtBytes, writeGraphFile,
} from '../src/index.ts';
import { runReachCli } from '../src/cli.ts';
import { captureIo, dataPath, sharedDataSkip, osmXml, slopedTile } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'reach-bad-'));
const skip = sharedDataSkip('shared data not found');

async function rejectsCode(p: Promise<unknown>, code: string, re?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ReachError, `expected a ReachError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}

test('truncated .osm.gz', { skip }, async () => {
  const gz = readFileSync(dataPath('osm/monaco.osm.gz'));
  const p = join(dir, 'cut.osm.gz');
  writeFileSync(p, gz.subarray(0, gz.length >> 1));
  await rejectsCode(openOsmFile(p).then((s) => buildGraph(s)), 'osm_parse_error', /truncated or corrupt gzip|malformed XML/);
});

test('truncated and foreign .osm.pbf', { skip }, async () => {
  const pbf = readFileSync(dataPath('osm/andorra.osm.pbf'));
  const p = join(dir, 'cut.osm.pbf');
  writeFileSync(p, pbf.subarray(0, 200_000));
  await rejectsCode(buildGraph(PbfSource.fromFile(p)), 'osm_parse_error', /truncated PBF file: blob #\d+ at byte \d+ declares \d+ bytes, only \d+ remain/);
  const junk = join(dir, 'junk.pbf');
  writeFileSync(junk, Buffer.from('\x00\x00\x00\x05hello world this is not a pbf'));
  await rejectsCode(buildGraph(PbfSource.fromFile(junk)), 'osm_parse_error', /not an OSM PBF file/);
  const big = join(dir, 'random.bin');
  writeFileSync(big, Buffer.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));
  await rejectsCode(openOsmFile(big).then((s) => buildGraph(s)), 'osm_parse_error', /not an OSM PBF file/);
});

test('non-OSM and malformed XML, empty files', async () => {
  await rejectsCode(buildGraph(XmlSource.fromString('<html><body>404</body></html>')), 'osm_parse_error', /not an OSM XML file \(root element is <html>/);
  await rejectsCode(buildGraph(XmlSource.fromString('<osm><node id="1" lat="1" lon="1"/><way id="2"><nd ref="1"/>')), 'osm_parse_error', /malformed XML/);
  await rejectsCode(buildGraph(XmlSource.fromString('<osm><node id="x" lat="1" lon="y"/></osm>')), 'osm_parse_error', /invalid id\/lat\/lon/);
  const empty = join(dir, 'empty.osm');
  writeFileSync(empty, '');
  await rejectsCode(openOsmFile(empty), 'osm_parse_error', /empty file/);
  await rejectsCode(openOsmFile(join(dir, 'nope.osm')), 'osm_parse_error', /cannot open/);
});

test('empty extract: no walkable ways', async () => {
  const xml = osmXml({ 1: [0, 0], 2: [0, 100], 3: [100, 0] }, [
    [1, [1, 2, 3, 1], { building: 'yes' }],
    [2, [1, 2], { highway: 'motorway' }],
    [3, [2, 3], { highway: 'footway', access: 'private' }],
  ]);
  await rejectsCode(buildGraph(XmlSource.fromString(xml)), 'empty_graph', /no walkable ways \(read 3 ways, 2 with a highway tag\)/);
  // Walkable ways whose nodes are all missing from the extract.
  await rejectsCode(
    buildGraph(XmlSource.fromString('<osm><way id="1"><nd ref="5"/><nd ref="6"/><tag k="highway" v="footway"/></way></osm>')),
    'empty_graph', /no usable segment/,
  );
});

test('DEM tiles: not covering the area, bad size, bad name', { skip }, async () => {
  const andorraTile = await readDem([dataPath('dem/N42E001.hgt.zip')]);
  await rejectsCode(
    openOsmFile(dataPath('osm/monaco.osm.gz')).then((s) => buildGraph(s, { dem: andorraTile })),
    'dem_not_covering', /DEM tiles N42E001 do not cover \d+ of \d+ nodes \(100\.0 %\); missing tile\(s\): N43E007/,
  );
  const err = await openOsmFile(dataPath('osm/monaco.osm.gz')).then((s) => buildGraph(s, { dem: andorraTile })).catch((e) => e);
  assert.deepEqual(err.missingTiles, ['N43E007']);
  assert.throws(() => tileFromHgtBytes(new Uint8Array(1000), 'N43E007.hgt'), { code: 'dem_format_error', message: /1000 bytes is not an SRTM .hgt tile/ });
  assert.throws(() => tileFromHgtBytes(new Uint8Array(2 * 1201 * 1201), 'elevation.hgt'), { code: 'dem_format_error', message: /must start like N43E007/ });
  const zipJunk = join(dir, 'N43E007.hgt.zip');
  writeFileSync(zipJunk, Buffer.from('PK\x03\x04garbage'));
  await rejectsCode(readHgtFile(zipJunk), 'dem_format_error');
});

test('DEM voids are interpolated from valid neighbours', () => {
  const t = slopedTile(2);
  const dem = new DemSet([t]);
  const lon = 7.5, lat = 43.5;
  const before = dem.sample(lon, lat);
  // Void a 3×3 block of posts around the point.
  const c = Math.round((lon - 7) * 1200), r = Math.round((44 - lat) * 1200);
  for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) t.heights[(r + dr) * 1201 + c + dc] = -32768;
  const after = new DemSet([t]).sample(lon, lat);
  assert.ok(Number.isFinite(after) && Math.abs(after - before) < 3, `${before} vs ${after}`);
  assert.ok(Number.isNaN(dem.sample(9.5, 43.5)), 'outside every tile: NaN');
});

test('minutes ≤ 0, absurdly large, or not a number', () => {
  for (const m of [0, -5, 241, 1e9, NaN, Infinity]) assert.throws(() => checkMinutes(m), { code: 'invalid_minutes' });
  assert.throws(() => checkMinutes('15' as unknown as number), { code: 'invalid_minutes' });
  assert.equal(checkMinutes(240), 240);
});

test('malformed GeoJSON boundaries', () => {
  const sq = [[7, 43], [7.1, 43], [7.1, 43.1], [7, 43.1], [7, 43]];
  assert.ok(parseBoundary({ type: 'Polygon', coordinates: [sq] }));
  const bad: [unknown, RegExp][] = [
    [null, /expected a GeoJSON object/],
    [{ type: 'Point', coordinates: [7, 43] }, /expected a Polygon or MultiPolygon, got "Point"/],
    [{ type: 'Polygon', coordinates: [sq.slice(0, 4)] }, /not closed/],
    [{ type: 'Polygon', coordinates: [[[7, 43], [7, 43], [7, 43]]] }, /at least 4 positions/],
    [{ type: 'Polygon', coordinates: [[[700, 43], [7.1, 43], [7.1, 43.1], [700, 43]]] }, /not a WGS-84/],
    [{ type: 'FeatureCollection' }, /without a features array/],
    [{ type: 'FeatureCollection', features: [] }, /contains no polygon/],
    [{ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: 'x' } }] }, /features\[0\]/],
  ];
  for (const [json, re] of bad) assert.throws(() => parseBoundary(json), { code: 'invalid_geojson', message: re });
});

async function smallGraphFile(): Promise<string> {
  const xml = osmXml({ 1: [0, 0], 2: [0, 100], 3: [100, 100] }, [[1, [1, 2, 3], { highway: 'footway' }]]);
  const { graph } = await buildGraph(XmlSource.fromString(xml));
  const p = join(dir, 'small.graph');
  await writeGraphFile(p, graph);
  return p;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo();
  const code = await runReachCli(args, c.io);
  const err = c.err.join('');
  assert.ok(!/\n\s+at .+:\d+:\d+/.test(err), `no stack trace in: ${err}`);
  return { code, out: c.out.join(''), err };
}

test('CLI: precise errors, exit codes, and no partial output files', async () => {
  const g = await smallGraphFile();
  const out = join(dir, 'out');
  let r = await cli(['reach', '--graph', g, '--from-node', '0', '--minutes', '500']);
  assert.equal(r.code, 1);
  assert.match(r.err, /\[invalid_minutes\]: --minutes must be at most 240, got 500/);
  r = await cli(['reach', '--graph', g, '--from-node', '0', '--minutes', '0']);
  assert.match(r.err, /\[invalid_minutes\]/);
  r = await cli(['reach', '--graph', g, '--from', '9.0,45.0']);
  assert.equal(r.code, 1);
  assert.match(r.err, /\[point_outside_graph\]: point 9\.000000,45\.000000 is \d+ m from the nearest walkable street; the limit is 500 m/);
  r = await cli(['reach', '--graph', g, '--from', 'abc']);
  assert.match(r.err, /\[invalid_argument\]: --from must be LON,LAT/);
  r = await cli(['reach', '--graph', g, '--from-node', '99']);
  assert.match(r.err, /\[invalid_argument\]: node 99 does not exist/);
  r = await cli(['reach', '--graph', g, '--from-node', '0', '--format', 'xml']);
  assert.equal(r.code, 2);
  r = await cli(['frobnicate']);
  assert.equal(r.code, 2);
  r = await cli(['graph', 'build', '--osm', 'x.osm']);
  assert.equal(r.code, 2);
  assert.match(r.err, /missing --out FILE/);
  r = await cli(['reach', '--graph', join(dir, 'missing.graph'), '--from-node', '0']);
  assert.match(r.err, /\[graph_format_error\]: cannot read graph file/);
  r = await cli(['reach', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /usage:/);

  // Build from a non-OSM file: exit 1 and no output file.
  const html = join(dir, 'page.osm');
  writeFileSync(html, '<!DOCTYPE html><html><body>Not found</body></html>');
  r = await cli(['graph', 'build', '--osm', html, '--out', join(dir, 'never.graph'), '--quiet']);
  assert.equal(r.code, 1);
  assert.match(r.err, /\[osm_parse_error\]/);
  assert.ok(!existsSync(join(dir, 'never.graph')));

  // Coverage with bad venues or a bad boundary: exit 1, no output, no temp files left.
  const venues = join(dir, 'venues.csv');
  writeFileSync(venues, 'id,name,category,lon,lat\n1,A,school,not-a-number,43.5\n');
  r = await cli(['coverage', '--graph', g, '--venues', venues, '--out', out + '.geojson']);
  assert.equal(r.code, 1);
  assert.match(r.err, /\[invalid_venues\]: .*line 2: lon\/lat must be WGS-84 numbers/);
  writeFileSync(venues, 'id,name,category,lon,lat\n1,A,school,7.5,43.5\n');
  const boundary = join(dir, 'boundary.geojson');
  writeFileSync(boundary, '{"type":"Polygon","coordinates":[[[7,43],[8,43],[8,44]]]');
  r = await cli(['coverage', '--graph', g, '--venues', venues, '--boundary', boundary, '--out', out + '.geojson']);
  assert.equal(r.code, 1);
  assert.match(r.err, /\[invalid_geojson\]: .*not valid JSON/);
  assert.ok(!existsSync(out + '.geojson'));
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  // And a valid coverage run writes its file.
  r = await cli(['coverage', '--graph', g, '--venues', venues, '--cell', '50', '--out', out + '.geojson']);
  assert.equal(r.code, 0, r.err);
  const fc = JSON.parse(readFileSync(out + '.geojson', 'utf8'));
  assert.equal(fc.type, 'FeatureCollection');
  assert.equal(fc.method, 'network');
});
