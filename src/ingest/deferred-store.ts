/**
 * Lets ingest run while the store cannot start yet (InfluxDB down when the service boots): readings go to the
 * spool and are acknowledged as usual, and every write first (re)tries `store.start()`, failing — and so being
 * retried from the spool by the forwarder — until the store comes up.
 */
import type { ReadingStore } from '../store/reading-store.js';

export type IngestStore = Pick<
  ReadingStore,
  'write' | 'writeEncoded' | 'writeDeadLetters' | 'writeLoggerData' | 'durable' | 'ping'
>;

export interface DeferredStartStore extends IngestStore {
  readonly started: boolean;
  /** Tells it that the caller started the store itself. */
  markStarted(): void;
}

export function deferredStart(store: ReadingStore): DeferredStartStore {
  let started = false;
  let starting: Promise<void> | undefined;
  const ensureStarted = async (): Promise<void> => {
    if (started) return;
    starting ??= store.start().then(
      () => {
        started = true;
      },
      (err: unknown) => {
        starting = undefined;
        throw err;
      },
    );
    await starting;
  };
  return {
    get started() {
      return started;
    },
    markStarted() {
      started = true;
    },
    async write(readings) {
      await ensureStarted();
      await store.write(readings);
    },
    // The store's fast path, when it has one.
    ...(store.writeEncoded && {
      async writeEncoded(batch) {
        await ensureStarted();
        await store.writeEncoded!(batch);
      },
    }),
    ...(store.durable && { durable: () => store.durable!() }),
    async writeDeadLetters(letters) {
      await ensureStarted();
      await store.writeDeadLetters(letters);
    },
    ...(store.writeLoggerData && {
      async writeLoggerData(values) {
        await ensureStarted();
        await store.writeLoggerData!(values);
      },
    }),
    async ping() {
      try {
        await ensureStarted();
      } catch {
        return false;
      }
      return store.ping();
    },
  };
}
