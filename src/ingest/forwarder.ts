/**
 * Moves the spool into the store in large batches: read from the spool's cursor, `store.write` (resolves only
 * when durable), then commit, which advances the checkpoint and deletes drained segments.
 *
 * While the store is down the log grows and this loop retries with exponential backoff, so the backlog drains
 * by itself when the store returns. A batch the store refuses for good (a non-retryable StoreError), or keeps
 * refusing *while it answers pings*, is split in halves until the refused record is isolated, so one bad
 * record never blocks everything behind it: a refused reading becomes a `store_rejected` dead letter, and a
 * refused dead letter goes to `quarantine.log` in the spool directory (kept, logged, counted).
 */
import type { LoggerValue } from '../domain/logger-data.js';
import type { DeadLetter, Reading } from '../domain/reading.js';
import type { Logger } from '../logger.js';
import { appendPrivateSync } from '../fs/private-files.js';
import type { IngestMetrics } from '../metrics.js';
import { decodeEncodedReadings, runsOf, type EncodedReadings } from '../store/encoded-readings.js';
import type { ReadingStore } from '../store/reading-store.js';
import { isStoreError, StoreError } from '../store/store-error.js';
import { encodeRecords } from './spool/spool-codec.js';
import type { Spool, SpoolBatch } from './spool/spool.js';

export interface ForwarderOptions {
  spool: Spool;
  /** With `writeEncoded`, batches go to the store as the spool's bytes; otherwise as Reading objects. */
  store: Pick<ReadingStore, 'write' | 'writeEncoded' | 'writeDeadLetters' | 'writeLoggerData' | 'durable' | 'ping'>;
  logger: Logger;
  metrics: IngestMetrics;
  /** Where records the store refuses for good are kept. */
  quarantineFile: string;
  /** Bytes of spool per store write; ~40 bytes a reading, so the default is ~12,000 readings. */
  batchBytes?: number;
  /** After a quiet spell, wait this long for more messages before writing (bigger batches at light load). */
  lingerMs?: number;
  retry?: { minDelayMs: number; maxDelayMs: number };
  /** Failed attempts, while the store answers pings, before a batch is split to find a refused record. */
  attemptsBeforeSplit?: number;
  /**
   * Batches written at the same time (default 3). Two keep the database busy while the next is prepared; the third
   * covers the time a busy event loop takes to notice that a write ended (bench:hj212: 2,000 loggers make each turn
   * of the loop 100–200 ms long, and with two the database sat idle in between while the backlog grew).
   */
  maxInFlight?: number;
}

export interface Forwarder {
  start(): void;
  /**
   * Stops the loop. With `drainMs` > 0 it first forwards what is in the spool, for at most that long; what is
   * left stays in the spool for the next start. Safe to call twice.
   */
  stop(options?: { drainMs?: number }): Promise<void>;
  /** Resolves when everything appended so far has been stored (for tests and the benchmark). */
  idle(): Promise<void>;
}

/**
 * Per station, the earliest and latest reading time in a batch. Stations are told apart by a hash of their id's
 * bytes: two stations with the same hash count as one, which can only make a batch wait when it need not.
 */
interface Spans {
  index: Map<number, number>;
  min: number[];
  max: number[];
}

function spansOf(batch: EncodedReadings): Spans {
  const spans: Spans = { index: new Map(), min: [], max: [] };
  const runs = runsOf(batch);
  for (let r = 0; r < runs.length; r++) {
    const hash = runs.stationHash[r]!;
    const ts = runs.ts[r]!;
    const k = spans.index.get(hash);
    if (k === undefined) {
      spans.index.set(hash, spans.min.length);
      spans.min.push(ts);
      spans.max.push(ts);
    } else if (ts < spans.min[k]!) spans.min[k] = ts;
    else if (ts > spans.max[k]!) spans.max[k] = ts;
  }
  return spans;
}

/** True when two batches may hold the same reading (same station, intersecting time spans). */
function overlap(a: Spans, b: Spans): boolean {
  const [small, large] = a.index.size <= b.index.size ? [a, b] : [b, a];
  for (const [station, i] of small.index) {
    const j = large.index.get(station);
    if (j !== undefined && small.min[i]! <= large.max[j]! && large.min[j]! <= small.max[i]!) return true;
  }
  return false;
}

interface Records {
  /** As read from the spool; as objects once they had to be decoded (a store without `writeEncoded`, a split). */
  readings: EncodedReadings | Reading[];
  deadLetters: DeadLetter[];
  /** HJ 212 logger data (docs/adr/0012-logger-aggregates.md); absent = none. */
  loggerData?: LoggerValue[];
}

interface DecodedRecords {
  readings: Reading[];
  deadLetters: DeadLetter[];
  loggerData?: LoggerValue[];
}

function decoded(records: Records): DecodedRecords {
  const { readings, deadLetters, loggerData } = records;
  return Array.isArray(readings)
    ? { readings, deadLetters, loggerData }
    : { readings: decodeEncodedReadings(readings), deadLetters, loggerData };
}

const readingCount = (records: Records) =>
  Array.isArray(records.readings) ? records.readings.length : records.readings.count;

export function createForwarder(options: ForwarderOptions): Forwarder {
  const { spool, store, metrics } = options;
  const log = options.logger.child({ component: 'forwarder' });
  const batchBytes = options.batchBytes ?? 512 * 1024;
  const lingerMs = options.lingerMs ?? 5;
  const retry = options.retry ?? { minDelayMs: 200, maxDelayMs: 5_000 };
  const attemptsBeforeSplit = options.attemptsBeforeSplit ?? 5;
  const maxInFlight = Math.max(1, options.maxInFlight ?? 3);
  const abort = new AbortController();
  let draining = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let unsubscribe: (() => void) | undefined;
  let idleWaiters: (() => void)[] = [];
  let failingSince: number | undefined;

  const aborted = new Promise<void>((resolve) =>
    abort.signal.addEventListener('abort', () => resolve(), { once: true }),
  );

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (abort.signal.aborted) return resolve();
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        abort.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  function waitForAppend(): Promise<void> {
    return new Promise((resolve) => {
      wake = resolve;
    });
  }

  async function timed(write: () => Promise<void>): Promise<boolean> {
    const end = metrics.storeWriteDuration.startTimer();
    // A write cannot be cancelled; on a hard stop we stop waiting for it (its batch stays in the spool).
    const outcome = await Promise.race([write().then(() => 'done' as const), aborted.then(() => 'aborted' as const)]);
    end();
    return outcome === 'done';
  }

  async function safePing(): Promise<boolean> {
    try {
      return await store.ping();
    } catch {
      return false;
    }
  }

  function quarantine(records: DecodedRecords, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    log.error(
      { err, deadLetters: records.deadLetters.length, file: options.quarantineFile },
      'the store refuses a dead letter; moved to quarantine',
    );
    appendPrivateSync(
      options.quarantineFile,
      `# ${new Date().toISOString()} ${message.replace(/\n/g, ' ')}\n${encodeRecords(records.readings, records.deadLetters, records.loggerData)}`,
    );
    metrics.spoolQuarantined.inc(records.readings.length + records.deadLetters.length);
  }

  /** A reading the store will not take is kept as a dead letter, like any other reading we cannot store. */
  function rejectedReading(reading: Reading, err: unknown): DeadLetter {
    const message = err instanceof Error ? err.message : String(err);
    log.error({ err, reading }, 'the store refuses a reading; kept as a dead letter');
    metrics.rejected.inc({ reason: 'store_rejected' });
    return {
      receivedAt: Date.now(),
      stationId: reading.stationId,
      topic: `wq/${reading.stationId}/data`,
      reason: 'store_rejected',
      detail: `the store refused the reading: ${message}`,
      payload: JSON.stringify(reading),
    };
  }

  /** A logger value the store will not take is kept as a dead letter too. */
  function rejectedLoggerValue(value: LoggerValue, err: unknown): DeadLetter {
    const message = err instanceof Error ? err.message : String(err);
    log.error({ err, value }, 'the store refuses a logger value; kept as a dead letter');
    metrics.rejected.inc({ reason: 'store_rejected' });
    return {
      receivedAt: Date.now(),
      stationId: value.stationId,
      topic: `hj212/${value.stationId}`,
      reason: 'store_rejected',
      detail: `the store refused the logger value: ${message}`,
      payload: JSON.stringify(value),
    };
  }

  function halves(records: DecodedRecords): Records[] {
    const loggerData = records.loggerData ?? [];
    if (loggerData.length > 0) {
      // Logger data on its own first; then halved like the rest.
      if (records.readings.length > 0 || records.deadLetters.length > 0)
        return [
          { readings: records.readings, deadLetters: records.deadLetters },
          { readings: [], deadLetters: [], loggerData },
        ];
      const mid = loggerData.length >> 1;
      return [
        { readings: [], deadLetters: [], loggerData: loggerData.slice(0, mid) },
        { readings: [], deadLetters: [], loggerData: loggerData.slice(mid) },
      ];
    }
    const { readings, deadLetters } = records;
    if (readings.length > 0 && deadLetters.length > 0)
      return [
        { readings, deadLetters: [] },
        { readings: [], deadLetters },
      ];
    const mid = (readings.length || deadLetters.length) >> 1;
    return readings.length > 0
      ? [
          { readings: readings.slice(0, mid), deadLetters: [] },
          { readings: readings.slice(mid), deadLetters: [] },
        ]
      : [
          { readings: [], deadLetters: deadLetters.slice(0, mid) },
          { readings: [], deadLetters: deadLetters.slice(mid) },
        ];
  }

  /** Writes the records, retrying until they are stored; false only when stopped hard. */
  async function deliver(batch: Records): Promise<boolean> {
    let records = batch;
    const count = readingCount(records);
    for (let attempt = 1; ; attempt++) {
      if (abort.signal.aborted) return false;
      try {
        if (count > 0) {
          const { readings } = records;
          let write: () => Promise<void>;
          if (Array.isArray(readings)) write = () => store.write(readings);
          else if (store.writeEncoded) write = () => store.writeEncoded!(readings);
          else {
            // A store without the fast path: decode once, for every attempt.
            const objects = decodeEncodedReadings(readings);
            records = { readings: objects, deadLetters: records.deadLetters, loggerData: records.loggerData };
            write = () => store.write(objects);
          }
          if (!(await timed(write))) return false;
          metrics.readingsStored.inc(count);
        }
        if (records.deadLetters.length > 0) {
          if (!(await timed(() => store.writeDeadLetters(records.deadLetters)))) return false;
          metrics.deadLettersStored.inc(records.deadLetters.length);
        }
        const loggerData = records.loggerData ?? [];
        if (loggerData.length > 0) {
          if (!store.writeLoggerData)
            throw new StoreError('this store does not keep HJ 212 logger data', { retryable: false });
          if (!(await timed(() => store.writeLoggerData!(loggerData)))) return false;
        }
        if (failingSince !== undefined) {
          log.info({ downForMs: Date.now() - failingSince }, 'store writes succeed again; draining the spool');
          failingSince = undefined;
        }
        return true;
      } catch (err) {
        metrics.storeWriteFailures.inc();
        const permanent = isStoreError(err) && !err.retryable;
        // Shutting down: no point waiting for a store that fails; the spool keeps the rest for the next start.
        if (draining && !permanent) {
          log.warn(
            { err: (err as Error).message, pending: spool.stats() },
            'store write failed while stopping; the rest stays in the spool',
          );
          return false;
        }
        if (!permanent) {
          if (failingSince === undefined) {
            failingSince = Date.now();
            log.warn({ err, pending: spool.stats() }, 'store write failed; readings stay in the spool and are retried');
          } else if (attempt % 10 === 0) {
            log.warn({ err: (err as Error).message, attempt, pending: spool.stats() }, 'store write still failing');
          }
        }
        if (permanent || (attempt >= attemptsBeforeSplit && (await safePing()))) {
          const split = decoded(records);
          const { readings, deadLetters } = split;
          const logged = split.loggerData ?? [];
          if (logged.length === 1 && readings.length === 0 && deadLetters.length === 0)
            return deliver({ readings: [], deadLetters: [rejectedLoggerValue(logged[0]!, err)] });
          if (logged.length > 0) {
            for (const half of halves(split)) if (!(await deliver(half))) return false;
            return true;
          }
          if (readings.length === 1 && deadLetters.length === 0)
            return deliver({ readings: [], deadLetters: [rejectedReading(readings[0]!, err)] });
          if (readings.length === 0 && deadLetters.length === 1) {
            quarantine(split, err);
            return true;
          }
          for (const half of halves(split)) if (!(await deliver(half))) return false;
          return true;
        }
        await sleep(Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** Math.min(attempt - 1, 20)));
      }
    }
  }

  function settleIdle(): void {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Resolves once the store's side state for the writes so far survives a power loss (`store.durable`); retried
   * while it fails (a disk error of DATA_DIR): until then the batch stays in the spool. False when stopped hard.
   */
  async function durable(): Promise<boolean> {
    if (!store.durable) return true;
    for (let attempt = 1; !abort.signal.aborted; attempt++) {
      try {
        await store.durable();
        return true;
      } catch (err) {
        if (attempt === 1 || attempt % 10 === 0)
          log.warn({ err, attempt }, "the store's side state cannot be synced to disk; its batches stay in the spool");
        await sleep(Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** Math.min(attempt - 1, 20)));
      }
    }
    return false;
  }

  async function run(): Promise<void> {
    // Up to `maxInFlight` batches are written at once (our CPU work overlaps the database's); the checkpoint
    // only ever moves over the longest prefix of stored batches, so a crash replays from the oldest unstored one.
    // A stored batch is committed once `durable` says so too; meanwhile the next writes go on (the store's sync
    // can take a second when the disk is busy, bench:hj212), holding at most `maxHeld` batches in memory.
    const inFlight: {
      batch: SpoolBatch;
      spans: Spans;
      stored: boolean;
      committable: boolean;
      /** The write ended (true: stored). */
      settled: Promise<boolean>;
      /** …and the store's side state is durable (or the batch failed). */
      done: Promise<void>;
    }[] = [];
    const maxHeld = maxInFlight * 4;
    let failed = false;
    let quiet = true;
    const writing = () => inFlight.filter((f) => !f.stored);
    const commitStored = () => {
      while (inFlight[0]?.committable) spool.commit(inFlight.shift()!.batch);
    };
    /**
     * Waits for a write to end or — when none is in flight — for the oldest stored batch to become committable
     * or for new records to read. Only the oldest: a later batch's sync may end first, and racing a promise that
     * has settled resolves at once, so the loop would spin without ever letting the oldest sync's I/O finish.
     */
    const waitForOne = async () => {
      const pending = writing();
      if (pending.length > 0) await Promise.race(pending.map((f) => f.settled));
      else if (inFlight.length > 0) await Promise.race([inFlight[0]!.done, waitForAppend()]);
      commitStored();
    };
    while (!abort.signal.aborted && !failed) {
      if (writing().length >= maxInFlight || (inFlight.length >= maxHeld && !inFlight[0]!.committable)) {
        if (inFlight.length >= maxHeld) await inFlight[0]!.done;
        else await waitForOne();
        commitStored();
        continue;
      }
      // Beside a write in flight, another only with a full batch. Under a steady stream (an HJ 212 gateway
      // answering thousands of loggers) the spool always holds a little: sent at once, it went as a train of small
      // writes, each a request the database pays for, and the store fell far behind. Waiting for the write in
      // flight lets the next batch grow for as long as the database takes (bench:hj212, docs/benchmarks.md).
      if (writing().length > 0 && spool.unreadBytes() < batchBytes) {
        await waitForOne();
        continue;
      }
      if (quiet && !draining && lingerMs > 0 && inFlight.length === 0) await sleep(lingerMs);
      const batch = spool.read(batchBytes);
      if (!batch) {
        if (inFlight.length > 0) {
          await waitForOne();
          continue;
        }
        settleIdle();
        if (draining) return;
        quiet = true;
        await waitForAppend();
        continue;
      }
      quiet = false;
      if (batch.corrupt > 0) {
        metrics.spoolCorruptLines.inc(batch.corrupt);
        log.warn({ lines: batch.corrupt }, 'skipped spool lines that do not decode (a write torn by a power loss?)');
      }
      // A later write of the same reading (a correction) must land after the earlier one: a batch that may
      // hold one waits for the batches in flight that it overlaps.
      const spans = spansOf(batch.encoded);
      while (writing().some((f) => overlap(f.spans, spans)) && !abort.signal.aborted && !failed) await waitForOne();
      if (abort.signal.aborted || failed) break;
      const entry: (typeof inFlight)[number] = {
        batch,
        spans,
        stored: false,
        committable: false,
        settled: Promise.resolve(false),
        done: Promise.resolve(),
      };
      entry.settled = deliver({
        readings: batch.encoded,
        deadLetters: batch.deadLetters,
        loggerData: batch.loggerData,
      }).then((ok) => {
        entry.stored = true;
        if (!ok) failed = true;
        return ok;
      });
      entry.done = entry.settled
        .then((ok) => ok && durable())
        .then((ok) => {
          entry.committable = ok;
          if (!ok) failed = true;
        });
      inFlight.push(entry);
      // A backlog of full batches goes out together: waiting a turn of the event loop before each one (below)
      // costs a whole turn per write when thousands of sockets make a turn long, and the backlog grows meanwhile.
      if (writing().length < maxInFlight && spool.unreadBytes() >= batchBytes) continue;
      // Otherwise let the sockets be read between batches, even when the store answers synchronously.
      await new Promise((resolve) => setImmediate(resolve));
      commitStored();
    }
  }

  return {
    start() {
      if (loop) return;
      unsubscribe = spool.onAppend(() => {
        const resolve = wake;
        wake = undefined;
        resolve?.();
      });
      loop = run().catch((err) => {
        // Reading the spool failed (disk error): nothing is lost, it is all still on disk; say so loudly.
        log.fatal({ err }, 'the forwarder stopped; readings stay in the spool until a restart');
      });
    },

    async stop(stopOptions = {}) {
      const drainMs = stopOptions.drainMs ?? 0;
      if (!loop) return;
      draining = true;
      unsubscribe?.();
      const resolve = wake;
      wake = undefined;
      resolve?.();
      let timer: NodeJS.Timeout | undefined;
      if (drainMs <= 0) abort.abort();
      else timer = setTimeout(() => abort.abort(), drainMs);
      await loop;
      clearTimeout(timer);
      abort.abort();
      settleIdle();
    },

    idle() {
      if (spool.stats().pendingBytes === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
