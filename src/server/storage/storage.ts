import type { Readable } from 'node:stream';

/**
 * One interface for stored files (library media, home-activity photos), with two backends chosen by configuration:
 * a directory under the data directory (`local.ts`) and S3-compatible object storage (`s3.ts`). Keys are relative,
 * slash-separated names checked by `assertStorageKey`; callers keep the metadata (type, size, hash) in the database.
 */
export interface ObjectStorage {
  readonly kind: 'local' | 's3';
  /** Stores the bytes under the key; readers never see a half-written object (replaces an existing one whole). */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** Size of the stored object, or null when there is none. */
  size(key: string): Promise<number | null>;
  /** Streams the object, or the inclusive byte range `[start, end]` of it; null when there is none. */
  read(key: string, range?: ByteRange): Promise<Readable | null>;
  /** Deletes the object (no error when there is none). */
  delete(key: string): Promise<void>;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

const KEY_PATTERN = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

/**
 * Keys are lower-case ASCII segments separated by "/": no absolute paths, no "..", no empty segments, nothing that a
 * file system or S3 would read differently. Every backend checks them before touching anything, so a key built from
 * user input can never name a file outside the store.
 */
export function assertStorageKey(key: string): string {
  if (key.length > 500 || !KEY_PATTERN.test(key) || key.split('/').some((segment) => segment === '.' || segment === '..' || segment.startsWith('..'))) {
    throw new Error(`Invalid storage key: ${JSON.stringify(key)}`);
  }
  return key;
}
