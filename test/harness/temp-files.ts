/**
 * The SQLite side of a store's contract suite: a temp directory per suite, a fresh file name per test, and the
 * stores opened on them, closed (and the directory removed) at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tempFiles(prefix: string) {
  let dir: string | undefined;
  let n = 0;
  const open: { close(): unknown }[] = [];
  return {
    async setup(): Promise<void> {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), `qingliu-${prefix}-`));
    },
    /** A file name not used before in this suite. */
    next: () => path.join(dir!, `${prefix}-${++n}.db`),
    /** Closed at teardown. */
    keep<T extends { close(): unknown }>(store: T): T {
      open.push(store);
      return store;
    },
    async teardown(): Promise<void> {
      for (const s of open) await s.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
