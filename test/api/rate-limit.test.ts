import { describe, expect, it } from 'vitest';
import { createTokenBucketLimiter } from '../../src/api/rate-limit.js';
import { createTestApp } from './test-app.js';

describe('token bucket (injected clock)', () => {
  it('allows a burst, then refills at perMinute/60 per second', () => {
    const clock = { now: 0 };
    const limiter = createTokenBucketLimiter({ now: () => clock.now });
    const limit = { perMinute: 60, burst: 3 };
    expect([1, 2, 3].map(() => limiter.take('k', limit).allowed)).toEqual([true, true, true]);
    const denied = limiter.take('k', limit);
    expect(denied).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 1000 });
    clock.now += 500;
    expect(limiter.take('k', limit)).toMatchObject({ allowed: false, retryAfterMs: 500 });
    clock.now += 500;
    expect(limiter.take('k', limit).allowed).toBe(true);
    clock.now += 60_000; // a long pause refills only up to the burst size
    expect([1, 2, 3, 4].map(() => limiter.take('k', limit).allowed)).toEqual([true, true, true, false]);
  });

  it('keeps one bucket per key', () => {
    const limiter = createTokenBucketLimiter({ now: () => 0 });
    const limit = { perMinute: 60, burst: 1 };
    expect(limiter.take('a', limit).allowed).toBe(true);
    expect(limiter.take('a', limit).allowed).toBe(false);
    expect(limiter.take('b', limit).allowed).toBe(true);
  });

  it('a clock stepping backwards mints no tokens; perMinute 0 means unlimited', () => {
    const clock = { now: 10_000 };
    const limiter = createTokenBucketLimiter({ now: () => clock.now });
    const limit = { perMinute: 60, burst: 1 };
    limiter.take('k', limit);
    clock.now = 0;
    expect(limiter.take('k', limit).allowed).toBe(false);
    expect(Array.from({ length: 1000 }, () => limiter.take('k', { perMinute: 0, burst: 1 }).allowed).every(Boolean)).toBe(true);
  });

  it('bounds memory by dropping the oldest bucket', () => {
    const limiter = createTokenBucketLimiter({ now: () => 0, maxBuckets: 2 });
    const limit = { perMinute: 60, burst: 1 };
    limiter.take('a', limit);
    limiter.take('b', limit);
    limiter.take('c', limit); // evicts a
    expect(limiter.take('a', limit).allowed).toBe(true);
  });
});

describe('rate limiting through the API', () => {
  it('answers 429 problem+json with Retry-After once a key exceeds its limit, per key', async () => {
    const t = createTestApp({ rateLimit: { perMinute: 30, burst: 2 } });
    expect((await t.request('/api/v1/me')).status).toBe(200);
    const second = await t.request('/api/v1/me');
    expect(second.headers.get('ratelimit-limit')).toBe('30');
    expect(second.headers.get('ratelimit-remaining')).toBe('0');
    const limited = await t.request('/api/v1/me');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.json()).toMatchObject({ code: 'rate-limited', retryAfterSeconds: 2, limitPerMinute: 30 });
    // another key has its own bucket
    expect((await t.request('/api/v1/me', { as: 'bureau' })).status).toBe(200);
    // time passes on the injected clock: allowed again
    t.clock.now += 2000;
    expect((await t.request('/api/v1/me')).status).toBe(200);
  });

  it('a key\'s own rateLimitPerMinute overrides the default', async () => {
    const t = createTestApp({
      rateLimit: { perMinute: 600, burst: 60 },
      extraKeys: [{ id: 'slow', name: 'slow script', role: 'viewer', key: 'slow-key-0123456789abcdefghij', rateLimitPerMinute: 1 }],
    });
    const headers = { authorization: 'Bearer slow-key-0123456789abcdefghij' };
    expect((await t.app.request('/api/v1/me', { headers })).status).toBe(200);
    const limited = await t.app.request('/api/v1/me', { headers });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
  });

  it('public endpoints are not limited', async () => {
    const t = createTestApp({ rateLimit: { perMinute: 1, burst: 1 } });
    for (let i = 0; i < 5; i++) expect((await t.app.request('/healthz')).status).toBe(200);
  });
});
