import { sql, type Kysely } from 'kysely';
import type { Crs, DB, DivisionLevel, OrgKind } from '../../db/types.ts';

const orgColumns = [
  'o.id',
  'o.external_id',
  'o.name',
  'o.kind',
  'o.division_code',
  'd.name as division_name',
  'd.parent_code as division_parent_code',
  'o.address',
  'o.lon',
  'o.lat',
  'o.source_crs',
  'o.location_illustrative',
  'o.version',
  'o.updated_at',
] as const;

function organisationsQuery(db: Kysely<DB>) {
  return db.selectFrom('organisations as o').leftJoin('divisions as d', 'd.code', 'o.division_code').select(orgColumns);
}

export type OrganisationViewRow = Awaited<ReturnType<typeof findOrganisation>> & {};

export async function findOrganisation(db: Kysely<DB>, id: string) {
  return organisationsQuery(db).where('o.id', '=', id).executeTakeFirst();
}

export async function listOrganisations(
  db: Kysely<DB>,
  filter: { kind?: OrgKind; divisionCode?: string; q?: string; ids?: string[]; limit: number; offset: number },
) {
  let query = organisationsQuery(db);
  if (filter.kind) query = query.where('o.kind', '=', filter.kind);
  if (filter.divisionCode) {
    // A subdistrict code also matches organisations in its communities.
    query = query.where((eb) => eb.or([eb('o.division_code', '=', filter.divisionCode!), eb('d.parent_code', '=', filter.divisionCode!)]));
  }
  if (filter.q) query = query.where('o.name', 'ilike', `%${filter.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
  if (filter.ids) query = query.where('o.id', 'in', filter.ids.length > 0 ? filter.ids : ['00000000-0000-0000-0000-000000000000']);
  const [items, total] = await Promise.all([
    query.orderBy('o.kind').orderBy('o.name').limit(filter.limit).offset(filter.offset).execute(),
    query.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

export interface OrganisationWrite {
  name?: string;
  kind?: OrgKind;
  divisionCode?: string | null;
  address?: string | null;
  location?: { lon: number; lat: number; sourceCrs: Crs; illustrative: boolean } | null;
  externalId?: string | null;
}

function orgValues(input: OrganisationWrite) {
  return {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.kind !== undefined ? { kind: input.kind } : {}),
    ...(input.divisionCode !== undefined ? { division_code: input.divisionCode } : {}),
    ...(input.address !== undefined ? { address: input.address } : {}),
    ...(input.externalId !== undefined ? { external_id: input.externalId } : {}),
    ...(input.location !== undefined
      ? {
          lon: input.location?.lon ?? null,
          lat: input.location?.lat ?? null,
          source_crs: input.location?.sourceCrs ?? null,
          location_illustrative: input.location?.illustrative ?? false,
        }
      : {}),
  };
}

export async function insertOrganisation(db: Kysely<DB>, input: OrganisationWrite & { name: string; kind: OrgKind }): Promise<string> {
  const row = await db.insertInto('organisations').values(orgValues(input) as never).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateOrganisation(db: Kysely<DB>, id: string, input: OrganisationWrite): Promise<boolean> {
  const result = await db
    .updateTable('organisations')
    .set({ ...orgValues(input), version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function findDivision(db: Kysely<DB>, code: string) {
  return db.selectFrom('divisions').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function listDivisions(db: Kysely<DB>, level?: DivisionLevel) {
  let query = db.selectFrom('divisions').select(['code', 'name', 'short_name', 'level', 'parent_code', 'geometry', 'geometry_illustrative', 'sort_order']);
  if (level) query = query.where('level', '=', level);
  return query.orderBy('sort_order').orderBy('code').execute();
}

export async function countOrganisationsByKind(db: Kysely<DB>) {
  const rows = await db.selectFrom('organisations').select(['kind', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('kind').execute();
  return new Map(rows.map((row) => [row.kind, Number(row.n)]));
}
