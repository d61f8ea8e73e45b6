/**
 * Versioned schema migrations for PostgreSQL (docs/adr/0015). Each is applied once, in its own transaction, and
 * recorded in `schema_migrations` with a checksum of its SQL. Start-up and `qingliu db migrate` run them under a
 * session advisory lock, so instances starting at the same moment migrate once: the others wait, then find
 * nothing pending. A database migrated by a newer Qingliu (a version this one does not know) is refused.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { DatabaseError, type Postgres } from './postgres.js';

/** pg_advisory_lock(class, id): the class is Qingliu's ('qliu'), the id says which lock. */
export const LOCK_CLASS = 0x716c6975;
export const LOCK_MIGRATIONS = 1;
/** pg_advisory_xact_lock(class, hashtext(rule, station)): one alert series at a time (src/alerts/pg-alert-store.ts). */
export const LOCK_CLASS_ALERT_SERIES = 0x716c6961;

export interface MigrationState {
  version: number;
  name: string;
  state: 'applied' | 'pending' | 'changed' | 'unknown';
  appliedAt: Date | null;
}

const checksum = (m: Migration) => createHash('sha256').update(m.sql).digest('hex');

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: Date;
}

async function appliedRows(query: (sql: string) => Promise<AppliedRow[]>): Promise<AppliedRow[] | null> {
  try {
    return await query('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version');
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return null; // undefined_table: never migrated
    throw err;
  }
}

function states(applied: AppliedRow[], migrations: readonly Migration[]): MigrationState[] {
  const known = new Map(migrations.map((m) => [m.version, m]));
  const out: MigrationState[] = applied.map((row) => {
    const m = known.get(row.version);
    return {
      version: row.version,
      name: row.name,
      state: !m ? 'unknown' : checksum(m) === row.checksum ? 'applied' : 'changed',
      appliedAt: row.applied_at,
    };
  });
  const done = new Set(applied.map((r) => r.version));
  for (const m of migrations)
    if (!done.has(m.version)) out.push({ version: m.version, name: m.name, state: 'pending', appliedAt: null });
  return out.sort((a, b) => a.version - b.version);
}

/** Every migration this Qingliu knows and every one the database has, with its state. Takes no lock. */
export async function migrationStatus(db: Postgres, migrations = MIGRATIONS): Promise<MigrationState[]> {
  return states((await appliedRows((sql) => db.query<AppliedRow>(sql))) ?? [], migrations);
}

/** Applies what is pending, under the migration lock; returns the versions this call applied. */
export async function migrate(
  db: Postgres,
  logger: Logger,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ applied: number[] }> {
  const log = logger.child({ component: 'migrations' });
  const client = db.dedicatedClient('migrate');
  try {
    await client.connect();
  } catch (err) {
    throw new DatabaseError(`cannot connect to PostgreSQL at DATABASE_URL=${db.shownUrl}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    // A session lock: held across the per-migration transactions, released by unlock or when the connection ends.
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS, LOCK_MIGRATIONS]);
    await client.query(CREATE_TABLE);
    const current = states(
      (await appliedRows(async (sql) => (await client.query<AppliedRow>(sql)).rows)) ?? [],
      migrations,
    );
    const unknown = current.filter((s) => s.state === 'unknown');
    if (unknown.length > 0) {
      throw new DatabaseError(
        `the database at DATABASE_URL=${db.shownUrl} has migration ${unknown.map((s) => `${s.version} (${s.name})`).join(', ')}, ` +
          'which this Qingliu does not know: it was migrated by a newer version. Run that version, or restore a backup.',
      );
    }
    const changed = current.filter((s) => s.state === 'changed');
    if (changed.length > 0) {
      log.warn({ versions: changed.map((s) => s.version) }, "applied migrations differ from this version's SQL");
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (current.find((s) => s.version === m.version)?.state !== 'pending') continue;
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          checksum(m),
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new DatabaseError(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.version);
      log.info({ version: m.version, name: m.name }, 'migration applied');
    }
    return { applied };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, LOCK_MIGRATIONS]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
