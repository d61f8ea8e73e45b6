/**
 * The PostgreSQL side of a store's contract suite: one real server (postgres.ts) per suite, a fresh migrated
 * database per test, and as many pools (instances) on it as the test wants; everything closed at the end.
 */
import { migrate } from '../../src/db/migrate.js';
import { openPostgres, type Postgres } from '../../src/db/postgres.js';
import { silentLogger } from '../../src/logger.js';
import { startPostgres, type Postgres as Server } from './postgres.js';

export interface FreshDatabase {
  db: Postgres;
  /** Another pool on the same database: another instance. */
  another(): Postgres;
}

export function pgDatabases(prefix: string) {
  let server: Server | undefined;
  let n = 0;
  const pools: Postgres[] = [];
  const pool = (url: string) => {
    const db = openPostgres({ url, logger: silentLogger(), max: 4 });
    pools.push(db);
    return db;
  };
  return {
    async setup(): Promise<void> {
      server = await startPostgres();
    },
    async fresh(): Promise<FreshDatabase> {
      const url = await server!.createDatabase(`${prefix}_${++n}`);
      const db = pool(url);
      await migrate(db, silentLogger());
      return { db, another: () => pool(url) };
    },
    async teardown(): Promise<void> {
      await Promise.all(pools.map((p) => p.close()));
      await server?.dispose();
    },
  };
}
