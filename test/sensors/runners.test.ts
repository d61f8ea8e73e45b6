/** The runners with an in-memory publisher and a manual clock: no broker, no sleeping. */
import { describe, expect, it } from 'vitest';
import {
  CALM_SCENARIO,
  backfill,
  createInFlightLimiter,
  createSimulator,
  manualClock,
  memoryPublisher,
  runAtRate,
  runRealtime,
  toBatches,
  toPayload,
  type Publisher,
} from '../../sensors/simulator/index.js';
import { DAY, HOUR, JULY_15, testCatalog } from './fixtures.js';

interface Entry {
  ts: string;
  values: Record<string, number>;
  flags?: Record<string, string>;
}

function entries(payload: string): Entry[] {
  const parsed = JSON.parse(payload) as Entry | Entry[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

describe('messages', () => {
  const sim = createSimulator({ catalog: testCatalog, seed: 4 });

  it('follow the MQTT contract: ISO 8601 with the local offset, canonical codes, flags only when not N', () => {
    const sample = { stationId: 'outbound', ts: JULY_15 + 8 * HOUR, values: { ph: 7.31, nh3n: 0.42 }, flags: {} };
    expect(JSON.parse(toPayload(sample, sim.zone))).toEqual({ ts: '2026-07-15T08:00:00+08:00', values: { ph: 7.31, nh3n: 0.42 } });
    const flagged = { ...sample, flags: { nh3n: 'M' as const } };
    expect(JSON.parse(toPayload(flagged, sim.zone)).flags).toEqual({ nh3n: 'M' });
  });

  it('pack a station history into arrays bounded by count and bytes', () => {
    const samples = sim.samples('p1-effluent', JULY_15, JULY_15 + 10 * DAY);
    const batches = [...toBatches(samples, sim.zone, { maxMessages: 50, maxBytes: 4096 })];
    expect(batches.reduce((n, b) => n + b.count, 0)).toBe(samples.length);
    for (const b of batches) {
      expect(b.count).toBeLessThanOrEqual(50);
      expect(Buffer.byteLength(b.payload)).toBeLessThanOrEqual(4096);
      expect(b.topic).toBe('wq/p1-effluent/data');
      expect(entries(b.payload)).toHaveLength(b.count);
    }
  });
});

describe('in-flight limiter', () => {
  it('never has more than N publishes awaiting acknowledgement, and surfaces the first failure', async () => {
    const limiter = createInFlightLimiter(3);
    let current = 0;
    let peak = 0;
    for (let i = 0; i < 20; i += 1) {
      await limiter.run(async () => {
        current += 1;
        peak = Math.max(peak, current);
        await new Promise((r) => setImmediate(r));
        current -= 1;
      });
    }
    await limiter.drain();
    expect(peak).toBe(3);

    const failing = createInFlightLimiter(2);
    await failing.run(async () => {
      throw new Error('broker gone');
    });
    await expect(failing.drain()).rejects.toThrow('broker gone');
  });
});

describe('backfill', () => {
  it('publishes every message of the window once, in batches, with progress up to the total', async () => {
    const sim = createSimulator({ catalog: testCatalog, seed: 8 });
    const publisher = memoryPublisher();
    const progress: number[] = [];
    const from = JULY_15;
    const to = JULY_15 + 5 * DAY;
    const result = await backfill({ simulator: sim, publisher, from, to, batchSize: 40, onProgress: (p) => progress.push(p.done) });
    const expected = sim.stations.flatMap((s) => sim.samples(s.id, from, to));
    const received = publisher.messages.flatMap((m) => entries(m.payload).map((e) => `${m.topic} ${e.ts}`));
    expect(received.sort()).toEqual(expected.map((s) => `wq/${s.stationId}/data ${sim.zone.iso(s.ts)}`).sort());
    expect(result.messages).toBe(expected.length);
    expect(result.done).toBe(result.total);
    expect(result.messages + result.dropped).toBe(result.total);
    expect(progress.at(-1)).toBe(result.total);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('stops on a failed publish', async () => {
    const sim = createSimulator({ catalog: testCatalog });
    const broken: Publisher = { publish: async () => Promise.reject(new Error('not connected')) };
    await expect(backfill({ simulator: sim, publisher: broken, from: JULY_15, to: JULY_15 + DAY })).rejects.toThrow('not connected');
  });
});

describe('live runner', () => {
  it('publishes each station at its reporting instants, never ahead of the clock', async () => {
    const sim = createSimulator({ catalog: testCatalog, seed: 2, scenario: CALM_SCENARIO });
    const clock = manualClock(JULY_15 + 30 * 60_000);
    const published: { ts: number; at: number; station: string }[] = [];
    const publisher: Publisher = {
      async publish(topic, payload) {
        published.push({ ts: Date.parse(entries(payload)[0]!.ts), at: clock.now(), station: topic.split('/')[1]! });
      },
    };
    const result = await runRealtime({ simulator: sim, publisher, durationMs: DAY, now: clock.now, sleep: clock.sleep });
    expect(result.messages).toBe(sim.stations.reduce((n, s) => n + sim.countSlots(s.id, JULY_15 + 30 * 60_000, JULY_15 + 30 * 60_000 + DAY - 1), 0));
    for (const p of published) {
      expect(p.ts).toBeLessThanOrEqual(p.at);
      // Live: sent at (or within the clock's step of) the reporting instant.
      expect(p.at - p.ts).toBeLessThan(60_000);
    }
    expect(published.filter((p) => p.station === 'outbound')).toHaveLength(6);
  });

  it('catches up from the past at `speed` × real time, then runs live', async () => {
    const sim = createSimulator({ catalog: testCatalog, seed: 2, scenario: CALM_SCENARIO, incidents: [] });
    const start = JULY_15;
    const clock = manualClock(start);
    const seen: { ts: number; at: number }[] = [];
    const publisher: Publisher = {
      async publish(_topic, payload) {
        seen.push({ ts: Date.parse(entries(payload)[0]!.ts), at: clock.now() });
      },
    };
    // Two days of history at 3600×: 48 s of wall time to catch up, then 1 h live.
    await runRealtime({ simulator: sim, publisher, stations: ['p1-effluent'], from: start - 2 * DAY, speed: 3600, durationMs: HOUR + 48_000, now: clock.now, sleep: clock.sleep });
    expect(seen).toHaveLength(49);
    for (const s of seen) expect(s.ts).toBeLessThanOrEqual(s.at);
    const history = seen.filter((s) => s.ts <= start);
    expect(history).toHaveLength(48);
    // The 24th hourly message of the history goes out about 24 s into the run.
    expect(Math.abs(history[23]!.at - start - 24_000)).toBeLessThan(1500);
  });
});

describe('rate runner', () => {
  it('publishes at the configured rate, distinct readings, none in the future', async () => {
    const sim = createSimulator({ catalog: testCatalog, seed: 6 });
    const clock = manualClock(JULY_15);
    const publisher = memoryPublisher();
    const result = await runAtRate({ simulator: sim, publisher, rate: 200, count: 1000, now: clock.now, sleep: clock.sleep });
    expect(result.messages).toBe(1000);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(4_900);
    expect(result.elapsedMs).toBeLessThanOrEqual(5_100);
    const keys = publisher.messages.map((m) => `${m.topic} ${entries(m.payload)[0]!.ts}`);
    expect(new Set(keys).size).toBe(1000);
    for (const m of publisher.messages) expect(Date.parse(entries(m.payload)[0]!.ts)).toBeLessThanOrEqual(JULY_15);
  });
});
