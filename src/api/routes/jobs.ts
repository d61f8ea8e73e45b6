/**
 * `GET /api/v1/jobs`: the scheduled jobs (alert windows, instant rules, escalation, outbox, daily digest) with
 * their schedule, the run in progress, the last run (trigger, duration, outcome, error, summary) and the next
 * scheduled run. `POST /api/v1/jobs/{name}/run`: run one now (admin only) — 202 at once, or 200 with the finished
 * run when `wait=true`; 409 when it is already running (a job never overlaps itself).
 *
 * Served by the instance that runs the jobs (ROLES includes alerts); see docs/alerts.md.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { JOB_OUTCOMES, type JobRun } from '../../jobs/job-store.js';
import { SchedulerStoppedError, type JobStatus, type Scheduler } from '../../jobs/scheduler.js';
import { requirePermission } from '../auth/middleware.js';
import type { ApiApp } from '../env.js';
import { text, type Lang } from '../i18n.js';
import { ApiProblem, problemResponses, PROBLEM_MEDIA_TYPE, ProblemSchema } from '../problem.js';
import { formatInZone } from '../query/zoned-time.js';
import { API_PREFIX } from '../http.js';

export type JobRouteScheduler = Pick<Scheduler, 'status' | 'launch' | 'has' | 'timeZone'>;

export interface JobRouteDeps {
  /** The scheduler, or a getter for it: undefined (503) until the alerts role is built. */
  scheduler: JobRouteScheduler | (() => JobRouteScheduler | undefined);
  /** True while this instance is an alerts standby (DATABASE_URL, docs/adr/0016): the leader runs the jobs. */
  standby?: () => boolean;
}

function schedulerOf(deps: JobRouteDeps): JobRouteScheduler {
  const scheduler = typeof deps.scheduler === 'function' ? deps.scheduler() : deps.scheduler;
  if (!scheduler) {
    throw new ApiProblem({
      code: 'not-ready',
      detail: text('任务调度尚未启动，请稍后重试', 'The job scheduler is not running yet; try again shortly'),
      headers: { 'Retry-After': '5' },
    });
  }
  return scheduler;
}

const TRIGGERS = ['schedule', 'start', 'manual', 'retry'] as const;
const Time = z
  .string()
  .openapi({ example: '2026-11-28T08:30:00+08:00', description: 'ISO 8601 in the jobs’ time zone' });

const JobRunSchema = z
  .object({
    id: z.number().int(),
    trigger: z.enum(TRIGGERS).openapi({
      description: 'schedule (node-cron), start (catch-up at start-up), manual, or retry (of a failed run)',
    }),
    attempt: z.number().int().openapi({ description: '1, or the number of the retry' }),
    at: Time.openapi({ description: 'The instant the run was for (a retry keeps the failed run’s)' }),
    started_at: Time,
    finished_at: Time.nullable(),
    duration_ms: z.number().int().nullable(),
    outcome: z.enum(JOB_OUTCOMES).openapi({ description: 'interrupted: the process stopped during the run' }),
    error: z.string().nullable(),
    summary: z
      .record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]))
      .nullable()
      .openapi({ description: 'What the run did, e.g. windows judged, alerts opened, notifications delivered' }),
  })
  .openapi('JobRun');

const JobSchema = z
  .object({
    name: z.string().openapi({ example: 'daily-digest' }),
    title: z.string().openapi({ example: '每日水质达标日报' }),
    schedule: z
      .string()
      .openapi({ example: '30 8 * * *', description: 'Cron expression (minute hour day month weekday)' }),
    time_zone: z.string().openapi({ example: 'Asia/Shanghai' }),
    running: z
      .object({ since: Time, trigger: z.enum(TRIGGERS), run_id: z.number().int() })
      .nullable()
      .openapi({ description: 'The run in progress' }),
    last_run: JobRunSchema.nullable(),
    last_success_at: Time.nullable(),
    next_run_at: Time.nullable(),
    retry_at: Time.nullable().openapi({ description: 'When a failed run is retried next (the daily digest retries)' }),
  })
  .openapi('Job');

function runJson(run: JobRun, tz: string): z.infer<typeof JobRunSchema> {
  return {
    id: run.id,
    trigger: run.trigger,
    attempt: run.attempt,
    at: formatInZone(run.at, tz),
    started_at: formatInZone(run.startedAt, tz),
    finished_at: run.finishedAt === null ? null : formatInZone(run.finishedAt, tz),
    duration_ms: run.durationMs,
    outcome: run.outcome,
    error: run.error,
    summary: run.summary,
  };
}

function jobJson(s: JobStatus, lang: Lang): z.infer<typeof JobSchema> {
  const tz = s.timeZone;
  return {
    name: s.name,
    title: lang === 'en' ? s.title.en : s.title.zh,
    schedule: s.schedule,
    time_zone: tz,
    running: s.running
      ? { since: formatInZone(s.running.since, tz), trigger: s.running.trigger, run_id: s.running.runId }
      : null,
    last_run: s.lastRun ? runJson(s.lastRun, tz) : null,
    last_success_at: s.lastSuccessAt === null ? null : formatInZone(s.lastSuccessAt, tz),
    next_run_at: s.nextRunAt === null ? null : formatInZone(s.nextRunAt, tz),
    retry_at: s.retryAt === null ? null : formatInZone(s.retryAt, tz),
  };
}

const nameParams = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'expected a job name (lowercase letters, digits, "-")' })
    .openapi({ param: { name: 'name', in: 'path' }, example: 'daily-digest' }),
});

export function register(app: ApiApp, deps: JobRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/jobs',
      tags: ['operations'],
      summary:
        'Scheduled jobs: schedule, run in progress, last run (duration, outcome, error) and next run (admin, bureau)',
      middleware: [requirePermission('jobs:read')] as const,
      responses: {
        200: {
          description: 'Every job',
          content: { 'application/json': { schema: z.object({ items: z.array(JobSchema) }).openapi('JobList') } },
        },
        ...problemResponses(401, 403, 429),
      },
    }),
    async (c) => {
      c.header('Cache-Control', 'no-store');
      const statuses = await schedulerOf(deps).status();
      return c.json({ items: statuses.map((s) => jobJson(s, c.get('lang'))) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/jobs/{name}/run',
      tags: ['operations'],
      summary: 'Run a job now (admin only); `wait=true` answers when it has finished',
      middleware: [requirePermission('jobs:run')] as const,
      request: {
        params: nameParams,
        query: z.strictObject({
          wait: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true')
            .openapi({ description: 'Wait for the run to finish and return it (200) instead of 202 at once' }),
        }),
      },
      responses: {
        200: {
          description: 'The finished run (wait=true)',
          content: {
            'application/json': { schema: z.object({ job: z.string(), run: JobRunSchema }).openapi('JobRunResult') },
          },
        },
        202: {
          description: 'Started; follow it with GET /api/v1/jobs',
          content: {
            'application/json': {
              schema: z
                .object({ job: z.string(), run_id: z.number().int(), started_at: Time, status: z.literal('started') })
                .openapi('JobStarted'),
            },
          },
        },
        ...problemResponses(400, 401, 403, 404, 429, 503),
        409: {
          description: 'The job is running (a job never overlaps itself)',
          content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } },
        },
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const { wait } = c.req.valid('query');
      const scheduler = schedulerOf(deps);
      if (!scheduler.has(name)) {
        throw new ApiProblem({
          code: 'job-not-found',
          status: 404,
          title: text('任务不存在', 'Job not found'),
          detail: text(
            `没有名为 "${name}" 的任务；任务列表见 GET /api/v1/jobs`,
            `There is no job "${name}"; GET /api/v1/jobs lists them`,
          ),
        });
      }
      let launched;
      try {
        launched = await scheduler.launch(name, 'manual');
      } catch (err) {
        if (!(err instanceof SchedulerStoppedError)) throw err;
        if (deps.standby?.()) {
          throw new ApiProblem({
            code: 'standby',
            status: 503,
            title: text('本实例为备用实例', 'This instance is a standby'),
            detail: text(
              '本告警实例为备用（standby）：任务只在主实例（leader）上运行。请把请求发给主实例，或稍后重试（主实例失效后本实例将在租约到期时接管）',
              'This alerts instance is a standby: jobs run only on the leader. Send the request to the leader, or retry later (this instance takes over when the leader’s lease expires)',
            ),
            headers: { 'Retry-After': '5' },
          });
        }
        throw new ApiProblem({
          code: 'service-unavailable',
          detail: text('服务正在停止，任务不再运行', 'The service is stopping; jobs no longer run'),
        });
      }
      const tz = scheduler.timeZone;
      if (launched.status === 'already_running') {
        throw new ApiProblem({
          code: 'job-running',
          status: 409,
          title: text('任务正在运行', 'The job is running'),
          detail: text(
            `任务 "${name}" 自 ${formatInZone(launched.since, tz)} 起正在运行（${launched.trigger}），不会重复启动`,
            `Job "${name}" has been running since ${formatInZone(launched.since, tz)} (${launched.trigger}); it never runs twice at once`,
          ),
          extensions: { runId: launched.runId },
        });
      }
      c.get('log').info({ job: name, runId: launched.runId }, 'job run requested through the API');
      if (wait) return c.json({ job: name, run: runJson(await launched.done, tz) }, 200);
      // The run goes on after the response; its outcome is recorded and logged by the scheduler.
      launched.done.catch(() => undefined);
      c.header('Location', `${API_PREFIX}/jobs`);
      return c.json(
        {
          job: name,
          run_id: launched.runId,
          started_at: formatInZone(launched.startedAt, tz),
          status: 'started' as const,
        },
        202,
      );
    },
  );
}
