/**
 * The control state's connection (src/db/postgres.ts) against real PostgreSQL 15: bigint columns come back as
 * numbers on our pools and dedicated clients only — another user of `pg` in the process keeps the driver's
 * strings — and a bigint that does not fit in a JavaScript number is an error, never a silently rounded value.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Postgres } from '../../src/db/postgres.js';
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
});
