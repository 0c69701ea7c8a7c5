import { z } from '@hono/zod-openapi';
import { CrsSchema } from '../registry/registry.schema.ts';

const Relation = z.string().trim().min(1).max(20).openapi({ example: '妈妈' });
const Pin = z.string().regex(/^\d{4,6}$/, '4 to 6 digits');
const BirthYear = z.number().int().min(1990).max(2100);
const Grade = z.string().trim().min(1).max(20).openapi({ example: '三年级' });

export const CreateFamilySchema = z.strictObject({ name: z.string().trim().min(1).max(100), relation: Relation.optional() }).openapi('CreateFamily');

export const CreateChildSchema = z
  .strictObject({
    displayName: z.string().trim().min(1).max(50),
    birthYear: BirthYear.optional(),
    schoolId: z.uuid().optional(),
    grade: Grade.optional(),
    pin: Pin.optional(),
  })
  .openapi('CreateChild');

export const UpdateChildSchema = z
  .strictObject({
    displayName: z.string().trim().min(1).max(50).optional(),
    birthYear: BirthYear.nullable().optional(),
    schoolId: z.uuid().nullable().optional(),
    grade: Grade.nullable().optional(),
    pin: Pin.nullable().optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'Send at least one field to change')
  .openapi('UpdateChild');

export const CreateInvitationSchema = z.strictObject({ relation: Relation.optional() }).openapi('CreateInvitation');
export const AcceptInvitationSchema = z
  .strictObject({ code: z.string().trim().min(6).max(20), relation: Relation.optional() })
  .openapi('AcceptInvitation');

export const ChildViewSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    birthYear: z.number().int().nullable(),
    schoolId: z.string().nullable(),
    schoolName: z.string().nullable(),
    grade: z.string().nullable(),
    hasPin: z.boolean(),
  })
  .openapi('Child');

export const FamilyViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    guardians: z.array(z.object({ userId: z.string(), displayName: z.string(), relation: z.string().nullable() })),
    children: z.array(ChildViewSchema),
  })
  .openapi('Family');

export const InvitationViewSchema = z
  .object({ code: z.string().openapi({ description: 'One-time code to give to the other guardian' }), expiresAt: z.string() })
  .openapi('Invitation');

export const SetHomeSchema = z
  .strictObject({
    lon: z.number().min(-180).max(180),
    lat: z.number().min(-90).max(90),
    crs: CrsSchema.optional().openapi({ description: 'System of lon/lat (default WGS-84); stored as WGS-84' }),
    label: z.string().trim().min(1).max(60).nullable().optional().openapi({ description: 'How the family calls it, e.g. 家 or 外婆家' }),
  })
  .openapi('SetFamilyHome');

export const FamilyHomeSchema = z
  .object({
    home: z
      .object({
        lon: z.number(),
        lat: z.number(),
        crs: z.literal('WGS-84'),
        sourceCrs: CrsSchema,
        label: z.string().nullable(),
        updatedAt: z.string().datetime(),
      })
      .nullable(),
  })
  .openapi('FamilyHome', { description: "The family's home point (its guardians only), used to search near home" });
