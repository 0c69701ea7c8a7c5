import type { Config } from '../config.ts';
import { LocalStorage } from './local.ts';
import { S3Storage } from './s3.ts';
import type { ObjectStorage } from './storage.ts';

export type { ObjectStorage, ByteRange } from './storage.ts';
export { assertStorageKey } from './storage.ts';

/** The store configured by COEDU_STORAGE (`local`, the default, or `s3`); see docs/DEPLOY.md. */
export function createStorage(config: Pick<Config, 'storage'>): ObjectStorage {
  const settings = config.storage;
  return settings.kind === 's3' ? new S3Storage(settings) : new LocalStorage(settings.dir);
}
