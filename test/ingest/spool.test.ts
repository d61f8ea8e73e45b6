import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeadLetter, Reading } from '../../src/domain/reading.js';
import { decodeRecords, encodeRecords } from '../../src/ingest/spool/spool-codec.js';
import { createSpool, type Spool, type SpoolOptions } from '../../src/ingest/spool/spool.js';
import { silentLogger } from '../../src/logger.js';
import { tempDir } from './helpers.js';

const T0 = Date.parse('2026-11-28T00:00:00Z');

function readings(n: number, from = 0, stationId = 'demo-01'): Reading[] {
  return Array.from({ length: n }, (_, i) => ({
    stationId,
    parameter: 'ph' as const,
    ts: T0 + (from + i) * 1000,
    value: 7 + ((from + i) % 100) / 100,
    flag: 'N' as const,
  }));
}

const LETTER: DeadLetter = {
  receivedAt: T0,
  stationId: 'demo-01',
  topic: 'wq/demo-01/data',
  reason: 'malformed_json',
  detail: 'Unexpected token',
  payload: '{"a":\n"line\u2028break\ttab\u0000nul 氨氮 \ud83d\udca7',
};

const open: Spool[] = [];
function spool(dir: string, options: Partial<SpoolOptions> = {}): Spool {
  const s = createSpool({ dir, maxBytes: 1024 * 1024, fsyncIntervalMs: 1000, logger: silentLogger(), ...options });
  s.open();
  open.push(s);
  return s;
}

/** Everything left in the spool, read and committed. */
function drain(s: Spool) {
  const out = { readings: [] as Reading[], deadLetters: [] as DeadLetter[], corrupt: 0 };
  for (let batch = s.read(64 * 1024); batch; batch = s.read(64 * 1024)) {
    out.readings.push(...batch.readings);
    out.deadLetters.push(...batch.deadLetters);
    out.corrupt += batch.corrupt;
    s.commit(batch);
  }
  return out;
}

const segmentFiles = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .sort();

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

describe('spool codec', () => {
  it('round-trips readings and dead letters with any payload', () => {
    const rs: Reading[] = [
      { stationId: '站点-1', parameter: 'nh3n', ts: T0, value: 0.1 + 0.2, flag: 'T' },
      { stationId: 'b', parameter: 'orp', ts: T0 + 1, value: -1e-7, flag: 'M' },
      { stationId: 'c', parameter: 'fcoli', ts: T0 + 2, value: 1e21, flag: 'N' },
    ];
    const text = encodeRecords(rs, [LETTER]);
    expect(text.split('\n')).toHaveLength(5);
    expect(decodeRecords(text, { readings: [], deadLetters: [], corrupt: 0 })).toEqual({
      readings: rs,
      deadLetters: [LETTER],
      corrupt: 0,
    });
  });

  it('counts lines that do not decode instead of failing', () => {
    const text =
      'R\tdemo\tph\t1\t7\tN\nR\tdemo\tnope\t1\t7\tN\n\u0000\u0000\u0000\nD\t{"broken"\nR\tdemo\tph\tx\t7\tN\nR\tdemo\tph\t1\t\tN\nR\tdemo\tph\t1\t7\tQ\n';
    const out = decodeRecords(text, { readings: [], deadLetters: [], corrupt: 0 });
    expect(out.readings).toHaveLength(1);
    expect(out.corrupt).toBe(6);
  });
});

describe('spool', () => {
  it('appends, reads back in order and empties on commit', () => {
    const dir = tempDir();
    const s = spool(dir);
    s.append(readings(3), []);
    s.append(readings(2, 3), [LETTER]);
    expect(s.stats()).toMatchObject({ pendingReadings: 5, segments: 1 });
    expect(s.stats().pendingBytes).toBeGreaterThan(0);
    const out = drain(s);
    expect(out.readings).toEqual(readings(5));
    expect(out.deadLetters).toEqual([LETTER]);
    expect(s.stats()).toMatchObject({ pendingBytes: 0, pendingReadings: 0 });
    expect(s.read(1024)).toBeUndefined();
  });

  it('replays everything after a crash (no close, no commit)', () => {
    const dir = tempDir();
    const crashed = createSpool({ dir, maxBytes: 1 << 20, fsyncIntervalMs: 1000, logger: silentLogger() });
    crashed.open();
    crashed.append(readings(10), [LETTER]);
    // The process "dies" here: no close(), no sync. A new process opens the same directory.
    const s = spool(dir);
    expect(s.stats().pendingReadings).toBe(10);
    const out = drain(s);
    expect(out.readings).toEqual(readings(10));
    expect(out.deadLetters).toEqual([LETTER]);
  });

  it('resumes from the checkpoint: committed batches are not replayed', () => {
    const dir = tempDir();
    const first = createSpool({
      dir,
      maxBytes: 1 << 20,
      segmentBytes: 4096,
      fsyncIntervalMs: 1000,
      logger: silentLogger(),
    });
    first.open();
    for (let i = 0; i < 40; i++) first.append(readings(5, i * 5), []);
    const batch = first.read(1)!;
    expect(batch.readings.length).toBeGreaterThan(0);
    expect(batch.readings.length).toBeLessThan(200);
    first.commit(batch);
    const committed = batch.readings.length;
    const second = first.read(1)!; // read but never committed: must come back
    expect(second.readings.length).toBeGreaterThan(0);
    // crash
    const s = spool(dir, { segmentBytes: 4096 });
    expect(s.stats().pendingReadings).toBe(200 - committed);
    expect(drain(s).readings).toEqual(readings(200 - committed, committed));
  });

  it('cuts the log into segments and deletes the drained ones', () => {
    const dir = tempDir();
    const s = spool(dir, { segmentBytes: 4096 });
    for (let i = 0; i < 100; i++) s.append(readings(5, i * 5), []);
    const before = segmentFiles(dir).length;
    expect(before).toBeGreaterThan(3);
    expect(s.stats().segments).toBe(before);
    expect(drain(s).readings).toHaveLength(500);
    // Only the active segment is left.
    expect(segmentFiles(dir)).toHaveLength(1);
    expect(s.stats().diskBytes).toBeLessThan(4096 + 200);
  });

  it('is full at the disk limit and frees space as drained segments are deleted', () => {
    const dir = tempDir();
    const s = spool(dir, { maxBytes: 20_000, segmentBytes: 4096 });
    let freed = 0;
    s.onFreed(() => freed++);
    while (!s.full) s.append(readings(10), []);
    expect(s.stats().diskBytes).toBeGreaterThanOrEqual(20_000);
    const batch = s.read(10_000)!;
    s.commit(batch);
    expect(freed).toBe(1);
    expect(s.full).toBe(false);
  });

  it('skips a torn tail left by a crash mid-write and carries on with later segments', () => {
    const dir = tempDir();
    const crashed = createSpool({ dir, maxBytes: 1 << 20, fsyncIntervalMs: 1000, logger: silentLogger() });
    crashed.open();
    crashed.append(readings(3), []);
    const [segment] = segmentFiles(dir);
    fs.appendFileSync(path.join(dir, segment!), 'R\tdemo-01\tph\t17948'); // the write the kill cut short
    const s = spool(dir);
    s.append(readings(2, 3), []);
    const out = drain(s);
    expect(out.readings).toEqual(readings(5));
    expect(out.corrupt).toBe(1);
  });

  it('skips garbage lines (a power loss can leave zeros) and keeps the rest', () => {
    const dir = tempDir();
    const crashed = createSpool({ dir, maxBytes: 1 << 20, fsyncIntervalMs: 1000, logger: silentLogger() });
    crashed.open();
    crashed.append(readings(1), []);
    const [segment] = segmentFiles(dir);
    fs.appendFileSync(path.join(dir, segment!), Buffer.concat([Buffer.alloc(100), Buffer.from('\n')]));
    fs.appendFileSync(path.join(dir, segment!), encodeRecords(readings(1, 1), []));
    const out = drain(spool(dir));
    expect(out.readings).toEqual(readings(2));
    expect(out.corrupt).toBe(1);
  });

  it('brings the pending-readings count back to zero once corrupt reading lines are skipped (issue 12 item 14)', () => {
    const dir = tempDir();
    const crashed = createSpool({ dir, maxBytes: 1 << 20, fsyncIntervalMs: 1000, logger: silentLogger() });
    crashed.open();
    crashed.append(readings(3), []);
    const [segment] = segmentFiles(dir);
    // Lines that start like readings but do not decode (a torn or garbled write), then a torn tail.
    fs.appendFileSync(path.join(dir, segment!), 'R\tdemo-01\tph\tnot-a-time\t7\tN\nR\tgarbage\n');
    fs.appendFileSync(path.join(dir, segment!), 'R\tdemo-01\tph\t17948');
    const s = spool(dir);
    // On open, the gauge counts every line that looks like a reading: it cannot know yet which are broken.
    expect(s.stats().pendingReadings).toBe(6);
    s.append(readings(2, 3), []);
    expect(s.stats().pendingReadings).toBe(8);
    const out = drain(s);
    expect(out.readings).toEqual(readings(5));
    expect(out.corrupt).toBe(3);
    expect(s.stats()).toMatchObject({ pendingReadings: 0, pendingBytes: 0 });
  });

  it('survives a checkpoint file that is missing or garbage by replaying everything', () => {
    const dir = tempDir();
    const first = createSpool({ dir, maxBytes: 1 << 20, fsyncIntervalMs: 1000, logger: silentLogger() });
    first.open();
    first.append(readings(4), []);
    first.commit(first.read(1 << 20)!);
    first.close();
    fs.writeFileSync(path.join(dir, 'checkpoint'), '\u0000\u0000garbage');
    // The drained segment was still the active one, so it is there and gets replayed: harmless duplicates.
    expect(drain(spool(dir)).readings).toEqual(readings(4));
    fs.rmSync(path.join(dir, 'checkpoint'));
    expect(drain(spool(dir)).readings).toEqual([]);
  });

  it("never splits a run (a packet's readings: one station, one time) between two batches cut by size", () => {
    const s = spool(tempDir());
    // 300 packets of 9 readings, several stations, each packet's readings with one station and time.
    const packets = Array.from({ length: 300 }, (_, p) =>
      Array.from({ length: 9 }, (_, k) => ({
        stationId: `hj-${p % 37}`,
        parameter: (['cod', 'nh3n', 'tp', 'tn', 'ph', 'flow', 'temp', 'ss', 'bod5'] as const)[k]!,
        ts: T0 + Math.floor(p / 37) * 15_000,
        value: p + k / 10,
        flag: 'N' as const,
      })),
    );
    for (const packet of packets) s.append(packet, []);
    const seen: string[][] = [];
    for (let batch = s.read(1000); batch; batch = s.read(1000)) {
      seen.push(batch.readings.map((r) => `${r.stationId} ${r.ts}`));
      s.commit(batch);
    }
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.flat()).toEqual(packets.flat().map((r) => `${r.stationId} ${r.ts}`));
    // Each batch holds whole packets: 9 readings of each station and time.
    for (const keys of seen) {
      const counts = new Map<string, number>();
      for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
      expect([...counts.values()].every((n) => n === 9)).toBe(true);
    }
    // A run longer than the batch size is read whole rather than cut.
    s.append(packets[0]!.concat(packets[0]!.map((r) => ({ ...r, value: r.value + 1 }))), []);
    expect(s.read(200)?.readings).toHaveLength(18);
  });

  it('reads a line longer than the batch size whole', () => {
    const dir = tempDir();
    const s = spool(dir);
    const big = { ...LETTER, payload: '\u0001'.repeat(300_000) };
    s.append(readings(1), [big]);
    const out = drain(s);
    expect(out.deadLetters[0]!.payload).toHaveLength(300_000);
    expect(out.readings).toHaveLength(1);
  });

  it('syncs before every append in strict mode, and on close', () => {
    const dir = tempDir();
    const s = spool(dir, { fsyncIntervalMs: 0 });
    s.append(readings(2), []);
    s.close();
    s.close();
    expect(drain(spool(dir)).readings).toEqual(readings(2));
  });

  it('notifies listeners on append and refuses appends when closed', () => {
    const dir = tempDir();
    const s = spool(dir);
    let appended = 0;
    const off = s.onAppend(() => appended++);
    s.append(readings(1), []);
    off();
    s.append(readings(1), []);
    expect(appended).toBe(1);
    s.close();
    expect(() => s.append(readings(1), [])).toThrow(/not open/);
  });
});
