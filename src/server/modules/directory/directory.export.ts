/**
 * Directory export and the import template, in the import's own columns so that an export re-imports cleanly:
 * CSV UTF-8 with BOM (Excel opens it right), CSV GB18030 (older Excel in China) and XLSX. Every text cell is
 * neutralised against formula injection; coordinates are written in WGS-84 (what we store).
 */
import type { Kysely } from 'kysely';
import type { DB, OrgKind } from '../../db/types.ts';
import { COMMUNITY_ADMIN_KINDS } from '../access/actor.ts';
import type { ImportActor } from './directory.import.ts';
import type { OpeningHours } from './directory.tables.ts';
import { AUDIENCES, COLUMNS, encodeGb18030, formatOpeningHours, KINDS, OFFER_TYPES, toCsv, writeXlsx, type ColumnKey, type XlsxSheet } from './import.format.ts';
import * as repo from './import.repository.ts';

export type ExportFormat = 'csv' | 'csv-gb18030' | 'xlsx';

export interface FileOut {
  body: Uint8Array;
  contentType: string;
  fileName: string;
}

const CSV_TYPE = 'text/csv; charset=utf-8';
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const HEADERS = COLUMNS.map((c) => c.zh);
const UTF8_BOM = '\uFEFF';

function round7(value: number) {
  return String(Math.round(value * 1e7) / 1e7);
}

function divisionLabel(code: string | null, names: Map<string, string>) {
  if (!code) return '';
  const name = names.get(code);
  return name ? `${name}（${code}）` : code;
}

/** The directory as rows of the import columns: one row per offer, or one row for an organisation without offers. */
export async function directoryRows(db: Kysely<DB>, importer: ImportActor): Promise<Record<ColumnKey, string>[]> {
  const scope = importer.districtWide ? { communities: null, kinds: null } : { communities: importer.communities, kinds: [...COMMUNITY_ADMIN_KINDS] as OrgKind[] };
  const [data, divisions, terms] = await Promise.all([repo.exportData(db, scope), repo.referenceDivisions(db), repo.referenceTerms(db)]);
  const names = new Map(divisions.map((d) => [d.code, d.short_name]));
  const termById = new Map(terms.map((t) => [t.id, t]));
  const termsByOrg = new Map<string, typeof data.terms>();
  for (const t of data.terms) {
    const list = termsByOrg.get(t.link_id);
    if (list) list.push(t);
    else termsByOrg.set(t.link_id, [t]);
  }
  const termsOf = (orgId: string, taxonomy: string) =>
    (termsByOrg.get(orgId) ?? [])
      .filter((t) => t.taxonomy_id === taxonomy)
      .map((t) => termById.get(t.id)!)
      .sort((a, b) => a.sort_order - b.sort_order)
      .map((t) => t.name)
      .join('；');
  const locationsByOrg = new Map<string, repo.ExistingLocation[]>();
  for (const l of data.locations) {
    const list = locationsByOrg.get(l.organisation_id);
    if (list) list.push(l);
    else locationsByOrg.set(l.organisation_id, [l]);
  }
  const servicesByOrg = new Map<string, (typeof data.services)[number][]>();
  for (const s of data.services) {
    const list = servicesByOrg.get(s.organisation_id);
    if (list) list.push(s);
    else servicesByOrg.set(s.organisation_id, [s]);
  }

  const rows: Record<ColumnKey, string>[] = [];
  for (const org of data.organisations) {
    const key = org.external_id ?? org.id;
    const own = (locationsByOrg.get(org.id) ?? []).sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime() || a.id.localeCompare(b.id));
    const main = own.find((l) => l.external_id === `${key}:location`) ?? own[0] ?? null;
    const point = org.lon !== null && org.lat !== null ? { lon: org.lon, lat: org.lat } : main && main.lon !== null && main.lat !== null ? { lon: main.lon, lat: main.lat } : null;
    const base: Record<ColumnKey, string> = {
      external_id: key,
      name: org.name,
      kind: KINDS.labels[org.kind],
      community: divisionLabel(org.division_code ?? main?.division_code ?? null, names),
      address: org.address ?? main?.address ?? '',
      lon: point ? round7(point.lon) : '',
      lat: point ? round7(point.lat) : '',
      crs: point ? 'WGS-84' : '',
      base_categories: termsOf(org.id, 'base_category'),
      provider_kind: termsOf(org.id, 'provider_kind'),
      designation: termsOf(org.id, 'designation'),
      phone: org.phone ?? '',
      website: org.website ?? '',
      opening_hours: main ? formatOpeningHours(main.opening_hours as OpeningHours[]) : '',
      offer_id: '',
      offer_name: '',
      offer_type: '',
      offer_audience: '',
      age_min: '',
      age_max: '',
      free: '',
      capacity: '',
      booking_required: '',
    };
    const services = servicesByOrg.get(org.id) ?? [];
    if (services.length === 0) rows.push(base);
    for (const s of services) {
      rows.push({
        ...base,
        offer_id: s.external_id ?? s.id,
        offer_name: s.name,
        offer_type: OFFER_TYPES.labels[s.service_type],
        offer_audience: AUDIENCES.labels[s.audience],
        age_min: s.min_age === null ? '' : String(s.min_age),
        age_max: s.max_age === null ? '' : String(s.max_age),
        free: s.is_free ? '是' : '否',
        capacity: s.capacity === null ? '' : String(s.capacity),
        booking_required: s.booking_required ? '是' : '否',
      });
    }
  }
  return rows;
}

const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, '');
const TEXT_COLUMNS = ['external_id', 'community', 'phone', 'offer_id'].map((key) => COLUMNS.findIndex((c) => c.key === key) + 1);
const WIDTHS = COLUMNS.map((c) => (['name', 'address', 'opening_hours', 'offer_name', 'base_categories'].includes(c.key) ? 28 : c.key === 'community' ? 24 : 12));

export async function exportDirectory(db: Kysely<DB>, importer: ImportActor, format: ExportFormat): Promise<FileOut & { rows: number }> {
  const rows = await directoryRows(db, importer);
  const table = [HEADERS, ...rows.map((row) => COLUMNS.map((c) => row[c.key]))];
  const fileName = `directory-${today()}`;
  if (format === 'xlsx') {
    const numeric = (key: ColumnKey, value: string) => (value !== '' && ['lon', 'lat', 'age_min', 'age_max', 'capacity'].includes(key) ? Number(value) : value);
    const sheet: XlsxSheet = { name: '机构与服务', rows: [HEADERS, ...rows.map((row) => COLUMNS.map((c) => numeric(c.key, row[c.key])))], widths: WIDTHS, textColumns: TEXT_COLUMNS };
    return { body: await writeXlsx([sheet]), contentType: XLSX_TYPE, fileName: `${fileName}.xlsx`, rows: rows.length };
  }
  const text = toCsv(table);
  if (format === 'csv-gb18030') return { body: encodeGb18030(text), contentType: 'text/csv; charset=gb18030', fileName: `${fileName}-gb18030.csv`, rows: rows.length };
  return { body: Buffer.from(UTF8_BOM + text, 'utf8'), contentType: CSV_TYPE, fileName: `${fileName}.csv`, rows: rows.length };
}

// ---- template -----------------------------------------------------------------------------------------------------

async function templateData(db: Kysely<DB>) {
  const [divisions, terms] = await Promise.all([repo.referenceDivisions(db), repo.referenceTerms(db)]);
  const communities = divisions.filter((d) => d.level === 'community' || d.level === 'workstation');
  const example = communities[0];
  const point = (example?.geometry as { type?: string; coordinates?: [number, number] } | null)?.type === 'Point' ? (example!.geometry as { coordinates: [number, number] }).coordinates : null;
  const first = (taxonomy: string) => terms.find((t) => t.taxonomy_id === taxonomy)?.name ?? '';
  const exampleRow: Record<ColumnKey, string> = {
    external_id: 'VENUE-0001',
    name: '示例科学探索馆（请替换或删除本行）',
    kind: '场馆基地',
    community: example ? `${example.short_name}（${example.code}）` : '',
    address: '示例路 1 号',
    lon: point ? round7(point[0]) : '',
    lat: point ? round7(point[1]) : '',
    crs: point ? 'WGS-84' : '',
    base_categories: [first('base_category'), terms.filter((t) => t.taxonomy_id === 'base_category')[4]?.name].filter(Boolean).join('；'),
    provider_kind: first('provider_kind') ? (terms.find((t) => t.taxonomy_id === 'provider_kind' && t.code === 'science')?.name ?? first('provider_kind')) : '',
    designation: first('designation'),
    phone: '023-63000000',
    website: 'https://example.org',
    opening_hours: '周二至周日 09:00-17:00',
    offer_id: 'VENUE-0001:offer',
    offer_name: '周末亲子科学实验',
    offer_type: '活动',
    offer_audience: '家庭',
    age_min: '6',
    age_max: '12',
    free: '是',
    capacity: '30',
    booking_required: '是',
  };
  const allowed: [string, string, string][] = [
    ...(['school', 'community_parent_school', 'venue', 'guidance_centre'] as const).map((k) => ['类型 kind', KINDS.labels[k], k] as [string, string, string]),
    ...terms.filter((t) => t.taxonomy_id === 'base_category').map((t) => ['基地类别 base_categories', t.name, t.code] as [string, string, string]),
    ...terms.filter((t) => t.taxonomy_id === 'provider_kind').map((t) => ['主体类型 provider_kind', t.name, t.code] as [string, string, string]),
    ...terms.filter((t) => t.taxonomy_id === 'designation').map((t) => ['授牌类型 designation', t.name, t.code] as [string, string, string]),
    ...(['visit', 'course', 'activity', 'consultation', 'care', 'study_tour', 'volunteering'] as const).map((k) => ['服务类型 offer_type', OFFER_TYPES.labels[k], k] as [string, string, string]),
    ...(['families', 'children', 'guardians'] as const).map((k) => ['服务对象 offer_audience', AUDIENCES.labels[k], k] as [string, string, string]),
    ['坐标系 crs', 'WGS-84', 'wgs84'],
    ['坐标系 crs', 'GCJ-02', 'gcj02'],
    ['坐标系 crs', 'BD-09', 'bd09'],
    ['是/否 yes/no', '是', 'yes'],
    ['是/否 yes/no', '否', 'no'],
    ...communities.map((d) => ['所属社区 community', d.short_name, d.code] as [string, string, string]),
  ];
  return { exampleRow, allowed };
}

const NOTES = [
  '第一行是表头（中文表头或英文列名均可），从第二行起每行一个机构及其一项服务；以 # 开头的行和空行会被忽略。',
  'Row 1 is the header (Chinese headers or the English column names); from row 2 on, one organisation and one of its offers per row; rows starting with # and empty rows are ignored.',
  '同一机构有多项服务时，每项服务一行，外部编号相同、服务编号不同，机构各列须一致。',
  'An organisation with several offers: one row per offer, same external id, different offer ids, identical organisation columns.',
  '先“检查”（试导入）再正式导入；有任何一行出错时默认不写入任何数据，也可选择只导入正确的行。',
  'Check (dry run) first, then import; by default nothing is written while any row has a problem, or choose to import the valid rows only.',
];

export async function importTemplate(db: Kysely<DB>, format: 'csv' | 'xlsx'): Promise<FileOut> {
  const { exampleRow, allowed } = await templateData(db);
  const example = COLUMNS.map((c) => exampleRow[c.key]);
  const help = COLUMNS.map((c) => [c.zh, c.key, c.required ? '必填 required' : '选填 optional', c.help.zh, c.help.en]);
  if (format === 'xlsx') {
    const sheets: XlsxSheet[] = [
      { name: '机构与服务', rows: [HEADERS, example], widths: WIDTHS, textColumns: TEXT_COLUMNS },
      { name: '填写说明', rows: [['列名', 'English column', '是否必填', '说明', 'Description'], ...help, [], ...NOTES.map((n) => [n])], widths: [14, 18, 14, 60, 60] },
      { name: '可选值', rows: [['列 column', '填写 value', '代码 code'], ...allowed], widths: [26, 30, 22], textColumns: [3] },
    ];
    return { body: await writeXlsx(sheets), contentType: XLSX_TYPE, fileName: 'directory-import-template.xlsx' };
  }
  // CSV has one sheet: the explanation follows as comment rows (starting with #), which the import skips.
  const comment = (cells: string[]) => [`# ${cells[0] ?? ''}`, ...cells.slice(1)];
  const table = [
    HEADERS,
    example,
    [],
    comment(['填写说明 / How to fill in']),
    ...NOTES.map((n) => comment([n])),
    comment(['列名', 'English column', '是否必填', '说明', 'Description']),
    ...help.map(comment),
    comment(['可选值 / Allowed values', '填写 value', '代码 code']),
    ...allowed.map(comment),
  ];
  return { body: Buffer.from(UTF8_BOM + toCsv(table), 'utf8'), contentType: CSV_TYPE, fileName: 'directory-import-template.csv' };
}
