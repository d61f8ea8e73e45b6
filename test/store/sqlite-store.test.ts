import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { describeReadingStoreContract, reading, sh } from './reading-store.contract.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-sqlite-'));
let n = 0;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeReadingStoreContract('SQLite', () =>
  createSqliteStore({ file: path.join(dir, `contract-${++n}`, 'qingliu.db'), logger: silentLogger() }),
);

describe('SQLite store', () => {
  it('keeps what it stored across a reopen, in WAL mode', async () => {
    const file = path.join(dir, 'reopen', 'qingliu.db');
    const first = createSqliteStore({ file, logger: silentLogger() });
    await first.start();
    await first.write([reading('S1', 'ph', sh(2026, 11, 28), 7.1)]);
    await first.stop();
    const second = createSqliteStore({ file, logger: silentLogger() });
    await second.start();
    expect(await second.raw({ stationId: 'S1', from: 0, to: sh(2027, 1, 1) })).toEqual([
      reading('S1', 'ph', sh(2026, 11, 28), 7.1),
    ]);
    await second.stop();
  });

  it('has written a batch durably when write() resolves: SIGKILL mid-stream loses no resolved batch and tears none', async () => {
    const file = path.join(dir, 'killed', 'qingliu.db');
    // A child process writes batches of 1,000 as fast as it can, printing after each resolved write; it is
    // killed -9 as soon as it reports the 10th, while it is writing the next ones.
    const script = `
      import { createSqliteStore } from ${JSON.stringify(path.resolve('src/store/sqlite/sqlite-store.ts'))};
      import { silentLogger } from ${JSON.stringify(path.resolve('src/logger.ts'))};
      const store = createSqliteStore({ file: ${JSON.stringify(file)}, logger: silentLogger() });
      await store.start();
      for (let b = 0; b < 1000; b++) {
        const batch = Array.from({ length: 1000 }, (_, i) => ({ stationId: 'K', parameter: 'do', ts: b * 1000 + i, value: i, flag: 'N' }));
        await store.write(batch);
        process.stdout.write('written ' + b + '\\n');
      }
      setInterval(() => {}, 1000);
    `;
    const scriptFile = path.join(dir, 'writer.mts');
    fs.writeFileSync(scriptFile, script);
    const child = spawn(process.execPath, ['--import', 'tsx', scriptFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('written 9\n')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', (code) =>
        out.includes('written 9\n') ? resolve() : reject(new Error(`writer exited with ${code}: ${out}`)),
      );
    });
    await new Promise((r) => child.once('exit', r));
    const store = createSqliteStore({ file, logger: silentLogger() });
    await store.start();
    let stored = 0;
    let after: { ts: number; parameter: 'do' } | undefined;
    for (;;) {
      const page = await store.raw({ stationId: 'K', from: 0, to: 1_000_000, limit: 10_000, after });
      if (page.length === 0) break;
      stored += page.length;
      after = { ts: page[page.length - 1]!.ts, parameter: 'do' };
    }
    expect(stored).toBeGreaterThanOrEqual(10_000);
    expect(stored % 1000).toBe(0);
    await store.stop();
  });

  it('refuses a database file written by a newer schema', async () => {
    const file = path.join(dir, 'future', 'qingliu.db');
    const store = createSqliteStore({ file, logger: silentLogger() });
    await store.start();
    await store.stop();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    await expect(createSqliteStore({ file, logger: silentLogger() }).start()).rejects.toThrow(/schema version 99/);
  });
});
