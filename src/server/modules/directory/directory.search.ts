/**
 * Directory search: Chinese full-text search over services with pinyin tolerance, filters, "within N walking
 * minutes", ranking, paging and highlights.
 *
 * Text analysis happens here, in JavaScript (jieba word segmentation, pinyin-pro); PostgreSQL only stores the
 * resulting lexemes (`service_search.search_tokens`) and matches them through two tsvectors built with the built-in
 * `simple` configuration — identical on PGlite and PostgreSQL, no extension. The rules (what is tolerated and what
 * is not) are written next to the code that applies them; numbers are in docs/BENCHMARKS.md#directory-search.
 */
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';
import { pinyin } from 'pinyin-pro';
import { haversineM, reach, secondsToSnap, trySnap, type Snap } from '@coedu/reach';
import { sql, type ColumnType, type ExpressionBuilder, type Kysely, type RawBuilder } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Crs, DB, OrgKind } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import { toWgs84 } from '../../lib/geo.ts';
import { requireAdult, type RequestContext } from '../access/actor.ts';
import { findHome } from '../families/families.repository.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { ReachEngine } from '../reach/reach.engine.ts';
import * as repo from './directory.repository.ts';
import type { ServiceAggregate } from './directory.service.ts';
import type { OpeningHours, ServiceSchedule, ServiceType } from './directory.tables.ts';

// =================================================================================================================
// Text analysis
// =================================================================================================================

let jiebaInstance: Jieba | null = null;

/** The segmenter, loaded once per process (≈ 0.1 s for the bundled dictionary). */
function jieba(): Jieba {
  jiebaInstance ??= Jieba.withDict(dict);
  return jiebaInstance;
}

/** NFKC (full-width letters and digits become ASCII, ① becomes 1) and lower case. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

const HAN = /\p{Script=Han}/u;
/** Runs of Han characters, of ASCII letters/digits, or of other letters: the only characters a lexeme may hold. */
const RUNS = /\p{Script=Han}+|[a-z0-9]+|[^\P{L}\p{Script=Han}a-z]+/gu;

function runsOf(word: string): string[] {
  return word.match(RUNS) ?? [];
}

const isHan = (token: string) => HAN.test(token);
const isAscii = (token: string) => /^[a-z0-9]+$/.test(token);

/**
 * Index-side segmentation: jieba's search mode without HMM (every dictionary word and the dictionary words inside
 * longer ones; unknown words fall apart into single characters, the same way wherever they occur), then split into
 * runs of Han / ASCII letters and digits / other letters. Punctuation and symbols are dropped.
 */
export function indexTokens(text: string | null | undefined): string[] {
  if (!text) return [];
  return jieba().cutForSearch(normalizeText(text), false).flatMap(runsOf);
}

/** Query-side segmentation: jieba's precise mode (the index holds both the long words and the words inside them). */
function queryTokens(text: string): string[] {
  return jieba().cut(text, false).flatMap(runsOf);
}

/** Per code point of `text` (already normalised): toneless pinyin (ü as v) of Han characters, ASCII letters and digits as themselves, '' otherwise. */
export function syllables(text: string): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  // 'array' gives one entry per code point (other characters as themselves), in context (polyphones: 银行行长).
  const all = pinyin(text, { type: 'array', toneType: 'none', v: true });
  const aligned = all.length === chars.length;
  return chars.map((char, i) => {
    if (HAN.test(char)) {
      const py = aligned ? all[i]! : pinyin(char, { toneType: 'none', v: true });
      return /^[a-z]+$/.test(py) ? py : '';
    }
    return /^[a-z0-9]$/.test(char) ? char : '';
  });
}

const MAX_FULL_PINYIN = 48;
const MAX_INITIALS = 16;

/**
 * Pinyin lexemes of a name: from the start of each word (jieba's precise mode), the full pinyin of the rest of the
 * name run together, and its initials. 枇杷山书院 (枇杷/山/书院) gives pipashanshuyuan, shanshuyuan, shuyuan, ppssy,
 * ssy, sy. A prefix query (`pipashan:*`, `ppssy:*`) then finds the name from any word on.
 */
export function pinyinLexemes(name: string | null | undefined): string[] {
  if (!name) return [];
  const text = normalizeText(name);
  const py = syllables(text);
  const chars = Array.from(text);
  const starts: number[] = [];
  let offset = 0;
  for (const word of jieba().cut(text, false)) {
    starts.push(offset);
    offset += Array.from(word).length;
  }
  const lexemes = new Set<string>();
  for (const start of starts) {
    if (!py[start]) continue;
    // A suffix stops at a character without pinyin (punctuation, other scripts): the words after it start their own.
    let full = '';
    let initials = '';
    let han = false;
    for (let i = start; i < chars.length && py[i]; i++) {
      full += py[i];
      initials += py[i]![0];
      han ||= HAN.test(chars[i]!);
    }
    if (!han) continue; // letters and digits only: already a text lexeme
    if (full.length >= 2) lexemes.add(full.slice(0, MAX_FULL_PINYIN));
    if (initials.length >= 2) lexemes.add(initials.slice(0, MAX_INITIALS));
  }
  return [...lexemes];
}

/** Compact pinyin of a query part: Han characters as toneless pinyin, ASCII letters and digits kept, the rest dropped. */
function compactPinyin(part: string): string {
  return syllables(part).join('');
}

const quoteLexeme = (lexeme: string) => `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

const MAX_QUERY_TOKENS = 16;
const MIN_PREFIX = 3;

/** What a query means to the index. */
export interface AnalysedQuery {
  /** tsquery text (input syntax, lexemes quoted), or null when the text has no letters or digits. */
  tsquery: string | null;
  /** The same with every lexeme restricted to name-level weights (A, B, D): "matched by name". */
  titleTsquery: string | null;
  /**
   * For Han queries: the text query or the pinyin alternative (homophones), and its name-level form. Searched only when
   * the text alone finds less than a page: a short pinyin prefix matches many distinct name lexemes, which costs.
   */
  tolerant: { tsquery: string; titleTsquery: string } | null;
  /** Text terms (words, and runs of single characters as one phrase) used for highlighting. */
  terms: string[];
  /** Pinyin forms the query may match names by (full pinyin or initials, as prefixes). */
  pinyin: string[];
  /** The lexemes as segmented, for display. */
  tokens: string[];
}

/**
 * Turns a typed query into a tsquery:
 * - segmented like the index (jieba precise mode, no HMM); all words must match (AND);
 * - consecutive single Han characters (words jieba does not know) must be adjacent: `'文' <-> '创'`;
 * - ASCII words of two or more letters match as prefixes (`shufa:*`): English words, and pinyin typed as it sounds;
 * - a query of one Han character is a prefix (typing in progress: 书 finds 书法, 书院);
 * - and when the query holds Han characters, the alternative of its pinyin: each space-separated part as compact
 *   toneless pinyin, as a prefix, against the names' pinyin lexemes — so a homophone typo (琵琶山书院) still finds
 *   枇杷山书院. Text matches rank above pinyin-only ones (weights A/B vs D).
 */
export function analyseQuery(text: string): AnalysedQuery {
  const parts = normalizeText(text).split(/\s+/).filter(Boolean);
  type Item = { lexemes: string[]; prefixLast: boolean };
  const items: Item[] = [];
  const tokens: string[] = [];
  const pinyinParts: string[] = [];
  let hasHan = false;
  for (const part of parts) {
    const partTokens = queryTokens(part);
    if (partTokens.length === 0) continue;
    let run: string[] = [];
    const flush = () => {
      if (run.length > 0) items.push({ lexemes: run, prefixLast: false });
      run = [];
    };
    for (const token of partTokens) {
      if (tokens.length >= MAX_QUERY_TOKENS) break;
      tokens.push(token);
      if (isHan(token)) hasHan = true;
      if (isHan(token) && Array.from(token).length === 1) {
        run.push(token);
        continue;
      }
      flush();
      // Prefixes from three letters on: a shorter one would match a large share of all pinyin lexemes.
      items.push({ lexemes: [token], prefixLast: isAscii(token) && token.length >= MIN_PREFIX });
    }
    flush();
    const compact = compactPinyin(part);
    if (compact.length >= MIN_PREFIX) pinyinParts.push(compact);
  }
  if (items.length === 0) return { tsquery: null, titleTsquery: null, tolerant: null, terms: [], pinyin: [], tokens: [] };
  const last = items.at(-1)!;
  const lastLexeme = last.lexemes.at(-1)!;
  // A one-character query is probably being typed: 书 finds 书法, 书院. Elsewhere a Han prefix would scan many words.
  if (items.length === 1 && last.lexemes.length === 1 && isHan(lastLexeme) && Array.from(lastLexeme).length === 1) last.prefixLast = true;
  // `weights` restricts every lexeme to the name-level weights (A name, B organisation/categories, D pinyin of names).
  const build = (weights: string, withPinyin: boolean) => {
    const itemText = (item: Item) =>
      item.lexemes.map((lexeme, i) => quoteLexeme(lexeme) + ':' + (item.prefixLast && i === item.lexemes.length - 1 ? '*' : '') + weights).map((t) => t.replace(/:$/, '')).join(' <-> ');
    const textQuery = items.map((item) => (item.lexemes.length > 1 ? `(${itemText(item)})` : itemText(item))).join(' & ');
    if (!withPinyin) return textQuery;
    return `(${textQuery}) | (${pinyinParts.map((p) => `${quoteLexeme(p)}:*${weights}`).join(' & ')})`;
  };
  const terms = items.map((item) => item.lexemes.join(''));
  const pinyinTargets = hasHan && pinyinParts.length > 0 ? pinyinParts : items.filter((i) => i.prefixLast && isAscii(i.lexemes[0]!)).map((i) => i.lexemes[0]!);
  const tolerant = hasHan && pinyinParts.length > 0 ? { tsquery: build('', true), titleTsquery: build('ABD', true) } : null;
  return { tsquery: build('', false), titleTsquery: build('ABD', false), tolerant, terms, pinyin: pinyinTargets, tokens };
}

// ---- highlighting -------------------------------------------------------------------------------------------------

/** A matched span as JavaScript string indices (UTF-16 code units) into the text it belongs to: [start, end). */
export interface Span {
  start: number;
  end: number;
}

/** The normalised text with, for each of its code points, the UTF-16 range of the original code point it came from. */
function normalisedWithMap(original: string) {
  const chars: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  let offset = 0;
  for (const cp of original) {
    for (const n of Array.from(normalizeText(cp))) {
      chars.push(n);
      from.push(offset);
      to.push(offset + cp.length);
    }
    offset += cp.length;
  }
  return { chars, from, to };
}

function mergeSpans(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Span[] = [];
  for (const span of sorted) {
    const last = merged.at(-1);
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

/** Spans (in code-point indices of the normalised text) where a term occurs. */
function termSpans(chars: string[], terms: string[]): [number, number][] {
  const found: [number, number][] = [];
  for (const term of terms) {
    const needle = Array.from(term);
    if (needle.length === 0) continue;
    for (let i = 0; i + needle.length <= chars.length; i++) {
      let ok = true;
      for (let k = 0; k < needle.length && ok; k++) ok = chars[i + k] === needle[k];
      if (ok) found.push([i, i + needle.length]);
    }
  }
  return found;
}

/** Spans whose pinyin (full or initials) starts with one of the targets; a target may end inside a syllable. */
function pinyinSpans(chars: string[], targets: string[]): [number, number][] {
  if (targets.length === 0) return [];
  const py = syllables(chars.join(''));
  if (py.length !== chars.length) return [];
  const found: [number, number][] = [];
  for (let i = 0; i < chars.length; i++) {
    if (!py[i] || !HAN.test(chars[i]!)) continue;
    for (const target of targets) {
      let full = '';
      let initials = '';
      for (let j = i; j < chars.length && py[j]; j++) {
        full += py[j];
        initials += py[j]![0];
        const fullDone = full.length >= target.length;
        const initialsDone = initials.length >= target.length;
        if ((fullDone && full.startsWith(target)) || (initialsDone && initials.startsWith(target))) {
          found.push([i, j + 1]);
          break;
        }
        if ((fullDone || !target.startsWith(full)) && (initialsDone || !target.startsWith(initials))) break;
      }
    }
  }
  return found;
}

function toOriginal(map: ReturnType<typeof normalisedWithMap>, spans: [number, number][]): Span[] {
  return mergeSpans(spans.map(([a, b]) => ({ start: map.from[a]!, end: map.to[b - 1]! })));
}

/** Matched spans in a name: text terms, and pinyin matches of Han characters. */
export function highlightName(name: string, query: AnalysedQuery): Span[] {
  const map = normalisedWithMap(name);
  return toOriginal(map, [...termSpans(map.chars, query.terms), ...pinyinSpans(map.chars, query.pinyin)]);
}

const SNIPPET_CHARS = 80;
const SNIPPET_LEAD = 16;

/** A window of the description around its first match (or its start), with the matches in it. */
export function descriptionSnippet(description: string | null, query: AnalysedQuery | null): { text: string; spans: Span[] } | null {
  if (!description) return null;
  const text = description.replace(/\s+/g, ' ').trim();
  if (!text) return null;
  const map = normalisedWithMap(text);
  const found = query ? termSpans(map.chars, query.terms) : [];
  const spans = toOriginal(map, found);
  const first = spans[0]?.start ?? 0;
  let start = Math.max(0, first - SNIPPET_LEAD);
  if (start > 0 && /[\uDC00-\uDFFF]/.test(text[start]!)) start--;
  let end = Math.min(text.length, start + SNIPPET_CHARS);
  if (end < text.length && /[\uDC00-\uDFFF]/.test(text[end]!)) end++;
  const lead = start > 0 ? '…' : '';
  const tail = end < text.length ? '…' : '';
  const shift = lead.length - start;
  return {
    text: lead + text.slice(start, end) + tail,
    spans: spans.filter((s) => s.start >= start && s.end <= end).map((s) => ({ start: s.start + shift, end: s.end + shift })),
  };
}

// =================================================================================================================
// Index
// =================================================================================================================

/** Bump when the analysis changes: rows written by an older indexer are rewritten at the next boot. */
export const INDEXER_VERSION = 2;

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface ServiceSearchTable {
  service_id: string;
  indexer_version: number;
  service_version: number;
  organisation_id: string;
  organisation_version: number;
  active: boolean;
  service_type: string;
  organisation_kind: string;
  provider_kind: string | null;
  categories: string[];
  division_codes: string[];
  min_age: number | null;
  max_age: number | null;
  is_free: boolean;
  weekdays: number;
  points: number[];
  bbox: ColumnType<string | null, RawBuilder<unknown> | null, RawBuilder<unknown> | null>;
  updated_at: Timestamp;
  search_tokens: string;
  search_vector: ColumnType<string, never, never>;
  indexed_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** The search module's tables, added to the schema type where they are used (`db.withTables<SearchTables>()`). */
export type SearchTables = {
  service_search: ServiceSearchTable;
};

const withSearch = (db: Kysely<DB>) => db.withTables<SearchTables>();

const SERVICE_TYPE_LABELS: Record<ServiceType, string> = {
  visit: '参观',
  course: '课程',
  activity: '活动',
  consultation: '咨询',
  care: '托管 看护',
  study_tour: '研学',
  volunteering: '志愿服务',
};

const WEEKDAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

const INDEX_BATCH = 500;

const FACET_PREFIX = { category: '0c', serviceType: '0t', kind: '0k', providerKind: '0p', divisionCode: '0d', openOn: '0w', free: '0f' } as const;

/**
 * Filter values as lexemes of the vector (weight D, never in a ranking query), so that filters and words meet in one
 * GIN lookup: '0c' + hex(category code), '0d' + division code, '0w' + weekday, '0f' + true/false, …. Codes are
 * hex-encoded so that any code becomes one lexeme of letters and digits, distinct from every other.
 */
export function facet(name: keyof typeof FACET_PREFIX, value: string): string {
  const encoded = name === 'divisionCode' || name === 'openOn' ? value : name === 'free' ? (value === 'true' ? '1' : '0') : Buffer.from(value, 'utf8').toString('hex');
  return FACET_PREFIX[name] + encoded;
}

/**
 * (Re)builds the search rows of the given services, in the caller's transaction when given one. Used by every
 * directory write, by the boot-time catch-up and by the seed. Services that no longer exist are skipped (their row
 * went with them: `on delete cascade`).
 */
export async function indexServices(db: Kysely<DB>, serviceIds: string[]): Promise<number> {
  let written = 0;
  const ids = [...new Set(serviceIds)];
  for (let i = 0; i < ids.length; i += INDEX_BATCH) written += await indexBatch(db, ids.slice(i, i + INDEX_BATCH));
  return written;
}

async function indexBatch(db: Kysely<DB>, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const services = await db
    .selectFrom('services as s')
    .innerJoin('organisations as o', 'o.id', 's.organisation_id')
    .select([
      's.id', 's.version', 's.name', 's.alternate_name', 's.description', 's.fees_description', 's.service_type', 's.status', 's.min_age', 's.max_age', 's.is_free',
      's.schedules', 's.updated_at', 'o.id as organisation_id', 'o.version as organisation_version', 'o.name as organisation_name', 'o.kind as organisation_kind',
      'o.division_code', 'o.lon', 'o.lat',
    ])
    .where('s.id', 'in', ids)
    .execute();
  if (services.length === 0) return 0;
  const orgIds = [...new Set(services.map((s) => s.organisation_id))];
  const divisionCodes = [...new Set(services.map((s) => s.division_code).filter((c): c is string => Boolean(c)))];
  const [serviceTerms, orgTerms, locations, ancestry] = await Promise.all([
    repo.termsOf(db, 'service', ids),
    repo.termsOf(db, 'organization', orgIds),
    repo.locationsOfServices(db, ids),
    divisionCodes.length === 0
      ? Promise.resolve([] as { start: string; code: string }[])
      : sql<{ start: string; code: string }>`
          with recursive up (code, parent_code, start) as (
            select code, parent_code, code from divisions where code in (${sql.join(divisionCodes)})
            union all
            select d.code, d.parent_code, up.start from divisions d join up on d.code = up.parent_code
          )
          select start, code from up`
          .execute(db)
          .then((r) => r.rows),
  ]);
  const orgPinyinCache = new Map<string, string[]>();
  const rows = services.map((s) => {
    const own = serviceTerms.filter((t) => t.link_id === s.id);
    const ofOrg = orgTerms.filter((t) => t.link_id === s.organisation_id);
    const categories = [...own, ...ofOrg].filter((t) => t.taxonomy_id === 'base_category');
    const providerKind = ofOrg.find((t) => t.taxonomy_id === 'provider_kind') ?? null;
    const places = locations.filter((l) => l.service_id === s.id);
    const schedules = (s.schedules ?? []) as ServiceSchedule[];

    let weekdays = 0;
    for (const place of places) for (const h of (place.opening_hours ?? []) as OpeningHours[]) weekdays |= 1 << (h.weekday - 1);
    for (const schedule of schedules) for (const day of schedule.byday?.split(',') ?? []) if (WEEKDAY_CODES.includes(day)) weekdays |= 1 << WEEKDAY_CODES.indexOf(day);

    const points: number[] = [];
    for (const place of places) if (place.lon !== null && place.lat !== null) points.push(place.lon, place.lat);
    if (points.length === 0 && s.lon !== null && s.lat !== null) points.push(s.lon, s.lat);
    let bbox: RawBuilder<unknown> | null = null;
    if (points.length > 0) {
      const lons = points.filter((_, i) => i % 2 === 0);
      const lats = points.filter((_, i) => i % 2 === 1);
      bbox = sql`box(point(${Math.min(...lons)}, ${Math.min(...lats)}), point(${Math.max(...lons)}, ${Math.max(...lats)}))`;
    }

    const groupA = [...indexTokens(s.name), ...indexTokens(s.alternate_name)];
    const groupB = [
      ...indexTokens(s.organisation_name),
      ...[...new Set(categories.map((c) => c.name))].flatMap(indexTokens),
      ...(providerKind ? indexTokens(providerKind.name) : []),
      ...indexTokens(SERVICE_TYPE_LABELS[s.service_type]),
    ];
    const groupC = [
      ...indexTokens(s.description),
      ...indexTokens(s.fees_description),
      ...schedules.flatMap((schedule) => indexTokens(schedule.description)),
      ...places.flatMap((place) => [...indexTokens(place.name), ...indexTokens(place.address)]),
    ];
    let orgPinyin = orgPinyinCache.get(s.organisation_name);
    if (!orgPinyin) orgPinyinCache.set(s.organisation_name, (orgPinyin = pinyinLexemes(s.organisation_name)));
    const groupD = [...new Set([...pinyinLexemes(s.name), ...pinyinLexemes(s.alternate_name), ...orgPinyin])];
    const divisions = s.division_code ? [...new Set(ancestry.filter((a) => a.start === s.division_code).map((a) => a.code))] : [];
    const facets = [
      ...new Set(categories.map((c) => facet('category', c.code))),
      facet('serviceType', s.service_type),
      facet('kind', s.organisation_kind),
      ...(providerKind ? [facet('providerKind', providerKind.code)] : []),
      ...divisions.map((code) => facet('divisionCode', code)),
      ...WEEKDAY_CODES.flatMap((_, i) => (weekdays & (1 << i) ? [facet('openOn', String(i + 1))] : [])),
      facet('free', String(s.is_free)),
    ];

    return {
      service_id: s.id,
      indexer_version: INDEXER_VERSION,
      service_version: s.version,
      organisation_id: s.organisation_id,
      organisation_version: s.organisation_version,
      active: s.status === 'active',
      service_type: s.service_type,
      organisation_kind: s.organisation_kind,
      provider_kind: providerKind?.code ?? null,
      categories: [...new Set(categories.map((c) => c.code))],
      division_codes: divisions,
      min_age: s.min_age,
      max_age: s.max_age,
      is_free: s.is_free,
      weekdays,
      points,
      bbox,
      updated_at: s.updated_at,
      search_tokens: [groupA, groupB, groupC, [...groupD, ...facets]].map((group) => group.join(' ')).join('|'),
      indexed_at: new Date(),
    };
  });
  await withSearch(db)
    .insertInto('service_search')
    .values(rows)
    .onConflict((oc) =>
      oc.column('service_id').doUpdateSet((eb) => ({
        indexer_version: eb.ref('excluded.indexer_version'),
        service_version: eb.ref('excluded.service_version'),
        organisation_id: eb.ref('excluded.organisation_id'),
        organisation_version: eb.ref('excluded.organisation_version'),
        active: eb.ref('excluded.active'),
        service_type: eb.ref('excluded.service_type'),
        organisation_kind: eb.ref('excluded.organisation_kind'),
        provider_kind: eb.ref('excluded.provider_kind'),
        categories: eb.ref('excluded.categories'),
        division_codes: eb.ref('excluded.division_codes'),
        min_age: eb.ref('excluded.min_age'),
        max_age: eb.ref('excluded.max_age'),
        is_free: eb.ref('excluded.is_free'),
        weekdays: eb.ref('excluded.weekdays'),
        points: eb.ref('excluded.points'),
        bbox: eb.ref('excluded.bbox'),
        updated_at: eb.ref('excluded.updated_at'),
        search_tokens: eb.ref('excluded.search_tokens'),
        indexed_at: eb.ref('excluded.indexed_at'),
      })),
    )
    .execute();
  return rows.length;
}

/** Re-indexes the services delivered at a place (after the place changed: name, address, hours, coordinates). */
export async function indexServicesAtLocation(db: Kysely<DB>, locationId: string): Promise<number> {
  const rows = await db.selectFrom('service_at_location').select('service_id').where('location_id', '=', locationId).execute();
  return indexServices(db, rows.map((r) => r.service_id));
}

/** Re-indexes an organisation's services (after its name, kind, division, location or classification changed). */
export async function indexServicesOfOrganisation(db: Kysely<DB>, organisationId: string): Promise<number> {
  const rows = await db.selectFrom('services').select('id').where('organisation_id', '=', organisationId).execute();
  return indexServices(db, rows.map((r) => r.id));
}

/** Re-indexes the services a taxonomy term applies to, directly or through their organisation (after a rename). */
export async function indexServicesWithTerm(db: Kysely<DB>, termId: string): Promise<number> {
  const rows = await db
    .selectFrom('services as s')
    .select('s.id')
    .where(({ exists, selectFrom, or }) =>
      or([
        exists(selectFrom('attributes as a').select('a.term_id').whereRef('a.link_id', '=', 's.id').where('a.link_type', '=', 'service').where('a.term_id', '=', termId)),
        exists(selectFrom('attributes as a').select('a.term_id').whereRef('a.link_id', '=', 's.organisation_id').where('a.link_type', '=', 'organization').where('a.term_id', '=', termId)),
      ]),
    )
    .execute();
  return indexServices(db, rows.map((r) => r.id));
}

/**
 * Indexes every service whose search row is missing, was written by an older indexer, or was built from an older
 * version of the service or its organisation (e.g. an organisation renamed through the registry). Idempotent; the
 * boot and the seed call it. Returns how many rows were written.
 */
export async function reindexStale(db: Kysely<DB>, log: (line: string) => void = () => undefined): Promise<number> {
  const started = performance.now();
  let total = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  // Walks the services in id order (keyset pages of the primary key), so the whole pass reads each row once.
  for (;;) {
    const page = await sql<{ id: string; stale: boolean }>`
      select s.id,
        (x.service_id is null or x.indexer_version < ${INDEXER_VERSION} or x.service_version <> s.version or x.organisation_version <> o.version) as stale
      from services s
      join organisations o on o.id = s.organisation_id
      left join service_search x on x.service_id = s.id
      where s.id > ${after}
      order by s.id
      limit ${INDEX_BATCH * 4}`.execute(db);
    if (page.rows.length === 0) break;
    after = page.rows.at(-1)!.id;
    total += await indexServices(db, page.rows.filter((r) => r.stale).map((r) => r.id));
  }
  if (total > 0) log(`search index: ${total} services indexed in ${Math.round(performance.now() - started)} ms`);
  return total;
}

// =================================================================================================================
// Search
// =================================================================================================================

/** Results beyond this many are not ranked or served: refine the query instead (and `total` becomes a lower bound). */
export const SEARCH_WINDOW = 500;
/** Han queries also match names by pinyin (homophones) when their characters find fewer results than this. */
const TOLERANCE_BELOW = 20;
/** Most candidates a "within N minutes" search measures walking times for. */
const NEAR_CANDIDATES = 5000;
/** ts_rank_cd weights {D, C, B, A}: pinyin, description & places, organisation & categories, name. */
const WEIGHTS = sql.lit('{0.1, 0.2, 0.4, 1.0}');
/** Up to this share added to the text score of the nearest places (none at the edge of the walking range). */
const NEAR_BOOST = 0.25;
/** Fastest walking speed relative to flat speed (Tobler's 5 % downhill), plus slack for elevators: the radius bound. */
const NETWORK_SPEEDUP = 1.2;
const NETWORK_SLACK_M = 100;
/** The earth radius of @coedu/reach's haversineM (the SQL distance must agree with it). */
const EARTH_RADIUS_M = 6371008.8;

export interface SearchParams {
  q?: string;
  category?: string;
  age?: number;
  providerKind?: string;
  kind?: OrgKind;
  openOn?: number;
  free?: boolean;
  serviceType?: ServiceType;
  divisionCode?: string;
  near?: [number, number];
  crs?: Crs;
  nearChildSchool?: string;
  nearHome?: string;
  minutes?: number;
  limit: number;
  offset: number;
}

export interface SearchHit {
  aggregate: ServiceAggregate;
  score: number | null;
  match: 'name' | 'text' | null;
  walkMinutes: number | null;
  walkMethod: 'network' | 'estimate' | null;
  highlights: { name: Span[]; description: { text: string; spans: Span[] } | null };
}

export interface SearchResult {
  items: SearchHit[];
  total: number;
  totalIsLowerBound: boolean;
  limit: number;
  offset: number;
  query: { text: string | null; tokens: string[]; pinyin: string[] };
  near: { lon: number; lat: number; minutes: number; method: 'network' | 'estimate'; source: 'point' | 'child_school' | 'home'; schoolName: string | null } | null;
}

interface Candidate {
  service_id: string;
  tier: number | null;
  score: number | null;
  updated_at: Date | string;
  points?: number[];
  minutes?: number;
}

/**
 * Public search over the directory (families look for offers). Only `nearChildSchool` needs a signed-in guardian of
 * that child; it reads the child's school, so it is audited like any read of children's data.
 */
export class SearchService {
  /** Snaps of places onto the walking graph, by "lon,lat" (places rarely move; bounded). */
  private readonly snaps = new Map<string, Snap | null>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly engine: ReachEngine,
  ) {}

  async search(ctx: RequestContext, params: SearchParams): Promise<SearchResult> {
    const origin = await this.origin(ctx, params);
    await this.assertTerms(params);
    const query = params.q ? analyseQuery(params.q) : null;
    const tsquery = query?.tsquery ? { all: query.tsquery, title: query.titleTsquery! } : null;
    const filters = this.filters(params);

    const run = (q: { all: string; title: string } | null): Promise<{ page: Candidate[]; total: number; lowerBound: boolean }> =>
      origin ? this.searchNear(q, filters, origin, params) : q ? this.searchText(q, filters, params) : this.browse(filters, params);
    let { page, total, lowerBound } = await run(tsquery);
    // Homophone tolerance for Han queries when the characters as typed find less than a page.
    let pinyinUsed = Boolean(query?.tsquery && !query.tolerant);
    if (query?.tolerant && total < TOLERANCE_BELOW) {
      ({ page, total, lowerBound } = await run({ all: query.tolerant.tsquery, title: query.tolerant.titleTsquery }));
      pinyinUsed = true;
    }
    const shown = query ? { ...query, pinyin: pinyinUsed ? query.pinyin : [] } : null;

    const ids = page.map((c) => c.service_id);
    const aggregates = await this.aggregates(ids);
    const byId = new Map(aggregates.map((a) => [a.service.id, a]));
    const items: SearchHit[] = [];
    for (const candidate of page) {
      const aggregate = byId.get(candidate.service_id);
      if (!aggregate) continue; // deleted between the two queries
      items.push({
        aggregate,
        score: candidate.score === null ? null : round(candidate.score, 4),
        match: candidate.tier === null ? null : candidate.tier === 1 ? 'name' : 'text',
        walkMinutes: candidate.minutes === undefined ? null : round(candidate.minutes, 1),
        walkMethod: origin ? origin.method : null,
        highlights: {
          name: shown ? highlightName(aggregate.service.name, shown) : [],
          description: descriptionSnippet(aggregate.service.description, query),
        },
      });
    }
    return {
      items,
      total,
      totalIsLowerBound: lowerBound,
      limit: params.limit,
      offset: params.offset,
      query: { text: params.q ?? null, tokens: query?.tokens ?? [], pinyin: shown?.pinyin ?? [] },
      near: origin ? { lon: origin.lon, lat: origin.lat, minutes: origin.minutes, method: origin.method, source: origin.source, schoolName: origin.schoolName } : null,
    };
  }

  // ---- the three plans ------------------------------------------------------------------------------------------

  /**
   * Text search, one pass over the GIN index of search_vector. Tier 1 ("name"): every word matched the name,
   * organisation, categories or the names' pinyin (weights A, B, D); tier 2 ("text"): some word only in the
   * description or places. Within a tier by ts_rank_cd with weights. At most SEARCH_WINDOW + 1 matches are read (in
   * index order) and ranked, so a very common word costs no more than a rarer one; the total is then a lower bound.
   *
   * `m` has no LIMIT, so it is planned for full retrieval (a GIN bitmap scan for rare words, a sequential scan that
   * stops early for very common ones); a CTE is read on demand, so the LIMIT of `hits` still stops it.
   */
  private async searchText(tsquery: { all: string; title: string }, filters: Filters, params: SearchParams) {
    const q = sql`${tsquery.all}::tsquery`;
    const result = await sql<{ service_id: string; tier: number; score: number; updated_at: Date; n: number }>`
      with m as materialized (
        select x.service_id, case when x.search_vector @@ ${sql`${tsquery.title}::tsquery`} then 1 else 2 end as tier,
          ts_rank_cd(${WEIGHTS}::float4[], x.search_vector, ${q}, 32) as score, x.updated_at
        from service_search x
        where ${this.where(tsquery.all, filters)}
      ),
      hits as materialized (select * from m limit ${SEARCH_WINDOW + 1}),
      n as (select count(*)::int as n from hits),
      page as (
        select * from hits order by tier, score desc, updated_at desc, service_id
        limit ${params.limit} offset ${params.offset}
      )
      select page.service_id, page.tier, page.score, page.updated_at, n.n
      from n left join page on true
      order by page.tier, page.score desc, page.updated_at desc, page.service_id`.execute(this.db);
    const n = result.rows[0]?.n ?? 0;
    const page = result.rows.filter((r) => r.service_id !== null).map((r) => ({ service_id: r.service_id, tier: r.tier, score: r.score, updated_at: r.updated_at }));
    return { page, total: Math.min(n, SEARCH_WINDOW), lowerBound: n > SEARCH_WINDOW };
  }

  /** No text: filters only, newest first; the count stops at SEARCH_WINDOW + 1. */
  private async browse(filters: Filters, params: SearchParams) {
    const where = this.where(null, filters);
    const result = await sql<{ service_id: string | null; updated_at: Date | null; n: number }>`
      with n as (select count(*)::int as n from (select 1 from service_search x where ${where} limit ${SEARCH_WINDOW + 1}) c),
      page as (
        select x.service_id, x.updated_at from service_search x where ${where}
        order by x.updated_at desc, x.service_id limit ${params.limit} offset ${params.offset}
      )
      select page.service_id, page.updated_at, n.n from n left join page on true
      order by page.updated_at desc, page.service_id`.execute(this.db);
    const n = result.rows[0]?.n ?? 0;
    const page = result.rows.filter((r) => r.service_id !== null).map((r) => ({ service_id: r.service_id!, tier: null, score: null, updated_at: r.updated_at! }));
    return { page, total: Math.min(n, SEARCH_WINDOW), lowerBound: n > SEARCH_WINDOW };
  }

  /**
   * Within N walking minutes: candidates inside the straight-line radius that N minutes could possibly reach (box
   * prefilter on the GiST index, nearest first), then the exact minutes to each of their places — on the street
   * graph when one is loaded (one Dijkstra from the origin), else by estimate — keeping those within N.
   * Ranking: with text, tier then text score with a boost of up to 25 % for the nearest; without text, nearest first.
   */
  private async searchNear(tsquery: { all: string; title: string } | null, filters: Filters, origin: Origin, params: SearchParams) {
    const seconds = origin.minutes * 60;
    const radiusM =
      origin.method === 'estimate' ? (seconds * this.engine.flatSpeedMps) / this.engine.detourFactor : seconds * this.engine.flatSpeedMps * NETWORK_SPEEDUP + NETWORK_SLACK_M;
    const dLat = radiusM / 111_320;
    const dLon = radiusM / (111_320 * Math.max(0.01, Math.cos((origin.lat * Math.PI) / 180)));
    const box = sql`box(point(${origin.lon - dLon}, ${origin.lat - dLat}), point(${origin.lon + dLon}, ${origin.lat + dLat}))`;
    const q = () => sql`${tsquery?.all}::tsquery`;
    const text = tsquery
      ? sql`, case when x.search_vector @@ ${sql`${tsquery.title}::tsquery`} then 1 else 2 end as tier, ts_rank_cd(${WEIGHTS}::float4[], x.search_vector, ${q()}, 32) as score`
      : sql`, null::int as tier, null::float4 as score`;
    // Straight-line metres from the origin to the nearest of a service's points (haversine, as in @coedu/reach).
    const metres = (lon: RawBuilder<unknown>, lat: RawBuilder<unknown>) =>
      sql`2 * ${EARTH_RADIUS_M}::float8 * asin(least(1, sqrt(power(sin(radians(${lat} - ${origin.lat}::float8) / 2), 2)
        + cos(radians(${origin.lat}::float8)) * cos(radians(${lat})) * power(sin(radians(${lon} - ${origin.lon}::float8) / 2), 2))))`;
    const straight = sql`case when array_length(x.points, 1) = 2 then ${metres(sql`x.points[1]`, sql`x.points[2]`)}
      else (select min(${metres(sql`x.points[2 * i - 1]`, sql`x.points[2 * i]`)}) from generate_series(1, array_length(x.points, 1) / 2) i) end`;
    // Candidates: inside the box on the GiST index, nearest first, then inside the circle of the straight-line bound.
    const candidates = sql`
      c as materialized (
        select x.service_id, x.points, x.updated_at ${text}, ${straight} as straight_m
        from service_search x
        where x.bbox && ${box} and ${this.where(tsquery?.all ?? null, filters)}
        order by x.bbox <-> point(${origin.lon}, ${origin.lat})
        limit ${NEAR_CANDIDATES + 1}
      ),
      w as materialized (select * from c where straight_m <= ${radiusM})`;

    if (!this.engine.graph) {
      // Estimate mode: minutes are straight-line metres × detour factor ÷ speed, so the whole ranking runs in SQL and
      // only the page comes back.
      const perMinute = (this.engine.flatSpeedMps * 60) / this.engine.detourFactor;
      const order = tsquery ? sql`tier, boosted desc, minutes, service_id` : sql`minutes, updated_at desc, service_id`;
      const result = await sql<Candidate & { boosted: number | null; n: number; capped: boolean }>`
        with ${candidates},
        m as materialized (
          select service_id, tier, score, updated_at, straight_m / ${perMinute}::float8 as minutes,
            score * (1 + ${NEAR_BOOST}::float8 * (1 - straight_m / ${perMinute}::float8 / ${origin.minutes}::float8)) as boosted
          from w
        ),
        n as (select (select count(*)::int from m) as n, (select count(*) from c) > ${NEAR_CANDIDATES} as capped),
        page as (select * from m order by ${order} limit ${params.limit} offset ${params.offset})
        select page.*, n.n, n.capped from n left join page on true order by ${order}`.execute(this.db);
      const n = result.rows[0]?.n ?? 0;
      const page = result.rows
        .filter((r) => r.service_id !== null)
        .map((r) => ({ service_id: r.service_id, tier: r.tier, score: tsquery ? r.boosted : null, updated_at: r.updated_at, minutes: Number(r.minutes) }));
      return { page, total: Math.min(n, SEARCH_WINDOW), lowerBound: Boolean(result.rows[0]?.capped) || n > SEARCH_WINDOW };
    }

    // Network mode: the candidates inside the circle come back with their points; one Dijkstra gives the minutes.
    const result = await sql<Candidate & { points: number[]; capped: boolean }>`
      with ${candidates}
      select w.service_id, w.points, w.updated_at, w.tier, w.score, (select count(*) from c) > ${NEAR_CANDIDATES} as capped from w`.execute(this.db);
    const lowerBound = Boolean(result.rows[0]?.capped);
    const minutesTo = this.walkingMinutes(origin, radiusM);
    const within: Candidate[] = [];
    for (const candidate of result.rows) {
      let best = Infinity;
      const points = candidate.points.map(Number);
      for (let i = 0; i + 1 < points.length; i += 2) best = Math.min(best, minutesTo(points[i]!, points[i + 1]!));
      if (best <= origin.minutes) within.push({ ...candidate, minutes: best });
    }
    const boosted = (c: Candidate) => (c.score ?? 0) * (1 + NEAR_BOOST * (1 - c.minutes! / origin.minutes));
    within.sort((a, b) =>
      tsquery
        ? a.tier! - b.tier! || boosted(b) - boosted(a) || a.minutes! - b.minutes! || a.service_id.localeCompare(b.service_id)
        : a.minutes! - b.minutes! || new Date(b.updated_at).getTime() - new Date(a.updated_at).getTime() || a.service_id.localeCompare(b.service_id),
    );
    const page = within.slice(params.offset, params.offset + params.limit).map((c) => ({ ...c, score: tsquery ? boosted(c) : null }));
    return { page, total: Math.min(within.length, SEARCH_WINDOW), lowerBound: lowerBound || within.length > SEARCH_WINDOW };
  }

  /** Minutes from the origin to a point: one network search per request (cut off at N minutes), or the estimate. */
  private walkingMinutes(origin: Origin, radiusM: number): (lon: number, lat: number) => number {
    const graph = this.engine.graph;
    if (!graph) {
      const factor = this.engine.detourFactor;
      const speed = this.engine.flatSpeedMps;
      return (lon, lat) => (haversineM(origin.lon, origin.lat, lon, lat) * factor) / speed / 60;
    }
    const search = reach(graph, { lon: origin.lon, lat: origin.lat }, { minutes: origin.minutes });
    const sources = search.snap ? [search.snap] : [];
    return (lon, lat) => {
      if (haversineM(origin.lon, origin.lat, lon, lat) > radiusM) return Infinity;
      const snap = this.snapOf(lon, lat);
      if (!snap) return Infinity;
      return secondsToSnap(graph, search.search, snap, sources) / 60;
    };
  }

  private snapOf(lon: number, lat: number): Snap | null {
    const key = `${lon},${lat}`;
    let snap = this.snaps.get(key);
    if (snap === undefined) {
      if (this.snaps.size >= 100_000) this.snaps.clear();
      snap = trySnap(this.engine.graph!, lon, lat);
      this.snaps.set(key, snap);
    }
    return snap;
  }

  /**
   * The page's services with their categories and places, in one query (the shapes DirectoryService.aggregatesOf
   * builds with four, and its rule: a service without categories of its own shows its organisation's). Organisation
   * fields come from correlated lookups: a primary-key probe per row, where a join may hash the whole table.
   */
  private async aggregates(ids: string[]): Promise<ServiceAggregate[]> {
    if (ids.length === 0) return [];
    const categories = (eb: ExpressionBuilder<DB & { s: DB['services'] }, 's'>, linkType: 'service' | 'organization', linkId: 's.id' | 's.organisation_id') =>
      jsonArrayFrom(
        eb
          .selectFrom('attributes as a')
          .innerJoin('taxonomy_terms as t', 't.id', 'a.term_id')
          .select(['a.link_id', 't.id', 't.taxonomy_id', 't.code', 't.name', 't.name_en'])
          .where('a.link_type', '=', linkType)
          .whereRef('a.link_id', '=', linkId)
          .where('t.taxonomy_id', '=', 'base_category')
          .orderBy('t.sort_order'),
      );
    const rows = await this.db
      .selectFrom('services as s')
      .select([
        's.id', 's.organisation_id', 's.external_id', 's.name', 's.alternate_name', 's.description', 's.service_type', 's.status', 's.audience', 's.min_age',
        's.max_age', 's.is_free', 's.fees_description', 's.capacity', 's.booking_required', 's.url', 's.email', 's.contact_name', 's.contact_phone',
        's.schedules', 's.version', 's.created_at', 's.updated_at',
      ])
      .select((eb) => [
        eb.selectFrom('organisations as o').select('o.name').whereRef('o.id', '=', 's.organisation_id').$asScalar().$notNull().as('organisation_name'),
        eb.selectFrom('organisations as o').select('o.kind').whereRef('o.id', '=', 's.organisation_id').$asScalar().$notNull().as('organisation_kind'),
        categories(eb, 'service', 's.id').as('own_categories'),
        categories(eb, 'organization', 's.organisation_id').as('organisation_categories'),
        jsonArrayFrom(
          eb
            .selectFrom('service_at_location as sl')
            .innerJoin('locations as l', 'l.id', 'sl.location_id')
            .select(['sl.service_id', 'l.id', 'l.name', 'l.address', 'l.lon', 'l.lat', 'l.source_crs', 'l.location_illustrative', 'l.opening_hours'])
            .whereRef('sl.service_id', '=', 's.id'),
        ).as('places'),
      ])
      .where('s.id', 'in', ids)
      .execute();
    return rows.map(({ own_categories, organisation_categories, places, ...service }) => {
      const row: repo.ServiceRow = { ...service, created_at: new Date(service.created_at), updated_at: new Date(service.updated_at) };
      return { service: row, categories: own_categories.length > 0 ? own_categories : organisation_categories, locations: places };
    });
  }

  // ---- inputs -----------------------------------------------------------------------------------------------------

  /**
   * The filters twice: as row predicates (all of them), and as active + age band plus facet lexemes to match together
   * with the words in one GIN lookup. With words the facets narrow the index scan; without words a broad facet
   * (free, a weekday, the district) would build a bitmap of most of the table, so the row predicates are used.
   */
  private filters(params: SearchParams): Filters {
    const base: RawBuilder<unknown>[] = [sql`x.active`];
    if (params.age !== undefined) base.push(sql`(x.min_age is null or x.min_age <= ${params.age}) and (x.max_age is null or x.max_age >= ${params.age})`);
    const rest: RawBuilder<unknown>[] = [];
    const facets: string[] = [];
    if (params.category) {
      rest.push(sql`x.categories @> array[${params.category}]::text[]`);
      facets.push(facet('category', params.category));
    }
    if (params.providerKind) {
      rest.push(sql`x.provider_kind = ${params.providerKind}`);
      facets.push(facet('providerKind', params.providerKind));
    }
    if (params.kind) {
      rest.push(sql`x.organisation_kind = ${params.kind}`);
      facets.push(facet('kind', params.kind));
    }
    if (params.openOn !== undefined) {
      rest.push(sql`(x.weekdays & ${1 << (params.openOn - 1)}) <> 0`);
      facets.push(facet('openOn', String(params.openOn)));
    }
    if (params.free !== undefined) {
      rest.push(sql`x.is_free = ${params.free}`);
      facets.push(facet('free', String(params.free)));
    }
    if (params.serviceType) {
      rest.push(sql`x.service_type = ${params.serviceType}`);
      facets.push(facet('serviceType', params.serviceType));
    }
    if (params.divisionCode) {
      rest.push(sql`x.division_codes @> array[${params.divisionCode}]::text[]`);
      facets.push(facet('divisionCode', params.divisionCode));
    }
    // Without words, the selective filters still go through the GIN index (a rare community and type would otherwise
    // scan the table to count); the broad ones (free, a weekday, the whole district) stay row predicates.
    const selective = [
      ...(params.category ? [facet('category', params.category)] : []),
      ...(params.providerKind ? [facet('providerKind', params.providerKind)] : []),
      ...(params.serviceType ? [facet('serviceType', params.serviceType)] : []),
      ...(params.divisionCode && params.divisionCode.length > 6 ? [facet('divisionCode', params.divisionCode)] : []),
    ];
    if (selective.length > 0) rest.push(sql`x.search_vector @@ ${selective.map(quoteLexeme).join(' & ')}::tsquery`);
    return { rows: sql.join(base, sql` and `), allRows: sql.join([...base, ...rest], sql` and `), facets: facets.length > 0 ? facets.map(quoteLexeme).join(' & ') : null };
  }

  /** The words and the facets as one match (with words), or every filter as a row predicate (without). */
  private where(text: string | null, f: Filters): RawBuilder<unknown> {
    if (!text) return f.allRows;
    const query = f.facets ? `(${text}) & ${f.facets}` : text;
    return sql`x.search_vector @@ ${query}::tsquery and ${f.rows}`;
  }

  /** Unknown category or provider-kind codes are a 400 naming the parameter, not an empty page. */
  private async assertTerms(params: SearchParams) {
    const wanted = [
      ...(params.category ? [{ taxonomy: 'base_category', code: params.category, path: 'category' }] : []),
      ...(params.providerKind ? [{ taxonomy: 'provider_kind', code: params.providerKind, path: 'providerKind' }] : []),
    ];
    if (wanted.length === 0) return;
    const found = await this.db
      .selectFrom('taxonomy_terms')
      .select(['taxonomy_id', 'code'])
      .where((eb) => eb.or(wanted.map((w) => eb.and([eb('taxonomy_id', '=', w.taxonomy), eb('code', '=', w.code)]))))
      .execute();
    const missing = wanted.filter((w) => !found.some((f) => f.taxonomy_id === w.taxonomy && f.code === w.code));
    if (missing.length > 0) {
      throw new AppError('validation_failed', `Unknown ${missing.map((m) => m.path).join(' and ')}.`, {
        issues: missing.map((m) => ({ path: m.path, message: `not a ${m.taxonomy} code` })),
      });
    }
  }

  /** Where "near" is: a given point, the family's home point, or the school of one of the caller's children (guardians only, audited). */
  private async origin(ctx: RequestContext, params: SearchParams): Promise<Origin | null> {
    const minutes = params.minutes ?? 15;
    const method = this.engine.method;
    if (params.near) {
      const [lon, lat] = toWgs84(params.near[0], params.near[1], params.crs ?? 'WGS-84');
      return { lon, lat, minutes, method, source: 'point', schoolName: null };
    }
    if (params.nearHome) {
      const actor = requireAdult(ctx);
      if (!actor.familyIds.includes(params.nearHome)) throw new AppError('out_of_scope', "Only a family's guardians may search near its home.");
      const home = await findHome(this.db, params.nearHome);
      if (!home) throw new AppError('validation_failed', 'The family has no home point yet.', { issues: [{ path: 'nearHome', message: 'set the home point first (PUT /api/families/{id}/home)' }] });
      await this.db.transaction().execute((trx) =>
        recordAudit(trx, ctx, { action: 'family.home_read', resourceType: 'family', resourceId: params.nearHome!, detail: { basis: 'guardian', purpose: 'directory_search_near_home' } }),
      );
      return { lon: home.lon, lat: home.lat, minutes, method, source: 'home', schoolName: null };
    }
    if (!params.nearChildSchool) return null;
    const actor = requireAdult(ctx);
    const child = await this.db
      .selectFrom('children as c')
      .leftJoin('organisations as o', 'o.id', 'c.school_id')
      .select(['c.id', 'c.family_id', 'c.school_id', 'o.name as school_name', 'o.lon', 'o.lat'])
      .where('c.id', '=', params.nearChildSchool)
      .executeTakeFirst();
    if (!child) throw new AppError('not_found', 'No such child.');
    if (!actor.familyIds.includes(child.family_id)) throw new AppError('out_of_scope', "Only a child's guardians may search near the child's school.");
    await this.db.transaction().execute((trx) =>
      recordAudit(trx, ctx, { action: 'child.read', resourceType: 'child', resourceId: child.id, detail: { basis: 'guardian', purpose: 'directory_search_near_school', familyId: child.family_id } }),
    );
    if (!child.school_id) throw new AppError('validation_failed', 'This child has no school on record.', { issues: [{ path: 'nearChildSchool', message: 'the child has no school' }] });
    if (child.lon === null || child.lat === null) {
      throw new AppError('validation_failed', "The child's school has no location on record.", { issues: [{ path: 'nearChildSchool', message: 'the school has no location' }] });
    }
    return { lon: child.lon, lat: child.lat, minutes, method, source: 'child_school', schoolName: child.school_name };
  }
}

interface Filters {
  rows: RawBuilder<unknown>;
  allRows: RawBuilder<unknown>;
  facets: string | null;
}

interface Origin {
  lon: number;
  lat: number;
  minutes: number;
  method: 'network' | 'estimate';
  source: 'point' | 'child_school' | 'home';
  schoolName: string | null;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
