/**
 * How every control-state SQLite file (alerts, jobs, marks, report archive, HJ 212 device state) is opened: a
 * private file (0600: they hold tokens, who did what, plants' faults), WAL so readers never wait for the writer,
 * a busy timeout for the other process of a split deployment, and a refusal to open a file that a newer Qingliu
 * has migrated (its schema would be misread). The caller runs its own schema and migrations on `version`.
 */
import Database from 'better-sqlite3';
import { preparePrivateSqliteFile } from '../fs/private-files.js';

export interface OpenedSqlite {
  db: Database.Database;
  /** `user_version` as found, before the caller's migrations (0 for a new file). */
  version: number;
}

export function openSqliteFile(
  file: string,
  options: { schemaVersion: number; foreignKeys?: boolean; synchronousFull?: boolean },
): OpenedSqlite {
  preparePrivateSqliteFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  if (options.synchronousFull) db.pragma('synchronous = FULL');
  if (options.foreignKeys) db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > options.schemaVersion) {
    db.close();
    throw new Error(`${file} has schema version ${version}, newer than this Qingliu (${options.schemaVersion})`);
  }
  return { db, version };
}
