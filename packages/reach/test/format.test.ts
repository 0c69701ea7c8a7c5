/** Binary graph format: round trip and precise errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FORMAT_VERSION, GraphFormatError, XmlSource, buildGraph, deserializeGraph, readGraphFile, serializeGraph, writeGraphFile,
} from '../src/index.ts';
import { osmXml, slopedDem } from './helpers.ts';

const xml = osmXml({ 1: [0, 0], 2: [0, 100], 3: [0, 200], 4: [80, 200], 5: [80, 0] }, [
  [1, [1, 2, 3], { highway: 'residential' }],
  [2, [3, 4, 5, 1], { highway: 'footway' }],
  [3, [2, 4], { highway: 'steps' }],
]);

test('round trip preserves every array and the metadata', async () => {
  const { graph } = await buildGraph(XmlSource.fromString(xml), { dem: slopedDem(5) });
  const bytes = serializeGraph(graph);
  assert.equal(String.fromCharCode(...bytes.subarray(0, 7)), 'COEDUWG');
  const back = deserializeGraph(bytes);
  for (const k of Object.keys(graph) as (keyof typeof graph)[]) {
    if (k === 'meta') continue;
    const a = graph[k], b = back[k];
    if (typeof a === 'number') assert.equal(b, a, k);
    else assert.deepEqual(Array.from(b as ArrayLike<number>), Array.from(a as ArrayLike<number>), k);
  }
  assert.deepEqual(back.meta, graph.meta);
  // And through a file (Buffer at an arbitrary offset).
  const dir = mkdtempSync(join(tmpdir(), 'reach-fmt-'));
  const size = await writeGraphFile(join(dir, 'g.bin'), graph);
  assert.equal(size, bytes.length);
  const g2 = await readGraphFile(join(dir, 'g.bin'));
  assert.deepEqual(Array.from(g2.seconds), Array.from(graph.seconds));
});

test('truncated, unknown-version, foreign and corrupt files give precise errors', async () => {
  const { graph } = await buildGraph(XmlSource.fromString(xml));
  const bytes = serializeGraph(graph);
  const err = (b: Uint8Array, re: RegExp) =>
    assert.throws(() => deserializeGraph(b, 'g.bin'), (e: unknown) => {
      assert.ok(e instanceof GraphFormatError);
      assert.equal((e as GraphFormatError).code, 'graph_format_error');
      assert.match((e as Error).message, re);
      return true;
    });
  err(bytes.subarray(0, bytes.length - 100), /truncated graph file: \d+ bytes, the header says \d+/);
  err(bytes.subarray(0, 12), /truncated graph file: 12 bytes/);
  err(new Uint8Array(0), /truncated/);
  const v2 = bytes.slice();
  new DataView(v2.buffer).setUint32(8, FORMAT_VERSION + 1, true);
  err(v2, new RegExp(`unsupported graph format version ${FORMAT_VERSION + 1}; this build reads version ${FORMAT_VERSION}`));
  err(new TextEncoder().encode('<?xml version="1.0"?><osm></osm>'), /not a CoEdu walking graph file/);
  const bad = bytes.slice();
  bad[bad.length - 20] ^= 0xff;
  err(bad, /corrupt \(checksum mismatch\)|inconsistent/);
  const dir = mkdtempSync(join(tmpdir(), 'reach-fmt-'));
  writeFileSync(join(dir, 'cut.bin'), bytes.subarray(0, 1000));
  await assert.rejects(readGraphFile(join(dir, 'cut.bin')), { code: 'graph_format_error', message: /truncated/ });
  await assert.rejects(readGraphFile(join(dir, 'missing.bin')), { code: 'graph_format_error', message: /cannot read graph file/ });
});
