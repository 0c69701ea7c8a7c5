import { z } from '@hono/zod-openapi';
import { CRS_VALUES } from '../../lib/geo.ts';

export const OrgKindSchema = z.enum(['guidance_centre', 'school', 'community_parent_school', 'venue']).openapi('OrgKind');
export const CrsSchema = z.enum(CRS_VALUES).openapi('Crs', { description: 'Coordinate system: WGS-84 (GPS/OSM), GCJ-02 (Chinese map providers), BD-09 (Baidu)' });
export const DivisionCodeSchema = z.string().regex(/^\d{6,12}$/, 'A 6–12 digit statistical division code');

export const LocationInputSchema = z
  .strictObject({
    lon: z.number().min(-180).max(180),
    lat: z.number().min(-90).max(90),
    crs: CrsSchema,
  })
  .openapi('LocationInput');

export const CreateOrganisationSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    kind: OrgKindSchema,
    divisionCode: DivisionCodeSchema.optional(),
    address: z.string().trim().max(300).optional(),
    location: LocationInputSchema.optional(),
  })
  .openapi('CreateOrganisation');

export const UpdateOrganisationSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    kind: OrgKindSchema.optional(),
    divisionCode: DivisionCodeSchema.nullable().optional(),
    address: z.string().trim().max(300).nullable().optional(),
    location: LocationInputSchema.nullable().optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'Send at least one field to change')
  .openapi('UpdateOrganisation');

export const OrgListQuerySchema = z.strictObject({
  kind: OrgKindSchema.optional(),
  divisionCode: DivisionCodeSchema.optional(),
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const LocationViewSchema = z
  .object({
    lon: z.number(),
    lat: z.number(),
    crs: z.literal('WGS-84'),
    sourceCrs: CrsSchema,
    illustrative: z.boolean().openapi({ description: 'True for demo locations we placed ourselves: not a real address.' }),
  })
  .openapi('LocationView');

export const OrganisationViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: OrgKindSchema,
    divisionCode: z.string().nullable(),
    divisionName: z.string().nullable(),
    address: z.string().nullable(),
    location: LocationViewSchema.nullable(),
    version: z.number().int(),
  })
  .openapi('Organisation');

export const OrganisationListSchema = z.object({ items: z.array(OrganisationViewSchema), total: z.number().int() }).openapi('OrganisationList');

export const DivisionLevelSchema = z.enum(['district', 'subdistrict', 'community', 'workstation']);
export const DivisionViewSchema = z
  .object({ code: z.string(), name: z.string(), shortName: z.string(), level: DivisionLevelSchema, parentCode: z.string().nullable() })
  .openapi('Division');
export const DivisionsQuerySchema = z.strictObject({ level: DivisionLevelSchema.optional() });

const GeometrySchema = z.object({ type: z.string(), coordinates: z.any() }).openapi('Geometry');
const FeatureSchema = z
  .object({ type: z.literal('Feature'), geometry: GeometrySchema.nullable(), properties: z.record(z.string(), z.unknown()) })
  .openapi('Feature');
const FeatureCollectionSchema = z.object({ type: z.literal('FeatureCollection'), features: z.array(FeatureSchema) }).openapi('FeatureCollection');

export const RegistryMapSchema = z
  .object({
    crs: z.literal('WGS-84'),
    illustrativeNote: z.string(),
    district: FeatureSchema,
    subdistricts: FeatureCollectionSchema,
    communities: FeatureCollectionSchema,
    organisations: FeatureCollectionSchema,
  })
  .openapi('RegistryMap');
