import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationStatus } from '../../src/db/migrate.js';
import { MIGRATIONS, type Migration } from '../../src/db/migrations.js';
import { openPostgres, type Postgres } from '../../src/db/postgres.js';
import { silentLogger } from '../../src/logger.js';
import { cli } from '../harness/cli.js';
import { freePort } from '../harness/free-port.js';
import { startPostgres, type Postgres as Server } from '../harness/postgres.js';

describe('PostgreSQL migrations (real PostgreSQL 15)', () => {
  let server: Server;
  const open: Postgres[] = [];
  const connect = (url: string) => {
    const db = openPostgres({ url, logger: silentLogger(), max: 2 });
    open.push(db);
    return db;
  };
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await Promise.all(open.map((db) => db.close()));
    await server?.dispose();
  });

  it('applies every migration once, in order, and a second run applies nothing', async () => {
    const db = connect(await server.createDatabase('fresh'));
    expect((await migrationStatus(db)).map((s) => s.state)).toEqual(MIGRATIONS.map(() => 'pending'));
    expect((await migrate(db, silentLogger())).applied).toEqual(MIGRATIONS.map((m) => m.version));
    expect((await migrate(db, silentLogger())).applied).toEqual([]);
    const status = await migrationStatus(db);
    expect(status.map((s) => [s.version, s.state])).toEqual(MIGRATIONS.map((m) => [m.version, 'applied']));
    expect(status.every((s) => s.appliedAt instanceof Date)).toBe(true);
  });

  it('instances starting at once migrate once: the others wait for the lock and find nothing pending', async () => {
    const url = await server.createDatabase('race');
    // Slow, non-idempotent migrations: applying one twice would fail on the second CREATE TABLE.
    const slow: Migration[] = [
      { version: 1, name: 'a', sql: 'CREATE TABLE a (x int); SELECT pg_sleep(0.3);' },
      { version: 2, name: 'b', sql: 'CREATE TABLE b (x int); SELECT pg_sleep(0.3);' },
    ];
    const instances = [1, 2, 3, 4].map(() => connect(url));
    const results = await Promise.all(instances.map((db) => migrate(db, silentLogger(), slow)));
    const applied = results.flatMap((r) => r.applied).sort();
    expect(applied).toEqual([1, 2]);
    // One instance did all the work: the lock is held across both migrations, not per migration.
    expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    const rows = await instances[0]!.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => r.version)).toEqual([1, 2]);
    // And with the real schema, from separate pools at once.
    const real = await server.createDatabase('race_real');
    const realResults = await Promise.all([1, 2, 3].map(() => migrate(connect(real), silentLogger())));
    expect(realResults.flatMap((r) => r.applied).sort((a, b) => a - b)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('a failed migration is rolled back, not recorded, and named in the error', async () => {
    const db = connect(await server.createDatabase('failing'));
    const bad: Migration[] = [
      { version: 1, name: 'good', sql: 'CREATE TABLE good (x int);' },
      { version: 2, name: 'broken', sql: 'CREATE TABLE half (x int); SELECT no_such_function();' },
    ];
    await expect(migrate(db, silentLogger(), bad)).rejects.toThrow(/migration 2 \(broken\) failed: .*no_such_function/);
    expect((await migrationStatus(db, bad)).map((s) => s.state)).toEqual(['applied', 'pending']);
    expect(await db.query("SELECT to_regclass('half') AS t")).toEqual([{ t: null }]);
  });

  it('refuses a database migrated by a newer Qingliu, and status shows the unknown migration', async () => {
    const db = connect(await server.createDatabase('newer'));
    await migrate(db, silentLogger());
    await db.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'from the future', 'x')");
    await expect(migrate(db, silentLogger())).rejects.toThrow(/migration 999 \(from the future\).*newer version/);
    expect((await migrationStatus(db)).at(-1)).toMatchObject({ version: 999, state: 'unknown' });
  });

  it('`qingliu db status|migrate` show pending and applied migrations and never the password', async () => {
    await server.createDatabase('cli');
    await server.admin("CREATE ROLE qingliu_cli LOGIN SUPERUSER PASSWORD 'hunter2-very-secret'");
    const url = `postgres://qingliu_cli:hunter2-very-secret@127.0.0.1:${server.port}/cli`;
    const env = { DATABASE_URL: url };
    const before = await cli(['db', 'status'], env);
    expect(before.code).toBe(0);
    expect(before.stdout).toContain(`database postgres://qingliu_cli:***@127.0.0.1:${server.port}/cli`);
    expect(before.stdout).toMatch(/^\s+1 {2}pending .* job runs$/m);
    const migrated = await cli(['db', 'migrate'], env);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain(`applied ${MIGRATIONS.map((m) => m.version).join(', ')}`);
    expect(migrated.stdout).toMatch(/^\s+1 {2}applied {3}\d{4}-\d\d-\d\dT.* job runs$/m);
    const json = await cli(['db', 'status', '--json'], env);
    expect(JSON.parse(json.stdout).migrations.every((m: { state: string }) => m.state === 'applied')).toBe(true);
    for (const out of [before, migrated, json]) expect(out.stdout + out.stderr).not.toContain('hunter2');
    // A server that is not there: the error names the URL, masked.
    const down = await cli(['db', 'status'], {
      DATABASE_URL: `postgres://qingliu_cli:hunter2-very-secret@127.0.0.1:${await freePort()}/cli`,
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /PostgreSQL at DATABASE_URL=postgres:\/\/qingliu_cli:\*\*\*@127\.0\.0\.1:\d+\/cli: .*ECONNREFUSED/,
    );
    expect(down.stderr).not.toContain('hunter2');
    const unset = await cli(['db', 'migrate'], {});
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('DATABASE_URL is not set');
  });
});
