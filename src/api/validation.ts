/**
 * Turns zod validation failures into a 400 problem naming each offending parameter and what was expected,
 * in zh-CN and en. Schemas can give bilingual messages by adding a custom issue with `params: { zh, en }`
 * (see `bilingualIssue`); a plain custom message is used for both languages.
 */
import { z, type ZodError } from 'zod';
import type { Hook } from '@hono/zod-openapi';
import type { ApiEnv } from './env.js';
import { localize, text, type Localized } from './i18n.js';
import { ApiProblem, type FieldError } from './problem.js';

type Issue = ZodError['issues'][number];
type Target = 'query' | 'param' | 'header' | 'json' | 'form' | 'cookie';

const LOCATION: Record<Target, FieldError['in']> = {
  query: 'query',
  param: 'path',
  header: 'header',
  json: 'body',
  form: 'body',
  cookie: 'cookie',
};

const LOCATION_NAME: Record<FieldError['in'], { zh: string; en: string }> = {
  query: { zh: '查询参数', en: 'query parameter' },
  path: { zh: '路径参数', en: 'path parameter' },
  header: { zh: '请求头', en: 'header' },
  body: { zh: '请求体字段', en: 'body field' },
  cookie: { zh: 'Cookie', en: 'cookie' },
};

// zod's own message catalogues: English to tell a schema's custom message from a default one, Chinese as fallback.
const EN_DEFAULT = z.locales.en().localeError;
const ZH_DEFAULT = z.locales.zhCN().localeError;

function fromMap(map: typeof EN_DEFAULT, issue: Issue): string | undefined {
  const out = map(issue as Parameters<typeof EN_DEFAULT>[0]);
  return typeof out === 'string' ? out : (out?.message ?? undefined);
}

/** Adds a custom issue whose message exists in both languages. Use inside `superRefine`/`transform`. */
export function bilingualIssue(
  ctx: {
    addIssue(issue: {
      code: 'custom';
      message: string;
      path?: PropertyKey[];
      params?: Record<string, unknown>;
      input?: unknown;
    }): void;
  },
  message: { zh: string; en: string; path?: PropertyKey[]; reason?: string },
): void {
  ctx.addIssue({
    code: 'custom',
    message: message.en,
    ...(message.path && { path: message.path }),
    params: { zh: message.zh, en: message.en, reason: message.reason ?? 'invalid_value' },
  });
}

function isMissing(issue: Issue, input: unknown): boolean {
  if (issue.code !== 'invalid_type' && issue.code !== 'invalid_union') return false;
  let value: unknown = input;
  for (const key of issue.path) {
    if (value === null || typeof value !== 'object') return true;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value === undefined;
}

function issueMessage(issue: Issue, input: unknown): { code: string; detail: Localized } {
  if (issue.code === 'custom') {
    const params = issue.params as { zh?: unknown; en?: unknown; reason?: unknown } | undefined;
    const reason = typeof params?.reason === 'string' ? params.reason : 'invalid_value';
    if (typeof params?.zh === 'string' && typeof params.en === 'string')
      return { code: reason, detail: text(params.zh, params.en) };
    return { code: reason, detail: issue.message };
  }
  if (isMissing(issue, input)) return { code: 'required', detail: text('必须提供', 'is required') };
  if (issue.code === 'invalid_type') {
    return {
      code: issue.code,
      detail: text(`类型无效，应为 ${issue.expected}`, `invalid type; expected ${issue.expected}`),
    };
  }
  if (issue.code !== 'unrecognized_keys' && issue.message !== fromMap(EN_DEFAULT, issue)) {
    // A message the schema author wrote: more precise than any default, so keep it.
    return { code: issue.code, detail: issue.message };
  }
  if (issue.code === 'invalid_value') {
    const values = issue.values.map((v) => String(v)).join(', ');
    return { code: issue.code, detail: text(`应为以下之一：${values}`, `expected one of: ${values}`) };
  }
  return { code: issue.code, detail: text(fromMap(ZH_DEFAULT, issue) ?? issue.message, issue.message) };
}

function pointerOf(path: readonly PropertyKey[]): string {
  return path.map((p) => '/' + String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** Maps every zod issue to a `FieldError`; unknown keys become one error each. */
export function fieldErrors(error: ZodError, target: Target, input: unknown): FieldError[] {
  const location = LOCATION[target];
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        out.push({
          in: location,
          name: path.map(String).join('.'),
          ...(location === 'body' && { pointer: pointerOf(path) }),
          code: 'unknown_parameter',
          detail: text('未知参数（请检查拼写）', 'unknown parameter (check the spelling)'),
        });
      }
      continue;
    }
    const { code, detail } = issueMessage(issue, input);
    out.push({
      in: location,
      name: issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)',
      ...(location === 'body' && { pointer: pointerOf(issue.path) }),
      code,
      detail,
    });
  }
  return out;
}

/** A 400 problem listing every error; the detail names each parameter so a one-line client log suffices. */
/** A 400 listing `errors`; `total` counts errors beyond those listed (a capped list), for the summary line. */
export function validationProblem(errors: FieldError[], total = errors.length): ApiProblem {
  const shown = errors.slice(0, 5);
  const more = total - shown.length;
  const line = (lang: 'zh-CN' | 'en') =>
    shown
      .map((e) => {
        const where = LOCATION_NAME[e.in][lang === 'zh-CN' ? 'zh' : 'en'];
        return `${where} "${e.name}"${lang === 'zh-CN' ? '：' : ': '}${localize(e.detail, lang)}`;
      })
      .join(lang === 'zh-CN' ? '；' : '; ') +
    (more > 0 ? (lang === 'zh-CN' ? `；另有 ${more} 处错误` : `; and ${more} more`) : '');
  return new ApiProblem({ code: 'validation-failed', detail: text(line('zh-CN'), line('en')), errors });
}

/** `defaultHook` of every OpenAPIHono: a failed validation of query, path, headers or body is a 400 problem. */
export const validationHook: Hook<unknown, ApiEnv, string, undefined> = (result) => {
  if (result.success) return undefined;
  const input = (result as { data?: unknown }).data;
  throw validationProblem(fieldErrors(result.error, result.target as Target, input));
};
