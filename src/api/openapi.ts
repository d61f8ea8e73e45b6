/**
 * `/openapi.json`: OpenAPI 3.1 generated from the same zod schemas that validate requests, so the document and
 * the routes cannot drift. Every operation needs the bearer key unless it declares `security: []`.
 */
import type { ApiApp } from './env.js';
import { ProblemSchema } from './problem.js';

export const SECURITY_SCHEME = 'bearerAuth';

export interface OpenApiInfo {
  version: string;
  title?: string;
  description?: string;
}

const DESCRIPTION = [
  'Water-quality monitoring API of Qingliu (清流水质监测): stations, trends, water-quality classes (GB 3838-2002),',
  'discharge compliance (GB 18918-2002), alerts.',
  '',
  'Authenticate with `Authorization: Bearer <key>` (keys: `qingliu keys add`). Errors are RFC 9457',
  '`application/problem+json` with a stable `code`. Tabular endpoints answer CSV with `?format=csv` or',
  '`Accept: text/csv`. Text follows `Accept-Language` (zh-CN by default, en). See docs/api.md.',
].join('\n');

/** Registers shared components. Call before the routes are registered. */
export function registerOpenApiComponents(app: ApiApp): void {
  app.openAPIRegistry.registerComponent('securitySchemes', SECURITY_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: 'API key from `qingliu keys add` (format `qlk_…`), or ADMIN_API_KEY',
  });
  app.openAPIRegistry.register('Problem', ProblemSchema);
}

/** Serves the document; generated once, on first request, after every route is registered. */
export function registerOpenApiDocument(app: ApiApp, info: OpenApiInfo): void {
  let cached: string | undefined;
  app.get('/openapi.json', (c) => {
    cached ??= JSON.stringify(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: { title: info.title ?? 'Qingliu (清流) water-quality API', version: info.version, description: info.description ?? DESCRIPTION },
        security: [{ [SECURITY_SCHEME]: [] }],
        tags: [{ name: 'operations', description: 'Health, readiness and metrics (no key needed)' }],
      }),
    );
    return c.body(cached, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
  });
}
