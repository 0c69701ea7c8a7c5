/** Graph file I/O (the only file access of the graph module). Writes are atomic: temp file + rename. */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GraphFormatError } from '../errors.ts';
import { deserializeGraph, serializeGraph } from './format.ts';
import type { WalkGraph } from './types.ts';

/** Writes `data` to `path` via a temporary file in the same directory, so readers never see a partial file. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Writes a graph file atomically; returns its size in bytes. */
export async function writeGraphFile(path: string, g: WalkGraph): Promise<number> {
  const bytes = serializeGraph(g);
  await writeFileAtomic(path, bytes);
  return bytes.length;
}

/** Reads and validates a graph file. */
export async function readGraphFile(path: string): Promise<WalkGraph> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new GraphFormatError(`cannot read graph file ${path}: ${(e as Error).message}`);
  }
  return deserializeGraph(bytes, path);
}
