import { createRoute } from '@hono/zod-openapi';
import { errorResponses, jsonBody, jsonContent, uuidParams, type AppOpenAPI } from '../../http/openapi.ts';
import { RoleViewSchema } from '../auth/auth.schema.ts';
import { presentAdminUser, presentGrant } from './users.presenter.ts';
import { AdminUserListSchema, AdminUserViewSchema, CreateUserSchema, GrantInputSchema, UserListQuerySchema } from './users.schema.ts';

const tags = ['users'];

const listUsers = createRoute({
  method: 'get',
  path: '/api/admin/users',
  tags,
  summary: 'Users and their roles, limited to your administrative scope',
  request: { query: UserListQuerySchema },
  responses: { 200: jsonContent(AdminUserListSchema, 'Users'), ...errorResponses(400, 401, 403) },
});
const createUser = createRoute({
  method: 'post',
  path: '/api/admin/users',
  tags,
  summary: 'Create a staff account, optionally with a role (scoped admins must give one in their scope)',
  request: { body: jsonBody(CreateUserSchema) },
  responses: { 201: jsonContent(AdminUserViewSchema, 'Created'), ...errorResponses(400, 401, 403, 409, 413, 415) },
});
const grantRole = createRoute({
  method: 'post',
  path: '/api/admin/users/{id}/roles',
  tags,
  summary: 'Grant a role in a scope (audited)',
  request: { params: uuidParams('id'), body: jsonBody(GrantInputSchema) },
  responses: { 201: jsonContent(RoleViewSchema, 'Granted'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
});
const revokeRole = createRoute({
  method: 'delete',
  path: '/api/admin/users/{id}/roles/{grantId}',
  tags,
  summary: 'Revoke a role grant (audited)',
  request: { params: uuidParams('id', 'grantId') },
  responses: { 204: { description: 'Revoked' }, ...errorResponses(400, 401, 403, 404, 409) },
});

export function registerUserRoutes(app: AppOpenAPI) {
  app.openapi(listUsers, async (c) => {
    const { items, total, grants } = await c.var.services.users.list(c.var.ctx, c.req.valid('query'));
    const names = await c.var.services.users.scopeNames(grants);
    return c.json({ items: items.map((user) => presentAdminUser(user, grants, names)), total }, 200);
  });

  app.openapi(createUser, async (c) => {
    const { role, scopeType, scopeId, ...rest } = c.req.valid('json');
    const grant = role && scopeType && scopeId ? { role, scopeType, scopeId } : undefined;
    const { user, grants } = await c.var.services.users.create(c.var.ctx, { ...rest, grant });
    const names = await c.var.services.users.scopeNames(grants);
    return c.json(presentAdminUser(user, grants, names), 201);
  });

  app.openapi(grantRole, async (c) => {
    const grant = await c.var.services.users.grant(c.var.ctx, c.req.valid('param').id, c.req.valid('json'));
    return c.json(presentGrant(grant, await c.var.services.users.scopeNames([grant])), 201);
  });

  app.openapi(revokeRole, async (c) => {
    const { id, grantId } = c.req.valid('param');
    await c.var.services.users.revoke(c.var.ctx, id, grantId);
    return c.body(null, 204);
  });
}
