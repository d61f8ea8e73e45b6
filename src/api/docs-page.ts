/**
 * `/docs`: Swagger UI over `/openapi.json`, served entirely from the installed `swagger-ui-dist` package — no CDN,
 * because the demo machine and many bureaus are air-gapped. Only a fixed list of files is served (no path
 * from the request ever reaches the file system). Files are read on first request and kept in memory.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ApiApp } from './env.js';
import { ApiProblem } from './problem.js';
import { text } from './i18n.js';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

function swaggerUiDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

// No inline script: the page runs under a CSP that allows scripts from this server only. `openapi.json` is
// relative to the page (/docs), so it resolves to /openapi.json, also under a path prefix. `validatorUrl: null`
// stops Swagger UI from calling validator.swagger.io.
const INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: 'openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: false,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout'
  });
});
`;

const HTML = `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>清流 API 参考 · Qingliu API reference</title>
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="docs/assets/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <noscript>清流 API 参考需要 JavaScript；机器可读的接口描述见 /openapi.json。 The API reference needs JavaScript; the document itself is at /openapi.json.</noscript>
  <div id="swagger-ui"></div>
  <script src="docs/assets/swagger-ui-bundle.js" charset="utf-8"></script>
  <script src="docs/assets/init.js" charset="utf-8"></script>
</body>
</html>
`;

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

export function registerDocsPage(app: ApiApp): void {
  const cache = new Map<string, Uint8Array>();
  let dir: string | undefined;

  app.get('/docs', (c) => c.html(HTML, 200, { 'Content-Security-Policy': CSP, 'Cache-Control': 'no-cache' }));
  // Relative links (so a reverse proxy may mount the API under a prefix) need the page at `/docs`, not `/docs/`.
  app.get('/docs/', (c) => c.redirect('../docs', 301));
  app.get('/docs/assets/init.js', (c) => c.body(INIT_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' }));
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) {
      throw new ApiProblem({ code: 'not-found', detail: text(`没有文档资源 ${file}`, `There is no documentation asset ${file}`) });
    }
    let content = cache.get(file);
    if (!content) {
      dir ??= swaggerUiDir();
      content = new Uint8Array(await readFile(path.join(dir, file)));
      cache.set(file, content);
    }
    // Assets change only with the installed package version, so a day of caching is safe.
    return c.body(content as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
  });
}
