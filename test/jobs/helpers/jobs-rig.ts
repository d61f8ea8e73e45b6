/**
 * The alert jobs on the alert test rig (test/alerts/helpers/setup.ts: real SQLite alert store, embedded SQLite
 * reading store, settable clock): the production wiring (createAlertJobs) with DATA_DIR/jobs.db in the rig's
 * directory, and a recorder of every window the jobs ask the service to judge.
 */
import type { AlertService } from '../../../src/alerts/alert-service.js';
import type { CatalogData } from '../../../src/alerts/alert-catalog.js';
import { createAlertCatalog } from '../../../src/alerts/alert-catalog.js';
import { defaultAlertSettings, type AlertSettingsInput } from '../../../src/alerts/settings.js';
import type { RuleId } from '../../../src/alerts/types.js';
import { loadConfig } from '../../../src/config.js';
import type { ReadingStore } from '../../../src/store/reading-store.js';
import { silentLogger } from '../../../src/logger.js';
import { createAlertJobs, type AlertJobs, type JobsConfig } from '../../../src/jobs/create-jobs.js';
import type { DigestMarks } from '../../../src/jobs/digest-report.js';
import { catalogData } from '../../alerts/helpers/fixtures.js';
import { createRig, SECRETS, type Rig } from '../../alerts/helpers/setup.js';

export interface EvaluationCall {
  stationId: string;
  rule: RuleId;
  start: number;
  end: number;
}

export interface JobsRig {
  rig: Rig;
  jobs: AlertJobs;
  config: JobsConfig;
  /** Every evaluateWindow call the jobs made, in order. */
  calls: EvaluationCall[];
  /** Set to hold evaluations of one rule until the promise resolves (a slow run). */
  hold: { until?: Promise<void>; rule?: RuleId };
  /** Evaluations of this station throw, as when its readings cannot be read. */
  failing: { stationId?: string };
  /** The service as the jobs see it (recording, holdable). */
  service(): AlertService;
  /** "Stops the service": the jobs, then the alert store; opens both again on the same files (not started). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function createJobsRig(
  options: {
    hookUrl?: string;
    defaultHook?: string;
    settings?: AlertSettingsInput;
    catalog?: CatalogData;
    env?: Record<string, string>;
    readings?: ReadingStore;
    /** Data marks applied by `readings` (the digest counts readings under them). */
    marks?: DigestMarks;
  } = {},
): Promise<JobsRig> {
  const catalog = options.catalog ?? catalogData(options.hookUrl);
  const rig = await createRig({
    ...(options.hookUrl ? { hookUrl: options.hookUrl } : {}),
    ...(options.defaultHook ? { defaultHook: options.defaultHook } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.readings ? { readings: options.readings } : {}),
    catalog,
  });
  const config = loadConfig({
    DATA_DIR: rig.dir,
    ...(options.defaultHook
      ? { ALERT_WEBHOOK_URL: options.defaultHook, ALERT_WEBHOOK_SECRET: SECRETS.ALERT_WEBHOOK_SECRET! }
      : {}),
    ...options.env,
  });
  const alertCatalog = createAlertCatalog(catalog);
  const settings = defaultAlertSettings(options.settings);
  const calls: EvaluationCall[] = [];
  const hold: JobsRig['hold'] = {};
  const failing: JobsRig['failing'] = {};

  const recording = (): AlertService => {
    const real = rig.service;
    return {
      ...real,
      async evaluateWindow(input) {
        calls.push({ ...input });
        if (failing.stationId === input.stationId) throw new Error('the reading store did not answer');
        if (hold.until && (hold.rule === undefined || hold.rule === input.rule)) await hold.until;
        return real.evaluateWindow(input);
      },
    };
  };

  const build = () =>
    createAlertJobs({
      config,
      alerts: { service: recording(), store: rig.store, outbox: rig.outbox },
      catalog: alertCatalog,
      units: [
        { id: 'district-env', level: 'district' },
        { id: 'city-bureau', level: 'city' },
        { id: 'ops-co', level: 'maintainer' },
      ],
      readings: rig.readings,
      ...(options.marks && { marks: options.marks }),
      settings,
      logger: silentLogger(),
      now: rig.clock.now,
    });

  const jr: JobsRig = {
    rig,
    jobs: build(),
    config,
    calls,
    hold,
    failing,
    service: recording,
    async restart() {
      await jr.jobs.stop();
      await rig.restart();
      jr.jobs = build();
    },
    async close() {
      await jr.jobs.stop();
      await rig.close();
    },
  };
  return jr;
}
