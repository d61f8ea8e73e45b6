/**
 * Both backends of a control-state store's contract suite (docs/adr/0015): SQLite (a fresh file per test,
 * temp-files.ts) and PostgreSQL (a fresh migrated database on the harness's real server per test,
 * pg-databases.ts). Each fresh store comes with a second instance on the same data and a way to run SQL behind
 * its back, which is how the suites check that the database itself refuses changes to append-only records.
 */
import Database from 'better-sqlite3';
import type { Postgres } from '../../src/db/postgres.js';
import { pgDatabases } from './pg-databases.js';
import { tempFiles } from './temp-files.js';

export interface FreshStore<S> {
  store: S;
  /** Another instance on the same file or database (another process: a second API or ingest instance). */
  other(): S;
  /** Runs one SQL statement on the data behind the store's back (it must be valid in both dialects). */
  raw(sql: string): Promise<unknown[]>;
}

export interface StoreBackend<S> {
  name: 'SQLite' | 'PostgreSQL';
  setup(): Promise<void>;
  fresh(): Promise<FreshStore<S>>;
  teardown(): Promise<void>;
}

export function storeBackends<S>(
  prefix: string,
  open: { sqlite(file: string): S & { close(): unknown }; postgres(db: Postgres): S },
): StoreBackend<S>[] {
  const files = tempFiles(prefix);
  const databases = pgDatabases(prefix);
  return [
    {
      name: 'SQLite',
      setup: files.setup,
      async fresh() {
        const file = files.next();
        const instance = () => files.keep(open.sqlite(file));
        return {
          store: instance(),
          other: instance,
          async raw(sql) {
            const db = new Database(file);
            try {
              const statement = db.prepare(sql);
              return statement.reader ? statement.all() : (statement.run(), []);
            } finally {
              db.close();
            }
          },
        };
      },
      teardown: files.teardown,
    },
    {
      name: 'PostgreSQL',
      setup: databases.setup,
      async fresh() {
        const { db, another } = await databases.fresh();
        return { store: open.postgres(db), other: () => open.postgres(another()), raw: (sql) => db.query(sql) };
      },
      teardown: databases.teardown,
    },
  ];
}
