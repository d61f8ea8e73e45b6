/**
 * Publishes replayed messages. As fast as possible (each station's rows packed into array payloads, like a
 * backfill), or paced at `speed` × the original spacing, one message at a time, like live stations.
 *
 * Time shifting: `shiftTo: 'now'` moves every timestamp by one constant so that the replay ends in the present —
 * the last row is stamped with the moment it is published. Paced at speed X, row k is published when its shifted
 * timestamp is still ≤ the wall clock, so nothing is ever stamped in the future. A number moves the first row there.
 */
import { realSleep, type Now, type Sleep } from '../simulator/clock.js';
import { dataTopic, toBatches, toPayload, type StationMessage } from '../simulator/message.js';
import { createInFlightLimiter, type Publisher } from '../simulator/publisher.js';
import type { Zone } from '../simulator/zone.js';

export interface ReplayOptions {
  /** Oldest first (as `readReplayCsv` returns them). */
  messages: readonly StationMessage[];
  publisher: Publisher;
  zone: Zone;
  shiftTo?: 'now' | number;
  /** Original ms per wall ms. Undefined or Infinity: as fast as the broker takes it. */
  speed?: number;
  batchSize?: number;
  maxBatchBytes?: number;
  maxInFlight?: number;
  signal?: AbortSignal;
  now?: Now;
  sleep?: Sleep;
  onProgress?: (p: { done: number; total: number }) => void;
}

export interface ReplayResult {
  messages: number;
  readings: number;
  /** Payloads published (arrays in fast mode). */
  publishes: number;
  /** Added to every original timestamp. */
  shiftMs: number;
  /** Shifted timestamps of the first and last message. */
  first: number | undefined;
  last: number | undefined;
  elapsedMs: number;
}

export function shiftFor(messages: readonly StationMessage[], shiftTo: 'now' | number | undefined, now: number, speed: number): number {
  if (shiftTo === undefined || messages.length === 0) return 0;
  const first = messages[0]!.ts;
  const last = messages[messages.length - 1]!.ts;
  if (shiftTo !== 'now') return shiftTo - first;
  const wallSpan = Number.isFinite(speed) ? (last - first) / speed : 0;
  return Math.round(now + wallSpan - last);
}

export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const { publisher, zone } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const speed = options.speed ?? Infinity;
  if (!(speed > 0)) throw new Error('speed must be positive');
  const start = now();
  const shiftMs = shiftFor(options.messages, options.shiftTo, start, speed);
  const shifted = options.messages.map((m) => ({ ...m, ts: m.ts + shiftMs }));
  const total = shifted.length;
  const limiter = createInFlightLimiter(options.maxInFlight ?? (Number.isFinite(speed) ? 64 : 8));
  const result: ReplayResult = {
    messages: 0,
    readings: 0,
    publishes: 0,
    shiftMs,
    first: shifted[0]?.ts,
    last: shifted[total - 1]?.ts,
    elapsedMs: 0,
  };
  const count = (n: number, readings: number) => {
    result.messages += n;
    result.readings += readings;
    result.publishes += 1;
    options.onProgress?.({ done: result.messages, total });
  };

  if (!Number.isFinite(speed)) {
    const byStation = new Map<string, StationMessage[]>();
    for (const m of shifted) byStation.set(m.stationId, [...(byStation.get(m.stationId) ?? []), m]);
    const limits = { maxMessages: options.batchSize ?? 200, maxBytes: options.maxBatchBytes ?? 128 * 1024 };
    let streams = [...byStation.values()].map((list) => toBatches(list, zone, limits));
    // Stations in turn, batch by batch, as in a backfill.
    while (streams.length > 0) {
      const next: typeof streams = [];
      for (const stream of streams) {
        options.signal?.throwIfAborted();
        const item = stream.next();
        if (item.done) continue;
        next.push(stream);
        const batch = item.value;
        await limiter.run(async () => {
          await publisher.publish(batch.topic, batch.payload);
          count(batch.count, batch.readings);
        });
      }
      streams = next;
    }
  } else {
    const origin = shifted[0]?.ts ?? 0;
    for (const m of shifted) {
      if (options.signal?.aborted) break;
      const due = start + (m.ts - origin) / speed;
      while (now() < due && !options.signal?.aborted) await sleep(Math.min(due - now(), 60_000), options.signal);
      if (options.signal?.aborted) break;
      await limiter.run(async () => {
        await publisher.publish(dataTopic(m.stationId), toPayload(m, zone));
        count(1, Object.keys(m.values).length);
      });
    }
  }
  await limiter.drain();
  result.elapsedMs = now() - start;
  return result;
}
