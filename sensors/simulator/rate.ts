/**
 * Load-test mode: realistic messages at a fixed rate (messages per second), stations in turn. Each station's
 * timestamps advance by `stepMs` from a start in the past chosen so that the run ends at the present: every
 * message is a distinct reading (no deduplication at the store) and none is stamped in the future.
 */
import { realSleep, type Now, type Sleep } from './clock.js';
import { dataTopic, toPayload } from './message.js';
import { createInFlightLimiter, type Publisher } from './publisher.js';
import type { Simulator } from './simulator.js';

const YEAR = 365 * 24 * 3_600_000;

export interface RateOptions {
  simulator: Simulator;
  publisher: Publisher;
  /** Messages per second. */
  rate: number;
  /** Stop after this many messages … */
  count?: number;
  /** … or after this much wall time (whichever comes first); with neither, until `signal` aborts. */
  durationMs?: number;
  stations?: readonly string[];
  /** Step between one station's messages; default its reporting interval. */
  stepMs?: number;
  /** Messages awaiting PUBACK at once. Default 256. */
  maxInFlight?: number;
  signal?: AbortSignal;
  now?: Now;
  sleep?: Sleep;
  /** Called about once a second of wall time. */
  onProgress?: (p: { messages: number; elapsedMs: number }) => void;
}

export interface RateResult {
  messages: number;
  readings: number;
  elapsedMs: number;
  /** Achieved messages per second (acknowledged). */
  perSecond: number;
  /** True when every station reached the present before the count or duration was used up. */
  exhausted: boolean;
}

export async function runAtRate(options: RateOptions): Promise<RateResult> {
  const { simulator, publisher, rate } = options;
  if (!(rate > 0)) throw new Error('rate must be positive');
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const start = now();
  const ids = options.stations ?? simulator.stations.map((s) => s.id);
  if (ids.length === 0) throw new Error('no stations to publish for');
  const planned = options.count ?? (options.durationMs !== undefined ? Math.ceil((rate * options.durationMs) / 1000) : undefined);
  // Room for dropouts and lost messages, which are skipped.
  const perStation = planned !== undefined ? Math.ceil((planned / ids.length) * 1.2) + 10 : undefined;
  const cursors = ids.map((id) => {
    const step = options.stepMs ?? simulator.intervalMs(id);
    const back = perStation !== undefined ? perStation * step : YEAR;
    return { id, step, next: simulator.nextSlot(id, start - back) };
  });
  const limiter = createInFlightLimiter(options.maxInFlight ?? 256);
  let sent = 0;
  let acked = 0;
  let readings = 0;
  let turn = 0;
  let exhausted = false;
  let lastReport = start;

  const nextMessage = () => {
    // Round robin; a station whose cursor reached the present is done.
    for (let tries = 0; tries < cursors.length * 4 && cursors.length > 0; tries += 1) {
      turn = turn % cursors.length;
      const c = cursors[turn]!;
      if (c.next > now()) {
        cursors.splice(turn, 1);
        continue;
      }
      const ts = c.next;
      c.next += c.step;
      turn += 1;
      const sample = simulator.sample(c.id, ts);
      if (sample) return sample;
    }
    return undefined;
  };

  while (!options.signal?.aborted) {
    if (options.count !== undefined && sent >= options.count) break;
    const elapsed = now() - start;
    if (options.durationMs !== undefined && elapsed >= options.durationMs) break;
    const allowed = Math.floor((elapsed * rate) / 1000) + 1;
    if (sent >= allowed) {
      await sleep(Math.max(1, ((sent * 1000) / rate) - elapsed), options.signal);
      continue;
    }
    const sample = nextMessage();
    if (!sample) {
      exhausted = true;
      break;
    }
    sent += 1;
    await limiter.run(async () => {
      await publisher.publish(dataTopic(sample.stationId), toPayload(sample, simulator.zone));
      acked += 1;
      readings += Object.keys(sample.values).length;
    });
    if (options.onProgress && now() - lastReport >= 1000) {
      lastReport = now();
      options.onProgress({ messages: acked, elapsedMs: lastReport - start });
    }
  }
  await limiter.drain();
  const elapsedMs = now() - start;
  return { messages: acked, readings, elapsedMs, perSecond: elapsedMs > 0 ? (acked * 1000) / elapsedMs : acked, exhausted };
}
