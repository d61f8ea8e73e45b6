/**
 * Leader election (docs/adr/0016) against the real PostgreSQL of the harness, in process: two campaigners on
 * separate pools, a short lease, and the ways a leader goes away. State is polled with a deadline, never slept on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeadership, type Leadership } from '../../src/db/leader.js';
import { migrate } from '../../src/db/migrate.js';
import { openPostgres, type Postgres } from '../../src/db/postgres.js';
import { silentLogger } from '../../src/logger.js';
import { startPostgres, type Postgres as Server } from '../harness/postgres.js';
import { until } from '../ingest/e2e.js';

const LEASE_MS = 1500;

/** Polls until `check` holds (see test/ingest/e2e.ts); returns the milliseconds it took. */
async function within(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const t0 = Date.now();
  await until(check, timeoutMs, what);
  return Date.now() - t0;
}

interface Campaigner {
  leadership: Leadership;
  events: string[];
  db: Postgres;
}

describe('leader election over a PostgreSQL lease (real PostgreSQL 15)', () => {
  let server: Server;
  let url: string;
  const all: Campaigner[] = [];
  const campaigner = (instance: string): Campaigner => {
    const db = openPostgres({ url, logger: silentLogger(), max: 2 });
    const events: string[] = [];
    const leadership = createLeadership({ db, name: 'alerts', leaseMs: LEASE_MS, logger: silentLogger(), instance });
    leadership.start({
      elected: ({ epoch }) => void events.push(`elected ${epoch}`),
      deposed: (reason) => void events.push(`deposed: ${reason}`),
    });
    const c = { leadership, events, db };
    all.push(c);
    return c;
  };
  const leaders = () => all.filter((c) => c.leadership.isLeader);

  beforeAll(async () => {
    server = await startPostgres();
    url = server.url;
    const db = openPostgres({ url, logger: silentLogger() });
    await migrate(db, silentLogger());
    await db.close();
  });
  afterAll(async () => {
    for (const c of all) await c.leadership.stop().catch(() => undefined);
    await Promise.all(all.map((c) => c.db.close().catch(() => undefined)));
    await server?.dispose();
  });

  it('elects exactly one; a clean stop hands over at the next poll; a cut connection deposes the leader at once', async () => {
    const a = campaigner('a');
    const b = campaigner('b');
    await within('a leader', () => leaders().length === 1);
    // Several lease periods later there is still exactly one, the same one.
    const first = leaders()[0]!;
    const stable = Date.now();
    await within('two lease periods', () => Date.now() - stable > 2 * LEASE_MS);
    expect(leaders()).toEqual([first]);
    const other = first === a ? b : a;

    await first.leadership.stop();
    expect(first.events.at(-1)).toBe('deposed: this instance is stopping');
    // Released: taken at the standby's next poll (a third of the lease), not after the lease runs out.
    const handover = await within('the standby takes over', () => other.leadership.isLeader);
    expect(handover).toBeLessThan(LEASE_MS);
    expect(other.events.at(-1)).toMatch(/^elected \d+$/);

    // A third instance joins as a standby, then the leader's connection is cut on the server.
    const c = campaigner('c');
    const rows = await server.admin<{ n: number }>(
      "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'qingliu:leader-alerts:b' OR application_name = 'qingliu:leader-alerts:a'",
    );
    expect(rows[0]!.n).toBe(1);
    const deposedIn = await within('the leader steps down', () => !other.leadership.isLeader, 2_000);
    // The connection's end, or the renewal that was in flight on it, whichever the leader noticed first. A renewal
    // in flight when the backend is terminated fails with PostgreSQL's own message for the cut (57P01 "terminating
    // connection due to administrator command"), one sent on the dying connection with the driver's.
    expect(other.events.at(-1)).toMatch(
      /^deposed: (the database connection was lost|renewing the lease failed: .*(Connection terminated|terminating connection due to administrator command).*)$/,
    );
    // At once: well before its lease would have run out.
    expect(deposedIn).toBeLessThan(LEASE_MS / 2);
    // Someone leads again within a lease and a poll.
    const takeover = await within('a new leader', () => leaders().length === 1, 4 * LEASE_MS);
    expect(takeover).toBeLessThanOrEqual(LEASE_MS + LEASE_MS / 3 + 500);
    expect(leaders()).toHaveLength(1);
    void c;
  });

  it('a leader whose renewals hang steps down on its own clock before the lease expires on the database', async () => {
    await Promise.all(all.map((x) => x.leadership.stop()));
    const lone = campaigner('lone');
    await within('lone leads', () => lone.leadership.isLeader);
    // Hold the lease row locked: the renewal UPDATE waits, as over a hung network.
    const blocker = openPostgres({ url, logger: silentLogger(), max: 1 });
    const release = blocker.transaction(async (client) => {
      await client.query("SELECT * FROM leader_lease WHERE name = 'alerts' FOR UPDATE");
      await within('the leader gives up', () => !lone.leadership.isLeader, 3 * LEASE_MS);
    });
    await release;
    expect(lone.events.at(-1)).toMatch(
      /^deposed: (the lease was not renewed in time|renewing the lease failed: .*timeout.*)$/,
    );
    // The row was never renewed past its expiry: a standby could take over safely.
    await blocker.close();
    await within('lone leads again', () => lone.leadership.isLeader, 4 * LEASE_MS);
  });
});
