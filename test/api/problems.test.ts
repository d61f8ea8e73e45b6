import { describe, expect, it } from 'vitest';
import { fixtureRoutes } from './fixture-routes.js';
import { createTestApp, type TestApp } from './test-app.js';

const NOW = Date.parse('2024-06-15T04:00:00Z');

function app(): TestApp {
  return createTestApp({ startAt: NOW, routes: [fixtureRoutes({ now: () => NOW })] });
}

async function problem(res: Response): Promise<Record<string, unknown> & { errors?: Array<Record<string, unknown>> }> {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.status).toBe(res.status);
  expect(body.type).toBe(`urn:qingliu:problem:${String(body.code)}`);
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack frames, ever
  return body as never;
}

describe('every error is RFC 9457 problem+json with a stable code', () => {
  it('400: a failed query validation names each parameter and what was expected', async () => {
    const res = await app().request('/api/v1/stations/cj-outbound/series?from=2024-05-01&to=yesterday&params=nh3n,foo');
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.code).toBe('validation-failed');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'query', name: 'to', code: 'invalid_format' }),
        expect.objectContaining({ in: 'query', name: 'params', code: 'unknown_parameter' }),
      ]),
    );
    expect(body.detail).toContain('"to"');
    expect(body.detail).toContain('"foo"');
  });

  it('400: a malformed station id in the path is named as a path parameter', async () => {
    const body = await problem(await app().request('/api/v1/stations/Bad_ID/series?from=now-1d&to=now&params=tp'));
    expect(body.errors).toEqual([expect.objectContaining({ in: 'path', name: 'id', code: 'invalid_format' })]);
    expect(body.detail).toContain('Bad_ID');
  });

  it('400: an unknown query parameter is rejected by a strict schema, naming it', async () => {
    const res = await app().request('/api/v1/numbers?limit=2&lmit=3');
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.errors).toEqual([expect.objectContaining({ in: 'query', name: 'lmit', code: 'unknown_parameter' })]);
    expect(body.detail).toContain('"lmit"');
  });

  it('400: JSON body errors carry a JSON pointer; malformed JSON is a bad-request problem', async () => {
    const t = app();
    const json = { 'content-type': 'application/json' };
    const res = await t.request('/api/v1/echo', { method: 'POST', headers: json, body: '{"station":"x","values":[]}' });
    const body = await problem(res);
    expect(body.errors).toEqual([expect.objectContaining({ in: 'body', name: 'values', pointer: '/values', code: 'too_small' })]);
    const bad = await problem(await t.request('/api/v1/echo', { method: 'POST', headers: json, body: '{oops' }));
    expect(bad.code).toBe('bad-request');
    expect(bad.detail).toBe('请求体不是有效的 JSON');
  });

  it('401: no key, a malformed header and an unknown key, with WWW-Authenticate', async () => {
    const t = app();
    const none = await t.request('/api/v1/me', { as: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="qingliu"');
    expect((await problem(none)).code).toBe('authentication-required');

    const basic = await t.request('/api/v1/me', { as: null, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
    expect((await problem(basic)).code).toBe('authentication-required');

    const wrong = await t.request('/api/v1/me', { as: null, headers: { authorization: 'Bearer qlk_aaaaaaaa_not-a-real-key' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await problem(wrong)).code).toBe('invalid-api-key');
  });

  it('401 also for unknown paths under /api/v1: without a key nothing about the API is revealed', async () => {
    const res = await app().request('/api/v1/no-such-thing', { as: null });
    expect(res.status).toBe(401);
  });

  it('403: the role may not do this; the detail names the roles that may', async () => {
    const res = await app().request('/api/v1/jobs/digest/run', { method: 'POST', as: 'bureau' });
    expect(res.status).toBe(403);
    const body = await problem(res);
    expect(body.code).toBe('forbidden');
    expect(body.detail).toContain('bureau');
    expect(body.detail).toContain('admin');
    expect((await app().request('/api/v1/jobs/digest/run', { method: 'POST', as: 'admin' })).status).toBe(202);
  });

  it('404: an unknown route, with a pointer to /docs', async () => {
    const body = await problem(await app().request('/api/v1/no-such-thing'));
    expect(body.code).toBe('not-found');
    expect(body.detail).toContain('/docs');
    expect((await problem(await app().request('/nowhere', { as: null }))).status).toBe(404);
  });

  it('405: a known path with another method, with Allow', async () => {
    const res = await app().request('/api/v1/me', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect((await problem(res)).code).toBe('method-not-allowed');
    const pub = await app().request('/healthz', { method: 'POST', as: null });
    expect(pub.status).toBe(405);
  });

  it('415: a body of the wrong media type', async () => {
    const res = await app().request('/api/v1/echo', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(res.status).toBe(415);
    expect((await problem(res)).code).toBe('unsupported-media-type');
  });

  it('413: a body over the limit', async () => {
    const res = await app().request('/api/v1/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ station: 'x'.repeat(1_100_000), values: [1] }),
    });
    expect(res.status).toBe(413);
    expect((await problem(res)).code).toBe('payload-too-large');
  });

  it('500: a thrown error becomes a generic problem; the message and stack go only to the log', async () => {
    const t = app();
    const res = await t.request('/api/v1/boom');
    expect(res.status).toBe(500);
    const text = await res.clone().text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('secret.ts');
    const body = await problem(res);
    expect(body.code).toBe('internal-error');
    expect(body.detail).toContain(String(body.requestId));
    const logged = t.logLines.find((l) => l.msg === 'request failed');
    expect(logged).toMatchObject({ requestId: body.requestId, err: { message: expect.stringContaining('hunter2') } });
  });

  it('title and detail follow Accept-Language (zh-CN by default); code and type do not', async () => {
    const t = app();
    const zh = await problem(await t.request('/api/v1/me', { as: null }));
    const en = await problem(await t.request('/api/v1/me', { as: null, headers: { 'accept-language': 'en-US,en;q=0.9' } }));
    expect(zh.title).toBe('需要身份验证');
    expect(en.title).toBe('Authentication required');
    expect(en.code).toBe(zh.code);
    expect(en.type).toBe(zh.type);
    const enRes = await t.request('/api/v1/me', { as: null, headers: { 'accept-language': 'fr;q=1, en;q=0.5' } });
    expect(enRes.headers.get('content-language')).toBe('en');
  });

  it('keeps a well-formed X-Request-Id from the caller and puts it in the problem', async () => {
    const res = await app().request('/api/v1/no-such', { headers: { 'x-request-id': 'gateway-123' } });
    expect(res.headers.get('x-request-id')).toBe('gateway-123');
    expect((await problem(res)).requestId).toBe('gateway-123');
    const odd = await app().request('/api/v1/me', { headers: { 'x-request-id': 'bad id <script>' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
