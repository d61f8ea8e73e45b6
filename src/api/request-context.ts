/** First middleware of every request: request id, response language, request-scoped logger, access log line. */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.js';
import type { ApiEnv } from './env.js';
import { negotiateLanguage } from './i18n.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(deps: { logger: Logger }): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    // Keep a caller's id (a proxy's or another system's) so its logs and ours line up; never trust odd bytes.
    const incoming = c.req.header('x-request-id');
    const requestId = incoming !== undefined && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const log = deps.logger.child({ requestId });
    c.set('requestId', requestId);
    c.set('lang', negotiateLanguage(c.req.header('accept-language')));
    c.set('log', log);
    const started = performance.now();
    await next();
    c.header('X-Request-Id', requestId);
    c.get('log').debug(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 },
      'request',
    );
  };
}
