import { z } from '@hono/zod-openapi';
import { CrsSchema, OrgKindSchema } from '../registry/registry.schema.ts';

const Lon = z.coerce.number().min(-180).max(180);
const Lat = z.coerce.number().min(-90).max(90);
const Minutes = z.coerce.number().gt(0).max(240);
/** "lon,lat" in a query string. */
const LonLatText = z
  .string()
  .regex(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/, 'lon,lat in decimal degrees')
  .transform((text) => text.split(',').map(Number) as [number, number])
  .refine(([lon, lat]) => Math.abs(lon) <= 180 && Math.abs(lat) <= 90, 'lon within ±180, lat within ±90');

export const MethodSchema = z.enum(['network', 'estimate']).openapi('ReachMethod', {
  description: '`network`: walked on the street graph (slopes, steps); `estimate`: straight-line distance × a calibrated detour factor.',
});

export const IsochroneQuerySchema = z.strictObject({
  lon: Lon,
  lat: Lat,
  crs: CrsSchema.default('WGS-84'),
  bands: z
    .string()
    .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, 'comma-separated minutes, e.g. 5,10,15')
    .default('5,10,15')
    .transform((text) => text.split(',').map(Number))
    .refine((bands) => bands.length <= 6 && bands.every((m) => m > 0 && m <= 240), 'up to 6 bands, each more than 0 and at most 240 minutes'),
});

export const RouteQuerySchema = z.strictObject({ from: LonLatText, to: LonLatText, crs: CrsSchema.default('WGS-84') });

export const CatchmentQuerySchema = z.strictObject({
  kind: OrgKindSchema.optional(),
  divisionCode: z.string().regex(/^\d{6,12}$/).optional(),
  minutes: Minutes.default(15),
});

export const CreateCoverageRunSchema = z
  .strictObject({
    cellM: z.number().int().min(20).max(2000).default(100),
    minutes: z.number().gt(0).max(240).default(15),
    kinds: z.array(OrgKindSchema).min(1).max(4).optional(),
  })
  .openapi('CreateCoverageRun');

export const GapRequestSchema = z
  .strictObject({
    category: OrgKindSchema.optional().openapi({ description: 'Organisation kind to plan for; all kinds when absent.' }),
    k: z.number().int().min(1).max(50).default(3),
    minutes: z.number().gt(0).max(240).optional(),
    candidates: z
      .array(z.strictObject({ id: z.string().max(64).optional(), lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90), crs: CrsSchema.default('WGS-84') }))
      .max(5000)
      .optional()
      .openapi({ description: 'Candidate sites; by default the centres of the cells not yet covered.' }),
  })
  .openapi('GapRequest');

export const RunsQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) });

const Geometry = z.object({ type: z.string(), coordinates: z.any() }).openapi('ReachGeometry');

export const ReachStatusSchema = z
  .object({
    method: MethodSchema,
    graph: z
      .object({ file: z.string(), source: z.string(), builtAt: z.string(), nodes: z.number(), edges: z.number(), hasElevation: z.boolean(), demTiles: z.array(z.string()) })
      .nullable(),
    detourFactor: z.number(),
    flatSpeedMps: z.number(),
  })
  .openapi('ReachStatus');

export const IsochroneCollectionSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    method: MethodSchema,
    crs: z.literal('WGS-84'),
    origin: z.object({ lon: z.number(), lat: z.number() }),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        properties: z.object({ minutes: z.number(), seconds: z.number(), method: MethodSchema }).passthrough(),
        geometry: Geometry,
      }),
    ),
  })
  .openapi('Isochrones');

export const RouteSchema = z
  .object({
    method: MethodSchema,
    crs: z.literal('WGS-84'),
    minutes: z.number(),
    seconds: z.number(),
    distanceM: z.number(),
    climbM: z.number().nullable().openapi({ description: 'Metres climbed (network mode with elevation); null in estimate mode.' }),
    descentM: z.number().nullable(),
    geometry: Geometry,
  })
  .openapi('Route');

export const CatchmentCollectionSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    method: MethodSchema,
    crs: z.literal('WGS-84'),
    minutes: z.number(),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        properties: z.object({ id: z.string(), name: z.string(), kind: OrgKindSchema, minutes: z.number(), method: MethodSchema, snapped: z.boolean(), illustrative: z.boolean() }),
        geometry: Geometry.nullable(),
      }),
    ),
  })
  .openapi('Catchments');

const CategorySummary = z.object({ coveredCells: z.number(), coveredShare: z.number(), meanMinutes: z.number().nullable(), medianMinutes: z.number().nullable() });
const CellSummary = z.object({ cells: z.number(), reachableCells: z.number(), meanVenuesWithin: z.number(), byCategory: z.record(z.string(), CategorySummary) });

export const CoverageRunSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    method: MethodSchema,
    cellM: z.number(),
    minutes: z.number(),
    categories: z.array(z.string()),
    venueCount: z.number(),
    cellCount: z.number(),
    graph: z.record(z.string(), z.unknown()).nullable(),
    summary: CellSummary.extend({ venues: z.number(), venuesNotOnGraph: z.array(z.string()) }),
    areaSummaries: z.array(
      CellSummary.extend({ level: z.enum(['subdistrict', 'community']), code: z.string(), subdistrictCode: z.string().nullable().optional(), name: z.string(), method: MethodSchema }),
    ),
    areasIllustrative: z.boolean().openapi({ description: 'Subdistrict/community summaries use illustrative areas until the registry holds real ones.' }),
  })
  .openapi('CoverageRun');

export const CoverageCellsSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    method: MethodSchema,
    crs: z.literal('WGS-84'),
    runId: z.string(),
    minutes: z.number(),
    categories: z.array(z.string()),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        properties: z.object({ idx: z.number(), reachable: z.boolean(), minutes: z.record(z.string(), z.number().nullable()), nearestMinutes: z.number().nullable(), venuesWithin: z.number() }),
        geometry: Geometry,
      }),
    ),
  })
  .openapi('CoverageCells');

export const GapResultSchema = z
  .object({
    method: MethodSchema,
    category: z.string().nullable(),
    minutes: z.number(),
    cells: z.number(),
    coveredBefore: z.number(),
    coveredAfter: z.number(),
    shareBefore: z.number(),
    shareAfter: z.number(),
    picks: z.array(z.object({ id: z.string(), lon: z.number(), lat: z.number(), gain: z.number(), cumulativeShare: z.number() })),
    skipped: z.array(z.string()),
  })
  .openapi('GapResult');
