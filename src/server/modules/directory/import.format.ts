/**
 * The directory spreadsheet format, shared by the import, the export and the template: columns and their header
 * names (Chinese, with English aliases), value vocabularies, the opening-hours syntax, and reading/writing CSV (UTF-8,
 * UTF-8 with BOM, GB18030, UTF-16 as Excel's "Unicode text") and XLSX. Pure functions, no database.
 */
import ExcelJS from 'exceljs';
import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import type { Crs, OrgKind } from '../../db/types.ts';
import type { Audience, OpeningHours, ServiceType } from './directory.tables.ts';

// ---- columns ------------------------------------------------------------------------------------------------------

export const COLUMN_KEYS = [
  'external_id',
  'name',
  'kind',
  'community',
  'address',
  'lon',
  'lat',
  'crs',
  'base_categories',
  'provider_kind',
  'designation',
  'phone',
  'website',
  'opening_hours',
  'offer_id',
  'offer_name',
  'offer_type',
  'offer_audience',
  'age_min',
  'age_max',
  'free',
  'capacity',
  'booking_required',
] as const;
export type ColumnKey = (typeof COLUMN_KEYS)[number];

export interface ColumnSpec {
  key: ColumnKey;
  /** The header the template and the exports use. */
  zh: string;
  /** Other accepted headers (the English key is always accepted). */
  aliases: string[];
  required: boolean;
  help: { zh: string; en: string };
}

export const COLUMNS: ColumnSpec[] = [
  { key: 'external_id', zh: '外部编号', aliases: ['编号', '机构编号', 'id', 'external id'], required: true, help: { zh: '本区给机构的唯一编号，导入按它新增或更新（同一编号再次导入即更新）。', en: 'Your unique id of the organisation; the import creates or updates by it (importing the same id again updates).' } },
  { key: 'name', zh: '名称', aliases: ['机构名称', '场馆名称', '基地名称'], required: true, help: { zh: '机构、场馆或基地的名称，最多 200 字。', en: 'Name of the organisation, venue or base; at most 200 characters.' } },
  { key: 'kind', zh: '类型', aliases: ['机构类型'], required: true, help: { zh: '学校、社区家长学校、场馆基地、指导中心（或英文代码）。', en: 'school, community_parent_school, venue or guidance_centre (or the Chinese labels).' } },
  { key: 'community', zh: '所属社区', aliases: ['社区', '社区代码', '区划代码', 'division_code', 'division code'], required: false, help: { zh: '社区名称或 12 位统计区划代码（也可填街道代码）；导出格式“名称（代码）”也可以。', en: 'Community name or its 12-digit statistical code (a subdistrict code also works); the export form "name (code)" is accepted.' } },
  { key: 'address', zh: '地址', aliases: ['详细地址'], required: false, help: { zh: '街道门牌地址，最多 300 字。', en: 'Street address; at most 300 characters.' } },
  { key: 'lon', zh: '经度', aliases: ['longitude', 'lng'], required: false, help: { zh: '十进制度，例如 106.5775；与纬度一起填写。', en: 'Decimal degrees, e.g. 106.5775; together with the latitude.' } },
  { key: 'lat', zh: '纬度', aliases: ['latitude'], required: false, help: { zh: '十进制度，例如 29.5575；与经度一起填写。', en: 'Decimal degrees, e.g. 29.5575; together with the longitude.' } },
  { key: 'crs', zh: '坐标系', aliases: ['坐标系统', 'coordinate system'], required: false, help: { zh: 'WGS-84（GPS、天地图、OpenStreetMap）、GCJ-02（高德、腾讯）、BD-09（百度）；也可用导入选项统一指定。有坐标时必须说明坐标系。', en: 'WGS-84 (GPS, Tianditu, OpenStreetMap), GCJ-02 (Amap, Tencent) or BD-09 (Baidu); or one import-wide crs option. Required whenever coordinates are given.' } },
  { key: 'base_categories', zh: '基地类别', aliases: ['类别', 'categories', 'category'], required: false, help: { zh: '教育基地类别的名称或代码，多个用“；”“;”或“、”分隔。', en: 'Base category names or codes, several separated by ；, ; or 、.' } },
  { key: 'provider_kind', zh: '主体类型', aliases: ['服务主体类型', 'provider kind'], required: false, help: { zh: '十三类服务主体之一（名称或代码）。', en: 'One of the provider kinds (name or code).' } },
  { key: 'designation', zh: '授牌类型', aliases: ['授牌', 'designations'], required: false, help: { zh: '协同育人基地、新型文化空间等，多个用分隔符分开。', en: 'Designations such as co-education base or new cultural space; several separated as above.' } },
  { key: 'phone', zh: '联系电话', aliases: ['电话', 'telephone'], required: false, help: { zh: '例如 023-63001234；多个号码用“/”分隔。', en: 'E.g. 023-63001234; several numbers separated by /.' } },
  { key: 'website', zh: '网址', aliases: ['网站', 'url'], required: false, help: { zh: 'http(s) 网址；不写协议时按 https 处理。', en: 'An http(s) address; https is assumed when missing.' } },
  { key: 'opening_hours', zh: '开放时间', aliases: ['营业时间', 'hours', 'opening hours'], required: false, help: { zh: '例如“周二至周日 09:00-17:00”；多段用“；”分隔，如“周一至周五 08:00-12:00,14:00-17:30；周六 09:00-12:00”；也可写“每天”“工作日”“周末”。', en: 'E.g. "周二至周日 09:00-17:00" or "Tue-Sun 09:00-17:00"; several parts separated by ；, several times of a day by a comma; 每天 (daily), 工作日 (Mon–Fri), 周末 (Sat–Sun).' } },
  { key: 'offer_id', zh: '服务编号', aliases: ['offer id'], required: false, help: { zh: '服务的唯一编号；不填时为“外部编号:offer”。同一机构的多个服务各占一行、编号不同。', en: 'Unique id of the offer; defaults to "<external_id>:offer". Several offers of one organisation: one row each, with different ids.' } },
  { key: 'offer_name', zh: '服务名称', aliases: ['服务', 'offer', 'offer name'], required: false, help: { zh: '一项服务（参观、课程、活动…）的名称；不填则本行不含服务。', en: 'Name of one offer (visit, course, activity …); leave empty for none.' } },
  { key: 'offer_type', zh: '服务类型', aliases: ['offer type'], required: false, help: { zh: '参观、课程、活动、咨询、托管、研学、志愿服务（或英文代码）；填写服务名称时必填。', en: 'visit, course, activity, consultation, care, study_tour or volunteering (or the Chinese labels); required with an offer name.' } },
  { key: 'offer_audience', zh: '服务对象', aliases: ['对象', 'audience'], required: false, help: { zh: '家庭、儿童或家长；不填为家庭。', en: 'families, children or guardians (家庭/儿童/家长); families when empty.' } },
  { key: 'age_min', zh: '最小年龄', aliases: ['年龄下限', 'min age'], required: false, help: { zh: '0–120 的整数。', en: 'Whole number 0–120.' } },
  { key: 'age_max', zh: '最大年龄', aliases: ['年龄上限', 'max age'], required: false, help: { zh: '0–120 的整数，不小于最小年龄。', en: 'Whole number 0–120, not below the minimum age.' } },
  { key: 'free', zh: '是否免费', aliases: ['免费'], required: false, help: { zh: '是/否；不填为“是”。', en: 'yes/no (是/否); yes when empty.' } },
  { key: 'capacity', zh: '容量', aliases: ['名额', '人数上限'], required: false, help: { zh: '每场名额，1–100000 的整数。', en: 'Places per session, whole number 1–100000.' } },
  { key: 'booking_required', zh: '是否需预约', aliases: ['需预约', '预约', 'booking'], required: false, help: { zh: '是/否；不填为“否”。', en: 'yes/no (是/否); no when empty.' } },
];

export const COLUMN_BY_KEY = new Map(COLUMNS.map((c) => [c.key, c]));

/** Header text → a comparable form: no BOM, no "required" marks or parenthesised notes, lower case, `_` for spaces. */
export function normaliseHeader(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/[（(][^）)]*[）)]\s*$/u, '')
    .replace(/[*＊]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

const HEADER_LOOKUP = new Map<string, ColumnKey>();
for (const column of COLUMNS) {
  for (const name of [column.key, column.zh, ...column.aliases]) HEADER_LOOKUP.set(normaliseHeader(name), column.key);
}

export function columnForHeader(text: string): ColumnKey | null {
  return HEADER_LOOKUP.get(normaliseHeader(text)) ?? null;
}

// ---- vocabularies -------------------------------------------------------------------------------------------------

function vocabulary<T extends string>(entries: Record<T, string[]>): { lookup: (text: string) => T | null; labels: Record<T, string> } {
  const map = new Map<string, T>();
  const labels = {} as Record<T, string>;
  for (const [code, words] of Object.entries(entries) as [T, string[]][]) {
    labels[code] = words[0]!;
    for (const word of [code, ...words]) map.set(word.toLowerCase().replace(/[\s-]+/g, '_'), code);
  }
  return { lookup: (text) => map.get(text.trim().toLowerCase().replace(/[\s-]+/g, '_')) ?? null, labels };
}

export const KINDS = vocabulary<OrgKind>({
  school: ['学校', '中小学', '校园家长学校'],
  community_parent_school: ['社区家长学校', '社区'],
  venue: ['场馆基地', '场馆', '基地', '教育基地', '文化空间', '实践基地'],
  guidance_centre: ['指导中心', '家庭教育指导中心', '智慧家长成长指导中心', 'guidance_center'],
});

export const OFFER_TYPES = vocabulary<ServiceType>({
  visit: ['参观'],
  course: ['课程', '课堂'],
  activity: ['活动'],
  consultation: ['咨询'],
  care: ['托管'],
  study_tour: ['研学', '研学旅行'],
  volunteering: ['志愿服务', '志愿'],
});

export const AUDIENCES = vocabulary<Audience>({ families: ['家庭', '亲子'], children: ['儿童', '孩子', '学生'], guardians: ['家长'] });

const CRS_WORDS: Record<string, Crs> = {
  wgs84: 'WGS-84',
  gps: 'WGS-84',
  天地图: 'WGS-84',
  gcj02: 'GCJ-02',
  火星坐标: 'GCJ-02',
  高德: 'GCJ-02',
  腾讯: 'GCJ-02',
  bd09: 'BD-09',
  百度: 'BD-09',
};

/** `WGS-84`, `wgs84`, `GCJ-02`, `gcj02`, `BD-09`, `bd09` (any case, with or without the dash) and a few Chinese names. */
export function parseCrs(text: string): Crs | null {
  return CRS_WORDS[text.trim().toLowerCase().replace(/[\s_-]+/g, '')] ?? null;
}

const TRUE_WORDS = new Set(['是', '有', '需要', '需', '需预约', '免费', 'y', 'yes', 'true', '1', '√', '✓']);
const FALSE_WORDS = new Set(['否', '无', '不需要', '不需', '无需', '无需预约', '收费', 'n', 'no', 'false', '0', '×', '✗']);

export function parseBoolean(text: string): boolean | null {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return null;
}

/** Splits a multi-valued cell: ；;、,，｜| or line breaks. */
export function splitList(text: string): string[] {
  return text
    .split(/[；;、,，｜|\n]/u)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Full-width ASCII (ＡＢＣ１２３．) to half-width, for numbers typed with a Chinese input method. */
export function halfWidth(text: string): string {
  return text.replace(/[\uFF01-\uFF5E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

// ---- opening hours ------------------------------------------------------------------------------------------------

const DAY_WORDS: Record<string, number> = {
  一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7, 七: 7,
  mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7,
  monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6, sunday: 7,
  mo: 1, tu: 2, we: 3, th: 4, fr: 5, sa: 6, su: 7,
};
const DAY_NAMES_ZH = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];

function parseDay(token: string): number | null {
  const t = token.trim().toLowerCase().replace(/^(周|星期|礼拜)/u, '').replace(/\.$/, '');
  return DAY_WORDS[t] ?? null;
}

function parseDays(text: string): number[] | null {
  const t = text.trim().toLowerCase();
  if (['每天', '每日', '全周', '全年', 'daily', 'every day', '周一至周日'].includes(t)) return [1, 2, 3, 4, 5, 6, 7];
  if (['工作日', 'weekdays'].includes(t)) return [1, 2, 3, 4, 5];
  if (['周末', '双休日', 'weekends', 'weekend'].includes(t)) return [6, 7];
  const days = new Set<number>();
  for (const part of t.split(/[、,，/]/u)) {
    if (!part.trim()) continue;
    const range = part.split(/\s*(?:至|到|~|～|–|—|-)\s*/u);
    if (range.length === 1) {
      const day = parseDay(range[0]!);
      if (!day) return null;
      days.add(day);
    } else if (range.length === 2) {
      const from = parseDay(range[0]!);
      const to = parseDay(range[1]!);
      if (!from || !to) return null;
      for (let d = from, i = 0; i < 7; i++, d = (d % 7) + 1) {
        days.add(d);
        if (d === to) break;
      }
    } else return null;
  }
  return days.size > 0 ? [...days].sort((a, b) => a - b) : null;
}

function parseTime(text: string): string | null {
  const match = /^(\d{1,2})[:：](\d{2})$/u.exec(text.trim());
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 24 || minutes > 59 || (hours === 24 && minutes > 0)) return null;
  return `${String(hours === 24 ? 23 : hours).padStart(2, '0')}:${hours === 24 ? '59' : String(minutes).padStart(2, '0')}`;
}

/**
 * Parses the opening-hours syntax: parts separated by ；/; or line breaks, each `<days> <time-time>[,<time-time>…]`.
 * Days: 周一…周日 (星期一, 礼拜一), ranges 周二至周日 / 周二-周日 (wrapping 周五至周一 works), lists 周一、周三, 每天,
 * 工作日, 周末, or English Mon–Sun. Returns null when the text does not follow the syntax.
 */
export function parseOpeningHours(input: string): OpeningHours[] | null {
  const text = halfWidth(input).trim();
  if (text === '') return [];
  const hours: OpeningHours[] = [];
  for (const part of text.split(/[；;\n]/u)) {
    if (!part.trim()) continue;
    const match = /^(.*?)\s*((?:\d{1,2}[:：]\d{2}\s*(?:-|–|—|~|～|至|到)\s*\d{1,2}[:：]\d{2}\s*[,，、\s]*)+)$/u.exec(part.trim());
    if (!match) return null;
    const days = match[1]!.trim() === '' ? [1, 2, 3, 4, 5, 6, 7] : parseDays(match[1]!);
    if (!days) return null;
    const ranges = match[2]!.split(/[,，、]|\s+(?=\d{1,2}[:：]\d{2}\s*(?:-|–|—|~|～|至|到))/u).filter((r) => r.trim());
    for (const range of ranges) {
      const [from, to, ...rest] = range.split(/\s*(?:-|–|—|~|～|至|到)\s*/u);
      if (rest.length > 0 || !from || !to) return null;
      const opens = parseTime(from);
      const closes = parseTime(to);
      if (!opens || !closes || opens >= closes) return null;
      for (const weekday of days) hours.push({ weekday, opens, closes });
    }
  }
  return sortHours(hours);
}

export function sortHours(hours: OpeningHours[]): OpeningHours[] {
  const seen = new Set<string>();
  return [...hours]
    .sort((a, b) => a.weekday - b.weekday || a.opens.localeCompare(b.opens) || a.closes.localeCompare(b.closes))
    .filter((h) => {
      const key = `${h.weekday}|${h.opens}|${h.closes}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** The canonical text of opening hours (what exports write): `周二至周日 09:00-17:00；周一 09:00-12:00`. */
export function formatOpeningHours(hours: OpeningHours[]): string {
  const byDay = new Map<number, string>();
  for (const h of sortHours(hours)) byDay.set(h.weekday, [byDay.get(h.weekday), `${h.opens}-${h.closes}`].filter(Boolean).join(','));
  const groups = new Map<string, number[]>();
  for (const [day, times] of byDay) groups.set(times, [...(groups.get(times) ?? []), day]);
  const parts: string[] = [];
  for (const [times, days] of groups) {
    const runs: number[][] = [];
    for (const day of days) {
      const last = runs.at(-1);
      if (last && last.at(-1) === day - 1) last.push(day);
      else runs.push([day]);
    }
    const daysText = runs.map((run) => (run.length >= 3 ? `${DAY_NAMES_ZH[run[0]!]}至${DAY_NAMES_ZH[run.at(-1)!]}` : run.map((d) => DAY_NAMES_ZH[d]).join('、'))).join('、');
    parts.push(`${daysText} ${times}`);
  }
  return parts.join('；');
}

// ---- formula injection ----------------------------------------------------------------------------------------------

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Spreadsheet formula injection (CSV injection): a text cell that starts with = + - @ tab or CR gets a leading
 * apostrophe, so Excel and LibreOffice show it as text instead of running it. Plain numbers are left alone.
 */
export function neutraliseCell(value: string): string {
  if (FORMULA_START.test(value) && !/^-?\d+(\.\d+)?$/.test(value)) return `'${value}`;
  return value;
}

/** The import undoes exactly what neutraliseCell added. */
export function unneutraliseCell(value: string): string {
  return /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}

// ---- decoding -------------------------------------------------------------------------------------------------------

export type EncodingOption = 'auto' | 'utf-8' | 'gb18030';
export type DetectedEncoding = 'utf-8' | 'utf-8-bom' | 'gb18030' | 'utf-16le' | 'utf-16be';

export interface Decoded {
  text: string;
  encoding: DetectedEncoding;
}

/** Bytes → text. Auto: a BOM decides; else valid UTF-8 is UTF-8; anything else is read as GB18030 (Excel in China). */
export function decodeText(bytes: Uint8Array, option: EncodingOption): Decoded {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hasUtf8Bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (option === 'utf-8') return { text: new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes), encoding: hasUtf8Bom ? 'utf-8-bom' : 'utf-8' };
  if (option === 'gb18030') return { text: iconv.decode(buffer, 'gb18030'), encoding: 'gb18030' };
  if (hasUtf8Bom) return { text: new TextDecoder('utf-8').decode(bytes), encoding: 'utf-8-bom' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes), encoding: 'utf-16be' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(buffer, 'gb18030'), encoding: 'gb18030' };
  }
}

export function encodeGb18030(text: string): Buffer {
  return iconv.encode(text, 'gb18030');
}

// ---- CSV ------------------------------------------------------------------------------------------------------------

export interface SheetRecord {
  /** The row number a spreadsheet program shows (the header is row 1 when it is the first row). */
  line: number;
  cells: string[];
}

/** RFC 4180 CSV (quotes, doubled quotes, line breaks inside quotes, CRLF or LF); the delimiter is , tab or ;. */
export function parseCsv(text: string): SheetRecord[] {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const counts = [',', '\t', ';'].map((d) => [d, firstLine.split(d).length] as const);
  const delimiter = counts.reduce((best, next) => (next[1] > best[1] ? next : best))[0];
  const records: SheetRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let inQuotes = false;
  let line = 1;
  let i = 0;
  const end = () => {
    cells.push(cell);
    records.push({ line, cells });
    cells = [];
    cell = '';
    line++;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i++;
        continue;
      }
      cell += ch;
      i++;
      continue;
    }
    if (ch === '"' && cell === '') {
      inQuotes = true;
      i++;
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      end();
      i += 2;
    } else if (ch === '\n' || ch === '\r') {
      end();
      i++;
    } else {
      cell += ch;
      i++;
    }
  }
  if (cell !== '' || cells.length > 0) end();
  return records;
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** CSV text with CRLF line ends (what Excel writes); every cell passes through neutraliseCell. */
export function toCsv(rows: string[][]): string {
  return rows.map((row) => row.map((value) => csvCell(neutraliseCell(value))).join(',')).join('\r\n') + '\r\n';
}

// ---- XLSX -----------------------------------------------------------------------------------------------------------

export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** The old binary Excel format (.xls, OLE2), which we do not read. */
export function looksLikeXls(bytes: Uint8Array): boolean {
  return bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0;
}

export class SheetReadError extends Error {
  constructor(
    readonly reason: 'not_xlsx' | 'too_large' | 'no_sheet',
    message: string,
  ) {
    super(message);
  }
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15)));
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) {
    // Excel stores a time typed alone ("09:00") as a date on 1899-12-30.
    if (value.getUTCFullYear() <= 1900) return `${String(value.getUTCHours()).padStart(2, '0')}:${String(value.getUTCMinutes()).padStart(2, '0')}`;
    return value.toISOString().slice(0, 10);
  }
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('formula' in value || 'sharedFormula' in value) return cellText((value as { result?: ExcelJS.CellValue }).result ?? null);
  if ('hyperlink' in value) return String((value as { text?: unknown }).text ?? value.hyperlink);
  if ('error' in value) return String(value.error);
  return String(value);
}

/**
 * Reads the first worksheet of an XLSX file into records (formulas are never evaluated: their cached result is used).
 * Refuses archives that would unpack to more than `maxUnpackedBytes` before handing them to the XLSX reader.
 */
export async function readXlsx(bytes: Uint8Array, maxUnpackedBytes: number): Promise<{ sheet: string; records: SheetRecord[] }> {
  let unpacked = 0;
  try {
    unzipSync(bytes, {
      filter: (file) => {
        unpacked += file.originalSize;
        return false; // look at the directory only
      },
    });
  } catch (error) {
    throw new SheetReadError('not_xlsx', `The file is not a readable XLSX workbook (${(error as Error).message}).`);
  }
  if (unpacked > maxUnpackedBytes) throw new SheetReadError('too_large', `The workbook unpacks to ${unpacked} bytes, more than the ${maxUnpackedBytes} allowed.`);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
  } catch (error) {
    throw new SheetReadError('not_xlsx', `The file is not a readable XLSX workbook (${(error as Error).message}).`);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new SheetReadError('no_sheet', 'The workbook has no worksheet.');
  const records: SheetRecord[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, column) => {
      cells[column - 1] = cellText(cell.value);
    });
    records.push({ line: rowNumber, cells: Array.from(cells, (c) => c ?? '') });
  });
  return { sheet: sheet.name, records };
}

export interface XlsxSheet {
  name: string;
  rows: (string | number)[][];
  /** Column widths in characters. */
  widths?: number[];
  /** 1-based columns stored as text (codes, phone numbers), so Excel keeps leading zeros and long digits. */
  textColumns?: number[];
  boldHeader?: boolean;
}

/** Writes a workbook; string cells pass through neutraliseCell like the CSV. */
export async function writeXlsx(sheets: XlsxSheet[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'CoEdu Circle';
  for (const spec of sheets) {
    const sheet = workbook.addWorksheet(spec.name);
    for (const column of spec.textColumns ?? []) sheet.getColumn(column).numFmt = '@';
    for (const row of spec.rows) sheet.addRow(row.map((value) => (typeof value === 'string' ? neutraliseCell(value) : value)));
    spec.widths?.forEach((width, i) => {
      sheet.getColumn(i + 1).width = width;
    });
    if (spec.boldHeader !== false && spec.rows.length > 0) {
      sheet.getRow(1).font = { bold: true };
      sheet.views = [{ state: 'frozen', ySplit: 1 }];
    }
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
