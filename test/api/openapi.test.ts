/* eslint-disable @typescript-eslint/no-explicit-any -- walking a generated OpenAPI document */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { fixtureRoutes } from './fixture-routes.js';
import { createTestApp } from './test-app.js';

const NOW = Date.parse('2024-06-15T04:00:00Z');

describe('/openapi.json', () => {
  const t = createTestApp({ routes: [fixtureRoutes({ now: () => NOW })] });

  async function doc(): Promise<Record<string, any>> {
    const res = await t.app.request('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    return (await res.json()) as Record<string, any>;
  }

  it('is valid OpenAPI 3.1 (checked with @seriousme/openapi-schema-validator), without a key', async () => {
    const document = await doc();
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('lists the registered routes, the operations endpoints and nothing internal', async () => {
    const document = await doc();
    const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'GET /api/v1/me',
        'GET /api/v1/stations',
        'GET /api/v1/stations/{id}/series',
        'GET /api/v1/numbers',
        'POST /api/v1/jobs/{name}/run',
        'POST /api/v1/echo',
      ].sort(),
    );
  });

  it('declares bearer auth globally, and no auth for the operations endpoints', async () => {
    const document = await doc();
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths['/healthz'].get.security).toEqual([]);
    expect(document.paths['/api/v1/me'].get.security).toBeUndefined();
  });

  it('describes parameters from the validating schemas, and errors as problem+json', async () => {
    const document = await doc();
    const series = document.paths['/api/v1/stations/{id}/series'].get;
    const params = Object.fromEntries((series.parameters as Array<Record<string, any>>).map((p) => [`${p.in}:${p.name}`, p]));
    expect(params['path:id'].schema.pattern).toBe('^[a-z0-9][a-z0-9-]{1,62}$');
    expect(Object.keys(params)).toEqual(expect.arrayContaining(['query:from', 'query:to', 'query:tz', 'query:params', 'query:format']));
    expect(Object.keys(series.responses[200].content)).toEqual(['application/json', 'text/csv']);
    expect(series.responses[404].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(document.components.schemas.Problem.required).toEqual(expect.arrayContaining(['type', 'code', 'title', 'status', 'detail']));
  });
});

describe('/docs: Swagger UI from the installed swagger-ui-dist, nothing from a CDN', () => {
  const t = createTestApp();

  it('serves HTML whose every script and stylesheet loads from this server', async () => {
    const res = await t.app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) {
      const url = new URL(ref, 'http://localhost/docs').pathname;
      const asset = await t.app.request(url);
      expect([ref, asset.status]).toEqual([ref, 200]);
      const body = await asset.arrayBuffer();
      expect(body.byteLength).toBeGreaterThan(100);
      if (ref.endsWith('.js')) expect(asset.headers.get('content-type')).toMatch(/javascript/);
      if (ref.endsWith('.css')) expect(asset.headers.get('content-type')).toMatch(/text\/css/);
    }
  });

  it('the bundle is the real Swagger UI and the initializer points at /openapi.json', async () => {
    const bundle = await (await t.app.request('/docs/assets/swagger-ui-bundle.js')).text();
    expect(bundle).toContain('SwaggerUIBundle');
    const init = await (await t.app.request('/docs/assets/init.js')).text();
    expect(init).toContain("url: 'openapi.json'");
    expect(new URL('openapi.json', 'http://localhost/docs').pathname).toBe('/openapi.json');
  });

  it('serves only the listed assets', async () => {
    for (const p of ['/docs/assets/package.json', '/docs/assets/..%2Fpackage.json', '/docs/assets/index.html']) {
      const res = await t.app.request(p);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});
