/**
 * Keeps the hourly rollups (hourly-rollup.ts, docs/adr/0006-hourly-rollups.md) in step with what this process
 * writes: the hours of every batch are marked dirty on disk and, when one lies before the `clean_before` that
 * readers were told, the state is republished *before* the batch is written; a pass recomputes the dirty hours
 * that have ended from the readings and then publishes the new `clean_before`. Readers trust the rollups only
 * for hours before the smallest `clean_before` of all writers, so they never read a rollup older than its
 * readings.
 */
import path from 'node:path';
import { escape } from '@influxdata/influxdb-client';
import { cliCommand } from '../../cli-hint.js';
import type { Reading } from '../../domain/reading.js';
import type { Logger } from '../../logger.js';
import { ensurePrivateDir } from '../../fs/private-files.js';
import { runsOf, type EncodedReadings } from '../encoded-readings.js';
import { StoreError } from '../store-error.js';
import { openDirtyLog } from './dirty-log.js';
import type { StatementResult } from './influxql.js';
import { READING_MEASUREMENT } from './line-protocol.js';
import {
  DEFAULT_TASK_LIMITS,
  HOUR,
  coverageLine,
  coverageStatements,
  hourStart,
  planRecompute,
  recomputeStatements,
  rollupLines,
  rollupsFromResults,
  stateLine,
  rollupStatus,
  type DirtySnapshot,
  type RecomputeTask,
  type RollupStatus,
  type TaskLimits,
} from './hourly-rollup.js';

export interface RollupIo {
  query(statements: string[]): Promise<StatementResult[]>;
  /** Line protocol with millisecond timestamps. */
  write(lines: string): Promise<void>;
}

export interface RollupWriterOptions {
  /** Names this writer's state; unique per ingest instance (the MQTT client id). */
  instance: string;
  /** Where the dirty hours survive a crash, e.g. DATA_DIR/rollup-dirty.json (and its journals, dirty-log.ts). */
  stateFile: string;
  /** Between passes, ms (default 60 s). */
  intervalMs?: number;
  /**
   * A dirty hour waits for a pass until no write has marked it for this long (default 30 s), so that an ended
   * hour still being written — a backfill, a station catching up — is recomputed once, not at every pass…
   */
  settleMs?: number;
  /** …but not longer than this after it was first marked (default 10 min). */
  maxDelayMs?: number;
  /**
   * A pass waits while the store spent more than half of the last interval writing (ingest first: a pass
   * re-reads what was just written), but never longer than this, ms (default 5 min).
   */
  maxDeferMs?: number;
  limits?: TaskLimits;
}

export interface PassSummary {
  /** Station-hours recomputed. */
  hours: number;
  rollups: number;
  queries: number;
  ms: number;
  cleanBefore: number;
}

/** Names one write between `beforeWrite` and `afterWrite`. */
export type WriteTicket = number;

export interface RollupMaintainer {
  /**
   * Marks the readings' hours dirty (on disk) and republishes the state if readers must stop trusting one.
   * Takes readings, or a batch in the spool's line form (store/encoded-readings.ts) as the forwarder hands it.
   */
  beforeWrite(readings: readonly Reading[] | EncodedReadings): Promise<WriteTicket>;
  /**
   * The write of the readings given to `beforeWrite` is over (stored or failed), after `ms`. Until then a pass
   * leaves the hours it marked dirty: recomputed before the readings are in the database, they would be clean
   * and wrong.
   */
  afterWrite(ticket: WriteTicket, ms: number): void;
  /**
   * Resolves when every mark made so far survives a power loss, not only a crash of the process: the ingest
   * forwarder lets the spool drop a batch only then, so a batch whose mark was lost is written (and marked) again.
   */
  durable(): Promise<void>;
  /**
   * Recomputes every dirty hour that has ended, settled or not (the timer's passes wait for hours to settle),
   * and publishes `clean_before`.
   */
  pass(): Promise<PassSummary>;
  /** Station-hours waiting for a pass. */
  readonly pending: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs `task` one at a time. A caller that arrives while a run is queued (not started yet) shares that run:
 * the run reads the state when it starts, so it covers what the caller did before calling. Under bursts
 * (every station's first reading of an hour) one save or publish then serves many batches.
 */
function coalescing(task: () => Promise<void>): () => Promise<void> {
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  return () => {
    if (queued) return queued;
    const run = tail.then(() => {
      queued = undefined;
      return task();
    });
    queued = run;
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * Recomputes tasks and writes their rollups, `concurrency` tasks at a time (a pass during ingest takes one, so
 * that it leaves the database to the writes; a backfill may take both cores).
 */
export async function recompute(
  io: RollupIo,
  tasks: readonly RecomputeTask[],
  concurrency = 1,
): Promise<{ rollups: number; queries: number }> {
  let rollups = 0;
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      try {
        const found = rollupsFromResults(await io.query(recomputeStatements(task)));
        if (found.length > 0) await io.write(rollupLines(found, escape.tag));
        rollups += found.length;
      } catch (err) {
        next = tasks.length; // the other workers stop too
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, worker));
  return { rollups, queries: tasks.length };
}

/**
 * A query the server refuses (not an outage, not a refused token): a generation or an edition of InfluxDB
 * without something the rollups ask for. Rollups then step aside rather than stop reads or writes.
 */
export function isRefusedQuery(err: unknown): boolean {
  return err instanceof StoreError && err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 403;
}

/** Which hours readers may answer from the rollups, as the writers and the coverage mark say. */
export async function readRollupStatus(io: RollupIo, now: number): Promise<RollupStatus> {
  return rollupStatus(await io.query(coverageStatements(now)));
}

/** Lowers the coverage mark to `from` when [from, to) joins what is covered (or nothing is yet). */
export async function extendCoverage(io: RollupIo, from: number, to: number): Promise<number> {
  const covered = (await readRollupStatus(io, 0)).coveredFrom;
  const next = covered === undefined || (from < covered && to >= covered) ? from : covered;
  if (next !== covered) await io.write(coverageLine(next));
  return next;
}

export function createRollupMaintainer(
  io: RollupIo,
  options: RollupWriterOptions & { now: () => number; logger: Logger },
): RollupMaintainer {
  const log = options.logger.child({ component: 'rollups', instance: options.instance });
  const intervalMs = options.intervalMs ?? 60_000;
  const maxDeferMs = options.maxDeferMs ?? 5 * 60_000;
  const limits = options.limits ?? DEFAULT_TASK_LIMITS;
  const dirtyLog = openDirtyLog(options.stateFile, options.instance, log, options.now());
  const dirty = dirtyLog.loaded;
  const settleMs = options.settleMs ?? 30_000;
  const maxDelayMs = options.maxDelayMs ?? 10 * 60_000;
  let published: number | undefined;
  let lastPublishAt = 0;
  let writingMs = 0;
  let lastTickAt = options.now();
  let lastPassAt = options.now();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<PassSummary> | undefined;
  /** The tickets (mark versions) of writes between beforeWrite and afterWrite. */
  const writing = new Set<WriteTicket>();

  const cleanBefore = () => Math.min(dirty.earliest() ?? Infinity, hourStart(options.now()));

  /** One publish at a time, each with the value of the moment it starts (never an older one after a newer). */
  const publish = coalescing(async () => {
    const value = cleanBefore();
    const at = Math.max(options.now(), lastPublishAt + 1);
    await io.write(stateLine(options.instance, value, at, escape.tag));
    lastPublishAt = at;
    published = value;
  });
  /** New marks not in the journal yet (an append failed): the next beforeWrite appends them first. */
  let unjournaled: { stationId: string; hour: number }[] = [];
  /** Marks up to this version are in the journal (page cache); up to `syncedVersion`, on the disk itself. */
  let journaledVersion = dirty.currentVersion;
  // Journals a killed run left may be in the page cache only: the first durable() syncs them.
  let syncedVersion = dirtyLog.unsyncedAtOpen ? -1 : dirty.currentVersion;
  const sync = coalescing(async () => {
    const version = journaledVersion;
    await dirtyLog.sync();
    syncedVersion = Math.max(syncedVersion, version);
  });

  /**
   * Marks up to this version are journaled and, where they are of an hour that had ended when marked, in the
   * published clean_before: readings whose marks are all that old may be written.
   */
  let secureVersion = dirty.currentVersion; // what the state file held at start is on disk, and init() publishes
  /** A mark of an ended hour was made since the last secure(): the next one publishes. */
  let endedHourMarked = false;
  const secure = coalescing(async () => {
    const version = dirty.currentVersion;
    const mustPublish = endedHourMarked;
    endedHourMarked = false;
    try {
      if (mustPublish) await publish();
    } catch (err) {
      endedHourMarked ||= mustPublish;
      throw err;
    }
    secureVersion = Math.max(secureVersion, version);
  });

  const establishCoverage = async () => {
    if ((await readRollupStatus(io, 0)).coveredFrom !== undefined) return;
    // A database without readings is covered from the start; one with readings from before rollups existed is
    // covered from the next hour, whose readings all come through a writer like this one. `qingliu store
    // rollup` covers the history. A server that cannot list measurements is taken to hold readings.
    let hasReadings = true;
    try {
      const [measurements] = await io.query(['SHOW MEASUREMENTS']);
      hasReadings = (measurements?.series?.[0]?.values ?? []).some((row) => row[0] === READING_MEASUREMENT);
    } catch (err) {
      if (!isRefusedQuery(err)) throw err;
    }
    const from = hasReadings ? hourStart(options.now()) + HOUR : 0;
    await io.write(coverageLine(from));
    if (hasReadings) {
      log.warn(
        { coveredFrom: new Date(from).toISOString() },
        `hourly rollups start with the next hour; run \`${cliCommand('store rollup --from <first reading>')}\` to cover older readings`,
      );
    }
  };

  /** Coverage mark and a first state before this writer's first write or pass; tried again until it succeeds. */
  let initialized: Promise<void> | undefined;
  /** Set when the server refuses the rollups' queries: this writer then only writes readings. */
  let disabled = false;
  const init = (): Promise<void> => {
    initialized ??= (async () => {
      try {
        await establishCoverage();
      } catch (err) {
        if (!isRefusedQuery(err)) throw err;
        disabled = true;
        log.warn({ err }, 'InfluxDB refuses the hourly-rollup queries; not maintaining rollups (readers aggregate raw readings)');
        return;
      }
      // A previous run may have left dirty hours that readers must not trust.
      await publish();
    })().catch((err: unknown) => {
      initialized = undefined;
      throw err;
    });
    return initialized;
  };

  /** `settled`: only hours quiet for settleMs (the timer's passes); otherwise every ended dirty hour. */
  const pass = async (settled: boolean): Promise<PassSummary> => {
    await init();
    const started = options.now();
    if (disabled) return { hours: 0, rollups: 0, queries: 0, ms: 0, cleanBefore: hourStart(started) };
    const t0 = performance.now();
    // Marks a write still in flight has touched stay dirty: their readings may not be in the database yet.
    const snapshot: DirtySnapshot = dirty.snapshot(
      hourStart(started),
      settled ? { now: started, settleMs, maxDelayMs } : undefined,
      writing.size > 0 ? Math.min(...writing) : Infinity,
    );
    const tasks = planRecompute(snapshot, limits);
    let hours = 0;
    for (const h of snapshot.values()) hours += h.size;
    const done = await recompute(io, tasks);
    dirty.clear(snapshot);
    if (hours > 0) await dirtyLog.compact(dirty);
    await publish();
    lastPassAt = options.now();
    const summary = { hours, ...done, ms: Math.round(performance.now() - t0), cleanBefore: published ?? cleanBefore() };
    if (hours > 0) log.debug(summary, 'hourly rollups recomputed');
    return summary;
  };

  const runPass = (settled: boolean): Promise<PassSummary> => {
    running ??= pass(settled).finally(() => {
      running = undefined;
    });
    return running;
  };

  const tick = () => {
    const now = options.now();
    const busy = writingMs / Math.max(1, now - lastTickAt);
    writingMs = 0;
    lastTickAt = now;
    if (busy > 0.5 && now - lastPassAt < maxDeferMs) return;
    runPass(true).catch((err: unknown) => log.warn({ err }, 'hourly rollup pass failed; the hours stay dirty and are tried again'));
  };

  return {
    get pending() {
      return dirty.size;
    },

    afterWrite(ticket, ms) {
      writing.delete(ticket);
      writingMs += ms;
    },

    async beforeWrite(readings) {
      await init();
      if (disabled) return 0;
      const now = options.now();
      const added = Array.isArray(readings)
        ? dirty.markReadings(readings as readonly Reading[], now)
        : dirty.markEncoded((readings as EncodedReadings).bytes, now, runsOf(readings as EncodedReadings));
      // Every clean_before ever computed is at most the hour it was computed in, so a new mark of the current
      // hour is already excluded by whatever readers were (or are about to be) told. A mark of an earlier hour
      // may not be: it is published before its readings exist.
      const currentHour = hourStart(now);
      if (added.some((a) => a.hour < currentHour)) endedHourMarked = true;
      // Journaled before the readings go anywhere (a write(2): no wait for the disk, see dirty-log.ts).
      if (added.length > 0 || unjournaled.length > 0) {
        const toAppend = unjournaled.length > 0 ? [...unjournaled, ...added] : added;
        try {
          dirtyLog.append(toAppend);
        } catch (err) {
          unjournaled = toAppend;
          throw err;
        }
        unjournaled = [];
        journaledVersion = dirty.currentVersion;
      }
      // Wait until the marks these readings need — new ones, or ones another batch made a moment ago and is
      // still saving — are on disk (and published); in steady state they are, and this returns at once.
      const needed = dirty.lastTouched;
      const ticket = dirty.currentVersion;
      writing.add(ticket);
      try {
        while (secureVersion < needed) await secure();
      } catch (err) {
        writing.delete(ticket);
        throw err;
      }
      return ticket;
    },

    pass: () => runPass(false),

    async durable() {
      const needed = journaledVersion;
      while (syncedVersion < needed) await sync();
    },

    /** Starts the passes; rejects if the database cannot be reached yet (the first write or pass tries again). */
    async start() {
      ensurePrivateDir(path.dirname(options.stateFile));
      timer ??= setInterval(tick, intervalMs);
      timer.unref();
      await init();
    },

    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
      await sync().catch((err: unknown) => log.warn({ err }, 'could not sync the rollup journal at stop'));
      dirtyLog.close();
    },
  };
}
