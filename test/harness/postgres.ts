import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';
import { managedProcess, type ManagedProcess } from './process.js';

/** Debian's postgresql-15 (scripts/setup-debian.sh installs `postgresql`). */
const BIN = '/usr/lib/postgresql/15/bin';

export interface Postgres extends ManagedProcess {
  port: number;
  dir: string;
  /** The unix socket directory (inside `dir`). */
  socketDir: string;
  /** `postgres://postgres@127.0.0.1:PORT/qingliu`: the database created at start. */
  url: string;
  /** A URL of another database on this server. */
  urlOf(database: string): string;
  /** Creates a fresh database and returns its URL (one per test file or suite keeps tests independent). */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL as the superuser, by default in the `postgres` database (pg_terminate_backend and the like). */
  admin<T extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<T[]>;
  /** Stops (fast shutdown) and starts the server on the same port and data directory. */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * initdb refuses to run as root (CI runs the tests as root): then the server runs as the `postgres` user the
 * Debian package creates (or `nobody`), and its directory is made theirs.
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = fs.readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const fields = passwd.find((line) => line.startsWith(`${name}:`))?.split(':');
    if (fields) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error('running as root, and neither a "postgres" nor a "nobody" user exists to run PostgreSQL as');
}

async function waitForServer(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL at ${url} did not answer within ${timeoutMs} ms`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Starts Debian's real PostgreSQL 15 in a temp directory on a free loopback port (trust authentication, loopback
 * and a unix socket in the temp directory only), with a database `qingliu`. Never the machine's own cluster.
 */
export async function startPostgres(): Promise<Postgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-postgres-'));
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'run');
  fs.mkdirSync(socketDir);
  const user = serverUser();
  if (user) {
    fs.chownSync(dir, user.uid, user.gid);
    fs.chownSync(socketDir, user.uid, user.gid);
  }
  const init = spawnSync(
    `${BIN}/initdb`,
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'],
    { encoding: 'utf8', ...(user && { uid: user.uid, gid: user.gid }) },
  );
  if (init.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.error?.message ?? `exit ${init.status}`}):\n${init.stdout}\n${init.stderr}`);
  }
  const port = await freePort();
  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const logFile = path.join(dir, 'postgres.log');
  const proc = managedProcess({
    command: `${BIN}/postgres`,
    args: [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      socketDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=100',
      '-c',
      'shared_buffers=16MB',
      // A test server: durability against a power loss is not what is tested (a kill -9 of the server still is).
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
    ],
    logFile,
    ready: () => waitForServer(urlOf('postgres')),
    stopSignal: 'SIGINT',
    ...(user && { user }),
  });
  if (user) fs.writeFileSync(logFile, '');
  await proc.start();

  const admin = async <T extends pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<T[]> => {
    const client = new pg.Client({ connectionString: urlOf(database) });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  const createDatabase = async (name: string) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
    await admin(`CREATE DATABASE ${name}`);
    return urlOf(name);
  };
  await createDatabase('qingliu');
  return Object.assign(proc, {
    port,
    dir,
    socketDir,
    url: urlOf('qingliu'),
    urlOf,
    createDatabase,
    admin,
    async restart() {
      await proc.stop();
      await proc.start();
    },
    async dispose() {
      await proc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}
