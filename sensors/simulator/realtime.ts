/**
 * Live publishing: each station sends one message at each of its reporting instants, as a real station does.
 * With a start in the past, the missed instants are sent first — at once, or with `speed` X at X times real
 * time — until simulated time catches up with the present; then it runs in real time. Timestamps are never in
 * the future (the ingester would reject them).
 */
import { realSleep, type Now, type Sleep } from './clock.js';
import { dataTopic, toPayload } from './message.js';
import { createInFlightLimiter, type Publisher } from './publisher.js';
import type { Sample, Simulator } from './simulator.js';

const MAX_SLEEP_MS = 60_000;

export interface RealtimeOptions {
  simulator: Simulator;
  publisher: Publisher;
  stations?: readonly string[];
  /** Simulated time starts here (exclusive); default now. Earlier: the gap is published first (see `speed`). */
  from?: number;
  /** Simulated ms per wall ms while catching up with the present; default Infinity (catch up at once). */
  speed?: number;
  /** Stop after this much wall time; default: run until `signal` aborts. */
  durationMs?: number;
  /** Messages awaiting PUBACK at once. Default 64. */
  maxInFlight?: number;
  signal?: AbortSignal;
  now?: Now;
  sleep?: Sleep;
  /** After each acknowledged message. */
  onMessage?: (sample: Sample) => void;
  /** A failed publish: counted, reported here, and the run goes on (a live station keeps trying too). */
  onError?: (err: unknown, sample: Sample) => void;
}

export interface RunResult {
  messages: number;
  readings: number;
  /** Reporting instants without a message (dropouts, lost messages). */
  dropped: number;
  failed: number;
  elapsedMs: number;
  /** Simulated time reached. */
  until: number;
}

export async function runRealtime(options: RealtimeOptions): Promise<RunResult> {
  const { simulator, publisher } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const speed = options.speed ?? Infinity;
  if (!(speed >= 1)) throw new Error('speed must be at least 1');
  const accelerated = Number.isFinite(speed);
  const wallStart = now();
  const simFrom = Math.min(options.from ?? wallStart, wallStart);
  const uncapped = () => (accelerated ? simFrom + (now() - wallStart) * speed : Infinity);
  const simNow = () => Math.min(uncapped(), now());
  const ids = options.stations ?? simulator.stations.map((s) => s.id);
  const cursors = ids.map((id) => ({ id, next: simulator.nextSlot(id, simFrom), interval: simulator.intervalMs(id) }));
  const limiter = createInFlightLimiter(options.maxInFlight ?? 64);
  const result: RunResult = { messages: 0, readings: 0, dropped: 0, failed: 0, elapsedMs: 0, until: simFrom };
  const timeUp = () => options.durationMs !== undefined && now() - wallStart >= options.durationMs;

  while (!options.signal?.aborted && !timeUp() && cursors.length > 0) {
    const t = simNow();
    let earliest = cursors[0]!;
    for (const c of cursors) if (c.next < earliest.next) earliest = c;
    if (earliest.next <= t) {
      const ts = earliest.next;
      earliest.next += earliest.interval;
      result.until = Math.max(result.until, ts);
      const sample = simulator.sample(earliest.id, ts);
      if (!sample) {
        result.dropped += 1;
        continue;
      }
      await limiter.run(async () => {
        try {
          await publisher.publish(dataTopic(sample.stationId), toPayload(sample, simulator.zone));
          result.messages += 1;
          result.readings += Object.keys(sample.values).length;
          options.onMessage?.(sample);
        } catch (err) {
          result.failed += 1;
          options.onError?.(err, sample);
        }
      });
      continue;
    }
    // Simulated time reaches `due` when both the accelerated clock and the wall clock have passed it.
    const due = earliest.next;
    let wait = accelerated ? Math.max((due - uncapped()) / speed, due - now()) : due - now();
    if (options.durationMs !== undefined) wait = Math.min(wait, wallStart + options.durationMs - now());
    await sleep(Math.min(Math.max(wait, 1), MAX_SLEEP_MS), options.signal);
  }
  await limiter.drain();
  result.elapsedMs = now() - wallStart;
  return result;
}
