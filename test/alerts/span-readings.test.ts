/**
 * Span readers (src/alerts/span-readings.ts): once a span's one read has arrived, `aggregateNow` answers a window
 * inside it at once, exactly as `aggregate` does; before, and for anything `aggregate` would send to the store, it
 * answers nothing. The real stores run this under the re-judgment property test (test/jobs/rejudge-property.test.ts);
 * here the calls the reader makes are counted.
 */
import { describe, expect, it } from 'vitest';
import { spanReadings } from '../../src/alerts/span-readings.js';
import type { WindowReadings } from '../../src/alerts/window-data.js';
import type { ParameterCode } from '../../src/domain/parameters.js';

const H = 3_600_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
type Query = Parameters<WindowReadings['aggregate']>[0];

/** A store whose buckets are the hour's number per parameter; counts its requests. */
function store() {
  const calls = { aggregate: 0, aggregateStations: 0 };
  const buckets = (q: Omit<Query, 'stationId'>) =>
    q.parameters.flatMap((parameter: ParameterCode) =>
      Array.from({ length: (q.to - q.from) / (4 * H) }, (_, i) => ({
        parameter,
        start: q.from + i * 4 * H,
        mean: i,
        count: 4,
        excluded: 0,
      })),
    );
  const inner: WindowReadings = {
    async aggregate(q) {
      calls.aggregate++;
      return buckets(q);
    },
    async aggregateStations(q) {
      calls.aggregateStations++;
      return new Map(q.stationIds.map((id) => [id, buckets(q)]));
    },
    raw: async () => [],
  };
  return { inner, calls };
}

const window = (from: number, to: number, parameters: ParameterCode[] = ['nh3n', 'tp']): Query => ({
  stationId: 'a',
  parameters,
  from,
  to,
  window: { spec: '4h', unit: 'hour', size: 4 },
  timeZone: 'UTC',
  validOnly: true,
  extremes: false,
  excluded: false,
});

describe('span readers', () => {
  it('answer a window from memory once the read has arrived, as aggregate does; nothing before or outside', async () => {
    const { inner, calls } = store();
    const parameters: ParameterCode[] = ['nh3n', 'tp'];
    const readerOf = spanReadings(inner, [
      { stationId: 'a', from: T0, to: T0 + 24 * H, parameters },
      { stationId: 'b', from: T0, to: T0 + 24 * H, parameters },
    ]);
    const a = readerOf('a');
    const q = window(T0 + 8 * H, T0 + 12 * H);
    expect(a.aggregateNow!(q)).toBeUndefined(); // not read yet
    const answer = await a.aggregate(q);
    expect(answer).toEqual([
      { parameter: 'nh3n', start: T0 + 8 * H, mean: 2, count: 4, excluded: 0 },
      { parameter: 'tp', start: T0 + 8 * H, mean: 2, count: 4, excluded: 0 },
    ]);
    expect(a.aggregateNow!(q)).toEqual(answer);
    expect(readerOf('b').aggregateNow!({ ...q, stationId: 'b', parameters: ['tp'] })).toEqual([answer[1]]);
    expect(calls).toEqual({ aggregate: 0, aggregateStations: 1 });
    // What aggregate sends to the store: off the span, off its grid, another parameter, another station's query.
    for (const outside of [
      window(T0 + 20 * H, T0 + 28 * H),
      window(T0 + 9 * H, T0 + 13 * H),
      window(T0, T0 + 4 * H, ['do']),
      { ...q, stationId: 'b' },
    ])
      expect(a.aggregateNow!(outside)).toBeUndefined();
    expect(calls).toEqual({ aggregate: 0, aggregateStations: 1 });
  });
});
