/** Opens an OSM file of any supported format (.osm.pbf, .osm, .osm.gz), sniffing the content. */
import { open } from 'node:fs/promises';
import { OsmParseError } from '../errors.ts';
import { PbfSource } from './pbf.ts';
import { XmlSource } from './xml.ts';
import type { OsmSource } from './types.ts';

/**
 * Returns a re-readable source for `path`. The format is decided by the first bytes
 * (gzip magic → gzip XML, '<' → XML, otherwise PBF), so misnamed files still work.
 */
export async function openOsmFile(path: string): Promise<OsmSource> {
  let head: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      head = Buffer.alloc(64);
      const { bytesRead } = await fh.read(head, 0, 64, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new OsmParseError(`cannot open ${path}: ${(e as Error).message}`);
  }
  if (head.length === 0) throw new OsmParseError(`${path}: empty file`);
  if (head[0] === 0x1f && head[1] === 0x8b) return XmlSource.fromFile(path, true);
  const text = head.toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (text.startsWith('<')) return XmlSource.fromFile(path, false);
  return PbfSource.fromFile(path);
}
