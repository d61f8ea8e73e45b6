/**
 * Accelerated time: a station history (e.g. the last 30 days) published as fast as the broker takes it, each
 * station's messages packed into JSON arrays, with a bounded number of batches awaiting their PUBACK.
 */
import { toBatches, type StationMessage } from './message.js';
import { createInFlightLimiter, type Publisher } from './publisher.js';
import type { Simulator } from './simulator.js';

export interface BackfillProgress {
  /** Reporting instants handled so far (published, or skipped as a dropout). */
  done: number;
  total: number;
  /** Messages (array entries) acknowledged by the broker. */
  messages: number;
  readings: number;
  batches: number;
}

export interface BackfillOptions {
  simulator: Simulator;
  publisher: Publisher;
  /** History in (from, to], epoch ms. */
  from: number;
  to: number;
  /** Station ids; default every station of the catalog. */
  stations?: readonly string[];
  /** Messages per array payload. Default 200. */
  batchSize?: number;
  /** Upper bound of one payload in bytes. Default 128 KiB (the ingester accepts 256 KiB by default). */
  maxBatchBytes?: number;
  /** Batches awaiting PUBACK at once. Default 8. */
  maxInFlight?: number;
  /** Called after every acknowledged batch (throttle the display yourself), and once at the end. */
  onProgress?: (progress: BackfillProgress) => void;
  signal?: AbortSignal;
  /** Clock for `elapsedMs`. */
  now?: () => number;
}

export interface BackfillResult extends BackfillProgress {
  elapsedMs: number;
  /** Reporting instants without a message (dropouts, lost messages). */
  dropped: number;
}

/**
 * Publishes the history. Stations are interleaved batch by batch, so during a long backfill every station's
 * history grows together (the dashboard fills evenly). Resolves when every batch is acknowledged; rejects on
 * the first failed publish or when `signal` aborts.
 */
export async function backfill(options: BackfillOptions): Promise<BackfillResult> {
  const { simulator, publisher, from, to } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const ids = options.stations ?? simulator.stations.map((s) => s.id);
  const batchSize = options.batchSize ?? 200;
  const limits = { maxMessages: batchSize, maxBytes: options.maxBatchBytes ?? 128 * 1024 };
  const limiter = createInFlightLimiter(options.maxInFlight ?? 8);
  const total = ids.reduce((n, id) => n + simulator.countSlots(id, from, to), 0);
  const progress: BackfillProgress = { done: 0, total, messages: 0, readings: 0, batches: 0 };
  let dropped = 0;

  // One lazy stream per station: slots → samples → batches; `slotsSeen` counts slots consumed, dropouts included.
  const streams = ids.map((id) => {
    const state = { slotsSeen: 0 };
    function* messages(): Generator<StationMessage> {
      for (const ts of simulator.slots(id, from, to)) {
        state.slotsSeen += 1;
        const sample = simulator.sample(id, ts);
        if (sample) yield sample;
        else dropped += 1;
      }
    }
    return { state, batches: toBatches(messages(), simulator.zone, limits), reported: 0 };
  });

  let active = streams;
  while (active.length > 0) {
    const next: typeof streams = [];
    for (const stream of active) {
      options.signal?.throwIfAborted();
      const item = stream.batches.next();
      if (item.done) {
        // Trailing dropouts produce no batch; count their slots as done.
        progress.done += stream.state.slotsSeen - stream.reported;
        stream.reported = stream.state.slotsSeen;
        continue;
      }
      next.push(stream);
      const batch = item.value;
      const slots = stream.state.slotsSeen - stream.reported;
      stream.reported = stream.state.slotsSeen;
      await limiter.run(async () => {
        await publisher.publish(batch.topic, batch.payload);
        progress.done += slots;
        progress.messages += batch.count;
        progress.readings += batch.readings;
        progress.batches += 1;
        options.onProgress?.({ ...progress });
      });
    }
    active = next;
  }
  await limiter.drain();
  options.onProgress?.({ ...progress });
  return { ...progress, dropped, elapsedMs: now() - started };
}
