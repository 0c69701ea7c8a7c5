import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonContent, type AppOpenAPI } from '../../http/openapi.ts';
import { CrsSchema, DivisionCodeSchema, OrgKindSchema } from '../registry/registry.schema.ts';
import { presentService } from './directory.presenter.ts';
import { ServiceTypeSchema, ServiceViewSchema } from './directory.schema.ts';
import { SEARCH_WINDOW, type SearchResult } from './directory.search.ts';

const Code = z.string().regex(/^[a-z][a-z0-9_]{1,40}$/, 'lower-case letters, digits and _');

/** "lon,lat" in a query string. */
const LonLatText = z
  .string()
  .regex(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/, 'lon,lat in decimal degrees')
  .transform((text) => text.split(',').map(Number) as [number, number])
  .refine(([lon, lat]) => Math.abs(lon) <= 180 && Math.abs(lat) <= 90, 'lon within ±180, lat within ±90');

export const SearchQuerySchema = z
  .strictObject({
    q: z.string().trim().max(100).optional().openapi({
      description:
        'Words to find (Chinese or pinyin). Segmented with jieba; every word must match the name, organisation, categories, description or places. ' +
        'Pinyin of names matches too: full pinyin or initials from the start of any word of the name (pipashan, ppssy), and a homophone typo in characters (琵琶山书院 finds 枇杷山书院).',
      example: '书法',
    }),
    category: Code.optional().openapi({ description: 'base_category code (of the service or of its organisation)', example: 'arts' }),
    age: z.coerce.number().int().min(0).max(120).optional().openapi({ description: "A child's age in years: services whose age band includes it" }),
    providerKind: Code.optional().openapi({ description: "provider_kind code of the service's organisation", example: 'museum' }),
    kind: OrgKindSchema.optional(),
    openOn: z.coerce.number().int().min(1).max(7).optional().openapi({ description: 'Open or offered on this weekday (1 = Monday … 7 = Sunday): a place opens that day, or a weekly schedule names it' }),
    free: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    serviceType: ServiceTypeSchema.optional(),
    divisionCode: DivisionCodeSchema.optional().openapi({ description: "The organisation's division or any division above it (subdistrict, district)" }),
    near: LonLatText.optional().openapi({ description: 'Only places within `minutes` of walking from this point: "lon,lat"', example: '106.5665,29.5535' }),
    crs: CrsSchema.optional().openapi({ description: 'Coordinate system of `near` (default WGS-84)' }),
    nearChildSchool: z.uuid().optional().openapi({ description: "Only places within `minutes` of walking from this child's school (signed-in guardians of the child; audited)" }),
    nearHome: z.uuid().optional().openapi({ description: "Only places within `minutes` of walking from this family's home point (signed-in guardians of the family; see PUT /api/families/{id}/home)" }),
    minutes: z.coerce.number().int().min(1).max(60).optional().openapi({ description: 'Walking minutes for near / nearChildSchool / nearHome (default 15)' }),
    limit: z.coerce.number().int().min(1).max(50).default(20),
    offset: z.coerce.number().int().min(0).max(SEARCH_WINDOW - 1).default(0),
  })
  .superRefine((v, ctx) => {
    const origins = [v.near, v.nearChildSchool, v.nearHome].filter((o) => o !== undefined).length;
    if (origins > 1) ctx.addIssue({ code: 'custom', path: [v.nearHome ? 'nearHome' : 'nearChildSchool'], message: 'use one of near, nearChildSchool and nearHome' });
    if (v.minutes !== undefined && origins === 0) ctx.addIssue({ code: 'custom', path: ['minutes'], message: 'minutes needs near, nearChildSchool or nearHome' });
    if (v.crs !== undefined && !v.near) ctx.addIssue({ code: 'custom', path: ['crs'], message: 'crs applies to near' });
    if (v.offset + v.limit > SEARCH_WINDOW) ctx.addIssue({ code: 'custom', path: ['offset'], message: `only the first ${SEARCH_WINDOW} results are served: refine the search` });
  });

const SpanSchema = z.object({ start: z.number().int(), end: z.number().int() }).openapi('TextSpan', {
  description: 'A matched range as JavaScript string indices (UTF-16 code units) into the text it belongs to: [start, end)',
});

export const SearchHitSchema = z
  .object({
    service: ServiceViewSchema,
    score: z.number().nullable().openapi({ description: 'Text relevance (ts_rank_cd with weights, 0–1), with the nearness boost when near is used; null without q' }),
    match: z.enum(['name', 'text']).nullable().openapi({ description: '`name`: the name, organisation, categories or pinyin of names matched; `text`: only with the description or places; null without q' }),
    walkMinutes: z.number().nullable().openapi({ description: 'Walking minutes to the nearest place of the service (near / nearChildSchool / nearHome only)' }),
    walkMethod: z.enum(['network', 'estimate']).nullable(),
    highlights: z.object({
      name: z.array(SpanSchema).openapi({ description: 'Matched ranges of service.name' }),
      description: z.object({ text: z.string(), spans: z.array(SpanSchema) }).nullable().openapi({ description: 'A snippet of the description around its first match (… marks cuts), with the matched ranges in the snippet' }),
    }),
  })
  .openapi('SearchHit');

export const SearchResultSchema = z
  .object({
    items: z.array(SearchHitSchema),
    total: z.number().int(),
    totalIsLowerBound: z.boolean().openapi({ description: `true when more than ${SEARCH_WINDOW} services match: total is then "at least"` }),
    limit: z.number().int(),
    offset: z.number().int(),
    query: z.object({ text: z.string().nullable(), tokens: z.array(z.string()), pinyin: z.array(z.string()) }).openapi({ description: 'How q was understood: its words and the pinyin it also matches names by' }),
    near: z
      .object({
        lon: z.number(),
        lat: z.number(),
        minutes: z.number(),
        method: z.enum(['network', 'estimate']).openapi({ description: '`network`: walked on the street graph; `estimate`: straight line × detour factor' }),
        source: z.enum(['point', 'child_school', 'home']),
        schoolName: z.string().nullable(),
      })
      .nullable(),
  })
  .openapi('SearchResult');

const search = createRoute({
  method: 'get',
  path: '/api/directory/search',
  tags: ['directory'],
  summary: 'Search offers: Chinese full text with pinyin tolerance, filters, within N walking minutes; ranked, paged, highlighted. Public (nearChildSchool, nearHome: guardians)',
  request: { query: SearchQuerySchema },
  responses: {
    200: jsonContent(SearchResultSchema, 'A page of ranked results'),
    ...errorResponses(400, 401, 403, 404),
    422: jsonContent(z.any(), 'point_outside_graph: near is too far from any street of the loaded walking graph'),
  },
});

export function presentSearch(result: SearchResult): z.infer<typeof SearchResultSchema> {
  return {
    items: result.items.map((hit) => ({
      service: presentService(hit.aggregate),
      score: hit.score,
      match: hit.match,
      walkMinutes: hit.walkMinutes,
      walkMethod: hit.walkMethod,
      highlights: hit.highlights,
    })),
    total: result.total,
    totalIsLowerBound: result.totalIsLowerBound,
    limit: result.limit,
    offset: result.offset,
    query: result.query,
    near: result.near,
  };
}

export function registerSearchRoutes(app: AppOpenAPI) {
  app.openapi(search, async (c) => c.json(presentSearch(await c.var.services.search.search(c.var.ctx, c.req.valid('query'))), 200));
}
