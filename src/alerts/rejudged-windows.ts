/**
 * Which windows were re-judged (issue 14) — for the data basis of a report (issue 15): "windows re-judged since
 * the last issue of the same report". Read from the alert database's append-only verdict history
 * (`window_verdicts`, docs/adr/0013-rejudgment.md), opened read-only for each question, so the API role can answer
 * it on the machine where the alerts role writes DATA_DIR/alerts.db — or from PostgreSQL with DATABASE_URL, where
 * every instance reads it. A database that does not exist yet, or that predates the verdict history, has re-judged
 * nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Postgres } from '../db/postgres.js';
import type { DataMarks, RejudgedWindow } from '../reports/data-marks.js';

const CAUSE_TEXT: Record<string, { zh: string; en: string }> = {
  late_data: { zh: '补传或迟到数据', en: 'late or back-filled data' },
  flag_correction: { zh: '数据标记更正', en: 'corrected flags' },
  mark: { zh: '人工数据标记', en: 'a data mark' },
};

const OUTCOME_TEXT: Record<string, { zh: string; en: string }> = {
  violation: { zh: '超标', en: 'violation' },
  compliant: { zh: '达标', en: 'compliant' },
  insufficient: { zh: '数据不足', en: 'insufficient data' },
};

interface Row {
  rule: string;
  station_id: string;
  window_start: number;
  window_end: number;
  outcome: string;
  cause: string;
}

/** Re-judged windows (cause other than the schedule) judged after `since` that overlap [from, to). */
const rejudgedSql = (p: (n: number) => string) =>
  `SELECT rule, station_id, window_start, window_end, outcome, cause FROM window_verdicts
   WHERE cause <> 'scheduled' AND judged_at > ${p(1)} AND window_start < ${p(2)} AND window_end > ${p(3)}
   ORDER BY window_start, station_id, seq`;

function rejudgedWindows(rows: readonly Row[], stationIds: readonly string[]): RejudgedWindow[] {
  const stations = new Set(stationIds);
  const out: RejudgedWindow[] = [];
  for (const r of rows) {
    if (!stations.has(r.station_id)) continue;
    const cause = CAUSE_TEXT[r.cause] ?? { zh: r.cause, en: r.cause };
    const outcome = OUTCOME_TEXT[r.outcome] ?? { zh: r.outcome, en: r.outcome };
    out.push({
      station: r.station_id,
      from: r.window_start,
      to: r.window_end,
      reason: `${r.rule}：因${cause.zh}重新评价为${outcome.zh} / re-judged ${outcome.en} after ${cause.en}`,
    });
  }
  return out;
}

export function rejudgedWindowsFrom(options: { dataDir: string; file?: string }): Pick<DataMarks, 'rejudgedSince'> {
  const file = options.file ?? path.join(options.dataDir, 'alerts.db');
  return {
    async rejudgedSince(q) {
      if (!fs.existsSync(file)) return [];
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        db.pragma('busy_timeout = 5000');
        const hasHistory = db
          .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'window_verdicts'")
          .get();
        if (!hasHistory) return [];
        const rows = db.prepare<[number, number, number], Row>(rejudgedSql(() => '?')).all(q.since, q.to, q.from);
        return rejudgedWindows(rows, q.stationIds);
      } finally {
        db.close();
      }
    },
  };
}

/** The same, from the verdict history the alerts instances share in PostgreSQL (DATABASE_URL). */
export function rejudgedWindowsFromPostgres(db: Postgres): Pick<DataMarks, 'rejudgedSince'> {
  return {
    async rejudgedSince(q) {
      const rows = await db.query<Row>(
        rejudgedSql((n) => `$${n}`),
        [q.since, q.to, q.from],
      );
      return rejudgedWindows(rows, q.stationIds);
    },
  };
}
