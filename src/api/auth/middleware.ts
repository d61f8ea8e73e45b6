/**
 * `Authorization: Bearer <key>` → the principal on the context, or a 401 problem. Keys are accepted only in the
 * header: query-string keys end up in proxy and access logs.
 */
import type { MiddlewareHandler } from 'hono';
import { clientAddress } from '../client-address.js';
import type { ApiEnv } from '../env.js';
import { text } from '../i18n.js';
import { ApiProblem } from '../problem.js';
import type { RateLimit, TokenBucketLimiter } from '../rate-limit.js';
import { can, forbidden, type Permission } from './access-policy.js';
import { keyIdOf } from './api-key.js';
import type { AuthResult, KeyStore } from './key-store.js';

const REALM = 'Bearer realm="qingliu"';

/**
 * Invalid keys (unknown, revoked, expired) cost each client address a token of this bucket; an address out of
 * tokens gets 429 instead of 401, so a scanner cannot fill the logs. A key that is not a generated `qlk_` key —
 * in practice only the human-chosen ADMIN_API_KEY — is not even looked at while its address is out of tokens,
 * so guessing it online runs at `perMinute` at most. Generated keys (≈238 random bits: nothing to guess) are
 * always checked, and valid keys never take a token: people behind the same proxy or NAT as a scanner keep
 * working.
 */
export interface InvalidKeyThrottle {
  limiter: TokenBucketLimiter;
  limit: RateLimit;
}

/** 30 invalid keys a minute per address, 10 at once: no person mistyping a key ever meets it. */
export const DEFAULT_INVALID_KEY_LIMIT: RateLimit = { perMinute: 30, burst: 10 };

const FAILURE_DETAIL: Record<Exclude<AuthResult, { ok: true }>['reason'], ReturnType<typeof text>> = {
  unknown: text('API 密钥无效', 'The API key is not valid'),
  revoked: text('该 API 密钥已被吊销', 'This API key has been revoked'),
  expired: text('该 API 密钥已过期', 'This API key has expired'),
};

function throttled(retryAfterMs: number): ApiProblem {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiProblem({
    code: 'rate-limited',
    detail: text(
      `来自此地址的无效 API 密钥过多；请在 ${seconds} 秒后重试`,
      `Too many invalid API keys from this address; retry in ${seconds} s`,
    ),
    headers: { 'Retry-After': String(seconds) },
    extensions: { retryAfterSeconds: seconds },
  });
}

export function authenticate(deps: {
  keys: Pick<KeyStore, 'authenticate'>;
  invalidKeys?: InvalidKeyThrottle;
}): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header === undefined || header.trim() === '') {
      throw new ApiProblem({
        code: 'authentication-required',
        detail: text(
          '缺少 API 密钥：请在请求头中发送 "Authorization: Bearer <密钥>"',
          'No API key: send the header "Authorization: Bearer <key>"',
        ),
        headers: { 'WWW-Authenticate': REALM },
      });
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      throw new ApiProblem({
        code: 'authentication-required',
        detail: text('Authorization 请求头格式应为 "Bearer <密钥>"', 'The Authorization header must be "Bearer <key>"'),
        headers: { 'WWW-Authenticate': `${REALM}, error="invalid_request"` },
      });
    }
    const key = match[1];
    const throttle = deps.invalidKeys;
    const address = throttle ? clientAddress(c) : '';
    if (throttle && keyIdOf(key) === undefined) {
      const allowed = throttle.limiter.peek(address, throttle.limit);
      if (!allowed.allowed) throw throttled(allowed.retryAfterMs);
    }
    const result = await deps.keys.authenticate(key);
    if (!result.ok) {
      const spent = throttle?.limiter.take(address, throttle.limit);
      if (spent && !spent.allowed) throw throttled(spent.retryAfterMs);
      throw new ApiProblem({
        code: 'invalid-api-key',
        detail: FAILURE_DETAIL[result.reason],
        headers: { 'WWW-Authenticate': `${REALM}, error="invalid_token"` },
      });
    }
    c.set('principal', result.principal);
    // Long-lived responses (the alert stream) ask again, so a revoked or changed key does not outlive its change.
    c.set('reauthenticate', () => deps.keys.authenticate(key));
    c.set('log', c.get('log').child({ keyId: result.principal.keyId }));
    await next();
  };
}

/** Route middleware: 403 unless the principal's role has the permission. Use after `authenticate`. */
export function requirePermission(permission: Permission): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!principal) {
      throw new ApiProblem({
        code: 'authentication-required',
        detail: text('缺少 API 密钥', 'No API key was presented'),
        headers: { 'WWW-Authenticate': REALM },
      });
    }
    if (!can(principal, permission)) throw forbidden(principal, permission);
    await next();
  };
}
