import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../../errors.ts';
import { ErrorSchema, errorResponses, jsonContent, type AppOpenAPI } from '../../http/openapi.ts';
import { exportDirectory, importTemplate, type FileOut } from './directory.export.ts';
import { importActorOf, MAX_PROBLEMS, MAX_ROW_LIST, type ImportReport } from './directory.import.ts';
import { COLUMN_KEYS, parseCrs, XLSX_MEDIA_TYPE } from './import.format.ts';
import { PROBLEM_CODES } from './import.problems.ts';

const tags = ['directory import'];

/** Media types the upload accepts; the file's first bytes decide between CSV and XLSX. */
const UPLOAD_TYPES = ['text/csv', 'application/csv', 'text/plain', 'text/tab-separated-values', 'application/vnd.ms-excel', XLSX_MEDIA_TYPE, 'application/octet-stream'];

const ImportQuerySchema = z.strictObject({
  dryRun: z.enum(['true', 'false']).default('true').openapi({ description: 'true (default): validate and report only; false: import' }),
  mode: z.enum(['all_or_nothing', 'valid_only']).default('all_or_nothing').openapi({ description: 'all_or_nothing (default): nothing is written while any row has a problem; valid_only: import the valid rows, skip the others' }),
  crs: z
    .string()
    .max(20)
    .refine((value) => parseCrs(value) !== null, 'WGS-84, GCJ-02 or BD-09 (also wgs84, gcj02, bd09)')
    .optional()
    .openapi({ description: 'Coordinate system of rows whose crs cell is empty', example: 'gcj02' }),
  encoding: z.enum(['auto', 'utf-8', 'utf8', 'gb18030', 'gbk']).default('auto').openapi({ description: 'CSV text encoding; auto: a BOM decides, else valid UTF-8 is UTF-8 and anything else GB18030' }),
  fileName: z.string().trim().min(1).max(200).optional().openapi({ description: 'Original file name, kept in the audit log' }),
});

const ProblemSchema = z
  .object({
    line: z.number().nullable().openapi({ description: 'Row number as a spreadsheet program shows it (header = 1)' }),
    externalId: z.string().nullable(),
    field: z.enum(COLUMN_KEYS).nullable(),
    column: z.string().nullable().openapi({ description: 'The header as written in the file' }),
    code: z.enum(PROBLEM_CODES),
    message: z.string(),
    messageZh: z.string(),
    value: z.string().nullable(),
  })
  .openapi('ImportProblem');

const Counts = z.object({ create: z.number(), update: z.number(), unchanged: z.number() });

const ImportReportSchema = z
  .object({
    dryRun: z.boolean(),
    mode: z.enum(['all_or_nothing', 'valid_only']),
    committed: z.boolean().openapi({ description: 'Whether anything was written' }),
    file: z.object({
      format: z.enum(['csv', 'xlsx']),
      encoding: z.enum(['utf-8', 'utf-8-bom', 'gb18030', 'utf-16le', 'utf-16be']).nullable(),
      sheet: z.string().nullable(),
      columns: z.array(z.object({ key: z.enum(COLUMN_KEYS), header: z.string() })),
      ignoredColumns: z.array(z.string()),
    }),
    summary: z.object({ rows: z.number(), valid: z.number(), invalid: z.number(), create: z.number(), update: z.number(), unchanged: z.number(), written: z.number() }),
    entities: z.object({ organisations: Counts, locations: Counts, services: Counts }),
    problems: z.array(ProblemSchema).openapi({ description: `At most ${MAX_PROBLEMS}; the summary counts every row` }),
    problemsTruncated: z.boolean(),
    rows: z.array(z.object({ line: z.number(), externalId: z.string().nullable(), name: z.string().nullable(), action: z.enum(['create', 'update', 'unchanged', 'invalid']) })).openapi({ description: `At most ${MAX_ROW_LIST}` }),
    rowsTruncated: z.boolean(),
  })
  .openapi('ImportReport');

const ImportRejectedSchema = ErrorSchema.extend({ report: ImportReportSchema }).openapi('ImportRejected');

const fileResponse = (types: string[], description: string) => ({ content: Object.fromEntries(types.map((t) => [t, { schema: z.string().openapi({ format: 'binary' }) }])), description });

const routes = {
  template: createRoute({
    method: 'get',
    path: '/api/directory/import-template',
    tags,
    summary: 'The import template: CSV (UTF-8 with BOM, explanation as # comment rows) or XLSX (data, explanation and allowed-values sheets); district staff and community admins',
    request: { query: z.strictObject({ format: z.enum(['csv', 'xlsx']).default('xlsx') }) },
    responses: { 200: fileResponse(['text/csv', XLSX_MEDIA_TYPE], 'Template file'), ...errorResponses(400, 401, 403) },
  }),
  importFile: createRoute({
    method: 'post',
    path: '/api/directory/imports',
    tags,
    summary: 'Check (dry run, the default) or import a CSV/XLSX file of organisations, their places and offers; the file is the raw request body',
    description:
      'Send the file itself as the body with Content-Type text/csv (or application/csv, text/plain, application/vnd.ms-excel) or the XLSX media type (application/octet-stream also works: the first bytes decide). ' +
      'The answer is a row-by-row report. With dryRun=false and mode=all_or_nothing nothing is written while any row has a problem (422 import_rows_invalid with the report). ' +
      'File-level problems: 400 import_file_empty / import_file_unreadable / import_encoding_mismatch / import_columns_missing, 413 payload_too_large, 415 unsupported_media_type.',
    request: {
      query: ImportQuerySchema,
      body: { content: { 'text/csv': { schema: z.string() }, [XLSX_MEDIA_TYPE]: { schema: z.string().openapi({ format: 'binary' }) } }, required: true },
    },
    responses: {
      200: jsonContent(ImportReportSchema, 'Report (dry run, or import done)'),
      422: jsonContent(ImportRejectedSchema, 'Rows have problems; nothing written'),
      ...errorResponses(400, 401, 403, 413, 415),
    },
  }),
  export: createRoute({
    method: 'get',
    path: '/api/directory/export',
    tags,
    summary: 'The directory in the import columns (re-imports cleanly): CSV UTF-8 with BOM, CSV GB18030 or XLSX; district staff everything, community admins their communities',
    request: { query: z.strictObject({ format: z.enum(['csv', 'csv-gb18030', 'xlsx']).default('xlsx') }) },
    responses: { 200: fileResponse(['text/csv', XLSX_MEDIA_TYPE], 'Export file'), ...errorResponses(400, 401, 403) },
  }),
};

function sendFile(file: FileOut) {
  return new Response(file.body as BodyInit, {
    status: 200,
    headers: {
      'content-type': file.contentType,
      'content-disposition': `attachment; filename="${file.fileName.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
      'cache-control': 'no-store',
    },
  });
}

function rejected(report: ImportReport) {
  return {
    error: 'import_rows_invalid' as const,
    message: `${report.summary.invalid} of ${report.summary.rows} rows have problems; nothing was imported. Fix them, or import the valid rows only (mode=valid_only).`,
    issues: report.problems.slice(0, 100).map((p) => ({ path: `${p.line ?? ''}:${p.field ?? ''}`, message: p.message, code: p.code })),
    report,
  };
}

export function registerImportRoutes(app: AppOpenAPI) {
  app.openapi(routes.template, async (c) => {
    importActorOf(c.var.ctx);
    return sendFile(await importTemplate(c.var.services.directoryImport.db, c.req.valid('query').format)) as never;
  });

  app.openapi(routes.importFile, async (c) => {
    const importer = importActorOf(c.var.ctx);
    const query = c.req.valid('query');
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!UPLOAD_TYPES.includes(type)) {
      throw new AppError('unsupported_media_type', `Send the file itself as the request body, with Content-Type text/csv or ${XLSX_MEDIA_TYPE}${type ? ` (got ${type})` : ''}.`);
    }
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const report = await c.var.services.directoryImport.run(c.var.ctx, importer, bytes, {
      dryRun: query.dryRun === 'true',
      mode: query.mode,
      crs: query.crs ? (parseCrs(query.crs) ?? undefined) : undefined,
      encoding: query.encoding === 'utf8' ? 'utf-8' : query.encoding === 'gbk' ? 'gb18030' : query.encoding,
      fileName: query.fileName,
    });
    if (!report.dryRun && !report.committed && report.summary.invalid > 0) return c.json(rejected(report), 422);
    return c.json(report, 200);
  });

  app.openapi(routes.export, async (c) => {
    const importer = importActorOf(c.var.ctx);
    return sendFile(await exportDirectory(c.var.services.directoryImport.db, importer, c.req.valid('query').format)) as never;
  });
}
