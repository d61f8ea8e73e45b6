/**
 * Hourly rollups against the real influxd 1.6.7: answers from the rollups equal answers from the raw readings,
 * whatever was written, corrected or written late, and whenever the reader asks (docs/adr/0006).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DataFlag } from '../../../src/domain/flags.js';
import type { ParameterCode } from '../../../src/domain/parameters.js';
import type { Reading } from '../../../src/domain/reading.js';
import { parseWindow } from '../../../src/domain/time-window.js';
import { silentLogger } from '../../../src/logger.js';
import { createInfluxStore, type InfluxStore } from '../../../src/store/influx/influx-store.js';
import type { StatementResult } from '../../../src/store/influx/influxql.js';
import { createRollupMaintainer, type RollupIo } from '../../../src/store/influx/rollup-maintainer.js';
import { openDirtyLog } from '../../../src/store/influx/dirty-log.js';
import type { AggregateQuery, Bucket } from '../../../src/store/reading-store.js';
import { startInfluxd, type Influxd } from '../../harness/influxd.js';
import { startFakeInflux } from '../fake-influx.js';
import { describeReadingStoreContract } from '../reading-store.contract.js';
import { cli } from '../../harness/cli.js';

const H = 3_600_000;
const D = 24 * H;
const START = Date.UTC(2026, 2, 1) - 8 * H; // 2026-03-01 00:00 Asia/Shanghai
const PARAMS: ParameterCode[] = ['nh3n', 'tp', 'do'];
const FLAGS: DataFlag[] = ['N', 'N', 'N', 'N', 'N', 'N', 'T', 'M', 'C', 'D'];

let influx: Influxd;
let databases = 0;
const opened: InfluxStore[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-rollups-'));

beforeAll(async () => {
  influx = await startInfluxd();
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.stop()));
  await influx?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A clock the test moves. */
/** The dirty hours a writer left on disk, as its next start reads them. */
function savedDirty(file: string, instance: string): Record<string, [number, number][]> {
  const log = openDirtyLog(file, instance, silentLogger(), 0);
  log.close();
  return log.loaded.toJSON();
}

function clock(at: number) {
  const c = { now: at, fn: () => c.now };
  return c;
}

interface Trio {
  bucket: string;
  writer: (instance?: string) => InfluxStore;
  /** Reads rollups where trusted. */
  reader: InfluxStore;
  /** Never reads rollups: the truth. */
  raw: InfluxStore;
  clock: ReturnType<typeof clock>;
  stateFile: (instance: string) => string;
}

async function trio(now: number): Promise<Trio> {
  const bucket = `rollups_${++databases}`;
  const c = clock(now);
  const stateFile = (instance: string) => path.join(dir, bucket, `${instance}.json`);
  const make = (rollups: NonNullable<Parameters<typeof createInfluxStore>[0]['rollups']>) => {
    const store = createInfluxStore({ url: influx.url, bucket, version: 'auto', logger: silentLogger(), rollups });
    opened.push(store);
    return store;
  };
  const raw = make({ read: false });
  await raw.start(); // creates the database
  const reader = make({ now: c.fn });
  await reader.start();
  const writer = (instance = 'w1') => make({ now: c.fn, writer: { instance, stateFile: stateFile(instance), intervalMs: 3_600_000 } });
  return { bucket, writer, reader, raw, clock: c, stateFile };
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readings(seed: number, stations: string[], from: number, to: number, everyMs: number): Reading[] {
  const rnd = random(seed);
  const out: Reading[] = [];
  for (const stationId of stations)
    for (let ts = from; ts < to; ts += everyMs)
      for (const parameter of PARAMS) {
        if (rnd() < 0.1) continue; // gaps
        out.push({ stationId, parameter, ts, value: Math.round(rnd() * 10_000) / 1000, flag: FLAGS[Math.floor(rnd() * FLAGS.length)]! });
      }
  return out;
}

/** (station, parameter, hour) cells with at least one reading: the rollups a pass writes. */
function cellsOf(data: readonly Reading[]): number {
  return new Set(data.map((r) => `${r.stationId}/${r.parameter}/${Math.floor(r.ts / H)}`)).size;
}

function rounded(buckets: Bucket[]): Bucket[] {
  const r = (v: number | null) => (v === null ? null : Number(v.toPrecision(12)));
  return buckets.map((b) => ({ ...b, mean: r(b.mean), min: r(b.min), max: r(b.max) }));
}

const WINDOWS: { window: string; timeZone: string }[] = [
  { window: '1h', timeZone: 'Asia/Shanghai' },
  { window: '4h', timeZone: 'Asia/Shanghai' },
  { window: '1d', timeZone: 'Asia/Shanghai' },
  { window: '1mo', timeZone: 'Asia/Shanghai' },
  { window: '1d', timeZone: 'America/New_York' }, // a DST change on 2026-03-08: two slices
  { window: '1h', timeZone: 'Asia/Kolkata' }, // UTC+5:30: not an hourly grid, stays raw
  { window: '15m', timeZone: 'Asia/Shanghai' }, // below an hour, stays raw
];

/**
 * Every window, valid-only (rollups) and include=all (raw), with and without extremes, and as the window rules ask
 * (no extremes, no excluded counts), over odd edges.
 */
async function expectSameAnswers(t: Trio, stationId: string, from: number, to: number): Promise<void> {
  for (const { window, timeZone } of WINDOWS) {
    for (const validOnly of [true, false]) {
      for (const [extremes, excluded] of [[true, true], [false, true], [false, false]]) {
        const q: AggregateQuery = { stationId, parameters: PARAMS, from, to, window: parseWindow(window), timeZone, validOnly, extremes, excluded };
        const [fromRollups, truth] = await Promise.all([t.reader.aggregate(q), t.raw.aggregate(q)]);
        expect(rounded(fromRollups), `${window} ${timeZone} validOnly=${validOnly} extremes=${extremes} excluded=${excluded}`).toEqual(rounded(truth));
      }
    }
  }
}

async function rollupRows(bucket: string): Promise<number> {
  const res = await fetch(`${influx.url}/query?db=${bucket}&q=${encodeURIComponent('SELECT count("n") FROM "reading_1h"')}`);
  const body = (await res.json()) as { results: { series?: { values: number[][] }[] }[] };
  return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
}

/** A write that goes around every writer (as a foreign tool would): makes stale rollups visible. */
async function writeBehindTheirBack(bucket: string, line: string): Promise<void> {
  const res = await fetch(`${influx.url}/write?db=${bucket}&precision=ms`, { method: 'POST', body: line });
  expect(res.status).toBe(204);
}

describe('hourly rollups (real influxd 1.6.7)', () => {
  it('answer every valid-only aggregate as the raw readings do, before and after a pass', async () => {
    const t = await trio(START + 20 * D);
    const w = t.writer();
    await w.start();
    const data = readings(1, ['S1', 'S2'], START - 2 * D, START + 12 * D, 20 * 60_000);
    for (let i = 0; i < data.length; i += 5_000) await w.write(data.slice(i, i + 5_000));
    expect(w.rollups.pending).toBeGreaterThan(0);

    // Not yet recomputed: the readers must not trust any rollup of those hours (there are none yet either).
    await expectSameAnswers(t, 'S1', START + 7 * 60_000, START + 10 * D + 5 * H + 13 * 60_000);

    const summary = await w.rollups.pass();
    expect(summary).toMatchObject({ hours: 2 * 14 * 24, cleanBefore: START + 20 * D });
    expect(w.rollups.pending).toBe(0);
    expect(await rollupRows(t.bucket)).toBe(cellsOf(data));
    await expectSameAnswers(t, 'S1', START + 7 * 60_000, START + 10 * D + 5 * H + 13 * 60_000);
    await expectSameAnswers(t, 'S2', START - 2 * D, START + 31 * D);

    // Proof that the reader reads them: a reading written around the writer is not in its answer.
    await writeBehindTheirBack(t.bucket, `reading,param=nh3n,station=S1 value=999,flag="N" ${START + 3 * D + 30 * 60_000}`);
    const q: AggregateQuery = { stationId: 'S1', parameters: ['nh3n'], from: START, to: START + 5 * D, window: parseWindow('1d'), timeZone: 'Asia/Shanghai', validOnly: true };
    const [stale, truth] = await Promise.all([t.reader.aggregate(q), t.raw.aggregate(q)]);
    expect(truth.find((b) => b.start === START + 3 * D)!.max).toBe(999);
    expect(stale.find((b) => b.start === START + 3 * D)!.max).not.toBe(999);
  });

  it('never answer from a rollup older than its readings: late data, corrections and the open hour', async () => {
    const t = await trio(START + 10 * D + 30 * 60_000);
    const w = t.writer();
    await w.start();
    await w.write(readings(2, ['S1'], START, START + 10 * D + 30 * 60_000, 30 * 60_000));
    await w.rollups.pass();
    const check = () => expectSameAnswers(t, 'S1', START, START + 11 * D);
    await check();

    // Late readings for a day long closed: trusted no more the moment they are written, before any pass.
    const late: Reading[] = PARAMS.map((parameter, i) => ({ stationId: 'S1', parameter, ts: START + 2 * D + 17 * 60_000, value: 40 + i, flag: 'N' }));
    await w.write(late);
    await check();
    // Corrections: a valid reading becomes maintenance data, another the other way round.
    await w.write(late.map((r) => ({ ...r, value: r.value + 1, flag: 'M' })));
    await check();
    await w.rollups.pass();
    await check();
    await w.write(late.map((r) => ({ ...r, value: r.value + 2, flag: 'T' })));
    await w.rollups.pass();
    await check();

    // An hour of nothing but flagged readings: its rollup has n = 0 and sentinel extremes, never shown.
    const flaggedHour = START + 4 * D + 6 * H;
    const rows = await t.raw.raw({ stationId: 'S1', from: flaggedHour, to: flaggedHour + H, limit: 10_000 });
    await w.write(rows.map((r) => ({ ...r, flag: 'D' })));
    await w.rollups.pass();
    await check();

    // The open hour is never recomputed while it is open; it is answered raw, and recomputed once it ends.
    await w.write(PARAMS.map((parameter) => ({ stationId: 'S1', parameter, ts: t.clock.now - 60_000, value: 1, flag: 'N' })));
    expect((await w.rollups.pass())!.hours).toBe(0);
    await check();
    t.clock.now += H;
    expect((await w.rollups.pass())!.hours).toBe(1);
    await check();
  });

  it('keep the dirty hours of a writer that died (SIGKILL-like: no pass, no stop) for its next start', async () => {
    const t = await trio(START + 5 * D);
    const first = t.writer('w1');
    await first.start();
    await first.write(readings(3, ['S1'], START, START + 3 * D, 15 * 60_000));
    await first.rollups.pass();
    await first.write(readings(4, ['S1'], START + D, START + D + 3 * H, 15 * 60_000)); // dies here
    // On disk: the snapshot of the pass plus the journal of the marks since (dirty-log.ts).
    expect(savedDirty(t.stateFile('w1'), 'w1').S1).toEqual([[START + D, START + D + 3 * H]]);

    await expectSameAnswers(t, 'S1', START, START + 4 * D);
    const second = t.writer('w1');
    await second.start();
    expect(second.rollups.pending).toBe(3);
    await second.rollups.pass();
    expect(second.rollups.pending).toBe(0);
    await expectSameAnswers(t, 'S1', START, START + 4 * D);
  });

  it('trust no hour another writer still has dirty', async () => {
    const t = await trio(START + 5 * D);
    const a = t.writer('a');
    const b = t.writer('b');
    await Promise.all([a.start(), b.start()]);
    await a.write(readings(5, ['S1'], START, START + 4 * D, 30 * 60_000));
    await a.rollups.pass();
    await b.rollups.pass();
    await b.write(readings(6, ['S1'], START + 2 * D, START + 2 * D + H, 10 * 60_000));
    await a.rollups.pass(); // a is clean, but b is not
    await expectSameAnswers(t, 'S1', START, START + 5 * D);
  });

  it('cover readings written before rollups existed only once they are backfilled', async () => {
    const t = await trio(START + 30 * D + 10 * 60_000);
    const old = readings(7, ['S1', 'S2'], START, START + 30 * D, 60 * 60_000);
    await t.raw.write(old);
    const w = t.writer();
    await w.start();
    await w.rollups.pass();
    // The coverage mark starts at the next hour: the old readings are answered raw, correctly.
    await expectSameAnswers(t, 'S1', START, START + 31 * D);
    expect(await rollupRows(t.bucket)).toBe(0);

    const done = await t.reader.rollups.backfill(['S1', 'S2'], START, START + 30 * D + 10 * 60_000);
    expect(done.hours).toBe(2 * (30 * 24 + 1));
    expect(await rollupRows(t.bucket)).toBe(cellsOf(old));
    await expectSameAnswers(t, 'S1', START, START + 31 * D);
    await writeBehindTheirBack(t.bucket, `reading,param=tp,station=S2 value=999,flag="N" ${START + 9 * D}`);
    const q: AggregateQuery = { stationId: 'S2', parameters: ['tp'], from: START, to: START + 30 * D, window: parseWindow('1mo'), timeZone: 'Asia/Shanghai', validOnly: true };
    expect((await t.reader.aggregate(q))[0]!.max).not.toBe(999); // answered from the backfilled rollups
  });

  it('run passes on their interval, but wait while ingest keeps the store busy (at most maxDeferMs)', async () => {
    const t = await trio(START + 5 * D);
    // The maintainer alone, over plain HTTP to the same influxd: the test decides how busy writing was.
    // Requests to influxd in flight: a pass is a run of them (tick() below waits for one still running).
    let inFlight = 0;
    const io: RollupIo = {
      async query(statements) {
        inFlight++;
        try {
          const res = await fetch(`${influx.url}/query?db=${t.bucket}&epoch=ms`, { method: 'POST', body: new URLSearchParams({ q: statements.join(';') }) });
          return ((await res.json()) as { results: StatementResult[] }).results;
        } finally {
          inFlight--;
        }
      },
      async write(lines) {
        inFlight++;
        try {
          const res = await fetch(`${influx.url}/write?db=${t.bucket}&precision=ms`, { method: 'POST', body: lines });
          expect(res.status).toBe(204);
        } finally {
          inFlight--;
        }
      },
    };
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const m = createRollupMaintainer(io, {
        instance: 'timed',
        stateFile: t.stateFile('timed'),
        intervalMs: 10_000,
        maxDeferMs: 30_000,
        now: t.clock.fn,
        logger: silentLogger(),
      });
      await m.start();
      /** What the store does around a write (its time goes to the busy measure through tick below). */
      const written = async (rs: Reading[], store?: () => Promise<void>) => {
        const ticket = await m.beforeWrite(rs);
        await store?.();
        m.afterWrite(ticket, 0);
      };
      const data = readings(9, ['S1'], START, START + D, 60 * 60_000);
      await written(data, () => t.raw.write(data));
      const tick = async (writingMs: number, waitForPass = true) => {
        m.afterWrite(0, writingMs);
        t.clock.now += 10_000;
        await vi.advanceTimersByTimeAsync(10_000);
        // The pass this tick started: 0.5 s, and longer while it still talks to influxd (seconds on a loaded 2-core
        // machine: it then failed to clear the hours in time, or was still running at the next tick, which shares
        // a running pass, one made with the old clock).
        for (let i = 0; waitForPass && m.pending > 0 && (i < 25 || inFlight > 0) && i < 1000; i++)
          await new Promise((r) => setTimeout(r, 20));
      };
      await tick(8_000); // 80 % of the interval spent writing: ingest first
      expect(m.pending).toBe(24);
      await tick(6_000);
      expect(m.pending).toBe(24);
      await tick(9_000); // still busy, but 30 s since the last pass: it runs anyway
      expect(m.pending).toBe(0);
      // Quiet, but the hours were just written: they wait until no write has touched them for 30 s (settleMs).
      await written(readings(10, ['S1'], START + D, START + 2 * D, 60 * 60_000));
      await tick(1_000);
      expect(m.pending).toBe(24);
      await tick(0);
      await tick(0);
      expect(m.pending).toBe(0);
      // An hour written again and again is not recomputed at every pass, but within maxDelayMs (10 min).
      const hour = START + 3 * D;
      for (let i = 0; i < 59; i++) {
        await written([{ stationId: 'S1', parameter: 'ph', ts: hour + i * 1000, value: 7, flag: 'N' }]);
        await tick(0, false);
      }
      expect(m.pending).toBe(1);
      await written([{ stationId: 'S1', parameter: 'ph', ts: hour + 59_000, value: 7, flag: 'N' }]);
      await tick(0); // 600 s after the first mark (a pass still publishing from the tick before may take this tick)
      if (m.pending > 0) await tick(0);
      expect(m.pending).toBe(0);
      await m.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('step aside on a server that refuses their queries: reads and writes go on, raw', async () => {
    const fake = await startFakeInflux({ version: '3.0.1', refuse: /rollup_state|rollup_coverage|SHOW MEASUREMENTS/ });
    try {
      const store = createInfluxStore({
        url: fake.url,
        bucket: 'water',
        version: 'auto',
        logger: silentLogger(),
        rollups: { writer: { instance: 'w', stateFile: path.join(dir, 'refused.json') } },
      });
      await store.start();
      await store.write(readings(11, ['S1'], START, START + 2 * H, 60 * 60_000));
      fake.requests.length = 0;
      const q: AggregateQuery = { stationId: 'S1', parameters: ['nh3n'], from: START, to: START + D, window: parseWindow('1h'), timeZone: 'Asia/Shanghai', validOnly: true };
      expect(await store.aggregate(q)).toEqual([]); // the fake answers every statement empty
      expect(fake.requests.some((r) => /FROM "reading" /.test(r.query.q ?? ''))).toBe(true);
      await store.stop();
    } finally {
      await fake.close();
    }
  });

  it('hold back a batch whose mark another batch is still saving and publishing (no write overtakes its mark)', async () => {
    // An in-memory io whose state publications wait for the test: the order of events is the point here.
    const events: string[] = [];
    let release: () => void = () => undefined;
    const io: RollupIo = {
      async query(statements) {
        return statements.map(() => ({ series: [{ name: 'x', columns: ['time', 'covered_from'], values: [[0, 0]] }] }));
      },
      async write(lines) {
        if (lines.startsWith('rollup_state') && events.includes('started')) {
          events.push('publishing');
          await new Promise<void>((r) => (release = r));
          events.push('published');
        }
      },
    };
    const c = clock(START + 5 * D);
    const m = createRollupMaintainer(io, { instance: 'race', stateFile: path.join(dir, 'race.json'), now: c.fn, logger: silentLogger() });
    await m.start();
    events.push('started');
    const late = (value: number): Reading[] => [{ stationId: 'S1', parameter: 'ph', ts: START + D, value, flag: 'N' }];
    const tickets: number[] = [];
    const a = m.beforeWrite(late(1)).then((t) => tickets.push(t) && events.push('a may write'));
    // a saves its mark, then publishes it (and waits there): waited for, not given 50 ms, which a loaded machine
    // may not give it. b is then given 50 ms to overtake, which it must not.
    await vi.waitFor(() => expect(events).toContain('publishing'), { timeout: 10_000 });
    const b = m.beforeWrite(late(2)).then((t) => tickets.push(t) && events.push('b may write'));
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual(['started', 'publishing']);
    release();
    await Promise.all([a, b]);
    expect(events).toEqual(['started', 'publishing', 'published', 'a may write', 'b may write']);
    expect(savedDirty(path.join(dir, 'race.json'), 'race').S1).toEqual([[START + D, START + D + H]]);
    // Steady state: the same hour again needs neither a save nor a publication.
    events.length = 0;
    const ticket = await m.beforeWrite(late(3));
    expect(events).toEqual([]);
    // A pass while that write is in flight leaves its hour dirty (the readings may not be stored yet)…
    expect((await m.pass()).hours).toBe(0);
    expect(m.pending).toBe(1);
    // …and recomputes it once the writes are over.
    for (const t of [...tickets, ticket]) m.afterWrite(t, 5);
    expect((await m.pass()).hours).toBe(1);
    expect(m.pending).toBe(0);
    await m.stop();
  });

  it('stop start-up with the file and what is wrong when the state file is not one', () => {
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(file, '{"hello":1}');
    expect(() =>
      createInfluxStore({ url: influx.url, bucket: 'x', version: 'auto', logger: silentLogger(), rollups: { writer: { instance: 'w', stateFile: file } } }),
    ).toThrow(/broken\.json: not a rollup state file/);
  });
});


describe('qingliu store rollup|status', () => {
  it('backfills the catalog stations, extends the coverage and says what readers answer from rollups', async () => {
    const t = await trio(Date.now());
    const old = readings(8, ['huangnidu', 'xinzha'], START, START + 3 * D, 60 * 60_000);
    await t.raw.write(old);
    const w = t.writer();
    await w.start(); // publishes a writer state; the coverage starts at the next hour
    const env = { INFLUX_URL: influx.url, INFLUX_BUCKET: t.bucket, CATALOG: 'sensors/catalog.yaml', TIMEZONE: 'Asia/Shanghai' };

    const before = await cli(['store', 'status', '--json'], env);
    expect(before.code).toBe(0);
    const status = JSON.parse(before.stdout) as { coveredFrom: number; writers: { instance: string }[] };
    expect(status.coveredFrom).toBeGreaterThan(START + 3 * D);
    expect(status.writers.map((x) => x.instance)).toEqual(['w1']);

    const run = await cli(['store', 'rollup', '--from', '2026-03-01', '--to', '2026-03-04'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^rolled up 1080 station-hours of 15 stations \(2026-02-28T16:00:00.000Z … 2026-03-03T16:00:00.000Z\)/);
    expect(await rollupRows(t.bucket)).toBe(cellsOf(old));
    // Not joined to the covered range (a gap up to now): the coverage mark stays, nothing old is trusted.
    expect((await cli(['store', 'status', '--json'], env)).stdout).toContain(`"coveredFrom":${status.coveredFrom}`);

    const joined = await cli(['store', 'rollup', '--from', 'now-300d', '--stations', 'huangnidu,xinzha'], env);
    expect(joined.code).toBe(0);
    const text = await cli(['store', 'status'], env);
    expect(text.stdout).toMatch(/answered from rollups: \d{4}-.* … \d{4}-/);
    await expectSameAnswers(t, 'huangnidu', START, START + 4 * D);

    const bad = await cli(['store', 'rollup', '--from', 'yesterday'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from: "yesterday" is not a time/);
    expect((await cli(['store', 'rollup', '--from', 'now-1d'], {})).stderr).toMatch(/INFLUX_URL is not set/);
  });
});

/** The whole storage contract, every aggregate answered after a pass, so from the rollups where they apply. */
describeReadingStoreContract('InfluxDB 1.6.7 with hourly rollups', () => {
  const store = createInfluxStore({
    url: influx.url,
    bucket: `contract_rollups_${++databases}`,
    version: 'auto',
    logger: silentLogger(),
    rollups: { writer: { instance: 'contract', stateFile: path.join(dir, `contract_${databases}.json`), intervalMs: 3_600_000 } },
  });
  opened.push(store);
  return Object.assign(Object.create(store) as InfluxStore, {
    async aggregate(q: AggregateQuery) {
      await store.rollups.pass();
      return store.aggregate(q);
    },
  });
});
