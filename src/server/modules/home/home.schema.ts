import { z } from '@hono/zod-openapi';
import { FamilyViewSchema } from '../families/families.schema.ts';
import { OrganisationViewSchema } from '../registry/registry.schema.ts';
import { GrantRoleSchema } from '../users/users.schema.ts';

export const HomeSectionSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('district'),
      role: GrantRoleSchema,
      district: z.object({ code: z.string(), name: z.string() }),
      counts: z.object({
        subdistricts: z.number().int(),
        communities: z.number().int(),
        schools: z.number().int(),
        communityParentSchools: z.number().int(),
        venues: z.number().int(),
        users: z.number().int(),
        families: z.number().int(),
      }),
    }),
    z.object({ kind: z.literal('organisation'), role: GrantRoleSchema, organisation: OrganisationViewSchema, counts: z.object({ staff: z.number().int() }) }),
    z.object({
      kind: z.literal('community'),
      role: GrantRoleSchema,
      community: z.object({ code: z.string(), name: z.string(), subdistrictName: z.string().nullable() }),
      organisations: z.array(OrganisationViewSchema),
    }),
    z.object({ kind: z.literal('family'), role: z.literal('guardian'), families: z.array(FamilyViewSchema) }),
    z.object({ kind: z.literal('child'), child: z.object({ id: z.string(), displayName: z.string() }) }),
  ])
  .openapi('HomeSection');

export const HomeSchema = z.object({ sections: z.array(HomeSectionSchema) }).openapi('Home');
