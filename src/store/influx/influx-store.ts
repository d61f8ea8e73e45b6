/**
 * The InfluxDB ReadingStore, for 1.x (including Debian's 1.6.7, which has no /api/v2), 2.x and 3.x.
 *
 * - Generation: from the `X-Influxdb-Version` header of /ping, unless `version` overrides it.
 * - Writes: line protocol, one HTTP request per batch (precision ms), to /write?db= on 1.x and
 *   /api/v2/write?org=&bucket= on 2.x/3.x. `write()` resolves on 204 and rejects on anything else — it never
 *   keeps points in memory to retry them; the ingest pipeline spools what it rejects.
 * - Queries: InfluxQL on /query?db=<bucket> everywhere (2.x maps the bucket to a database by DBRP), so one set
 *   of statements serves every generation. See docs/adr/0001 (schema) and docs/adr/0002 (InfluxQL everywhere).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { DataFlag } from '../../domain/flags.js';
import type { LoggerStream, LoggerValue } from '../../domain/logger-data.js';
import type { ParameterCode } from '../../domain/parameters.js';
import { PARAMETER_CODES } from '../../domain/parameters.js';
import type { DeadLetter, Reading } from '../../domain/reading.js';
import type { Logger } from '../../logger.js';
import { maskUrl } from '../../secrets.js';
import { mergeCells, planAggregate, type CellAggregate } from '../bucket-plan.js';
import { checkDeadLetters, checkReadings } from '../check-readings.js';
import { runsOf, type EncodedReadings } from '../encoded-readings.js';
import { DEAD_LETTER_PAGE_DEFAULT, DEAD_LETTER_PAGE_MAX, pageSize, RAW_PAGE_DEFAULT, RAW_PAGE_MAX } from '../limits.js';
import type {
  AggregateQuery,
  Bucket,
  DeadLetterQuery,
  LatestQuery,
  LatestValue,
  LoggerDataQuery,
  RawQuery,
  ReadingStore,
  StationsAggregateQuery,
} from '../reading-store.js';
import { byStationThenParameter, byTimeThenParameter } from '../order.js';
import { StoreError } from '../store-error.js';
import { createInfluxHttp, type InfluxHttp } from './influx-http.js';
import {
  aggregateStatements,
  columnIndex,
  deadLetterStatement,
  latestStatement,
  loggerDataStatement,
  numberOrNull,
  rawStatement,
  type StatementResult,
} from './influxql.js';
import {
  DirtyHours,
  HOUR,
  planRecompute,
  rollupAggregateStatement,
  splitPlan,
  type RollupStatus,
} from './hourly-rollup.js';
import {
  DEAD_LETTER_MEASUREMENT,
  deadLetterLines,
  encodedReadingLines,
  loggerDataLines,
  readingLines,
  recycleLines,
} from './line-protocol.js';
import {
  createRollupMaintainer,
  extendCoverage,
  isRefusedQuery,
  readRollupStatus,
  recompute,
  type PassSummary,
  type RollupIo,
  type RollupMaintainer,
  type RollupWriterOptions,
} from './rollup-maintainer.js';
import { generationOf, versionFromPing, type InfluxGeneration } from './server-version.js';
import {
  lateReadings,
  lateReadingsEncoded,
  lateTouches,
  lateTouchesEncoded,
  type LateDataOptions,
  type RecordedTouch,
} from '../touch-log.js';
import type { WindowTouch } from '../../alerts/window-touches.js';
import { FLAG_LOOKUP_MAX_READINGS, storedFlagLookup } from './stored-flags.js';
import { touchesFromResult, touchesStatement, touchLines } from './touched.js';
import { createWriteThread, type WriteThread } from './write-thread.js';

export interface InfluxStoreOptions {
  url: string;
  /** How messages name this database; default the URL with its credentials masked. */
  target?: string;
  /** 2.x/3.x API token. On 1.x with authentication, `user:password`. */
  token?: string;
  /** 2.x organisation (ignored by 1.x and 3.x). */
  org?: string;
  /** 2.x bucket, 1.x/3.x database. */
  bucket: string;
  /** Server generation; 'auto' reads the /ping version header. */
  version: 'auto' | InfluxGeneration;
  logger: Logger;
  /** Per-request timeout, ms (default 30 s). */
  timeoutMs?: number;
  /** Gzip write bodies above this many bytes. Default: 64 KiB for remote servers, never for loopback ones. */
  gzipThreshold?: number;
  /** Readings per HTTP request when a batch is larger (default 25,000, ~2 MB of line protocol). */
  maxLinesPerRequest?: number;
  /**
   * Build and post the forwarder's reading batches (`writeEncoded`) on a worker thread, a second core
   * (docs/adr/0018-influx-write-thread.md); default off (in the service: INFLUX_WRITE_THREAD, on for ingest).
   */
  writeThread?: boolean | { onExit?: () => void; maxExits?: number; now?: () => number };
  /** Record late readings as touched windows for re-judgment (store/touch-log.ts); off when absent. */
  lateData?: LateDataOptions;
  /** Hourly rollups (docs/adr/0006-hourly-rollups.md). */
  rollups?: {
    /** Answer valid-only aggregates from the rollups where all writers say they are current (default true). */
    read?: boolean;
    /** Keep the rollups current for what this store writes (ingest processes). */
    writer?: RollupWriterOptions;
    /** The clock (tests inject one). */
    now?: () => number;
  };
}

interface Dialect {
  generation: InfluxGeneration;
  serverVersion: string | undefined;
  authorization: string | undefined;
  writePath(precision: 'ms' | 'ns'): string;
  /** 3.x does not run several statements in one /query request: send them side by side instead. */
  multiStatement: boolean;
}

/** Stations per grouped aggregate statement (`aggregateStations`): a statement of a few KB. */
const STATIONS_PER_STATEMENT = 100;
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

function defaultGzipThreshold(url: string): number {
  return LOOPBACK.test(new URL(url).hostname) ? Infinity : 64 * 1024;
}

function authorizationFor(generation: InfluxGeneration | 'unknown', token: string | undefined): string | undefined {
  if (!token) return undefined;
  // 1.x (1.6 and later) reads HTTP basic authentication; 2.x and 3.x read "Token <token>".
  if (generation === '1') return token.includes(':') ? `Basic ${Buffer.from(token).toString('base64')}` : undefined;
  return `Token ${token}`;
}

/** The ReadingStore, plus what it found out about the server (for logs, /readyz and tests). */
export interface InfluxStore extends ReadingStore {
  /** The generation in use once connected (detected or overridden); undefined before. */
  readonly generation: InfluxGeneration | undefined;
  /** What the server's /ping said, e.g. "1.6.7~rc0", "v2.7.11". */
  readonly serverVersion: string | undefined;
  readonly rollups: RollupControl;
  /** The write thread, while started with one (`writeThread`); undefined otherwise. */
  readonly writeThread: Pick<WriteThread, 'usable' | 'exits' | 'pending' | 'terminate'> | undefined;
}

export interface RollupControl {
  /** Station-hours this writer has yet to recompute (0 when it is no writer). */
  readonly pending: number;
  /** Recomputes this writer's dirty hours that have ended and publishes its state; undefined when it is no writer. */
  pass(): Promise<PassSummary | undefined>;
  /**
   * Recomputes the rollups of these stations over [from, to) (whole hours) and extends the coverage mark to
   * `from` when the range joins it: how readings written before rollups existed are covered.
   */
  backfill(
    stationIds: readonly string[],
    from: number,
    to: number,
  ): Promise<{ hours: number; rollups: number; queries: number }>;
  /** The covered range, the writers' states, and so the hours readers answer from the rollups. */
  status(): Promise<RollupStatus>;
}

export function createInfluxStore(options: InfluxStoreOptions): InfluxStore {
  const log = options.logger.child({ component: 'store', store: 'influx' });
  const target = options.target ?? maskUrl(options.url);
  const bucket = options.bucket;
  const maxLines = options.maxLinesPerRequest ?? 25_000;
  let http: InfluxHttp | undefined;
  let dialect: Dialect | undefined;
  let connecting: Promise<Dialect> | undefined;
  let stopped = false;
  let thread: WriteThread | undefined;
  // Sub-millisecond part of dead-letter timestamps; random start so that two processes rarely collide.
  let deadLetterSequence = randomInt(0, 1_000_000);
  let touchSequence = randomInt(0, 1_000_000);
  /** This instance's `writer` tag on its touches (touched.ts): its own series, apart from another instance's. */
  const touchWriter = randomBytes(6).toString('hex');

  const client = (): InfluxHttp => {
    if (stopped) throw new StoreError('the InfluxDB store is stopped', { retryable: true });
    if (!http) throw new Error('the InfluxDB store is not started: call start() first');
    return http;
  };

  const detectGeneration = async (): Promise<{ generation: InfluxGeneration; serverVersion: string | undefined }> => {
    const answer = await client().request('GET', '/ping', {
      authorization: authorizationFor('unknown', options.token),
      timeoutMs: 10_000,
    });
    const serverVersion = versionFromPing(answer.headers, answer.body);
    if (options.version !== 'auto') return { generation: options.version, serverVersion };
    const generation = generationOf(serverVersion);
    if (generation) return { generation, serverVersion };
    log.warn({ serverVersion }, 'InfluxDB /ping names no known version; assuming 2.x (set INFLUX_VERSION to override)');
    return { generation: '2', serverVersion };
  };

  /** 1.x: the database must exist before the first write. Idempotent on the server. */
  const createDatabase = async (authorization: string | undefined) => {
    const q = new URLSearchParams({ q: `CREATE DATABASE "${bucket.replace(/"/g, '\\"')}"` });
    try {
      await client().request('POST', '/query', {
        body: q.toString(),
        contentType: 'application/x-www-form-urlencoded',
        authorization,
      });
    } catch (err) {
      // A non-admin user cannot create databases; the database may well exist already.
      if (!(err instanceof StoreError && (err.status === 401 || err.status === 403))) throw err;
      log.warn({ bucket }, 'not allowed to create the InfluxDB database; assuming it exists');
    }
  };

  /**
   * 2.x: InfluxQL needs a database/retention-policy mapping for the bucket. 2.4 and later provide a virtual one
   * for every bucket; older 2.x need an explicit one, which we create when the token may. Best effort: without
   * it writes still work and queries say "database not found".
   */
  const ensureDbrp = async (authorization: string | undefined) => {
    try {
      const org = options.org ? `org=${encodeURIComponent(options.org)}&` : '';
      const mapped = await client().request('GET', `/api/v2/dbrps?${org}db=${encodeURIComponent(bucket)}`, {
        authorization,
      });
      if (((mapped.body as { content?: unknown[] } | undefined)?.content ?? []).length > 0) return;
      const found = await client().request('GET', `/api/v2/buckets?${org}name=${encodeURIComponent(bucket)}`, {
        authorization,
      });
      const match = (found.body as { buckets?: { id: string; orgID: string }[] } | undefined)?.buckets?.[0];
      if (!match) {
        log.error(
          { bucket, org: options.org },
          'InfluxDB bucket not found: create it (influx bucket create) before Qingliu writes',
        );
        return;
      }
      await client().request('POST', '/api/v2/dbrps', {
        authorization,
        body: JSON.stringify({
          bucketID: match.id,
          orgID: match.orgID,
          database: bucket,
          retention_policy: 'autogen',
          default: true,
        }),
      });
      log.info({ bucket }, 'created the InfluxQL mapping (DBRP) for the bucket');
    } catch (err) {
      // A refused token will refuse writes too: say so at start. A token that may write but not read the
      // mappings (403) is fine if the mapping exists.
      if (err instanceof StoreError && err.status === 401) throw err;
      log.warn(
        { err, bucket },
        `could not check the bucket's InfluxQL mapping; if queries fail, run: influx v1 dbrp create --db ${bucket} --rp autogen --default --bucket-id <id>`,
      );
    }
  };

  const connect = async (): Promise<Dialect> => {
    const { generation, serverVersion } = await detectGeneration();
    const authorization = authorizationFor(generation, options.token);
    if (generation === '1') await createDatabase(authorization);
    if (generation === '2') await ensureDbrp(authorization);
    const org = options.org && generation === '2' ? `org=${encodeURIComponent(options.org)}&` : '';
    const db = encodeURIComponent(bucket);
    const ready: Dialect = {
      generation,
      serverVersion,
      authorization,
      writePath: (precision) =>
        generation === '1'
          ? `/write?db=${db}&precision=${precision}`
          : `/api/v2/write?${org}bucket=${db}&precision=${precision}`,
      multiStatement: generation !== '3',
    };
    log.info({ generation, serverVersion, url: maskUrl(options.url), bucket }, 'connected to InfluxDB');
    return ready;
  };

  /** Connects once; after a failure the next call tries again (the database may come back). */
  const ready = (): Promise<Dialect> => {
    if (dialect) return Promise.resolve(dialect);
    client();
    connecting ??= connect().then(
      (d) => {
        dialect = d;
        connecting = undefined;
        return d;
      },
      (err: unknown) => {
        connecting = undefined;
        throw err;
      },
    );
    return connecting;
  };

  /** A write or query that says the database is gone (dropped, or a fresh 1.x data dir) reconnects next time. */
  const forgetOnMissingDatabase = (err: unknown): never => {
    if (err instanceof StoreError && err.status === 404) dialect = undefined;
    throw err;
  };

  const writeBody = async (precision: 'ms' | 'ns', body: string | Buffer) => {
    const d = await ready();
    await client().writeLines(d.writePath(precision), body, d.authorization).catch(forgetOnMissingDatabase);
  };

  const runQuery = async (statements: string[]): Promise<StatementResult[]> => {
    const d = await ready();
    const params = { db: bucket, epoch: 'ms' };
    const run = (batch: string[]) => client().query(params, batch, d.authorization).catch(forgetOnMissingDatabase);
    if (d.multiStatement || statements.length === 1) return run(statements);
    return (await Promise.all(statements.map((s) => run([s])))).map((results) => results[0] ?? {});
  };

  const now = options.rollups?.now ?? Date.now;
  const readRollups = options.rollups?.read !== false;
  const rollupIo: RollupIo = { query: runQuery, write: (lines) => writeBody('ms', lines) };
  let warnedRefused = false;
  let warnedNoDelete = false;
  /** The hours the rollups may answer now; none when the server refuses the state query (say so once). */
  const trustedRollups = async () => {
    try {
      return (await readRollupStatus(rollupIo, now())).trusted;
    } catch (err) {
      if (!isRefusedQuery(err)) throw err;
      if (!warnedRefused) log.warn({ err }, 'InfluxDB refuses the hourly-rollup state query; aggregating raw readings');
      warnedRefused = true;
      return undefined;
    }
  };
  /**
   * `aggregate` of these stations: the raw statements in one request, grouped by station when there are several.
   * Each station's buckets are exactly what it would get alone.
   */
  async function aggregateMany(
    q: Omit<AggregateQuery, 'stationId'>,
    stationIds: readonly string[],
  ): Promise<Map<string, Bucket[]>> {
    const parameters = [...new Set(q.parameters)];
    const out = new Map<string, Bucket[]>();
    if (parameters.length === 0 || stationIds.length === 0 || !(q.from < q.to)) return out;
    const plan = planAggregate(q);
    const extremes = q.extremes !== false;
    const excluded = q.validOnly && q.excluded !== false;
    // Rollups hold valid-only figures on whole UTC hours: worth asking for once the range spans one.
    const hourly = plan.slices.some((s) => s.step % HOUR === 0 && s.phase % HOUR === 0);
    const trusted =
      readRollups && q.validOnly && hourly && q.to - q.from >= 2 * HOUR ? await trustedRollups() : undefined;
    const statements = splitPlan(plan, trusted).flatMap((part) =>
      part.source !== 'rollup'
        ? aggregateStatements(part, stationIds, parameters, q.validOnly, extremes, excluded)
        : // Hourly rollups read as they are: one statement per parameter, sent side by side below.
          (part.step === HOUR ? parameters.map((p) => [p]) : [parameters]).map((params) => ({
            text: rollupAggregateStatement(part, stationIds, params, extremes),
            slice: part.slice,
            part: 'rollup' as const,
          })),
    );
    // The raw statements in one request; rollup statements each in their own, in parallel: influxd runs the
    // statements of one request one after the other, and encoding thousands of rows is most of their time.
    const shared = statements.filter((s) => s.part !== 'rollup');
    const alone = statements.filter((s) => s.part === 'rollup');
    const batches = [...(shared.length > 0 ? [shared] : []), ...alone.map((s) => [s])];
    const answers = await Promise.all(batches.map((batch) => runQuery(batch.map((s) => s.text))));
    const ordered = batches.flat();
    const results = answers.flat();
    // Cells keyed by station, slice, parameter and start; the pieces of a slice (raw and rollup) add up.
    const cells = new Map<string, Map<string, CellAggregate>>();
    results.forEach((result, i) => {
      const statement = ordered[i]!;
      for (const series of result.series ?? []) {
        const parameter = series.tags?.param as ParameterCode | undefined;
        // One station's statements are not grouped by station: its series carry no station tag.
        const stationId = stationIds.length === 1 ? stationIds[0]! : series.tags?.station;
        if (!parameter || stationId === undefined) continue;
        let ofStation = cells.get(stationId);
        if (!ofStation) cells.set(stationId, (ofStation = new Map()));
        const [t, s, n, lo, hi, total] = columnIndex(series, 'time', 's', 'n', 'lo', 'hi', 'total');
        for (const row of series.values) {
          const start = row[t!] as number;
          const key = `${statement.slice}\u0000${parameter}\u0000${start}`;
          let cell = ofStation.get(key);
          if (!cell) {
            cell = { slice: statement.slice, parameter, start, count: 0, sum: null, min: null, max: null, total: 0 };
            ofStation.set(key, cell);
          }
          if (statement.part !== 'total') {
            const count = numberOrNull(row[n!]) ?? 0;
            // A rollup cell without a valid reading carries sentinel extremes: not read (hourly-rollup.ts).
            if (count > 0) {
              cell.count += count;
              cell.sum = (cell.sum ?? 0) + (numberOrNull(row[s!]) ?? 0);
              const min = numberOrNull(row[lo!]);
              const max = numberOrNull(row[hi!]);
              if (min !== null) cell.min = cell.min === null ? min : Math.min(cell.min, min);
              if (max !== null) cell.max = cell.max === null ? max : Math.max(cell.max, max);
            }
            if (!q.validOnly) cell.total += count;
          }
          if (statement.part !== 'counted') cell.total += numberOrNull(row[total!]) ?? 0;
        }
      }
    });
    for (const [stationId, ofStation] of cells)
      out.set(stationId, mergeCells(plan, [...ofStation.values()], parameters, excluded));
    return out;
  }

  const lateNow = options.lateData?.now ?? Date.now;
  /**
   * Written after the readings, before `write` resolves: a crash in between leaves the batch unacknowledged in
   * the ingest spool, which writes it — and its touches — again.
   */
  const writeTouches = async (touches: readonly WindowTouch[]) => {
    if (touches.length === 0) return;
    await writeBody(
      'ns',
      touchLines(touches, lateNow(), () => touchSequence++, touchWriter),
    );
  };
  let warnedFlagLookup = false;
  /**
   * Before a write: the touches its late readings will make, hours where a device re-sent a stored reading with
   * another flag as flag corrections (stored-flags.ts: one bounded query, only when the write holds late readings).
   * A failed lookup only costs the cause's name: the hours are recorded as late data.
   */
  const touchesBeforeWrite = async (late: readonly Reading[], at: number): Promise<WindowTouch[]> => {
    const delay = options.lateData!.evalDelayMs;
    const lookup = storedFlagLookup(late);
    if (!lookup) return lateTouches(late, at, delay);
    try {
      return lateTouches(late, at, delay, lookup.changed(await runQuery(lookup.statements)));
    } catch (err) {
      if (!warnedFlagLookup)
        log.warn({ err }, 'could not read stored flags of late readings; recording them as late data');
      warnedFlagLookup = true;
      return lateTouches(late, at, delay);
    }
  };
  const writerOptions = options.rollups?.writer;
  const maintainer: RollupMaintainer | undefined = writerOptions
    ? createRollupMaintainer(rollupIo, { ...writerOptions, now, logger: log })
    : undefined;

  return {
    kind: 'influx',
    get generation() {
      return dialect?.generation;
    },
    get serverVersion() {
      return dialect?.serverVersion;
    },
    get writeThread() {
      return thread;
    },

    rollups: {
      get pending() {
        return maintainer?.pending ?? 0;
      },
      pass: async () => maintainer?.pass(),
      async backfill(stationIds, from, to) {
        const start = Math.floor(from / HOUR) * HOUR;
        const end = Math.ceil(to / HOUR) * HOUR;
        const range = new DirtyHours();
        for (const station of stationIds) for (let h = start; h < end; h += HOUR) range.mark(station, h);
        const snapshot = range.snapshot(end);
        const done = await recompute(rollupIo, planRecompute(snapshot), 2);
        await extendCoverage(rollupIo, start, end);
        return { hours: range.size, ...done };
      },
      status: () => readRollupStatus(rollupIo, now()),
    },

    async start() {
      if (http && !stopped) return;
      stopped = false;
      const transport = {
        url: options.url,
        target,
        timeoutMs: options.timeoutMs ?? 30_000,
        gzipThreshold: options.gzipThreshold ?? defaultGzipThreshold(options.url),
      };
      http = createInfluxHttp(transport);
      const threaded = options.writeThread;
      if (threaded)
        thread = createWriteThread({
          ...transport,
          maxLines,
          logger: log,
          ...(typeof threaded === 'object' && threaded),
        });
      try {
        await ready();
        await maintainer?.start();
      } catch (err) {
        // A wrong token will not fix itself: fail the start. An unreachable database may come back: the
        // service starts, ingest spools, and the next call connects.
        if (err instanceof StoreError && (err.status === 401 || err.status === 403)) throw err;
        log.warn({ err, target }, 'InfluxDB is not reachable yet; will connect on first use');
      }
    },

    async stop() {
      if (!http || stopped) return;
      await maintainer?.stop();
      await thread?.close();
      thread = undefined;
      stopped = true;
      dialect = undefined;
      http.close();
      http = undefined;
      log.info('InfluxDB store stopped');
    },

    async ping() {
      if (!http || stopped) return false;
      try {
        const answer = await http.request('GET', '/ping', {
          authorization: dialect?.authorization ?? authorizationFor('unknown', options.token),
          timeoutMs: 5_000,
        });
        return answer.status >= 200 && answer.status < 300;
      } catch {
        return false;
      }
    },

    async write(readings: readonly Reading[]) {
      if (readings.length === 0) return;
      checkReadings(readings);
      const ticket = await maintainer?.beforeWrite(readings);
      const started = performance.now();
      try {
        const at = lateNow();
        const late = options.lateData ? lateReadings(readings, at, options.lateData.evalDelayMs) : [];
        const touches = late.length > 0 ? await touchesBeforeWrite(late, at) : [];
        for (let i = 0; i < readings.length; i += maxLines) {
          await writeBody('ms', readingLines(readings.slice(i, i + maxLines)));
        }
        await writeTouches(touches);
      } finally {
        if (ticket !== undefined) maintainer?.afterWrite(ticket, performance.now() - started);
      }
    },

    // The forwarder's fast path: the spool's bytes straight to line protocol (line-protocol.ts), as `write` does
    // it otherwise — here or, with `writeThread`, on the write thread. One reading per station and time marks
    // the same rollup hours as all of them.
    async writeEncoded(batch: EncodedReadings) {
      if (batch.count === 0) return;
      const offThread = thread?.usable ? thread : undefined;
      const bodies = offThread ? [] : encodedReadingLines(batch, maxLines);
      let ticket: number | undefined;
      const started = performance.now();
      try {
        ticket = await maintainer?.beforeWrite(batch);
        const at = lateNow();
        const delay = options.lateData?.evalDelayMs;
        // Too many late readings to look up (a spool draining): their touches from the keys alone, nothing decoded.
        const runs = runsOf(batch);
        const late =
          delay === undefined ? [] : lateReadingsEncoded(batch.bytes, at, delay, FLAG_LOOKUP_MAX_READINGS, runs);
        const touches = !late
          ? lateTouchesEncoded(batch.bytes, at, delay!, runs)
          : late.length > 0
            ? await touchesBeforeWrite(late, at)
            : [];
        if (offThread) {
          const d = await ready();
          await offThread.write(batch, d.writePath('ms'), d.authorization).catch(forgetOnMissingDatabase);
        } else for (const body of bodies) await writeBody('ms', body);
        await writeTouches(touches);
      } finally {
        if (ticket !== undefined) maintainer?.afterWrite(ticket, performance.now() - started);
        recycleLines(bodies);
      }
    },

    ...(maintainer && { durable: () => maintainer.durable() }),

    recordTouches: writeTouches,

    async touches(range: { after: number; until: number }): Promise<RecordedTouch[]> {
      if (!(range.until > range.after)) return [];
      const [result] = await runQuery([touchesStatement(range.after, range.until)]);
      return touchesFromResult(result);
    },

    async writeDeadLetters(letters: readonly DeadLetter[]) {
      if (letters.length === 0) return;
      checkDeadLetters(letters);
      await writeBody(
        'ns',
        deadLetterLines(letters, () => deadLetterSequence++),
      );
    },

    async writeLoggerData(values: readonly LoggerValue[]) {
      if (values.length === 0) return;
      checkReadings(values);
      for (let i = 0; i < values.length; i += maxLines)
        await writeBody('ms', loggerDataLines(values.slice(i, i + maxLines)));
    },

    async loggerData(q: LoggerDataQuery): Promise<LoggerValue[]> {
      if (q.parameters?.length === 0) return [];
      const [result] = await runQuery([loggerDataStatement(q, pageSize(q.limit, RAW_PAGE_DEFAULT, RAW_PAGE_MAX))]);
      const series = result?.series?.[0];
      if (!series) return [];
      const [t, v, lo, hi, cou, f, late, at, p, stream] = columnIndex(
        series,
        'time',
        'value',
        'min',
        'max',
        'cou',
        'flag',
        'late',
        'received_at',
        'param',
        'stream',
      );
      const optional = (key: 'min' | 'max' | 'cou', value: unknown) => {
        const n = numberOrNull(value);
        return n === null ? {} : { [key]: n };
      };
      return series.values
        .map((row): LoggerValue => ({
          stationId: q.stationId,
          parameter: row[p!] as ParameterCode,
          stream: row[stream!] as LoggerStream,
          ts: row[t!] as number,
          value: row[v!] as number,
          ...optional('min', row[lo!]),
          ...optional('max', row[hi!]),
          ...optional('cou', row[cou!]),
          flag: row[f!] as DataFlag,
          late: row[late!] === true,
          receivedAt: Number(row[at!]),
        }))
        .sort((a, b) => a.ts - b.ts || a.parameter.localeCompare(b.parameter) || a.stream.localeCompare(b.stream));
    },

    async pruneDeadLetters(before: number): Promise<undefined> {
      const d = await ready();
      const cutoff = Math.floor(before);
      if (d.generation === '1') {
        // DELETE is refused over GET; its error comes back inside a 200 answer.
        const answer = await client()
          .request('POST', `/query?db=${encodeURIComponent(bucket)}`, {
            body: new URLSearchParams({
              q: `DELETE FROM "${DEAD_LETTER_MEASUREMENT}" WHERE time < ${cutoff}ms`,
            }).toString(),
            contentType: 'application/x-www-form-urlencoded',
            authorization: d.authorization,
          })
          .catch(forgetOnMissingDatabase);
        const failed = (answer.body as { results?: { error?: string }[] } | undefined)?.results?.find((r) => r.error);
        if (failed) throw new StoreError(`InfluxDB delete: ${failed.error}`, { retryable: true });
      } else if (d.generation === '2') {
        const org = options.org ? `org=${encodeURIComponent(options.org)}&` : '';
        await client().request('POST', `/api/v2/delete?${org}bucket=${encodeURIComponent(bucket)}`, {
          body: JSON.stringify({
            start: '1970-01-01T00:00:00Z',
            stop: new Date(cutoff).toISOString(),
            predicate: `_measurement="${DEAD_LETTER_MEASUREMENT}"`,
          }),
          authorization: d.authorization,
        });
      } else if (!warnedNoDelete) {
        warnedNoDelete = true;
        log.warn(
          { bucket },
          'InfluxDB 3 cannot delete dead letters by age: set a retention period on the database to bound them',
        );
      }
      return undefined;
    },

    async latest(q: LatestQuery): Promise<LatestValue[]> {
      if (q.stationIds?.length === 0 || q.parameters?.length === 0) return [];
      const [result] = await runQuery([latestStatement(q)]);
      const values: LatestValue[] = [];
      for (const series of result?.series ?? []) {
        const [t, v, f] = columnIndex(series, 'time', 'value', 'flag');
        const row = series.values[0];
        if (!row || !series.tags?.station || !series.tags.param) continue;
        values.push({
          stationId: series.tags.station,
          parameter: series.tags.param as ParameterCode,
          ts: row[t!] as number,
          value: row[v!] as number,
          flag: row[f!] as DataFlag,
        });
      }
      return values.sort(byStationThenParameter);
    },

    async aggregate(q: AggregateQuery): Promise<Bucket[]> {
      return (await aggregateMany(q, [q.stationId])).get(q.stationId) ?? [];
    },

    async aggregateStations(q: StationsAggregateQuery): Promise<Map<string, Bucket[]>> {
      const ids = [...new Set(q.stationIds)];
      // Statements stay short enough for a GET's URL limit (influx-http sends long ones by POST anyway).
      const out = new Map<string, Bucket[]>();
      for (let i = 0; i < ids.length; i += STATIONS_PER_STATEMENT) {
        for (const [id, buckets] of await aggregateMany(q, ids.slice(i, i + STATIONS_PER_STATEMENT)))
          out.set(id, buckets);
      }
      return out;
    },

    async raw(q: RawQuery): Promise<Reading[]> {
      if (q.parameters?.length === 0) return [];
      const limit = pageSize(q.limit, RAW_PAGE_DEFAULT, RAW_PAGE_MAX);
      // Readings sharing a timestamp (one per parameter) may be cut anywhere by LIMIT, and some at the
      // cursor's timestamp are dropped below: fetch two timestamps' worth more than the page.
      const perTimestamp = q.parameters?.length ?? PARAMETER_CODES.length;
      const fetch = limit + 2 * perTimestamp;
      const [result] = await runQuery([rawStatement(q, fetch)]);
      const series = result?.series?.[0];
      if (!series) return [];
      const [t, v, f, p] = columnIndex(series, 'time', 'value', 'flag', 'param');
      let rows = series.values.map((row) => ({
        stationId: q.stationId,
        parameter: row[p!] as ParameterCode,
        ts: row[t!] as number,
        value: row[v!] as number,
        flag: row[f!] as DataFlag,
      }));
      if (series.values.length >= fetch) {
        // The last timestamp may be incomplete: leave it for the next page.
        const lastTs = rows[rows.length - 1]!.ts;
        rows = rows.filter((r) => r.ts < lastTs);
      }
      const after = q.after;
      if (after) rows = rows.filter((r) => r.ts > after.ts || (r.ts === after.ts && r.parameter > after.parameter));
      rows.sort(byTimeThenParameter);
      return rows.slice(0, limit);
    },

    async deadLetters(q: DeadLetterQuery): Promise<DeadLetter[]> {
      const [result] = await runQuery([
        deadLetterStatement(q, pageSize(q.limit, DEAD_LETTER_PAGE_DEFAULT, DEAD_LETTER_PAGE_MAX)),
      ]);
      const series = result?.series?.[0];
      if (!series) return [];
      const [at, station, topic, reason, detail, payload] = columnIndex(
        series,
        'received_at',
        'station',
        'topic',
        'reason',
        'detail',
        'payload',
      );
      return series.values.map((row) => ({
        receivedAt: row[at!] as number,
        stationId: String(row[station!] ?? ''),
        topic: String(row[topic!] ?? ''),
        reason: String(row[reason!] ?? ''),
        detail: String(row[detail!] ?? ''),
        payload: String(row[payload!] ?? ''),
      }));
    },
  };
}
