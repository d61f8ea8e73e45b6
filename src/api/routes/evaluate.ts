/**
 * `POST /evaluate`: the standards engine as a calculator — the same input and output as `qingliu evaluate`
 * (docs/standards.md). The body is documented by the engine's own schema; an invalid one is a 400 listing every
 * problem the engine found, each with its JSON pointer.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { evaluate, EvaluationInputError, evaluationRequestSchema } from '../../domain/evaluate.js';
import { requirePermission } from '../auth/middleware.js';
import type { ApiApp } from '../env.js';
import { text } from '../i18n.js';
import { problemResponses, type ApiProblem, type FieldError } from '../problem.js';
import { fieldErrors, validationProblem } from '../validation.js';

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

function evaluationProblem(err: EvaluationInputError): ApiProblem {
  // The engine's messages are "中文 / English"; split them so each language gets its own.
  const errors: FieldError[] = err.issues.map((issue) => {
    const [zh, en] = issue.message.includes(' / ') ? issue.message.split(' / ', 2) : [issue.message, issue.message];
    return {
      in: 'body',
      name: issue.path === '' ? '(root)' : issue.path,
      pointer: pointerOf(issue.path),
      code: 'invalid_input',
      detail: text(zh!, en!),
    };
  });
  return validationProblem(errors);
}

function run(input: unknown): object {
  try {
    return evaluate(input);
  } catch (err) {
    if (err instanceof EvaluationInputError) throw evaluationProblem(err);
    throw err;
  }
}

export const evaluateRoute = createRoute({
  method: 'post',
  path: '/evaluate',
  tags: ['standards'],
  summary:
    'Evaluate readings against GB 3838-2002, GB 18918-2002 (or a custom standard) or the black-odorous guideline',
  description:
    'Same input and output as `qingliu evaluate`: one input object or an array of them. See docs/standards.md.',
  middleware: [requirePermission('evaluate')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: evaluationRequestSchema } } } },
  responses: {
    200: {
      description: 'The verdict, or an array of verdicts in input order',
      content: {
        'application/json': {
          schema: z
            .union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))])
            .openapi('EvaluationResult'),
        },
      },
    },
    ...problemResponses(400, 401, 403, 413, 415, 429),
  },
});

export function register(app: ApiApp): void {
  app.openapi(
    evaluateRoute,
    async (c) => c.json(run(await c.req.json()) as Record<string, unknown>, 200),
    // zod's messages for a failed union are vague ("invalid input"); the engine names each problem precisely.
    (result) => {
      if (result.success) return undefined;
      const input = (result as { data?: unknown }).data;
      run(input);
      throw validationProblem(fieldErrors(result.error, 'json', input));
    },
  );
}
