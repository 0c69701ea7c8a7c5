import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { Config } from '../config.ts';
import { AppError, errorCatalogue, type ErrorIssue } from '../errors.ts';
import type { RequestContext } from '../modules/access/actor.ts';
import type { Services } from '../services.ts';

export type AppEnv = {
  Variables: {
    ctx: RequestContext;
    services: Services;
    config: Config;
    /** Set when the request was authenticated by a session cookie (then writes need the CSRF token). */
    sessionCsrfToken: string | null;
  };
};

export type AppOpenAPI = OpenAPIHono<AppEnv>;

export const ErrorSchema = z
  .object({
    error: z.enum(Object.keys(errorCatalogue) as [keyof typeof errorCatalogue, ...(keyof typeof errorCatalogue)[]]).openapi({
      description: 'Stable error id; clients switch on it.',
    }),
    message: z.string(),
    issues: z
      .array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() }))
      .optional()
      .openapi({ description: 'For validation errors: one entry per problem, with the field path.' }),
  })
  .openapi('Error');

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

/** A required JSON body. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: { 'application/json': { schema } }, required: true };
}

const statusText: Record<number, string> = {
  400: 'Invalid request (validation_failed, malformed_json, invalid_id, constraint_violation)',
  401: 'Not signed in, session expired, or bad credentials',
  403: 'Role or scope does not allow it, child mode, or CSRF token missing/invalid',
  404: 'Not found',
  409: 'Conflicts with existing data',
  410: 'Gone (expired or used)',
  413: 'Body too large',
  415: 'Body is not JSON',
  429: 'Too many attempts',
};

export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, jsonContent(ErrorSchema, statusText[status] ?? 'Error')])) as Record<
    number,
    ReturnType<typeof jsonContent<typeof ErrorSchema>>
  >;
}

export function issuesFromZod(error: ZodError): ErrorIssue[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `Unknown field(s): ${issue.keys.join(', ')}`;
    return { path: issue.path.join('.'), message, code: issue.code };
  });
}

/** One OpenAPIHono per module group, all sharing the validation hook that turns zod failures into our errors. */
export function createOpenApiApp(): AppOpenAPI {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const issues = issuesFromZod(result.error);
      if (result.target === 'param') throw new AppError('invalid_id', `Invalid path parameter: ${issues.map((i) => i.path).join(', ')}`, { issues });
      throw new AppError('validation_failed', undefined, { issues });
    },
  });
}

/** Path parameters that must be UUIDs; a malformed one is answered with 400 invalid_id. */
export function uuidParams<K extends string>(...names: K[]) {
  const shape = {} as Record<K, z.ZodUUID>;
  for (const name of names) shape[name] = z.uuid().openapi({ param: { name, in: 'path' }, example: '6f1d2c4e-8a9b-4c3d-9e8f-1a2b3c4d5e6f' });
  return z.object(shape);
}
