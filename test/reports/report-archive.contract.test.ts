/**
 * One contract for the archive of issued reports, run against both adapters: SQLite (DATA_DIR/reports.db) and
 * PostgreSQL (DATABASE_URL, the real server of the test harness; the files in bytea). Issues are immutable in the
 * database itself, and two instances issuing the same period at once get consecutive versions.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WaterReport } from '../../src/domain/report/report-model.js';
import { createPgReportArchive } from '../../src/reports/pg-report-archive.js';
import { createReportArchive, type NewIssue, type ReportArchive } from '../../src/reports/report-archive.js';
import { storeBackends, type FreshStore } from '../harness/store-backends.js';

const backends = storeBackends<ReportArchive>('reports', {
  sqlite: (file) => createReportArchive({ file }),
  postgres: createPgReportArchive,
});

const T = Date.parse('2024-06-01T07:30:00+08:00');
// The archive keeps the model as JSON: its shape does not matter here, only that it comes back as it went in.
const model = (title: string) => ({ title, 断面: ['出境断面 outbound'], share: 0.875 }) as unknown as WaterReport;
const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x80, 0x0a]);
const entry = (over: Partial<NewIssue> = {}): NewIssue => ({
  kind: 'monthly',
  period: '2024-05',
  issuedAt: T,
  reason: 'scheduled',
  issuedBy: 'system',
  lang: 'zh-CN',
  report: model('2024年5月'),
  xlsx: Buffer.from('PK\u0003\u0004 xlsx'),
  pdf,
  ...over,
});

describe.each(backends)('report archive contract: $name', (adapter) => {
  let db: FreshStore<ReportArchive>;
  let archive: ReportArchive;
  beforeAll(() => adapter.setup());
  afterAll(() => adapter.teardown());
  beforeEach(async () => {
    db = await adapter.fresh();
    archive = db.store;
  });

  it('keeps every version as issued: summary, model, PDF and XLSX byte for byte', async () => {
    expect(await archive.latest('monthly', '2024-05')).toBeUndefined();
    const v1 = await archive.issue(entry());
    expect(v1).toEqual({
      kind: 'monthly',
      period: '2024-05',
      version: 1,
      issued_at: T,
      reason: 'scheduled',
      issued_by: 'system',
      lang: 'zh-CN',
    });
    const v2 = await archive.issue(
      entry({ issuedAt: T + 86_400_000, reason: '迟到数据 late data', issuedBy: 'admin', report: model('v2') }),
    );
    expect(v2.version).toBe(2);
    expect(await archive.latest('monthly', '2024-05')).toEqual(v2);
    expect(await archive.report('monthly', '2024-05', 1)).toEqual(model('2024年5月'));
    expect(await archive.report('monthly', '2024-05', 2)).toEqual(model('v2'));
    expect((await archive.file('monthly', '2024-05', 1, 'pdf'))!.equals(pdf)).toBe(true);
    expect((await archive.file('monthly', '2024-05', 1, 'xlsx'))!.toString()).toBe('PK\u0003\u0004 xlsx');
    expect(await archive.file('monthly', '2024-05', 3, 'pdf')).toBeUndefined();
    expect(await archive.report('annual', '2024', 1)).toBeUndefined();
  });

  it('lists newest first, by kind and period, with a limit', async () => {
    await archive.issue(entry({ period: '2024-04', issuedAt: T - 1000 }));
    await archive.issue(entry());
    await archive.issue(entry({ kind: 'quarterly', period: '2024Q2', issuedAt: T + 5 }));
    await archive.issue(entry({ issuedAt: T + 10 }));
    expect((await archive.list()).map((i) => `${i.period}v${i.version}`)).toEqual([
      '2024-05v2',
      '2024Q2v1',
      '2024-05v1',
      '2024-04v1',
    ]);
    expect((await archive.list({ kind: 'monthly', period: '2024-05' })).map((i) => i.version)).toEqual([2, 1]);
    expect(await archive.list({ kind: 'annual' })).toEqual([]);
    expect(await archive.list({ limit: 1 })).toHaveLength(1);
  });

  it('is immutable in the database: UPDATE and DELETE are refused', async () => {
    await archive.issue(entry());
    await expect(db.raw("UPDATE report_issues SET reason = 'changed'")).rejects.toThrow(/immutable/);
    await expect(db.raw('DELETE FROM report_issues')).rejects.toThrow(/never deleted/);
    if (adapter.name === 'PostgreSQL') await expect(db.raw('TRUNCATE report_issues')).rejects.toThrow(/immutable/);
    expect((await archive.latest('monthly', '2024-05'))!.reason).toBe('scheduled');
  });

  it('gives two instances issuing the same period at once consecutive versions', async () => {
    const other = db.other();
    const issued = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? other : archive).issue(entry({ reason: `r${i}` }))),
    );
    expect(issued.map((i) => i.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await other.list({ period: '2024-05' })).map((i) => i.version)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
  });
});
