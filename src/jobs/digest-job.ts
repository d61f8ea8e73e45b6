/**
 * The daily compliance digest job (default 08:30 local time): yesterday's report (digest-report.ts) to the
 * bureau — the catalog's city-level units, or DIGEST_UNITS — and to the deployment's default channel, queued in
 * the alert outbox like any notification, so it is retried while a receiver is down and survives restarts.
 *
 * Each (day, unit, channel) is queued once: its outbox id is derived from them, so a second run for the same day
 * (a manual run, a catch-up at start-up after the 08:30 run already happened) queues nothing new.
 *
 * A digest is never built on data that could not be read (issue 12 item 4: a database outage used to read as
 * "0 non-compliant"). If the readings of any station could not be read, the run queues nothing and fails, and the
 * scheduler retries it for the same day (DIGEST_RETRY_DELAYS_MS, about four hours in all). Only the last attempt
 * sends what it has, marked incomplete with the unknown figures named, under ids of its own
 * (`…-incomplete`), so the complete digest of a later manual run is not blocked by them.
 */
import type { AlertCatalog, AlertUnit, ChannelSpec } from '../alerts/alert-catalog.js';
import type { AlertService } from '../alerts/alert-service.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { DigestNotification, Lang } from '../alerts/notification.js';
import { gbStandards } from '../alerts/rules/standards.js';
import type { Standards } from '../alerts/rules/standards-port.js';
import type { AlertSettings } from '../alerts/settings.js';
import type { WindowReadings } from '../alerts/window-data.js';
import { buildDigestReport, previousDay, type DigestMarks } from './digest-report.js';
import { digestToJson, renderDigest } from './digest-message.js';
import { PartialFailure, type Job, type StartPolicy } from './job.js';

/** Outbox rows of digests are not about one alert; the outbox table needs a number. */
const DIGEST_ALERT_ID = 0;

/** After a run that could not read all the data: 1, 2, 5, 10, 15, 30 min, then hourly three times (~4 h). */
export const DIGEST_RETRY_DELAYS_MS: readonly number[] = [1, 2, 5, 10, 15, 30, 60, 60, 60].map((m) => m * 60_000);

/**
 * The units that get the digest: the configured ids (DIGEST_UNITS), else every city-level unit of the catalog
 * (the bureau, 市生态环境局, and its city-level bodies such as the monitoring centre).
 */
export function digestRecipients(
  units: readonly { id: string; level: string }[],
  catalog: Pick<AlertCatalog, 'unit'>,
  configured?: readonly string[],
): { units: AlertUnit[]; unknown: string[] } {
  const ids = configured ?? units.filter((u) => u.level === 'city').map((u) => u.id);
  const found: AlertUnit[] = [];
  const unknown: string[] = [];
  for (const id of ids) {
    const unit = catalog.unit(id);
    if (unit) found.push(unit);
    else unknown.push(id);
  }
  return { units: found, unknown };
}

export interface DigestJobOptions {
  schedule: string;
  catalog: AlertCatalog;
  readings: WindowReadings;
  /** Data marks, when the readings apply them (the digest says how many readings were under marks). */
  marks?: DigestMarks;
  settings: AlertSettings;
  standards?: Standards;
  service: Pick<AlertService, 'rulesFor' | 'list'>;
  store: Pick<AlertStore, 'enqueue' | 'transaction'> & Partial<Pick<AlertStore, 'rejudgeCounts'>>;
  /** Told after digests were queued, so they go out at once. */
  outbox?: { nudge(): void };
  /** The bureau's units (see digestRecipients). */
  recipients: readonly AlertUnit[];
  /** Channels that get every notification (ALERT_WEBHOOK_URL). */
  defaultChannels: readonly ChannelSpec[];
  /** DIGEST_LANG, else LANG_UI; a channel's own `lang` wins. */
  lang: Lang;
  timeZone: string;
  onStart?: StartPolicy;
  /** Default DIGEST_RETRY_DELAYS_MS. */
  retryDelaysMs?: readonly number[];
}

export function createDigestJob(options: DigestJobOptions): Job {
  const standards = options.standards ?? gbStandards;
  return {
    name: 'daily-digest',
    title: { zh: '每日水质达标日报', en: 'Daily compliance digest' },
    schedule: options.schedule,
    onStart: options.onStart ?? 'if-missed',
    retry: { delaysMs: options.retryDelaysMs ?? DIGEST_RETRY_DELAYS_MS },
    async run(ctx) {
      const day = previousDay(ctx.now, options.timeZone);
      const report = await buildDigestReport(
        {
          catalog: options.catalog,
          readings: options.readings,
          ...(options.marks && { marks: options.marks }),
          settings: options.settings,
          standards,
          service: options.service,
          timeZone: options.timeZone,
          onError: (stationId, err) =>
            ctx.log.error({ err, stationId, day: day.day }, 'digest: readings of a station could not be read'),
        },
        day,
        ctx.now,
      );
      // So that a report never changes silently: how many windows were judged again that day (ADR 0013).
      const rejudged = await options.store.rejudgeCounts?.(day.start, day.end);
      if (rejudged)
        report.rejudged = {
          windows: rejudged.rejudged,
          changed: rejudged.changed,
          beyondHorizon: rejudged.beyondHorizon,
        };
      const unavailable = {
        sections: report.sections.filter((s) => s.status === 'unavailable').length,
        effluents: report.effluents.filter((e) => e.status === 'unavailable').length,
      };
      const complete = unavailable.sections + unavailable.effluents === 0;
      const counts = {
        day: day.day,
        sections: report.sections.length,
        non_compliant_sections: report.sections.filter((s) => s.status === 'non_compliant').length,
        unavailable_sections: unavailable.sections,
        effluents: report.effluents.length,
        non_compliant_effluents: report.effluents.filter((e) => e.status === 'non_compliant').length,
        unavailable_effluents: unavailable.effluents,
        open_alerts: report.openAlerts.total,
        complete,
      };
      const unreadable = `the readings of ${unavailable.sections + unavailable.effluents} station(s) could not be read`;
      if (!complete && !ctx.finalAttempt) {
        throw new PartialFailure(`${unreadable}; nothing was sent, the digest of ${day.day} is retried`, {
          ...counts,
          queued: 0,
        });
      }
      const idSuffix = complete ? '' : '-incomplete';
      const targets: { channel: ChannelSpec; unit?: AlertUnit; key: string }[] = [
        ...options.recipients.flatMap((unit) =>
          unit.channels.map((channel, i) => ({ channel, unit, key: `${unit.id}-${i}` })),
        ),
        ...options.defaultChannels.map((channel, i) => ({ channel, key: `default-${i}` })),
      ];
      if (targets.length === 0)
        ctx.log.warn({ day: day.day }, 'the digest reaches no channel (no recipient unit has one)');
      const rendered = new Map<Lang, ReturnType<typeof renderDigest>>();
      const json = digestToJson(report);
      let queued = 0;
      let alreadyQueued = 0;
      await options.store.transaction(async (tx) => {
        for (const target of targets) {
          const lang = target.channel.lang ?? options.lang;
          let message = rendered.get(lang);
          if (!message) {
            message = renderDigest(report, {
              lang,
              ...(options.catalog.publicUrl ? { publicUrl: options.catalog.publicUrl } : {}),
            });
            rendered.set(lang, message);
          }
          const notification: DigestNotification = {
            id: `digest-${day.day}-${target.key}${idSuffix}`,
            event: 'digest',
            createdAt: ctx.now,
            lang,
            title: message.title,
            text: message.text,
            ...(message.url ? { url: message.url } : {}),
            ...(target.unit ? { unit: { id: target.unit.id, name: target.unit.name } } : {}),
            digest: json,
          };
          const fresh = await tx.enqueue({
            id: notification.id,
            alertId: DIGEST_ALERT_ID,
            channel: target.channel,
            notification,
            at: ctx.now,
          });
          if (fresh) queued += 1;
          else alreadyQueued += 1;
        }
      });
      if (queued > 0) options.outbox?.nudge();
      const summary = { ...counts, targets: targets.length, queued, already_queued: alreadyQueued };
      // The last attempt sent what it had, saying which figures are unknown; the run still counts as failed.
      if (!complete)
        throw new PartialFailure(`${unreadable}; sent the digest of ${day.day} marked incomplete`, summary);
      return summary;
    },
  };
}
