import { z } from '@hono/zod-openapi';
import { CrsSchema, DivisionCodeSchema, LocationViewSchema, OrgKindSchema } from '../registry/registry.schema.ts';

const Code = z.string().regex(/^[a-z][a-z0-9_]{1,40}$/, 'lower-case letters, digits and _');
const Text = (max: number) => z.string().trim().min(1).max(max);
const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

export const ServiceTypeSchema = z.enum(['visit', 'course', 'activity', 'consultation', 'care', 'study_tour', 'volunteering']).openapi('ServiceType');
export const ServiceStatusSchema = z.enum(['active', 'inactive', 'defunct']).openapi('ServiceStatus');
export const AudienceSchema = z.enum(['children', 'guardians', 'families']).openapi('Audience');

export const OpeningHoursSchema = z
  .strictObject({ weekday: z.number().int().min(1).max(7).openapi({ description: '1 = Monday … 7 = Sunday' }), opens: Time, closes: Time })
  .refine((h) => h.opens < h.closes, { message: 'opens must be before closes', path: ['closes'] })
  .openapi('OpeningHours');

export const ScheduleSchema = z
  .strictObject({
    freq: z.enum(['WEEKLY', 'MONTHLY', 'ONCE']),
    byday: z.string().regex(/^(MO|TU|WE|TH|FR|SA|SU)(,(MO|TU|WE|TH|FR|SA|SU))*$/).optional(),
    opensAt: Time.optional(),
    closesAt: Time.optional(),
    validFrom: z.iso.date().optional(),
    validTo: z.iso.date().optional(),
    description: z.string().max(200).optional(),
  })
  .openapi('Schedule');

export const TermViewSchema = z
  .object({ id: z.string(), taxonomyId: z.string(), code: z.string(), name: z.string(), nameEn: z.string(), description: z.string().nullable(), sortOrder: z.number() })
  .openapi('TaxonomyTerm');

export const TaxonomyViewSchema = z
  .object({ id: z.string(), name: z.string(), nameEn: z.string(), description: z.string().nullable(), terms: z.array(TermViewSchema) })
  .openapi('Taxonomy');

export const CreateTermSchema = z
  .strictObject({ code: Code, name: Text(100), nameEn: Text(100), description: z.string().max(500).optional(), sortOrder: z.number().int().min(0).max(10000).optional() })
  .openapi('CreateTaxonomyTerm');

export const UpdateTermSchema = z
  .strictObject({ name: Text(100).optional(), nameEn: Text(100).optional(), description: z.string().max(500).nullable().optional(), sortOrder: z.number().int().min(0).max(10000).optional() })
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change')
  .openapi('UpdateTaxonomyTerm');

const serviceFields = {
  name: Text(200),
  alternateName: z.string().trim().max(200).nullable().optional(),
  description: z.string().trim().max(5000).nullable().optional(),
  serviceType: ServiceTypeSchema,
  status: ServiceStatusSchema.optional(),
  audience: AudienceSchema.optional(),
  minAge: z.number().int().min(0).max(120).nullable().optional(),
  maxAge: z.number().int().min(0).max(120).nullable().optional(),
  isFree: z.boolean().optional(),
  feesDescription: z.string().trim().max(500).nullable().optional(),
  capacity: z.number().int().min(1).max(100000).nullable().optional(),
  bookingRequired: z.boolean().optional(),
  url: z.url().max(500).nullable().optional(),
  email: z.email().max(200).nullable().optional(),
  contactName: z.string().trim().max(100).nullable().optional(),
  contactPhone: z.string().trim().regex(/^[0-9+\-() ]{5,30}$/, 'a phone number').nullable().optional(),
  schedules: z.array(ScheduleSchema).max(20).optional(),
  categories: z.array(Code).max(8).optional().openapi({ description: 'Codes of base_category terms' }),
  locationIds: z.array(z.uuid()).max(20).optional(),
};

export const CreateServiceSchema = z
  .strictObject({ organisationId: z.uuid(), ...serviceFields })
  .refine((v) => v.minAge == null || v.maxAge == null || v.minAge <= v.maxAge, { message: 'minAge must not exceed maxAge', path: ['maxAge'] })
  .openapi('CreateService');

export const UpdateServiceSchema = z
  .strictObject({ ...serviceFields, name: serviceFields.name.optional(), serviceType: ServiceTypeSchema.optional() })
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change')
  .refine((v) => v.minAge == null || v.maxAge == null || v.minAge <= v.maxAge, { message: 'minAge must not exceed maxAge', path: ['maxAge'] })
  .openapi('UpdateService');

export const ServiceQuerySchema = z.strictObject({
  q: z.string().trim().max(100).optional(),
  category: Code.optional().openapi({ description: 'base_category term code' }),
  serviceType: ServiceTypeSchema.optional(),
  age: z.coerce.number().int().min(0).max(120).optional().openapi({ description: "A child's age: services whose age band includes it" }),
  free: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  organisationId: z.uuid().optional(),
  kind: OrgKindSchema.optional(),
  divisionCode: DivisionCodeSchema.optional(),
  openOn: z.coerce.number().int().min(1).max(7).optional().openapi({ description: 'Open on this weekday (1 = Monday)' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const LocationBriefSchema = z
  .object({ id: z.string(), name: z.string(), address: z.string().nullable(), location: LocationViewSchema.nullable(), openingHours: z.array(OpeningHoursSchema) })
  .openapi('LocationBrief');

export const ServiceViewSchema = z
  .object({
    id: z.string(),
    organisation: z.object({ id: z.string(), name: z.string(), kind: OrgKindSchema }),
    externalId: z.string().nullable(),
    name: z.string(),
    alternateName: z.string().nullable(),
    description: z.string().nullable(),
    serviceType: ServiceTypeSchema,
    status: ServiceStatusSchema,
    audience: AudienceSchema,
    minAge: z.number().nullable(),
    maxAge: z.number().nullable(),
    isFree: z.boolean(),
    feesDescription: z.string().nullable(),
    capacity: z.number().nullable(),
    bookingRequired: z.boolean(),
    url: z.string().nullable(),
    email: z.string().nullable(),
    contactName: z.string().nullable(),
    contactPhone: z.string().nullable(),
    schedules: z.array(ScheduleSchema),
    categories: z.array(z.object({ code: z.string(), name: z.string(), nameEn: z.string() })),
    locations: z.array(LocationBriefSchema),
    version: z.number(),
    updatedAt: z.string(),
  })
  .openapi('Service');

export const ServiceListSchema = z.object({ items: z.array(ServiceViewSchema), total: z.number() }).openapi('ServiceList');

export const CreateLocationSchema = z
  .strictObject({
    organisationId: z.uuid(),
    name: Text(200),
    description: z.string().trim().max(2000).nullable().optional(),
    address: z.string().trim().max(300).nullable().optional(),
    divisionCode: DivisionCodeSchema.nullable().optional(),
    location: z.strictObject({ lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90), crs: CrsSchema }).nullable().optional(),
    openingHours: z.array(OpeningHoursSchema).max(21).optional(),
    accessibility: z.string().trim().max(1000).nullable().optional(),
  })
  .openapi('CreateLocation');

export const UpdateLocationSchema = z
  .strictObject({
    name: Text(200).optional(),
    description: z.string().trim().max(2000).nullable().optional(),
    address: z.string().trim().max(300).nullable().optional(),
    divisionCode: DivisionCodeSchema.nullable().optional(),
    location: z.strictObject({ lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90), crs: CrsSchema }).nullable().optional(),
    openingHours: z.array(OpeningHoursSchema).max(21).optional(),
    accessibility: z.string().trim().max(1000).nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change')
  .openapi('UpdateLocation');

export const LocationFullSchema = z
  .object({
    id: z.string(),
    organisationId: z.string(),
    organisationName: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    address: z.string().nullable(),
    divisionCode: z.string().nullable(),
    location: LocationViewSchema.nullable(),
    openingHours: z.array(OpeningHoursSchema),
    accessibility: z.string().nullable(),
    version: z.number(),
    updatedAt: z.string(),
  })
  .openapi('Location');

export const LocationQuerySchema = z.strictObject({
  organisationId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const ClassificationSchema = z
  .strictObject({ baseCategories: z.array(Code).max(8).optional(), providerKind: Code.nullable().optional() })
  .refine((v) => Object.keys(v).length > 0, 'Send baseCategories or providerKind')
  .openapi('OrganisationClassification');

export const ClassificationViewSchema = z
  .object({ organisationId: z.string(), baseCategories: z.array(TermViewSchema), providerKind: TermViewSchema.nullable() })
  .openapi('OrganisationClassificationView');

export const HistorySchema = z
  .object({
    items: z.array(
      z.object({
        version: z.number(),
        change: z.enum(['create', 'update', 'import']),
        changedAt: z.string(),
        changedBy: z.object({ userId: z.string(), displayName: z.string().nullable() }).nullable(),
        changes: z.record(z.string(), z.unknown()),
      }),
    ),
  })
  .openapi('DirectoryHistory');
