/**
 * Leader election over PostgreSQL (docs/adr/0016): a lease row, renewed on a dedicated connection. Of the
 * instances campaigning for the same name, one holds the lease and is told `elected`; the others poll and take
 * the lease over once it has expired on the database's clock. The leader is told `deposed` — and must stop at
 * once — when its connection breaks, a renewal fails or finds the lease taken, or a renewal has not succeeded
 * within the lease minus a safety margin on its own monotonic clock (a hung network).
 *
 * Timing for a lease L: renew and poll every L/3. A leader that dies is replaced within L + L/3; one that stops
 * cleanly releases the lease, and the standby takes over at its next poll.
 *
 * A deposed leader campaigns again like any standby, after its `deposed` handler returned or `deposedGraceMs`
 * passed, whichever is first: a job slow to notice its abort must not keep the only instance left from leading
 * again (the work of the ended term that is still running is the handler's to keep apart from the next term's:
 * src/jobs/scheduler-terms.ts). Only stop() waits for the handler without a bound.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import type { Postgres } from './postgres.js';

export interface LeaderHandlers {
  /** This instance now holds the lease: start the work only one instance may do. */
  elected(term: { epoch: number }): Promise<void> | void;
  /** The lease is lost (or given up at stop()): stop that work now. */
  deposed(reason: string): Promise<void> | void;
}

export interface Leadership {
  readonly isLeader: boolean;
  /** Who this instance is in the lease row and pg_stat_activity. */
  readonly instance: string;
  start(handlers: LeaderHandlers): void;
  /** Stops campaigning; a leader is deposed first and releases the lease so a standby takes over at once. */
  stop(): Promise<void>;
}

export interface LeaderOptions {
  db: Postgres;
  /** What is being led: one lease row per name (e.g. `alerts`). */
  name: string;
  leaseMs: number;
  logger: Logger;
  /** Default: host name and process id. */
  instance?: string;
  /** How long the next campaign waits for `deposed` to return (default: the lease). */
  deposedGraceMs?: number;
}

const ACQUIRE = `
INSERT INTO leader_lease AS l (name, holder, epoch, acquired_at, expires_at)
VALUES ($1, $2, 1, now(), now() + $3 * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE
  SET holder = EXCLUDED.holder, epoch = l.epoch + 1, acquired_at = now(), expires_at = EXCLUDED.expires_at
  WHERE l.expires_at < now()
RETURNING epoch`;

const RENEW = `
UPDATE leader_lease SET expires_at = now() + $4 * interval '1 millisecond'
WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at >= now()
RETURNING epoch`;

const RELEASE = 'UPDATE leader_lease SET expires_at = now() WHERE name = $1 AND holder = $2 AND epoch = $3';

export function createLeadership(options: LeaderOptions): Leadership {
  const instance = options.instance ?? `${os.hostname()}:${process.pid}`;
  const log = options.logger.child({ component: 'leader', lease: options.name, instance });
  const every = Math.max(100, Math.floor(options.leaseMs / 3));
  // Renewals must succeed by this long before the lease ends on the database, or the leader steps down.
  const margin = Math.max(50, Math.floor(options.leaseMs / 6));
  const deposedGrace = options.deposedGraceMs ?? options.leaseMs;

  let handlers: LeaderHandlers | undefined;
  let client: pg.Client | undefined;
  let term: { holder: string; epoch: number; validUntil: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  let stopped = false;
  /** Serialises the steps (poll, renew, depose): never two at once. */
  let chain: Promise<void> = Promise.resolve();
  const step = (fn: () => Promise<void>) => {
    chain = chain.then(fn).catch((err: unknown) => log.error({ err }, 'leader election step failed'));
    return chain;
  };

  const schedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    const dueAt = performance.now() + every;
    timer = setTimeout(() => {
      // Said, because nothing else would say it: a blocked event loop delays the campaign and the renewals alike.
      const lateMs = Math.round(performance.now() - dueAt);
      if (lateMs > every) log.warn({ lateMs }, 'the leader election timer fired late: the event loop was blocked');
      void step(term ? renew : campaign);
    }, every);
  };

  function dropClient(): void {
    const c = client;
    client = undefined;
    c?.removeAllListeners('end');
    // Its 'error' listeners stay (an unhandled 'error' would crash the process); `lost` ignores a dropped client.
    void c?.end().catch(() => undefined);
  }

  async function connect(): Promise<pg.Client> {
    if (client) return client;
    // A hung query must not outlive a renewal interval, nor a connection that takes longer to open than the lease
    // (useless to renew it): the next step tries a new one.
    const c = options.db.dedicatedClient(`leader-${options.name}:${instance}`, {
      queryTimeoutMs: every,
      connectTimeoutMs: Math.max(1_000, options.leaseMs),
    });
    const lost = (): void => {
      if (client !== c) return;
      client = undefined;
      // The connection is gone: so is any guarantee about the lease. Step down now, not at the next renewal.
      if (term) void depose('the database connection was lost');
    };
    c.on('end', lost);
    // The driver reports a broken socket as 'error' before (or instead of) 'end'; from then on it refuses every
    // query ("not queryable"), so a renewal due in between would fail with that instead of the real reason.
    c.on('error', lost);
    await c.connect();
    client = c;
    return c;
  }

  /**
   * Idempotent: the first caller (connection end, watchdog, renewal) ends the term. The next campaign is scheduled
   * once the handler returned or, with `bounded`, once the grace period passed (whichever is first).
   */
  async function depose(reason: string, wait: 'bounded' | 'unbounded' = 'bounded'): Promise<void> {
    if (!term) return;
    const ended = term;
    term = undefined;
    clearTimeout(watchdog);
    log.warn({ reason, epoch: ended.epoch }, 'lost the leadership; stopping the work at once');
    // Now, not after the handler: by then a campaign (a timer already due) may have opened the next term's.
    dropClient();
    const stopping = Promise.resolve()
      .then(() => handlers?.deposed(reason))
      .then(
        () => true,
        (err: unknown) => {
          log.error({ err, epoch: ended.epoch }, "stopping the leader's work failed");
          return true;
        },
      );
    try {
      if (wait === 'unbounded') {
        await stopping;
        return;
      }
      let grace: NodeJS.Timeout | undefined;
      const returned = await Promise.race([
        stopping,
        new Promise<false>((resolve) => (grace = setTimeout(() => resolve(false), deposedGrace))),
      ]);
      clearTimeout(grace);
      if (!returned) {
        log.warn(
          { epoch: ended.epoch, graceMs: deposedGrace },
          "the ended term's work has not stopped yet; campaigning again meanwhile",
        );
        void stopping.then(() => log.info({ epoch: ended.epoch }, "the ended term's work has stopped"));
      }
    } finally {
      schedule();
    }
  }

  async function campaign(): Promise<void> {
    if (stopped || term) return;
    // A fresh holder per term: a deposed leader never resumes a lease it lost, it waits like any standby.
    const holder = `${instance}#${randomBytes(4).toString('hex')}`;
    try {
      const c = await connect();
      const sentAt = performance.now();
      const { rows } = await c.query<{ epoch: number }>(ACQUIRE, [options.name, holder, options.leaseMs]);
      if (rows[0] && !stopped) {
        term = { holder, epoch: Number(rows[0].epoch), validUntil: sentAt + options.leaseMs };
        armWatchdog();
        log.info({ epoch: term.epoch, leaseMs: options.leaseMs }, 'elected leader');
        try {
          await handlers?.elected({ epoch: term.epoch });
        } catch (err) {
          log.error({ err }, "starting the leader's work failed; giving up the lease");
          await depose('the work failed to start');
          return;
        }
      }
    } catch (err) {
      log.warn({ err }, 'cannot reach the database to campaign for the leadership; retrying');
      dropClient();
    }
    schedule();
  }

  function armWatchdog(): void {
    clearTimeout(watchdog);
    if (!term) return;
    const left = term.validUntil - margin - performance.now();
    // Not queued behind a hung renewal: the leader steps down on its own clock.
    watchdog = setTimeout(() => void depose('the lease was not renewed in time'), Math.max(0, left));
  }

  async function renew(): Promise<void> {
    if (!term || stopped) return;
    const current = term;
    try {
      const c = await connect();
      const sentAt = performance.now();
      const { rows } = await c.query(RENEW, [options.name, current.holder, current.epoch, options.leaseMs]);
      if (term !== current) return;
      if (rows.length === 0) {
        await depose('the lease expired or was taken over');
        return;
      }
      current.validUntil = sentAt + options.leaseMs;
      armWatchdog();
    } catch (err) {
      if (term === current) await depose(`renewing the lease failed: ${(err as Error).message}`);
      return;
    }
    schedule();
  }

  return {
    get isLeader() {
      return term !== undefined;
    },
    instance,
    start(h) {
      if (handlers || stopped) return;
      handlers = h;
      void step(campaign);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await step(async () => {
        const ended = term;
        if (ended) {
          await depose('this instance is stopping', 'unbounded');
          // Released so the standby takes over at its next poll, not after the lease runs out.
          await options.db
            .query(RELEASE, [options.name, ended.holder, ended.epoch])
            .catch((err: unknown) => log.warn({ err }, 'could not release the lease; it expires by itself'));
        }
        clearTimeout(timer);
        dropClient();
      });
    },
  };
}
