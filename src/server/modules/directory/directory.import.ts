/**
 * Directory import: venues and other organisations, each with its main place and offers, from CSV or XLSX.
 *
 * One row = one organisation (upsert key `external_id`) + its main location (`<external_id>:location`) + at most one
 * offer (`offer_id`, default `<external_id>:offer`). Several offers of one organisation are several rows with the same
 * external id and different offer ids; their organisation columns must agree.
 *
 * The whole file is validated first (row by row, with the row number a spreadsheet shows); nothing is written when
 * a row fails unless the caller asks for the valid rows only. A real import runs in one transaction, writes only what
 * changed (same file twice → the second run changes nothing), records each created or updated entity in
 * directory_changes (change `import`) and one `directory.import` audit row with the counts.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Crs, DB, OrgKind } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import { pointInRing, toWgs84, type Ring } from '../../lib/geo.ts';
import { canManageOrganisation, COMMUNITY_ADMIN_KINDS, communitiesAdministered, isDistrictStaff, requireAdult, type Actor, type RequestContext } from '../access/actor.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Audience, OpeningHours, ServiceType } from './directory.tables.ts';
import {
  AUDIENCES,
  COLUMN_BY_KEY,
  COLUMNS,
  columnForHeader,
  decodeText,
  halfWidth,
  KINDS,
  looksLikeXls,
  looksLikeZip,
  OFFER_TYPES,
  parseBoolean,
  parseCrs,
  parseCsv,
  parseOpeningHours,
  readXlsx,
  SheetReadError,
  sortHours,
  splitList,
  unneutraliseCell,
  type ColumnKey,
  type DetectedEncoding,
  type EncodingOption,
  type SheetRecord,
} from './import.format.ts';
import { problemText, type ProblemCode } from './import.problems.ts';
import * as repo from './import.repository.ts';

export type ImportMode = 'all_or_nothing' | 'valid_only';
export type ImportFormat = 'csv' | 'xlsx';

export interface ImportOptions {
  dryRun: boolean;
  mode: ImportMode;
  /** Coordinate system of rows that do not name one. */
  crs?: Crs;
  encoding: EncodingOption;
  fileName?: string;
}

/** Who imports: a signed-in user resolved from the request, or the district system (the CLI). */
export interface ImportActor {
  userId: string | null;
  districtWide: boolean;
  communities: string[];
  actor: Actor | null;
  via: 'api' | 'cli';
}

export interface ImportProblem {
  line: number | null;
  externalId: string | null;
  field: ColumnKey | null;
  /** The header as written in the file. */
  column: string | null;
  code: ProblemCode;
  message: string;
  messageZh: string;
  value: string | null;
}

export type RowAction = 'create' | 'update' | 'unchanged' | 'invalid';

export interface ImportReport {
  dryRun: boolean;
  mode: ImportMode;
  committed: boolean;
  file: { format: ImportFormat; encoding: DetectedEncoding | null; sheet: string | null; columns: { key: ColumnKey; header: string }[]; ignoredColumns: string[] };
  summary: { rows: number; valid: number; invalid: number; create: number; update: number; unchanged: number; written: number };
  entities: Record<'organisations' | 'locations' | 'services', { create: number; update: number; unchanged: number }>;
  problems: ImportProblem[];
  problemsTruncated: boolean;
  rows: { line: number; externalId: string | null; name: string | null; action: RowAction }[];
  rowsTruncated: boolean;
}

export const MAX_PROBLEMS = 1000;
export const MAX_ROW_LIST = 5000;
export const MAX_ROWS = 100_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const POINT_TOLERANCE = 5e-7; // ≈ 5 cm: an exported and re-imported point is the same point

// ---- access ---------------------------------------------------------------------------------------------------------

/** District staff import anything; a community admin imports parent schools and venues of their communities. */
export function importActorOf(ctx: RequestContext): ImportActor {
  const actor = requireAdult(ctx);
  const districtWide = isDistrictStaff(actor);
  const communities = communitiesAdministered(actor);
  if (!districtWide && communities.length === 0) throw new AppError('forbidden', 'Only district staff and community administrators import or export the directory.');
  return { userId: actor.userId, districtWide, communities, actor, via: 'api' };
}

/** The CLI acts as the district system: full rights on the configured database. */
export const SYSTEM_IMPORT_ACTOR: ImportActor = { userId: null, districtWide: true, communities: [], actor: null, via: 'cli' };

// ---- reading the file -----------------------------------------------------------------------------------------------

export interface ParsedFile {
  format: ImportFormat;
  encoding: DetectedEncoding | null;
  sheet: string | null;
  columns: { key: ColumnKey; header: string; index: number }[];
  ignoredColumns: string[];
  records: SheetRecord[];
}

/** Bytes → header and data records; every file-level problem is an AppError with a precise id. */
export async function parseImportFile(bytes: Uint8Array, options: { encoding: EncodingOption; maxBytes: number }): Promise<ParsedFile> {
  if (bytes.byteLength === 0) throw new AppError('import_file_empty');
  if (bytes.byteLength > options.maxBytes) throw new AppError('payload_too_large', tooLargeMessage(options.maxBytes));
  if (looksLikeXls(bytes)) throw new AppError('unsupported_media_type', 'This is an old .xls workbook: save it as .xlsx (Excel Workbook) or as CSV and upload again.');
  let format: ImportFormat;
  let encoding: DetectedEncoding | null = null;
  let sheet: string | null = null;
  let records: SheetRecord[];
  if (looksLikeZip(bytes)) {
    format = 'xlsx';
    try {
      ({ sheet, records } = await readXlsx(bytes, Math.max(options.maxBytes * 20, 200 * 1024 * 1024)));
    } catch (error) {
      if (error instanceof SheetReadError && error.reason === 'too_large') throw new AppError('payload_too_large', error.message);
      if (error instanceof SheetReadError) throw new AppError('import_file_unreadable', error.message);
      throw error;
    }
  } else {
    format = 'csv';
    if (bytes.subarray(0, 8000).includes(0) && !(bytes[0] === 0xff && bytes[1] === 0xfe) && !(bytes[0] === 0xfe && bytes[1] === 0xff)) {
      throw new AppError('import_file_unreadable', 'The file is neither CSV text nor an XLSX workbook.');
    }
    const decoded = decodeText(bytes, options.encoding);
    encoding = decoded.encoding;
    const bad = decoded.text.indexOf('\uFFFD');
    if (bad >= 0) {
      const line = decoded.text.slice(0, bad).split(/\r\n|\n|\r/).length;
      throw new AppError('import_encoding_mismatch', encodingAdvice(options.encoding, encoding, line));
    }
    records = parseCsv(decoded.text);
    if (options.encoding !== 'auto') {
      // An explicit encoding that turns the header into nonsense, while the other one reads it: say so.
      const header = firstHeader(records);
      if (header && header.columns.length === 0) {
        const other = decodeText(bytes, options.encoding === 'utf-8' ? 'gb18030' : 'utf-8');
        const otherHeader = firstHeader(parseCsv(other.text));
        if (otherHeader && otherHeader.columns.length > 0) throw new AppError('import_encoding_mismatch', encodingAdvice(options.encoding, encoding, otherHeader.line));
      }
    }
  }
  const header = firstHeader(records);
  if (!header) throw new AppError('import_file_empty', 'The file has no header row and no data.');
  const missing = COLUMNS.filter((c) => c.required && !header.columns.some((h) => h.key === c.key));
  if (missing.length > 0) {
    throw new AppError('import_columns_missing', `Required column(s) missing in the header (row ${header.line}): ${missing.map((c) => `${c.zh} (${c.key})`).join(', ')}.`, {
      issues: missing.map((c) => ({ path: c.key, message: `Required column ${c.zh} / ${c.key} is missing`, code: 'required_column' })),
    });
  }
  const duplicated = header.columns.filter((c, i) => header.columns.findIndex((d) => d.key === c.key) !== i);
  if (duplicated.length > 0) {
    throw new AppError('import_columns_missing', `A column appears twice in the header: ${duplicated.map((c) => c.header).join(', ')}.`, {
      issues: duplicated.map((c) => ({ path: c.key, message: `Column ${c.header} appears more than once`, code: 'duplicate_column' })),
    });
  }
  const data = records.filter((r) => r.line > header.line && !isBlank(r) && !isComment(r));
  if (data.length > MAX_ROWS) throw new AppError('payload_too_large', `The file has ${data.length} rows; one import takes at most ${MAX_ROWS}. Split it into several files.`);
  return { format, encoding, sheet, columns: header.columns, ignoredColumns: header.ignored, records: data };
}

export function tooLargeMessage(maxBytes: number): string {
  return `The file is larger than the ${formatMegabytes(maxBytes)} an import accepts (COEDU_IMPORT_MAX_BYTES). Split it into several files. / 文件超过导入上限 ${formatMegabytes(maxBytes)}，请拆分为多个文件。`;
}

function formatMegabytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB` : `${bytes} bytes`;
}

function encodingAdvice(option: EncodingOption, used: DetectedEncoding, line: number): string {
  const suggestion = option === 'utf-8' ? 'gb18030' : option === 'gb18030' ? 'utf-8' : null;
  const tail = suggestion
    ? `Try again with encoding=${suggestion}. / 文件在第 ${line} 行附近出现乱码，请改用编码 ${suggestion} 重试。`
    : `Save it from Excel as "CSV UTF-8" or as .xlsx, or name the encoding (encoding=utf-8 or encoding=gb18030). / 文件在第 ${line} 行附近无法按 UTF-8 或 GB18030 正确识别，请在 Excel 中另存为“CSV UTF-8”或 .xlsx，或指定编码。`;
  return `The file does not read cleanly as ${used.toUpperCase()}: near row ${line} there are characters that cannot be decoded (mojibake). ${tail}`;
}

function isBlank(record: SheetRecord) {
  return record.cells.every((c) => c.trim() === '');
}

function isComment(record: SheetRecord) {
  return (record.cells[0] ?? '').trimStart().startsWith('#');
}

function firstHeader(records: SheetRecord[]) {
  const record = records.find((r) => !isBlank(r) && !isComment(r));
  if (!record) return null;
  const columns: { key: ColumnKey; header: string; index: number }[] = [];
  const ignored: string[] = [];
  record.cells.forEach((text, index) => {
    if (text.trim() === '') return;
    const key = columnForHeader(text);
    if (key) columns.push({ key, header: text.trim().replace(/^\uFEFF/, ''), index });
    else ignored.push(text.trim());
  });
  return { line: record.line, columns, ignored };
}

// ---- reference data -----------------------------------------------------------------------------------------------

interface Reference {
  divisionsByCode: Map<string, { code: string; level: string }>;
  divisionsByName: Map<string, string[]>;
  outlines: Ring[][];
  terms: Map<string, Map<string, repo.TermRef>>;
  termCodes: Map<string, string>;
}

async function loadReference(db: Kysely<DB>): Promise<Reference> {
  const [divisions, terms] = await Promise.all([repo.referenceDivisions(db), repo.referenceTerms(db)]);
  const divisionsByCode = new Map<string, { code: string; level: string }>();
  const divisionsByName = new Map<string, string[]>();
  const outlines: Ring[][] = [];
  for (const d of divisions) {
    if (d.level === 'district') {
      const geometry = d.geometry as { type: string; coordinates: unknown } | null;
      if (geometry?.type === 'Polygon') outlines.push(geometry.coordinates as Ring[]);
      if (geometry?.type === 'MultiPolygon') outlines.push(...(geometry.coordinates as Ring[][]));
      continue;
    }
    divisionsByCode.set(d.code, { code: d.code, level: d.level });
    for (const name of new Set([d.name, d.short_name])) divisionsByName.set(name, [...(divisionsByName.get(name) ?? []), d.code]);
  }
  const byTaxonomy = new Map<string, Map<string, repo.TermRef>>();
  for (const term of terms) {
    const map = byTaxonomy.get(term.taxonomy_id) ?? new Map<string, repo.TermRef>();
    for (const word of [term.code, term.name, term.name_en]) if (!map.has(word.toLowerCase())) map.set(word.toLowerCase(), term);
    byTaxonomy.set(term.taxonomy_id, map);
  }
  return { divisionsByCode, divisionsByName, outlines, terms: byTaxonomy, termCodes: new Map(terms.map((t) => [t.id, t.code])) };
}

function insideDistrict(reference: Reference, point: [number, number]): boolean {
  return reference.outlines.some(([outer, ...holes]) => outer !== undefined && pointInRing(point, outer) && !holes.some((hole) => pointInRing(point, hole)));
}

// ---- row validation -----------------------------------------------------------------------------------------------

interface OrgDraft {
  name: string;
  kind: OrgKind;
  divisionCode?: string | null;
  address?: string | null;
  point?: repo.PointValue | null;
  phone?: string | null;
  website?: string | null;
  categories?: string[];
  providerKind?: string | null;
  designations?: string[];
  hours?: OpeningHours[];
}

interface OfferDraft {
  key: string;
  name: string;
  serviceType: ServiceType;
  audience?: Audience;
  minAge?: number | null;
  maxAge?: number | null;
  isFree?: boolean;
  capacity?: number | null;
  bookingRequired?: boolean;
}

interface RowDraft {
  line: number;
  key: string | null;
  name: string | null;
  org: OrgDraft | null;
  offer: OfferDraft | null;
  problems: ImportProblem[];
}

class RowReader {
  readonly problems: ImportProblem[] = [];
  constructor(
    private readonly record: SheetRecord,
    private readonly columns: Map<ColumnKey, { header: string; index: number }>,
    readonly key: string | null,
  ) {}

  has(key: ColumnKey) {
    return this.columns.has(key);
  }

  /** The trimmed cell, or undefined when the column is absent from the file. */
  raw(key: ColumnKey): string | undefined {
    const column = this.columns.get(key);
    if (!column) return undefined;
    return unneutraliseCell(this.record.cells[column.index] ?? '').trim();
  }

  problem(field: ColumnKey, code: ProblemCode, params: Record<string, string | number> = {}) {
    const value = this.raw(field);
    this.problems.push({
      line: this.record.line,
      externalId: this.key,
      field,
      column: this.columns.get(field)?.header ?? COLUMN_BY_KEY.get(field)!.zh,
      code,
      ...problemText(code, params),
      value: value ? value.slice(0, 120) : null,
    });
  }

  text(key: ColumnKey, max: number, required = false): string | null | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (value === '') {
      if (required) this.problem(key, 'required');
      return null;
    }
    if (value.length > max) {
      this.problem(key, 'too_long', { max });
      return null;
    }
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      this.problem(key, 'bad_characters');
      return null;
    }
    return value;
  }

  number(key: ColumnKey, min: number, max: number, integer: boolean): number | null | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (value === '') return null;
    const cleaned = halfWidth(value).replace(/\s+/g, '').replace(/(°|度|周岁|岁|人|名|位)$/u, '');
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(cleaned)) {
      this.problem(key, 'not_a_number');
      return null;
    }
    const number = Number(cleaned);
    if (integer && !Number.isInteger(number)) {
      this.problem(key, 'not_an_integer');
      return null;
    }
    if (number < min || number > max) {
      this.problem(key, 'out_of_range', { min, max });
      return null;
    }
    return number;
  }

  boolean(key: ColumnKey): boolean | null | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (value === '') return null;
    const parsed = parseBoolean(value);
    if (parsed === null) this.problem(key, 'bad_boolean');
    return parsed;
  }
}

function readRow(record: SheetRecord, columns: Map<ColumnKey, { header: string; index: number }>, reference: Reference, options: ImportOptions): RowDraft {
  const keyCell = columns.has('external_id') ? unneutraliseCell(record.cells[columns.get('external_id')!.index] ?? '').trim() : '';
  const row = new RowReader(record, columns, keyCell || null);
  const key = row.text('external_id', 100, true) ?? null;
  const name = row.text('name', 200, true) ?? null;

  const kindText = row.raw('kind') ?? '';
  let kind: OrgKind | null = null;
  if (kindText === '') row.problem('kind', 'required');
  else if (!(kind = KINDS.lookup(kindText))) row.problem('kind', 'unknown_kind');

  let divisionCode: string | null | undefined;
  const community = row.raw('community');
  if (community !== undefined) {
    divisionCode = null;
    if (community !== '') {
      const code = /[（(]\s*(\d{6,12})\s*[)）]\s*$/u.exec(community)?.[1] ?? (/^\d{6,12}$/.test(halfWidth(community)) ? halfWidth(community) : null);
      if (code) {
        if (reference.divisionsByCode.has(code)) divisionCode = code;
        else row.problem('community', 'unknown_community');
      } else {
        const codes = reference.divisionsByName.get(community) ?? reference.divisionsByName.get(`${community}居民委员会`) ?? reference.divisionsByName.get(community.replace(/居民委员会$/u, ''));
        if (!codes) row.problem('community', 'unknown_community');
        else if (codes.length > 1) row.problem('community', 'ambiguous_community', { codes: codes.join(', ') });
        else divisionCode = codes[0]!;
      }
    }
  }

  const address = row.text('address', 300);
  const point = readPoint(row, reference, options);

  const phone = row.text('phone', 60);
  if (phone && !/^[0-9+\-() /、转]{5,60}$/u.test(halfWidth(phone))) row.problem('phone', 'bad_phone');
  let website = row.text('website', 500);
  if (website) {
    const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(website) ? website : `https://${website}`;
    try {
      const url = new URL(candidate);
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname.includes('.')) throw new Error('not http');
      website = candidate;
    } catch {
      row.problem('website', 'bad_url');
      website = null;
    }
  }

  const categories = termList(row, reference, 'base_categories', 'base_category', 'unknown_category');
  const designations = termList(row, reference, 'designation', 'designation', 'unknown_designation');
  let providerKind: string | null | undefined;
  const providerText = row.raw('provider_kind');
  if (providerText !== undefined) {
    providerKind = null;
    if (providerText !== '') {
      const term = reference.terms.get('provider_kind')?.get(providerText.toLowerCase());
      if (term) providerKind = term.id;
      else row.problem('provider_kind', 'unknown_provider_kind');
    }
  }

  let hours: OpeningHours[] | undefined;
  const hoursText = row.raw('opening_hours');
  if (hoursText !== undefined) {
    const parsed = parseOpeningHours(hoursText);
    if (parsed === null || parsed.length > 21) row.problem('opening_hours', 'bad_opening_hours');
    else hours = parsed;
  }

  const orgProblems = row.problems.length;
  const org: OrgDraft | null =
    name && kind && orgProblems === 0
      ? {
          name,
          kind,
          ...(divisionCode !== undefined ? { divisionCode } : {}),
          ...(address !== undefined ? { address } : {}),
          ...(point !== undefined ? { point } : {}),
          ...(phone !== undefined ? { phone } : {}),
          ...(website !== undefined ? { website } : {}),
          ...(categories !== undefined ? { categories } : {}),
          ...(providerKind !== undefined ? { providerKind } : {}),
          ...(designations !== undefined ? { designations } : {}),
          ...(hours !== undefined ? { hours } : {}),
        }
      : null;

  const offer = readOffer(row, key);
  return { line: record.line, key, name, org, offer, problems: row.problems };
}

function termList(row: RowReader, reference: Reference, column: ColumnKey, taxonomy: string, unknown: ProblemCode): string[] | undefined {
  const text = row.raw(column);
  if (text === undefined) return undefined;
  const ids: string[] = [];
  for (const item of splitList(text)) {
    const term = reference.terms.get(taxonomy)?.get(item.toLowerCase());
    if (!term) row.problem(column, unknown, { item });
    else if (!ids.includes(term.id)) ids.push(term.id);
  }
  return ids.sort();
}

function readPoint(row: RowReader, reference: Reference, options: ImportOptions): repo.PointValue | null | undefined {
  if (!row.has('lon') && !row.has('lat')) return undefined;
  const lon = row.number('lon', -180, 180, false);
  // Latitudes up to ±180 parse here so that a swapped pair is recognised as swapped, not just out of range.
  const lat = row.number('lat', -180, 180, false);
  const crsText = row.raw('crs') ?? '';
  let crs: Crs | null = options.crs ?? null;
  if (crsText !== '') {
    crs = parseCrs(crsText);
    if (!crs) {
      row.problem('crs', 'unknown_crs');
      return null;
    }
  }
  if ((row.raw('lon') ?? '') === '' && (row.raw('lat') ?? '') === '') return null;
  if (lon === undefined || lat === undefined || lon === null || lat === null) {
    if ((lon === null || lon === undefined) !== (lat === null || lat === undefined) && !row.problems.some((p) => p.field === 'lon' || p.field === 'lat')) {
      row.problem(lon === null || lon === undefined ? 'lon' : 'lat', 'coordinates_incomplete');
    }
    return null;
  }
  if (!crs) {
    row.problem('crs', 'crs_missing');
    return null;
  }
  const swappedInside = () => {
    if (reference.outlines.length === 0 || Math.abs(lon) > 90) return false;
    return insideDistrict(reference, toWgs84(lat, lon, crs));
  };
  if (Math.abs(lat) > 90) {
    if (swappedInside()) row.problem('lat', 'lat_lon_swapped');
    else row.problem('lat', 'out_of_range', { min: -90, max: 90 });
    return null;
  }
  const [x, y] = toWgs84(lon, lat, crs);
  if (reference.outlines.length > 0 && !insideDistrict(reference, [x, y])) {
    if (swappedInside()) row.problem('lat', 'lat_lon_swapped');
    else row.problem('lon', 'outside_district');
    return null;
  }
  return { lon: x, lat: y, crs };
}

const OFFER_COLUMNS: ColumnKey[] = ['offer_id', 'offer_type', 'offer_audience', 'age_min', 'age_max', 'free', 'capacity', 'booking_required'];

function readOffer(row: RowReader, key: string | null): OfferDraft | null {
  const name = row.text('offer_name', 200);
  const details = OFFER_COLUMNS.some((c) => (row.raw(c) ?? '') !== '');
  if (!name) {
    if (details) row.problem('offer_name', 'offer_without_name');
    return null;
  }
  const offerId = row.text('offer_id', 100);
  const typeText = row.raw('offer_type') ?? '';
  let serviceType: ServiceType | null = null;
  if (typeText === '') row.problem('offer_type', 'required');
  else if (!(serviceType = OFFER_TYPES.lookup(typeText))) row.problem('offer_type', 'unknown_offer_type');
  let audience: Audience | undefined;
  const audienceText = row.raw('offer_audience');
  if (audienceText !== undefined) {
    if (audienceText === '') audience = 'families';
    else {
      const parsed = AUDIENCES.lookup(audienceText);
      if (parsed) audience = parsed;
      else row.problem('offer_audience', 'unknown_audience');
    }
  }
  const minAge = row.number('age_min', 0, 120, true);
  const maxAge = row.number('age_max', 0, 120, true);
  if (typeof minAge === 'number' && typeof maxAge === 'number' && minAge > maxAge) row.problem('age_max', 'age_range');
  const free = row.boolean('free');
  const capacity = row.number('capacity', 1, 100000, true);
  const booking = row.boolean('booking_required');
  if (!serviceType || !key) return null;
  return {
    key: offerId || `${key}:offer`,
    name,
    serviceType,
    ...(audience !== undefined ? { audience } : {}),
    ...(minAge !== undefined ? { minAge } : {}),
    ...(maxAge !== undefined ? { maxAge } : {}),
    ...(free !== undefined ? { isFree: free ?? true } : {}),
    ...(capacity !== undefined ? { capacity } : {}),
    ...(booking !== undefined ? { bookingRequired: booking ?? false } : {}),
  };
}

// ---- planning ----------------------------------------------------------------------------------------------------

type EntityAction = 'create' | 'update' | 'unchanged';

interface OrgPlan {
  key: string;
  id: string;
  action: EntityAction;
  existing: repo.ExistingOrganisation | null;
  draft: OrgDraft;
  changes: Record<string, unknown>;
  terms: { categories?: string[]; providerKind?: string[]; designations?: string[] };
  location: LocationPlan;
  version: number;
}

interface LocationPlan {
  id: string;
  externalId: string;
  action: EntityAction;
  existing: repo.ExistingLocation | null;
  changes: Record<string, unknown>;
  version: number;
}

interface ServicePlan {
  id: string;
  orgKey: string;
  action: EntityAction;
  existing: repo.ExistingService | null;
  draft: OfferDraft;
  changes: Record<string, unknown>;
  link: boolean;
  version: number;
}

function samePoint(a: { lon: number | null; lat: number | null }, b: repo.PointValue | null): boolean {
  if (b === null) return a.lon === null;
  return a.lon !== null && a.lat !== null && Math.abs(a.lon - b.lon) < POINT_TOLERANCE && Math.abs(a.lat - b.lat) < POINT_TOLERANCE;
}

function orgSignature(org: OrgDraft): string {
  return JSON.stringify(org);
}

function differingFields(a: OrgDraft, b: OrgDraft): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof OrgDraft)[];
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).join(', ');
}

const sortedIds = (ids: string[]) => [...ids].sort();

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
/** Comparable form of opening hours (jsonb does not keep key order). */
const hoursKey = (hours: OpeningHours[]) => sortHours(hours).map((h) => `${h.weekday}|${h.opens}|${h.closes}`).join(';');

export class DirectoryImportService {
  constructor(
    readonly db: Kysely<DB>,
    private readonly maxBytes: number,
  ) {}

  get maxImportBytes() {
    return this.maxBytes;
  }

  /** Validates the file and, unless it is a dry run, imports it. */
  async run(ctx: RequestContext, importer: ImportActor, bytes: Uint8Array, options: ImportOptions): Promise<ImportReport> {
    const parsed = await parseImportFile(bytes, { encoding: options.encoding, maxBytes: this.maxBytes });
    if (options.dryRun) return this.plan(this.db, importer, parsed, options, false);
    return this.db.transaction().execute(async (trx) => {
      await repo.lockImports(trx);
      return this.plan(trx, importer, parsed, options, true, ctx);
    });
  }

  private async plan(db: Kysely<DB>, importer: ImportActor, parsed: ParsedFile, options: ImportOptions, write: boolean, ctx?: RequestContext): Promise<ImportReport> {
    const reference = await loadReference(db);
    const columns = new Map(parsed.columns.map((c) => [c.key, { header: c.header, index: c.index }]));
    const drafts = parsed.records.map((record) => readRow(record, columns, reference, options));

    // Duplicates and disagreeing rows inside the file.
    const firstByKey = new Map<string, RowDraft>();
    const firstByRowKey = new Map<string, number>();
    const firstByOffer = new Map<string, RowDraft>();
    const columnHeader = (key: ColumnKey) => columns.get(key)?.header ?? COLUMN_BY_KEY.get(key)!.zh;
    const addProblem = (draft: RowDraft, field: ColumnKey, code: ProblemCode, params: Record<string, string | number> = {}) => {
      draft.problems.push({ line: draft.line, externalId: draft.key, field, column: columnHeader(field), code, ...problemText(code, params), value: null });
    };
    for (const draft of drafts) {
      if (!draft.key) continue;
      const offerKey = draft.offer?.key ?? (draft.problems.some((p) => p.field?.startsWith('offer') || p.field === 'age_min' || p.field === 'age_max') ? `?${draft.line}` : '');
      const rowKey = `${draft.key}\u0000${offerKey}`;
      const first = firstByRowKey.get(rowKey);
      const withOffer = Boolean(draft.offer) && columns.has('offer_id');
      if (first !== undefined) addProblem(draft, withOffer ? 'offer_id' : 'external_id', 'duplicate_key', { first, offer: withOffer ? 1 : 0 });
      else firstByRowKey.set(rowKey, draft.line);
      if (draft.offer) {
        const other = firstByOffer.get(draft.offer.key);
        if (other && other.key !== draft.key) addProblem(draft, 'offer_id', 'duplicate_offer_id', { first: other.line });
        else if (!other) firstByOffer.set(draft.offer.key, draft);
      }
      if (draft.org) {
        const defining = firstByKey.get(draft.key);
        if (!defining) firstByKey.set(draft.key, draft);
        else if (orgSignature(defining.org!) !== orgSignature(draft.org)) addProblem(draft, 'external_id', 'conflicting_rows', { first: defining.line, fields: differingFields(defining.org!, draft.org) });
      }
    }

    // What exists already.
    const keys = [...firstByKey.keys()];
    const existingOrgs = await repo.organisationsByKeys(db, keys, keys.filter((k) => UUID.test(k)));
    const orgByKey = new Map<string, repo.ExistingOrganisation>();
    for (const org of existingOrgs) if (org.external_id && firstByKey.has(org.external_id)) orgByKey.set(org.external_id, org);
    for (const org of existingOrgs) if (firstByKey.has(org.id) && !orgByKey.has(org.id)) orgByKey.set(org.id, org);
    const existingOrgIds = [...new Set([...orgByKey.values()].map((o) => o.id))];
    const [terms, locations] = await Promise.all([
      repo.organisationTerms(db, existingOrgIds),
      repo.locationsOf(db, existingOrgIds, keys.map((k) => `${k}:location`)),
    ]);
    const offerKeys = [...firstByOffer.keys()];
    const services = await repo.servicesByKeys(db, offerKeys, offerKeys.filter((k) => UUID.test(k)));
    const links = await repo.serviceLinks(db, services.map((s) => s.id));
    // Indexes, so that planning stays linear in the number of rows.
    const termsByOrg = groupBy(terms, (t) => t.link_id);
    const locationsByOrg = groupBy(locations, (l) => l.organisation_id);
    const locationByExternalId = new Map(locations.filter((l) => l.external_id).map((l) => [l.external_id!, l]));
    const serviceByExternalId = new Map(services.filter((s) => s.external_id).map((s) => [s.external_id!, s]));
    const serviceById = new Map(services.map((s) => [s.id, s]));
    const linksByService = groupBy(links, (l) => l.service_id);
    const findService = (key: string, orgId: string | undefined) => {
      const byId = serviceById.get(key);
      return serviceByExternalId.get(key) ?? (byId && byId.organisation_id === orgId ? byId : undefined);
    };

    // Scope and ownership per row.
    for (const draft of drafts) {
      if (!draft.key || !draft.org) continue;
      const existing = orgByKey.get(draft.key);
      if (!importer.districtWide) {
        if (existing && (!importer.actor || !canManageOrganisation(importer.actor, existing))) addProblem(draft, 'external_id', 'out_of_scope', { reason: 'owner' });
        else if (!(COMMUNITY_ADMIN_KINDS as readonly string[]).includes(draft.org.kind)) addProblem(draft, 'kind', 'out_of_scope', { reason: 'kind' });
        else {
          const division = draft.org.divisionCode !== undefined ? draft.org.divisionCode : (existing?.division_code ?? null);
          if (!division || !importer.communities.includes(division)) addProblem(draft, 'community', 'out_of_scope', { reason: 'community' });
        }
      }
      const locationKey = `${draft.key}:location`;
      const taken = locationByExternalId.get(locationKey);
      if (taken && taken.organisation_id !== existing?.id) addProblem(draft, 'external_id', 'location_id_taken');
      if (draft.offer) {
        const service = findService(draft.offer.key, existing?.id);
        if (service && service.organisation_id !== existing?.id) addProblem(draft, 'offer_id', 'offer_id_taken');
      }
    }

    // A row's organisation plan comes from the first valid row of its external id.
    const valid = drafts.filter((d) => d.problems.length === 0);
    const orgPlans = new Map<string, OrgPlan>();
    for (const draft of valid) {
      if (orgPlans.has(draft.key!)) continue;
      const existing = orgByKey.get(draft.key!) ?? null;
      orgPlans.set(draft.key!, this.planOrganisation(draft.key!, draft.org!, existing, existing ? (termsByOrg.get(existing.id) ?? []) : [], existing ? (locationsByOrg.get(existing.id) ?? []) : []));
    }
    const rowActions = new Map<RowDraft, RowAction>();
    const servicePlans: ServicePlan[] = [];
    const countedOrgs = new Set<string>();
    const entities: ImportReport['entities'] = { organisations: { create: 0, update: 0, unchanged: 0 }, locations: { create: 0, update: 0, unchanged: 0 }, services: { create: 0, update: 0, unchanged: 0 } };
    for (const draft of drafts) {
      if (draft.problems.length > 0) {
        rowActions.set(draft, 'invalid');
        continue;
      }
      const org = orgPlans.get(draft.key!)!;
      const actions: EntityAction[] = [];
      if (!countedOrgs.has(org.key)) {
        countedOrgs.add(org.key);
        entities.organisations[org.action]++;
        entities.locations[org.location.action]++;
        actions.push(org.action, org.location.action);
      }
      if (draft.offer) {
        const existing = findService(draft.offer.key, org.existing?.id) ?? null;
        const plan = this.planService(draft.offer, existing, org, existing ? (linksByService.get(existing.id) ?? []) : []);
        servicePlans.push(plan);
        entities.services[plan.action]++;
        actions.push(plan.action);
      }
      rowActions.set(draft, actions.includes('create') ? 'create' : actions.includes('update') ? 'update' : 'unchanged');
    }

    const invalid = drafts.length - valid.length;
    const actionCounts = new Map<RowAction, number>();
    for (const action of rowActions.values()) actionCounts.set(action, (actionCounts.get(action) ?? 0) + 1);
    const count = (action: RowAction) => actionCounts.get(action) ?? 0;
    const problems = drafts.flatMap((d) => d.problems).sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const shouldWrite = write && (invalid === 0 || options.mode === 'valid_only') && valid.length > 0;
    let written = 0;
    if (shouldWrite) {
      written = await this.apply(db, importer, [...orgPlans.values()], servicePlans, reference);
      await recordAudit(db, ctx!, {
        action: 'directory.import',
        resourceType: 'directory',
        resourceId: null,
        actorUserId: importer.userId,
        detail: {
          via: importer.via,
          fileName: options.fileName ?? null,
          format: parsed.format,
          encoding: parsed.encoding,
          mode: options.mode,
          rows: drafts.length,
          invalid,
          create: count('create'),
          update: count('update'),
          unchanged: count('unchanged'),
          entities,
        },
      });
    }
    return {
      dryRun: options.dryRun,
      mode: options.mode,
      committed: shouldWrite,
      file: { format: parsed.format, encoding: parsed.encoding, sheet: parsed.sheet, columns: parsed.columns.map(({ key, header }) => ({ key, header })), ignoredColumns: parsed.ignoredColumns },
      summary: { rows: drafts.length, valid: valid.length, invalid, create: count('create'), update: count('update'), unchanged: count('unchanged'), written },
      entities,
      problems: problems.slice(0, MAX_PROBLEMS),
      problemsTruncated: problems.length > MAX_PROBLEMS,
      rows: drafts.slice(0, MAX_ROW_LIST).map((d) => ({ line: d.line, externalId: d.key, name: d.name, action: rowActions.get(d)! })),
      rowsTruncated: drafts.length > MAX_ROW_LIST,
    };
  }

  private planOrganisation(
    key: string,
    draft: OrgDraft,
    existing: repo.ExistingOrganisation | null,
    terms: Awaited<ReturnType<typeof repo.organisationTerms>>,
    locations: repo.ExistingLocation[],
  ): OrgPlan {
    const id = existing?.id ?? randomUUID();
    const changes: Record<string, unknown> = {};
    const termChanges: OrgPlan['terms'] = {};
    if (existing) {
      if (existing.name !== draft.name) changes.name = draft.name;
      if (existing.kind !== draft.kind) changes.kind = draft.kind;
      if (draft.divisionCode !== undefined && existing.division_code !== draft.divisionCode) changes.divisionCode = draft.divisionCode;
      if (draft.address !== undefined && existing.address !== draft.address) changes.address = draft.address;
      if (draft.point !== undefined && !samePoint(existing, draft.point)) changes.location = draft.point;
      if (draft.phone !== undefined && existing.phone !== draft.phone) changes.phone = draft.phone;
      if (draft.website !== undefined && existing.website !== draft.website) changes.website = draft.website;
      const own = (taxonomy: string) => sortedIds(terms.filter((t) => t.taxonomy_id === taxonomy).map((t) => t.id));
      if (draft.categories !== undefined && JSON.stringify(own('base_category')) !== JSON.stringify(draft.categories)) termChanges.categories = draft.categories;
      if (draft.designations !== undefined && JSON.stringify(own('designation')) !== JSON.stringify(draft.designations)) termChanges.designations = draft.designations;
      const provider = draft.providerKind === undefined ? undefined : draft.providerKind === null ? [] : [draft.providerKind];
      if (provider !== undefined && JSON.stringify(own('provider_kind')) !== JSON.stringify(provider)) termChanges.providerKind = provider;
    } else {
      termChanges.categories = draft.categories ?? [];
      termChanges.designations = draft.designations ?? [];
      termChanges.providerKind = draft.providerKind ? [draft.providerKind] : [];
    }
    const termsChanged = Object.keys(termChanges).length > 0;
    if (existing && termsChanged) Object.assign(changes, termChanges);
    const action: EntityAction = !existing ? 'create' : Object.keys(changes).length > 0 ? 'update' : 'unchanged';

    // The main location: `<key>:location`, else the organisation's oldest location.
    const own = existing ? [...locations].sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime() || a.id.localeCompare(b.id)) : [];
    const main = own.find((l) => l.external_id === `${key}:location`) ?? own.find((l) => existing?.external_id && l.external_id === `${existing.external_id}:location`) ?? own[0] ?? null;
    const locationChanges: Record<string, unknown> = {};
    if (main) {
      if (draft.divisionCode !== undefined && main.division_code !== draft.divisionCode) locationChanges.divisionCode = draft.divisionCode;
      if (draft.address !== undefined && main.address !== draft.address) locationChanges.address = draft.address;
      if (draft.point !== undefined && !samePoint(main, draft.point)) locationChanges.location = draft.point;
      if (draft.hours !== undefined && hoursKey(main.opening_hours as OpeningHours[]) !== hoursKey(draft.hours)) locationChanges.openingHours = draft.hours;
    }
    const location: LocationPlan = {
      id: main?.id ?? randomUUID(),
      externalId: main?.external_id ?? `${key}:location`,
      action: !main ? 'create' : Object.keys(locationChanges).length > 0 ? 'update' : 'unchanged',
      existing: main,
      changes: locationChanges,
      version: main ? main.version + (Object.keys(locationChanges).length > 0 ? 1 : 0) : 1,
    };
    return { key, id, action, existing, draft, changes, terms: termChanges, location, version: existing ? existing.version + (action === 'update' ? 1 : 0) : 1 };
  }

  private planService(draft: OfferDraft, existing: repo.ExistingService | null, org: OrgPlan, links: { service_id: string; location_id: string }[]): ServicePlan {
    const changes: Record<string, unknown> = {};
    let link = true;
    if (existing) {
      if (existing.name !== draft.name) changes.name = draft.name;
      if (existing.service_type !== draft.serviceType) changes.serviceType = draft.serviceType;
      if (draft.audience !== undefined && existing.audience !== draft.audience) changes.audience = draft.audience;
      if (draft.minAge !== undefined && existing.min_age !== draft.minAge) changes.minAge = draft.minAge;
      if (draft.maxAge !== undefined && existing.max_age !== draft.maxAge) changes.maxAge = draft.maxAge;
      if (draft.isFree !== undefined && existing.is_free !== draft.isFree) changes.isFree = draft.isFree;
      if (draft.capacity !== undefined && existing.capacity !== draft.capacity) changes.capacity = draft.capacity;
      if (draft.bookingRequired !== undefined && existing.booking_required !== draft.bookingRequired) changes.bookingRequired = draft.bookingRequired;
      link = !links.some((l) => l.service_id === existing.id && l.location_id === org.location.id);
      if (link) changes.locationIds = [org.location.id];
    }
    const action: EntityAction = !existing ? 'create' : Object.keys(changes).length > 0 ? 'update' : 'unchanged';
    return { id: existing?.id ?? randomUUID(), orgKey: org.key, action, existing, draft, changes, link, version: existing ? existing.version + (action === 'update' ? 1 : 0) : 1 };
  }

  /** Writes the plan (inside the caller's transaction); returns the number of entities written. */
  private async apply(db: Kysely<DB>, importer: ImportActor, orgs: OrgPlan[], services: ServicePlan[], reference: Reference): Promise<number> {
    const codeOf = (termId: string) => reference.termCodes.get(termId) ?? termId;
    const changes: repo.ChangeInsert[] = [];
    const by = importer.userId;
    // Snapshots name terms by code; opening hours belong to the location's snapshot. Version 1 of an imported entity
    // records `{ created: true }` as its changes: the snapshot is the whole state.
    const orgSnapshot = (o: OrgPlan) => {
      const { hours: _hours, categories, designations, providerKind, ...fields } = o.draft;
      return { id: o.id, externalId: o.existing?.external_id ?? o.key, ...fields, categories: categories?.map(codeOf), designations: designations?.map(codeOf), providerKind: providerKind ? codeOf(providerKind) : providerKind, version: o.version };
    };

    const newOrgs = orgs.filter((o) => o.action === 'create');
    await repo.insertOrganisations(
      db,
      newOrgs.map((o) => ({ id: o.id, externalId: o.key, name: o.draft.name, kind: o.draft.kind, divisionCode: o.draft.divisionCode ?? null, address: o.draft.address ?? null, point: o.draft.point ?? null, phone: o.draft.phone ?? null, website: o.draft.website ?? null })),
    );
    await repo.insertOrganisationTerms(
      db,
      newOrgs.flatMap((o) => [...(o.terms.categories ?? []), ...(o.terms.designations ?? []), ...(o.terms.providerKind ?? [])].map((termId) => ({ orgId: o.id, termId }))),
    );
    for (const o of newOrgs) changes.push({ entityType: 'organization', entityId: o.id, version: 1, changedBy: by, changes: { created: true }, snapshot: orgSnapshot(o) });

    for (const o of orgs.filter((p) => p.action === 'update')) {
      const c = o.changes;
      const values: Record<string, unknown> = {};
      if ('name' in c) values.name = c.name;
      if ('kind' in c) values.kind = c.kind;
      if ('divisionCode' in c) values.division_code = c.divisionCode;
      if ('address' in c) values.address = c.address;
      if ('phone' in c) values.phone = c.phone;
      if ('website' in c) values.website = c.website;
      if ('location' in c) {
        const point = c.location as repo.PointValue | null;
        Object.assign(values, { lon: point?.lon ?? null, lat: point?.lat ?? null, source_crs: point?.crs ?? null, location_illustrative: false });
      }
      await repo.updateOrganisation(db, o.id, values);
      if (o.terms.categories) await repo.replaceOrganisationTerms(db, o.id, 'base_category', o.terms.categories);
      if (o.terms.designations) await repo.replaceOrganisationTerms(db, o.id, 'designation', o.terms.designations);
      if (o.terms.providerKind) await repo.replaceOrganisationTerms(db, o.id, 'provider_kind', o.terms.providerKind);
      const readable = { ...c, ...(o.terms.categories ? { categories: o.terms.categories.map(codeOf) } : {}), ...(o.terms.designations ? { designations: o.terms.designations.map(codeOf) } : {}), ...(o.terms.providerKind ? { providerKind: o.terms.providerKind.map(codeOf) } : {}) };
      changes.push({ entityType: 'organization', entityId: o.id, version: o.version, changedBy: by, changes: readable, snapshot: orgSnapshot(o) });
    }

    const newLocations = orgs.filter((o) => o.location.action === 'create');
    await repo.insertLocations(
      db,
      newLocations.map((o) => ({ id: o.location.id, organisationId: o.id, externalId: o.location.externalId, name: o.draft.name, address: o.draft.address ?? null, divisionCode: o.draft.divisionCode ?? null, point: o.draft.point ?? null, openingHours: o.draft.hours ?? [] })),
    );
    const locationSnapshot = (o: OrgPlan) => ({
      id: o.location.id,
      organisationId: o.id,
      externalId: o.location.externalId,
      name: o.location.existing?.name ?? o.draft.name,
      address: o.draft.address ?? o.location.existing?.address ?? null,
      divisionCode: o.draft.divisionCode ?? o.location.existing?.division_code ?? null,
      location: o.draft.point ?? null,
      openingHours: o.draft.hours ?? o.location.existing?.opening_hours ?? [],
      version: o.location.version,
    });
    for (const o of newLocations) changes.push({ entityType: 'location', entityId: o.location.id, version: 1, changedBy: by, changes: { created: true }, snapshot: locationSnapshot(o) });
    for (const o of orgs.filter((p) => p.location.action === 'update')) {
      const c = o.location.changes;
      const values: Record<string, unknown> = {};
      if ('divisionCode' in c) values.division_code = c.divisionCode;
      if ('address' in c) values.address = c.address;
      if ('openingHours' in c) values.opening_hours = JSON.stringify(c.openingHours);
      if ('location' in c) {
        const point = c.location as repo.PointValue | null;
        Object.assign(values, { lon: point?.lon ?? null, lat: point?.lat ?? null, source_crs: point?.crs ?? null, location_illustrative: false });
      }
      await repo.updateLocation(db, o.location.id, values);
      changes.push({ entityType: 'location', entityId: o.location.id, version: o.location.version, changedBy: by, changes: c, snapshot: locationSnapshot(o) });
    }

    const orgByKey = new Map(orgs.map((o) => [o.key, o]));
    const newServices = services.filter((s) => s.action === 'create');
    const serviceOrg = (s: ServicePlan) => orgByKey.get(s.orgKey)!;
    await repo.insertServices(
      db,
      newServices.map((s) => ({
        id: s.id,
        organisationId: serviceOrg(s).id,
        externalId: s.draft.key,
        name: s.draft.name,
        serviceType: s.draft.serviceType,
        audience: s.draft.audience ?? 'families',
        minAge: s.draft.minAge ?? null,
        maxAge: s.draft.maxAge ?? null,
        isFree: s.draft.isFree ?? true,
        capacity: s.draft.capacity ?? null,
        bookingRequired: s.draft.bookingRequired ?? false,
      })),
    );
    const serviceSnapshot = (s: ServicePlan) => ({ id: s.id, organisationId: serviceOrg(s).id, externalId: s.existing?.external_id ?? s.draft.key, ...s.draft, version: s.version });
    for (const s of newServices) changes.push({ entityType: 'service', entityId: s.id, version: 1, changedBy: by, changes: { created: true }, snapshot: serviceSnapshot(s) });
    for (const s of services.filter((p) => p.action === 'update')) {
      const c = s.changes;
      const values: Record<string, unknown> = {};
      if ('name' in c) values.name = c.name;
      if ('serviceType' in c) values.service_type = c.serviceType;
      if ('audience' in c) values.audience = c.audience;
      if ('minAge' in c) values.min_age = c.minAge;
      if ('maxAge' in c) values.max_age = c.maxAge;
      if ('isFree' in c) values.is_free = c.isFree;
      if ('capacity' in c) values.capacity = c.capacity;
      if ('bookingRequired' in c) values.booking_required = c.bookingRequired;
      if (Object.keys(values).length > 0) await repo.updateService(db, s.id, values);
      else await repo.updateService(db, s.id, {}); // only the place link changed: still a new version
      changes.push({ entityType: 'service', entityId: s.id, version: s.version, changedBy: by, changes: c, snapshot: serviceSnapshot(s) });
    }
    await repo.insertServiceLinks(
      db,
      services.filter((s) => s.link).map((s) => ({ service_id: s.id, location_id: serviceOrg(s).location.id })),
    );
    await repo.insertChanges(db, changes);
    return changes.length;
  }
}
