/**
 * Benchmark of the directory import: 10,000 generated rows (organisation + place + offer each, points inside the
 * Yuzhong outline, GCJ-02 coordinates, categories, opening hours) on PGlite and on PostgreSQL 15.
 *
 * Run: `npm run bench:import` (= `tsx bench/import.bench.ts`). BENCH_ROWS changes the row count (default 10000).
 * PostgreSQL: DATABASE_URL if set (a database is created and dropped there), else a throwaway cluster from
 * /usr/lib/postgresql/15/bin (COEDU_PG_BIN), like the test runner. Prints a Markdown table.
 *
 * Measured per engine: dry run with the full validation report (file → report), the real import in one transaction
 * (all rows new), the same file again (every row unchanged, nothing written), an XLSX dry run of the same rows, and
 * the CSV export of the result.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase, type Database } from '../src/server/db/database.ts';
import { migrate } from '../src/server/db/migrate.ts';
import { exportDirectory } from '../src/server/modules/directory/directory.export.ts';
import { DirectoryImportService, SYSTEM_IMPORT_ACTOR } from '../src/server/modules/directory/directory.import.ts';
import { COLUMNS, writeXlsx } from '../src/server/modules/directory/import.format.ts';
import { importRegistry, randomPointInRing, readBoundary, readDivisionsCsv, seededRandom } from '../src/server/seed/registry-import.ts';
import { YUZHONG_DATA_DIR } from '../src/server/seed/yuzhong-demo.ts';
import { findPostgresBinaries, startPostgresCluster } from '../test/support/pg-cluster.ts';
import gcoord from 'gcoord';

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000);
const CATEGORIES = ['爱国主义教育', '健康教育', '体育健身', '美育艺术', '科学普及', '劳动实践', '传统文化与非遗', '生态文明'];
const KINDS = ['场馆基地', '场馆基地', '社区家长学校', '学校'];
const OFFERS = ['活动', '研学', '课程', '参观'];

function generate(rows: number) {
  const divisions = readDivisionsCsv(path.join(YUZHONG_DATA_DIR, 'divisions.csv'));
  const boundary = readBoundary(path.join(YUZHONG_DATA_DIR, 'boundary.gcj02.geojson'), 'GCJ-02');
  const outline = (boundary.geometry.coordinates as [number, number][][])[0]!;
  const communities = divisions.filter((d) => d.level === 'community');
  const random = seededRandom(10_000);
  const table: string[][] = [COLUMNS.map((c) => c.zh)];
  for (let i = 1; i <= rows; i++) {
    const [lon, lat] = randomPointInRing(outline, random); // WGS-84
    const [gx, gy] = gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02) as [number, number];
    const community = communities[Math.floor(random() * communities.length)]!;
    const id = `BENCH-${String(i).padStart(5, '0')}`;
    const values: Record<string, string> = {
      external_id: id,
      name: `测试场馆${i}`,
      kind: KINDS[i % KINDS.length]!,
      community: community.name.replace(/居民委员会$/, ''),
      address: `渝中区测试路 ${i} 号`,
      lon: gx.toFixed(6),
      lat: gy.toFixed(6),
      crs: 'GCJ-02',
      base_categories: `${CATEGORIES[i % 8]}；${CATEGORIES[(i + 3) % 8]}`,
      provider_kind: '文化艺术机构',
      designation: '协同育人基地',
      phone: `023-6${String(3000000 + i)}`,
      website: `https://venue${i}.example.org`,
      opening_hours: i % 2 ? '周二至周日 09:00-17:00' : '周一至周五 08:00-12:00,14:00-17:30；周六 09:00-12:00',
      offer_id: `${id}:offer`,
      offer_name: `亲子活动${i}`,
      offer_type: OFFERS[i % OFFERS.length]!,
      offer_audience: '家庭',
      age_min: String(3 + (i % 6)),
      age_max: String(10 + (i % 6)),
      free: i % 5 ? '是' : '否',
      capacity: String(20 + (i % 40)),
      booking_required: i % 3 ? '是' : '否',
    };
    table.push(COLUMNS.map((c) => values[c.key]!));
  }
  return { table, divisions, boundary };
}

function toCsvText(table: string[][]) {
  return '\uFEFF' + table.map((row) => row.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\r\n') + '\r\n';
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await fn();
  return [result, performance.now() - t0];
}

async function benchEngine(label: string, database: Database, data: ReturnType<typeof generate>, csv: Buffer, xlsx: Buffer) {
  await migrate(database);
  await importRegistry(database.db, { district: { code: '500103', name: '渝中区' }, divisions: data.divisions, boundary: data.boundary.geometry, boundarySourceCrs: 'GCJ-02' });
  const service = new DirectoryImportService(database.db, 200 * 1024 * 1024);
  const ctx = { actor: null, authFailure: null, ip: null, userAgent: 'bench' };
  const options = { mode: 'all_or_nothing' as const, encoding: 'auto' as const };
  const [dry, dryMs] = await time(() => service.run(ctx, SYSTEM_IMPORT_ACTOR, csv, { ...options, dryRun: true }));
  const [real, realMs] = await time(() => service.run(ctx, SYSTEM_IMPORT_ACTOR, csv, { ...options, dryRun: false }));
  const [again, againMs] = await time(() => service.run(ctx, SYSTEM_IMPORT_ACTOR, csv, { ...options, dryRun: false }));
  const [xlsxDry, xlsxMs] = await time(() => service.run(ctx, SYSTEM_IMPORT_ACTOR, xlsx, { ...options, dryRun: true }));
  const [exported, exportMs] = await time(() => exportDirectory(database.db, SYSTEM_IMPORT_ACTOR, 'csv'));
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`${label}: ${what}`);
  };
  check(dry.summary.valid === ROWS && dry.summary.create === ROWS, `dry run ${JSON.stringify(dry.summary)}`);
  check(real.committed && real.summary.create === ROWS, `import ${JSON.stringify(real.summary)}`);
  check(again.summary.unchanged === ROWS && again.summary.written === 0, `re-import ${JSON.stringify(again.summary)}`);
  check(xlsxDry.summary.unchanged === ROWS, `xlsx ${JSON.stringify(xlsxDry.summary)}`);
  check(exported.rows === ROWS, `export ${exported.rows}`);
  const s = (ms: number) => (ms / 1000).toFixed(2);
  return `| ${label} | ${s(dryMs)} | ${s(realMs)} (${real.summary.written} versions) | ${s(againMs)} | ${s(xlsxMs)} | ${s(exportMs)} |`;
}

async function main() {
  const [data, genMs] = await time(async () => generate(ROWS));
  const csv = Buffer.from(toCsvText(data.table), 'utf8');
  const xlsx = await writeXlsx([{ name: 'data', rows: data.table }]);
  const lines = [
    `Rows: ${ROWS} (generated in ${(genMs / 1000).toFixed(2)} s); CSV ${(csv.byteLength / 1024 / 1024).toFixed(1)} MiB, XLSX ${(xlsx.byteLength / 1024 / 1024).toFixed(1)} MiB; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
    '',
    '| engine | dry run + report (s) | import, all new (s) | same file again, all unchanged (s) | XLSX dry run (s) | CSV export (s) |',
    '|---|---|---|---|---|---|',
  ];
  const pglite = await createDatabase({ kind: 'pglite', dataDir: 'memory' });
  try {
    lines.push(await benchEngine('PGlite (in memory)', pglite, data, csv, xlsx));
  } finally {
    await pglite.close();
  }
  let adminUrl = process.env.DATABASE_URL ?? null;
  let cluster: Awaited<ReturnType<typeof startPostgresCluster>> | null = null;
  if (!adminUrl && findPostgresBinaries()) {
    cluster = await startPostgresCluster();
    adminUrl = cluster.adminUrl;
  }
  if (adminUrl) {
    const name = `coedu_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const database = await createDatabase({ kind: 'postgres', url: url.toString() });
    try {
      lines.push(await benchEngine(`PostgreSQL ${cluster ? '15 (throwaway cluster, fsync off)' : '(DATABASE_URL)'}`, database, data, csv, xlsx));
    } finally {
      await database.close();
      // pg-pool resolves end() before its sockets have closed; give them a moment before terminating the database.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      await cluster?.stop();
    }
  } else lines.push('| PostgreSQL | skipped: no DATABASE_URL and no PostgreSQL binaries | | | | |');
  console.log(lines.join('\n'));
}

await main();
