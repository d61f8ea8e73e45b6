/**
 * The InfluxDB store's write thread (src/store/influx/write-thread.ts, docs/adr/0018) with the real forwarder,
 * spool and influxd 1.6.7: writes land, a batch is committed only once influxd has it, a thread that dies loses
 * nothing, a graceful stop drains, and 2.x/3.x get the same write endpoint as without the thread.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Reading } from '../../../src/domain/reading.js';
import { createForwarder, type Forwarder } from '../../../src/ingest/forwarder.js';
import { createSpool, type Spool } from '../../../src/ingest/spool/spool.js';
import { silentLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { encodeReadings } from '../../../src/store/encoded-readings.js';
import { createInfluxStore, type InfluxStore, type InfluxStoreOptions } from '../../../src/store/influx/influx-store.js';
import { startInfluxd, type Influxd } from '../../harness/influxd.js';
import { memoryLogger, tempDir } from '../../ingest/helpers.js';
import { startFakeInflux, type FakeInflux } from '../fake-influx.js';

const T0 = Date.parse('2026-11-28T00:00:00Z');
const readings = (n: number, station = 'S1'): Reading[] =>
  Array.from({ length: n }, (_, i) => ({
    stationId: `${station}-${i % 50}`,
    parameter: 'nh3n' as const,
    ts: T0 + Math.floor(i / 50) * 1000,
    value: 0.5 + (i % 7) / 100,
    flag: 'N' as const,
  }));

let influx: Influxd;
let databases = 0;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  influx = await startInfluxd();
});
afterEach(async () => {
  influx.resume();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await influx?.dispose();
});

function store(overrides: Partial<InfluxStoreOptions> = {}): InfluxStore {
  const s = createInfluxStore({
    url: influx.url,
    bucket: `thread_${++databases}`,
    version: 'auto',
    logger: silentLogger(),
    writeThread: true,
    ...overrides,
  });
  cleanups.push(() => s.stop());
  return s;
}

async function count(db: string): Promise<number> {
  const q = encodeURIComponent('SELECT count("value") FROM "reading"');
  const res = (await (await fetch(`${influx.url}/query?db=${db}&q=${q}`)).json()) as {
    results: { series?: { values: [string, number][] }[] }[];
  };
  return res.results[0]!.series?.[0]!.values[0]![1] ?? 0;
}

interface Rig {
  spool: Spool;
  forwarder: Forwarder;
  metrics: ReturnType<typeof createMetrics>;
}

function rig(s: InfluxStore): Rig {
  const dir = tempDir();
  const metrics = createMetrics({ defaultMetrics: false });
  const spool = createSpool({ dir, maxBytes: 1 << 26, fsyncIntervalMs: 1000, logger: silentLogger() });
  spool.open();
  const forwarder = createForwarder({
    spool,
    store: s,
    logger: silentLogger(),
    metrics: metrics.ingest,
    quarantineFile: path.join(dir, 'quarantine.log'),
    batchBytes: 64 * 1024,
    lingerMs: 1,
    retry: { minDelayMs: 5, maxDelayMs: 50 },
    attemptsBeforeSplit: 3,
  });
  cleanups.push(async () => {
    await forwarder.stop();
    spool.close();
  });
  return { spool, forwarder, metrics };
}

const stored = async (r: Rig) => (await r.metrics.registry.getSingleMetric('qingliu_ingest_readings_stored_total')!.get()).values[0]!.value;

describe('InfluxDB write thread, real influxd 1.6.7', () => {
  it('writes a batch through the thread: every reading lands, as line protocol built there', async () => {
    const s = store();
    await s.start();
    expect(s.writeThread?.usable).toBe(true);
    await s.writeEncoded!(encodeReadings(readings(3000)));
    expect(await count(`thread_${databases}`)).toBe(3000);
    expect(s.writeThread?.exits).toBe(0);
  });

  it('commits a spool batch only once influxd has it; a thread killed mid-write loses nothing', async () => {
    const exits = vi.fn();
    const s = store({ writeThread: { onExit: exits } });
    await s.start();
    const r = rig(s);
    influx.pause();
    r.spool.append(readings(5000), []);
    r.forwarder.start();
    // The write is in the thread, waiting for a frozen influxd: nothing is committed.
    await vi.waitFor(() => expect(s.writeThread!.pending).toBeGreaterThan(0), { timeout: 10_000 });
    expect(r.spool.stats().pendingReadings).toBe(5000);
    await s.writeThread!.terminate();
    expect(exits).toHaveBeenCalledTimes(1);
    expect(r.spool.stats().pendingReadings).toBe(5000);
    influx.resume();
    await r.forwarder.idle();
    expect(r.spool.stats().pendingReadings).toBe(0);
    expect(await count(`thread_${databases}`)).toBe(5000);
    expect(await stored(r)).toBe(5000);
    // A new thread took over.
    expect(s.writeThread!.usable).toBe(true);
    expect(s.writeThread!.exits).toBe(1);
  });

  it('a backlog goes to influxd three batches at a time: all three wait on a frozen influxd, none is committed', async () => {
    const s = store();
    await s.start();
    const r = rig(s);
    influx.pause();
    r.spool.append(readings(20_000), []); // ~12 batches of 64 KiB, each station's times in order: none overlaps
    r.forwarder.start();
    let most = 0;
    await vi.waitFor(
      () => {
        most = Math.max(most, s.writeThread!.pending);
        expect(s.writeThread!.pending).toBe(3);
      },
      { timeout: 10_000, interval: 1 },
    );
    expect(r.spool.stats().pendingReadings).toBe(20_000);
    influx.resume();
    await r.forwarder.idle();
    expect(most).toBe(3);
    expect(await count(`thread_${databases}`)).toBe(20_000);
    expect(await stored(r)).toBe(20_000);
  });

  it('after too many deaths writes in the main thread, and says so', async () => {
    const { logger, lines } = memoryLogger();
    const s = store({ writeThread: { maxExits: 1 }, logger });
    await s.start();
    await s.writeThread!.terminate();
    await vi.waitFor(() => expect(s.writeThread!.usable).toBe(false));
    expect(lines().some((l) => String(l.msg).includes('writing readings in the main thread'))).toBe(true);
    await s.writeEncoded!(encodeReadings(readings(500)));
    expect(await count(`thread_${databases}`)).toBe(500);
  });

  it('only deaths within a minute of each other count towards the fallback (injected clock)', async () => {
    let now = 0;
    const s = store({ writeThread: { maxExits: 2, now: () => now } });
    await s.start();
    const die = async () => {
      const before = s.writeThread!.exits;
      await s.writeEncoded!(encodeReadings(readings(10))); // a thread is running (a new one after a death)
      await s.writeThread!.terminate();
      await vi.waitFor(() => expect(s.writeThread!.exits).toBe(before + 1));
    };
    await die();
    now += 61_000;
    await die();
    expect(s.writeThread!.usable).toBe(true);
    now += 59_000;
    await die();
    expect(s.writeThread!.usable).toBe(false);
  });

  it('a record influxd refuses for good is isolated as a dead letter; the rest is stored', async () => {
    const s = store();
    await s.start();
    const db = `thread_${databases}`;
    // `value` as a string in another week's shard first: a float there is a type conflict (HTTP 400).
    const later = T0 + 30 * 86_400_000;
    const res = await fetch(`${influx.url}/write?db=${db}&precision=ms`, {
      method: 'POST',
      body: `reading,param=nh3n,station=X value="x",flag="N" ${later}`,
    });
    expect(res.status).toBe(204);
    const r = rig(s);
    r.spool.append([...readings(199), { stationId: 'X', parameter: 'nh3n', ts: later + 1000, value: 1, flag: 'N' }], []);
    r.forwarder.start();
    await r.forwarder.idle();
    const q = encodeURIComponent(`SELECT count("value") FROM "reading" WHERE time < ${T0 + 86_400_000}ms`);
    const res2 = (await (await fetch(`${influx.url}/query?db=${db}&q=${q}`)).json()) as {
      results: { series: { values: [string, number][] }[] }[];
    };
    expect(res2.results[0]!.series[0]!.values[0]![1]).toBe(199);
    expect((await s.deadLetters({ limit: 10 })).map((d) => [d.reason, d.stationId])).toEqual([['store_rejected', 'X']]);
    expect(await stored(r)).toBe(199);
  });

  it('a graceful stop drains the spool through the thread', async () => {
    const s = store();
    await s.start();
    const r = rig(s);
    for (let i = 0; i < 20; i++) r.spool.append(readings(500, `P${i}`), []);
    r.forwarder.start();
    await r.forwarder.stop({ drainMs: 30_000 });
    expect(r.spool.stats().pendingReadings).toBe(0);
    expect(await count(`thread_${databases}`)).toBe(10_000);
  });
});

describe('InfluxDB write thread, 2.x and 3.x endpoints (loopback imitation)', () => {
  let fake: FakeInflux | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it.each([
    ['2.x', 'v2.7.11', { org: 'qingliu', bucket: 'water', precision: 'ms' }],
    ['3.x', '3.0.1', { bucket: 'water', precision: 'ms' }],
  ])('%s: the same write endpoint and token as without the thread', async (_name, version, query) => {
    fake = await startFakeInflux({ version, dbrpExists: true, authorization: 'Token tk' });
    const s = createInfluxStore({
      url: fake.url,
      token: 'tk',
      org: 'qingliu',
      bucket: 'water',
      version: 'auto',
      logger: silentLogger(),
      writeThread: true,
    });
    cleanups.push(() => s.stop());
    await s.start();
    fake.requests.length = 0;
    await s.writeEncoded!(encodeReadings(readings(2).map((x) => ({ ...x, ts: 1_767_196_800_000 }))));
    const write = fake.requests.find((q) => q.method === 'POST')!;
    expect(write.path).toBe('/api/v2/write');
    expect(write.query).toEqual(query);
    expect(write.headers.authorization).toBe('Token tk');
    expect(write.body).toBe(
      'reading,param=nh3n,station=S1-0 value=0.5,flag="N" 1767196800000\nreading,param=nh3n,station=S1-1 value=0.51,flag="N" 1767196800000',
    );
  });
});
