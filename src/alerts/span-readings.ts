/**
 * One read of the stations' data for many windows (issue 14, bench:alerts): re-judging a back-fill touches a day of
 * windows per station and rule, and asking the store once per window cost a request each. Span readers fetch the
 * valid-only buckets of every station's whole span at once — the stations sharing a span in one request
 * (`aggregateStations`), on the first window's query — and answer every window inside the span from memory: the
 * same buckets the store would have returned for that window alone, since the window rules ask for buckets of the
 * window's own length (4 h, 1 d: one per window), or whole hours or minutes, and combine them by count
 * (window-data.ts). The read is one statement per span, like the grouped query of bench:alerts.
 *
 * Anything they cannot answer exactly from what was read (another station, raw readings, a window off the span's
 * grid, buckets that do not fall on it as in a zone whose hours are not UTC hours) goes to the store.
 */
import type { ParameterCode } from '../domain/parameters.js';
import type { WindowReadings } from './window-data.js';

type AggregateQuery = Parameters<WindowReadings['aggregate']>[0];
type BucketRow = Awaited<ReturnType<WindowReadings['aggregate']>>[number];

/** More buckets per parameter than this (a week of minutes) are not worth holding: each window asks the store. */
const MAX_BUCKETS = 10_080;

export interface Span {
  stationId: string;
  /** Epoch ms, inclusive: the earliest window start. */
  from: number;
  /** Epoch ms, exclusive: the latest window end. */
  to: number;
  /** The station's parameters (what its windows are judged on). */
  parameters: readonly ParameterCode[];
}

/** Each station's buckets by parameter, in start order; null: some bucket is off the span's grid. */
type Answer = Map<string, Map<ParameterCode, BucketRow[]> | null>;
type Read = Promise<Answer>;

interface Group {
  from: number;
  to: number;
  stationIds: string[];
  parameters: Set<ParameterCode>;
  /** By window spec and zone. */
  reads: Map<string, Read>;
  /** The reads that have arrived, by the same keys. */
  answers: Map<string, Answer>;
}

function stepOf(window: AggregateQuery['window']): number | undefined {
  if (window.unit === 'hour') return window.size * 3_600_000;
  if (window.unit === 'minute') return window.size * 60_000;
  return undefined; // days and months: not how window rules tile a window
}

/** Readers of these stations' spans; the stations that share a span are read together. */
export function spanReadings(inner: WindowReadings, spans: readonly Span[]): (stationId: string) => WindowReadings {
  const groups = new Map<string, Group>();
  const groupOf = new Map<string, Group>();
  for (const span of spans) {
    const key = `${span.from}\u0000${span.to}`;
    let g = groups.get(key);
    if (!g)
      groups.set(
        key,
        (g = {
          from: span.from,
          to: span.to,
          stationIds: [],
          parameters: new Set(),
          reads: new Map(),
          answers: new Map(),
        }),
      );
    g.stationIds.push(span.stationId);
    for (const p of span.parameters) g.parameters.add(p);
    groupOf.set(span.stationId, g);
  }

  const readKey = (q: AggregateQuery) =>
    `${q.window.spec}\u0000${q.timeZone}\u0000${q.extremes !== false}\u0000${q.excluded !== false}`;

  function read(g: Group, q: AggregateQuery, step: number): Read {
    const key = readKey(q);
    let pending = g.reads.get(key);
    if (pending) return pending;
    const query = {
      parameters: [...g.parameters],
      from: g.from,
      to: g.to,
      window: q.window,
      timeZone: q.timeZone,
      validOnly: true,
      extremes: q.extremes ?? true,
      excluded: q.excluded ?? true,
    };
    const fetched = inner.aggregateStations
      ? inner.aggregateStations({ ...query, stationIds: g.stationIds })
      : Promise.all(
          g.stationIds.map(async (id) => [id, await inner.aggregate({ ...query, stationId: id })] as const),
        ).then((entries) => new Map(entries));
    pending = fetched.then((answer) => {
      const byStation = new Map<string, Map<ParameterCode, BucketRow[]> | null>();
      for (const id of g.stationIds) {
        const byParameter = new Map<ParameterCode, BucketRow[]>();
        let onGrid = true;
        for (const b of answer.get(id) ?? []) {
          // A bucket off the span's grid would straddle two windows: not answerable from memory.
          if (b.start < g.from || (b.start - g.from) % step !== 0) {
            onGrid = false;
            break;
          }
          let list = byParameter.get(b.parameter);
          if (!list) byParameter.set(b.parameter, (list = []));
          list.push(b);
        }
        byStation.set(id, onGrid ? byParameter : null);
      }
      g.answers.set(key, byStation);
      return byStation;
    });
    // A failed read is not kept: each window's own query (to the store) says what went wrong.
    pending.catch(() => g.reads.delete(key));
    g.reads.set(key, pending);
    return pending;
  }

  return (stationId) => {
    const g = groupOf.get(stationId);
    /** The bucket step when the span's read answers q exactly, else undefined. */
    function stepInside(q: AggregateQuery): number | undefined {
      const step = stepOf(q.window);
      const inside =
        g !== undefined &&
        q.stationId === stationId &&
        q.validOnly &&
        step !== undefined &&
        (g.to - g.from) / step <= MAX_BUCKETS &&
        q.from >= g.from &&
        q.to <= g.to &&
        (q.from - g.from) % step === 0 &&
        (q.to - g.from) % step === 0 &&
        q.parameters.every((p) => g.parameters.has(p));
      return inside ? step : undefined;
    }
    /** In the order of the query's parameters, then by start, as the store answers. */
    const answerOf = (q: AggregateQuery, byParameter: Map<ParameterCode, BucketRow[]>) =>
      [...new Set(q.parameters)].flatMap((p) =>
        (byParameter.get(p) ?? []).filter((b) => b.start >= q.from && b.start < q.to),
      );
    async function aggregate(q: AggregateQuery): ReturnType<WindowReadings['aggregate']> {
      const step = stepInside(q);
      if (step === undefined) return inner.aggregate(q);
      const byParameter = (await read(g!, q, step).catch(() => undefined))?.get(stationId);
      return byParameter ? answerOf(q, byParameter) : inner.aggregate(q);
    }
    return {
      aggregate,
      aggregateNow(q) {
        const byParameter = stepInside(q) === undefined ? undefined : g!.answers.get(readKey(q))?.get(stationId);
        return byParameter ? answerOf(q, byParameter) : undefined;
      },
      raw: (q) => inner.raw(q),
      ...(inner.latest ? { latest: inner.latest.bind(inner) } : {}),
      ...(inner.deadLetters ? { deadLetters: inner.deadLetters.bind(inner) } : {}),
      ...(inner.standardChecks ? { standardChecks: inner.standardChecks.bind(inner) } : {}),
    };
  };
}
