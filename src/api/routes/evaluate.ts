/**
 * `POST /evaluate`: the standards engine as a calculator — the same input and verdicts as `qingliu evaluate`
 * (docs/standards.md; the answers in docs/api.md). One object: its verdict (200), or a 400 naming every problem
 * with its JSON pointer. A batch (an array) is answered item by item: 200 with `results` in input order (null for
 * an invalid item) and `errors` (each with the item's `index` and pointer) when at least one item was evaluated;
 * a 400 problem when none was; a 413 beyond `API_EVALUATION_LIMITS.maxItems` items.
 *
 * Cost (issue 12, item 5): the body is at most MAX_BODY_BYTES, every item is held to API_EVALUATION_LIMITS before
 * it is parsed, at most MAX_REPORTED_ERRORS errors are reported; one request computes at a time (the others wait
 * without blocking), and a batch yields to the event loop every SLICE_MS of work — so that health checks and other
 * requests are answered while hostile ones run.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createRoute, z } from '@hono/zod-openapi';
import {
  addToBatch,
  API_EVALUATION_LIMITS,
  evaluateItem,
  evaluationRequestSchema,
  type BatchOutcome,
  type InputIssue,
} from '../../domain/evaluate.js';
import { requirePermission } from '../auth/middleware.js';
import type { ApiApp, ApiContext } from '../env.js';
import { limitBody } from '../http.js';
import { localize, text } from '../i18n.js';
import { ApiProblem, FieldErrorSchema, problemResponses, type FieldError } from '../problem.js';
import { validationProblem } from '../validation.js';
import { createWorkGate, GateFullError } from '../work-gate.js';

/**
 * Bytes of one request body: 1,000 items of nine readings take about 180 KB. Parsing is the one step that cannot
 * yield; at this size it takes a few tens of milliseconds even for the slowest JSON (one object of 15,000 keys).
 */
export const MAX_BODY_BYTES = 256 * 1024;
/** Requests waiting for their turn to compute; beyond it, a 503 with Retry-After. */
const MAX_WAITING = 64;
/** Errors listed in one answer; the rest are counted in `errors_omitted`. */
export const MAX_REPORTED_ERRORS = 100;
/** Work between two yields to the event loop while a batch is evaluated. */
const SLICE_MS = 5;

/** `readings.nh3n`, `[1].sections[0].readings.tp` → `/readings/nh3n`, `/1/sections/0/readings/tp`. */
function pointerOf(path: string): string {
  if (path === '') return '';
  const segments = path.match(/\[(\d+)\]|[^.[\]]+/g) ?? [];
  return segments
    .map(
      (s) =>
        '/' +
        s
          .replace(/^\[(\d+)\]$/, '$1')
          .replaceAll('~', '~0')
          .replaceAll('/', '~1'),
    )
    .join('');
}

/** An engine issue as a field error; the engine's messages are "中文 / English", split for each language. */
function fieldError(issue: InputIssue): FieldError {
  const [zh, en] = issue.message.includes(' / ') ? issue.message.split(' / ', 2) : [issue.message, issue.message];
  return {
    in: 'body',
    name: issue.path === '' ? '(root)' : issue.path,
    pointer: pointerOf(issue.path),
    code: 'invalid_input',
    detail: text(zh!, en!),
  };
}

/** A 400 for input of which nothing could be evaluated: the first MAX_REPORTED_ERRORS problems, and how many more. */
function invalidInput(issues: InputIssue[]): ApiProblem {
  const listed = issues.slice(0, MAX_REPORTED_ERRORS).map(fieldError);
  const problem = validationProblem(listed, issues.length);
  const omitted = issues.length - listed.length;
  if (omitted === 0) return problem;
  return new ApiProblem({
    code: problem.code,
    detail: problem.detail,
    errors: listed,
    extensions: { errors_omitted: omitted },
  });
}

async function readJson(c: ApiContext): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new ApiProblem({
      code: 'unsupported-media-type',
      detail: text(
        '不支持该请求体类型：请发送 Content-Type: application/json',
        'Unsupported request body type: send Content-Type: application/json',
      ),
    });
  }
  const body = await c.req.text();
  try {
    return JSON.parse(body);
  } catch {
    throw new ApiProblem({
      code: 'bad-request',
      detail: text('请求体不是有效的 JSON', 'The request body is not valid JSON'),
    });
  }
}

/** Evaluates a batch item by item, giving the event loop a turn every SLICE_MS. */
async function evaluateBatchFairly(items: readonly unknown[]): Promise<BatchOutcome & { indexOf: number[] }> {
  const batch: BatchOutcome & { indexOf: number[] } = {
    results: [],
    issues: [],
    evaluated: 0,
    invalid: 0,
    indexOf: [],
  };
  let slice = performance.now();
  for (let i = 0; i < items.length; i++) {
    const before = batch.issues.length;
    addToBatch(batch, evaluateItem(items[i], `[${i}]`, API_EVALUATION_LIMITS));
    for (let k = before; k < batch.issues.length; k++) batch.indexOf.push(i);
    if (performance.now() - slice > SLICE_MS) {
      await nextTurn();
      slice = performance.now();
    }
  }
  return batch;
}

async function answer(c: ApiContext): Promise<Response> {
  const input = await readJson(c);
  if (!Array.isArray(input)) {
    const outcome = evaluateItem(input, '', API_EVALUATION_LIMITS);
    if (outcome.result === undefined) throw invalidInput(outcome.issues);
    return c.json(outcome.result, 200);
  }
  const { maxItems } = API_EVALUATION_LIMITS;
  if (input.length > maxItems) {
    throw new ApiProblem({
      code: 'too-many-items',
      status: 413,
      title: text('批量评价项数过多', 'Too many items in the batch'),
      detail: text(
        `批量评价最多 ${maxItems} 项，收到 ${input.length} 项；请分批提交`,
        `A batch holds at most ${maxItems} items, got ${input.length}; send it in parts`,
      ),
      extensions: { limit: maxItems },
    });
  }
  const batch = await evaluateBatchFairly(input);
  if (batch.evaluated === 0 && batch.invalid > 0) throw invalidInput(batch.issues);
  const lang = c.get('lang') ?? 'zh-CN';
  const errors = batch.issues.slice(0, MAX_REPORTED_ERRORS).map((issue, k) => {
    const e = fieldError(issue);
    return { index: batch.indexOf[k]!, ...e, detail: localize(e.detail, lang) };
  });
  const omitted = batch.issues.length - errors.length;
  return c.json(
    {
      results: batch.results,
      errors,
      evaluated: batch.evaluated,
      invalid: batch.invalid,
      ...(omitted > 0 ? { errors_omitted: omitted } : {}),
    },
    200,
  );
}

const VerdictSchema = z.record(z.string(), z.unknown()).openapi('EvaluationResult', {
  description: 'A verdict: the output of the standards engine (docs/standards.md §5)',
});

export const EvaluationBatchSchema = z
  .object({
    results: z
      .array(VerdictSchema.nullable())
      .openapi({ description: 'Verdicts in input order; null for an invalid item' }),
    errors: z
      .array(FieldErrorSchema.extend({ index: z.number().int().openapi({ description: 'The item (0-based)' }) }))
      .openapi({
        description: `The invalid items' problems, each with its JSON pointer; at most ${MAX_REPORTED_ERRORS}`,
      }),
    evaluated: z.number().int(),
    invalid: z.number().int(),
    errors_omitted: z.number().int().optional().openapi({ description: 'Problems not listed (beyond the cap)' }),
  })
  .openapi('EvaluationBatch');

export const evaluateRoute = createRoute({
  method: 'post',
  path: '/evaluate',
  tags: ['standards'],
  summary:
    'Evaluate readings against GB 3838-2002, GB 18918-2002 (or a custom standard) or the black-odorous guideline',
  description: [
    'Same input and verdicts as `qingliu evaluate` (docs/standards.md). One object: its verdict, or 400 naming every',
    'problem. An array is a batch, answered item by item: 200 with `results` (input order, null for an invalid item)',
    'and `errors` (with the item `index` and a JSON pointer) when at least one item was evaluated, 400 when none was,',
    `413 beyond ${API_EVALUATION_LIMITS.maxItems} items. Each item: at most ${API_EVALUATION_LIMITS.maxKeys} keys per object,`,
    `${API_EVALUATION_LIMITS.maxEntries} entries per array, ${API_EVALUATION_LIMITS.maxDepth} levels; at most`,
    `${MAX_REPORTED_ERRORS} errors are listed (\`errors_omitted\` counts the rest). Body: at most ${MAX_BODY_BYTES} bytes.`,
  ].join(' '),
  middleware: [requirePermission('evaluate'), limitBody(MAX_BODY_BYTES)] as const,
  request: {
    // Documented, not validated by the framework: the engine validates each item within its limits (a union
    // over a whole body of any size would cost more than the limits allow).
    body: {
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/EvaluationRequest' } } },
    },
  },
  responses: {
    200: {
      description: 'One object: its verdict. A batch: `results` and `errors` item by item',
      content: { 'application/json': { schema: z.union([VerdictSchema, EvaluationBatchSchema]) } },
    },
    ...problemResponses(400, 401, 403, 413, 415, 429, 503),
  },
});

export function register(app: ApiApp): void {
  // One request computes at a time: interleaved, twenty hostile batches would each hold the event loop in turn.
  const gate = createWorkGate({ concurrency: 1, maxWaiting: MAX_WAITING });
  app.openAPIRegistry.register('EvaluationRequest', evaluationRequestSchema);
  app.openapi(evaluateRoute, (async (c: ApiContext) => {
    try {
      return await gate.run(() => answer(c));
    } catch (err) {
      if (!(err instanceof GateFullError)) throw err;
      throw new ApiProblem({
        code: 'service-unavailable',
        detail: text('评价请求排队过多，请稍后重试', 'Too many evaluations are waiting; retry in a moment'),
        headers: { 'Retry-After': '1' },
      });
    }
  }) as never);
}
