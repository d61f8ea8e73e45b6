/**
 * The control state's connection (src/db/postgres.ts) against real PostgreSQL 15: bigint columns come back as
 * numbers on our pools and dedicated clients only — another user of `pg` in the process keeps the driver's
 * strings — and a bigint that does not fit in a JavaScript number is an error, never a silently rounded value.
 * Nothing waits without a bound: a statement stuck on a lock, a server that stops answering, a pool acquire.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, STATEMENT_TIMEOUT_MARGIN_MS, type Postgres } from '../../src/db/postgres.js';
import { silentLogger } from '../../src/logger.js';
import { startPostgres, type Postgres as Server } from '../harness/postgres.js';

describe('the control state connection (real PostgreSQL 15)', () => {
  let server: Server;
  let url: string;
  let db: Postgres;
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('types');
    db = openPostgres({ url, logger: silentLogger(), max: 2 });
  });
  afterAll(async () => {
    await db?.close();
    await server?.dispose();
  });

  it('parses bigint as a number on its pool and on its dedicated clients', async () => {
    expect(await db.query('SELECT 1765000000000::bigint AS at')).toEqual([{ at: 1_765_000_000_000 }]);
    const client = db.dedicatedClient('test');
    await client.connect();
    try {
      expect((await client.query('SELECT 42::bigint AS n')).rows).toEqual([{ n: 42 }]);
    } finally {
      await client.end();
    }
  });

  it('refuses a bigint beyond 2^53 rather than rounding it', async () => {
    await expect(db.query('SELECT 9007199254740993::bigint AS n')).rejects.toThrow(/does not fit/);
  });

  it('leaves the driver’s global parsers alone: another pg client still gets strings', async () => {
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      expect((await other.query('SELECT 42::bigint AS n')).rows).toEqual([{ n: '42' }]);
    } finally {
      await other.end();
    }
  });

  describe('bounded waits', () => {
    const LOCK = 716_002;
    let holder: pg.Client;
    let bounded: Postgres;
    beforeAll(async () => {
      holder = new pg.Client({ connectionString: url });
      await holder.connect();
      bounded = openPostgres({ url, logger: silentLogger(), max: 1, statementTimeoutMs: 300, connectTimeoutMs: 300 });
    });
    afterAll(async () => {
      await holder?.end();
      await bounded?.close();
    });

    it('ends a statement stuck on a lock with the statement timeout, in a transaction or not, and serves the next caller', async () => {
      await holder.query('SELECT pg_advisory_lock($1)', [LOCK]);
      try {
        const stuck = 'SELECT pg_advisory_xact_lock($1)';
        await expect(bounded.query(stuck, [LOCK])).rejects.toMatchObject({ code: '57014' });
        await expect(bounded.transaction((c) => c.query(stuck, [LOCK]))).rejects.toMatchObject({ code: '57014' });
      } finally {
        await holder.query('SELECT pg_advisory_unlock($1)', [LOCK]);
      }
      expect(await bounded.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });

    it('survives a connection cut while a transaction holds it between two statements: the transaction fails', async () => {
      const failed = bounded.transaction(async (client) => {
        const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
        // Cut while no statement is in flight: the server's message arrives as an 'error' event, not a query's error.
        const ended = new Promise((resolve) => client.once('end', resolve));
        await server.admin('SELECT pg_terminate_backend($1)', [pid]);
        await ended;
        await client.query('SELECT 1');
      });
      await expect(failed).rejects.toThrow(/not queryable|terminat/i);
      expect(await bounded.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });

    it('gives up on a pool acquire when every connection is taken', async () => {
      const taken = await bounded.pool.connect();
      try {
        const t0 = Date.now();
        await expect(bounded.query('SELECT 1')).rejects.toThrow(/timeout exceeded when trying to connect/);
        expect(Date.now() - t0).toBeLessThan(5_000);
      } finally {
        taken.release();
      }
    });

    it('gives up on a server that stops answering (its statement timeout cannot fire), and replaces the connection', async () => {
      const [{ pid }] = await bounded.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // The backend frozen, as a hung network or host would leave it: the socket stays open, nothing comes back.
      process.kill(pid!, 'SIGSTOP');
      try {
        const t0 = Date.now();
        await expect(bounded.query('SELECT 1')).rejects.toThrow(/timeout/);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MARGIN_MS);
      } finally {
        process.kill(pid!, 'SIGCONT');
      }
      expect(await bounded.query('SELECT pg_backend_pid() <> $1 AS replaced', [pid])).toEqual([{ replaced: true }]);
    }, 20_000);
  });
});
