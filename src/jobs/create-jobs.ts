/**
 * Wires the alert jobs for the composition root (the `alerts` role, exactly one instance): window evaluation
 * with catch-up, the instant rules, escalation, the outbox, and the daily digest, on node-cron schedules in
 * TIMEZONE, with their runs recorded in DATA_DIR/jobs.db.
 *
 *   const alerts = createAlerts({ config, catalog: alertCatalog, readings: store, logger, settings });
 *   const jobs = createAlertJobs({ config, alerts, catalog: alertCatalog, units: catalog.units, readings: store,
 *                                  settings, logger });
 *   start: alerts.start(); jobs.start();          stop: await jobs.stop(); await alerts.stop();
 *
 * Constructors wire; start() schedules (and catches up in the background); stop() waits for running jobs and
 * closes the job store, and may be called twice. Stop the jobs before the alert store they write to.
 *
 * With a `leadership` (DATABASE_URL: several alerts instances, docs/adr/0016), the jobs run only while this
 * instance leads: start() campaigns, each term gets a fresh scheduler (which first catches up), and losing the
 * lease stops it at once. A standby's scheduler is a stopped one: it lists the jobs and refuses manual runs.
 */
import type { AlertCatalog } from '../alerts/alert-catalog.js';
import { defaultChannels, type AlertConfig, type Alerts } from '../alerts/create-alerts.js';
import { defaultAlertSettings, type AlertSettings } from '../alerts/settings.js';
import type { WindowReadings } from '../alerts/window-data.js';
import type { Config } from '../config.js';
import { parseWindow } from '../domain/time-window.js';
import type { Leadership } from '../db/leader.js';
import type { Logger } from '../logger.js';
import type { ReadingStore } from '../store/reading-store.js';
import { originalReadings } from '../marks/marked-reading-store.js';
import type { ReportArchive } from '../reports/report-archive.js';
import type { ReportService } from '../reports/report-service.js';
import { createDigestJob, digestRecipients } from './digest-job.js';
import type { DigestMarks } from './digest-report.js';
import { createReportJob, reportRecipients } from './report-job.js';
import type { Job } from './job.js';
import { createJobStore, type JobStore } from './job-store.js';
import { createScheduler, type RunSlots, type Scheduler } from './scheduler.js';
import { createSchedulerTerms } from './scheduler-terms.js';
import { createDeadLetterRetentionJob, createEscalationJob, createOutboxJob } from './upkeep-jobs.js';
import { createWindowEvaluationJob } from './window-evaluation.js';

export type JobsConfig = AlertConfig &
  Pick<
    Config,
    | 'ALERT_EVAL_DELAY'
    | 'ALERT_CATCHUP_MAX'
    | 'ALERT_REJUDGE_HORIZON'
    | 'ALERT_INSTANT_WINDOW'
    | 'JOB_WINDOWS_CRON'
    | 'JOB_INSTANT_CRON'
    | 'JOB_ESCALATION_CRON'
    | 'JOB_OUTBOX_CRON'
    | 'DIGEST_CRON'
    | 'DIGEST_LANG'
    | 'DIGEST_UNITS'
    | 'DEAD_LETTER_RETENTION'
    | 'REPORT_CRON'
    | 'REPORT_LANG'
    | 'REPORT_UNITS'
    | 'REPORT_FONT'
  >;

export interface AlertJobs {
  /** This term's scheduler (a stopped one while a standby). */
  readonly scheduler: Scheduler;
  /** True while another alerts instance holds the lease and runs the jobs (docs/adr/0016). */
  readonly standby: boolean;
  store: JobStore;
  start(): void;
  stop(): Promise<void>;
}

export interface AlertJobsDeps {
  config: JobsConfig;
  alerts: Pick<Alerts, 'service' | 'store' | 'outbox'>;
  catalog: AlertCatalog;
  /** The catalog's units with their level (`catalog.units`), to find the city-level units for the digest. */
  units: readonly { id: string; level: string }[];
  /** The reading store: windows and the digest read it, the dead-letter retention prunes it. */
  readings: WindowReadings & Pick<ReadingStore, 'pruneDeadLetters' | 'touches'>;
  /** Data marks applied by `readings` (issue 14): the digest counts the readings under them. */
  marks?: DigestMarks;
  /** The same settings the alert service was given (they decide each station's window). */
  settings?: AlertSettings;
  logger: Logger;
  now?: () => number;
  /** Tests pass `createJobStore({ file: ':memory:' })` or a store of their own; PostgreSQL's with DATABASE_URL. */
  jobStore?: JobStore;
  /** Run the jobs only while this instance holds the alerts lease (several alerts instances). */
  leadership?: Leadership;
  /** The monthly report's service, archive and catalog (issue 15); without them there is no report job. */
  reports?: {
    service: ReportService;
    archive: ReportArchive;
    catalog: Parameters<typeof reportRecipients>[1];
    publicUrl?: string;
  };
}

/** The jobs, in the order they run at start-up: judge what was missed, escalate, then send. */
export function alertJobs(deps: AlertJobsDeps): Job[] {
  const { config, alerts } = deps;
  const settings = deps.settings ?? defaultAlertSettings();
  const instantWindow = parseWindow(config.ALERT_INSTANT_WINDOW);
  const common = {
    service: alerts.service,
    catalog: deps.catalog,
    settings,
    timeZone: config.TIMEZONE,
    delayMs: config.ALERT_EVAL_DELAY,
    maxCatchUpMs: config.ALERT_CATCHUP_MAX,
    instantWindow,
  };
  const recipients = digestRecipients(deps.units, deps.catalog, config.DIGEST_UNITS);
  if (recipients.unknown.length > 0) {
    deps.logger.warn({ unknown: recipients.unknown }, 'DIGEST_UNITS names units that are not in the catalog');
  }
  return [
    createWindowEvaluationJob({
      ...common,
      name: 'alert-windows',
      title: { zh: '断面与排口达标评价（含停机补评）', en: 'Compliance windows (with catch-up)' },
      schedule: config.JOB_WINDOWS_CRON,
      kind: 'window',
      // Touches are read from the store as written (a data-marks decorator adds nothing to them).
      rejudge: {
        readings: originalReadings(deps.readings as ReadingStore),
        store: alerts.store,
        horizonMs: config.ALERT_REJUDGE_HORIZON,
      },
    }),
    createWindowEvaluationJob({
      ...common,
      name: 'alert-instant',
      title: { zh: '预警、离线与仪器状态', en: 'Early warning, offline and sensor health' },
      schedule: config.JOB_INSTANT_CRON,
      kind: 'instant',
    }),
    createEscalationJob({ schedule: config.JOB_ESCALATION_CRON, service: alerts.service }),
    createOutboxJob({ schedule: config.JOB_OUTBOX_CRON, outbox: alerts.outbox }),
    createDigestJob({
      schedule: config.DIGEST_CRON,
      catalog: deps.catalog,
      readings: deps.readings,
      ...(deps.marks && { marks: deps.marks }),
      settings,
      service: alerts.service,
      store: alerts.store,
      outbox: alerts.outbox,
      recipients: recipients.units,
      defaultChannels: defaultChannels(config),
      lang: config.DIGEST_LANG ?? config.LANG_UI,
      timeZone: config.TIMEZONE,
    }),
    // DEAD_LETTER_RETENTION=0d keeps dead letters forever.
    ...(config.DEAD_LETTER_RETENTION > 0
      ? [createDeadLetterRetentionJob({ retentionMs: config.DEAD_LETTER_RETENTION, store: deps.readings })]
      : []),
    ...(deps.reports ? [reportJob(deps, deps.reports)] : []),
  ];
}

function reportJob(deps: AlertJobsDeps, reports: NonNullable<AlertJobsDeps['reports']>): Job {
  const { config } = deps;
  const { recipients, unknown } = reportRecipients(deps.units, reports.catalog, config.REPORT_UNITS);
  if (unknown.length > 0) deps.logger.warn({ unknown }, 'REPORT_UNITS names units that are not in the catalog');
  return createReportJob({
    schedule: config.REPORT_CRON,
    service: reports.service,
    archive: reports.archive,
    store: deps.alerts.store,
    outbox: deps.alerts.outbox,
    recipients,
    defaultChannels: defaultChannels(config),
    lang: config.REPORT_LANG ?? config.LANG_UI,
    timeZone: config.TIMEZONE,
    ...(reports.publicUrl ? { publicUrl: reports.publicUrl } : {}),
    ...(config.REPORT_FONT ? { font: config.REPORT_FONT } : {}),
  });
}

export function createAlertJobs(deps: AlertJobsDeps): AlertJobs {
  const store = deps.jobStore ?? createJobStore({ dataDir: deps.config.DATA_DIR });
  const jobs = alertJobs(deps);
  const makeScheduler = (slots?: RunSlots) =>
    createScheduler({
      jobs,
      store,
      timeZone: deps.config.TIMEZONE,
      now: deps.now ?? Date.now,
      logger: deps.logger,
      ...(slots && { slots }),
    });
  // With a leadership, a scheduler per term (scheduler-terms.ts); without, one that runs from start to stop.
  const terms = deps.leadership && createSchedulerTerms({ leadership: deps.leadership, makeScheduler });
  const single = terms ? undefined : makeScheduler();
  let stopped = false;
  return {
    get scheduler() {
      return terms?.scheduler ?? single!;
    },
    get standby() {
      return !!terms?.standby && !stopped;
    },
    store,
    start() {
      if (terms) terms.start();
      else single!.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await (terms ?? single!).stop();
      } catch (err) {
        deps.logger.error({ err }, 'stopping the job scheduler failed');
      }
      await store.close();
    },
  };
}
