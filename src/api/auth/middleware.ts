/**
 * `Authorization: Bearer <key>` → the principal on the context, or a 401 problem. Keys are accepted only in the
 * header: query-string keys end up in proxy and access logs.
 */
import type { MiddlewareHandler } from 'hono';
import type { ApiEnv } from '../env.js';
import { text } from '../i18n.js';
import { ApiProblem } from '../problem.js';
import { can, forbidden, type Permission } from './access-policy.js';
import type { KeyStore } from './key-store.js';

const REALM = 'Bearer realm="qingliu"';

export function authenticate(deps: { keys: Pick<KeyStore, 'authenticate'> }): MiddlewareHandler<ApiEnv> {
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
    const result = await deps.keys.authenticate(match[1]);
    if (!result.ok) {
      throw new ApiProblem({
        code: 'invalid-api-key',
        detail:
          result.reason === 'revoked'
            ? text('该 API 密钥已被吊销', 'This API key has been revoked')
            : text('API 密钥无效', 'The API key is not valid'),
        headers: { 'WWW-Authenticate': `${REALM}, error="invalid_token"` },
      });
    }
    c.set('principal', result.principal);
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
