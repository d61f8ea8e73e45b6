/**
 * Rate limits shared by several API instances through PostgreSQL (DATABASE_URL; docs/adr/0015). The decision
 * stays in process and synchronous — a request never waits for the database — on a local copy of each key's token
 * bucket; every `syncIntervalMs` an instance reports the tokens it spent per key and gets back the shared bucket
 * (one atomic upsert per key, migration 4), which replaces its local copy. So the limit holds across instances up
 * to what the other instances spend within one sync interval; with the database unreachable each instance keeps
 * limiting on its own (the pre-PostgreSQL behaviour) and says so once.
 */
import type { Postgres } from '../db/postgres.js';
import type { Logger } from '../logger.js';
import type { RateLimit, TakeResult, TokenBucketLimiter } from './rate-limit.js';

export interface SharedTokenBucketLimiter extends TokenBucketLimiter {
  /** Reports what was spent and takes the shared state (the timer calls it; tests call it to sync now). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

interface Local {
  tokens: number;
  at: number;
  limit: RateLimit;
  /** Spent here and not yet reported. */
  pending: number;
  /** Whether this copy was ever synced: an idle key that was is not synced again until it is used. */
  synced: boolean;
}

const SYNC = `
INSERT INTO rate_limit_buckets AS b (key, tokens, at) VALUES ($1, $2::float8 - $3, $4)
ON CONFLICT (key) DO UPDATE SET
  -- Refill for the time since the shared bucket was last touched, cap, then take what this instance spent.
  -- A debt (negative tokens) is kept but bounded: a burst of overshoot never locks a key out for long.
  tokens = GREATEST(-$2::float8, LEAST($2::float8, b.tokens + GREATEST(0, $4 - b.at) * $5::float8) - $3),
  at = GREATEST(b.at, $4)
RETURNING tokens, at`;

export function createSharedTokenBucketLimiter(deps: {
  /** The database once connected (start-up opens it after the HTTP app is built); undefined: local only. */
  db: () => Postgres | undefined;
  now: () => number;
  logger: Logger;
  syncIntervalMs?: number;
  maxBuckets?: number;
}): SharedTokenBucketLimiter {
  const log = deps.logger.child({ component: 'rate-limit' });
  const maxBuckets = deps.maxBuckets ?? 10_000;
  const buckets = new Map<string, Local>();
  let warned = false;
  let flushing: Promise<void> | undefined;

  function refill(bucket: Local, limit: RateLimit, now: number): number {
    const capacity = Math.max(1, limit.burst);
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * (limit.perMinute / 60_000));
    bucket.at = Math.max(bucket.at, now);
    return capacity;
  }

  function attempt(key: string, limit: RateLimit, consume: boolean): TakeResult {
    if (limit.perMinute <= 0) return { allowed: true, remaining: Number.POSITIVE_INFINITY, retryAfterMs: 0 };
    const now = deps.now();
    const perMs = limit.perMinute / 60_000;
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { tokens: Math.max(1, limit.burst), at: now, limit, pending: 0, synced: false };
      if (consume) {
        if (buckets.size >= maxBuckets) buckets.delete(buckets.keys().next().value as string);
        buckets.set(key, bucket);
      }
    }
    bucket.limit = limit;
    refill(bucket, limit, now);
    if (bucket.tokens >= 1) {
      if (consume) {
        bucket.tokens -= 1;
        bucket.pending += 1;
      }
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterMs: 0 };
    }
    return { allowed: false, remaining: 0, retryAfterMs: Math.ceil((1 - bucket.tokens) / perMs) };
  }

  async function sync(): Promise<void> {
    const db = deps.db();
    if (!db) return;
    for (const [key, bucket] of buckets) {
      const spent = bucket.pending;
      if (spent === 0 && bucket.synced) continue;
      const now = deps.now();
      const capacity = Math.max(1, bucket.limit.burst);
      try {
        bucket.pending = 0;
        const [row] = await db.query<{ tokens: number; at: number }>(SYNC, [
          key,
          capacity,
          spent,
          now,
          bucket.limit.perMinute / 60_000,
        ]);
        // The shared view, less what was spent here while the query ran.
        bucket.tokens = row!.tokens - bucket.pending;
        bucket.at = Math.min(now, row!.at);
        refill(bucket, bucket.limit, deps.now());
        bucket.synced = true;
        if (warned) log.info('rate limits are shared again through PostgreSQL');
        warned = false;
      } catch (err) {
        bucket.pending += spent;
        if (!warned) log.warn({ err }, 'cannot share rate limits through PostgreSQL; limiting in this instance only');
        warned = true;
        return;
      }
    }
  }

  const flush = () => (flushing ??= sync().finally(() => (flushing = undefined)));
  const timer = setInterval(() => void flush(), deps.syncIntervalMs ?? 250);
  timer.unref();

  return {
    take: (key, limit) => attempt(key, limit, true),
    peek: (key, limit) => attempt(key, limit, false),
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
