/**
 * Data marks in reports (docs/reports.md, "Data basis"): the report's valid-reading buckets come through the
 * mark-applying store (marked-reading-store.ts), so an approved mark moves its readings in or out of every
 * figure, and the data basis lists the marks in effect over the periods the report compares.
 */
import { MARK_FLAG_MEANING } from '../domain/data-marks.js';
import { noDataMarksYet, type DataMarks } from '../reports/data-marks.js';
import { storedFlagReadings, type EffectiveReadings } from '../reports/effective-readings.js';
import type { ReadingStore } from '../store/reading-store.js';
import type { MarkSource } from './marked-reading-store.js';

/** `store` must be the mark-applying store (withDataMarks): it is what makes the flags effective. */
export function markedReadings(store: Pick<ReadingStore, 'aggregate'>): EffectiveReadings {
  return {
    ...storedFlagReadings(store),
    flagSource: {
      zh: '有效数据标记：站点上报的数据标记，经审核生效的人工数据标记（运维、校准、故障、停运、恢复正常）优先',
      en: 'effective flags: the flags the stations sent, overridden by approved data marks (maintenance, calibration, fault, stopped, restored)',
    },
  };
}

/**
 * The DataMarks port over the mark store. `rejudgedSince` is the re-judgment's (issue 14 item 1) to answer: the
 * service passes the verdict history (src/alerts/rejudged-windows.ts); without one (the CLI, which has no last
 * issue to compare with) nothing is listed.
 */
export function reportDataMarks(
  marks: MarkSource,
  rejudged: Pick<DataMarks, 'rejudgedSince'> = noDataMarksYet,
): DataMarks {
  return {
    available: true,
    async marksApplied(q) {
      const effective = await marks.effective({ stationIds: q.stationIds, from: q.from, to: q.to });
      return effective.map((m) => ({
        station: m.stationId,
        from: m.from,
        to: m.to,
        flag: m.flag,
        reason: `${m.reason}（${MARK_FLAG_MEANING[m.flag].zh} / ${MARK_FLAG_MEANING[m.flag].en}）`,
      }));
    },
    rejudgedSince: (q) => rejudged.rejudgedSince(q),
  };
}
