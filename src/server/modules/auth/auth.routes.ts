import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AppError } from '../../errors.ts';
import { errorResponses, jsonBody, jsonContent, uuidParams, type AppEnv, type AppOpenAPI } from '../../http/openapi.ts';
import { clearSessionCookie, writeSessionCookie } from '../../http/session-cookie.ts';
import type { Actor } from '../access/actor.ts';
import { presentApiToken, presentSession } from './auth.presenter.ts';
import {
  ApiTokenSchema,
  ChildModeExitSchema,
  ChildModeSchema,
  CreatedApiTokenSchema,
  CreateTokenSchema,
  RegisterSchema,
  SessionViewSchema,
  SignInSchema,
  UpdateMeSchema,
} from './auth.schema.ts';

const tags = ['auth'];

const signIn = createRoute({
  method: 'post',
  path: '/api/auth/sign-in',
  tags,
  summary: 'Sign in with username or mobile number and password (rate-limited)',
  request: { body: jsonBody(SignInSchema) },
  responses: { 200: jsonContent(SessionViewSchema, 'Signed in; the session cookie is set'), ...errorResponses(400, 401, 403, 413, 415, 429) },
});
const register = createRoute({
  method: 'post',
  path: '/api/auth/register',
  tags,
  summary: 'Parent self-registration with a mobile number; signs in',
  request: { body: jsonBody(RegisterSchema) },
  responses: { 201: jsonContent(SessionViewSchema, 'Registered and signed in'), ...errorResponses(400, 409, 413, 415) },
});
const getSession = createRoute({
  method: 'get',
  path: '/api/auth/session',
  tags,
  summary: 'The current session (user, roles with scopes, child mode, CSRF token)',
  responses: { 200: jsonContent(SessionViewSchema, 'Signed in'), ...errorResponses(401) },
});
const signOut = createRoute({
  method: 'post',
  path: '/api/auth/sign-out',
  tags,
  summary: 'Sign out (ends the session)',
  responses: { 204: { description: 'Signed out' }, ...errorResponses(401, 403) },
});
const enterChildMode = createRoute({
  method: 'post',
  path: '/api/auth/child-mode',
  tags,
  summary: "Switch this device's session to a child's profile after the child's PIN",
  request: { body: jsonBody(ChildModeSchema) },
  responses: { 200: jsonContent(SessionViewSchema, 'Now in child mode'), ...errorResponses(400, 401, 403, 404, 409, 429) },
});
const exitChildMode = createRoute({
  method: 'post',
  path: '/api/auth/child-mode/exit',
  tags,
  summary: "Leave child mode with the guardian's password",
  request: { body: jsonBody(ChildModeExitSchema) },
  responses: { 200: jsonContent(SessionViewSchema, 'Back to the guardian'), ...errorResponses(400, 401, 403, 409) },
});
const updateMe = createRoute({
  method: 'patch',
  path: '/api/me',
  tags,
  summary: 'Update my display name or language',
  request: { body: jsonBody(UpdateMeSchema) },
  responses: { 200: jsonContent(SessionViewSchema, 'Updated'), ...errorResponses(400, 401, 403) },
});
const listTokens = createRoute({
  method: 'get',
  path: '/api/me/tokens',
  tags,
  summary: 'My active API tokens (staff)',
  responses: { 200: jsonContent(z.object({ items: z.array(ApiTokenSchema) }), 'Tokens'), ...errorResponses(401, 403) },
});
const createToken = createRoute({
  method: 'post',
  path: '/api/me/tokens',
  tags,
  summary: 'Create an API token for an integration (staff); the secret is shown once',
  request: { body: jsonBody(CreateTokenSchema) },
  responses: { 201: jsonContent(CreatedApiTokenSchema, 'Created'), ...errorResponses(400, 401, 403) },
});
const revokeToken = createRoute({
  method: 'delete',
  path: '/api/me/tokens/{id}',
  tags,
  summary: 'Revoke one of my API tokens',
  request: { params: uuidParams('id') },
  responses: { 204: { description: 'Revoked' }, ...errorResponses(400, 401, 403, 404) },
});

async function sessionView(c: Context<AppEnv>, actor: Actor, csrfToken: string) {
  const { user, scopeNames, familyNames } = await c.var.services.auth.userProfile(actor);
  return presentSession(actor, user, csrfToken, scopeNames, familyNames);
}

function currentCsrf(c: Context<AppEnv>): string {
  // API-token callers have no CSRF token: they are not browsers holding ambient credentials.
  return c.var.sessionCsrfToken ?? '';
}

export function registerAuthRoutes(app: AppOpenAPI) {
  app.openapi(signIn, async (c) => {
    const { actor, session } = await c.var.services.auth.signIn(c.var.ctx, c.req.valid('json'));
    writeSessionCookie(c, session.cookieSecret, session.expiresAt);
    return c.json(await sessionView(c, actor, session.csrfToken), 200);
  });

  app.openapi(register, async (c) => {
    const { actor, session } = await c.var.services.auth.register(c.var.ctx, c.req.valid('json'));
    writeSessionCookie(c, session.cookieSecret, session.expiresAt);
    return c.json(await sessionView(c, actor, session.csrfToken), 201);
  });

  app.openapi(getSession, async (c) => {
    const actor = c.var.ctx.actor;
    if (!actor) throw new AppError(c.var.ctx.authFailure ?? 'unauthenticated');
    return c.json(await sessionView(c, actor, currentCsrf(c)), 200);
  });

  app.openapi(signOut, async (c) => {
    await c.var.services.auth.signOut(c.var.ctx);
    clearSessionCookie(c);
    return c.body(null, 204);
  });

  app.openapi(enterChildMode, async (c) => {
    const actor = await c.var.services.auth.enterChildMode(c.var.ctx, c.req.valid('json'));
    return c.json(await sessionView(c, actor, currentCsrf(c)), 200);
  });

  app.openapi(exitChildMode, async (c) => {
    const actor = await c.var.services.auth.exitChildMode(c.var.ctx, c.req.valid('json'));
    return c.json(await sessionView(c, actor, currentCsrf(c)), 200);
  });

  app.openapi(updateMe, async (c) => {
    const actor = await c.var.services.auth.updateProfile(c.var.ctx, c.req.valid('json'));
    return c.json(await sessionView(c, actor, currentCsrf(c)), 200);
  });

  app.openapi(listTokens, async (c) => {
    const rows = await c.var.services.auth.listApiTokens(c.var.ctx);
    return c.json({ items: rows.map(presentApiToken) }, 200);
  });

  app.openapi(createToken, async (c) => {
    const { row, secret } = await c.var.services.auth.createApiToken(c.var.ctx, c.req.valid('json'));
    return c.json({ ...presentApiToken(row), token: secret }, 201);
  });

  app.openapi(revokeToken, async (c) => {
    await c.var.services.auth.revokeApiToken(c.var.ctx, c.req.valid('param').id);
    return c.body(null, 204);
  });
}
