import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonBody, jsonContent, uuidParams, type AppOpenAPI } from '../../http/openapi.ts';
import { storedFileResponse } from '../../storage/serve.ts';
import { CourseSchema } from './classes.schema.ts';
import { LIBRARY_UPLOAD_TYPES } from './library.media.ts';

const tags = ['classes: online library'];

const FileSchema = CourseSchema.shape.file.unwrap();
const ProgressSchema = z
  .object({
    positionSeconds: z.number(),
    percent: z.number(),
    startedAt: z.string(),
    updatedAt: z.string(),
    completedAt: z.string().nullable().openapi({ description: 'Set once, at the first save at 95 % or more (or with completed: true), and never cleared' }),
  })
  .openapi('LibraryProgress');

const ProgressInputSchema = z
  .strictObject({
    positionSeconds: z.number().int().min(0).max(86400).openapi({ description: 'Where to resume (seconds into a video or audio; 0 for articles and documents)' }),
    percent: z.number().int().min(0).max(100).openapi({ description: 'How much is done; the stored percent only grows' }),
    completed: z.boolean().optional().openapi({ description: 'true: mark complete (e.g. "I have read it"); false or absent never un-completes' }),
  })
  .openapi('LibraryProgressInput');

const EntrySchema = z.object({
  id: z.string(),
  title: z.string(),
  tier: z.enum(['general', 'required', 'custom']),
  topic: z.string(),
  ageMin: z.number(),
  ageMax: z.number(),
  file: FileSchema.nullable(),
});

const MyLearningSchema = z
  .object({
    inProgress: z.array(z.object({ course: EntrySchema.extend({ durationMinutes: z.number() }), progress: ProgressSchema })).openapi({ description: 'Started, not completed, most recent first ("继续学习")' }),
    completed: z.array(z.object({ course: EntrySchema.extend({ durationMinutes: z.number() }), progress: ProgressSchema })),
    families: z
      .array(z.object({ familyId: z.string(), name: z.string(), completed: z.number().openapi({ description: 'Entries completed by any guardian of the family, each counted once' }), guardiansCompleting: z.number() }))
      .openapi({ description: 'Completion counted per family' }),
  })
  .openapi('MyLearning');

const ReasonSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('age'), ageMin: z.number(), ageMax: z.number(), childAge: z.number() }),
    z.object({ kind: z.literal('completed'), courseId: z.string(), title: z.string() }),
    z.object({ kind: z.literal('booked'), title: z.string() }),
    z.object({ kind: z.literal('tier'), tier: z.enum(['general', 'required', 'custom']) }),
  ])
  .openapi('RecommendationReason');

const RecommendationsSchema = z
  .object({
    childAges: z.array(z.number()).openapi({ description: "The family's children's ages this year (from birth years) that the ranking used" }),
    items: z.array(z.object({ course: EntrySchema, reasons: z.array(ReasonSchema), reasonText: z.string().openapi({ description: 'The reasons as one short Chinese line, e.g. "适合 6–9 岁；因为你学完了《…》"' }) })),
  })
  .openapi('LibraryRecommendations');

const routes = {
  mine: createRoute({ method: 'get', path: '/api/classes/library/mine', tags, summary: 'My learning (guardians): entries in progress ("continue"), completed ones, and completions per family', responses: { 200: jsonContent(MyLearningSchema, 'My learning'), ...errorResponses(401, 403) } }),
  recommendations: createRoute({
    method: 'get',
    path: '/api/classes/library/recommendations',
    tags,
    summary: "Recommended library entries for me (guardians), by my children's ages and my family's completed entries and booked classes, each with its reasons",
    request: { query: z.strictObject({ limit: z.coerce.number().int().min(1).max(50).default(8) }) },
    responses: { 200: jsonContent(RecommendationsSchema, 'Recommendations'), ...errorResponses(400, 401, 403) },
  }),
  progress: createRoute({
    method: 'put',
    path: '/api/classes/library/{id}/progress',
    tags,
    summary: 'Save my progress in a library entry (guardians; idempotent; completion at 95 % or on request, never undone)',
    request: { params: uuidParams('id'), body: jsonBody(ProgressInputSchema) },
    responses: { 200: jsonContent(ProgressSchema.extend({ courseId: z.string() }), 'Saved'), ...errorResponses(400, 401, 403, 404, 409, 415) },
  }),
  file: createRoute({
    method: 'get',
    path: '/api/classes/library/{id}/file',
    tags,
    summary: "The entry's file from our storage (guardians and staff), streamed; Range requests (206/416) for seeking, ETag and If-None-Match (304)",
    request: { params: uuidParams('id') },
    responses: {
      200: { content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } }, description: 'The file, with its own Content-Type' },
      206: { description: 'The requested byte range' },
      304: { description: 'Not modified (If-None-Match)' },
      416: { description: 'Range not satisfiable' },
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  upload: createRoute({
    method: 'post',
    path: '/api/classes/library/{id}/file',
    tags,
    summary: "Upload or replace an entry's file (district and centre staff); the file is the raw request body",
    description:
      `Send the file itself as the body with its Content-Type: ${LIBRARY_UPLOAD_TYPES.join(', ')}. The bytes must match the type (checked by their first bytes): ` +
      '400 library_file_mismatch otherwise, 415 library_file_type for other types, 400 library_file_empty, 413 payload_too_large over COEDU_LIBRARY_MAX_BYTES.',
    request: {
      params: uuidParams('id'),
      query: z.strictObject({ fileName: z.string().trim().min(1).max(150).optional().openapi({ description: 'Download name (default: the title); the extension follows the type' }) }),
      body: { content: Object.fromEntries(LIBRARY_UPLOAD_TYPES.map((t) => [t, { schema: z.string().openapi({ format: 'binary' }) }])), required: true },
    },
    responses: { 201: jsonContent(FileSchema, 'Stored'), ...errorResponses(400, 401, 403, 404, 413, 415) },
  }),
};

/** Registered before the other /api/classes routes, so that /api/classes/library/… is never read as a class id. */
export function registerLibraryRoutes(app: AppOpenAPI) {
  app.openapi(routes.mine, async (c) => c.json(await c.var.services.library.myLearning(c.var.ctx), 200));
  app.openapi(routes.recommendations, async (c) => c.json(await c.var.services.library.recommendations(c.var.ctx, c.req.valid('query').limit), 200));
  app.openapi(routes.progress, async (c) => c.json(await c.var.services.library.saveProgress(c.var.ctx, c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(routes.file, async (c) => {
    const file = await c.var.services.library.file(c.var.ctx, c.req.valid('param').id);
    return (await storedFileResponse(c.req.raw, c.var.services.storage, file, { disposition: file.mediaKind === 'document' ? 'attachment' : 'inline' })) as never;
  });
  app.openapi(routes.upload, async (c) => {
    const stored = await c.var.services.library.upload(c.var.ctx, c.req.valid('param').id, {
      contentType: c.req.header('content-type'),
      bytes: async () => new Uint8Array(await c.req.arrayBuffer()),
      fileName: c.req.valid('query').fileName,
    });
    return c.json(stored, 201);
  });
}
