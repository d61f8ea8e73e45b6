/**
 * `/healthz`: the process is up and serving (for restart decisions). `/readyz`: its dependencies answer (for
 * routing traffic) — each named check runs in parallel with a timeout; 503 names the ones that failed and what
 * was tried (`INFLUX_URL=http://influxdb:8086`, credentials masked) so an operator knows where to look. The errors
 * themselves go to the log, not the response: readiness endpoints are unauthenticated.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Logger } from '../logger.js';
import type { ApiApp } from './env.js';
import { text } from './i18n.js';
import { ApiProblem, problemResponses } from './problem.js';

export interface ReadinessCheck {
  /** e.g. `broker`, `store`. */
  name: string;
  /** What was tried, for the operator: `INFLUX_URL=http://influxdb:8086` (credentials masked). */
  target?: string;
  /** Resolves when the dependency answers; rejecting or resolving `false` means not ready. */
  check: () => Promise<unknown>;
  timeoutMs?: number;
}

export interface CheckOutcome {
  name: string;
  ok: boolean;
  target?: string;
  /** `failed` or `timeout`; the error itself is logged. */
  reason?: 'failed' | 'timeout';
}

export async function runChecks(checks: readonly ReadinessCheck[], logger: Logger): Promise<CheckOutcome[]> {
  return Promise.all(
    checks.map(async ({ name, target, check, timeoutMs = 2000 }): Promise<CheckOutcome> => {
      const where = target === undefined ? {} : { target };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
        timer.unref();
      });
      try {
        const result = await Promise.race([check(), timeout]);
        if (result === 'timeout') {
          logger.warn({ check: name, ...where, timeoutMs }, 'readiness check timed out');
          return { name, ok: false, reason: 'timeout', ...where };
        }
        if (result === false) {
          logger.warn({ check: name, ...where }, 'readiness check failed');
          return { name, ok: false, reason: 'failed', ...where };
        }
        return { name, ok: true, ...where };
      } catch (err) {
        logger.warn({ check: name, ...where, err }, 'readiness check failed');
        return { name, ok: false, reason: 'failed', ...where };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

const CheckSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  reason: z.enum(['failed', 'timeout']).optional(),
  target: z
    .string()
    .optional()
    .openapi({ description: 'What was tried, e.g. `INFLUX_URL=http://influxdb:8086` (credentials masked)' }),
});

export function registerHealth(app: ApiApp, deps: { checks: readonly ReadinessCheck[]; logger: Logger }): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['operations'],
      summary: 'Liveness: the process is up',
      security: [],
      responses: { 200: { description: 'Up', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
    }),
    (c) => c.json({ status: 'ok' as const }, 200, { 'Cache-Control': 'no-store' }),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['operations'],
      summary: 'Readiness: broker, store and other dependencies answer',
      security: [],
      responses: {
        200: {
          description: 'Ready',
          content: { 'application/json': { schema: z.object({ status: z.literal('ready'), checks: z.array(CheckSchema) }) } },
        },
        ...problemResponses(503),
      },
    }),
    async (c) => {
      const checks = await runChecks(deps.checks, deps.logger);
      const failed = checks.filter((r) => !r.ok);
      if (failed.length > 0) {
        const names = failed.map((f) => `${f.name} (${f.reason}${f.target ? `: ${f.target}` : ''})`).join(', ');
        throw new ApiProblem({
          code: 'not-ready',
          detail: text(`以下依赖未就绪：${names}`, `Not ready: ${names}`),
          headers: { 'Retry-After': '5' },
          extensions: { checks },
        });
      }
      return c.json({ status: 'ready' as const, checks }, 200, { 'Cache-Control': 'no-store' });
    },
  );
}
