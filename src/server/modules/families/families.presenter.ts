import type { z } from '@hono/zod-openapi';
import type { ChildListRow, HomeRow } from './families.repository.ts';
import type { FamilyAggregate } from './families.service.ts';
import type { ChildViewSchema, FamilyHomeSchema, FamilyViewSchema } from './families.schema.ts';

/** Never exposes the PIN hash: only whether a PIN is set. */
export function presentChild(row: ChildListRow): z.infer<typeof ChildViewSchema> {
  return {
    id: row.id,
    displayName: row.display_name,
    birthYear: row.birth_year,
    schoolId: row.school_id,
    schoolName: row.school_name,
    grade: row.grade,
    hasPin: row.pin_hash !== null,
  };
}

export function presentFamily(aggregate: FamilyAggregate): z.infer<typeof FamilyViewSchema> {
  return {
    id: aggregate.family.id,
    name: aggregate.family.name,
    guardians: aggregate.guardians.map((g) => ({ userId: g.user_id, displayName: g.display_name, relation: g.relation })),
    children: aggregate.children.map(presentChild),
  };
}

export function presentHome(row: HomeRow | null): z.infer<typeof FamilyHomeSchema> {
  if (!row) return { home: null };
  return { home: { lon: row.lon, lat: row.lat, crs: 'WGS-84', sourceCrs: row.source_crs, label: row.label, updatedAt: new Date(row.updated_at).toISOString() } };
}
