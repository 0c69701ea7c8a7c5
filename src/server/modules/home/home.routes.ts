import { createRoute } from '@hono/zod-openapi';
import { errorResponses, jsonContent, type AppOpenAPI } from '../../http/openapi.ts';
import { presentHomeSection } from './home.presenter.ts';
import { HomeSchema } from './home.schema.ts';

const home = createRoute({
  method: 'get',
  path: '/api/home',
  tags: ['home'],
  summary: 'The home page of the signed-in user: one section per role held (child mode: the child section only)',
  responses: { 200: jsonContent(HomeSchema, 'Home sections'), ...errorResponses(401) },
});

export function registerHomeRoutes(app: AppOpenAPI) {
  app.openapi(home, async (c) => c.json({ sections: (await c.var.services.home.sections(c.var.ctx)).map(presentHomeSection) }, 200));
}
