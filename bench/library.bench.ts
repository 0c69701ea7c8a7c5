/**
 * Course library: recommendation latency on the Yuzhong demo (2,520 library entries + the curated courses) and file
 * serving through the storage interface, local directory against S3-compatible storage (s3rver on 127.0.0.1).
 *
 *   npm run bench:library                      # defaults: 200 recommendation calls, a 32 MiB file, 200 ranges
 *   BENCH_CALLS=200 BENCH_FILE_MIB=32 BENCH_RANGES=200 npm run bench:library
 *
 * Recommendations: PGlite in memory, the demo seeded, parent.demo's family (children 7 and 10 this year) with two
 * completed entries and its demo booking; each call is the full service method (five queries and the ranking).
 * Files: `storedFileResponse` streams the whole file, then random 256 KiB ranges (what a player's seeking asks for),
 * each read to its end; the S3 side goes over HTTP with the AWS SDK to s3rver (a JavaScript server writing to disk),
 * so its numbers are a floor for a real S3 store, not a measurement of one.
 */
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startS3Server } from '../test/support/s3-server.ts';
import { createDatabase } from '../src/server/db/database.ts';
import { migrate } from '../src/server/db/migrate.ts';
import { LibraryService } from '../src/server/modules/classes/library.service.ts';
import { seedLibraryDemoFiles } from '../src/server/seed/library-demo-files.ts';
import { seedYuzhongClasses } from '../src/server/seed/yuzhong-classes.ts';
import { seedYuzhongDemo } from '../src/server/seed/yuzhong-demo.ts';
import { LocalStorage } from '../src/server/storage/local.ts';
import { S3Storage } from '../src/server/storage/s3.ts';
import { storedFileResponse } from '../src/server/storage/serve.ts';
import type { ObjectStorage } from '../src/server/storage/storage.ts';
import { fmtMs, machineLine, pct } from './lib/util.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const FILE_MIB = Number(process.env.BENCH_FILE_MIB ?? 32);
const RANGES = Number(process.env.BENCH_RANGES ?? 200);

async function recommendations() {
  const database = await createDatabase({ kind: 'pglite', dataDir: 'memory' });
  await migrate(database);
  const { db } = database;
  await seedYuzhongDemo(db);
  await seedYuzhongClasses(db);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coedu-bench-lib-'));
  const storage = new LocalStorage(dir);
  await seedLibraryDemoFiles(db, storage);
  const parent = await db.selectFrom('users').select('id').where('username', '=', 'parent.demo').executeTakeFirstOrThrow();
  const families = await db.selectFrom('family_guardians').select('family_id').where('user_id', '=', parent.id).execute();
  const ctx = { actor: { userId: parent.id, displayName: 'p', grants: [], familyIds: families.map((f) => f.family_id), child: null, via: 'session' as const, sessionId: null }, authFailure: null, ip: null, userAgent: null };
  const library = new LibraryService(db, storage, { libraryMaxBytes: 1 << 30 });
  const withFiles = await db.selectFrom('library_files').select('course_id').orderBy('course_id').limit(2).execute();
  for (const f of withFiles) await library.saveProgress(ctx, f.course_id, { positionSeconds: 0, percent: 100 });
  const entries = Number((await db.selectFrom('class_courses').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  for (let i = 0; i < 10; i++) await library.recommendations(ctx, 8); // warm-up
  const times: number[] = [];
  let first = '';
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    const answer = await library.recommendations(ctx, 8);
    times.push(performance.now() - t0);
    if (i === 0) first = answer.items.map((x) => x.reasonText).slice(0, 2).join(' | ');
  }
  console.log(`recommendations (PGlite, ${entries} catalogue entries, limit 8): ${CALLS} calls, p50 ${fmtMs(pct(times, 0.5))} ms, p95 ${fmtMs(pct(times, 0.95))} ms; e.g. ${first}`);
  await database.close();
  await fs.rm(dir, { recursive: true, force: true });
}

async function drain(response: Response): Promise<number> {
  let n = 0;
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.byteLength;
  }
}

async function serving(name: string, storage: ObjectStorage, bytes: Buffer) {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const file = { key: `library/${sha256.slice(0, 2)}/${sha256}`, contentType: 'video/mp4', byteSize: bytes.length, sha256, fileName: 'bench.mp4' };
  let t0 = performance.now();
  await storage.put(file.key, bytes, file.contentType);
  const putMs = performance.now() - t0;
  const whole: number[] = [];
  for (let i = 0; i < 3; i++) {
    t0 = performance.now();
    const n = await drain(await storedFileResponse(new Request('http://x/'), storage, file, { disposition: 'inline' }));
    if (n !== bytes.length) throw new Error('short read');
    whole.push(performance.now() - t0);
  }
  const ranges: number[] = [];
  let seed = 42;
  for (let i = 0; i < RANGES; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const start = seed % (bytes.length - 262144);
    t0 = performance.now();
    const response = await storedFileResponse(new Request('http://x/', { headers: { range: `bytes=${start}-${start + 262143}` } }), storage, file, { disposition: 'inline' });
    if (response.status !== 206 || (await drain(response)) !== 262144) throw new Error('bad range');
    ranges.push(performance.now() - t0);
  }
  const best = Math.min(...whole);
  console.log(
    `${name}: put ${FILE_MIB} MiB ${fmtMs(putMs)} ms; whole file best of 3 ${fmtMs(best)} ms (${(FILE_MIB / (best / 1000)).toFixed(0)} MiB/s); ` +
      `${RANGES} random 256 KiB ranges p50 ${fmtMs(pct(ranges, 0.5))} ms, p95 ${fmtMs(pct(ranges, 0.95))} ms`,
  );
}

console.log(machineLine());
await recommendations();
const bytes = randomBytes(FILE_MIB * 2 ** 20);
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coedu-bench-store-'));
await serving('local directory', new LocalStorage(dir), bytes);
await fs.rm(dir, { recursive: true, force: true });
const server = await startS3Server();
const s3 = new S3Storage(server.settings);
await serving('S3-compatible (s3rver, 127.0.0.1)', s3, bytes);
s3.close();
await server.close();
