/**
 * Per-key rate limiting: a token bucket per API key, in memory (one instance's view; several API instances each
 * apply the limit — see docs/api.md). Tokens refill continuously at `perMinute`/60 per second up to `burst`, so
 * a dashboard may fire a burst of requests at page load but not sustain more than `perMinute`.
 */
import type { MiddlewareHandler } from 'hono';
import type { ApiEnv } from './env.js';
import { text } from './i18n.js';
import { ApiProblem } from './problem.js';

export interface RateLimit {
  /** Sustained requests per minute; 0 disables limiting. */
  perMinute: number;
  /** Bucket size: requests allowed at once after a quiet spell. */
  burst: number;
}

export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** When not allowed: milliseconds until one token is available. */
  retryAfterMs: number;
}

export interface TokenBucketLimiter {
  take(key: string, limit: RateLimit): TakeResult;
  /** What `take` would answer, without taking a token. */
  peek(key: string, limit: RateLimit): TakeResult;
}

export function createTokenBucketLimiter(deps: { now: () => number; maxBuckets?: number }): TokenBucketLimiter {
  const maxBuckets = deps.maxBuckets ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  function attempt(key: string, limit: RateLimit, consume: boolean): TakeResult {
    if (limit.perMinute <= 0) return { allowed: true, remaining: Number.POSITIVE_INFINITY, retryAfterMs: 0 };
    const now = deps.now();
    const perMs = limit.perMinute / 60_000;
    const capacity = Math.max(1, limit.burst);
    const existing = buckets.get(key);
    const bucket = existing ?? { tokens: capacity, at: now };
    // A clock that steps backwards must not mint tokens; it just refills nothing.
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * perMs);
    bucket.at = now;
    if (!existing && consume) {
      // Bounded memory: buckets are per API key, but drop the oldest if keys ever churn heavily.
      if (buckets.size >= maxBuckets) buckets.delete(buckets.keys().next().value as string);
      buckets.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      if (consume) bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterMs: 0 };
    }
    return { allowed: false, remaining: 0, retryAfterMs: Math.ceil((1 - bucket.tokens) / perMs) };
  }

  return {
    take: (key, limit) => attempt(key, limit, true),
    peek: (key, limit) => attempt(key, limit, false),
  };
}

/**
 * The same limiter under a key prefix, so two kinds of bucket (API keys, client addresses) can share one limiter —
 * and, with PostgreSQL, one table — without ever meeting.
 */
export function withKeyPrefix(limiter: TokenBucketLimiter, prefix: string): TokenBucketLimiter {
  return {
    take: (key, limit) => limiter.take(prefix + key, limit),
    peek: (key, limit) => limiter.peek(prefix + key, limit),
  };
}

/** Limits each authenticated key; a key's own `rateLimitPerMinute` overrides the default rate. */
export function rateLimit(deps: { limiter: TokenBucketLimiter; defaults: RateLimit }): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!principal) return next();
    const limit: RateLimit =
      principal.rateLimitPerMinute === undefined
        ? deps.defaults
        : {
            perMinute: principal.rateLimitPerMinute,
            burst: Math.min(deps.defaults.burst, Math.max(1, principal.rateLimitPerMinute)),
          };
    const result = deps.limiter.take(principal.keyId, limit);
    if (!result.allowed) {
      const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      throw new ApiProblem({
        code: 'rate-limited',
        detail: text(
          `此 API 密钥超出请求频率限制（每分钟 ${limit.perMinute} 次，突发 ${limit.burst} 次）；请在 ${seconds} 秒后重试`,
          `This API key exceeded its rate limit (${limit.perMinute} requests per minute, bursts of ${limit.burst}); retry in ${seconds} s`,
        ),
        headers: { 'Retry-After': String(seconds) },
        extensions: { retryAfterSeconds: seconds, limitPerMinute: limit.perMinute },
      });
    }
    await next();
    if (Number.isFinite(result.remaining)) {
      c.header('RateLimit-Limit', String(limit.perMinute));
      c.header('RateLimit-Remaining', String(result.remaining));
    }
  };
}
