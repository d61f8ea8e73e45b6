/**
 * The PostgreSQL connection of the control state (docs/adr/0015): one pool per process, selected by
 * DATABASE_URL. Every message that names the server shows the URL with its password masked.
 */
import pg from 'pg';
import type { Logger } from '../logger.js';
import { maskUrl } from '../secrets.js';

/**
 * bigint columns (epoch milliseconds, ids) come back as numbers: every value we store fits in 2^53. Set on our own
 * pools and clients only — not process-wide through `pg.types`, which would change every other user of `pg`.
 */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${value} does not fit in a JavaScript number`);
  return n;
}
const controlStateTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface Postgres {
  readonly pool: pg.Pool;
  /** DATABASE_URL with the password masked, for messages. */
  readonly shownUrl: string;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** A connection of its own, outside the pool (the leader's lease, the migration lock). */
  dedicatedClient(purpose: string, options?: { queryTimeoutMs?: number; connectTimeoutMs?: number }): pg.Client;
  close(): Promise<void>;
}

export interface PostgresOptions {
  url: string;
  logger: Logger;
  /** Shown in pg_stat_activity: which instance and what for. */
  applicationName?: string;
  max?: number;
  /**
   * How long a statement of the pool may run on the server (PostgreSQL `statement_timeout`); the driver gives up
   * on its answer STATEMENT_TIMEOUT_MARGIN_MS later (a dead socket the server cannot time out). Default 30 s.
   */
  statementTimeoutMs?: number;
  /** How long a pool acquire (or a new connection) may wait. Default 10 s. */
  connectTimeoutMs?: number;
}

/**
 * A statement that runs longer than this is stuck, not busy: a lock held by a stalled session, a socket to a server
 * that went away without a reset. Without a bound it would also hold up whoever waits for it — the alerts jobs a
 * deposed leader waits for (src/db/leader.ts). Migrations use a dedicated connection without it.
 */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** The driver's own deadline after the server's: the server's error (57014) is the one to see when it can answer. */
export const STATEMENT_TIMEOUT_MARGIN_MS = 5_000;

/** A PostgreSQL error with the server masked in its message (the driver's own messages never hold the password). */
export class DatabaseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}

export function openPostgres(options: PostgresOptions): Postgres {
  const shownUrl = maskUrl(options.url);
  const log = options.logger.child({ component: 'postgres' });
  const applicationName = options.applicationName ?? 'qingliu';
  const base = {
    connectionString: options.url,
    application_name: applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // Dead connections (a database restart, a cut network) are noticed by the kernel, not after hours.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types: controlStateTypes,
  };
  const statementTimeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    ...base,
    max: options.max ?? 10,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + STATEMENT_TIMEOUT_MARGIN_MS,
  });
  // An idle connection that breaks (the server restarted) is dropped by the pool; without a listener it would
  // crash the process.
  pool.on('error', (err) => log.warn({ err, database: shownUrl }, 'an idle PostgreSQL connection failed'));
  // The pool listens only to its idle connections: one checked out that breaks between two statements (a
  // transaction waiting on its caller when the server restarts) emits 'error' with no listener, which ended the
  // process — the alerts leader of the chaos test's failed run. Its next statement fails instead; the transaction
  // releases it as broken.
  pool.on('connect', (client) =>
    client.on('error', (err) => log.warn({ err, database: shownUrl }, 'a PostgreSQL connection in use failed')),
  );

  return {
    pool,
    shownUrl,
    async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
      return (await pool.query<T>(sql, params)).rows;
    },
    async transaction(fn) {
      const client = await pool.connect();
      // A connection that cannot even roll back (it broke, or a statement timed out in the driver and is still
      // running) is closed, not handed to the next caller.
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        broken = await client.query('ROLLBACK').then(
          () => undefined,
          (rollbackErr: unknown) => rollbackErr as Error,
        );
        throw err;
      } finally {
        client.release(broken);
      }
    },
    dedicatedClient(purpose, clientOptions = {}) {
      const client = new pg.Client({
        ...base,
        application_name: `${applicationName}:${purpose}`,
        ...(clientOptions.connectTimeoutMs !== undefined && {
          connectionTimeoutMillis: clientOptions.connectTimeoutMs,
        }),
        ...(clientOptions.queryTimeoutMs !== undefined && { query_timeout: clientOptions.queryTimeoutMs }),
      });
      client.on('error', (err) => log.debug({ err, purpose }, 'a dedicated PostgreSQL connection failed'));
      return client;
    },
    close: () => pool.end(),
  };
}

/** Connects once to check the server answers; the error names DATABASE_URL (masked) and what went wrong. */
export async function checkConnection(db: Postgres): Promise<void> {
  try {
    await db.query('SELECT 1');
  } catch (err) {
    throw new DatabaseError(`cannot connect to PostgreSQL at DATABASE_URL=${db.shownUrl}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
