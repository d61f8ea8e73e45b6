/**
 * The monthly issue, with an injected clock: the scheduler fires on day 1 at REPORT_CRON, the job builds last
 * month's report from a real store, archives it immutably and queues it in the real alert outbox; the outbox sends
 * the e-mail with both files attached (read back from the archive) and the robot message with its link.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertUnit } from '../../src/alerts/alert-catalog.js';
import { createAlertStore, type AlertStore } from '../../src/alerts/alert-store.js';
import { createChannelFactory } from '../../src/alerts/notify/channels.js';
import type { Mailer } from '../../src/alerts/notify/email.js';
import { createOutbox } from '../../src/alerts/outbox.js';
import { register as registerReports } from '../../src/api/routes/reports.js';
import { createJobStore } from '../../src/jobs/job-store.js';
import { createReportJob, reportRecipients } from '../../src/jobs/report-job.js';
import { createScheduler } from '../../src/jobs/scheduler.js';
import { silentLogger } from '../../src/logger.js';
import { createReportArchive, type ReportArchive } from '../../src/reports/report-archive.js';
import { storedFlagReadings } from '../../src/reports/effective-readings.js';
import { createReportService } from '../../src/reports/report-service.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { sh, testCatalog } from '../api-data/fixture.js';
import { createTestApp } from '../api/test-app.js';
import { seedReports } from '../reports/report-routes.case.js';

const TZ = 'Asia/Shanghai';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-report-job-'));
let store: ReadingStore;
beforeAll(async () => {
  store = createSqliteStore({ file: path.join(dir, 'readings.db'), logger: silentLogger() });
  await store.start();
  await seedReports(store);
}, 60_000);
afterAll(async () => {
  await store.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const bureau: AlertUnit = {
  id: 'bureau',
  name: { zh: '市生态环境局', en: 'City bureau' },
  channels: [
    { type: 'email', to: ['water@bureau.example'] },
    { type: 'dingtalk', url_env: 'BUREAU_DINGTALK' },
  ],
};
const operator: AlertUnit = {
  id: 'op-a',
  name: { zh: '一厂运营公司', en: 'Plant 1 operator' },
  channels: [{ type: 'email', to: ['ops@op-a.example'] }],
};

function setup(name: string) {
  const clock = { now: sh(2024, 6, 1, 7, 30) };
  const catalog = testCatalog();
  const archive: ReportArchive = createReportArchive({ file: path.join(dir, `${name}-reports.db`) });
  const alertStore: AlertStore = createAlertStore({ file: path.join(dir, `${name}-alerts.db`) });
  const sent: { to: unknown; subject: unknown; attachments: { filename: string; content: Buffer }[] }[] = [];
  const mailer: Mailer = {
    sendMail: async (m) => {
      sent.push({
        to: m.to,
        subject: m.subject,
        attachments: (m.attachments ?? []) as { filename: string; content: Buffer }[],
      });
    },
    close: () => undefined,
  };
  const posted: { url: string; body: { markdown: { title: string; text: string } } }[] = [];
  const fetchStub = (async (url: string | URL, init?: RequestInit) => {
    posted.push({ url: String(url), body: JSON.parse(String(init?.body)) as (typeof posted)[number]['body'] });
    return new Response('{"errcode":0}', { status: 200 });
  }) as typeof fetch;
  const channels = createChannelFactory({
    secrets: (n) => (n === 'BUREAU_DINGTALK' ? 'http://127.0.0.1:9/robot/send?access_token=t' : undefined),
    now: () => clock.now,
    fetch: fetchStub,
    mailer,
    attachments: (ref) => archive.file(ref.kind as 'monthly', ref.period, ref.version, ref.format),
  });
  const outbox = createOutbox({ store: alertStore, channels, now: () => clock.now, logger: silentLogger() });
  const service = createReportService({
    readings: storedFlagReadings(store),
    catalog: () => catalog,
    timeZone: TZ,
    now: () => clock.now,
    lastIssue: (kind, period) => archive.latest(kind, period),
  });
  const { recipients } = reportRecipients(
    [
      { id: 'bureau', level: 'city' },
      { id: 'op-a', level: 'operator' },
    ],
    {
      unit: (id) => (id === 'bureau' ? bureau : id === 'op-a' ? operator : undefined),
      plantsOfOperator: (id) => catalog.plantsOfOperator(id),
    },
    ['bureau', 'op-a'],
  );
  const job = createReportJob({
    schedule: '30 7 1 * *',
    service,
    archive,
    store: alertStore,
    recipients,
    defaultChannels: [],
    lang: 'zh-CN',
    timeZone: TZ,
    publicUrl: 'https://qingliu.example',
  });
  const jobStore = createJobStore({ file: path.join(dir, `${name}-jobs.db`) });
  const scheduler = (now: () => number) =>
    createScheduler({ jobs: [job], store: jobStore, timeZone: TZ, now, logger: silentLogger() });
  return { clock, archive, alertStore, outbox, sent, posted, scheduler, jobStore, service };
}

describe('the monthly report job', () => {
  it('issues last month on day 1 at 07:30, archives it and sends it: e-mail with the PDF and XLSX, DingTalk with a link', async () => {
    const s = setup('issue');
    const scheduler = s.scheduler(() => s.clock.now);
    // Not at 07:29, and not on the 2nd.
    expect(await scheduler.tick(sh(2024, 6, 1, 7, 29))).toEqual([]);
    expect(await scheduler.tick(sh(2024, 6, 2, 7, 30))).toEqual([]);
    const [fired] = await scheduler.tick(sh(2024, 6, 1, 7, 30));
    expect(fired!.result.status).toBe('completed');
    const run = fired!.result.status === 'completed' ? fired!.result.run : undefined;
    expect(run?.outcome).toBe('ok');
    expect(run?.summary).toMatchObject({ period: '2024-05', issued: 1, queued: 3 });

    const issue = (await s.archive.latest('monthly', '2024-05'))!;
    expect(issue).toMatchObject({ version: 1, reason: 'scheduled', issued_by: 'system', lang: 'zh-CN' });
    expect((await s.archive.report('monthly', '2024-05', 1))!.sections.map((x) => x.id)).toEqual([
      'inbound',
      'trib-section',
      'control',
      'outbound',
    ]);
    // The operator's own part is archived too, with its plant only.
    expect((await s.archive.report('monthly', '2024-05@op-a', 1))!.plants.map((p) => p.plant.id)).toEqual(['wwtp1']);

    const result = await s.outbox.dispatchDue();
    expect(result).toMatchObject({ delivered: 3, failed: 0, retried: 0 });
    const toBureau = s.sent.find((m) => JSON.stringify(m.to).includes('bureau'))!;
    expect(toBureau.subject).toBe('水环境质量月报 · 2024年5月');
    expect(toBureau.attachments.map((a) => a.filename)).toEqual([
      'qingliu-monthly-2024-05-v1.pdf',
      'qingliu-monthly-2024-05-v1.xlsx',
    ]);
    expect(toBureau.attachments[0]!.content.equals((await s.archive.file('monthly', '2024-05', 1, 'pdf'))!)).toBe(true);
    expect(toBureau.attachments[0]!.content.subarray(0, 5).toString()).toBe('%PDF-');
    const toOperator = s.sent.find((m) => JSON.stringify(m.to).includes('op-a'))!;
    expect(toOperator.attachments[0]!.filename).toBe('qingliu-monthly-2024-05-op-a-v1.pdf');
    expect(s.posted).toHaveLength(1);
    expect(s.posted[0]!.body.markdown.text).toContain('https://qingliu.example/#/report?kind=monthly&period=2024-05');
    expect(s.posted[0]!.body.markdown.text).toContain('支河断面：IV（目标 III）氨氮(0.20)');
  });

  it('never issues a month twice by schedule, and catches up missed months in order after downtime', async () => {
    const s = setup('catchup');
    await s.scheduler(() => s.clock.now).tick(sh(2024, 6, 1, 7, 30));
    const again = await s.scheduler(() => s.clock.now).run('monthly-report', 'manual', sh(2024, 6, 3, 9, 0));
    expect(again.status === 'completed' && again.run.summary).toMatchObject({ issued: 0, already_issued: true });
    expect((await s.archive.list({ kind: 'monthly' })).filter((i) => i.period === '2024-05')).toHaveLength(1);

    // Down from 31 July to 2 August: at start-up the missed 1 August run catches up June and July, oldest first.
    s.clock.now = sh(2024, 8, 2, 10, 0);
    const restarted = s.scheduler(() => s.clock.now);
    restarted.start();
    await restarted.whenIdle();
    await restarted.stop();
    const periods = (await s.archive.list({ kind: 'monthly' }))
      .filter((i) => !i.period.includes('@'))
      .map((i) => i.period);
    expect(periods.sort()).toEqual(['2024-05', '2024-06', '2024-07']);
    expect((await s.archive.latest('monthly', '2024-07'))!.reason).toBe('scheduled (caught up at start-up)');
  });

  it('keeps issued reports immutable: a re-issue is a new version with its reason', async () => {
    const s = setup('immutable');
    await s.scheduler(() => s.clock.now).tick(sh(2024, 6, 1, 7, 30));
    const v1 = (await s.archive.file('monthly', '2024-05', 1, 'pdf'))!;
    const report = (await s.archive.report('monthly', '2024-05', 1))!;
    const v2 = await s.archive.issue({
      kind: 'monthly',
      period: '2024-05',
      issuedAt: sh(2024, 6, 20),
      reason: 'late data from the control section',
      issuedBy: 'admin (test-admin)',
      lang: 'zh-CN',
      report,
      xlsx: Buffer.from('x'),
      pdf: Buffer.from('y'),
    });
    expect(v2.version).toBe(2);
    expect((await s.archive.latest('monthly', '2024-05'))!.reason).toBe('late data from the control section');
    expect((await s.archive.file('monthly', '2024-05', 1, 'pdf'))!.equals(v1)).toBe(true);
    const db = new Database(path.join(dir, 'immutable-reports.db'));
    expect(() => db.prepare("UPDATE report_issues SET reason = 'x' WHERE version = 1").run()).toThrow(/immutable/);
    expect(() => db.prepare('DELETE FROM report_issues').run()).toThrow(/never deleted/);
    db.close();
  });
});

describe('issued reports over the API', () => {
  it('lists every version and serves each as it was issued, to the bureau only', async () => {
    const s = setup('api');
    await s.scheduler(() => s.clock.now).tick(sh(2024, 6, 1, 7, 30));
    const t = createTestApp({
      startAt: sh(2024, 6, 15),
      routes: [
        (app) =>
          registerReports(app, {
            reports: s.service,
            archive: () => s.archive,
            now: () => sh(2024, 6, 15),
            timeZone: TZ,
          }),
      ],
    });
    const list = await t.request('/api/v1/reports/monthly/issues?period=2024-05', { as: 'bureau' });
    expect(list.status).toBe(200);
    const { items } = (await list.json()) as { items: { version: number; reason: string }[] };
    expect(items).toEqual([expect.objectContaining({ version: 1, reason: 'scheduled' })]);
    const pdf = await t.request('/api/v1/reports/monthly/issues/2024-05/1?format=pdf', { as: 'bureau' });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('cache-control')).toContain('immutable');
    expect(Buffer.from(await pdf.arrayBuffer()).equals((await s.archive.file('monthly', '2024-05', 1, 'pdf'))!)).toBe(
      true,
    );
    const json = await t.request('/api/v1/reports/monthly/issues/2024-05/1?format=json', { as: 'admin' });
    expect(((await json.json()) as { period: string }).period).toBe('2024-05');
    expect((await t.request('/api/v1/reports/monthly/issues/2024-05/2', { as: 'bureau' })).status).toBe(404);
    expect((await t.request('/api/v1/reports/monthly/issues', { as: 'operator' })).status).toBe(403);
  });
});
