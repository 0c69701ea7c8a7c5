import type { Kysely } from 'kysely';
import type { DB, OrgKind } from '../../db/types.ts';

export async function findDistrictGeometry(db: Kysely<DB>) {
  return db.selectFrom('divisions').select(['code', 'name', 'geometry']).where('level', '=', 'district').orderBy('code').executeTakeFirst();
}

export async function listAreaDivisions(db: Kysely<DB>) {
  return db.selectFrom('divisions').select(['code', 'name', 'level', 'parent_code', 'geometry']).where('level', 'in', ['subdistrict', 'community']).orderBy('sort_order').execute();
}

/** Organisations with a location, as venues of the given kinds. */
export async function listLocatedOrganisations(db: Kysely<DB>, filter: { kinds?: OrgKind[]; divisionCode?: string; limit: number }) {
  let query = db
    .selectFrom('organisations as o')
    .leftJoin('divisions as d', 'd.code', 'o.division_code')
    .select(['o.id', 'o.name', 'o.kind', 'o.lon', 'o.lat', 'o.location_illustrative'])
    .where('o.lon', 'is not', null)
    .where('o.lat', 'is not', null);
  if (filter.kinds && filter.kinds.length > 0) query = query.where('o.kind', 'in', filter.kinds);
  if (filter.divisionCode) {
    query = query.where((eb) => eb.or([eb('o.division_code', '=', filter.divisionCode!), eb('d.parent_code', '=', filter.divisionCode!)]));
  }
  return query.orderBy('o.kind').orderBy('o.name').orderBy('o.id').limit(filter.limit).execute();
}

export interface NewCoverageRun {
  createdBy: string;
  method: 'network' | 'estimate';
  cellM: number;
  minutes: number;
  categories: string[];
  venues: { id: string; name: string; category: string; lon: number; lat: number }[];
  graphInfo: Record<string, unknown> | null;
  summary: Record<string, unknown>;
  areaSummaries: Record<string, unknown>[];
  cells: { idx: number; lon: number; lat: number; reachable: boolean; minutes: Record<string, number | null>; venuesWithin: number; geometry: unknown }[];
}

const CELL_BATCH = 400;

export async function insertCoverageRun(db: Kysely<DB>, run: NewCoverageRun): Promise<string> {
  const { id } = await db
    .insertInto('coverage_runs')
    .values({
      created_by: run.createdBy,
      method: run.method,
      cell_m: run.cellM,
      minutes: run.minutes,
      categories: JSON.stringify(run.categories),
      venues: JSON.stringify(run.venues),
      graph_info: run.graphInfo ? JSON.stringify(run.graphInfo) : null,
      summary: JSON.stringify(run.summary),
      area_summaries: JSON.stringify(run.areaSummaries),
      cell_count: run.cells.length,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (let start = 0; start < run.cells.length; start += CELL_BATCH) {
    await db
      .insertInto('coverage_cells')
      .values(
        run.cells.slice(start, start + CELL_BATCH).map((cell) => ({
          run_id: id,
          idx: cell.idx,
          lon: cell.lon,
          lat: cell.lat,
          reachable: cell.reachable,
          minutes: JSON.stringify(cell.minutes),
          venues_within: cell.venuesWithin,
          geometry: JSON.stringify(cell.geometry),
        })),
      )
      .execute();
  }
  return id;
}

const runColumns = ['id', 'created_at', 'created_by', 'method', 'cell_m', 'minutes', 'categories', 'venues', 'graph_info', 'summary', 'area_summaries', 'cell_count', 'areas_illustrative'] as const;

export async function findCoverageRun(db: Kysely<DB>, id: string) {
  return db.selectFrom('coverage_runs').select(runColumns).where('id', '=', id).executeTakeFirst();
}

export type CoverageRunRow = NonNullable<Awaited<ReturnType<typeof findCoverageRun>>>;

export async function listCoverageRuns(db: Kysely<DB>, limit: number) {
  return db.selectFrom('coverage_runs').select(runColumns).orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
}

export async function listCoverageCells(db: Kysely<DB>, runId: string) {
  return db.selectFrom('coverage_cells').select(['idx', 'lon', 'lat', 'reachable', 'minutes', 'venues_within', 'geometry']).where('run_id', '=', runId).orderBy('idx').execute();
}
