/**
 * The rollup writers' dirty hours on disk (src/store/influx/dirty-log.ts): a snapshot plus journals, read back
 * whole after a crash, a torn journal line skipped, a compaction replacing the journals it covers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { openDirtyLog } from '../../../src/store/influx/dirty-log.js';
import { DirtyHours } from '../../../src/store/influx/hourly-rollup.js';

const H = 3_600_000;
const T = Date.UTC(2026, 10, 1);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-dirty-log-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const reopen = (file: string) => {
  const log = openDirtyLog(file, 'w', silentLogger(), 0);
  log.close();
  return log.loaded.toJSON();
};

describe('dirty log', () => {
  it('keeps every appended mark for the next start, without a sync (a crash of the process)', () => {
    const file = path.join(dir, 'crash.json');
    const log = openDirtyLog(file, 'w', silentLogger(), 0);
    log.append([{ stationId: 'S1', hour: T }]);
    log.append([
      { stationId: 'S1', hour: T + H },
      { stationId: 'S2', hour: T },
    ]);
    // Not closed, not synced: what a SIGKILL leaves.
    expect(reopen(file)).toEqual({ S1: [[T, T + 2 * H]], S2: [[T, T + H]] });
    // Reopened, it says those journals may not be on the disk itself yet (the next durable() syncs them)…
    const next = openDirtyLog(file, 'w', silentLogger(), 0);
    expect(next.unsyncedAtOpen).toBe(true);
    next.close();
    // …which a fresh directory has no reason to say.
    const fresh = openDirtyLog(path.join(dir, 'fresh.json'), 'w', silentLogger(), 0);
    expect(fresh.unsyncedAtOpen).toBe(false);
    fresh.close();
    expect(fs.statSync(`${file}.journal.1`).mode & 0o777).toBe(0o600);
    log.close();
  });

  it('skips a torn last line and warns, keeping the lines before it', () => {
    const file = path.join(dir, 'torn.json');
    fs.writeFileSync(`${file}.journal.3`, `["S1",${T}]\n["S1",${T + H}]\n["S2",17`);
    const warnings: unknown[] = [];
    const logger = { ...silentLogger(), warn: (...args: unknown[]) => warnings.push(args) } as unknown as ReturnType<
      typeof silentLogger
    >;
    const log = openDirtyLog(file, 'w', logger, 0);
    expect(log.loaded.toJSON()).toEqual({ S1: [[T, T + 2 * H]] });
    expect(warnings).toHaveLength(1);
    // The next journal continues the numbering.
    log.append([{ stationId: 'S3', hour: T }]);
    expect(fs.existsSync(`${file}.journal.4`)).toBe(true);
    log.close();
  });

  it('compacts into the snapshot: the journals it covers go, marks made during it stay', async () => {
    const file = path.join(dir, 'compact.json');
    const log = openDirtyLog(file, 'w', silentLogger(), 0);
    const dirty = log.loaded;
    dirty.mark('S1', T);
    log.append([{ stationId: 'S1', hour: T }]);
    dirty.mark('S2', T);
    log.append([{ stationId: 'S2', hour: T }]);
    const compaction = log.compact(dirty);
    // A mark made while the snapshot is being written goes to a new journal.
    log.append([{ stationId: 'S3', hour: T }]);
    await compaction;
    await log.sync();
    expect(fs.existsSync(`${file}.journal.1`)).toBe(false);
    expect(fs.existsSync(`${file}.journal.2`)).toBe(true);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({
      version: 1,
      dirty: { S1: [[T, T + H]], S2: [[T, T + H]] },
    });
    expect(reopen(file)).toEqual({ S1: [[T, T + H]], S2: [[T, T + H]], S3: [[T, T + H]] });
    // A pass cleared S1 and S2: the next compaction leaves only S3.
    const after = new DirtyHours();
    after.mark('S3', T);
    await log.compact(after);
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('compact.json.journal'))).toEqual([]);
    expect(reopen(file)).toEqual({ S3: [[T, T + H]] });
    log.close();
  });

  it('stops start-up naming the file when the snapshot is not one', () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, '{"version":1,"dirty":');
    expect(() => openDirtyLog(file, 'w', silentLogger(), 0)).toThrow(/bad\.json: not a rollup state file/);
  });
});
