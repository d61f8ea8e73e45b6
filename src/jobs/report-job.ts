/**
 * The scheduled issue of the monthly report (day 1 of each month, REPORT_CRON, default 07:30 local time): last
 * month's report for the whole city is built, rendered (XLSX and PDF in REPORT_LANG), stored in the report
 * archive as version 1 (immutable; a re-issue is a new version with its reason), and queued in the alert outbox
 * for every recipient unit's channels — e-mail with both files attached, DingTalk/WeCom/Feishu/webhook/MQTT with
 * the summary and a link to the report page. A unit of operator level gets the report of its own plants only.
 *
 * Catch-up: the job runs at start-up when a scheduled time passed since its last run (`if-missed`), and each
 * run issues every month after the last issued one up to last month (looking back at most `maxCatchUpPeriods`),
 * so a service that was down on the 1st still sends the report; a month already issued is never issued twice by
 * the schedule (a re-issue is a deliberate new version).
 */
import type { AlertCatalog, AlertUnit, ChannelSpec } from '../alerts/alert-catalog.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { Lang, ReportAttachment, ReportNotification } from '../alerts/notification.js';
import type { ReportScope } from '../api/auth/access-policy.js';
import { lastCompletedPeriod, periodKey, shiftPeriod, type Period, type PeriodKind } from '../domain/report/period.js';
import type { WaterReport } from '../domain/report/report-model.js';
import { PDF_MEDIA_TYPE, renderPdf } from '../reports/render/pdf.js';
import { XLSX_MEDIA_TYPE, renderXlsx } from '../reports/render/xlsx.js';
import type { IssueSummary, ReportArchive } from '../reports/report-archive.js';
import type { ReportService } from '../reports/report-service.js';
import { reportMessage } from '../reports/report-message.js';
import type { Job } from './job.js';

/** Outbox rows need an alert id; reports are about none. */
const REPORT_ALERT_ID = 0;

export interface ReportRecipient {
  unit: AlertUnit;
  /** Operator-level units get their plants' report; everyone else the whole city's. */
  scope: ReportScope;
}

/**
 * The units that get the report: REPORT_UNITS, else every city-level unit; an operator unit's scope is its plants.
 */
export function reportRecipients(
  units: readonly { id: string; level: string }[],
  catalog: Pick<AlertCatalog, 'unit'> & { plantsOfOperator(unitId: string): readonly { id: string }[] },
  configured?: readonly string[],
): { recipients: ReportRecipient[]; unknown: string[] } {
  const ids = configured ?? units.filter((u) => u.level === 'city').map((u) => u.id);
  const recipients: ReportRecipient[] = [];
  const unknown: string[] = [];
  for (const id of ids) {
    const unit = catalog.unit(id);
    const level = units.find((u) => u.id === id)?.level;
    if (!unit) unknown.push(id);
    else
      recipients.push({
        unit,
        scope:
          level === 'operator'
            ? { kind: 'operator', plants: catalog.plantsOfOperator(id).map((p) => p.id) }
            : { kind: 'all' },
      });
  }
  return { recipients, unknown };
}

export interface ReportJobOptions {
  schedule: string;
  kind?: PeriodKind;
  service: ReportService;
  archive: ReportArchive;
  store: Pick<AlertStore, 'enqueue' | 'transaction'>;
  outbox?: { nudge(): void };
  recipients: readonly ReportRecipient[];
  defaultChannels: readonly ChannelSpec[];
  lang: Lang;
  timeZone: string;
  /** The dashboard's base URL (catalog public_url) for links. */
  publicUrl?: string;
  font?: string;
  /** How many missed periods one run issues at most (oldest first). */
  maxCatchUpPeriods?: number;
}

function attachments(issue: IssueSummary, scopeSuffix: string): ReportAttachment[] {
  // An operator's part is archived as "2024-05@op-a"; its files are named qingliu-monthly-2024-05-op-a-v1.*.
  const base = `qingliu-${issue.kind}-${issue.period.split('@')[0]}${scopeSuffix}-v${issue.version}`;
  return [
    {
      filename: `${base}.pdf`,
      contentType: PDF_MEDIA_TYPE,
      kind: issue.kind,
      period: issue.period,
      version: issue.version,
      format: 'pdf',
    },
    {
      filename: `${base}.xlsx`,
      contentType: XLSX_MEDIA_TYPE,
      kind: issue.kind,
      period: issue.period,
      version: issue.version,
      format: 'xlsx',
    },
  ];
}

export function createReportJob(options: ReportJobOptions): Job {
  const kind = options.kind ?? 'monthly';
  const maxCatchUp = options.maxCatchUpPeriods ?? 3;

  /** Builds, renders and archives one report; the whole city's, or an operator's under its own key. */
  async function issueOne(period: Period, scope: ReportScope, at: number, reason: string) {
    const report = await options.service.build(period, scope, { now: at });
    const [xlsx, pdf] = await Promise.all([
      renderXlsx(report, options.lang),
      renderPdf(report, options.lang, options.font ? { font: options.font } : {}),
    ]);
    return { report, xlsx, pdf, reason };
  }

  return {
    name: `${kind}-report`,
    title: { zh: '水环境质量月报发布', en: 'Monthly water-quality report' },
    schedule: options.schedule,
    onStart: 'if-missed',
    async run(ctx) {
      const last = lastCompletedPeriod(kind, ctx.now, options.timeZone);
      // Oldest first: the periods after the last issued one, up to last month; without any issue in reach (a new
      // deployment), last month only — months before Qingliu ran have no report to send.
      const due: Period[] = [];
      let found = false;
      for (let p = last, i = 0; i < maxCatchUp; p = shiftPeriod(p, -1), i++) {
        if (await options.archive.latest(kind, periodKey(p))) {
          found = true;
          break;
        }
        due.unshift(p);
      }
      if (!found && due.length > 1) due.splice(0, due.length - 1);
      let issued = 0;
      let queued = 0;
      let alreadyQueued = 0;
      for (const period of due) {
        if (ctx.signal.aborted) break;
        const key = periodKey(period);
        const city = await issueOne(period, { kind: 'all' }, ctx.now, 'scheduled');
        const issue = await options.archive.issue({
          kind,
          period: key,
          issuedAt: ctx.now,
          reason: ctx.trigger === 'start' ? 'scheduled (caught up at start-up)' : 'scheduled',
          issuedBy: 'system',
          lang: options.lang,
          report: city.report,
          xlsx: city.xlsx,
          pdf: city.pdf,
        });
        issued++;
        // Operators get their own plants' report: archived under its own period key, so it stays immutable too.
        const scoped = new Map<string, { report: WaterReport; issue: IssueSummary }>();
        for (const r of options.recipients) {
          if (r.scope.kind !== 'operator' || scoped.has(r.unit.id)) continue;
          const own = await issueOne(period, r.scope, ctx.now, 'scheduled');
          scoped.set(r.unit.id, {
            report: own.report,
            issue: await options.archive.issue({
              kind,
              period: `${key}@${r.unit.id}`,
              issuedAt: ctx.now,
              reason: 'scheduled',
              issuedBy: 'system',
              lang: options.lang,
              report: own.report,
              xlsx: own.xlsx,
              pdf: own.pdf,
            }),
          });
        }
        const targets = [
          ...options.recipients.flatMap((r) =>
            r.unit.channels.map((channel, i) => ({
              channel,
              recipient: r as ReportRecipient | undefined,
              key: `${r.unit.id}-${i}`,
            })),
          ),
          ...options.defaultChannels.map((channel, i) => ({ channel, recipient: undefined, key: `default-${i}` })),
        ];
        if (targets.length === 0)
          ctx.log.warn({ period: key }, 'the report reaches no channel (no recipient unit has one)');
        await options.store.transaction(async (tx) => {
          for (const target of targets) {
            const own = target.recipient ? scoped.get(target.recipient.unit.id) : undefined;
            const report = own?.report ?? city.report;
            const archived = own?.issue ?? issue;
            const lang = target.channel.lang ?? options.lang;
            const message = reportMessage(report, archived, {
              lang,
              ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
            });
            const notification: ReportNotification = {
              id: `report-${kind}-${archived.period}-v${archived.version}-${target.key}`,
              event: 'report',
              createdAt: ctx.now,
              lang,
              title: message.title,
              text: message.text,
              ...(message.url ? { url: message.url } : {}),
              ...(target.recipient ? { unit: { id: target.recipient.unit.id, name: target.recipient.unit.name } } : {}),
              report: message.summary,
              attachments: attachments(archived, own ? `-${target.recipient!.unit.id}` : ''),
            };
            const fresh = await tx.enqueue({
              id: notification.id,
              alertId: REPORT_ALERT_ID,
              channel: target.channel,
              notification,
              at: ctx.now,
            });
            if (fresh) queued++;
            else alreadyQueued++;
          }
        });
      }
      if (queued > 0) options.outbox?.nudge();
      return {
        period: periodKey(last),
        issued,
        already_issued: due.length === 0,
        queued,
        already_queued: alreadyQueued,
      };
    },
  };
}
