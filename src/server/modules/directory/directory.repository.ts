import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/types.ts';
import type { Audience, LinkType, OpeningHours, ServiceSchedule, ServiceStatus, ServiceType } from './directory.tables.ts';

// ---- taxonomies -------------------------------------------------------------------------------------------------

export async function listTaxonomies(db: Kysely<DB>) {
  return db.selectFrom('taxonomies').selectAll().orderBy('id').execute();
}

export async function listTerms(db: Kysely<DB>, filter: { taxonomyId?: string; modifiedAfter?: Date; limit?: number; offset?: number } = {}) {
  let query = db.selectFrom('taxonomy_terms').selectAll();
  if (filter.taxonomyId) query = query.where('taxonomy_id', '=', filter.taxonomyId);
  if (filter.modifiedAfter) query = query.where('updated_at', '>', filter.modifiedAfter);
  query = query.orderBy('taxonomy_id').orderBy('sort_order').orderBy('code');
  if (filter.limit !== undefined) query = query.limit(filter.limit).offset(filter.offset ?? 0);
  return query.execute();
}

export type TermRow = Awaited<ReturnType<typeof listTerms>>[number];

export async function findTermByCode(db: Kysely<DB>, taxonomyId: string, code: string) {
  return db.selectFrom('taxonomy_terms').selectAll().where('taxonomy_id', '=', taxonomyId).where('code', '=', code).executeTakeFirst();
}

export async function findTerm(db: Kysely<DB>, id: string) {
  return db.selectFrom('taxonomy_terms').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertTerm(db: Kysely<DB>, term: { taxonomyId: string; code: string; name: string; nameEn: string; description: string | null; sortOrder: number }) {
  return db
    .insertInto('taxonomy_terms')
    .values({ taxonomy_id: term.taxonomyId, code: term.code, name: term.name, name_en: term.nameEn, description: term.description, sort_order: term.sortOrder })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateTerm(db: Kysely<DB>, id: string, changes: { name?: string; nameEn?: string; description?: string | null; sortOrder?: number }) {
  return db
    .updateTable('taxonomy_terms')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.nameEn !== undefined ? { name_en: changes.nameEn } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.sortOrder !== undefined ? { sort_order: changes.sortOrder } : {}),
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

// ---- attributes -------------------------------------------------------------------------------------------------

export async function termsOf(db: Kysely<DB>, linkType: LinkType, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('attributes as a')
    .innerJoin('taxonomy_terms as t', 't.id', 'a.term_id')
    .select(['a.link_id', 't.id', 't.taxonomy_id', 't.code', 't.name', 't.name_en'])
    .where('a.link_type', '=', linkType)
    .where('a.link_id', 'in', ids)
    .orderBy('t.taxonomy_id')
    .orderBy('t.sort_order')
    .execute();
}

export type AttachedTerm = Awaited<ReturnType<typeof termsOf>>[number];

/** Replaces the terms of one taxonomy on an entity. */
export async function setTerms(db: Kysely<DB>, linkType: LinkType, linkId: string, taxonomyId: string, termIds: string[]) {
  await db
    .deleteFrom('attributes')
    .where('link_type', '=', linkType)
    .where('link_id', '=', linkId)
    .where('term_id', 'in', db.selectFrom('taxonomy_terms').select('id').where('taxonomy_id', '=', taxonomyId))
    .execute();
  if (termIds.length > 0) {
    await db
      .insertInto('attributes')
      .values(termIds.map((termId) => ({ link_type: linkType, link_id: linkId, term_id: termId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

// ---- services ---------------------------------------------------------------------------------------------------

export interface ServiceFilter {
  q?: string;
  categoryTermIds?: string[];
  serviceType?: ServiceType;
  status?: ServiceStatus;
  age?: number;
  free?: boolean;
  organisationId?: string;
  orgKind?: string;
  divisionCode?: string;
  openOnWeekday?: number;
  modifiedAfter?: Date;
  ids?: string[];
  limit: number;
  offset: number;
}

function servicesQuery(db: Kysely<DB>, filter: Omit<ServiceFilter, 'limit' | 'offset'>) {
  let query = db
    .selectFrom('services as s')
    .innerJoin('organisations as o', 'o.id', 's.organisation_id')
    .leftJoin('divisions as d', 'd.code', 'o.division_code');
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    query = query.where((eb) => eb.or([eb('s.name', 'ilike', like), eb('s.description', 'ilike', like), eb('o.name', 'ilike', like)]));
  }
  if (filter.categoryTermIds && filter.categoryTermIds.length > 0) {
    const termIds = filter.categoryTermIds;
    // A category applies to a service directly or through its organisation.
    query = query.where((eb) =>
      eb.or([
        eb.exists(eb.selectFrom('attributes as a').select('a.term_id').whereRef('a.link_id', '=', 's.id').where('a.link_type', '=', 'service').where('a.term_id', 'in', termIds)),
        eb.exists(eb.selectFrom('attributes as a').select('a.term_id').whereRef('a.link_id', '=', 'o.id').where('a.link_type', '=', 'organization').where('a.term_id', 'in', termIds)),
      ]),
    );
  }
  if (filter.serviceType) query = query.where('s.service_type', '=', filter.serviceType);
  if (filter.status) query = query.where('s.status', '=', filter.status);
  if (filter.age !== undefined) {
    const age = filter.age;
    query = query.where((eb) => eb.and([eb.or([eb('s.min_age', 'is', null), eb('s.min_age', '<=', age)]), eb.or([eb('s.max_age', 'is', null), eb('s.max_age', '>=', age)])]));
  }
  if (filter.free !== undefined) query = query.where('s.is_free', '=', filter.free);
  if (filter.organisationId) query = query.where('s.organisation_id', '=', filter.organisationId);
  if (filter.orgKind) query = query.where('o.kind', '=', filter.orgKind as never);
  if (filter.divisionCode) query = query.where((eb) => eb.or([eb('o.division_code', '=', filter.divisionCode!), eb('d.parent_code', '=', filter.divisionCode!)]));
  if (filter.openOnWeekday !== undefined) {
    // Open on a weekday: one of its locations opens that day, or the service has no fixed hours listed there.
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('service_at_location as sl')
          .innerJoin('locations as l', 'l.id', 'sl.location_id')
          .select('l.id')
          .whereRef('sl.service_id', '=', 's.id')
          .where(sql<boolean>`exists (select 1 from jsonb_array_elements(l.opening_hours) h where (h->>'weekday')::int = ${filter.openOnWeekday})`),
      ),
    );
  }
  if (filter.modifiedAfter) query = query.where('s.updated_at', '>', filter.modifiedAfter);
  if (filter.ids) query = query.where('s.id', 'in', filter.ids.length > 0 ? filter.ids : ['00000000-0000-0000-0000-000000000000']);
  return query;
}

const serviceColumns = [
  's.id',
  's.organisation_id',
  's.external_id',
  's.name',
  's.alternate_name',
  's.description',
  's.service_type',
  's.status',
  's.audience',
  's.min_age',
  's.max_age',
  's.is_free',
  's.fees_description',
  's.capacity',
  's.booking_required',
  's.url',
  's.email',
  's.contact_name',
  's.contact_phone',
  's.schedules',
  's.version',
  's.created_at',
  's.updated_at',
  'o.name as organisation_name',
  'o.kind as organisation_kind',
] as const;

export async function listServices(db: Kysely<DB>, filter: ServiceFilter) {
  const base = servicesQuery(db, filter);
  const [items, total] = await Promise.all([
    base.select(serviceColumns).orderBy('s.updated_at', 'desc').orderBy('s.id').limit(filter.limit).offset(filter.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

export type ServiceRow = Awaited<ReturnType<typeof listServices>>['items'][number];

export async function findService(db: Kysely<DB>, id: string) {
  return servicesQuery(db, {}).select(serviceColumns).where('s.id', '=', id).executeTakeFirst();
}

export async function findServiceByExternalId(db: Kysely<DB>, externalId: string) {
  return db.selectFrom('services').select(['id', 'organisation_id', 'version']).where('external_id', '=', externalId).executeTakeFirst();
}

export interface ServiceWrite {
  organisationId?: string;
  externalId?: string | null;
  name?: string;
  alternateName?: string | null;
  description?: string | null;
  serviceType?: ServiceType;
  status?: ServiceStatus;
  audience?: Audience;
  minAge?: number | null;
  maxAge?: number | null;
  isFree?: boolean;
  feesDescription?: string | null;
  capacity?: number | null;
  bookingRequired?: boolean;
  url?: string | null;
  email?: string | null;
  contactName?: string | null;
  contactPhone?: string | null;
  schedules?: ServiceSchedule[];
}

function serviceValues(input: ServiceWrite) {
  const map: Record<string, unknown> = {
    organisation_id: input.organisationId,
    external_id: input.externalId,
    name: input.name,
    alternate_name: input.alternateName,
    description: input.description,
    service_type: input.serviceType,
    status: input.status,
    audience: input.audience,
    min_age: input.minAge,
    max_age: input.maxAge,
    is_free: input.isFree,
    fees_description: input.feesDescription,
    capacity: input.capacity,
    booking_required: input.bookingRequired,
    url: input.url,
    email: input.email,
    contact_name: input.contactName,
    contact_phone: input.contactPhone,
    schedules: input.schedules !== undefined ? JSON.stringify(input.schedules) : undefined,
  };
  return Object.fromEntries(Object.entries(map).filter(([, value]) => value !== undefined));
}

export async function insertService(db: Kysely<DB>, input: ServiceWrite & { organisationId: string; name: string; serviceType: ServiceType }): Promise<string> {
  const values = { schedules: '[]', ...serviceValues(input) };
  const row = await db.insertInto('services').values(values as never).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateService(db: Kysely<DB>, id: string, input: ServiceWrite): Promise<void> {
  await db
    .updateTable('services')
    .set({ ...serviceValues(input), version: sql`version + 1`, updated_at: sql`now()` } as never)
    .where('id', '=', id)
    .execute();
}

export async function locationsOfServices(db: Kysely<DB>, serviceIds: string[]) {
  if (serviceIds.length === 0) return [];
  return db
    .selectFrom('service_at_location as sl')
    .innerJoin('locations as l', 'l.id', 'sl.location_id')
    .select(['sl.service_id', 'l.id', 'l.name', 'l.address', 'l.lon', 'l.lat', 'l.source_crs', 'l.location_illustrative', 'l.opening_hours'])
    .where('sl.service_id', 'in', serviceIds)
    .execute();
}

export async function setServiceLocations(db: Kysely<DB>, serviceId: string, locationIds: string[]) {
  await db.deleteFrom('service_at_location').where('service_id', '=', serviceId).execute();
  if (locationIds.length > 0) {
    await db
      .insertInto('service_at_location')
      .values(locationIds.map((locationId) => ({ service_id: serviceId, location_id: locationId })))
      .execute();
  }
}

// ---- locations --------------------------------------------------------------------------------------------------

const locationColumns = [
  'l.id',
  'l.organisation_id',
  'l.external_id',
  'l.name',
  'l.description',
  'l.address',
  'l.division_code',
  'l.lon',
  'l.lat',
  'l.source_crs',
  'l.location_illustrative',
  'l.opening_hours',
  'l.accessibility',
  'l.version',
  'l.created_at',
  'l.updated_at',
  'o.name as organisation_name',
] as const;

export async function listLocations(db: Kysely<DB>, filter: { organisationId?: string; modifiedAfter?: Date; ids?: string[]; limit: number; offset: number }) {
  let query = db.selectFrom('locations as l').innerJoin('organisations as o', 'o.id', 'l.organisation_id');
  if (filter.organisationId) query = query.where('l.organisation_id', '=', filter.organisationId);
  if (filter.modifiedAfter) query = query.where('l.updated_at', '>', filter.modifiedAfter);
  if (filter.ids) query = query.where('l.id', 'in', filter.ids.length > 0 ? filter.ids : ['00000000-0000-0000-0000-000000000000']);
  const [items, total] = await Promise.all([
    query.select(locationColumns).orderBy('l.updated_at', 'desc').orderBy('l.id').limit(filter.limit).offset(filter.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

export type LocationRow = Awaited<ReturnType<typeof listLocations>>['items'][number];

export async function findLocation(db: Kysely<DB>, id: string) {
  return db.selectFrom('locations as l').innerJoin('organisations as o', 'o.id', 'l.organisation_id').select(locationColumns).where('l.id', '=', id).executeTakeFirst();
}

export interface LocationWrite {
  organisationId?: string;
  externalId?: string | null;
  name?: string;
  description?: string | null;
  address?: string | null;
  divisionCode?: string | null;
  point?: { lon: number; lat: number; sourceCrs: 'WGS-84' | 'GCJ-02' | 'BD-09'; illustrative: boolean } | null;
  openingHours?: OpeningHours[];
  accessibility?: string | null;
}

function locationValues(input: LocationWrite) {
  const map: Record<string, unknown> = {
    organisation_id: input.organisationId,
    external_id: input.externalId,
    name: input.name,
    description: input.description,
    address: input.address,
    division_code: input.divisionCode,
    opening_hours: input.openingHours !== undefined ? JSON.stringify(input.openingHours) : undefined,
    accessibility: input.accessibility,
  };
  if (input.point !== undefined) {
    map.lon = input.point?.lon ?? null;
    map.lat = input.point?.lat ?? null;
    map.source_crs = input.point?.sourceCrs ?? null;
    map.location_illustrative = input.point?.illustrative ?? false;
  }
  return Object.fromEntries(Object.entries(map).filter(([, value]) => value !== undefined));
}

export async function insertLocation(db: Kysely<DB>, input: LocationWrite & { organisationId: string; name: string }): Promise<string> {
  const row = await db.insertInto('locations').values({ opening_hours: '[]', ...locationValues(input) } as never).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateLocation(db: Kysely<DB>, id: string, input: LocationWrite) {
  await db
    .updateTable('locations')
    .set({ ...locationValues(input), version: sql`version + 1`, updated_at: sql`now()` } as never)
    .where('id', '=', id)
    .execute();
}

// ---- organisations (HSDS view) ----------------------------------------------------------------------------------

export async function listOrganisationsForHsds(db: Kysely<DB>, filter: { modifiedAfter?: Date; ids?: string[]; limit: number; offset: number }) {
  let query = db.selectFrom('organisations');
  if (filter.modifiedAfter) query = query.where('updated_at', '>', filter.modifiedAfter);
  if (filter.ids) query = query.where('id', 'in', filter.ids.length > 0 ? filter.ids : ['00000000-0000-0000-0000-000000000000']);
  const [items, total] = await Promise.all([
    query.selectAll().orderBy('updated_at', 'desc').orderBy('id').limit(filter.limit).offset(filter.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

export type HsdsOrganisationRow = Awaited<ReturnType<typeof listOrganisationsForHsds>>['items'][number];

export async function findOrganisationBrief(db: Kysely<DB>, id: string) {
  return db.selectFrom('organisations').select(['id', 'kind', 'division_code', 'name']).where('id', '=', id).executeTakeFirst();
}

// ---- history ----------------------------------------------------------------------------------------------------

export async function insertChange(
  db: Kysely<DB>,
  change: { entityType: LinkType | 'taxonomy_term'; entityId: string; version: number; change: 'create' | 'update' | 'import'; changedBy: string | null; changes: Record<string, unknown>; snapshot: Record<string, unknown> },
) {
  await db
    .insertInto('directory_changes')
    .values({
      entity_type: change.entityType,
      entity_id: change.entityId,
      version: change.version,
      change: change.change,
      changed_by: change.changedBy,
      changes: JSON.stringify(change.changes),
      snapshot: JSON.stringify(change.snapshot),
    })
    .execute();
}

export async function listChanges(db: Kysely<DB>, entityType: LinkType, entityId: string) {
  return db
    .selectFrom('directory_changes as c')
    .leftJoin('users as u', 'u.id', 'c.changed_by')
    .select(['c.id', 'c.version', 'c.change', 'c.changed_at', 'c.changed_by', 'u.display_name as changed_by_name', 'c.changes'])
    .where('c.entity_type', '=', entityType)
    .where('c.entity_id', '=', entityId)
    .orderBy('c.version', 'desc')
    .orderBy('c.id', 'desc')
    .execute();
}
