/**
 * One contract for the per-key token bucket, run against the in-process limiter and the limiter shared through
 * PostgreSQL (synced after every request here, so it must behave exactly like one bucket); then what sharing
 * promises: two API instances together stay within one key's limit, refill is shared, overshoot between syncs is
 * bounded, and a database outage falls back to limiting per instance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenBucketLimiter, withKeyPrefix, type RateLimit, type TakeResult } from '../../src/api/rate-limit.js';
import { createSharedTokenBucketLimiter, type SharedTokenBucketLimiter } from '../../src/api/shared-rate-limit.js';
import { createTestApp } from './test-app.js';
import { generateApiKey } from '../../src/api/auth/api-key.js';
import { migrate } from '../../src/db/migrate.js';
import { openPostgres, type Postgres } from '../../src/db/postgres.js';
import { silentLogger } from '../../src/logger.js';
import { freePort } from '../harness/free-port.js';
import { startPostgres, type Postgres as Server } from '../harness/postgres.js';

const generated = generateApiKey();

type Take = (key: string, limit: RateLimit) => Promise<TakeResult>;

let server: Server;
const pools: Postgres[] = [];
const limiters: SharedTokenBucketLimiter[] = [];
let n = 0;
async function freshDb(): Promise<Postgres> {
  const db = openPostgres({ url: await server.createDatabase(`limits_${++n}`), logger: silentLogger(), max: 2 });
  pools.push(db);
  await migrate(db, silentLogger());
  return db;
}
function shared(db: Postgres | undefined, clock: { now: number }): SharedTokenBucketLimiter {
  const limiter = createSharedTokenBucketLimiter({
    db: () => db,
    now: () => clock.now,
    logger: silentLogger(),
    syncIntervalMs: 3_600_000, // the tests sync explicitly
  });
  limiters.push(limiter);
  return limiter;
}

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await Promise.all(limiters.map((l) => l.stop()));
  await Promise.all(pools.map((p) => p.close()));
  await server?.dispose();
});

const adapters: { name: string; make(clock: { now: number }): Promise<Take> }[] = [
  {
    name: 'in process',
    make: async (clock) => {
      const limiter = createTokenBucketLimiter({ now: () => clock.now });
      return async (key, limit) => limiter.take(key, limit);
    },
  },
  {
    name: 'shared through PostgreSQL',
    make: async (clock) => {
      const limiter = shared(await freshDb(), clock);
      return async (key, limit) => {
        const result = limiter.take(key, limit);
        await limiter.flush();
        return result;
      };
    },
  },
];

describe.each(adapters)('token bucket contract: $name', (adapter) => {
  it('allows a burst, then refills at perMinute/60 per second, up to the burst', async () => {
    const clock = { now: 1_000_000 };
    const take = await adapter.make(clock);
    const limit = { perMinute: 60, burst: 3 };
    const burst = [];
    for (let i = 0; i < 3; i++) burst.push((await take('k', limit)).allowed);
    expect(burst).toEqual([true, true, true]);
    expect(await take('k', limit)).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 1000 });
    clock.now += 500;
    expect(await take('k', limit)).toMatchObject({ allowed: false, retryAfterMs: 500 });
    clock.now += 500;
    expect((await take('k', limit)).allowed).toBe(true);
    clock.now += 60_000;
    const after = [];
    for (let i = 0; i < 4; i++) after.push((await take('k', limit)).allowed);
    expect(after).toEqual([true, true, true, false]);
  });

  it('keeps one bucket per key; perMinute 0 is unlimited', async () => {
    const take = await adapter.make({ now: 1_000_000 });
    const limit = { perMinute: 60, burst: 1 };
    expect((await take('a', limit)).allowed).toBe(true);
    expect((await take('a', limit)).allowed).toBe(false);
    expect((await take('b', limit)).allowed).toBe(true);
    for (let i = 0; i < 20; i++) expect((await take('a', { perMinute: 0, burst: 1 })).allowed).toBe(true);
  });
});

describe('rate limits shared by two API instances (real PostgreSQL 15)', () => {
  const limit = { perMinute: 60, burst: 10 };

  it('two instances syncing after each request together allow one key its burst (+1 in flight), not twice', async () => {
    const db = await freshDb();
    const clock = { now: 5_000_000 };
    const [a, b] = [shared(db, clock), shared(db, clock)];
    let allowed = 0;
    for (let i = 0; i < 30; i++) {
      const instance = i % 2 === 0 ? a! : b!;
      if (instance.take('key1', limit).allowed) allowed += 1;
      await instance.flush();
    }
    // Each decides on its copy as of its last sync: at most what the other spent since then (one request) over.
    expect(allowed).toBeGreaterThanOrEqual(10);
    expect(allowed).toBeLessThanOrEqual(11);
    // The refill is shared too: 5 s later, 5 tokens between both (an overshoot before is paid back).
    clock.now += 5_000;
    let later = 0;
    for (let i = 0; i < 20; i++) {
      const instance = i % 2 === 0 ? a! : b!;
      if (instance.take('key1', limit).allowed) later += 1;
      await instance.flush();
    }
    expect(allowed + later).toBeGreaterThanOrEqual(15);
    expect(allowed + later).toBeLessThanOrEqual(16);
  });

  it('between syncs the overshoot is bounded by what one instance spends in a sync interval', async () => {
    const db = await freshDb();
    const clock = { now: 5_000_000 };
    const [a, b] = [shared(db, clock), shared(db, clock)];
    // Both instances start in sync (an earlier request each).
    a!.take('key2', limit);
    await a!.flush();
    b!.take('key2', limit);
    await b!.flush();
    let allowed = 2;
    for (let round = 0; round < 6; round++) {
      // Each instance serves 3 requests between syncs.
      for (const instance of [a!, b!])
        for (let i = 0; i < 3; i++) if (instance.take('key2', limit).allowed) allowed += 1;
      await a!.flush();
      await b!.flush();
    }
    expect(allowed).toBeGreaterThanOrEqual(10);
    expect(allowed).toBeLessThanOrEqual(10 + 3);
    // Alone, one instance would have allowed its whole burst: 10 per instance, 20 in all.
  });

  it('with the database unreachable each instance still limits on its own', async () => {
    const dead = openPostgres({ url: `postgres://postgres@127.0.0.1:${await freePort()}/x`, logger: silentLogger() });
    pools.push(dead);
    const clock = { now: 5_000_000 };
    const limiter = shared(dead, clock);
    const results = [];
    for (let i = 0; i < 12; i++) {
      results.push(limiter.take('key3', limit).allowed);
      await limiter.flush();
    }
    expect(results.filter(Boolean)).toHaveLength(10);
  });

  it("two API instances share one invalid-key budget per client address, apart from the keys' buckets", async () => {
    const db = await freshDb();
    const clock = { now: 5_000_000 };
    const [a, b] = [shared(db, clock), shared(db, clock)];
    // As src/app.ts wires them with DATABASE_URL: one shared limiter, two prefixes.
    const apps = [a!, b!].map((limiter) =>
      createTestApp({
        invalidKeyLimit: { perMinute: 6, burst: 3 },
        rateLimit: { perMinute: 60, burst: 3 },
        rateLimiter: withKeyPrefix(limiter, 'key:'),
        invalidKeyLimiter: withKeyPrefix(limiter, 'address:'),
        extraKeys: [{ id: generated.id, name: 'generated', role: 'viewer', key: generated.key }],
      }),
    );
    const me = async (i: number, key: string) => {
      const res = await apps[i % 2]!.request('/api/v1/me', { headers: { authorization: `Bearer ${key}` } });
      await (i % 2 === 0 ? a! : b!).flush();
      return res.status;
    };
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push(await me(i, `guess-${i}`));
    // Per instance, each would have allowed 3 invalid keys (6 in all); shared, the address has 3 (+1 in flight:
    // an instance decides on its copy as of its last sync, as for the keys above).
    const answered = statuses.filter((s) => s === 401).length;
    expect(answered).toBeGreaterThanOrEqual(3);
    expect(answered).toBeLessThanOrEqual(4);
    expect(statuses.slice(answered)).toEqual(Array(6 - answered).fill(429));
    // A valid generated key from the same address is not touched by the address's budget, nor the reverse.
    expect(await me(0, generated.key)).toBe(200);
    expect(await me(1, generated.key)).toBe(200);
  });
});
