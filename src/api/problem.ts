/**
 * One error shape for the whole API: RFC 9457 problem details (`application/problem+json`).
 * Code anywhere throws an `ApiProblem`; the error handler renders it. `code` is the stable, machine-readable
 * name clients switch on; `type` is the same name as a URI; `title` and `detail` are for people (zh-CN/en).
 */
import { z } from '@hono/zod-openapi';
import { localize, text, type Lang, type Localized } from './i18n.js';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** The problem types every route shares. Routes may throw other codes with their own title. */
export const PROBLEMS = {
  'validation-failed': { status: 400, title: text('请求参数无效', 'Invalid request parameters') },
  'bad-request': { status: 400, title: text('请求无效', 'Bad request') },
  'authentication-required': { status: 401, title: text('需要身份验证', 'Authentication required') },
  'invalid-api-key': { status: 401, title: text('API 密钥无效', 'Invalid API key') },
  forbidden: { status: 403, title: text('无权执行此操作', 'Forbidden') },
  'not-found': { status: 404, title: text('资源不存在', 'Not found') },
  'station-not-found': { status: 404, title: text('站点不存在', 'Station not found') },
  'method-not-allowed': { status: 405, title: text('不支持该请求方法', 'Method not allowed') },
  'not-acceptable': { status: 406, title: text('无法提供所请求的格式', 'Not acceptable') },
  'payload-too-large': { status: 413, title: text('请求体过大', 'Payload too large') },
  'unsupported-media-type': { status: 415, title: text('不支持的请求体类型', 'Unsupported media type') },
  'rate-limited': { status: 429, title: text('请求过于频繁', 'Too many requests') },
  'internal-error': { status: 500, title: text('服务器内部错误', 'Internal server error') },
  'not-ready': { status: 503, title: text('服务尚未就绪', 'Service not ready') },
  'service-unavailable': { status: 503, title: text('服务暂不可用', 'Service unavailable') },
} as const satisfies Record<string, { status: number; title: Localized }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** `type` URIs are URNs: stable across deployments and hosts, never dereferenced (RFC 9457 §3.1.1). */
export function problemType(code: string): string {
  return `urn:qingliu:problem:${code}`;
}

/** One offending input: where it was (`in`), which one (`name`), and what was expected. */
export interface FieldError {
  in: 'query' | 'path' | 'header' | 'body' | 'cookie';
  name: string;
  /** JSON pointer into the body (RFC 6901), for body errors. */
  pointer?: string;
  /** Machine-readable reason, e.g. zod's `invalid_format` or our `unknown_parameter`. */
  code: string;
  detail: Localized;
}

export interface ApiProblemInit {
  code: ProblemCode | (string & {});
  /** Defaults to the status of a known code; required for other codes. */
  status?: number;
  /** Defaults to the title of a known code. */
  title?: Localized;
  /** Precise, for a person: which parameter, what was expected, what to do. */
  detail: Localized;
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** Extra members (RFC 9457 §3.2), e.g. `retryAfterSeconds`. Must not contain secrets. */
  extensions?: Record<string, unknown>;
}

export class ApiProblem extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: Localized;
  readonly detail: Localized;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(init: ApiProblemInit) {
    const known = (PROBLEMS as Record<string, { status: number; title: Localized }>)[init.code];
    super(localize(init.detail, 'en'));
    this.name = 'ApiProblem';
    this.code = init.code;
    this.status = init.status ?? known?.status ?? 500;
    this.title = init.title ?? known?.title ?? text('错误', 'Error');
    this.detail = init.detail;
    this.errors = init.errors;
    this.headers = init.headers ?? {};
    this.extensions = init.extensions ?? {};
  }
}

export interface ProblemBody {
  type: string;
  code: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: Array<Omit<FieldError, 'detail'> & { detail: string }>;
  [extension: string]: unknown;
}

export function problemBody(problem: ApiProblem, ctx: { lang: Lang; instance?: string; requestId?: string }): ProblemBody {
  return {
    ...problem.extensions,
    type: problemType(problem.code),
    code: problem.code,
    title: localize(problem.title, ctx.lang),
    status: problem.status,
    detail: localize(problem.detail, ctx.lang),
    ...(ctx.instance !== undefined && { instance: ctx.instance }),
    ...(ctx.requestId !== undefined && { requestId: ctx.requestId }),
    ...(problem.errors && { errors: problem.errors.map((e) => ({ ...e, detail: localize(e.detail, ctx.lang) })) }),
  };
}

export function problemResponse(problem: ApiProblem, ctx: { lang: Lang; instance?: string; requestId?: string }): Response {
  const headers = new Headers(problem.headers);
  headers.set('Content-Type', PROBLEM_MEDIA_TYPE);
  headers.set('Content-Language', ctx.lang);
  headers.set('Cache-Control', 'no-store');
  return new Response(JSON.stringify(problemBody(problem, ctx)), { status: problem.status, headers });
}

export const FieldErrorSchema = z
  .object({
    in: z.enum(['query', 'path', 'header', 'body', 'cookie']),
    name: z.string().openapi({ example: 'from' }),
    pointer: z.string().optional(),
    code: z.string().openapi({ example: 'invalid_format' }),
    detail: z.string(),
  })
  .openapi('FieldError');

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:qingliu:problem:validation-failed' }),
    code: z.string().openapi({ example: 'validation-failed' }),
    title: z.string().openapi({ example: '请求参数无效' }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: '查询参数 "to"：结束时间必须晚于开始时间' }),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(FieldErrorSchema).optional(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details; `code` is stable, `title`/`detail` follow Accept-Language.' });

const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid parameters (problem+json, with per-parameter `errors`)',
  401: 'Missing, unknown or revoked API key',
  403: 'The key\'s role may not do this',
  404: 'Not found (also for stations the key may not see)',
  405: 'Method not allowed',
  406: 'Not acceptable',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Rate limit exceeded; see Retry-After',
  500: 'Internal error (details in the server log, never in the response)',
  503: 'Not ready',
};

/** OpenAPI `responses` entries for error statuses, to spread into a route definition. */
export function problemResponses<const S extends number>(...statuses: S[]) {
  const out = {} as Record<S, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }>;
  for (const status of statuses) {
    out[status] = { description: STATUS_DESCRIPTIONS[status] ?? 'Error', content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } } };
  }
  return out;
}
