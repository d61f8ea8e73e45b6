/**
 * One contract for the job-run store, run against both adapters: SQLite (DATA_DIR/jobs.db) and PostgreSQL
 * (DATABASE_URL, the real server of the test harness).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { openPostgres, type Postgres } from '../../src/db/postgres.js';
import { createJobStore, RUNS_KEPT, type JobStore } from '../../src/jobs/job-store.js';
import { createPgJobStore } from '../../src/jobs/pg-job-store.js';
import { silentLogger } from '../../src/logger.js';
import { startPostgres, type Postgres as Server } from '../harness/postgres.js';

const T = Date.parse('2026-12-01T00:00:00Z');

interface Adapter {
  name: string;
  setup(): Promise<void>;
  /** A fresh, empty store. */
  fresh(): Promise<JobStore>;
  teardown(): Promise<void>;
}

const sqlite = (): Adapter => {
  let dir: string;
  let n = 0;
  return {
    name: 'SQLite',
    async setup() {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-jobs-contract-'));
    },
    fresh: async () => createJobStore({ file: path.join(dir, `jobs-${++n}.db`) }),
    async teardown() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};

const postgres = (): Adapter => {
  let server: Server;
  let n = 0;
  const pools: Postgres[] = [];
  return {
    name: 'PostgreSQL',
    async setup() {
      server = await startPostgres();
    },
    async fresh() {
      const db = openPostgres({ url: await server.createDatabase(`jobs_${++n}`), logger: silentLogger(), max: 4 });
      pools.push(db);
      await migrate(db, silentLogger());
      return createPgJobStore(db);
    },
    async teardown() {
      await Promise.all(pools.map((p) => p.close()));
      await server?.dispose();
    },
  };
};

describe.each([sqlite(), postgres()])('job-run store contract: $name', (adapter) => {
  let store: JobStore;
  beforeAll(() => adapter.setup());
  afterAll(() => adapter.teardown());
  beforeEach(async () => {
    store = await adapter.fresh();
  });

  it('records a run from its start to its end, with trigger, instant, attempt, duration, error and summary', async () => {
    const id = await store.begin({ job: 'digest', trigger: 'retry', startedAt: T, at: T - 60_000, attempt: 2 });
    expect(await store.latest('digest')).toEqual({
      id,
      job: 'digest',
      trigger: 'retry',
      startedAt: T,
      finishedAt: null,
      durationMs: null,
      outcome: 'running',
      error: null,
      summary: null,
      at: T - 60_000,
      attempt: 2,
    });
    expect(await store.lastFinished('digest')).toBeUndefined();
    const summary = { windows: 3, failed: 1, 断面: '出境断面 outbound' };
    const run = await store.finish(id, {
      finishedAt: T + 1_500,
      durationMs: 1_499.6,
      outcome: 'error',
      error: 'the reading store is down',
      summary,
    });
    expect(run).toMatchObject({ id, outcome: 'error', finishedAt: T + 1_500, durationMs: 1_500, summary });
    expect(await store.lastFinished('digest')).toEqual(run);
    expect(await store.lastSuccess('digest')).toBeUndefined();
    // A run defaults to the first attempt, for the instant it started.
    const ok = await store.begin({ job: 'digest', trigger: 'schedule', startedAt: T + 60_000 });
    await store.finish(ok, { finishedAt: T + 61_000, durationMs: 1_000, outcome: 'ok' });
    expect(await store.lastSuccess('digest')).toMatchObject({
      id: ok,
      at: T + 60_000,
      attempt: 1,
      summary: null,
      error: null,
    });
    expect(await store.latest('other')).toBeUndefined();
  });

  it('lists runs newest first per job, with the limit clamped to 1..RUNS_KEPT', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await store.begin({ job: 'a', trigger: 'schedule', startedAt: T + i }));
      await store.begin({ job: 'b', trigger: 'manual', startedAt: T + i });
    }
    expect((await store.history('a')).map((r) => r.id)).toEqual([...ids].reverse());
    expect((await store.history('a', 2)).map((r) => r.id)).toEqual([ids[4], ids[3]]);
    expect(await store.history('a', 0)).toHaveLength(1);
    expect((await store.history('b', 10_000)).every((r) => r.job === 'b')).toBe(true);
  });

  it('marks the runs left running as interrupted, and says how many', async () => {
    const a = await store.begin({ job: 'a', trigger: 'schedule', startedAt: T });
    const b = await store.begin({ job: 'b', trigger: 'schedule', startedAt: T });
    await store.finish(b, { finishedAt: T + 1, durationMs: 1, outcome: 'ok' });
    expect(await store.interruptRunning()).toBe(1);
    expect(await store.latest('a')).toMatchObject({ id: a, outcome: 'interrupted', finishedAt: null });
    expect(await store.lastFinished('a')).toMatchObject({ id: a });
    expect(await store.latest('b')).toMatchObject({ outcome: 'ok' });
    expect(await store.interruptRunning()).toBe(0);
  });

  it(`keeps the last ${RUNS_KEPT} runs of each job`, async () => {
    let last = 0;
    for (let i = 0; i < RUNS_KEPT + 3; i++) {
      last = await store.begin({ job: 'often', trigger: 'schedule', startedAt: T + i });
      await store.finish(last, { finishedAt: T + i, durationMs: 0, outcome: 'ok' });
    }
    const kept = await store.history('often', RUNS_KEPT + 10);
    expect(kept).toHaveLength(RUNS_KEPT);
    expect(kept[0]!.id).toBe(last);
  });

  it('refuses to finish a run it does not have', async () => {
    await expect(store.finish(424242, { finishedAt: T, durationMs: 0, outcome: 'ok' })).rejects.toThrow(
      /no job run 424242/,
    );
  });
});
