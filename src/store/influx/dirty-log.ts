/**
 * Where a rollup writer's dirty hours survive a crash (docs/adr/0006-hourly-rollups.md): a snapshot
 * (`<file>`, JSON, written to a temporary file, fsynced and renamed) plus journals of the marks made since
 * (`<file>.journal.<n>`, one JSON line `["station",hourMs]` per new mark, appended).
 *
 * Why a journal: a new mark must be on disk before its readings are written, and the first readings of every
 * hour bring thousands of new marks while the spool and the database are writing at full speed. An fsync then
 * waits for the whole file system's journal (0.3–0.8 s measured in bench:hj212), and every write queued behind
 * it. An append is a write(2) into the page cache — it survives a crash of the process, as the ingest spool's
 * appends do (ADR 0003) — and `sync()` (fdatasync) makes it survive a power loss before the spool lets the
 * readings go (the forwarder commits a batch only after the store's `durable()`).
 *
 * A torn last line (power loss in the middle of an append) is skipped when loading; its readings were not
 * committed in the spool, so their replay marks the hour again.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger.js';
import { openPrivateSync, syncDirectory, writeFileAtomic } from '../../fs/private-files.js';
import { DirtyHours } from './hourly-rollup.js';

interface Journal {
  path: string;
  fd: number | undefined;
  dirSynced: boolean;
}

interface Snapshot {
  version: 1;
  instance: string;
  dirty: Record<string, [number, number][]>;
}

export interface DirtyLog {
  /** What the files held when the log was opened. */
  readonly loaded: DirtyHours;
  /**
   * Journals were found at open: a previous run may have left them in the page cache only (killed before it
   * synced them), so the next `sync()` must run even if nothing new is appended.
   */
  readonly unsyncedAtOpen: boolean;
  /** Journals new marks: synchronous, so a mark is in the file before the caller goes on. */
  append(marks: readonly { stationId: string; hour: number }[]): void;
  /** Makes every append so far survive a power loss. */
  sync(): Promise<void>;
  /** Replaces snapshot and journals by the marks `dirty` holds now (taken synchronously, at the call). */
  compact(dirty: DirtyHours): Promise<void>;
  close(): void;
}

const journalPattern = (base: string) =>
  new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.journal\\.(\\d+)$`);

function journalsOf(file: string): { path: string; seq: number }[] {
  const dir = path.dirname(file);
  const pattern = journalPattern(path.basename(file));
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .map((name) => ({ name, m: pattern.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ path: path.join(dir, name), seq: Number(m[1]) }))
    .sort((a, b) => a.seq - b.seq);
}

function readSnapshot(file: string, instance: string, logger: Logger, now: number): DirtyHours {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new DirtyHours();
    throw err;
  }
  let data: Partial<Snapshot>;
  try {
    data = JSON.parse(text) as Partial<Snapshot>;
  } catch (err) {
    throw new Error(`${file}: not a rollup state file (${(err as Error).message})`, { cause: err });
  }
  if (data.version !== 1 || typeof data.dirty !== 'object' || data.dirty === null) {
    throw new Error(`${file}: not a rollup state file (expected {"version":1,"dirty":{…}})`);
  }
  if (data.instance !== instance) {
    logger.warn(
      { file, was: data.instance, now: instance },
      'rollup state file of another instance name; keeping its dirty hours',
    );
  }
  return DirtyHours.fromJSON(data.dirty, now);
}

/** Adds a journal's marks; returns how many lines did not read (a torn tail). */
function replayJournal(file: string, dirty: DirtyHours, now: number): number {
  let skipped = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      const [station, hour] = JSON.parse(line) as unknown[];
      if (typeof station === 'string' && typeof hour === 'number' && Number.isFinite(hour)) {
        dirty.mark(station, hour, now);
        continue;
      }
    } catch {
      // counted below
    }
    skipped++;
  }
  return skipped;
}

/** Opens the log of `file`: reads the snapshot and every journal (a wrong snapshot stops start-up, naming it). */
export function openDirtyLog(file: string, instance: string, logger: Logger, now: number): DirtyLog {
  const loaded = readSnapshot(file, instance, logger, now);
  const found = journalsOf(file);
  for (const journal of found) {
    const skipped = replayJournal(journal.path, loaded, now);
    if (skipped > 0)
      logger.warn(
        { file: journal.path, skipped },
        'skipped unreadable lines of a rollup journal (torn by a power loss?)',
      );
  }
  let nextSeq = (found.at(-1)?.seq ?? 0) + 1;
  /**
   * Journals whose marks a durable snapshot does not hold yet, oldest first; the last one is appended to. A
   * previous run's may be in the page cache only (it was killed before syncing them): the next sync covers them.
   */
  let journals: Journal[] = found.map((j) => ({ path: j.path, fd: openPrivateSync(j.path, 'a'), dirSynced: false }));
  let current: Journal | undefined;
  /** sync and compact one at a time: compact closes the journals a sync would flush. */
  let tail: Promise<void> = Promise.resolve();
  const serial = (task: () => Promise<void>): Promise<void> => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };

  const openCurrent = () => {
    if (current) return current;
    const journalPath = `${file}.journal.${nextSeq++}`;
    const journal = { path: journalPath, fd: openPrivateSync(journalPath, 'a'), dirSynced: false };
    journals.push(journal);
    current = journal;
    return journal;
  };

  return {
    loaded,
    unsyncedAtOpen: found.length > 0,

    append(marks) {
      if (marks.length === 0) return;
      let text = '';
      for (const m of marks) text += `${JSON.stringify([m.stationId, m.hour])}\n`;
      fs.writeSync(openCurrent().fd!, text);
    },

    sync: () =>
      serial(async () => {
        for (const j of journals) {
          if (j.fd === undefined) continue;
          const fd = j.fd;
          await new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
          if (!j.dirSynced) {
            await syncDirectory(path.dirname(j.path));
            j.dirSynced = true;
          }
        }
      }),

    compact(dirty) {
      // Taken now: every mark made before this call is in the text; later ones go to a new journal.
      const text = JSON.stringify({ version: 1, instance, dirty: dirty.toJSON() } satisfies Snapshot);
      const covered = journals;
      journals = [];
      current = undefined;
      return serial(async () => {
        try {
          // The journals it covers are removed next: the rename must be on disk first.
          await writeFileAtomic(file, text, { directory: 'required' });
        } catch (err) {
          journals = [...covered, ...journals]; // not replaced: their marks still count
          throw err;
        }
        for (const j of covered) {
          if (j.fd !== undefined) fs.closeSync(j.fd);
          j.fd = undefined;
          await fs.promises.rm(j.path, { force: true });
        }
      });
    },

    close() {
      for (const j of journals) {
        if (j.fd !== undefined) fs.closeSync(j.fd);
        j.fd = undefined;
      }
      current = undefined;
    },
  };
}
