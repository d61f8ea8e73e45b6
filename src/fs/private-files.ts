/**
 * Files only the service's own user may read. Everything Qingliu keeps in DATA_DIR holds something worth
 * protecting — raw station payloads (spool), webhook URLs and alert history (alerts.db), readings (qingliu.db),
 * API key hashes, the MQTT client id — so its files are created 0600 in directories created 0700, whatever the
 * umask (docs/security.md, "File permissions"). Files from an older release are tightened when they are opened.
 * Existing directories are left as they are: DATA_DIR may be a directory the operator shares with other things
 * (tightening /var/lib would break the machine), and the files inside are private anyway.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Removes group and other access from an existing file of ours (a missing one is fine). */
function tightenFile(file: string): void {
  try {
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, PRIVATE_FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Creates `dir` and its missing parents with mode 0700 (mkdir(2) applies the umask, which only removes bits). */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** `fs.openSync` for a file Qingliu creates: mode 0600 regardless of the umask, in a private directory. */
export function openPrivateSync(file: string, flags: string): number {
  ensurePrivateDir(path.dirname(file));
  const fd = fs.openSync(file, flags, PRIVATE_FILE_MODE);
  // The mode of open(2) applies only to a file it creates, and the umask could only remove bits: make sure.
  fs.fchmodSync(fd, PRIVATE_FILE_MODE);
  return fd;
}

/** Appends to a private file, creating it 0600. */
export function appendPrivateSync(file: string, text: string): void {
  const fd = openPrivateSync(file, 'a');
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Before better-sqlite3 opens `file`: creates it empty with mode 0600 (SQLite takes an empty file as a new
 * database, and gives its -wal, -shm and -journal files the main file's mode), and tightens the files of an
 * existing database. `:memory:` is left alone.
 */
export function preparePrivateSqliteFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  fs.closeSync(openPrivateSync(file, 'a'));
  for (const suffix of ['-wal', '-shm', '-journal']) tightenFile(`${file}${suffix}`);
}

/** fsync of a directory: what makes a rename or a new file in it survive a power loss. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * temp + fsync + rename, mode 0600 in a private directory: readers see the old file or the new one, never a torn
 * write. The directory is synced after the rename: best effort by default (not every platform lets a directory be
 * opened); `directory: 'required'` fails instead, for a caller that removes older files relying on the rename.
 */
export async function writeFileAtomic(
  file: string,
  content: string,
  options: { mode?: number; directory?: 'best-effort' | 'required' } = {},
): Promise<void> {
  ensurePrivateDir(path.dirname(file));
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await fs.promises.open(temp, 'w', options.mode ?? PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.promises.rename(temp, file);
  } catch (err) {
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
  try {
    await syncDirectory(path.dirname(file));
  } catch (err) {
    if (options.directory === 'required') throw err;
  }
}
