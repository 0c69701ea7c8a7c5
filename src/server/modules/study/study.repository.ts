import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/types.ts';
import type { RouteWalk } from './study.tables.ts';

/** Organisations carrying a base designation or category, with their terms, for the study map. */
export async function listBases(db: Kysely<DB>, filter: { category?: string; designation?: string }) {
  let query = db
    .selectFrom('organisations as o')
    .select(['o.id', 'o.name', 'o.kind', 'o.lon', 'o.lat', 'o.source_crs', 'o.location_illustrative', 'o.division_code'])
    .where('o.lon', 'is not', null)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('attributes as a')
          .innerJoin('taxonomy_terms as t', 't.id', 'a.term_id')
          .select('a.term_id')
          .whereRef('a.link_id', '=', 'o.id')
          .where('a.link_type', '=', 'organization')
          .where('t.taxonomy_id', 'in', ['designation', 'base_category']),
      ),
    );
  for (const [taxonomy, code] of [
    ['base_category', filter.category],
    ['designation', filter.designation],
  ] as const) {
    if (!code) continue;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('attributes as a')
          .innerJoin('taxonomy_terms as t', 't.id', 'a.term_id')
          .select('a.term_id')
          .whereRef('a.link_id', '=', 'o.id')
          .where('a.link_type', '=', 'organization')
          .where('t.taxonomy_id', '=', taxonomy)
          .where('t.code', '=', code),
      ),
    );
  }
  return query.orderBy('o.name').execute();
}

export async function organisationTerms(db: Kysely<DB>, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('attributes as a')
    .innerJoin('taxonomy_terms as t', 't.id', 'a.term_id')
    .select(['a.link_id', 't.taxonomy_id', 't.code', 't.name', 't.name_en'])
    .where('a.link_type', '=', 'organization')
    .where('a.link_id', 'in', ids)
    .where('t.taxonomy_id', 'in', ['designation', 'base_category'])
    .orderBy('t.sort_order')
    .execute();
}

export async function findLocatedOrganisations(db: Kysely<DB>, ids: string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('organisations').select(['id', 'name', 'kind', 'lon', 'lat', 'location_illustrative']).where('id', 'in', ids).execute();
}

const routeColumns = ['r.id', 'r.external_id', 'r.title', 'r.theme', 'r.description', 'r.status', 'r.created_by', 'r.walk', 'r.version', 'r.created_at', 'r.updated_at'] as const;

/**
 * Routes with a status in `statuses`, plus (for an author) their own routes with a status in `ownStatuses`.
 */
export async function listRoutes(
  db: Kysely<DB>,
  filter: { statuses: RouteStatus[]; createdBy?: string; ownStatuses?: RouteStatus[]; theme?: string; limit: number; offset: number },
) {
  const own = filter.createdBy && filter.ownStatuses && filter.ownStatuses.length > 0 ? { author: filter.createdBy, statuses: filter.ownStatuses } : null;
  if (filter.statuses.length === 0 && !own) return { items: [], total: 0 };
  let query = db.selectFrom('study_routes as r').where((eb) => {
    const ors = [];
    if (filter.statuses.length > 0) ors.push(eb('r.status', 'in', filter.statuses));
    if (own) ors.push(eb.and([eb('r.created_by', '=', own.author), eb('r.status', 'in', own.statuses)]));
    return eb.or(ors);
  });
  if (filter.theme) query = query.where('r.theme', '=', filter.theme);
  const [items, total] = await Promise.all([
    query.select(routeColumns).orderBy('r.status', 'desc').orderBy('r.title').limit(filter.limit).offset(filter.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

type RouteStatus = 'draft' | 'published' | 'archived';

export type RouteRow = Awaited<ReturnType<typeof listRoutes>>['items'][number];

export async function findRoute(db: Kysely<DB>, id: string, forUpdate = false) {
  let query = db.selectFrom('study_routes as r').select(routeColumns).where('r.id', '=', id);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function stopsOf(db: Kysely<DB>, routeIds: string[]) {
  if (routeIds.length === 0) return [];
  return db
    .selectFrom('study_route_stops as s')
    .innerJoin('organisations as o', 'o.id', 's.organisation_id')
    .select(['s.route_id', 's.position', 's.organisation_id', 's.dwell_minutes', 's.note', 'o.name', 'o.kind', 'o.lon', 'o.lat', 'o.location_illustrative'])
    .where('s.route_id', 'in', routeIds)
    .orderBy('s.route_id')
    .orderBy('s.position')
    .execute();
}

export type StopRow = Awaited<ReturnType<typeof stopsOf>>[number];

export async function insertRoute(db: Kysely<DB>, route: { externalId?: string | null; title: string; theme: string | null; description: string | null; status: 'draft' | 'published'; createdBy: string | null; walk: RouteWalk }) {
  const row = await db
    .insertInto('study_routes')
    .values({ external_id: route.externalId ?? null, title: route.title, theme: route.theme, description: route.description, status: route.status, created_by: route.createdBy, walk: JSON.stringify(route.walk) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateRoute(db: Kysely<DB>, id: string, changes: { title?: string; theme?: string | null; description?: string | null; status?: 'draft' | 'published' | 'archived'; walk?: RouteWalk }) {
  await db
    .updateTable('study_routes')
    .set({
      ...(changes.title !== undefined ? { title: changes.title } : {}),
      ...(changes.theme !== undefined ? { theme: changes.theme } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      ...(changes.walk !== undefined ? { walk: JSON.stringify(changes.walk) } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function replaceStops(db: Kysely<DB>, routeId: string, stops: { organisationId: string; dwellMinutes: number; note: string | null }[]) {
  await db.deleteFrom('study_route_stops').where('route_id', '=', routeId).execute();
  await db
    .insertInto('study_route_stops')
    .values(stops.map((stop, i) => ({ route_id: routeId, position: i + 1, organisation_id: stop.organisationId, dwell_minutes: stop.dwellMinutes, note: stop.note })))
    .execute();
}

// ---- visit requests ---------------------------------------------------------------------------------------------

const visitColumns = [
  'v.id',
  'v.service_id',
  's.name as service_name',
  's.capacity as service_capacity',
  's.organisation_id as venue_id',
  'venue.name as venue_name',
  'venue.kind as venue_kind',
  'venue.division_code as venue_division_code',
  'v.school_id',
  'school.name as school_name',
  'v.requested_by',
  'v.idempotency_key',
  'v.group_size',
  'v.note',
  'v.status',
  'v.decided_by',
  'v.decided_at',
  'v.decision_note',
  'v.created_at',
] as const;

function visitsQuery(db: Kysely<DB>) {
  return db
    .selectFrom('visit_requests as v')
    .innerJoin('services as s', 's.id', 'v.service_id')
    .innerJoin('organisations as venue', 'venue.id', 's.organisation_id')
    .innerJoin('organisations as school', 'school.id', 'v.school_id')
    .select([...visitColumns, sql<string>`to_char(v.visit_date, 'YYYY-MM-DD')`.as('visit_date')]);
}

export async function findVisit(db: Kysely<DB>, id: string) {
  return visitsQuery(db).where('v.id', '=', id).executeTakeFirst();
}

export type VisitRow = NonNullable<Awaited<ReturnType<typeof findVisit>>>;

export async function findVisitByKey(db: Kysely<DB>, requestedBy: string, key: string) {
  return visitsQuery(db).where('v.requested_by', '=', requestedBy).where('v.idempotency_key', '=', key).executeTakeFirst();
}

export async function listVisits(db: Kysely<DB>, filter: { schoolIds?: string[]; venueIds?: string[]; all?: boolean; status?: string; limit: number }) {
  let query = visitsQuery(db);
  if (!filter.all) {
    const schoolIds = filter.schoolIds ?? [];
    const venueIds = filter.venueIds ?? [];
    if (schoolIds.length === 0 && venueIds.length === 0) return [];
    query = query.where((eb) => {
      const ors = [];
      if (schoolIds.length > 0) ors.push(eb('v.school_id', 'in', schoolIds));
      if (venueIds.length > 0) ors.push(eb('s.organisation_id', 'in', venueIds));
      return eb.or(ors);
    });
  }
  if (filter.status) query = query.where('v.status', '=', filter.status as never);
  return query.orderBy('v.visit_date').orderBy('v.created_at').limit(filter.limit).execute();
}

export async function insertVisit(db: Kysely<DB>, visit: { serviceId: string; schoolId: string; requestedBy: string; key: string; visitDate: string; groupSize: number; note: string | null }) {
  const row = await db
    .insertInto('visit_requests')
    .values({ service_id: visit.serviceId, school_id: visit.schoolId, requested_by: visit.requestedBy, idempotency_key: visit.key, visit_date: visit.visitDate, group_size: visit.groupSize, note: visit.note })
    .onConflict((oc) => oc.columns(['requested_by', 'idempotency_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Locks the offer, so that concurrent acceptances for it are decided one at a time. */
export async function lockService(db: Kysely<DB>, serviceId: string) {
  return db.selectFrom('services').select(['id', 'capacity']).where('id', '=', serviceId).forUpdate().executeTakeFirst();
}

export async function acceptedSeats(db: Kysely<DB>, serviceId: string, visitDate: string): Promise<number> {
  const row = await db
    .selectFrom('visit_requests')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('group_size'), sql<number>`0`).as('seats'))
    .where('service_id', '=', serviceId)
    .where('visit_date', '=', visitDate)
    .where('status', '=', 'accepted')
    .executeTakeFirstOrThrow();
  return Number(row.seats);
}

export async function setVisitStatus(db: Kysely<DB>, id: string, change: { status: 'accepted' | 'declined' | 'cancelled'; decidedBy: string; note: string | null; expected: string[] }) {
  const result = await db
    .updateTable('visit_requests')
    .set({ status: change.status, decided_by: change.decidedBy, decided_at: sql`now()`, decision_note: change.note, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', 'in', change.expected as never)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function findServiceForVisit(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('services as s')
    .innerJoin('organisations as o', 'o.id', 's.organisation_id')
    .select(['s.id', 's.status', 's.capacity', 's.service_type', 'o.id as organisation_id', 'o.kind', 'o.division_code'])
    .where('s.id', '=', id)
    .executeTakeFirst();
}
