import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError, errorFromReach, errorFromSqlState, isAppError } from '../errors.ts';
import type { AppEnv } from './openapi.ts';

/** Turns anything thrown while handling a request into the one error shape; only genuine faults become 500s. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (error instanceof HTTPException) {
    if (error.status === 400 && /json/i.test(error.message)) return new AppError('malformed_json');
    if (error.status === 413) return new AppError('payload_too_large');
    if (error.status === 401) return new AppError('unauthenticated');
    if (error.status === 404) return new AppError('not_found');
    if (error.status === 405) return new AppError('method_not_allowed');
    if (error.status >= 400 && error.status < 500) return new AppError('validation_failed', error.message);
  }
  const fromReach = errorFromReach(error);
  if (fromReach) return fromReach;
  const fromSql = errorFromSqlState(error);
  if (fromSql) return fromSql;
  return new AppError('internal_error', undefined, { cause: error });
}

export function onError(error: Error, c: Context<AppEnv>) {
  const appError = toAppError(error);
  if (appError.status >= 500) console.error(`[${c.req.method} ${c.req.path}]`, appError.cause ?? error);
  for (const [name, value] of Object.entries(appError.headers ?? {})) c.header(name, value);
  return c.json(
    { error: appError.id, message: appError.message, ...(appError.issues ? { issues: appError.issues } : {}) },
    appError.status as ContentfulStatusCode,
  );
}
