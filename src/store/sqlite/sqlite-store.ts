/**
 * The embedded ReadingStore: SQLite through better-sqlite3, in WAL mode. Used when INFLUX_URL is unset.
 *
 * `write()` commits one transaction per batch before it resolves. With WAL a committed transaction survives a
 * SIGKILL of the process; `synchronous = FULL` (the default) also makes it survive a power cut, for an fsync
 * per batch. better-sqlite3 is synchronous: a batch of a few thousand readings blocks the event loop for a
 * few milliseconds, which is cheaper than a worker thread's copying.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { preparePrivateSqliteFile } from '../../fs/private-files.js';
import type { DataFlag } from '../../domain/flags.js';
import type { LoggerStream, LoggerValue } from '../../domain/logger-data.js';
import type { ParameterCode } from '../../domain/parameters.js';
import type { DeadLetter, Reading } from '../../domain/reading.js';
import type { Logger } from '../../logger.js';
import { mergeCells, planAggregate, type CellAggregate } from '../bucket-plan.js';
import { checkDeadLetters, checkReadings } from '../check-readings.js';
import {
  capDeadLetter,
  DEAD_LETTER_PAGE_DEFAULT,
  DEAD_LETTER_PAGE_MAX,
  pageSize,
  RAW_PAGE_DEFAULT,
  RAW_PAGE_MAX,
} from '../limits.js';
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
import { byStationThenParameter } from '../order.js';
import { StoreError } from '../store-error.js';
import { lateTouches, type LateDataOptions, type RecordedTouch } from '../touch-log.js';
import type { WindowTouch } from '../../alerts/window-touches.js';
import { migrate } from './schema.js';

export interface SqliteStoreOptions {
  /** Database file (its directory is created), or ':memory:' for a throwaway store. */
  file: string;
  logger: Logger;
  /** 'full' (default): a resolved write survives a power cut. 'normal': it survives a process crash only. */
  synchronous?: 'full' | 'normal';
  /** Record late readings as touched windows for re-judgment (store/touch-log.ts); off when absent. */
  lateData?: LateDataOptions;
}

const VALID_SQL = `flag IN ('N', 'T')`;

// Errors worth retrying: the file is locked by another process, the disk is full, or I/O failed.
const RETRYABLE_CODES = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL)/;

function storeError(err: unknown, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: unknown }).code;
  const retryable = typeof code === 'string' && RETRYABLE_CODES.test(code);
  return new StoreError(`SQLite ${what} failed: ${(err as Error).message}`, { retryable, cause: err });
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
const unique = <T>(items: readonly T[]) => [...new Set(items)];

export function createSqliteStore(options: SqliteStoreOptions): ReadingStore {
  const log = options.logger.child({ component: 'store', store: 'sqlite' });
  let db: Database.Database | undefined;
  let stopped = false;
  // Statements by SQL text: IN lists make the text vary with the number of stations or parameters.
  const statements = new Map<string, Database.Statement>();

  const open = (): Database.Database => {
    if (stopped) throw new StoreError('the SQLite store is stopped', { retryable: true });
    if (!db) throw new Error('the SQLite store is not started: call start() first');
    return db;
  };

  const prepare = (sql: string): Database.Statement => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = open().prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };

  /** Runs `fn`, turning any failure into a StoreError. */
  const guarded = <T>(what: string, fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(storeError(err, what));
    }
  };

  const now = options.lateData?.now ?? Date.now;
  /** Inside the caller's transaction: a touch is durable with the readings that made it, or not at all. */
  const insertTouches = (touches: readonly WindowTouch[], recordedAt: number) => {
    if (touches.length === 0) return;
    const insert = prepare(
      'INSERT INTO touched (recorded_at, station, t_from, t_to, cause, at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const t of touches) insert.run(recordedAt, t.stationId, t.from, t.to, t.cause, t.at);
  };

  const store: ReadingStore = {
    kind: 'sqlite',

    async start() {
      if (db) return;
      if (options.file !== ':memory:') preparePrivateSqliteFile(path.resolve(options.file));
      const opened = new Database(options.file);
      try {
        opened.pragma('journal_mode = WAL');
        opened.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
        // Another process (the CLI, a backup) may hold the write lock for a moment.
        opened.pragma('busy_timeout = 5000');
        migrate(opened);
      } catch (err) {
        opened.close();
        throw storeError(err, 'start');
      }
      db = opened;
      stopped = false;
      log.info({ file: options.file }, 'SQLite store opened');
    },

    async stop() {
      if (!db || stopped) return;
      stopped = true;
      statements.clear();
      try {
        db.close();
        log.info('SQLite store closed');
      } catch (err) {
        log.error({ err }, 'closing the SQLite store failed');
      }
      db = undefined;
    },

    async ping() {
      try {
        return db !== undefined && !stopped && open().prepare('SELECT 1 AS ok').get() !== undefined;
      } catch {
        return false;
      }
    },

    write(readings: readonly Reading[]) {
      return guarded('write', () => {
        if (readings.length === 0) return;
        checkReadings(readings);
        const upsert = prepare(
          `INSERT INTO readings (station, parameter, ts, value, flag) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (station, parameter, ts) DO UPDATE SET value = excluded.value, flag = excluded.flag`,
        );
        const addSeries = prepare('INSERT OR IGNORE INTO series (station, parameter) VALUES (?, ?)');
        const at = now();
        // A late reading that re-sends a stored one with another flag is a flag correction (one indexed lookup per
        // late reading, in the write's transaction; on-time readings are not looked at).
        const stored = prepare('SELECT flag FROM readings WHERE station = ? AND parameter = ? AND ts = ?');
        const flagChanged = (r: Reading) => {
          const row = stored.get(r.stationId, r.parameter, r.ts) as { flag: string } | undefined;
          return row !== undefined && row.flag !== r.flag;
        };
        open().transaction(() => {
          const touches = options.lateData ? lateTouches(readings, at, options.lateData.evalDelayMs, flagChanged) : [];
          insertTouches(touches, at);
          const seen = new Set<string>();
          for (const r of readings) {
            upsert.run(r.stationId, r.parameter, r.ts, r.value, r.flag);
            const key = `${r.stationId}\u0000${r.parameter}`;
            if (!seen.has(key)) {
              seen.add(key);
              addSeries.run(r.stationId, r.parameter);
            }
          }
        })();
      });
    },

    recordTouches(touches: readonly WindowTouch[]) {
      return guarded('recordTouches', () => {
        open().transaction(() => insertTouches(touches, now()))();
      });
    },

    touches(range: { after: number; until: number }) {
      return guarded('touches', (): RecordedTouch[] =>
        (
          prepare(
            `SELECT recorded_at, station, t_from, t_to, cause, at FROM touched
             WHERE recorded_at > ? AND recorded_at <= ? ORDER BY recorded_at, id`,
          ).all(range.after, range.until) as {
            recorded_at: number;
            station: string;
            t_from: number;
            t_to: number;
            cause: RecordedTouch['cause'];
            at: number;
          }[]
        ).map((r) => ({
          recordedAt: r.recorded_at,
          stationId: r.station,
          from: r.t_from,
          to: r.t_to,
          cause: r.cause,
          at: r.at,
        })),
      );
    },

    writeDeadLetters(letters: readonly DeadLetter[]) {
      return guarded('writeDeadLetters', () => {
        if (letters.length === 0) return;
        checkDeadLetters(letters);
        const insert = prepare(
          'INSERT INTO dead_letters (received_at, station, topic, reason, detail, payload) VALUES (?, ?, ?, ?, ?, ?)',
        );
        open().transaction(() => {
          for (const letter of letters.map(capDeadLetter)) {
            insert.run(letter.receivedAt, letter.stationId, letter.topic, letter.reason, letter.detail, letter.payload);
          }
        })();
      });
    },

    writeLoggerData(values: readonly LoggerValue[]) {
      return guarded('writeLoggerData', () => {
        if (values.length === 0) return;
        checkReadings(values);
        const upsert = prepare(
          `INSERT INTO logger_data (station, parameter, stream, ts, value, min, max, cou, flag, late, received_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (station, ts, parameter, stream) DO UPDATE SET value = excluded.value, min = excluded.min,
             max = excluded.max, cou = excluded.cou, flag = excluded.flag, late = excluded.late,
             received_at = excluded.received_at`,
        );
        open().transaction(() => {
          for (const v of values)
            upsert.run(
              v.stationId,
              v.parameter,
              v.stream,
              v.ts,
              v.value,
              v.min ?? null,
              v.max ?? null,
              v.cou ?? null,
              v.flag,
              v.late ? 1 : 0,
              v.receivedAt,
            );
        })();
      });
    },

    loggerData(query: LoggerDataQuery) {
      return guarded('loggerData', (): LoggerValue[] => {
        const where = ['station = ?', 'ts >= ?', 'ts < ?'];
        const args: (string | number)[] = [query.stationId, query.from, query.to];
        if (query.stream !== undefined) {
          where.push('stream = ?');
          args.push(query.stream);
        }
        if (query.parameters !== undefined) {
          if (query.parameters.length === 0) return [];
          where.push(`parameter IN (${placeholders(query.parameters.length)})`);
          args.push(...query.parameters);
        }
        const rows = prepare(
          `SELECT parameter, stream, ts, value, min, max, cou, flag, late, received_at FROM logger_data
           WHERE ${where.join(' AND ')} ORDER BY ts, parameter, stream LIMIT ?`,
        ).all(...args, pageSize(query.limit, RAW_PAGE_DEFAULT, RAW_PAGE_MAX)) as {
          parameter: ParameterCode;
          stream: LoggerStream;
          ts: number;
          value: number;
          min: number | null;
          max: number | null;
          cou: number | null;
          flag: DataFlag;
          late: number;
          received_at: number;
        }[];
        return rows.map((r) => ({
          stationId: query.stationId,
          parameter: r.parameter,
          stream: r.stream,
          ts: r.ts,
          value: r.value,
          ...(r.min === null ? {} : { min: r.min }),
          ...(r.max === null ? {} : { max: r.max }),
          ...(r.cou === null ? {} : { cou: r.cou }),
          flag: r.flag,
          late: r.late === 1,
          receivedAt: r.received_at,
        }));
      });
    },

    pruneDeadLetters(before: number) {
      return guarded('pruneDeadLetters', () =>
        Number(prepare('DELETE FROM dead_letters WHERE received_at < ?').run(Math.floor(before)).changes),
      );
    },

    latest(query: LatestQuery) {
      return guarded('latest', () => {
        const where: string[] = [];
        const args: string[] = [];
        if (query.stationIds) {
          if (query.stationIds.length === 0) return [];
          where.push(`station IN (${placeholders(query.stationIds.length)})`);
          args.push(...query.stationIds);
        }
        if (query.parameters) {
          if (query.parameters.length === 0) return [];
          where.push(`parameter IN (${placeholders(query.parameters.length)})`);
          args.push(...query.parameters);
        }
        const series = prepare(
          `SELECT station, parameter FROM series ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
        ).all(...args) as {
          station: string;
          parameter: ParameterCode;
        }[];
        const last = prepare(
          `SELECT ts, value, flag FROM readings WHERE station = ? AND parameter = ? AND ts >= ? AND ts < ?
           ${query.validOnly ? `AND ${VALID_SQL}` : ''} ORDER BY ts DESC LIMIT 1`,
        );
        const since = query.since ?? Number.MIN_SAFE_INTEGER;
        const before = query.before ?? Number.MAX_SAFE_INTEGER;
        const values: LatestValue[] = [];
        for (const s of series) {
          const row = last.get(s.station, s.parameter, since, before) as
            { ts: number; value: number; flag: DataFlag } | undefined;
          if (row)
            values.push({ stationId: s.station, parameter: s.parameter, ts: row.ts, value: row.value, flag: row.flag });
        }
        return values.sort(byStationThenParameter);
      });
    },

    aggregate(query: AggregateQuery) {
      return guarded('aggregate', (): Bucket[] => {
        const parameters = unique(query.parameters);
        if (parameters.length === 0 || !(query.from < query.to)) return [];
        const plan = planAggregate(query);
        const counted = (expr: string) => (query.validOnly ? `CASE WHEN ${VALID_SQL} THEN ${expr} END` : expr);
        const select = prepare(
          `SELECT parameter, ts - (((ts - ?) % ?) + ?) % ? AS cell,
                  count(*) AS total, count(${counted('1')}) AS n,
                  sum(${counted('value')}) AS s, min(${counted('value')}) AS lo, max(${counted('value')}) AS hi
           FROM readings
           WHERE station = ? AND parameter IN (${placeholders(parameters.length)}) AND ts >= ? AND ts < ?
           GROUP BY parameter, cell`,
        );
        const cells: CellAggregate[] = [];
        plan.slices.forEach((slice, i) => {
          const rows = select.all(
            slice.phase,
            slice.step,
            slice.step,
            slice.step,
            query.stationId,
            ...parameters,
            slice.from,
            slice.to,
          ) as {
            parameter: ParameterCode;
            cell: number;
            total: number;
            n: number;
            s: number | null;
            lo: number | null;
            hi: number | null;
          }[];
          for (const row of rows) {
            cells.push({
              slice: i,
              parameter: row.parameter,
              start: row.cell,
              count: row.n,
              sum: row.s,
              min: row.lo,
              max: row.hi,
              total: row.total,
            });
          }
        });
        return mergeCells(plan, cells, parameters, query.validOnly);
      });
    },

    // In-process, a request per station costs nothing: the same statement, station by station.
    async aggregateStations(query: StationsAggregateQuery) {
      const { stationIds, ...rest } = query;
      const out = new Map<string, Bucket[]>();
      for (const stationId of new Set(stationIds)) {
        const buckets = await store.aggregate({ ...rest, stationId });
        if (buckets.length > 0) out.set(stationId, buckets);
      }
      return out;
    },

    raw(query: RawQuery) {
      return guarded('raw', (): Reading[] => {
        const where = ['station = ?', 'ts >= ?', 'ts < ?'];
        const args: (string | number)[] = [query.stationId, query.from, query.to];
        if (query.parameters) {
          if (query.parameters.length === 0) return [];
          where.push(`parameter IN (${placeholders(query.parameters.length)})`);
          args.push(...query.parameters);
        }
        if (query.after) {
          where.push('(ts, parameter) > (?, ?)');
          args.push(query.after.ts, query.after.parameter);
        }
        const rows = prepare(
          `SELECT parameter, ts, value, flag FROM readings WHERE ${where.join(' AND ')} ORDER BY ts, parameter LIMIT ?`,
        ).all(...args, pageSize(query.limit, RAW_PAGE_DEFAULT, RAW_PAGE_MAX)) as {
          parameter: ParameterCode;
          ts: number;
          value: number;
          flag: DataFlag;
        }[];
        return rows.map((row) => ({
          stationId: query.stationId,
          parameter: row.parameter,
          ts: row.ts,
          value: row.value,
          flag: row.flag,
        }));
      });
    },

    deadLetters(query: DeadLetterQuery) {
      return guarded('deadLetters', (): DeadLetter[] => {
        const where: string[] = [];
        const args: (string | number)[] = [];
        if (query.stationId !== undefined) {
          where.push('station = ?');
          args.push(query.stationId);
        }
        if (query.from !== undefined) {
          where.push('received_at >= ?');
          args.push(query.from);
        }
        if (query.to !== undefined) {
          where.push('received_at < ?');
          args.push(query.to);
        }
        const rows = prepare(
          `SELECT received_at, station, topic, reason, detail, payload FROM dead_letters
           ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at DESC, id DESC LIMIT ?`,
        ).all(...args, pageSize(query.limit, DEAD_LETTER_PAGE_DEFAULT, DEAD_LETTER_PAGE_MAX)) as {
          received_at: number;
          station: string;
          topic: string;
          reason: string;
          detail: string;
          payload: string;
        }[];
        return rows.map((r) => ({
          receivedAt: r.received_at,
          stationId: r.station,
          topic: r.topic,
          reason: r.reason,
          detail: r.detail,
          payload: r.payload,
        }));
      });
    },
  };
  return store;
}
