/** SQL of the directory import and export: bulk reads by external id and batched writes. */
import { sql, type Kysely } from 'kysely';
import type { Crs, DB, OrgKind } from '../../db/types.ts';
import type { Audience, OpeningHours, ServiceType } from './directory.tables.ts';

const CHUNK = 1000;

/** `column in (the given values)` with the values as one JSON parameter: fast on both engines for thousands of keys. */
function inJson(values: string[]) {
  return sql<string>`(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
}

/** The same for uuid columns (the values are cast, not the column, so the column's index is used). */
function inJsonUuid(values: string[]) {
  return sql<string>`(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb)::uuid)`;
}

/**
 * Bulk insert through `jsonb_to_recordset`: one JSON parameter per batch instead of thousands of bound parameters
 * (which is what makes multi-row VALUES slow, on PGlite especially).
 */
async function bulkInsert(db: Kysely<DB>, table: string, columns: [name: string, type: string][], rows: Record<string, unknown>[], conflict = '') {
  const names = columns.map(([name]) => name).join(', ');
  const defs = columns.map(([name, type]) => `${name} ${type}`).join(', ');
  for (const part of chunks(rows, 5000)) {
    await sql`insert into ${sql.table(table)} (${sql.raw(names)}) select ${sql.raw(names)} from jsonb_to_recordset(${JSON.stringify(part)}::jsonb) as x(${sql.raw(defs)}) ${sql.raw(conflict)}`.execute(db);
  }
}

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function lockImports(db: Kysely<DB>) {
  await sql`select pg_advisory_xact_lock(7243010)`.execute(db);
}

export async function referenceDivisions(db: Kysely<DB>) {
  return db.selectFrom('divisions').select(['code', 'name', 'short_name', 'level', 'parent_code', 'geometry']).execute();
}

export async function referenceTerms(db: Kysely<DB>) {
  return db.selectFrom('taxonomy_terms').select(['id', 'taxonomy_id', 'code', 'name', 'name_en', 'sort_order']).orderBy('taxonomy_id').orderBy('sort_order').orderBy('code').execute();
}

export type TermRef = Awaited<ReturnType<typeof referenceTerms>>[number];

const orgColumns = ['id', 'external_id', 'name', 'kind', 'division_code', 'address', 'lon', 'lat', 'source_crs', 'phone', 'website', 'version'] as const;

export async function organisationsByKeys(db: Kysely<DB>, externalIds: string[], ids: string[]) {
  const rows = externalIds.length > 0 ? await db.selectFrom('organisations').select(orgColumns).where('external_id', 'in', inJson(externalIds)).execute() : [];
  if (ids.length > 0) rows.push(...(await db.selectFrom('organisations').select(orgColumns).where('id', 'in', inJsonUuid(ids)).execute()));
  return rows;
}

export type ExistingOrganisation = Awaited<ReturnType<typeof organisationsByKeys>>[number];

export async function organisationTerms(db: Kysely<DB>, orgIds: string[]) {
  if (orgIds.length === 0) return [];
  return db
    .selectFrom('attributes as a')
    .innerJoin('taxonomy_terms as t', 't.id', 'a.term_id')
    .select(['a.link_id', 't.id', 't.taxonomy_id'])
    .where('a.link_type', '=', 'organization')
    .where('a.link_id', 'in', inJsonUuid(orgIds))
    .execute();
}

const locationColumns = ['id', 'organisation_id', 'external_id', 'name', 'address', 'division_code', 'lon', 'lat', 'source_crs', 'opening_hours', 'version', 'created_at'] as const;

export async function locationsOf(db: Kysely<DB>, orgIds: string[], externalIds: string[]) {
  const rows = orgIds.length > 0 ? await db.selectFrom('locations').select(locationColumns).where('organisation_id', 'in', inJsonUuid(orgIds)).execute() : [];
  if (externalIds.length > 0) rows.push(...(await db.selectFrom('locations').select(locationColumns).where('external_id', 'in', inJson(externalIds)).execute()));
  const seen = new Set<string>();
  return rows.filter((row) => (seen.has(row.id) ? false : (seen.add(row.id), true)));
}

export type ExistingLocation = Awaited<ReturnType<typeof locationsOf>>[number];

const serviceColumns = ['id', 'organisation_id', 'external_id', 'name', 'service_type', 'audience', 'min_age', 'max_age', 'is_free', 'capacity', 'booking_required', 'version'] as const;

export async function servicesByKeys(db: Kysely<DB>, externalIds: string[], ids: string[]) {
  const rows = externalIds.length > 0 ? await db.selectFrom('services').select(serviceColumns).where('external_id', 'in', inJson(externalIds)).execute() : [];
  if (ids.length > 0) rows.push(...(await db.selectFrom('services').select(serviceColumns).where('id', 'in', inJsonUuid(ids)).execute()));
  const seen = new Set<string>();
  return rows.filter((row) => (seen.has(row.id) ? false : (seen.add(row.id), true)));
}

export type ExistingService = Awaited<ReturnType<typeof servicesByKeys>>[number];

export async function serviceLinks(db: Kysely<DB>, serviceIds: string[]) {
  if (serviceIds.length === 0) return [];
  return db.selectFrom('service_at_location').select(['service_id', 'location_id']).where('service_id', 'in', inJsonUuid(serviceIds)).execute();
}

// ---- writes -------------------------------------------------------------------------------------------------------

export interface PointValue {
  lon: number;
  lat: number;
  crs: Crs;
}

export interface OrgInsert {
  id: string;
  externalId: string;
  name: string;
  kind: OrgKind;
  divisionCode: string | null;
  address: string | null;
  point: PointValue | null;
  phone: string | null;
  website: string | null;
}

export async function insertOrganisations(db: Kysely<DB>, rows: OrgInsert[]) {
  await bulkInsert(
    db,
    'organisations',
    [['id', 'uuid'], ['external_id', 'text'], ['name', 'text'], ['kind', 'text'], ['division_code', 'text'], ['address', 'text'], ['lon', 'double precision'], ['lat', 'double precision'], ['source_crs', 'text'], ['location_illustrative', 'boolean'], ['phone', 'text'], ['website', 'text']],
    rows.map((o) => ({
          id: o.id,
          external_id: o.externalId,
          name: o.name,
          kind: o.kind,
          division_code: o.divisionCode,
          address: o.address,
          lon: o.point?.lon ?? null,
          lat: o.point?.lat ?? null,
          source_crs: o.point?.crs ?? null,
          location_illustrative: false,
          phone: o.phone,
          website: o.website,
    })),
  );
}

export async function updateOrganisation(db: Kysely<DB>, id: string, values: Record<string, unknown>) {
  await db
    .updateTable('organisations')
    .set({ ...values, version: sql`version + 1`, updated_at: sql`now()` } as never)
    .where('id', '=', id)
    .execute();
}

export interface LocationInsert {
  id: string;
  organisationId: string;
  externalId: string;
  name: string;
  address: string | null;
  divisionCode: string | null;
  point: PointValue | null;
  openingHours: OpeningHours[];
}

export async function insertLocations(db: Kysely<DB>, rows: LocationInsert[]) {
  await bulkInsert(
    db,
    'locations',
    [['id', 'uuid'], ['organisation_id', 'uuid'], ['external_id', 'text'], ['name', 'text'], ['address', 'text'], ['division_code', 'text'], ['lon', 'double precision'], ['lat', 'double precision'], ['source_crs', 'text'], ['location_illustrative', 'boolean'], ['opening_hours', 'jsonb']],
    rows.map((l) => ({
          id: l.id,
          organisation_id: l.organisationId,
          external_id: l.externalId,
          name: l.name,
          address: l.address,
          division_code: l.divisionCode,
          lon: l.point?.lon ?? null,
          lat: l.point?.lat ?? null,
          source_crs: l.point?.crs ?? null,
          location_illustrative: false,
          opening_hours: l.openingHours,
    })),
  );
}

export async function updateLocation(db: Kysely<DB>, id: string, values: Record<string, unknown>) {
  await db
    .updateTable('locations')
    .set({ ...values, version: sql`version + 1`, updated_at: sql`now()` } as never)
    .where('id', '=', id)
    .execute();
}

export interface ServiceInsert {
  id: string;
  organisationId: string;
  externalId: string;
  name: string;
  serviceType: ServiceType;
  audience: Audience;
  minAge: number | null;
  maxAge: number | null;
  isFree: boolean;
  capacity: number | null;
  bookingRequired: boolean;
}

export async function insertServices(db: Kysely<DB>, rows: ServiceInsert[]) {
  await bulkInsert(
    db,
    'services',
    [['id', 'uuid'], ['organisation_id', 'uuid'], ['external_id', 'text'], ['name', 'text'], ['service_type', 'text'], ['audience', 'text'], ['min_age', 'integer'], ['max_age', 'integer'], ['is_free', 'boolean'], ['capacity', 'integer'], ['booking_required', 'boolean'], ['schedules', 'jsonb']],
    rows.map((s) => ({
          id: s.id,
          organisation_id: s.organisationId,
          external_id: s.externalId,
          name: s.name,
          service_type: s.serviceType,
          audience: s.audience,
          min_age: s.minAge,
          max_age: s.maxAge,
          is_free: s.isFree,
          capacity: s.capacity,
          booking_required: s.bookingRequired,
          schedules: [],
    })),
  );
}

export async function updateService(db: Kysely<DB>, id: string, values: Record<string, unknown>) {
  await db
    .updateTable('services')
    .set({ ...values, version: sql`version + 1`, updated_at: sql`now()` } as never)
    .where('id', '=', id)
    .execute();
}

export async function insertServiceLinks(db: Kysely<DB>, links: { service_id: string; location_id: string }[]) {
  await bulkInsert(db, 'service_at_location', [['service_id', 'uuid'], ['location_id', 'uuid']], links, 'on conflict do nothing');
}

export async function replaceOrganisationTerms(db: Kysely<DB>, orgId: string, taxonomyId: string, termIds: string[]) {
  await db
    .deleteFrom('attributes')
    .where('link_type', '=', 'organization')
    .where('link_id', '=', orgId)
    .where('term_id', 'in', db.selectFrom('taxonomy_terms').select('id').where('taxonomy_id', '=', taxonomyId))
    .execute();
  if (termIds.length > 0) await insertOrganisationTerms(db, termIds.map((termId) => ({ orgId, termId })));
}

export async function insertOrganisationTerms(db: Kysely<DB>, rows: { orgId: string; termId: string }[]) {
  await bulkInsert(
    db,
    'attributes',
    [['link_type', 'text'], ['link_id', 'uuid'], ['term_id', 'uuid']],
    rows.map((r) => ({ link_type: 'organization', link_id: r.orgId, term_id: r.termId })),
    'on conflict do nothing',
  );
}

export interface ChangeInsert {
  entityType: 'organization' | 'location' | 'service';
  entityId: string;
  version: number;
  changedBy: string | null;
  changes: Record<string, unknown>;
  snapshot: Record<string, unknown>;
}

export async function insertChanges(db: Kysely<DB>, rows: ChangeInsert[]) {
  await bulkInsert(
    db,
    'directory_changes',
    [['entity_type', 'text'], ['entity_id', 'uuid'], ['version', 'integer'], ['change', 'text'], ['changed_by', 'uuid'], ['changes', 'jsonb'], ['snapshot', 'jsonb']],
    rows.map((c) => ({ entity_type: c.entityType, entity_id: c.entityId, version: c.version, change: 'import', changed_by: c.changedBy, changes: c.changes, snapshot: c.snapshot })),
  );
}

// ---- export reads -------------------------------------------------------------------------------------------------

export async function exportData(db: Kysely<DB>, scope: { communities: string[] | null; kinds: OrgKind[] | null }) {
  let orgQuery = db.selectFrom('organisations').select(orgColumns).orderBy('kind').orderBy('external_id').orderBy('id');
  if (scope.communities) orgQuery = orgQuery.where('division_code', 'in', scope.communities.length > 0 ? scope.communities : ['-']);
  if (scope.kinds) orgQuery = orgQuery.where('kind', 'in', scope.kinds);
  const organisations = await orgQuery.execute();
  const ids = organisations.map((o) => o.id);
  const terms = await organisationTerms(db, ids);
  const locations = await locationsOf(db, ids, []);
  const services = ids.length > 0 ? await db.selectFrom('services').select([...serviceColumns, 'created_at']).where('organisation_id', 'in', inJsonUuid(ids)).orderBy('created_at').orderBy('id').execute() : [];
  return { organisations, terms, locations, services };
}
