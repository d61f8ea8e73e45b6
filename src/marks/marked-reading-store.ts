/**
 * The one place that applies data marks (issue 14): a ReadingStore decorator whose answers use every reading's
 * **effective flag** — the device's flag unless an approved, unrevoked mark covers the reading (the latest mark in
 * effect wins; domain/data-marks.ts). Every reader — series, quality, compliance, upstream, exports, the alert
 * rules and the reports — is given this store, so none of them can forget a mark. Writes pass through untouched:
 * marks never change the stored readings.
 *
 * Where no mark touches a query it is the inner store's answer, unchanged (and as fast, hourly rollups included).
 * Where marks touch some buckets, only those buckets are recomputed from the raw readings with their effective
 * flags; the rollups of ADR 0006 hold original-flag figures and are never read for a marked bucket
 * (docs/adr/0014-data-marks.md).
 */
import {
  effectiveFlag,
  inEffectOrder,
  markedRanges,
  mergeIntervals,
  rangeContaining,
  type EffectiveMark,
  type Interval,
} from '../domain/data-marks.js';
import { countsForCompliance, type DataFlag } from '../domain/flags.js';
import type { ParameterCode } from '../domain/parameters.js';
import type { Reading } from '../domain/reading.js';
import { bucketStart, nextBucketStart, parseWindow, zone, type Zone } from '../domain/time-window.js';
import { EARLIEST_TIME, LATEST_TIME, RAW_PAGE_MAX } from '../store/limits.js';
import type {
  AggregateQuery,
  Bucket,
  LatestQuery,
  LatestValue,
  RawQuery,
  ReadingStore,
  StationsAggregateQuery,
} from '../store/reading-store.js';
import type { MarkStore } from './mark-store.js';

export interface MarkedReading extends Reading {
  /** The flag the device sent. `flag` is the effective one. */
  originalFlag: DataFlag;
  /** The mark that decided the effective flag, if any. */
  markId: number | null;
}

export interface MarkedReadingStore extends ReadingStore {
  /** The inner store: answers with the flags the devices sent (`include=original`). */
  readonly original: ReadingStore;
  /** `raw`, with each reading's original flag and the mark that changed it. */
  rawMarked(q: RawQuery): Promise<MarkedReading[]>;
  /**
   * How many stored readings of these stations in [from, to) are under a mark in effect — the figure a digest or
   * an export states so that a report never changes silently. `parameters` names a station's parameters (for
   * marks of `all`).
   */
  readingsUnderMarks(q: {
    stations: readonly { id: string; parameters: readonly ParameterCode[] }[];
    from: number;
    to: number;
  }): Promise<number>;
}

export type MarkSource = Pick<MarkStore, 'effective'>;

const COUNT_WINDOW = parseWindow('1mo');

/** Every raw reading of a station in [from, to), page by page (the store caps a page at RAW_PAGE_MAX). */
async function* allRaw(
  store: ReadingStore,
  q: { stationId: string; parameters?: ParameterCode[]; from: number; to: number },
): AsyncGenerator<Reading[]> {
  let after: RawQuery['after'];
  for (;;) {
    const page = await store.raw({ ...q, limit: RAW_PAGE_MAX, ...(after && { after }) });
    if (page.length > 0) yield page;
    if (page.length < RAW_PAGE_MAX) return;
    const last = page[page.length - 1]!;
    after = { ts: last.ts, parameter: last.parameter };
  }
}

/** Finds bucket starts for readings in time order without recomputing the zone's boundaries for each. */
function bucketFinder(window: AggregateQuery['window'], z: Zone): (ts: number) => number {
  let start = NaN;
  let next = NaN;
  return (ts) => {
    if (!(ts >= start && ts < next)) {
      start = bucketStart(ts, window, z);
      next = nextBucketStart(ts, window, z);
    }
    return start;
  };
}

interface Acc {
  parameter: ParameterCode;
  start: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  total: number;
}

export function withDataMarks(inner: ReadingStore, marks: MarkSource): MarkedReadingStore {
  const effectiveFor = async (stationIds: readonly string[] | undefined, from: number, to: number) =>
    from < to ? inEffectOrder(await marks.effective({ ...(stationIds && { stationIds }), from, to })) : [];

  function mark(readings: Reading[], ordered: readonly EffectiveMark[]): MarkedReading[] {
    return readings.map((r) => {
      const e = effectiveFlag(r.flag, r, ordered);
      // Device marks (negative ids, docs/adr/0017) are no mark a person can look up: no mark id.
      return { ...r, flag: e.flag, originalFlag: r.flag, markId: e.mark && e.mark.id > 0 ? e.mark.id : null };
    });
  }

  async function rawMarked(q: RawQuery): Promise<MarkedReading[]> {
    const rows = await inner.raw(q);
    if (rows.length === 0) return [];
    const ordered = await effectiveFor([q.stationId], rows[0]!.ts, rows[rows.length - 1]!.ts + 1);
    return mark(rows, ordered);
  }

  async function aggregate(q: AggregateQuery): Promise<Bucket[]> {
    // Over every reading whatever its flag (include=all), a mark changes nothing.
    if (!q.validOnly) return inner.aggregate(q);
    const ordered = await effectiveFor([q.stationId], q.from, q.to);
    if (ordered.length === 0) return inner.aggregate(q);
    const z = zone(q.timeZone);
    // Per parameter: the whole buckets a mark touches, which are recomputed from raw readings.
    const touched = new Map<ParameterCode, Interval[]>();
    for (const p of q.parameters) {
      const ranges = markedRanges(ordered, q.stationId, p)
        .map((r) => ({ from: Math.max(r.from, q.from), to: Math.min(r.to, q.to) }))
        .filter((r) => r.from < r.to)
        .map((r) => ({ from: bucketStart(r.from, q.window, z), to: nextBucketStart(r.to - 1, q.window, z) }));
      if (ranges.length > 0) touched.set(p, mergeIntervals(ranges));
    }
    if (touched.size === 0) return inner.aggregate(q);

    const base = await inner.aggregate(q);
    const kept = base.filter((b) => !rangeContaining(touched.get(b.parameter) ?? [], b.start));
    const accs = new Map<string, Acc>();
    const bucketOf = bucketFinder(q.window, z);
    const parameters = [...touched.keys()];
    const spans = mergeIntervals([...touched.values()].flat()).map((r) => ({
      from: Math.max(r.from, q.from),
      to: Math.min(r.to, q.to),
    }));
    for (const span of spans) {
      for await (const page of allRaw(inner, { stationId: q.stationId, parameters, ...span })) {
        for (const r of page) {
          const start = bucketOf(r.ts);
          if (!rangeContaining(touched.get(r.parameter) ?? [], start)) continue;
          const key = `${r.parameter}\u0000${start}`;
          let acc = accs.get(key);
          if (!acc) {
            acc = { parameter: r.parameter, start, count: 0, sum: 0, min: Infinity, max: -Infinity, total: 0 };
            accs.set(key, acc);
          }
          acc.total++;
          if (!countsForCompliance(effectiveFlag(r.flag, r, ordered).flag)) continue;
          acc.count++;
          acc.sum += r.value;
          acc.min = Math.min(acc.min, r.value);
          acc.max = Math.max(acc.max, r.value);
        }
      }
    }
    const extremes = q.extremes !== false;
    const recomputed: Bucket[] = [...accs.values()].map((a) => ({
      parameter: a.parameter,
      start: a.start,
      mean: a.count > 0 ? a.sum / a.count : null,
      min: a.count > 0 && extremes ? a.min : null,
      max: a.count > 0 && extremes ? a.max : null,
      count: a.count,
      excluded: a.total - a.count,
    }));
    const order = new Map(q.parameters.map((p, i) => [p, i]));
    return [...kept, ...recomputed].sort(
      (a, b) => (order.get(a.parameter) ?? 0) - (order.get(b.parameter) ?? 0) || a.start - b.start,
    );
  }

  async function latest(q: LatestQuery): Promise<LatestValue[]> {
    const base = await inner.latest(q);
    const from = q.since ?? EARLIEST_TIME;
    const to = q.before ?? LATEST_TIME;
    if (!q.validOnly) {
      // The latest reading whatever its flag: only its flag may change.
      if (base.length === 0) return base;
      const ordered = await effectiveFor(
        [...new Set(base.map((v) => v.stationId))],
        Math.min(...base.map((v) => v.ts)),
        Math.max(...base.map((v) => v.ts)) + 1,
      );
      return ordered.length === 0 ? base : base.map((v) => ({ ...v, flag: effectiveFlag(v.flag, v, ordered).flag }));
    }
    const ordered = await effectiveFor(q.stationIds, from, to);
    if (ordered.length === 0) return base;
    const best = new Map<string, LatestValue>(base.map((v) => [`${v.stationId}\u0000${v.parameter}`, v]));
    for (const stationId of new Set(ordered.map((m) => m.stationId))) {
      // A latest valid reading under a mark that invalidates it: look again before that marked range.
      for (const v of base.filter((b) => b.stationId === stationId)) {
        const key = `${stationId}\u0000${v.parameter}`;
        const ranges = markedRanges(ordered, stationId, v.parameter);
        let candidate: LatestValue | undefined = v;
        let range: Interval | undefined;
        while (candidate && (range = rangeContaining(ranges, candidate.ts))) {
          const earlier: LatestValue[] = await inner.latest({
            stationIds: [stationId],
            parameters: [v.parameter],
            validOnly: true,
            ...(q.since !== undefined && { since: q.since }),
            before: range.from,
          });
          candidate = earlier[0];
        }
        if (candidate) best.set(key, candidate);
        else best.delete(key);
      }
      // Readings inside marked ranges count by their effective flag (an N mark can make one valid).
      const spans = mergeIntervals(ordered.filter((m) => m.stationId === stationId))
        .map((r) => ({ from: Math.max(r.from, from), to: Math.min(r.to, to) }))
        .filter((r) => r.from < r.to);
      for (const span of spans) {
        const parameters = q.parameters ? [...q.parameters] : undefined;
        for await (const page of allRaw(inner, { stationId, ...(parameters && { parameters }), ...span })) {
          for (const r of page) {
            const flag = effectiveFlag(r.flag, r, ordered).flag;
            if (!countsForCompliance(flag)) continue;
            const key = `${stationId}\u0000${r.parameter}`;
            const current = best.get(key);
            if (!current || r.ts >= current.ts) best.set(key, { ...r, flag });
          }
        }
      }
    }
    return [...best.values()]
      .map((v) => ({ stationId: v.stationId, parameter: v.parameter, ts: v.ts, value: v.value, flag: v.flag }))
      .sort((a, b) =>
        a.stationId < b.stationId
          ? -1
          : a.stationId > b.stationId
            ? 1
            : a.parameter < b.parameter
              ? -1
              : a.parameter > b.parameter
                ? 1
                : 0,
      );
  }

  async function readingsUnderMarks(q: Parameters<MarkedReadingStore['readingsUnderMarks']>[0]): Promise<number> {
    const ordered = await effectiveFor(
      q.stations.map((s) => s.id),
      q.from,
      q.to,
    );
    let total = 0;
    for (const station of q.stations) {
      if (!ordered.some((m) => m.stationId === station.id)) continue;
      for (const p of station.parameters) {
        for (const r of markedRanges(ordered, station.id, p)) {
          const from = Math.max(r.from, q.from);
          const to = Math.min(r.to, q.to);
          if (!(from < to)) continue;
          const buckets = await inner.aggregate({
            stationId: station.id,
            parameters: [p],
            from,
            to,
            window: COUNT_WINDOW,
            timeZone: 'UTC',
            validOnly: false,
            extremes: false,
          });
          total += buckets.reduce((n, b) => n + b.count, 0);
        }
      }
    }
    return total;
  }

  /**
   * Stations without a mark in effect over the range go to the inner store together (one request on InfluxDB);
   * a marked station is answered alone, as `aggregate` answers it.
   */
  async function aggregateStations(q: StationsAggregateQuery): Promise<Map<string, Bucket[]>> {
    const ids = [...new Set(q.stationIds)];
    const { stationIds: _ids, ...rest } = q;
    const marked = new Set(
      q.validOnly && ids.length > 0 ? (await effectiveFor(ids, q.from, q.to)).map((m) => m.stationId) : [],
    );
    const plain = ids.filter((id) => !marked.has(id));
    const out = new Map<string, Bucket[]>();
    if (plain.length > 0) {
      if (inner.aggregateStations) {
        for (const [id, buckets] of await inner.aggregateStations({ ...rest, stationIds: plain })) out.set(id, buckets);
      } else {
        for (const id of plain) out.set(id, await inner.aggregate({ ...rest, stationId: id }));
      }
    }
    for (const id of marked) out.set(id, await aggregate({ ...rest, stationId: id }));
    for (const [id, buckets] of out) if (buckets.length === 0) out.delete(id);
    return out;
  }

  // Everything but the reads passes through to the inner store, including what it adds beyond the port
  // (recordTouches for re-judgment, an InfluxDB store's rollups and server version, read live).
  const overrides: Omit<
    MarkedReadingStore,
    keyof Omit<ReadingStore, 'latest' | 'aggregate' | 'aggregateStations' | 'raw'>
  > = {
    original: inner,
    latest,
    aggregate,
    aggregateStations,
    raw: async (q) => (await rawMarked(q)).map(({ originalFlag: _o, markId: _m, ...r }) => r),
    rawMarked,
    readingsUnderMarks,
  };
  return Object.assign(Object.create(inner) as ReadingStore, overrides);
}

/** The store's original-flag view when it applies marks, else the store itself. */
export function originalReadings(store: ReadingStore): ReadingStore {
  return (store as Partial<MarkedReadingStore>).original ?? store;
}
