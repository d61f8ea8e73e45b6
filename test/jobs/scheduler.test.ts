import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { silentLogger } from '../../src/logger.js';
import type { Job, JobContext } from '../../src/jobs/job.js';
import { PartialFailure } from '../../src/jobs/job.js';
import { createJobStore, type JobStore } from '../../src/jobs/job-store.js';
import { createScheduler, SchedulerStoppedError, UnknownJobError, type Scheduler } from '../../src/jobs/scheduler.js';

const at = (iso: string) => Date.parse(iso);
const T = at('2026-11-28T08:30:00+08:00');

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

function job(
  name: string,
  schedule: string,
  run: (ctx: JobContext) => Promise<Record<string, number> | void>,
  onStart: Job['onStart'] = 'never',
): Job {
  return { name, title: { zh: name, en: name }, schedule, onStart, run };
}

describe('job scheduler', () => {
  let dir: string;
  let store: JobStore;
  let clock: { t: number };
  let scheduler: Scheduler | undefined;
  const elapsed = () => 1_000;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-jobs-'));
    store = createJobStore({ dataDir: dir });
    clock = { t: T };
  });
  afterEach(async () => {
    await scheduler?.stop();
    scheduler = undefined;
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const make = (jobs: Job[]) =>
    (scheduler = createScheduler({
      jobs,
      store,
      timeZone: 'Asia/Shanghai',
      now: () => clock.t,
      logger: silentLogger(),
      elapsed,
    }));

  it('never overlaps a job with itself: a second trigger during a slow run is skipped and says so', async () => {
    const release = gate();
    const started = gate();
    let runs = 0;
    const s = make([
      job('slow', '*/5 * * * *', async () => {
        runs += 1;
        started.open();
        await release.opened;
        return { done: 1 };
      }),
    ]);
    const first = await s.launch('slow', 'schedule');
    expect(first.status).toBe('started');
    await started.opened;
    // A manual run and the next scheduled minute arrive while it runs.
    const second = await s.run('slow', 'manual');
    expect(second).toMatchObject({ status: 'already_running', trigger: 'schedule', since: T });
    const ticked = await s.tick(T + 5 * 60_000);
    expect(ticked).toEqual([{ job: 'slow', result: expect.objectContaining({ status: 'already_running' }) }]);
    expect((await s.status())[0]!.running).toMatchObject({ since: T, trigger: 'schedule' });
    release.open();
    const run = await (first as Extract<typeof first, { status: 'started' }>).done;
    expect(run).toMatchObject({ outcome: 'ok', trigger: 'schedule', summary: { done: 1 } });
    expect(runs).toBe(1);
    expect((await s.status())[0]!.running).toBeNull();
    // Once it is done, the next trigger runs it again.
    expect(await s.run('slow', 'manual')).toMatchObject({ status: 'completed', run: { trigger: 'manual' } });
    expect(runs).toBe(2);
  });

  it('records every run durably: trigger, start, end, duration, outcome, error and summary', async () => {
    const s = make([
      job('ok', '* * * * *', async (ctx) => ({ now: ctx.now })),
      job('boom', '* * * * *', async () => {
        throw new Error('the reading store is down');
      }),
      job('partly', '* * * * *', async () => {
        throw new PartialFailure('1 evaluation(s) failed', { windows: 3, failed: 1 });
      }),
    ]);
    await s.run('ok', 'manual');
    clock.t += 60_000;
    await s.run('boom', 'schedule');
    await s.run('partly', 'schedule');
    const byName = Object.fromEntries((await s.status()).map((j) => [j.name, j]));
    expect(byName.ok!.lastRun).toMatchObject({
      trigger: 'manual',
      startedAt: T,
      finishedAt: T,
      durationMs: 0,
      outcome: 'ok',
      error: null,
      summary: { now: T },
    });
    expect(byName.ok!.lastSuccessAt).toBe(T);
    expect(byName.boom!.lastRun).toMatchObject({ outcome: 'error', error: 'the reading store is down', summary: null });
    expect(byName.boom!.lastSuccessAt).toBeNull();
    expect(byName.partly!.lastRun).toMatchObject({ outcome: 'error', summary: { windows: 3, failed: 1 } });
    // Not running: no next run is promised.
    expect(byName.ok!.nextRunAt).toBeNull();

    // A run cut short by a crash is marked interrupted when the store is opened again.
    const id = await store.begin({ job: 'ok', trigger: 'schedule', startedAt: T + 120_000 });
    await store.close();
    store = createJobStore({ dataDir: dir });
    expect(await store.latest('ok')).toMatchObject({ id, outcome: 'interrupted', finishedAt: null });
    expect((await store.history('ok')).map((r) => r.outcome)).toEqual(['interrupted', 'ok']);
    expect(await store.lastSuccess('ok')).toMatchObject({ outcome: 'ok', startedAt: T });
  });

  it('tick(now) runs, one after the other, exactly the jobs whose schedule matches that minute in the time zone', async () => {
    const ran: string[] = [];
    const record = (name: string) => async (ctx: JobContext) => {
      ran.push(`${name}@${new Date(ctx.now).toISOString()}`);
    };
    const s = make([
      job('every-5', '*/5 * * * *', record('every-5')),
      job('digest', '30 8 * * *', record('digest')),
      job('hourly', '0 * * * *', record('hourly')),
    ]);
    // 08:30 in Shanghai is 00:30 UTC: the digest and the 5-minute job, not the hourly one.
    const results = await s.tick(at('2026-11-28T00:30:20Z'));
    expect(results.map((r) => r.job)).toEqual(['every-5', 'digest']);
    expect(ran).toEqual(['every-5@2026-11-28T00:30:20.000Z', 'digest@2026-11-28T00:30:20.000Z']);
    expect((await s.tick(at('2026-11-28T09:00:00+08:00'))).map((r) => r.job)).toEqual(['every-5', 'hourly']);
    expect(await s.tick(at('2026-11-28T09:01:00+08:00'))).toEqual([]);
    await expect(s.run('nope')).rejects.toBeInstanceOf(UnknownJobError);
  });

  it('at start runs the catch-up jobs in order, and a daily job only when its time passed while the service was down', async () => {
    const ran: string[] = [];
    const jobs = [
      job('windows', '*/5 * * * *', async () => void ran.push('windows'), 'always'),
      job('digest', '30 8 * * *', async () => void ran.push('digest'), 'if-missed'),
      job('manual-only', '0 0 1 1 *', async () => void ran.push('manual-only'), 'never'),
    ];
    // First start ever: nothing is known to be missed.
    let s = make(jobs);
    s.start();
    await s.whenIdle();
    expect(ran).toEqual(['windows']);
    await s.run('digest', 'schedule');
    await s.stop();
    await expect(s.launch('digest', 'manual')).rejects.toThrow(SchedulerStoppedError);

    // Down from 08:30 on the 28th until 10:00 on the 29th: the 08:30 digest of the 29th was missed.
    ran.length = 0;
    clock.t = at('2026-11-29T10:00:00+08:00');
    s = make(jobs);
    s.start();
    await s.whenIdle();
    expect(ran).toEqual(['windows', 'digest']);
    expect((await s.status()).find((j) => j.name === 'digest')!.lastRun).toMatchObject({ trigger: 'start' });
    expect((await s.status()).find((j) => j.name === 'digest')!.nextRunAt).toBe(at('2026-11-30T08:30:00+08:00'));
    await s.stop();

    // Restarted the same morning before 08:30: nothing was missed.
    ran.length = 0;
    clock.t = at('2026-11-29T11:00:00+08:00');
    s = make(jobs);
    s.start();
    await s.whenIdle();
    expect(ran).toEqual(['windows']);
  });

  it('node-cron really schedules each job in the configured time zone (its own next run, not waiting for it)', async () => {
    clock.t = Date.now();
    const s = make([
      job('digest', '30 8 * * *', async () => undefined),
      job('every-5', '*/5 * * * *', async () => undefined),
    ]);
    expect(s.cronNextRun('digest')).toBeNull();
    s.start();
    const next = s.cronNextRun('digest')!;
    // 08:30 in Asia/Shanghai is 00:30 UTC, whatever the machine's own zone.
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([0, 30]);
    expect(next.getTime()).toBe((await s.status()).find((j) => j.name === 'digest')!.nextRunAt);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    const every5 = s.cronNextRun('every-5')!;
    expect(every5.getUTCMinutes() % 5).toBe(0);
    await s.stop();
    expect(s.cronNextRun('digest')).toBeNull();
  });

  it('retries a failed run of a job with a retry policy for the same instant, and after a restart', async () => {
    const seen: { at: number; attempt: number; final: boolean; trigger: string }[] = [];
    let failing = true;
    const flaky: Job = {
      ...job('flaky', '30 8 * * *', async (ctx) => {
        seen.push({ at: ctx.now, attempt: ctx.attempt, final: ctx.finalAttempt, trigger: ctx.trigger });
        if (failing) throw new Error('the store did not answer');
      }),
      retry: { delaysMs: [120_000, 180_000] },
    };
    make([flaky]);
    expect((await scheduler!.tick(T))[0]!.result).toMatchObject({ run: { outcome: 'error', attempt: 1, at: T } });
    expect((await scheduler!.status())[0]!.retryAt).toBe(T + 120_000);
    // Not due yet (08:31): nothing runs.
    clock.t = T + 60_000;
    expect(await scheduler!.tick(clock.t)).toEqual([]);
    clock.t = T + 120_000;
    expect((await scheduler!.tick(clock.t))[0]!.result).toMatchObject({ run: { trigger: 'retry', attempt: 2, at: T } });

    // The process stops with the last retry owed; at the next start it is run for the same instant.
    await scheduler!.stop();
    failing = false;
    clock.t = T + 3 * 3_600_000;
    make([flaky]);
    scheduler!.start();
    await scheduler!.whenIdle();
    expect(seen).toEqual([
      { at: T, attempt: 1, final: false, trigger: 'schedule' },
      { at: T, attempt: 2, final: false, trigger: 'retry' },
      { at: T, attempt: 3, final: true, trigger: 'retry' },
    ]);
    expect(await store.latest('flaky')).toMatchObject({ outcome: 'ok', attempt: 3, at: T });
    expect((await scheduler!.status())[0]!.retryAt).toBeNull();
  });

  it('at start, runs the missed schedule instead of a retry that a scheduled time has superseded', async () => {
    const seen: { at: number; trigger: string }[] = [];
    let failing = true;
    const flaky: Job = {
      ...job(
        'flaky',
        '30 8 * * *',
        async (ctx) => {
          seen.push({ at: ctx.now, trigger: ctx.trigger });
          if (failing) throw new Error('down');
        },
        'if-missed',
      ),
      retry: { delaysMs: [120_000] },
    };
    make([flaky]);
    await scheduler!.tick(T);
    await scheduler!.stop();
    // Down for two days: the 08:30 of the next days passed; the old retry is not run, the missed run is.
    failing = false;
    clock.t = T + 2 * 86_400_000 + 3_600_000;
    make([flaky]);
    scheduler!.start();
    await scheduler!.whenIdle();
    expect(seen).toEqual([
      { at: T, trigger: 'schedule' },
      { at: clock.t, trigger: 'start' },
    ]);
  });

  it('lets the next scheduled run supersede pending retries, and gives up after the last one', async () => {
    const flaky: Job = {
      ...job('flaky', '30 8 * * *', async () => {
        throw new Error('down');
      }),
      retry: { delaysMs: [60_000] },
    };
    make([flaky]);
    await scheduler!.tick(T);
    expect((await scheduler!.status())[0]!.retryAt).toBe(T + 60_000);
    clock.t = T + 60_000;
    expect((await scheduler!.tick(clock.t))[0]!.result).toMatchObject({ run: { attempt: 2 } });
    expect((await scheduler!.status())[0]!.retryAt).toBeNull();
    await scheduler!.run('flaky', 'manual');
    expect((await scheduler!.status())[0]!.retryAt).toBe(clock.t + 60_000);
    const next = at('2026-11-29T08:30:00+08:00');
    clock.t = next;
    expect((await scheduler!.tick(next))[0]!.result).toMatchObject({
      run: { trigger: 'schedule', attempt: 1, at: next },
    });
  });

  it('opens a jobs.db of schema 1, adding the retry columns (old runs: first attempts at their start)', async () => {
    await store.close();
    const file = path.join(dir, 'old.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE job_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, trigger TEXT NOT NULL,
      started_at INTEGER NOT NULL, finished_at INTEGER, duration_ms INTEGER,
      outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'error', 'interrupted')), error TEXT, summary TEXT);
      INSERT INTO job_runs (job, trigger, started_at, finished_at, duration_ms, outcome) VALUES ('daily-digest', 'schedule', ${T}, ${T + 5}, 5, 'ok');
      PRAGMA user_version = 1;`);
    old.close();
    store = createJobStore({ file });
    expect(await store.latest('daily-digest')).toMatchObject({ outcome: 'ok', at: T, attempt: 1 });
  });

  it('stop() aborts the jobs signal, waits for the running ones, and may be called twice', async () => {
    const seen: boolean[] = [];
    const started = gate();
    const s = make([
      job('long', '* * * * *', async (ctx) => {
        started.open();
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        seen.push(ctx.signal.aborted);
        return { stopped_early: 1 };
      }),
    ]);
    const launched = await s.launch('long', 'manual');
    await started.opened;
    await s.stop();
    await s.stop();
    expect(seen).toEqual([true]);
    expect(launched.status === 'started' && (await launched.done).summary).toEqual({ stopped_early: 1 });
  });
});
