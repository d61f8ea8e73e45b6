/**
 * Where a report's valid readings come from — the one place that decides a reading's effective flag.
 *
 * Today the effective flag is the stored flag (HJ 212-2017 Table 8, as the station sent it): the store's
 * valid-only aggregates (flags N and T, decision 9) answer, from the hourly rollups where they are current
 * (docs/adr/0006). Issue 14 (data marks with audit) will wrap this port: an approved mark overrides the stored flag
 * of the readings it covers, so a mark's readings move in or out of these buckets without the report changing.
 */
import type { ParameterCode } from '../domain/parameters.js';
import type { Piece } from '../domain/report/period-means.js';
import { parseWindow } from '../domain/time-window.js';
import type { ReadingStore } from '../store/reading-store.js';

export interface EffectiveReadings {
  /** Where the effective flag comes from, for the report's data basis. */
  readonly flagSource: { zh: string; en: string };
  /**
   * Valid-reading buckets of one station over [from, to): daily (local days) for every parameter, hourly for pH
   * (so its mean can go through [H⁺] reading by reading for stations reporting hourly or less often).
   */
  pieces(q: {
    stationId: string;
    parameters: readonly ParameterCode[];
    from: number;
    to: number;
    timeZone: string;
  }): Promise<Partial<Record<ParameterCode, Piece[]>>>;
}

const DAY = parseWindow('1d');
const HOUR = parseWindow('1h');

export function storedFlagReadings(store: Pick<ReadingStore, 'aggregate'>): EffectiveReadings {
  return {
    flagSource: {
      zh: '以站点上报的数据标记为准（数据标记审核功能尚未启用）',
      en: 'the flags as the stations sent them (reviewed data marks do not exist yet)',
    },
    async pieces(q) {
      const daily = q.parameters.filter((p) => p !== 'ph');
      const [days, hours] = await Promise.all([
        daily.length === 0
          ? []
          : store.aggregate({
              stationId: q.stationId,
              parameters: daily,
              from: q.from,
              to: q.to,
              window: DAY,
              timeZone: q.timeZone,
              validOnly: true,
              extremes: false,
            }),
        q.parameters.includes('ph')
          ? store.aggregate({
              stationId: q.stationId,
              parameters: ['ph'],
              from: q.from,
              to: q.to,
              window: HOUR,
              timeZone: q.timeZone,
              validOnly: true,
              extremes: false,
            })
          : [],
      ]);
      const out: Partial<Record<ParameterCode, Piece[]>> = {};
      for (const b of [...days, ...hours]) {
        if (b.mean === null || b.count === 0) continue;
        (out[b.parameter] ??= []).push({ start: Math.max(b.start, q.from), count: b.count, mean: b.mean });
      }
      return out;
    },
  };
}
