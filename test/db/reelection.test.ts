/**
 * A deposed leader leads again promptly (docs/adr/0016), whatever its jobs are doing — the chaos test's failed run,
 * where the deposed alerts leader did not lead again within 30 s while the other instance was down. Real PostgreSQL
 * 15, the real leadership, schedulers and PostgreSQL job store in process; a job stuck on a query (a lock another
 * session holds, no statement timeout) stands for any job slow to notice its abort. The lease runs on the
 * database's clock: state is polled with deadlines, never slept on; the schedulers' clock is injected.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLeadership } from '../../src/db/leader.js';
import { migrate } from '../../src/db/migrate.js';
import { openPostgres, type Postgres } from '../../src/db/postgres.js';
import type { Job } from '../../src/jobs/job.js';
import { createPgJobStore } from '../../src/jobs/pg-job-store.js';
import { createScheduler } from '../../src/jobs/scheduler.js';
import { createSchedulerTerms, type SchedulerTerms } from '../../src/jobs/scheduler-terms.js';
import { silentLogger } from '../../src/logger.js';
import { startPostgres, type Postgres as Server } from '../harness/postgres.js';
import { until } from '../ingest/e2e.js';

const LEASE_MS = 1500;
/** pg_advisory_lock(STUCK_LOCK): held by the test, waited for by the stuck job's query. */
const STUCK_LOCK = 716_001;
const NEVER = '0 0 1 1 *';

/** A job of these tests: run at each term's start, never by schedule. */
const job = (name: string, run: Job['run']): Job => ({
  name,
  title: { zh: '测试', en: 'test' },
  schedule: NEVER,
  onStart: 'always',
  run,
});

/** A job that waits for STUCK_LOCK and does not look at its signal, as a query without a timeout would. */
function stuckJob(db: Postgres, calls: { started: number; returned: number }): Job {
  return job('stuck', async () => {
    calls.started++;
    await db.query('SELECT pg_advisory_xact_lock($1)', [STUCK_LOCK]);
    calls.returned++;
  });
}

/** Polls until `check` holds; returns the milliseconds it took. */
async function within(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await until(check, timeoutMs, what);
  return Date.now() - t0;
}

describe('a deposed leader leads again promptly (real PostgreSQL 15)', () => {
  let server: Server;
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    const db = openPostgres({ url: server.url, logger: silentLogger() });
    await migrate(db, silentLogger());
    await db.close();
  });
  afterEach(async () => {
    // In order: the locks first, so that the stuck jobs can return and the instances stop.
    for (const undo of cleanup.splice(0)) await undo().catch(() => undefined);
  });
  afterAll(async () => {
    await server?.dispose();
  });

  /** Runs SQL as the superuser in the instances' database. */
  const inDatabase = <T extends object>(sql: string, params: unknown[]) =>
    server.admin<T>(sql, params, new URL(server.url).pathname.slice(1));

  /** A session of the test's own that holds the stuck job's lock until `release()`. */
  async function holdLock(): Promise<{ release(): Promise<void> }> {
    const holder = new pg.Client({ connectionString: server.url });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1)', [STUCK_LOCK]);
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await holder.query('SELECT pg_advisory_unlock($1)', [STUCK_LOCK]).catch(() => undefined);
      await holder.end().catch(() => undefined);
    };
    cleanup.push(release);
    return { release };
  }

  /** One alerts-like instance: a leadership and a scheduler per term over the PostgreSQL job store. */
  function instance(jobs: (db: Postgres) => Job[], name: string) {
    const db = openPostgres({ url: server.url, logger: silentLogger(), max: 4 });
    const leadership = createLeadership({ db, name, leaseMs: LEASE_MS, logger: silentLogger(), instance: name });
    const store = createPgJobStore(db);
    const clock = Date.parse('2026-12-06T12:00:00Z');
    const terms: SchedulerTerms = createSchedulerTerms({
      leadership,
      makeScheduler: (slots) =>
        createScheduler({
          jobs: jobs(db),
          store,
          timeZone: 'Asia/Shanghai',
          now: () => clock,
          logger: silentLogger(),
          slots,
        }),
    });
    cleanup.push(async () => {
      await terms.stop();
      await db.close();
    });
    const runs = async (job: string) =>
      (await inDatabase<{ n: number }>('SELECT count(*)::int AS n FROM job_runs WHERE job = $1', [job]))[0]!.n;
    const epoch = async () =>
      (await inDatabase<{ epoch: number }>('SELECT epoch::int FROM leader_lease WHERE name = $1', [name]))[0]?.epoch;
    return { db, leadership, terms, runs, epoch };
  }

  it('leads again within the lease and the grace period while a job of the ended term is stuck on a query, and never runs that job twice at once', async () => {
    const lock = await holdLock();
    const stuck = { started: 0, returned: 0 };
    const node = instance((db) => [job('quick', async () => ({ ok: true })), stuckJob(db, stuck)], 'stuck-job');
    node.terms.start();
    await within('the first term runs the stuck job', () => stuck.started === 1, 10_000);
    const firstEpoch = (await node.epoch())!;
    expect(await node.runs('quick')).toBe(1);

    // The renewal finds the lease expired: deposed in the renewal's own step (nothing else is due then).
    await inDatabase("UPDATE leader_lease SET expires_at = now() - interval '1 second' WHERE name = $1", ['stuck-job']);
    await within('the leader steps down', () => !node.leadership.isLeader, 5_000);
    const reelectedMs = await within('it leads again', () => node.leadership.isLeader, 3 * LEASE_MS + 2_000);
    console.log(`deposed leader with a stuck job leads again ${reelectedMs} ms after stepping down`);
    expect(await node.epoch()).toBeGreaterThan(firstEpoch);
    expect(stuck.returned).toBe(0);

    // The new term caught up (quick ran again) but left the stuck job to its run of the ended term.
    await within('the new term ran its start-up jobs', async () => (await node.runs('quick')) === 2, 10_000);
    const [status] = (await node.terms.scheduler.status()).filter((s) => s.name === 'stuck');
    expect(status?.running?.trigger).toBe('start');
    const again = await node.terms.scheduler.run('stuck');
    expect(again.status).toBe('already_running');
    expect(stuck.started).toBe(1);

    // Once its query gets the lock, the old run returns and frees the slot; the next run is the new term's.
    await lock.release();
    await within('the stuck run returns', () => stuck.returned === 1, 5_000);
    await node.terms.scheduler.whenIdle();
    const next = await node.terms.scheduler.run('stuck');
    expect(next.status === 'completed' && next.run.outcome).toBe('ok');
    expect(stuck.started).toBe(2);
  });

  it('leads again after its lease connection is cut while a job is stuck, and the new term does not run that job a second time', async () => {
    const lock = await holdLock();
    const stuck = { started: 0, returned: 0 };
    const node = instance((db) => [stuckJob(db, stuck)], 'cut-lease');
    node.terms.start();
    await within('the first term runs the stuck job', () => stuck.started === 1, 10_000);
    // The connection ends between two renewals: the renewal timer already due campaigns while the term drains.
    const cut = await server.admin<{ n: number }>(
      "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'qingliu:leader-cut-lease:cut-lease'",
    );
    expect(cut).toEqual([{ n: 1 }]);
    await within('the leader steps down', () => !node.leadership.isLeader, 5_000);
    await within('it leads again', () => node.leadership.isLeader, 3 * LEASE_MS + 2_000);
    await node.terms.scheduler.status();
    expect((await node.terms.scheduler.run('stuck')).status).toBe('already_running');
    expect(stuck.started).toBe(1);
    await lock.release();
    await node.terms.scheduler.whenIdle();
    expect((await node.terms.scheduler.run('stuck')).status).toBe('completed');
    expect(stuck.started).toBe(2);
  });

  it('leads again after a PostgreSQL restart that cut a job mid-query, and runs its jobs', async () => {
    let sleeping = 0;
    const node = instance(
      (db) => [
        job('quick-after-restart', async () => ({ ok: true })),
        // The first term's run is cut by the restart; the next term's returns at once.
        job('sleeper', async () => {
          if (++sleeping === 1) await db.query('SELECT pg_sleep(60)');
        }),
      ],
      'restart',
    );
    node.terms.start();
    await within('the leader is mid-query', () => sleeping === 1, 10_000);
    const firstEpoch = (await node.epoch())!;
    const restartedAt = Date.now();
    await server.restart();
    // The restart ended the term, and it leads in a new one: told by the epoch, not by seeing it not lead at a poll
    // (under load it can lead again before the restart — stop, start, first answer — has returned).
    await within(
      'it leads again in a new term',
      async () => node.leadership.isLeader && (await node.epoch())! > firstEpoch,
      30_000,
    );
    await within('the new term runs the job again', () => sleeping === 2, 30_000);
    console.log(`the only leader leads again and runs its jobs ${Date.now() - restartedAt} ms after the restart began`);
    expect(await node.runs('quick-after-restart')).toBe(2);
  });
});
