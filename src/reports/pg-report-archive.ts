/**
 * Issued reports in PostgreSQL (DATABASE_URL; docs/adr/0015, migration 8): the same port as DATA_DIR/reports.db,
 * shared by every API and alerts instance, so an e-mail's attachments and a re-issue's version number are the same
 * whichever instance asks. The PDF and XLSX are in the row (bytea): one immutable row per issue, refused UPDATE,
 * DELETE and TRUNCATE by triggers. Two instances issuing the same period at once get consecutive versions.
 */
import type { Postgres } from '../db/postgres.js';
import type { WaterReport } from '../domain/report/report-model.js';
import { clampIssueLimit, type IssueSummary, type NewIssue, type ReportArchive } from './report-archive.js';

const SUMMARY = 'kind, period, version, issued_at, reason, issued_by, lang';
const UNIQUE_VIOLATION = '23505';

export function createPgReportArchive(db: Postgres): ReportArchive {
  async function issueOnce(entry: NewIssue): Promise<IssueSummary> {
    const [row] = await db.query<IssueSummary>(
      `INSERT INTO report_issues (kind, period, version, issued_at, reason, issued_by, lang, report, xlsx, pdf)
       SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, $6, $7::json, $8, $9
       FROM report_issues WHERE kind = $1 AND period = $2
       RETURNING ${SUMMARY}`,
      [
        entry.kind,
        entry.period,
        entry.issuedAt,
        entry.reason,
        entry.issuedBy,
        entry.lang,
        JSON.stringify(entry.report),
        entry.xlsx,
        entry.pdf,
      ],
    );
    return row!;
  }
  return {
    async issue(entry) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await issueOnce(entry);
        } catch (err) {
          // Another instance took this version number meanwhile: the next one is ours.
          if ((err as { code?: string }).code === UNIQUE_VIOLATION && attempt < 10) continue;
          throw err;
        }
      }
    },
    async latest(kind, period) {
      const [row] = await db.query<IssueSummary>(
        `SELECT ${SUMMARY} FROM report_issues WHERE kind = $1 AND period = $2 ORDER BY version DESC LIMIT 1`,
        [kind, period],
      );
      return row;
    },
    async list(filter = {}) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.kind) where.push(`kind = $${args.push(filter.kind)}`);
      if (filter.period) where.push(`period = $${args.push(filter.period)}`);
      const limit = `$${args.push(clampIssueLimit(filter.limit))}`;
      return db.query<IssueSummary>(
        `SELECT ${SUMMARY} FROM report_issues${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
         ORDER BY issued_at DESC, version DESC LIMIT ${limit}`,
        args,
      );
    },
    async report(kind, period, version) {
      const [row] = await db.query<{ report: WaterReport }>(
        'SELECT report FROM report_issues WHERE kind = $1 AND period = $2 AND version = $3',
        [kind, period, version],
      );
      return row?.report;
    },
    async file(kind, period, version, format) {
      const [row] = await db.query<{ f: Buffer }>(
        `SELECT ${format === 'pdf' ? 'pdf' : 'xlsx'} AS f FROM report_issues WHERE kind = $1 AND period = $2 AND version = $3`,
        [kind, period, version],
      );
      return row?.f;
    },
    // The pool belongs to the process (it serves other stores too): closed by whoever opened it.
    close: async () => undefined,
  };
}
