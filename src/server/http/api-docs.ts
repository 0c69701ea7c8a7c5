import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { AppEnv } from './openapi.ts';

const require = createRequire(import.meta.url);

/** A readable API reference at /api/docs: Swagger UI served from our own node_modules (no CDN). */
export function mountApiDocs(app: Hono<AppEnv>) {
  const assets = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  app.get('/api/docs', (c) =>
    c.html(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>CoEdu Circle API 参考</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>`),
  );
  app.get('/api/docs/init.js', (c) => {
    c.header('content-type', 'text/javascript; charset=utf-8');
    return c.body(
      "window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null, tryItOutEnabled: false });",
    );
  });
  const allowed = new Set(['swagger-ui.css', 'swagger-ui-bundle.js']);
  app.use(
    '/api/docs/assets/*',
    serveStatic({
      root: assets,
      rewriteRequestPath: (p) => {
        const name = p.replace('/api/docs/assets/', '');
        return allowed.has(name) && fs.existsSync(path.join(assets, name)) ? `/${name}` : '/__missing__';
      },
    }),
  );
}
