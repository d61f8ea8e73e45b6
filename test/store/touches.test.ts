/**
 * Touched windows recorded by the reading stores themselves (issue 14, ADR 0013): a write of readings older than
 * the alert evaluation delay records (station, hours) touches next to the readings; marks record theirs with
 * `recordTouches`; the alerts role reads them back by recording time. Both stores: SQLite and the real influxd
 * 1.6.7, with an injected clock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/domain/reading.js';
import { silentLogger } from '../../src/logger.js';
import { encodeReadings } from '../../src/store/encoded-readings.js';
import { createInfluxStore } from '../../src/store/influx/influx-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import {
  FLAG_LOOKUP_MAX_READINGS,
  FLAG_LOOKUP_MAX_SPANS,
  storedFlagLookup,
} from '../../src/store/influx/stored-flags.js';
import { lateReadingsEncoded, lateTouches, lateTouchesEncoded } from '../../src/store/touch-log.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';

const H = 3_600_000;
const MIN = 60_000;
const T0 = Date.parse('2026-11-28T00:00:00+08:00');
const DELAY = 10 * MIN;

const r = (stationId: string, ts: number, flag: Reading['flag'] = 'N'): Reading => ({
  stationId,
  parameter: 'nh3n',
  ts,
  value: 1.8,
  flag,
});

describe('late readings, pure', () => {
  it('touches the hours of readings older than the evaluation delay (less a minute), in runs of hours', () => {
    const now = T0 + 12 * H + 30 * MIN;
    const readings = [
      ...Array.from({ length: 12 }, (_, h) => r('s1', T0 + h * H)),
      r('s1', T0 + 12 * H + 25 * MIN), // 5 min old: on time
      r('s2', T0 + 3 * H),
      r('s2', T0 + 5 * H + 10 * MIN),
    ];
    expect(lateTouches(readings, now, DELAY)).toEqual([
      { stationId: 's1', from: T0, to: T0 + 12 * H, cause: 'late_data', at: now },
      { stationId: 's2', from: T0 + 3 * H, to: T0 + 4 * H, cause: 'late_data', at: now },
      { stationId: 's2', from: T0 + 5 * H, to: T0 + 6 * H, cause: 'late_data', at: now },
    ]);
    // A store that can tell which late readings re-send a stored one with another flag: those hours are corrections.
    const changed = (x: Reading) => x.stationId === 's1' && x.ts >= T0 + 2 * H && x.ts < T0 + 4 * H;
    expect(lateTouches(readings, now, DELAY, changed).filter((t) => t.stationId === 's1')).toEqual([
      { stationId: 's1', from: T0, to: T0 + 2 * H, cause: 'late_data', at: now },
      { stationId: 's1', from: T0 + 4 * H, to: T0 + 12 * H, cause: 'late_data', at: now },
      { stationId: 's1', from: T0 + 2 * H, to: T0 + 4 * H, cause: 'flag_correction', at: now },
    ]);
    expect(lateTouches([r('s1', now - 8 * MIN)], now, DELAY)).toEqual([]);
    expect(lateTouches([r('s1', now - 9 * MIN - 1)], now, DELAY)).toHaveLength(1);
    // The spool's line form: only the late lines are decoded, and none when more than the bound are late.
    const bytes = encodeReadings(readings).bytes;
    expect(lateReadingsEncoded(bytes, now, DELAY)).toEqual(readings.filter((x) => x.ts < now - 9 * MIN));
    expect(lateReadingsEncoded(bytes, now, DELAY, 14)).toHaveLength(14);
    expect(lateReadingsEncoded(bytes, now, DELAY, 13)).toBeUndefined();
    expect(lateTouchesEncoded(bytes, now, DELAY)).toEqual(lateTouches(readings, now, DELAY));
  });
});

let influx: Influxd;
let databases = 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-touches-'));

beforeAll(async () => {
  influx = await startInfluxd();
});
afterAll(async () => {
  await influx?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const stores: Record<string, (now: () => number) => ReadingStore> = {
  SQLite: (now) =>
    createSqliteStore({
      file: path.join(dir, `s${++databases}.db`),
      logger: silentLogger(),
      lateData: { evalDelayMs: DELAY, now },
    }),
  'InfluxDB 1.6.7': (now) =>
    createInfluxStore({
      url: influx.url,
      bucket: `touches_${++databases}`,
      version: 'auto',
      logger: silentLogger(),
      lateData: { evalDelayMs: DELAY, now },
      rollups: { read: false },
    }),
};

describe.each(Object.keys(stores))('touches on %s', (name) => {
  it('records late writes (also the spool form and re-sent flags), not on-time ones, and reads them by recording time', async () => {
    let now = T0 + 12 * H + 30 * MIN;
    const store = stores[name]!(() => now);
    await store.start();
    try {
      // The live reading: on time, no touch.
      await store.write([r('out', T0 + 12 * H + 29 * MIN)]);
      expect(await store.touches!({ after: 0, until: now })).toEqual([]);
      // The logger back-fills 12 hours (an MQTT backfill array arrives as one batch).
      const backfill = Array.from({ length: 12 }, (_, h) => r('out', T0 + h * H));
      await store.write(backfill);
      const first = now;
      now += 5 * MIN;
      // A reading re-sent with another flag, through the ingest forwarder's fast path.
      const resent = [r('other', T0 + 2 * H, 'M')];
      if (store.writeEncoded) await store.writeEncoded(encodeReadings(resent));
      else await store.write(resent);
      const second = now;
      now += 5 * MIN;
      // A mark (the marks API) records its own touch.
      await store.recordTouches!([{ stationId: 'out', from: T0 + H, to: T0 + 3 * H, cause: 'mark', at: now - 1 }]);

      const all = await store.touches!({ after: 0, until: now });
      expect(all).toEqual([
        { recordedAt: first, stationId: 'out', from: T0, to: T0 + 12 * H, cause: 'late_data', at: first },
        { recordedAt: second, stationId: 'other', from: T0 + 2 * H, to: T0 + 3 * H, cause: 'late_data', at: second },
        { recordedAt: now, stationId: 'out', from: T0 + H, to: T0 + 3 * H, cause: 'mark', at: now - 1 },
      ]);
      // (after, until]: consecutive ranges partition the touches.
      expect((await store.touches!({ after: 0, until: first })).map((t) => t.recordedAt)).toEqual([first]);
      expect((await store.touches!({ after: first, until: second })).map((t) => t.recordedAt)).toEqual([second]);
      expect(await store.touches!({ after: now, until: now + H })).toEqual([]);
    } finally {
      await store.stop();
    }
  });
});

describe.each(Object.keys(stores))('a corrected device flag on %s', (name) => {
  it('records a reading re-sent late with another flag as a flag correction; the same flag again as late data', async () => {
    let now = T0 + 12 * H + 30 * MIN;
    const store = stores[name]!(() => now);
    await store.start();
    // Both ways a batch reaches a store: as objects, and as the ingest forwarder's spool bytes.
    const writeEncoded = (readings: Reading[]) =>
      store.writeEncoded ? store.writeEncoded(encodeReadings(readings)) : store.write(readings);
    try {
      await store.write([r('out', T0), r('out', T0 + H)]);
      now += MIN;
      await store.write([r('out', T0 + H, 'D'), r('out', T0 + 2 * H)]);
      const second = now;
      now += MIN;
      await writeEncoded([r('out', T0 + H, 'D')]);
      now += MIN;
      // Through the fast path: a correction back to N beside a new late reading of another station.
      await writeEncoded([r('out', T0 + H, 'N'), r('other', T0 + H, 'M')]);
      expect(
        (await store.touches!({ after: second - 1, until: now })).map((t) => [t.stationId, t.from, t.to, t.cause]),
      ).toEqual([
        ['out', T0 + 2 * H, T0 + 3 * H, 'late_data'],
        ['out', T0 + H, T0 + 2 * H, 'flag_correction'],
        ['out', T0 + H, T0 + 2 * H, 'late_data'],
        ['other', T0 + H, T0 + 2 * H, 'late_data'],
        ['out', T0 + H, T0 + 2 * H, 'flag_correction'],
      ]);
    } finally {
      await store.stop();
    }
  });
});

describe('InfluxDB: a back-fill too large to look up', () => {
  it('records its hours as late data, corrections included, on both write paths', async () => {
    let now = T0 + 4 * 24 * H;
    const store = stores['InfluxDB 1.6.7']!(() => now);
    await store.start();
    try {
      await store.write([r('big', T0, 'N')]);
      now += MIN;
      // Minute readings over 3.5 days: more late readings than are looked up; the first re-sends T0 flagged D.
      const big = Array.from({ length: FLAG_LOOKUP_MAX_READINGS + 1 }, (_, i) => r('big', T0 + i * MIN, 'D'));
      const first = now;
      await store.writeEncoded!(encodeReadings(big));
      now += MIN;
      await store.write(big);
      const causes = (await store.touches!({ after: first - 1, until: now })).map((t) => t.cause);
      expect(causes.length).toBeGreaterThan(1);
      expect(new Set(causes)).toEqual(new Set(['late_data']));
    } finally {
      await store.stop();
    }
  });
});

describe('InfluxDB: touches as points', () => {
  it('reads those written with the station as a tag (before it was a field) beside the new ones, two writers apart', async () => {
    const now = T0 + 12 * H;
    const bucket = `touches_${++databases}`;
    const open = () =>
      createInfluxStore({
        url: influx.url,
        bucket,
        version: 'auto',
        logger: silentLogger(),
        lateData: { evalDelayMs: DELAY, now: () => now },
        rollups: { read: false },
      });
    const a = open();
    const b = open();
    await a.start();
    await b.start();
    try {
      const touch = (stationId: string) => [{ stationId, from: T0, to: T0 + H, cause: 'mark' as const, at: now }];
      await a.recordTouches!(touch('new-a'));
      await b.recordTouches!(touch('new-b'));
      // As the previous version wrote it, a millisecond earlier.
      const legacy = `touched,station=old t_from=${T0}i,t_to=${T0 + H}i,cause="late_data",at=${now - 1}i ${now - 1}000000`;
      const res = await fetch(`${influx.url}/write?db=${bucket}&precision=ns`, { method: 'POST', body: legacy });
      expect(res.status).toBe(204);
      const read = await a.touches!({ after: 0, until: now });
      expect(read[0]).toEqual({
        recordedAt: now - 1,
        stationId: 'old',
        from: T0,
        to: T0 + H,
        cause: 'late_data',
        at: now - 1,
      });
      // Both instances' touches of the same millisecond: each its own series (writer), none overwrites another.
      expect(
        read
          .slice(1)
          .map((t) => t.stationId)
          .sort(),
      ).toEqual(['new-a', 'new-b']);
      const series = await fetch(
        `${influx.url}/query?${new URLSearchParams({ db: bucket, q: 'SHOW SERIES FROM "touched"' })}`,
      );
      const body = (await series.json()) as { results: { series?: { values: string[][] }[] }[] };
      expect(body.results[0]!.series![0]!.values.map(([key]) => key!.replace(/=[0-9a-f]{12}$/, '=…')).sort()).toEqual([
        'touched,station=old',
        'touched,writer=…',
        'touched,writer=…',
      ]);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('stored flags of late readings, InfluxDB lookup (pure)', () => {
  it('one statement per span of timestamps, shared by the stations with the same span; none above the bound', () => {
    const lookup = storedFlagLookup([r('a', T0), r('a', T0 + H), r('a', T0 + 5 * H), r('b', T0), r('b', T0 + H)])!;
    const where = `"param" = 'nh3n' AND time >=`;
    expect(lookup.statements).toEqual([
      `SELECT "flag" FROM "reading" WHERE ("station" = 'a' OR "station" = 'b') AND ${where} ${T0}ms AND time < ${T0 + H + 1}ms GROUP BY "station", "param"`,
      `SELECT "flag" FROM "reading" WHERE "station" = 'a' AND ${where} ${T0 + 5 * H}ms AND time < ${T0 + 5 * H + 1}ms GROUP BY "station", "param"`,
    ]);
    const series = (station: string, rows: [number, string][]) => ({
      name: 'reading',
      tags: { station, param: 'nh3n' },
      columns: ['time', 'flag'],
      values: rows,
    });
    const changed = lookup.changed([
      {
        series: [
          series('a', [
            [T0, 'N'],
            [T0 + H, 'D'],
          ]),
          series('b', [[T0, 'N']]),
        ],
      },
      {},
    ]);
    expect([
      changed(r('a', T0)),
      changed(r('a', T0 + H)),
      changed(r('a', T0 + 5 * H)),
      changed(r('b', T0, 'M')),
      changed(r('b', T0 + H, 'M')),
    ]).toEqual([false, true, false, true, false]);
    expect(storedFlagLookup([])).toBeUndefined();
    const many = Array.from({ length: FLAG_LOOKUP_MAX_READINGS + 1 }, (_, i) => r('a', T0 + i * MIN));
    expect(storedFlagLookup(many)).toBeUndefined();
    const spread = Array.from({ length: FLAG_LOOKUP_MAX_SPANS + 1 }, (_, i) => r('a', T0 + i * 2 * H));
    expect(storedFlagLookup(spread)).toBeUndefined();
    expect(storedFlagLookup(spread.slice(1))!.statements).toHaveLength(FLAG_LOOKUP_MAX_SPANS);
  });
});

describe('SQLite schema 1 → 2', () => {
  it('adds the touched table to a file written by the previous version, keeping its readings', async () => {
    const file = path.join(dir, 'v1.db');
    const db = new Database(file);
    db.exec(`CREATE TABLE readings (station TEXT NOT NULL, parameter TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
      flag TEXT NOT NULL, PRIMARY KEY (station, parameter, ts)) WITHOUT ROWID;
      CREATE TABLE series (station TEXT NOT NULL, parameter TEXT NOT NULL, PRIMARY KEY (station, parameter)) WITHOUT ROWID;
      INSERT INTO readings VALUES ('out', 'nh3n', ${T0}, 1.8, 'N');`);
    db.pragma('user_version = 1');
    db.close();
    const now = T0 + 2 * H;
    const store = createSqliteStore({ file, logger: silentLogger(), lateData: { evalDelayMs: DELAY, now: () => now } });
    await store.start();
    try {
      expect(await store.raw({ stationId: 'out', from: T0, to: T0 + H })).toHaveLength(1);
      await store.write([r('out', T0 + MIN)]);
      expect(await store.touches!({ after: 0, until: now })).toHaveLength(1);
    } finally {
      await store.stop();
    }
  });
});
