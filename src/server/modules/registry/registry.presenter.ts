import type { z } from '@hono/zod-openapi';
import type { DivisionRow } from '../../db/types.ts';
import type { findOrganisation } from './registry.repository.ts';
import type { DivisionViewSchema, OrganisationViewSchema } from './registry.schema.ts';

type OrganisationRow = NonNullable<Awaited<ReturnType<typeof findOrganisation>>>;

export function presentOrganisation(row: OrganisationRow): z.infer<typeof OrganisationViewSchema> {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    divisionCode: row.division_code,
    divisionName: row.division_name,
    address: row.address,
    location:
      row.lon !== null && row.lat !== null && row.source_crs
        ? { lon: row.lon, lat: row.lat, crs: 'WGS-84', sourceCrs: row.source_crs, illustrative: row.location_illustrative }
        : null,
    version: row.version,
  };
}

export function presentDivision(row: Pick<DivisionRow, 'code' | 'name' | 'short_name' | 'level' | 'parent_code'>): z.infer<typeof DivisionViewSchema> {
  return { code: row.code, name: row.name, shortName: row.short_name, level: row.level, parentCode: row.parent_code };
}
