/** Reads SRTM .hgt and .hgt.zip files from disk (the only I/O of the DEM module). */
import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import { DemFormatError } from '../errors.ts';
import { type DemTile, tileFromHgtBytes, DemSet } from './tile.ts';

/** Reads one tile; a .zip must contain exactly one .hgt entry. */
export async function readHgtFile(path: string): Promise<DemTile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new DemFormatError(`cannot read DEM tile ${path}: ${(e as Error).message}`);
  }
  const base = path.split(/[\\/]/).pop() ?? path;
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    let files: Record<string, Uint8Array>;
    try {
      files = unzipSync(bytes, { filter: (f) => /\.hgt$/i.test(f.name) });
    } catch (e) {
      throw new DemFormatError(`${base}: corrupt zip (${(e as Error).message})`);
    }
    const names = Object.keys(files);
    if (names.length !== 1) throw new DemFormatError(`${base}: zip must contain exactly one .hgt file, found ${names.length}`);
    const inner = names[0].split('/').pop()!;
    return tileFromHgtBytes(files[names[0]], inner);
  }
  return tileFromHgtBytes(bytes, base);
}

/** Reads several tiles into a DemSet. */
export async function readDem(paths: string[]): Promise<DemSet> {
  const tiles: DemTile[] = [];
  for (const p of paths) tiles.push(await readHgtFile(p));
  return new DemSet(tiles);
}
