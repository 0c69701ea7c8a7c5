import { getConnInfo } from '@hono/node-server/conninfo';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.ts';
import { safeEqual } from '../lib/crypto.ts';
import type { AppEnv } from './openapi.ts';
import { readSessionCookie } from './session-cookie.ts';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Writes that create a session rather than use one. */
const CSRF_EXEMPT = new Set(['/api/auth/sign-in', '/api/auth/register']);

function clientIp(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string | null {
  if (c.var.config.trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null; // in-process requests (tests) have no socket
  }
}

/**
 * The only endpoints that take a file as the raw request body instead of JSON (POST only). Each checks its own media
 * types and has its own size limit (see app.ts); CSRF and authentication apply as everywhere.
 */
export const RAW_UPLOAD_PATHS: ReadonlySet<string> = new Set(['/api/directory/imports']);

/** A course library file upload (`POST /api/classes/library/{id}/file`); its own size limit applies. */
export function isLibraryUpload(path: string): boolean {
  return /^\/api\/classes\/library\/[^/]+\/file$/.test(path);
}

export function isRawUpload(method: string, path: string): boolean {
  return method === 'POST' && (RAW_UPLOAD_PATHS.has(path) || isLibraryUpload(path));
}

/** API bodies are JSON: anything else with a body is refused before it reaches validation. */
export const requireJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (UNSAFE_METHODS.has(c.req.method) && !isRawUpload(c.req.method, c.req.path)) {
    const length = c.req.header('content-length');
    const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
    const type = c.req.header('content-type') ?? '';
    if (hasBody && !/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type)) throw new AppError('unsupported_media_type');
  }
  await next();
};

/** Resolves the caller from a bearer API token or the session cookie into the request context. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const ip = clientIp(c);
  const userAgent = c.req.header('user-agent') ?? null;
  const authorization = c.req.header('authorization');
  c.set('sessionCsrfToken', null);
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const resolved = match ? await c.var.services.auth.resolveApiToken(match[1]!) : null;
    c.set('ctx', { actor: resolved?.actor ?? null, authFailure: resolved?.failure ?? 'invalid_token', ip, userAgent });
    return next();
  }
  const cookie = readSessionCookie(c);
  if (cookie) {
    const resolved = await c.var.services.auth.resolveSession(cookie);
    c.set('ctx', { actor: resolved.actor, authFailure: resolved.failure, ip, userAgent });
    c.set('sessionCsrfToken', resolved.csrfToken);
    return next();
  }
  c.set('ctx', { actor: null, authFailure: null, ip, userAgent });
  return next();
};

/**
 * CSRF protection for cookie-authenticated writes: the x-csrf-token header must echo the session's token. A
 * cross-site page can make the browser send the cookie but cannot read the token. Bearer-token calls are exempt.
 */
export const csrfProtection: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = c.var.sessionCsrfToken;
  if (UNSAFE_METHODS.has(c.req.method) && expected && !CSRF_EXEMPT.has(c.req.path)) {
    const sent = c.req.header('x-csrf-token');
    if (!sent) throw new AppError('csrf_token_missing');
    if (!safeEqual(sent, expected)) throw new AppError('csrf_token_invalid');
  }
  await next();
};
