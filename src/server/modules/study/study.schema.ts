import { z } from '@hono/zod-openapi';
import { OrgKindSchema } from '../registry/registry.schema.ts';

const Code = z.string().regex(/^[a-z][a-z0-9_]{1,40}$/);
const Method = z.enum(['network', 'estimate']);
const Geometry = z.object({ type: z.string(), coordinates: z.any() });

export const StudyMapQuerySchema = z.strictObject({ category: Code.optional(), designation: Code.optional() });

export const StudyMapSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    crs: z.literal('WGS-84'),
    illustrativeNote: z.string(),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        geometry: Geometry,
        properties: z.object({
          id: z.string(),
          name: z.string(),
          kind: OrgKindSchema,
          illustrative: z.boolean(),
          categories: z.array(z.object({ code: z.string(), name: z.string(), nameEn: z.string() })),
          designations: z.array(z.object({ code: z.string(), name: z.string(), nameEn: z.string() })),
        }),
      }),
    ),
  })
  .openapi('StudyMap');

const StopInput = z.strictObject({ organisationId: z.uuid(), dwellMinutes: z.number().int().min(0).max(480).optional(), note: z.string().trim().max(500).nullable().optional() });

export const CreateRouteSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(200),
    theme: Code.nullable().optional(),
    description: z.string().trim().max(5000).nullable().optional(),
    stops: z.array(StopInput).min(2).max(12),
    publish: z.boolean().optional(),
  })
  .openapi('CreateStudyRoute');

export const UpdateRouteSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(200).optional(),
    theme: Code.nullable().optional(),
    description: z.string().trim().max(5000).nullable().optional(),
    stops: z.array(StopInput).min(2).max(12).optional(),
    status: z.enum(['draft', 'published', 'archived']).optional(),
    recompute: z.boolean().optional().openapi({ description: 'Recompute walking legs with the current engine' }),
  })
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change')
  .openapi('UpdateStudyRoute');

export const RouteQuerySchema = z.strictObject({
  theme: Code.optional(),
  status: z.enum(['draft', 'published', 'archived']).optional().openapi({ description: 'Staff: drafts and (district staff) archived routes; the public sees published ones only' }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).max(100000).default(0),
});

export const StudyRouteSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    theme: z.string().nullable(),
    description: z.string().nullable(),
    status: z.enum(['draft', 'published', 'archived']),
    authorId: z.string().nullable().openapi({ description: 'The user who composed the route (its author may edit it)' }),
    version: z.number(),
    updatedAt: z.string(),
    walk: z.object({
      method: Method,
      minutes: z.number(),
      distanceM: z.number(),
      climbM: z.number().nullable(),
      totalMinutes: z.number().openapi({ description: 'Walking plus the time spent at each stop' }),
    }),
    stops: z.array(
      z.object({
        position: z.number(),
        organisationId: z.string(),
        name: z.string(),
        kind: OrgKindSchema,
        lon: z.number().nullable(),
        lat: z.number().nullable(),
        illustrative: z.boolean(),
        dwellMinutes: z.number(),
        note: z.string().nullable(),
        legToNext: z.object({ minutes: z.number(), distanceM: z.number(), climbM: z.number().nullable(), method: Method, geometry: Geometry }).nullable(),
      }),
    ),
  })
  .openapi('StudyRoute');

export const StudyRouteListSchema = z.object({ items: z.array(StudyRouteSchema), total: z.number() }).openapi('StudyRouteList');

export const VisitRequestInputSchema = z
  .strictObject({
    serviceId: z.uuid(),
    schoolId: z.uuid(),
    visitDate: z.iso.date(),
    groupSize: z.number().int().min(1).max(1000),
    note: z.string().trim().max(500).nullable().optional(),
  })
  .openapi('VisitRequestInput');

export const IdempotencyHeaderSchema = z.object({
  'idempotency-key': z.string().min(8).max(100).optional().openapi({ param: { name: 'idempotency-key', in: 'header' }, description: 'Required: a unique string per intended request; a retry with the same key returns the same answer.' }),
});

export const DecisionSchema = z.strictObject({ note: z.string().trim().max(500).nullable().optional() }).openapi('VisitDecision');

export const VisitQuerySchema = z.strictObject({ status: z.enum(['pending', 'accepted', 'declined', 'cancelled']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });

export const VisitRequestSchema = z
  .object({
    id: z.string(),
    service: z.object({ id: z.string(), name: z.string(), capacity: z.number().nullable() }),
    venue: z.object({ id: z.string(), name: z.string() }),
    school: z.object({ id: z.string(), name: z.string() }),
    visitDate: z.string(),
    groupSize: z.number(),
    note: z.string().nullable(),
    status: z.enum(['pending', 'accepted', 'declined', 'cancelled']),
    decidedAt: z.string().nullable(),
    decisionNote: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('VisitRequest');
