import type { DeadLetter, Reading } from '../../src/domain/reading.js';
import type { IngestStore } from '../../src/ingest/deferred-store.js';
import { decodeEncodedReadings } from '../../src/store/encoded-readings.js';

/**
 * A stand-in for the store where the store is not the point (forwarder and pipeline unit tests): keeps
 * readings by identity like the real adapters, and can be made to fail or to refuse particular records.
 */
export interface MemoryStore extends IngestStore {
  readings: Map<string, Reading>;
  deadLetters: DeadLetter[];
  writes: number;
  /** Batches given to `writeEncoded` (the forwarder's fast path), when the store has it. */
  encodedWrites: number;
  failures: number;
  /** While true, writes reject and ping answers false (the database is down). */
  down: boolean;
  /** Writes containing a matching reading reject while ping answers true (the store refuses the record). */
  refuse?: (reading: Reading) => boolean;
  /** Like `refuse`, for dead letters. */
  refuseLetter?: (letter: DeadLetter) => boolean;
  /** The error a refusal throws; default a plain Error (whether to retry is then unknown). */
  refusal?: () => Error;
  /** Milliseconds a write of these readings takes (default: a microtask). */
  latency?: (readings: readonly Reading[]) => number;
}

export const readingKey = (r: Pick<Reading, 'stationId' | 'parameter' | 'ts'>) => `${r.stationId}|${r.parameter}|${r.ts}`;

/** `encoded`: with `writeEncoded`, like the InfluxDB adapter (it decodes, then behaves as `write`). */
export function memoryStore(options: { encoded?: boolean } = {}): MemoryStore {
  const store: MemoryStore = {
    readings: new Map(),
    deadLetters: [],
    writes: 0,
    encodedWrites: 0,
    failures: 0,
    down: false,
    async write(readings) {
      const ms = store.latency?.(readings) ?? 0;
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      else await Promise.resolve();
      if (store.down) {
        store.failures++;
        throw new Error('connect ECONNREFUSED 127.0.0.1:8086');
      }
      if (store.refuse && readings.some(store.refuse)) throw store.refusal?.() ?? new Error('400 Bad Request: partial write: field type conflict');
      store.writes++;
      for (const r of readings) store.readings.set(readingKey(r), r);
    },
    ...(options.encoded && {
      async writeEncoded(batch) {
        store.encodedWrites++;
        await store.write(decodeEncodedReadings(batch));
      },
    }),
    async writeDeadLetters(letters) {
      await Promise.resolve();
      if (store.down) throw new Error('connect ECONNREFUSED 127.0.0.1:8086');
      if (store.refuseLetter && letters.some(store.refuseLetter)) throw store.refusal?.() ?? new Error('400 Bad Request: field too long');
      store.writes++;
      store.deadLetters.push(...letters);
    },
    async ping() {
      return !store.down;
    },
  };
  return store;
}
