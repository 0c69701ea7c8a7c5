import fs from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { Hono } from 'hono';
import { logger } from 'hono/logger';
import type { Config } from './config.ts';
import { AppError } from './errors.ts';
import { mountApiDocs } from './http/api-docs.ts';
import { authenticate, csrfProtection, isLibraryUpload, isRawUpload, requireJsonBody } from './http/middleware.ts';
import { onError } from './http/on-error.ts';
import { createOpenApiApp, type AppEnv } from './http/openapi.ts';
import { registerAuditRoutes } from './modules/audit/audit.routes.ts';
import { registerAuthRoutes } from './modules/auth/auth.routes.ts';
import { registerClassesRoutes } from './modules/classes/classes.routes.ts';
import { registerLibraryRoutes } from './modules/classes/library.routes.ts';
import { registerDirectoryRoutes } from './modules/directory/directory.routes.ts';
import { registerHsdsRoutes } from './modules/directory/hsds.routes.ts';
import { registerSearchRoutes } from './modules/directory/search.routes.ts';
import { tooLargeMessage } from './modules/directory/directory.import.ts';
import { registerImportRoutes } from './modules/directory/import.routes.ts';
import { registerFamilyRoutes } from './modules/families/families.routes.ts';
import { registerHealthRoutes } from './modules/health/health.routes.ts';
import { registerHomeRoutes } from './modules/home/home.routes.ts';
import { registerReachRoutes } from './modules/reach/reach.routes.ts';
import { registerPointsRoutes } from './modules/points/points.routes.ts';
import { registerRegistryRoutes } from './modules/registry/registry.routes.ts';
import { registerStudyRoutes } from './modules/study/study.routes.ts';
import { registerUserRoutes } from './modules/users/users.routes.ts';
import type { Services } from './services.ts';

/** Builds the HTTP application: JSON API under /api, its OpenAPI document and reference, and the web app. */
export function createApp({ services, config }: { services: Services; config: Config }) {
  const app = createOpenApiApp();

  app.onError(onError);
  app.use('*', async (c, next) => {
    c.set('services', services);
    c.set('config', config);
    await next();
  });
  if (config.logRequests) app.use('*', logger());
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...(config.basemapUrl ? [new URL(config.basemapUrl).origin] : [])],
        workerSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'", ...(config.basemapUrl ? [new URL(config.basemapUrl).origin] : [])],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  const jsonBodyLimit = bodyLimit({
    maxSize: config.maxBodyBytes,
    onError: () => {
      throw new AppError('payload_too_large', `The request body is larger than ${config.maxBodyBytes} bytes.`);
    },
  });
  // File uploads (directory import) have their own, larger limit, checked before the body is read.
  const uploadBodyLimit = bodyLimit({
    maxSize: config.importMaxBytes,
    onError: () => {
      throw new AppError('payload_too_large', tooLargeMessage(config.importMaxBytes));
    },
  });
  // Library files have the library's limit (COEDU_LIBRARY_MAX_BYTES).
  const libraryBodyLimit = bodyLimit({
    maxSize: config.libraryMaxBytes,
    onError: () => {
      throw new AppError('payload_too_large', `Library files are at most ${config.libraryMaxBytes} bytes.`);
    },
  });
  app.use('/api/*', (c, next) => {
    if (!isRawUpload(c.req.method, c.req.path)) return jsonBodyLimit(c, next);
    return isLibraryUpload(c.req.path) ? libraryBodyLimit(c, next) : uploadBodyLimit(c, next);
  });
  app.use('/api/*', requireJsonBody);
  app.use('/api/*', authenticate);
  app.use('/api/*', csrfProtection);

  registerHealthRoutes(app);
  registerAuthRoutes(app);
  registerHomeRoutes(app);
  registerRegistryRoutes(app);
  registerFamilyRoutes(app);
  registerUserRoutes(app);
  registerAuditRoutes(app);
  registerReachRoutes(app);
  registerPointsRoutes(app);
  registerSearchRoutes(app);
  registerDirectoryRoutes(app);
  registerHsdsRoutes(app);
  registerImportRoutes(app);
  registerStudyRoutes(app);
  registerLibraryRoutes(app);
  registerClassesRoutes(app);

  app.openAPIRegistry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'coedu_session' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiToken', { type: 'http', scheme: 'bearer' });
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'CoEdu Circle API (共育圈)',
      version: config.version,
      description:
        'JSON API of a district’s 15-minute school–family–community co-education circle. Errors: `{ error, message, issues? }` with a stable `error` id. ' +
        'Browser sessions use the `coedu_session` cookie and must send `x-csrf-token` on writes; integrations use `Authorization: Bearer <token>`.',
    },
    security: [{ session: [] }, { apiToken: [] }],
  });
  mountApiDocs(app as unknown as Hono<AppEnv>);

  app.all('/api/*', () => {
    throw new AppError('route_not_found');
  });

  mountWebApp(app as unknown as Hono<AppEnv>, config.webDir);
  return app;
}

/** Serves the built React app, with index.html for client-side routes. */
function mountWebApp(app: Hono<AppEnv>, webDir: string) {
  const indexPath = path.join(webDir, 'index.html');
  if (fs.existsSync(webDir)) app.use('*', serveStatic({ root: webDir, index: 'index.html' }));
  app.get('*', (c) => {
    if (!fs.existsSync(indexPath)) {
      return c.text('The web app is not built yet: run `npm run build:web` (npm start does this).', 503);
    }
    c.header('cache-control', 'no-cache');
    return c.html(fs.readFileSync(indexPath, 'utf8'));
  });
}
