/** The pure parts of the query services, without a store. */
import { describe, expect, it } from 'vitest';
import { parseWindow } from '../../src/domain/time-window.js';
import type { DeadLetter } from '../../src/domain/reading.js';
import { deadLetterPage } from '../../src/services/dead-letters.js';
import { freshnessOf } from '../../src/services/freshness.js';
import { judgeWindow, type ItemStats } from '../../src/services/judge-window.js';
import { chooseWindow } from '../../src/services/series.js';
import { standardOf } from '../../src/services/station-standard.js';
import { createTimeFormatter } from '../../src/services/time-format.js';
import { expectedCount, requiredCount } from '../../src/services/window-sufficiency.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { formatInZone } from '../../src/api/query/zoned-time.js';
import { sh, testCatalog } from './fixture.js';

const H = 3_600_000;
const DAY = 24 * H;

describe('window sufficiency (standards.md §6 decision 9)', () => {
  it('expects one reading per interval of the judged span, and needs 75 % of them rounded up, at least one', () => {
    expect(expectedCount(DAY, 4 * H)).toBe(6);
    expect(expectedCount(DAY, H)).toBe(24);
    expect(expectedCount(30 * 60_000, H)).toBe(0);
    expect(requiredCount(24, 0.75)).toBe(18);
    expect(requiredCount(6, 0.75)).toBe(5); // 4.5 → 5
    expect(requiredCount(1, 0.75)).toBe(1);
    expect(requiredCount(0, 0.75)).toBe(1);
    expect(requiredCount(24, 0.5)).toBe(12);
  });
});

describe('downsampling', () => {
  const w = (spec: string) => parseWindow(spec);
  it('keeps the window when it fits, else takes the finest coarser one that does', () => {
    expect(chooseWindow(w('1h'), 0, 90 * DAY, 3000).spec).toBe('1h'); // 2,161 buckets
    expect(chooseWindow(w('1h'), 0, 366 * DAY, 3000).spec).toBe('3h'); // 8,785 at 1 h, 4,393 at 2 h, 2,929 at 3 h
    expect(chooseWindow(w('5m'), 0, 90 * DAY, 1000).spec).toBe('3h');
    expect(chooseWindow(w('1d'), 0, 366 * DAY, 10).spec).toBe('1mo'); // even a month is too fine: a month anyway
  });
});

describe('freshness', () => {
  const station = testCatalog().station('inbound')!; // 4 h interval
  const now = sh(2024, 6, 15, 12);
  it('online up to 1.5 intervals, late up to 3, offline after or without readings', () => {
    expect(freshnessOf(station, now - 6 * H, now).status).toBe('online');
    expect(freshnessOf(station, now - 6 * H - 1, now).status).toBe('late');
    expect(freshnessOf(station, now - 12 * H, now).status).toBe('late');
    expect(freshnessOf(station, now - 12 * H - 1, now).status).toBe('offline');
    expect(freshnessOf(station, undefined, now)).toEqual({ status: 'offline', lastReadingAt: null, ageMs: null });
  });
});

describe('time formatting', () => {
  it('matches formatInZone across a daylight-saving change, fast path and slow path alike', () => {
    const from = Date.parse('2024-03-30T00:00:00Z');
    const to = Date.parse('2024-04-01T00:00:00Z');
    const fmt = createTimeFormatter('Europe/Berlin', from, to);
    for (let t = from; t < to; t += 30 * 60_000) expect(fmt(t)).toBe(formatInZone(t, 'Europe/Berlin'));
    expect(fmt(Date.parse('2024-03-31T01:00:00Z'))).toBe('2024-03-31T03:00:00+02:00');
    const later = Date.parse('2024-10-27T01:30:00Z'); // outside the prepared range
    expect(fmt(later)).toBe(formatInZone(later, 'Europe/Berlin'));
    expect(createTimeFormatter('Asia/Shanghai', 0, DAY)(1_500)).toBe('1970-01-01T08:00:01.500+08:00');
  });
});

describe('judging a window', () => {
  const catalog = testCatalog();
  const stats = (values: Record<string, [number | null, number, number?]>) =>
    new Map(
      Object.entries(values).map(([k, [mean, count, excluded = 0]]) => [k, { mean, count, excluded } as ItemStats]),
    ) as Map<never, ItemStats>;

  it('a section without a target: class and grade, no compliance', () => {
    const station = {
      ...catalog.station('control')!,
      section: { role: 'control' as const, level: 'municipal' as const, waterbody: 'river' as const },
    };
    const v = judgeWindow({
      standard: standardOf(catalog, station),
      parameters: ['nh3n', 'tp'],
      stats: stats({ nh3n: [0.4, 24], tp: [0.1, 24] }),
      required: 18,
    });
    expect(v).toMatchObject({ status: 'no_target', compliant: null, class: 'II', grade: '优' });
  });

  it('a violation is certain from the items that have data; compliance needs all of them', () => {
    const standard = standardOf(catalog, catalog.station('control')!);
    const params = ['ph', 'do', 'codmn', 'nh3n', 'tp'] as const;
    const some = stats({ nh3n: [2.5, 24], tp: [0.1, 3] });
    expect(judgeWindow({ standard, parameters: params, stats: some, required: 18 })).toMatchObject({
      status: 'non_compliant',
      class: '劣V',
      lacking: ['ph', 'do', 'codmn', 'tp'],
      primary_pollutants: ['nh3n'],
    });
    const clean = stats({ nh3n: [0.5, 24], tp: [0.1, 3] });
    expect(judgeWindow({ standard, parameters: params, stats: clean, required: 18 })).toMatchObject({
      status: 'insufficient_data',
      compliant: null,
      class: 'II',
    });
    expect(judgeWindow({ standard, parameters: params, stats: new Map(), required: 18 })).toMatchObject({
      status: 'insufficient_data',
      class: null,
    });
  });

  it('black-odorous: any light or severe indicator fails remediation', () => {
    const standard = standardOf(catalog, catalog.station('creek')!);
    const v = judgeWindow({
      standard,
      parameters: ['transparency', 'do', 'orp', 'nh3n'],
      stats: stats({ transparency: [30, 24], do: [1.5, 24], orp: [100, 24], nh3n: [2, 24] }),
      required: 18,
    });
    expect(v).toMatchObject({ status: 'non_compliant', black_odorous: 'light' });
    expect(v.items.do).toMatchObject({ level: 'light' });
  });
});

describe('dead-letter pages', () => {
  // Five letters in one millisecond and two earlier: pages of two must give each exactly once, in order.
  const letters: DeadLetter[] = [
    ...Array.from({ length: 5 }, (_, i) => ({
      receivedAt: 1_000,
      stationId: 's',
      topic: 't',
      reason: 'r',
      detail: `same-${4 - i}`,
      payload: '',
    })),
    { receivedAt: 900, stationId: 's', topic: 't', reason: 'r', detail: 'b', payload: '' },
    { receivedAt: 800, stationId: 's', topic: 't', reason: 'r', detail: 'a', payload: '' },
  ];
  const store = {
    async deadLetters(q: { from?: number; to?: number; limit?: number }) {
      return letters
        .filter((l) => l.receivedAt >= (q.from ?? 0) && l.receivedAt < (q.to ?? Infinity))
        .slice(0, q.limit);
    },
  } as unknown as ReadingStore;

  it('neither loses nor repeats letters sharing a millisecond', async () => {
    const seen: string[] = [];
    let cursor;
    for (let i = 0; i < 10; i++) {
      const page = await deadLetterPage({ store }, { from: 0, to: 2_000, limit: 2, cursor });
      seen.push(...page.items.map((l) => l.detail));
      if (!page.next) break;
      cursor = page.next;
    }
    expect(seen).toEqual(['same-4', 'same-3', 'same-2', 'same-1', 'same-0', 'b', 'a']);
  });
});

describe('station statuses', () => {
  it('bound every latest query in time, and look further back only for series silent for longer', async () => {
    const { stationStatuses, RECENT_MS } = await import('../../src/services/station-status.js');
    const catalog = testCatalog();
    const now = sh(2024, 6, 15, 12);
    const calls: { stationIds?: string[]; validOnly?: boolean; since?: number }[] = [];
    const recentOnly = catalog.stations.filter((s) => s.id !== 'control');
    const store = {
      latest: async (q: { stationIds?: string[]; validOnly?: boolean; since?: number }) => {
        calls.push(q);
        // Every measured parameter of every station but `control` reported an hour ago.
        if (q.since === undefined) return [{ stationId: 'control', parameter: 'nh3n', ts: sh(2024, 6, 1), value: 3, flag: 'N' }];
        return recentOnly.flatMap((s) => s.parameters.map((parameter) => ({ stationId: s.id, parameter, ts: now - H, value: 1, flag: 'N' })));
      },
    } as unknown as ReadingStore;
    const statuses = await stationStatuses({ store, catalog, now: () => now }, catalog.stations);
    expect(calls.filter((c) => c.since === undefined)).toEqual([{ stationIds: ['control'] }]);
    expect(calls.find((c) => !c.validOnly && c.since !== undefined)!.since).toBe(now - RECENT_MS);
    expect(calls.find((c) => c.validOnly)!.since).toBeGreaterThanOrEqual(now - RECENT_MS);
    expect(statuses.find((s) => s.station.id === 'control')!.latest.nh3n).toEqual({ ts: sh(2024, 6, 1), value: 3, flag: 'N' });
  });
});
