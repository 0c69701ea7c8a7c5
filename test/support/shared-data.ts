import fs from 'node:fs';
import path from 'node:path';

/** The read-only real data folder: $COEDU_SHARED_DATA or ../shared/data beside the repository. */
export const SHARED_DATA = process.env.COEDU_SHARED_DATA ?? path.resolve(import.meta.dirname, '../../../shared/data');
export const sharedDataPath = (relative: string) => path.join(SHARED_DATA, relative);

/** Skip reason for real-data tests: skipped by name outside CI, never skipped on CI (CI=true), where they must run. */
export function sharedDataSkip(): string | false {
  if (fs.existsSync(sharedDataPath('osm/monaco.osm.gz')) || process.env.CI === 'true') return false;
  return `real data not found at ${SHARED_DATA} (set COEDU_SHARED_DATA)`;
}
