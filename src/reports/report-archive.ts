/**
 * Issued reports (DATA_DIR/reports.db, SQLite): every issue of a report is kept as it was sent — the model as
 * JSON, the XLSX and the PDF — and can never be changed or removed (triggers refuse UPDATE and DELETE). A re-issue
 * (late data, data marks) is a new version with its reason; the earlier ones stay, so what a unit received on the
 * 1st can always be shown again. E-mail attachments are read from here when the outbox sends them.
 *
 * The port is async: with DATABASE_URL the archive is in PostgreSQL (pg-report-archive.ts, files in `bytea`;
 * docs/adr/0015), shared by every API and alerts instance; this SQLite adapter answers at once.
 */
import path from 'node:path';
import type { PeriodKind } from '../domain/report/period.js';
import { openSqliteFile } from '../db/sqlite-file.js';
import type { WaterReport } from '../domain/report/report-model.js';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS report_issues (
  kind TEXT NOT NULL,
  period TEXT NOT NULL,
  version INTEGER NOT NULL,
  issued_at INTEGER NOT NULL,
  reason TEXT NOT NULL,
  issued_by TEXT NOT NULL,
  lang TEXT NOT NULL,
  report TEXT NOT NULL,
  xlsx BLOB NOT NULL,
  pdf BLOB NOT NULL,
  PRIMARY KEY (kind, period, version)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS report_issues_no_update BEFORE UPDATE ON report_issues
BEGIN SELECT RAISE(ABORT, 'issued reports are immutable: issue a new version'); END;
CREATE TRIGGER IF NOT EXISTS report_issues_no_delete BEFORE DELETE ON report_issues
BEGIN SELECT RAISE(ABORT, 'issued reports are never deleted'); END;
`;

export const ISSUE_FORMATS = ['xlsx', 'pdf'] as const;
export type IssueFormat = (typeof ISSUE_FORMATS)[number];

export interface IssueSummary {
  kind: PeriodKind;
  period: string;
  version: number;
  issued_at: number;
  reason: string;
  issued_by: string;
  lang: 'zh-CN' | 'en';
}

export interface NewIssue {
  kind: PeriodKind;
  period: string;
  issuedAt: number;
  reason: string;
  issuedBy: string;
  lang: 'zh-CN' | 'en';
  report: WaterReport;
  xlsx: Buffer;
  pdf: Buffer;
}

export interface ReportArchive {
  /** Stores a new version (1 for the first issue) and returns its summary. */
  issue(entry: NewIssue): Promise<IssueSummary>;
  latest(kind: PeriodKind, period: string): Promise<IssueSummary | undefined>;
  /** Newest first. */
  list(filter?: { kind?: PeriodKind; period?: string; limit?: number }): Promise<IssueSummary[]>;
  report(kind: PeriodKind, period: string, version: number): Promise<WaterReport | undefined>;
  file(kind: PeriodKind, period: string, version: number, format: IssueFormat): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

/** At most this many summaries in one list. */
export const clampIssueLimit = (limit: number | undefined) => Math.min(Math.max(limit ?? 100, 1), 1000);

interface Row {
  kind: PeriodKind;
  period: string;
  version: number;
  issued_at: number;
  reason: string;
  issued_by: string;
  lang: 'zh-CN' | 'en';
}

const SUMMARY = 'kind, period, version, issued_at, reason, issued_by, lang';

export function createReportArchive(options: { dataDir?: string; file?: string }): ReportArchive {
  const file = options.file ?? path.join(options.dataDir ?? '.', 'reports.db');
  // Reports name plants and their exceedances before they are published: readable by the service user only.
  const { db } = openSqliteFile(file, { schemaVersion: SCHEMA_VERSION });
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
  const stmt = {
    next: db.prepare<[string, string], { v: number | null }>(
      'SELECT MAX(version) AS v FROM report_issues WHERE kind = ? AND period = ?',
    ),
    insert: db.prepare(
      `INSERT INTO report_issues (kind, period, version, issued_at, reason, issued_by, lang, report, xlsx, pdf)
       VALUES (@kind, @period, @version, @issued_at, @reason, @issued_by, @lang, @report, @xlsx, @pdf)`,
    ),
    latest: db.prepare<[string, string], Row>(
      `SELECT ${SUMMARY} FROM report_issues WHERE kind = ? AND period = ? ORDER BY version DESC LIMIT 1`,
    ),
    report: db.prepare<[string, string, number], { report: string }>(
      'SELECT report FROM report_issues WHERE kind = ? AND period = ? AND version = ?',
    ),
    xlsx: db.prepare<[string, string, number], { f: Buffer }>(
      'SELECT xlsx AS f FROM report_issues WHERE kind = ? AND period = ? AND version = ?',
    ),
    pdf: db.prepare<[string, string, number], { f: Buffer }>(
      'SELECT pdf AS f FROM report_issues WHERE kind = ? AND period = ? AND version = ?',
    ),
  };
  const issue = db.transaction((entry: NewIssue): IssueSummary => {
    const next = (stmt.next.get(entry.kind, entry.period)?.v ?? 0) + 1;
    const summary: IssueSummary = {
      kind: entry.kind,
      period: entry.period,
      version: next,
      issued_at: entry.issuedAt,
      reason: entry.reason,
      issued_by: entry.issuedBy,
      lang: entry.lang,
    };
    stmt.insert.run({ ...summary, report: JSON.stringify(entry.report), xlsx: entry.xlsx, pdf: entry.pdf });
    return summary;
  });
  return {
    issue: async (entry) => issue.immediate(entry),
    latest: async (kind, period) => stmt.latest.get(kind, period),
    async list(filter = {}) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (filter.kind) {
        where.push('kind = ?');
        args.push(filter.kind);
      }
      if (filter.period) {
        where.push('period = ?');
        args.push(filter.period);
      }
      const sql = `SELECT ${SUMMARY} FROM report_issues${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY issued_at DESC, version DESC LIMIT ?`;
      return db.prepare<(string | number)[], Row>(sql).all(...args, clampIssueLimit(filter.limit));
    },
    async report(kind, period, v) {
      const row = stmt.report.get(kind, period, v);
      return row ? (JSON.parse(row.report) as WaterReport) : undefined;
    },
    file: async (kind, period, v, format) => stmt[format].get(kind, period, v)?.f,
    close: async () => {
      if (db.open) db.close();
    },
  };
}
