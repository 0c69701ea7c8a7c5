import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { assertStorageKey, type ByteRange, type ObjectStorage } from './storage.ts';

/**
 * Files in a directory (by default `<data dir>/files`). Writes go to a temporary file in the same directory tree
 * and are renamed into place, so a reader sees the old object or the new one, never a partial file. Keys map to
 * paths below the root only (checked twice: the key pattern and the resolved path).
 */
export class LocalStorage implements ObjectStorage {
  readonly kind = 'local' as const;
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private file(key: string): string {
    assertStorageKey(key);
    const file = path.resolve(this.root, ...key.split('/'));
    if (!file.startsWith(this.root + path.sep)) throw new Error(`Storage key escapes the root: ${key}`);
    return file;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const file = this.file(key);
    const tmpDir = path.join(this.root, '.tmp');
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
    try {
      const handle = await fsp.open(tmp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync(); // the rename must not publish a file whose bytes are still only in the page cache
      } finally {
        await handle.close();
      }
      await fsp.rename(tmp, file);
    } catch (error) {
      await fsp.rm(tmp, { force: true });
      throw error;
    }
  }

  async size(key: string): Promise<number | null> {
    const stat = await fsp.stat(this.file(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    return stat && stat.isFile() ? stat.size : null;
  }

  async read(key: string, range?: ByteRange): Promise<Readable | null> {
    const file = this.file(key);
    // Open first so that a missing file is a null, not an error event on a stream already handed to the client.
    const handle = await fsp.open(file, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!handle) return null;
    return handle.createReadStream({ autoClose: true, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.file(key), { force: true });
  }
}
