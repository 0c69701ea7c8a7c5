/** SQL of the directory import and export: bulk reads by external id and batched writes. */
import { sql, type Kysely } from 'kysely';
import type { Crs, DB, OrgKind } from '../../db/types.ts';
import type { Audience, OpeningHours, ServiceType } from './directory.tables.ts';

const CHUNK = 1000;

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
  const rows = [];
  for (const part of chunks(externalIds)) rows.push(...(await db.selectFrom('organisations').select(orgColumns).where('external_id', 'in', part).execute()));
  for (const part of chunks(ids)) rows.push(...(await db.selectFrom('organisations').select(orgColumns).where('id', 'in', part).execute()));
  return rows;
}

export type ExistingOrganisation = Awaited<ReturnType<typeof organisationsByKeys>>[number];

export async function organisationTerms(db: Kysely<DB>, orgIds: string[]) {
  const rows = [];
  for (const part of chunks(orgIds)) {
    rows.push(
      ...(await db
        .selectFrom('attributes as a')
        .innerJoin('taxonomy_terms as t', 't.id', 'a.term_id')
        .select(['a.link_id', 't.id', 't.taxonomy_id'])
        .where('a.link_type', '=', 'organization')
        .where('a.link_id', 'in', part)
        .execute()),
    );
  }
  return rows;
}

const locationColumns = ['id', 'organisation_id', 'external_id', 'name', 'address', 'division_code', 'lon', 'lat', 'source_crs', 'opening_hours', 'version', 'created_at'] as const;

export async function locationsOf(db: Kysely<DB>, orgIds: string[], externalIds: string[]) {
  const rows = [];
  for (const part of chunks(orgIds)) rows.push(...(await db.selectFrom('locations').select(locationColumns).where('organisation_id', 'in', part).execute()));
  for (const part of chunks(externalIds)) rows.push(...(await db.selectFrom('locations').select(locationColumns).where('external_id', 'in', part).execute()));
  const seen = new Set<string>();
  return rows.filter((row) => (seen.has(row.id) ? false : (seen.add(row.id), true)));
}

export type ExistingLocation = Awaited<ReturnType<typeof locationsOf>>[number];

const serviceColumns = ['id', 'organisation_id', 'external_id', 'name', 'service_type', 'audience', 'min_age', 'max_age', 'is_free', 'capacity', 'booking_required', 'version'] as const;

export async function servicesByKeys(db: Kysely<DB>, externalIds: string[], ids: string[]) {
  const rows = [];
  for (const part of chunks(externalIds)) rows.push(...(await db.selectFrom('services').select(serviceColumns).where('external_id', 'in', part).execute()));
  for (const part of chunks(ids)) rows.push(...(await db.selectFrom('services').select(serviceColumns).where('id', 'in', part).execute()));
  const seen = new Set<string>();
  return rows.filter((row) => (seen.has(row.id) ? false : (seen.add(row.id), true)));
}

export type ExistingService = Awaited<ReturnType<typeof servicesByKeys>>[number];

export async function serviceLinks(db: Kysely<DB>, serviceIds: string[]) {
  const rows = [];
  for (const part of chunks(serviceIds)) rows.push(...(await db.selectFrom('service_at_location').select(['service_id', 'location_id']).where('service_id', 'in', part).execute()));
  return rows;
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
  for (const part of chunks(rows, 500)) {
    await db
      .insertInto('organisations')
      .values(
        part.map((o) => ({
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
      )
      .execute();
  }
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
  for (const part of chunks(rows, 500)) {
    await db
      .insertInto('locations')
      .values(
        part.map((l) => ({
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
          opening_hours: JSON.stringify(l.openingHours),
        })),
      )
      .execute();
  }
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
  for (const part of chunks(rows, 500)) {
    await db
      .insertInto('services')
      .values(
        part.map((s) => ({
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
          schedules: '[]',
        })),
      )
      .execute();
  }
}

export async function updateService(db: Kysely<DB>, id: string, values: Record<string, unknown>) {
  await db
    .updateTable('services')
    .set({ ...values, version: sql`version + 1`, updated_at: sql`now()` } as never)
    .where('id', '=', id)
    .execute();
}

export async function insertServiceLinks(db: Kysely<DB>, links: { service_id: string; location_id: string }[]) {
  for (const part of chunks(links, 2000)) await db.insertInto('service_at_location').values(part).onConflict((oc) => oc.doNothing()).execute();
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
  for (const part of chunks(rows, 2000)) {
    await db
      .insertInto('attributes')
      .values(part.map((r) => ({ link_type: 'organization' as const, link_id: r.orgId, term_id: r.termId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
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
  for (const part of chunks(rows, 1000)) {
    await db
      .insertInto('directory_changes')
      .values(
        part.map((c) => ({
          entity_type: c.entityType,
          entity_id: c.entityId,
          version: c.version,
          change: 'import' as const,
          changed_by: c.changedBy,
          changes: JSON.stringify(c.changes),
          snapshot: JSON.stringify(c.snapshot),
        })),
      )
      .execute();
  }
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
  const services = [];
  for (const part of chunks(ids)) {
    services.push(
      ...(await db
        .selectFrom('services')
        .select([...serviceColumns, 'created_at'])
        .where('organisation_id', 'in', part)
        .orderBy('created_at')
        .orderBy('id')
        .execute()),
    );
  }
  return { organisations, terms, locations, services };
}
