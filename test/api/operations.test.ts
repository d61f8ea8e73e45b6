import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../harness/free-port.js';
import { fixtureRoutes } from './fixture-routes.js';
import { createTestApp, TEST_KEYS } from './test-app.js';

describe('/healthz and /readyz', () => {
  it('/healthz answers while the process is up, without a key', async () => {
    const res = await createTestApp().app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when every check passes', async () => {
    const t = createTestApp({ readiness: [{ name: 'broker', check: async () => true }, { name: 'store', check: async () => undefined }] });
    const res = await t.app.request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: [{ name: 'broker', ok: true }, { name: 'store', ok: true }] });
  });

  it('/readyz is a 503 problem naming the checks that failed or timed out, without their error text', async () => {
    const t = createTestApp({
      readiness: [
        { name: 'broker', check: async () => true },
        { name: 'store', check: async () => Promise.reject(new Error('ECONNREFUSED 10.1.2.3:8086')) },
        { name: 'spool', check: () => new Promise(() => undefined), timeoutMs: 20 },
        { name: 'catalog', check: async () => false },
      ],
    });
    const res = await t.app.request('/readyz');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('retry-after')).toBe('5');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'not-ready', status: 503 });
    expect(body.detail).toContain('store (failed)');
    expect(body.detail).toContain('spool (timeout)');
    expect(body.detail).toContain('catalog (failed)');
    expect(body.detail).not.toContain('broker');
    expect(JSON.stringify(body)).not.toContain('10.1.2.3');
    expect(body.checks).toEqual([
      { name: 'broker', ok: true },
      { name: 'store', ok: false, reason: 'failed' },
      { name: 'spool', ok: false, reason: 'timeout' },
      { name: 'catalog', ok: false, reason: 'failed' },
    ]);
    expect(t.logLines.some((l) => l.check === 'store' && JSON.stringify(l.err).includes('10.1.2.3'))).toBe(true);
  });
});

describe('/metrics', () => {
  it('exposes the injected registry in the Prometheus text format, with route patterns as labels', async () => {
    const t = createTestApp({ routes: [fixtureRoutes({ now: () => Date.now() })] });
    await t.request('/api/v1/stations/cj-outbound/series?from=now-1d&to=now&params=tp');
    await t.request('/api/v1/stations/xinzha/series?from=now-1d&to=now&params=tp');
    await t.request('/api/v1/stations/xinzha/series?from=now-1d&to=now&params=tp', { as: 'viewer' });
    await t.request('/api/v1/no-such-route');
    const res = await t.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE qingliu_http_request_duration_seconds histogram');
    expect(text).toMatch(/qingliu_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/stations\/:id\/series",status="200"\} 2/);
    expect(text).toContain('route="/api/v1/stations/:id/series",status="404"'); // a route's own 404 keeps its route
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).not.toContain('xinzha'); // never raw paths: one series per route, not per station
  });
});

describe('a real server on a free port (@hono/node-server)', () => {
  let server: ServerType;
  let base: string;
  beforeAll(async () => {
    const t = createTestApp({ routes: [fixtureRoutes({ now: () => Date.parse('2024-06-15T04:00:00Z') })] });
    const port = await freePort();
    await new Promise<void>((resolve) => {
      server = serve({ fetch: t.app.fetch, port, hostname: '127.0.0.1' }, () => resolve());
    });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('serves health, authenticated JSON, CSV bytes with the BOM, problems and the docs over TCP', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const auth = { authorization: `Bearer ${TEST_KEYS.bureau}` };
    const me = await fetch(`${base}/api/v1/me`, { headers: auth });
    expect(await me.json()).toMatchObject({ role: 'bureau' });

    const csv = await fetch(`${base}/api/v1/stations/cj-outbound/series?from=2024-06-01&to=2024-06-02&params=nh3n&format=csv`, { headers: auth });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes)).toContain('长江口出境断面');

    // An unencoded "+" in the offset reaches the server as a space and is still read as +08:00.
    const plus = await fetch(`${base}/api/v1/stations/cj-outbound/series?from=2024-06-01T00:00:00+08:00&to=2024-06-02&params=nh3n`, { headers: auth });
    expect(((await plus.json()) as { range: { from: number } }).range.from).toBe(Date.parse('2024-05-31T16:00:00Z'));

    const problem = await fetch(`${base}/api/v1/me`);
    expect(problem.status).toBe(401);
    expect(problem.headers.get('content-type')).toBe('application/problem+json');

    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect((await fetch(`${base}/docs`)).status).toBe(200);
    expect((await fetch(`${base}/docs/assets/swagger-ui.css`)).status).toBe(200);
  });
});
