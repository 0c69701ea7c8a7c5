import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonBody, jsonContent, uuidParams, type AppOpenAPI } from '../../http/openapi.ts';
import { presentChild, presentFamily, presentHome } from './families.presenter.ts';
import {
  AcceptInvitationSchema,
  ChildViewSchema,
  CreateChildSchema,
  CreateFamilySchema,
  CreateInvitationSchema,
  FamilyHomeSchema,
  FamilyViewSchema,
  InvitationViewSchema,
  SetHomeSchema,
  UpdateChildSchema,
} from './families.schema.ts';

const tags = ['families'];
const writeErrors = errorResponses(400, 401, 403, 404, 409, 413, 415);

const listMine = createRoute({
  method: 'get',
  path: '/api/families',
  tags,
  summary: 'My families (as guardian)',
  responses: { 200: jsonContent(z.object({ items: z.array(FamilyViewSchema) }), 'Families'), ...errorResponses(401, 403) },
});
const createFamily = createRoute({
  method: 'post',
  path: '/api/families',
  tags,
  summary: 'Create a family account; you become its first guardian',
  request: { body: jsonBody(CreateFamilySchema) },
  responses: { 201: jsonContent(FamilyViewSchema, 'Created'), ...writeErrors },
});
const getFamily = createRoute({
  method: 'get',
  path: '/api/families/{id}',
  tags,
  summary: "A family with its guardians and children (guardians; staff of a child's school; district admins). Audited.",
  request: { params: uuidParams('id') },
  responses: { 200: jsonContent(FamilyViewSchema, 'Family'), ...errorResponses(400, 401, 403, 404) },
});
const addChild = createRoute({
  method: 'post',
  path: '/api/families/{id}/children',
  tags,
  summary: 'Add a child profile (guardians only)',
  request: { params: uuidParams('id'), body: jsonBody(CreateChildSchema) },
  responses: { 201: jsonContent(ChildViewSchema, 'Created'), ...writeErrors },
});
const updateChild = createRoute({
  method: 'patch',
  path: '/api/families/{id}/children/{childId}',
  tags,
  summary: "Change a child's profile or PIN (guardians only)",
  request: { params: uuidParams('id', 'childId'), body: jsonBody(UpdateChildSchema) },
  responses: { 200: jsonContent(ChildViewSchema, 'Updated'), ...writeErrors },
});
const invite = createRoute({
  method: 'post',
  path: '/api/families/{id}/invitations',
  tags,
  summary: 'Invite another guardian with a one-time code (valid 7 days)',
  request: { params: uuidParams('id'), body: jsonBody(CreateInvitationSchema) },
  responses: { 201: jsonContent(InvitationViewSchema, 'Invitation'), ...writeErrors },
});
const accept = createRoute({
  method: 'post',
  path: '/api/invitations/accept',
  tags,
  summary: 'Join a family as guardian with an invitation code',
  request: { body: jsonBody(AcceptInvitationSchema) },
  responses: { 200: jsonContent(FamilyViewSchema, 'Joined'), ...errorResponses(400, 401, 403, 409, 410, 413, 415) },
});

const getHome = createRoute({
  method: 'get',
  path: '/api/families/{id}/home',
  tags,
  summary: "The family's home point, used to search near home (its guardians only)",
  request: { params: uuidParams('id') },
  responses: { 200: jsonContent(FamilyHomeSchema, 'Home point or null'), ...errorResponses(400, 401, 403, 404) },
});
const setHome = createRoute({
  method: 'put',
  path: '/api/families/{id}/home',
  tags,
  summary: "Set the family's home point (guardians; audited without the place). A nearby corner is enough.",
  request: { params: uuidParams('id'), body: jsonBody(SetHomeSchema) },
  responses: { 200: jsonContent(FamilyHomeSchema, 'Saved'), ...writeErrors },
});
const clearHome = createRoute({
  method: 'delete',
  path: '/api/families/{id}/home',
  tags,
  summary: "Forget the family's home point (guardians; audited)",
  request: { params: uuidParams('id') },
  responses: { 200: jsonContent(FamilyHomeSchema, 'Forgotten'), ...writeErrors },
});

export function registerFamilyRoutes(app: AppOpenAPI) {
  app.openapi(listMine, async (c) => c.json({ items: (await c.var.services.families.listMine(c.var.ctx)).map(presentFamily) }, 200));
  app.openapi(createFamily, async (c) => c.json(presentFamily(await c.var.services.families.create(c.var.ctx, c.req.valid('json'))), 201));
  app.openapi(getFamily, async (c) => c.json(presentFamily(await c.var.services.families.get(c.var.ctx, c.req.valid('param').id)), 200));
  app.openapi(addChild, async (c) =>
    c.json(presentChild(await c.var.services.families.addChild(c.var.ctx, c.req.valid('param').id, c.req.valid('json'))), 201),
  );
  app.openapi(updateChild, async (c) => {
    const { id, childId } = c.req.valid('param');
    return c.json(presentChild(await c.var.services.families.updateChild(c.var.ctx, id, childId, c.req.valid('json'))), 200);
  });
  app.openapi(invite, async (c) => {
    const { code, expiresAt } = await c.var.services.families.invite(c.var.ctx, c.req.valid('param').id, c.req.valid('json'));
    return c.json({ code, expiresAt: expiresAt.toISOString() }, 201);
  });
  app.openapi(getHome, async (c) => c.json(presentHome(await c.var.services.families.getHome(c.var.ctx, c.req.valid('param').id)), 200));
  app.openapi(setHome, async (c) => c.json(presentHome(await c.var.services.families.setHome(c.var.ctx, c.req.valid('param').id, c.req.valid('json'))), 200));
  app.openapi(clearHome, async (c) => {
    await c.var.services.families.clearHome(c.var.ctx, c.req.valid('param').id);
    return c.json(presentHome(null), 200);
  });
  app.openapi(accept, async (c) => c.json(presentFamily(await c.var.services.families.acceptInvitation(c.var.ctx, c.req.valid('json'))), 200));
}
