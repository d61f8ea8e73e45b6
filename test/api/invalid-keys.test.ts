/**
 * Issue 12, also noticed: invalid API keys were not rate-limited. The real HTTP app on a real port: each client
 * address may present a few invalid keys (unknown, revoked, expired) a minute; past that it gets 429, so a scanner
 * cannot fill the logs, and a key that is not a generated one (a human-chosen ADMIN_API_KEY) is not even looked
 * at, so guessing it is slow. Valid generated keys from the same address keep working. Behind a reverse proxy on
 * the same host the client is the last X-Forwarded-For entry.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/api/auth/api-key.js';
import { serveOnFreePort, type ServedApp } from '../harness/http-server.js';
import { createTestApp, TEST_KEYS, type TestApp } from './test-app.js';

const generated = generateApiKey();

describe('invalid API keys, per client address', () => {
  let t: TestApp;
  let server: ServedApp;
  let base: string;

  beforeEach(async () => {
    t = createTestApp({
      invalidKeyLimit: { perMinute: 6, burst: 3 },
      extraKeys: [{ id: generated.id, name: 'generated', role: 'viewer', key: generated.key }],
    });
    server = await serveOnFreePort(t.app);
    base = `${server.origin}/api/v1`;
  });
  afterEach(async () => {
    await server.close();
  });

  const me = (key: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/me`, { headers: { authorization: `Bearer ${key}`, ...headers } });

  it('answers 401 for the first invalid keys, then 429 with Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await me(`guess-${i}`)).status).toBe(401);
    const limited = await me('guess-3');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('10');
    expect(await limited.json()).toMatchObject({ code: 'rate-limited', retryAfterSeconds: 10 });
    expect((await me(generateApiKey().key)).status).toBe(429);
    // While the address is out of tokens, a human-chosen key (ADMIN_API_KEY's kind) is not looked at, even when
    // right: that is what makes guessing one slow.
    expect((await me(TEST_KEYS.admin)).status).toBe(429);
    // A valid generated key still works: people behind the scanner's proxy or NAT are not locked out.
    for (let i = 0; i < 10; i++) expect((await me(generated.key)).status).toBe(200);
    // The budget refills with time (the injected clock): one more attempt every 10 s.
    t.clock.now += 10_000;
    expect((await me(TEST_KEYS.admin)).status).toBe(200);
    // Requests without a key are a plain 401 and cost nothing.
    expect((await fetch(`${base}/me`)).status).toBe(401);
  });

  it('behind a proxy on this host, counts each forwarded client on its own', async () => {
    const a = { 'x-forwarded-for': '198.51.100.7, 203.0.113.5' };
    const b = { 'x-forwarded-for': '203.0.113.9' };
    for (let i = 0; i < 3; i++) expect((await me(`guess-${i}`, a)).status).toBe(401);
    expect((await me('guess-3', a)).status).toBe(429);
    expect((await me('guess-4', b)).status).toBe(401);
    expect((await me(TEST_KEYS.bureau, b)).status).toBe(200);
  });
});
