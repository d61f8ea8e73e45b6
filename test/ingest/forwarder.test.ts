import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/domain/reading.js';
import { createForwarder, type Forwarder } from '../../src/ingest/forwarder.js';
import { createSpool, type Spool } from '../../src/ingest/spool/spool.js';
import { silentLogger } from '../../src/logger.js';
import { StoreError } from '../../src/store/store-error.js';
import { createMetrics } from '../../src/metrics.js';
import { memoryStore, type MemoryStore } from './memory-store.js';
import { tempDir } from './helpers.js';

const T0 = Date.parse('2026-11-28T00:00:00Z');
const readings = (n: number, from = 0): Reading[] =>
  Array.from({ length: n }, (_, i) => ({ stationId: 'demo-01', parameter: 'do' as const, ts: T0 + (from + i) * 1000, value: 6 + (i % 10) / 10, flag: 'N' as const }));

/** Waits for a condition the code under test brings about (no fixed sleeps). */
async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Rig {
  dir: string;
  spool: Spool;
  store: MemoryStore;
  forwarder: Forwarder;
  metrics: ReturnType<typeof createMetrics>;
}

const rigs: Rig[] = [];
/** Whether the rigs' stores have the fast path `writeEncoded` (the suite runs both ways). */
let fastPath = false;
function rig(options: { batchBytes?: number; dir?: string; store?: MemoryStore } = {}): Rig {
  const dir = options.dir ?? tempDir();
  const metrics = createMetrics({ defaultMetrics: false });
  const spool = createSpool({ dir, maxBytes: 1 << 24, segmentBytes: 64 * 1024, fsyncIntervalMs: 1000, logger: silentLogger() });
  spool.open();
  const store = options.store ?? memoryStore({ encoded: fastPath });
  const forwarder = createForwarder({
    spool,
    store,
    logger: silentLogger(),
    metrics: metrics.ingest,
    quarantineFile: path.join(dir, 'quarantine.log'),
    batchBytes: options.batchBytes,
    lingerMs: 1,
    retry: { minDelayMs: 5, maxDelayMs: 20 },
    attemptsBeforeSplit: 3,
  });
  const r = { dir, spool, store, forwarder, metrics };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.forwarder.stop();
    r.spool.close();
  }
});

describe.each([
  ['write', false],
  ['writeEncoded', true],
])('forwarder, store taking batches through %s', (_name, encoded) => {
  beforeEach(() => {
    fastPath = encoded;
  });

  it('forwards appended readings and dead letters to the store and empties the spool', async () => {
    const { spool, store, forwarder, metrics } = rig();
    forwarder.start();
    spool.append(readings(100), [{ receivedAt: T0, stationId: 'x', topic: 'wq/x/data', reason: 'unknown_station', detail: '', payload: '{}' }]);
    spool.append(readings(50, 100), []);
    await forwarder.idle();
    expect(store.readings.size).toBe(150);
    expect(store.encodedWrites > 0).toBe(encoded);
    expect(store.deadLetters).toHaveLength(1);
    expect(spool.stats()).toMatchObject({ pendingBytes: 0, pendingReadings: 0 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('qingliu_ingest_readings_stored_total 150');
    expect(text).toContain('qingliu_ingest_dead_letters_stored_total 1');
  });

  it('writes in large batches, not one write per message', async () => {
    const { spool, store, forwarder } = rig({ batchBytes: 512 * 1024 });
    for (let i = 0; i < 2000; i++) spool.append(readings(9, i * 9), []);
    forwarder.start();
    await forwarder.idle();
    expect(store.readings.size).toBe(18_000);
    expect(store.writes).toBeLessThanOrEqual(3);
  });

  it('keeps readings in the spool while the store is down and drains by itself when it returns', async () => {
    const { spool, store, forwarder, metrics } = rig();
    store.down = true;
    forwarder.start();
    spool.append(readings(30), []);
    await until(() => store.failures >= 3);
    expect(store.readings.size).toBe(0);
    expect(spool.stats().pendingReadings).toBe(30);
    spool.append(readings(30, 30), []);
    store.down = false;
    await until(() => store.readings.size === 60);
    await forwarder.idle();
    expect(spool.stats().pendingBytes).toBe(0);
    expect(await metrics.registry.metrics()).toMatch(/qingliu_store_write_failures_total [3-9]/);
  });

  it('writes batches concurrently, yet a later write of the same reading (a correction) always wins', async () => {
    const { spool, store, forwarder } = rig({ batchBytes: 4096 });
    const original = { ...readings(1, 5)[0]!, value: 1 };
    const correction = { ...original, value: 2, flag: 'C' as const };
    // The first batch (with the original) is slow to write; the second (with the correction) is fast.
    store.latency = (rs) => (rs.some((r) => r.ts === original.ts && r.value === 1) ? 80 : 10);
    // Batches are ~8 KB (two reads of at least 4 KB): the correction lands in a later batch than the original.
    spool.append([...readings(5), original, ...readings(400, 6)], []);
    spool.append([correction], []);
    let concurrent = 0;
    let active = 0;
    const write = store.write;
    store.write = async (rs) => {
      concurrent = Math.max(concurrent, ++active);
      try {
        await write(rs);
      } finally {
        active--;
      }
    };
    // Another station's readings overlap nothing: their batches may go alongside.
    spool.append(readings(900, 0).map((r) => ({ ...r, stationId: 'other-01' })), []);
    forwarder.start();
    await forwarder.idle();
    expect(store.readings.get(`demo-01|do|${original.ts}`)).toEqual(correction);
    expect(concurrent).toBe(3);
  });

  it('starts a backlog of full batches together, up to three, without a turn of the event loop between them', async () => {
    // A gateway with thousands of sockets makes each turn of the loop long (bench:hj212: 100–200 ms): a turn per
    // write left the database idle while the backlog grew.
    const { spool, store, forwarder } = rig({ batchBytes: 4096 });
    spool.append(readings(1000), []); // ~9 batches
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    let startedWithinTheTurn: number | undefined;
    const write = store.write;
    store.write = async (rs) => {
      if (++started === 1) setImmediate(() => (startedWithinTheTurn = started));
      await gate;
      await write(rs);
    };
    forwarder.start();
    await until(() => startedWithinTheTurn !== undefined);
    expect(startedWithinTheTurn).toBe(3);
    expect(started).toBe(3); // and no more while they are in flight
    release();
    await forwarder.idle();
    expect(store.readings.size).toBe(1000);
  });

  it('drains a backlog into a store that answers at once without holding the event loop: at most three batches a turn', async () => {
    // SQLite answers a write within microtasks: without a turn between batches, a replayed spool would keep the
    // sockets (MQTT keep-alives, loggers, HTTP) unread until the whole backlog was written.
    const { spool, store, forwarder } = rig({ batchBytes: 4096 });
    spool.append(readings(1000), []); // ~9 batches
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const perTurn = new Map<number, number>();
    const write = store.write;
    store.write = async (rs) => {
      perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
      await write(rs);
    };
    forwarder.start();
    await forwarder.idle();
    ticking = false;
    expect(store.readings.size).toBe(1000);
    expect(perTurn.size).toBeGreaterThan(1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(3);
  });

  it('beside a write in flight sends no small batch: a steady trickle waits and goes as one batch', async () => {
    const { spool, store, forwarder } = rig();
    const write = store.write;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let active = 0;
    let concurrent = 0;
    const sizes: number[] = [];
    store.write = async (rs) => {
      concurrent = Math.max(concurrent, ++active);
      sizes.push(rs.length);
      try {
        if (sizes.length === 1) await gate; // the database is busy with the first write
        await write(rs);
      } finally {
        active--;
      }
    };
    forwarder.start();
    spool.append(readings(1), []);
    await until(() => sizes.length === 1);
    // A trickle of small messages (an HJ 212 gateway's group commits) while the first write is in flight.
    for (let i = 1; i <= 50; i++) {
      spool.append(readings(1, i), []);
      await new Promise((r) => setImmediate(r));
    }
    expect(sizes).toEqual([1]);
    release();
    await until(() => store.readings.size === 51);
    expect(sizes).toEqual([1, 50]);
    expect(concurrent).toBe(1);
  });

  it("commits a stored batch only once the store's side state is durable, while later writes go on", async () => {
    const store = memoryStore({ encoded });
    const waiting: (() => void)[] = [];
    let failures = 1;
    // A sync the disk holds back (bench:hj212 measured 0.3–0.8 s), after one that fails.
    store.durable = () => {
      if (failures-- > 0) return Promise.reject(new Error('EIO: i/o error, fdatasync'));
      return new Promise<void>((resolve) => waiting.push(resolve));
    };
    const release = () => {
      for (const resolve of waiting.splice(0)) resolve();
    };
    const { spool, forwarder } = rig({ store, batchBytes: 4096 });
    forwarder.start();
    spool.append(readings(200), []);
    await until(() => store.readings.size === 200 && waiting.length > 0);
    // Everything is written, nothing committed: a power loss now replays it all (and marks its hours again).
    expect(spool.stats().pendingReadings).toBe(200);
    spool.append(readings(50, 200), []);
    await until(() => store.readings.size === 250);
    expect(spool.stats().pendingReadings).toBe(250);
    await until(() => {
      release();
      return spool.stats().pendingReadings === 0;
    });
    await forwarder.idle();
    expect(failures).toBeLessThan(0); // the failed sync was retried
  });

  it('waits for the oldest batch to be durable when a later one is durable first, without spinning', async () => {
    // CI ran out of memory here once: a later batch's durable() resolved before the first one's, and the loop
    // raced promises that had already settled, again and again, so the first sync's callback never ran.
    const store = memoryStore({ encoded });
    const held: (() => void)[] = [];
    let calls = 0;
    store.durable = () => (calls++ === 0 ? new Promise<void>((resolve) => held.push(resolve)) : Promise.resolve());
    // A batch size that takes the first 200 readings (~6.5 KB) in one batch.
    const { spool, forwarder } = rig({ store, batchBytes: 16_384 });
    let reads = 0;
    const read = spool.read.bind(spool);
    spool.read = (bytes) => {
      if (++reads > 10_000) throw new Error('the forwarder spins: 10,000 spool reads');
      return read(bytes);
    };
    forwarder.start();
    spool.append(readings(200), []);
    await until(() => store.readings.size === 200 && calls === 1);
    spool.append(readings(50, 200), []);
    await until(() => store.readings.size === 250 && calls > 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(spool.stats().pendingReadings).toBe(250); // the first batch is not durable: nothing is committed
    for (const resolve of held.splice(0)) resolve();
    await until(() => spool.stats().pendingReadings === 0);
    await forwarder.idle();
    expect(reads).toBeLessThan(100);
  });

  it('replays what a previous run left in the spool', async () => {
    const first = rig();
    first.spool.append(readings(40), []);
    // crash before forwarding: a second process opens the same directory
    const second = rig({ dir: first.dir });
    second.forwarder.start();
    await second.forwarder.idle();
    expect(second.store.readings.size).toBe(40);
  });

  it('isolates a reading the store refuses while it answers pings, keeps it as a dead letter, and stores the rest', async () => {
    const { spool, store, forwarder, metrics } = rig();
    const bad = readings(1, 500)[0]!;
    store.refuse = (r) => r.ts === bad.ts;
    spool.append(readings(100), []);
    spool.append([bad], []);
    spool.append(readings(100, 101), []);
    forwarder.start();
    await forwarder.idle();
    expect(store.readings.size).toBe(200);
    expect(spool.stats().pendingBytes).toBe(0);
    expect(store.deadLetters).toEqual([
      expect.objectContaining({ reason: 'store_rejected', stationId: 'demo-01', payload: JSON.stringify(bad), detail: expect.stringContaining('field type conflict') }),
    ]);
    expect(await metrics.registry.metrics()).toContain('qingliu_ingest_rejected_total{reason="store_rejected"} 1');
  });

  it('splits at once on a non-retryable StoreError', async () => {
    const { spool, store, forwarder } = rig();
    const bad = readings(1, 7)[0]!;
    store.refuse = (r) => r.ts === bad.ts;
    store.refusal = () => new StoreError('reading 0 cannot be stored: value must be a finite number', { retryable: false });
    spool.append(readings(20), []);
    forwarder.start();
    await forwarder.idle();
    expect(store.readings.size).toBe(19);
    expect(store.deadLetters.map((d) => d.reason)).toEqual(['store_rejected']);
  });

  it('moves a dead letter the store refuses to quarantine.log', async () => {
    const { dir, spool, store, forwarder, metrics } = rig();
    store.refuseLetter = (d) => d.payload === 'poison';
    const letter = { receivedAt: T0, stationId: 'demo-01', topic: 'wq/demo-01/data', reason: 'malformed_json', detail: 'x', payload: 'poison' };
    spool.append(readings(10), [letter, { ...letter, payload: 'fine' }]);
    forwarder.start();
    await forwarder.idle();
    expect(store.readings.size).toBe(10);
    expect(store.deadLetters.map((d) => d.payload)).toEqual(['fine']);
    const quarantined = fs.readFileSync(path.join(dir, 'quarantine.log'), 'utf8');
    expect(quarantined).toMatch(/^# .* 400 Bad Request: field too long\nD\t\{.*"payload":"poison"\}\n$/);
    expect(await metrics.registry.metrics()).toContain('qingliu_spool_quarantined_total 1');
  });

  it('on stop, drains what it can within the time given; the rest stays in the spool', async () => {
    const { spool, store, forwarder } = rig();
    forwarder.start();
    store.down = true;
    spool.append(readings(10), []);
    await forwarder.stop({ drainMs: 50 });
    expect(store.readings.size).toBe(0);
    expect(spool.stats().pendingReadings).toBe(10);
    await forwarder.stop();
  });

  it('on stop with a reachable store, forwards everything first', async () => {
    const { spool, store, forwarder } = rig();
    forwarder.start();
    for (let i = 0; i < 50; i++) spool.append(readings(9, i * 9), []);
    await forwarder.stop({ drainMs: 5000 });
    expect(store.readings.size).toBe(450);
  });
});
