/**
 * The one error mapper: whatever a route throws becomes problem+json. ApiProblems are rendered as they are;
 * Hono's HTTPExceptions (malformed JSON, 415, body limit) keep their status with a stable code; anything else is
 * a 500 with a generic message — the error and its stack go to the log under the request id, never to the client.
 */
import type { ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { methodNotAllowed } from 'hono/method-not-allowed';
import type { Hono } from 'hono';
import type { Logger } from '../logger.js';
import type { ApiContext, ApiEnv } from './env.js';
import { text, type Localized } from './i18n.js';
import { ApiProblem, problemResponse } from './problem.js';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad-request',
  401: 'authentication-required',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'rate-limited',
  503: 'service-unavailable',
};

/** Hono's own exception messages, translated; others pass through in their language. */
const HONO_MESSAGES: Record<string, Localized> = {
  'Malformed JSON in request body': text('请求体不是有效的 JSON', 'The request body is not valid JSON'),
  'Unsupported Media Type': text('不支持该请求体类型：请发送 Content-Type: application/json', 'Unsupported request body type: send Content-Type: application/json'),
};

function internalError(requestId: string | undefined): ApiProblem {
  const ref = requestId ? `（请求编号 ${requestId}）` : '';
  const refEn = requestId ? ` (request id ${requestId})` : '';
  return new ApiProblem({
    code: 'internal-error',
    detail: text(`服务器处理请求时出错${ref}；详情已记录在服务器日志中`, `The server failed to handle the request${refEn}; the details are in the server log`),
  });
}

/** Any thrown value as a problem; logs what the client does not see. */
export function toProblem(err: unknown, c: ApiContext, logger: Logger): ApiProblem {
  if (err instanceof ApiProblem) return err;
  if (err instanceof HTTPException && err.status < 500) {
    const code = CODE_BY_STATUS[err.status] ?? 'bad-request';
    const known = HONO_MESSAGES[err.message];
    return new ApiProblem({ code, status: err.status, detail: known ?? (err.message || code) });
  }
  const log = c.get('log') ?? logger;
  log.error({ err, method: c.req.method, path: c.req.path }, 'request failed');
  return internalError(c.get('requestId'));
}

export function renderProblem(c: ApiContext, problem: ApiProblem): Response {
  return problemResponse(problem, { lang: c.get('lang') ?? 'zh-CN', instance: c.req.path, requestId: c.get('requestId') });
}

export function errorHandler(logger: Logger): ErrorHandler<ApiEnv> {
  return (err, c) => renderProblem(c, toProblem(err, c, logger));
}

export const notFoundHandler: NotFoundHandler<ApiEnv> = (c) =>
  renderProblem(
    c,
    new ApiProblem({
      code: 'not-found',
      detail: text(`没有 ${c.req.method} ${c.req.path} 这个接口；接口说明见 /docs`, `There is no ${c.req.method} ${c.req.path}; the API is described at /docs`),
    }),
  );

/** 405 with `Allow` when the path exists for other methods (Hono answers 404 otherwise). */
export function methodNotAllowedHandler(app: Hono<ApiEnv>): MiddlewareHandler<ApiEnv> {
  return methodNotAllowed<ApiEnv>({
    app,
    onMethodNotAllowed: (c, methods) =>
      renderProblem(
        c,
        new ApiProblem({
          code: 'method-not-allowed',
          detail: text(`${c.req.path} 不支持 ${c.req.method}；支持：${methods.join(', ')}`, `${c.req.path} does not support ${c.req.method}; allowed: ${methods.join(', ')}`),
          headers: { Allow: methods.join(', ') },
        }),
      ),
  });
}
