/**
 * `coedu import venues FILE` and `coedu export hsds --out DIR`. Both act as the district system: full rights on the
 * configured database (DATABASE_URL, or PGlite under COEDU_DATA_DIR), audited with no user and `via: cli`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.ts';
import { exportDirectory } from './directory.export.ts';
import { DirectoryImportService, SYSTEM_IMPORT_ACTOR, tooLargeMessage, type ImportReport } from './directory.import.ts';
import { DirectoryService, HsdsService } from './directory.service.ts';
import { parseCrs } from './import.format.ts';
import { isAppError } from '../../errors.ts';

export const IMPORT_USAGE = `coedu import venues FILE [--dry-run] [--valid-only] [--crs wgs84|gcj02|bd09] [--encoding auto|utf-8|gb18030]

  Imports organisations (venues, bases, schools, community parent schools) with their place and offers from a CSV
  or XLSX file (columns: see docs/IMPORT-DIRECTORY.md or the template at /api/directory/import-template).
  Runs as the district system with full rights on the configured database (DATABASE_URL or PGlite under
  COEDU_DATA_DIR); the audit log records it with no user and via=cli.

  --dry-run      check only: print the report, write nothing
  --valid-only   import the valid rows even if other rows have problems (default: nothing if any row fails)
  --crs X        coordinate system of rows whose crs cell is empty
  --encoding X   CSV text encoding (default auto: BOM, else UTF-8 if valid, else GB18030)

  Exit code 0: imported (or a clean dry run); 1: rows with problems, nothing written (or a file error); 2: usage.`;

export const EXPORT_USAGE = `coedu export hsds --out DIR

  Writes the directory to DIR: one NDJSON file per HSDS 3.0 entity (organizations, locations, services, taxonomies,
  taxonomy_terms) and the spreadsheet export in the import columns (directory.csv UTF-8 with BOM,
  directory-gb18030.csv, directory.xlsx), which re-imports with \`coedu import venues\`.`;

/** Terminal width of a string: CJK and full-width characters take two columns. */
function width(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}

function clip(text: string, max: number): string {
  let out = '';
  for (const ch of text) {
    if (width(out + ch) > max - 1) return `${out}…`;
    out += ch;
  }
  return out;
}

export function formatTable(header: string[], rows: string[][], maxWidths: number[]): string {
  const cells = [header, ...rows].map((row) => row.map((cell, i) => clip(cell.replace(/\s+/g, ' '), maxWidths[i] ?? 40)));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => width(row[i] ?? ''))));
  const line = (row: string[]) => row.map((cell, i) => cell + ' '.repeat(widths[i]! - width(cell))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function formatReport(report: ImportReport): string {
  const s = report.summary;
  const lines = [
    `file: ${report.file.format}${report.file.encoding ? ` (${report.file.encoding})` : ''}${report.file.sheet ? `, sheet ${report.file.sheet}` : ''}; columns: ${report.file.columns.map((c) => c.key).join(', ')}`,
    ...(report.file.ignoredColumns.length > 0 ? [`ignored columns / 未识别的列: ${report.file.ignoredColumns.join(', ')}`] : []),
    '',
    formatTable(
      ['rows 行数', 'valid 有效', 'invalid 有误', report.dryRun ? 'would create 将新增' : 'created 新增', report.dryRun ? 'would update 将更新' : 'updated 更新', 'unchanged 无变化'],
      [[s.rows, s.valid, s.invalid, s.create, s.update, s.unchanged].map(String)],
      [12, 12, 14, 22, 22, 20],
    ),
  ];
  if (report.problems.length > 0) {
    lines.push('', formatTable(['row 行', 'external_id', 'column 列', 'code', '问题', 'problem'], report.problems.map((p) => [String(p.line ?? ''), p.externalId ?? '', p.column ?? '', p.code, p.messageZh, p.message]), [7, 18, 12, 22, 44, 60]));
    if (report.problemsTruncated) lines.push(`… only the first ${report.problems.length} problems are listed`);
  }
  lines.push('');
  if (report.committed) lines.push(`imported: ${s.create} rows created, ${s.update} updated, ${s.unchanged} unchanged${s.invalid > 0 ? `, ${s.invalid} skipped` : ''} (${s.written} versions written).`);
  else if (report.dryRun) lines.push(s.invalid > 0 ? `dry run: ${s.invalid} row(s) have problems; nothing written.` : 'dry run: every row is valid; nothing written.');
  else lines.push(s.invalid > 0 ? `not imported: ${s.invalid} row(s) have problems; nothing written (fix them, or use --valid-only).` : 'nothing to import.');
  return lines.join('\n');
}

export async function runImportVenues(db: Kysely<DB>, args: string[], maxBytes: number, out: (text: string) => void = console.log): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { 'dry-run': { type: 'boolean' }, 'valid-only': { type: 'boolean' }, crs: { type: 'string' }, encoding: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${IMPORT_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(IMPORT_USAGE);
    return 0;
  }
  const [what, file, ...extra] = positionals;
  if (what !== 'venues' || !file || extra.length > 0) {
    console.error(IMPORT_USAGE);
    return 2;
  }
  const crs = values.crs === undefined ? undefined : parseCrs(values.crs);
  if (crs === null) {
    console.error(`--crs: expected wgs84, gcj02 or bd09, got ${values.crs}`);
    return 2;
  }
  const encodingWord = (values.encoding ?? 'auto').toLowerCase();
  const encoding = ({ auto: 'auto', 'utf-8': 'utf-8', utf8: 'utf-8', gb18030: 'gb18030', gbk: 'gb18030' } as const)[encodingWord as 'auto'];
  if (!encoding) {
    console.error(`--encoding: expected auto, utf-8 or gb18030, got ${values.encoding}`);
    return 2;
  }
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (error) {
    console.error(`cannot read ${file}: ${(error as Error).message}`);
    return 1;
  }
  if (size > maxBytes) {
    console.error(tooLargeMessage(maxBytes));
    return 1;
  }
  const service = new DirectoryImportService(db, maxBytes);
  try {
    const report = await service.run({ actor: null, authFailure: null, ip: null, userAgent: 'coedu-cli' }, SYSTEM_IMPORT_ACTOR, fs.readFileSync(file), {
      dryRun: Boolean(values['dry-run']),
      mode: values['valid-only'] ? 'valid_only' : 'all_or_nothing',
      crs,
      encoding,
      fileName: path.basename(file),
    });
    out(formatReport(report));
    return report.summary.invalid > 0 && !(report.committed && values['valid-only']) ? 1 : 0;
  } catch (error) {
    if (isAppError(error)) {
      console.error(`${error.id}: ${error.message}${error.issues ? `\n${error.issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}` : ''}`);
      return 1;
    }
    throw error;
  }
}

const HSDS_FILES = { organization: 'organizations', location: 'locations', service: 'services', taxonomy: 'taxonomies', taxonomy_term: 'taxonomy_terms' } as const;

export async function runExportHsds(db: Kysely<DB>, args: string[], out: (text: string) => void = console.log): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${EXPORT_USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    out(EXPORT_USAGE);
    return 0;
  }
  if (parsed.positionals[0] !== 'hsds' || parsed.positionals.length > 1 || !parsed.values.out) {
    console.error(EXPORT_USAGE);
    return 2;
  }
  const dir = path.resolve(parsed.values.out);
  fs.mkdirSync(dir, { recursive: true });
  const hsds = new HsdsService(db, new DirectoryService(db));
  const streams = new Map<string, fs.WriteStream>();
  const counts: Record<string, number> = {};
  for await (const { type, record } of hsds.exportAll()) {
    const name = HSDS_FILES[type];
    let stream = streams.get(name);
    if (!stream) {
      stream = fs.createWriteStream(path.join(dir, `${name}.ndjson`));
      streams.set(name, stream);
    }
    if (!stream.write(`${JSON.stringify(record)}\n`)) await new Promise<void>((resolve) => stream!.once('drain', () => resolve()));
    counts[name] = (counts[name] ?? 0) + 1;
  }
  await Promise.all([...streams.values()].map((s) => new Promise<void>((resolve, reject) => s.end((error?: Error | null) => (error ? reject(error) : resolve())))));
  const sheets: [string, 'csv' | 'csv-gb18030' | 'xlsx'][] = [
    ['directory.csv', 'csv'],
    ['directory-gb18030.csv', 'csv-gb18030'],
    ['directory.xlsx', 'xlsx'],
  ];
  let rows = 0;
  for (const [fileName, format] of sheets) {
    const file = await exportDirectory(db, SYSTEM_IMPORT_ACTOR, format);
    fs.writeFileSync(path.join(dir, fileName), file.body);
    rows = file.rows;
  }
  out(
    formatTable(
      ['file', 'records'],
      [...Object.values(HSDS_FILES).map((name) => [`${name}.ndjson`, String(counts[name] ?? 0)]), ...sheets.map(([name]) => [name, `${rows} rows`])],
      [30, 12],
    ),
  );
  out(`written to ${dir}`);
  return 0;
}
