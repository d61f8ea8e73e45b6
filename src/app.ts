/**
 * Composition root: builds every component from Config and returns the HTTP app with start/stop.
 * Constructors wire; start() connects; stop() undoes in reverse order and may be called twice.
 *
 * Which components run depends on ROLES (ingest, api, alerts) and on what is configured:
 * - no MQTT_URL → an embedded MQTT broker on MQTT_PORT (the no-infrastructure demo);
 * - no INFLUX_URL → the embedded SQLite store in DATA_DIR;
 * - demo mode (DEMO; by default when neither is set) → the sensor simulator publishes for every station of the
 *   catalog, and an admin key is generated when none is configured.
 * The modules of roles this instance does not run are never loaded (see the dynamic imports below).
 */
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Alerts } from './alerts/create-alerts.js';
import { prepareApiKeys } from './api/auth/startup.js';
import { cliCommand } from './cli-hint.js';
import type { KeyStore } from './api/auth/key-store.js';
import type { ApiApp, RegisterRoutes } from './api/env.js';
import { createHttpApp } from './api/http.js';
import type { EmbeddedBroker } from './broker/embedded-broker.js';
import { CatalogError, loadCatalog, type Catalog } from './catalog/index.js';
import { apiKeysFile, catalogSecretsEnv, hasRole, hj212Port, isDemo, type Config } from './config.js';
import type { DemoFeed } from './demo/demo-feed.js';
import { ingestClientId } from './ingest/client-id.js';
import { deferredStart } from './ingest/deferred-store.js';
import { createIngester, type Ingester } from './ingest/ingester.js';
import type { DeviceStateStore } from './ingest/hj212/device-state.js';
import type { Hj212Source } from './ingest/hj212/gateway-source.js';
import type { StationDirectory } from './ingest/station-directory.js';
import type { AlertJobs } from './jobs/create-jobs.js';
import type { Postgres } from './db/postgres.js';
import { createSharedTokenBucketLimiter } from './api/shared-rate-limit.js';
import { withKeyPrefix } from './api/rate-limit.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { maskUrl } from './secrets.js';
import { createStore, storeTarget } from './store/create-store.js';
import type { InfluxStore } from './store/influx/influx-store.js';
import type { ReadingStore } from './store/reading-store.js';
import type { Dashboard } from './web/serve.js';
import type { ReportArchive } from './reports/report-archive.js';
import type { ReportService } from './reports/report-service.js';
import { withDataMarks } from './marks/marked-reading-store.js';
import { combinedMarks, deviceHealth, withStandardChecks } from './marks/device-mark-source.js';
import type { MarkStore } from './marks/mark-store.js';
import type { MarkService } from './marks/mark-service.js';

// The API routes, the dashboard, the alerts, the jobs, the embedded broker and the demo are imported only by
// the instances that run them (dynamic import): an ingest-only process (ROLES=ingest) never loads their
// modules, which keeps its memory to what ingest needs (docs/benchmarks.md, "Memory").

export interface App {
  http: ApiApp;
  metrics: Metrics;
  /** Present after start() when this instance ingests. */
  readonly ingester: Ingester | undefined;
  /** The generated admin key of demo mode (printed at start-up), once started, and the file that keeps it. */
  readonly demoAdminKey: string | undefined;
  readonly demoAdminKeyFile: string | undefined;
  /** The HJ 212 gateway's address once listening (HJ212_PORT), when this instance ingests. */
  readonly hj212Address: { port: number; host: string } | undefined;
  /** The MQTT URL this instance ingests from (the embedded broker's when MQTT_URL is unset), credentials masked. */
  readonly mqttUrl: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AppDeps {
  config: Config;
  logger: Logger;
  now?: () => number;
  /** Tests inject these; otherwise they come from Config (createStore) and the CATALOG file. */
  store?: ReadingStore;
  stations?: StationDirectory;
  /** Where the catalog's HJ 212 secrets are read (default: the process environment). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Run the sensor simulator (default: in demo mode, see DEMO). */
  demoFeed?: boolean;
  /** Where the demo's backfill progress bar is drawn. */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** A catalog that cannot be used, worded for the person starting the service: which variable points at it. */
function catalogStartupError(err: CatalogError): Error {
  const missing = err.issues.length === 1 && err.issues[0]!.message === 'file not found';
  const lines = missing
    ? [
        `站点目录文件不存在 The station catalog does not exist: CATALOG=${err.file}`,
        '  设置 CATALOG 为目录文件的路径（演示目录为 sensors/catalog.yaml，格式见 sensors/README.md）',
        '  Set CATALOG to the catalog file (the demo one is sensors/catalog.yaml; the format is in sensors/README.md)',
      ]
    : [
        `站点目录有误 The station catalog (CATALOG=${err.file}) cannot be used:`,
        ...err.message.split('\n').map((l) => `  ${l}`),
      ];
  return new Error(lines.join('\n'), { cause: err });
}

/** Builds the app; async because it loads the modules of the roles this instance runs. */
export async function createApp(deps: AppDeps): Promise<App> {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'app' });
  const roles = { ingest: hasRole(config, 'ingest'), api: hasRole(config, 'api'), alerts: hasRole(config, 'alerts') };
  const demo = deps.demoFeed ?? isDemo(config);
  const metrics = createMetrics();
  // The MQTT client id of this instance's sessions: MQTT_CLIENT_ID, or a random one kept in DATA_DIR.
  const clientId =
    roles.ingest || roles.alerts
      ? ingestClientId({ configured: config.MQTT_CLIENT_ID, dataDir: config.DATA_DIR })
      : undefined;
  const store =
    deps.store ??
    createStore(config, deps.logger, {
      ...(clientId && { ingestClientId: clientId }),
      onWriteThreadExit: () => metrics.ingest.storeWriteThreadExits.inc(),
    });
  const target = deps.store ? store.kind : storeTarget(config);
  // The InfluxDB store of an ingest process owes hourly rollups (docs/adr/0006): how many, on /metrics.
  const rollups = (store as Partial<InfluxStore>).rollups;
  if (roles.ingest && rollups) metrics.ingest.observeRollups(() => rollups.pending);
  const ingestStore = deferredStart(store);
  // Data marks (issue 14): everything that reads readings — routes, alerts, jobs, reports — reads them with their
  // effective flags through this decorator; ingest writes to the store itself. The mark store opens in start().
  let markStore: MarkStore | undefined;
  let markService: MarkService | undefined;
  const markStoreNow = (): MarkStore => {
    if (!markStore) throw new Error('the data-mark store is not started yet');
    return markStore;
  };
  // The loggers' failed standard-sample checks and equipment states are marks too (docs/adr/0017): read from the
  // device state the ingest role records (prepareDeviceStates: PostgreSQL or DATA_DIR/devices.db), opened on first use.
  const deviceStatesNow = async (): Promise<DeviceStateStore> => {
    if (!openDeviceStates) await prepareDeviceStates();
    return (deviceStates ??= openDeviceStates!());
  };
  const health = deviceHealth({
    store: deviceStatesNow,
    stationsWithLoggers: () => catalogNow().stations.flatMap((s) => (s.hj212 ? [s.id] : [])),
    timeZone: config.TIMEZONE,
  });
  const readings = withDataMarks(store, combinedMarks({ effective: (q) => markStoreNow().effective(q) }, health));

  let catalog: Catalog | undefined;
  let keyStore: KeyStore | undefined;
  let demoAdminKey: string | undefined;
  let demoAdminKeyFile: string | undefined;
  let broker: EmbeddedBroker | undefined;
  let ingester: Ingester | undefined;
  let hj212: Hj212Source | undefined;
  /** Where the gateway read the catalog's logger secrets (the demo's loggers use the same). */
  let hj212Env: Readonly<Record<string, string | undefined>> | undefined;
  let deviceStates: DeviceStateStore | undefined;
  let alerts: Alerts | undefined;
  let jobs: AlertJobs | undefined;
  let feed: DemoFeed | undefined;
  let alertPublisher: MqttClient | undefined;
  /** The simulated history published at this start, whose windows the demo judges before the jobs start. */
  let demoHistory: { from: number; to: number } | undefined;
  let dashboard: Dashboard | undefined;
  // Monthly reports (issue 15): one service for the API and the scheduled issue, one archive of issued versions.
  let reportArchive: ReportArchive | undefined;
  let reportService: ReportService | undefined;
  /** The control-state database (DATABASE_URL, docs/adr/0015); unset: SQLite files in DATA_DIR. */
  let controlDb: Postgres | undefined;
  const shutdown = new AbortController();

  const catalogNow = (): Catalog => {
    if (!catalog) throw new Error('the catalog is not loaded yet');
    return catalog;
  };
  const reportServiceNow = (): ReportService => {
    if (!reportService) throw new Error('the report service is not started yet');
    return reportService;
  };

  /** The report archive (PostgreSQL, or DATA_DIR/reports.db) and the service, for the API and the alerts role. */
  async function startReports(): Promise<void> {
    const [
      { createReportArchive },
      { createReportService },
      { markedReadings, reportDataMarks },
      { rejudgedWindowsFrom, rejudgedWindowsFromPostgres },
    ] = await Promise.all([
      import('./reports/report-archive.js'),
      import('./reports/report-service.js'),
      import('./marks/report-marks.js'),
      import('./alerts/rejudged-windows.js'),
    ]);
    // Shared by every API and alerts instance with DATABASE_URL (the files in the rows, docs/adr/0015).
    const archive = controlDb
      ? (await import('./reports/pg-report-archive.js')).createPgReportArchive(controlDb)
      : createReportArchive({ dataDir: config.DATA_DIR });
    reportArchive = archive;
    reportService = createReportService({
      readings: markedReadings(readings),
      // Windows re-judged since the last issue: from the verdict history the alerts role keeps (PostgreSQL with
      // DATABASE_URL, else DATA_DIR/alerts.db).
      marks: reportDataMarks(
        markStoreNow(),
        controlDb ? rejudgedWindowsFromPostgres(controlDb) : rejudgedWindowsFrom({ dataDir: config.DATA_DIR }),
      ),
      catalog: catalogNow,
      timeZone: config.TIMEZONE,
      now,
      lastIssue: (kind, period) => archive.latest(kind, period),
    });
  }

  /**
   * The mark store — PostgreSQL with DATABASE_URL (shared by every API and alerts instance), else DATA_DIR/marks.db —
   * and the service that records marks and decisions. A mark taking effect or revoked is recorded
   * as touched windows in the reading store, where the alerts role re-judges them (docs/adr/0013-rejudgment.md);
   * an injected store that cannot record them gets `noRejudgmentYet`, named as such.
   */
  async function startMarks(): Promise<void> {
    const [{ createMarkService, noRejudgmentYet }, { recordedWindowTouches }] = await Promise.all([
      import('./marks/mark-service.js'),
      import('./alerts/recorded-touches.js'),
    ]);
    markStore = controlDb
      ? (await import('./marks/pg-mark-store.js')).createPgMarkStore(controlDb)
      : (await import('./marks/sqlite-mark-store.js')).createSqliteMarkStore({ dataDir: config.DATA_DIR });
    markService = createMarkService({
      store: markStore,
      touches: store.recordTouches ? recordedWindowTouches(store) : noRejudgmentYet,
      now,
      autoApproveOperator: config.MARKS_AUTO_APPROVE_OPERATOR,
      logger: deps.logger,
    });
  }

  /**
   * Connects to DATABASE_URL and applies pending migrations (under a lock: instances may start together). An
   * ingest-only instance (`required: false`: it keeps only the HJ 212 loggers' state there) does not wait for the
   * database: readings never depend on it; it retries in the background, and the state updates wait meanwhile.
   */
  async function openControlDatabase(url: string, required = true): Promise<void> {
    const [{ openPostgres, checkConnection }, { migrate }] = await Promise.all([
      import('./db/postgres.js'),
      import('./db/migrate.js'),
    ]);
    const db = openPostgres({ url, logger: deps.logger });
    controlDb = db;
    const ready = async () => {
      await checkConnection(db);
      await migrate(db, deps.logger);
      log.info({ database: db.shownUrl }, 'control state in PostgreSQL');
    };
    if (required) return ready();
    const attempt = () =>
      ready().catch((err: unknown) => {
        if (shutdown.signal.aborted) return;
        log.warn({ err, database: db.shownUrl }, 'PostgreSQL does not answer yet; the loggers’ state waits');
        setTimeout(() => void attempt(), 10_000).unref();
      });
    void attempt();
  }

  /**
   * The HJ 212 loggers' state: PostgreSQL with DATABASE_URL (every ingest, API and alerts instance: the API serves
   * it, the alerts judge with its device marks), else DATA_DIR/devices.db.
   */
  let openDeviceStates: (() => DeviceStateStore) | undefined;
  async function prepareDeviceStates(): Promise<void> {
    const db = controlDb;
    if (db) {
      const { createPgDeviceStateStore } = await import('./ingest/hj212/pg-device-state.js');
      openDeviceStates = () => createPgDeviceStateStore(db);
    } else {
      const { createSqliteDeviceStateStore, deviceStateFile } = await import('./ingest/hj212/sqlite-device-state.js');
      openDeviceStates = () => createSqliteDeviceStateStore(deviceStateFile(config.DATA_DIR));
    }
  }

  const routes: RegisterRoutes[] = [];
  const publicRoutes: RegisterRoutes[] = [];
  if (roles.api) {
    const [
      { registerDataRoutes },
      { register: registerAlertRoutes },
      { register: registerJobRoutes },
      { mountDashboard },
      { register: registerReportRoutes },
      { register: registerMarkRoutes },
      { register: registerLoggerRoutes },
    ] = await Promise.all([
      import('./api/routes/index.js'),
      import('./api/routes/alerts.js'),
      import('./api/routes/jobs.js'),
      import('./web/serve.js'),
      import('./api/routes/reports.js'),
      import('./api/routes/marks.js'),
      import('./api/routes/logger.js'),
    ]);
    routes.push(
      registerDataRoutes({
        store: readings,
        catalog: catalogNow,
        now,
        timeZone: config.TIMEZONE,
        maxRangeDays: config.API_MAX_RANGE_DAYS,
        alertStore: () => alerts?.store,
      }),
      // The alert routes answer 503 while this instance has no alerts role and no DATABASE_URL (or before start()).
      (app) =>
        registerAlertRoutes(app, {
          service: () => alerts?.service,
          catalog: catalogNow,
          now,
          timeZone: config.TIMEZONE,
          signal: shutdown.signal,
          maxStreamsPerKey: config.ALERT_STREAMS_PER_KEY,
        }),
      (app) => registerJobRoutes(app, { scheduler: () => jobs?.scheduler, standby: () => jobs?.standby ?? false }),
      // The loggers' state is written by the ingest role, perhaps other processes: read where they write it.
      (app) =>
        registerLoggerRoutes(app, {
          catalog: catalogNow,
          devices: () => (deviceStates ??= openDeviceStates!()),
          now,
          timeZone: config.TIMEZONE,
        }),
      (app) =>
        registerReportRoutes(app, {
          reports: { build: (...args) => reportServiceNow().build(...args) },
          archive: () => reportArchive,
          now,
          timeZone: config.TIMEZONE,
          ...(config.REPORT_FONT ? { font: config.REPORT_FONT } : {}),
        }),
      (app) =>
        registerMarkRoutes(app, {
          service: () => markService,
          catalog: catalogNow,
          now,
          timeZone: config.TIMEZONE,
          maxRangeDays: config.API_MAX_RANGE_DAYS,
        }),
    );
    publicRoutes.push((app) => {
      dashboard = mountDashboard(app, {
        logger: deps.logger,
        page: { timeZone: config.TIMEZONE, demo, keysCommand: cliCommand('keys add --name NAME --role bureau') },
      });
    });
  }

  // With DATABASE_URL the API instances share each key's rate limit (synced in the background, never awaited).
  const sharedLimiter = config.DATABASE_URL
    ? createSharedTokenBucketLimiter({ db: () => controlDb, now, logger: deps.logger })
    : undefined;
  const http = createHttpApp({
    logger: deps.logger,
    keys: {
      authenticate: async (key) => {
        if (!keyStore) return { ok: false, reason: 'unknown' } as Awaited<ReturnType<KeyStore['authenticate']>>;
        return keyStore.authenticate(key);
      },
    },
    now,
    rateLimit: { perMinute: config.RATE_LIMIT_PER_MINUTE, burst: config.RATE_LIMIT_BURST },
    // One shared limiter, two kinds of bucket: a scanner spread over the instances meets one budget per address.
    ...(sharedLimiter && {
      rateLimiter: withKeyPrefix(sharedLimiter, 'key:'),
      invalidKeyLimiter: withKeyPrefix(sharedLimiter, 'address:'),
    }),
    metrics: metrics.registry,
    readiness: [
      { name: 'store', target, check: () => ingestStore.ping() },
      ...(roles.ingest
        ? [
            {
              name: 'broker',
              target: config.MQTT_URL
                ? `MQTT_URL=${maskUrl(config.MQTT_URL)}`
                : `MQTT_PORT=${config.MQTT_PORT} (embedded)`,
              check: async () => ingester?.brokerConnected ?? false,
            },
          ]
        : []),
    ],
    routes,
    publicRoutes,
    openapi: { version: '0.1.0' },
  });

  async function startIngest(): Promise<void> {
    let url = config.MQTT_URL;
    if (!url) {
      const { createEmbeddedBroker } = await import('./broker/embedded-broker.js');
      // Stations wait until the ingester has subscribed: publishing earlier would lose their messages (issue 12).
      broker = createEmbeddedBroker({ port: config.MQTT_PORT, logger: deps.logger, gated: true });
      await broker.start();
      url = broker.internalUrl;
      log.info({ url: broker.url }, 'embedded MQTT broker listening (set MQTT_URL to use an external broker)');
    }
    const stations: StationDirectory = deps.stations ?? catalogNow();
    // Behind deploy/mosquitto/mosquitto.conf a station's session is named after its username: an ingester whose
    // client id is a station id would share that station's session.
    if (catalogNow().station(clientId!)) {
      throw new Error(
        `MQTT_CLIENT_ID "${clientId}" is the id of a station in the catalog; choose another (or unset it)`,
      );
    }
    ingester = createIngester({
      mqtt: {
        url,
        clientId: clientId!,
        username: config.MQTT_USERNAME,
        password: config.MQTT_PASSWORD,
        shareGroup: config.MQTT_SHARE_GROUP,
      },
      spool: {
        dir: path.join(config.DATA_DIR, 'spool'),
        maxBytes: config.SPOOL_MAX_BYTES,
        segmentBytes: config.SPOOL_SEGMENT_BYTES,
        fsyncIntervalMs: config.SPOOL_FSYNC_MS,
      },
      maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
      maxFutureSkewSeconds: config.MAX_FUTURE_SKEW_SECONDS,
      stations,
      store: ingestStore,
      logger: deps.logger,
      metrics: metrics.ingest,
      now,
      sources: await hj212Sources(),
    });
    await ingester.start();
    if (broker) {
      const timedOut = await Promise.race([
        ingester.source.subscribed.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 30_000).unref()),
      ]);
      if (timedOut)
        log.warn('the ingester has not subscribed to the embedded broker within 30 s; admitting stations anyway');
      broker.open();
    }
  }

  /** The HJ 212 gateway (HJ212_PORT; 9212 in demo mode), fed into the ingester's pipeline. */
  async function hj212Sources() {
    const port = hj212Port(config);
    if (port === undefined) return [];
    // Demo mode opens its default port only for a catalog that registers loggers; HJ212_PORT opens it regardless.
    if (config.HJ212_PORT === undefined && !catalogNow().stations.some((s) => s.hj212)) return [];
    const { createHj212Source } = await import('./ingest/hj212/gateway-source.js');
    hj212Env = deps.env ?? catalogSecretsEnv();
    // Demo mode only: the demo catalog's logger secrets have public demo values when unset (src/demo/demo-hj212.ts).
    if (isDemo(config)) hj212Env = (await import('./demo/demo-hj212.js')).withDemoHj212Secrets(hj212Env);
    try {
      hj212 = createHj212Source({
        catalog: catalogNow(),
        env: hj212Env,
        port,
        host: config.HJ212_HOST,
        timeZone: config.TIMEZONE,
        dataDir: config.DATA_DIR,
        ...(openDeviceStates && { deviceStates: openDeviceStates }),
        instance: clientId!,
        registry: metrics.registry,
        logger: deps.logger,
        now,
        ...(store.recordTouches && {
          touches: (await import('./alerts/recorded-touches.js')).recordedWindowTouches(store),
        }),
      });
    } catch (err) {
      throw err instanceof CatalogError ? catalogStartupError(err) : err;
    }
    return [hj212.factory];
  }

  /** Demo mode: publish the simulated history and wait until the ingester has stored it, so jobs see it. */
  async function startDemoFeed(): Promise<void> {
    if (!ingester) return;
    const [{ createDemoFeed }, { resolveLoggerSecrets }] = await Promise.all([
      import('./demo/demo-feed.js'),
      import('./catalog/logger-secrets.js'),
    ]);
    const address = hj212?.address;
    feed = createDemoFeed({
      // The catalog's loggers report through the gateway, when it listens.
      ...(address &&
        hj212Env && {
          hj212: {
            catalog: catalogNow(),
            secrets: resolveLoggerSecrets(catalogNow(), hj212Env).secrets,
            // A gateway on every interface (HJ212_HOST=0.0.0.0) is reached on loopback.
            address: {
              port: address.port,
              host: ['0.0.0.0', '::'].includes(address.host) ? '127.0.0.1' : address.host,
            },
          },
        }),
      catalog: catalogNow(),
      mqttUrl: broker?.url ?? config.MQTT_URL ?? '',
      store,
      logger: deps.logger,
      backfillMs: config.DEMO_HISTORY,
      timeZone: config.TIMEZONE,
      ...(deps.progress && { progress: deps.progress }),
    });
    const backfilled = await feed.start();
    demoHistory = { from: backfilled.from, to: backfilled.to };
    const deadline = Date.now() + 120_000;
    while (ingester.spool.stats().pendingReadings > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * An API instance without the alerts role, with DATABASE_URL: its alert routes read and act on the alert state
   * the alerts instances share in PostgreSQL. Its outbox is never started: what an acknowledgement or a resolution
   * queues is sent by the alerts instances' outboxes (they poll the shared table).
   */
  async function startSharedAlerts(db: Postgres): Promise<void> {
    const [{ createAlertCatalog }, { createAlerts }] = await Promise.all([
      import('./alerts/alert-catalog.js'),
      import('./alerts/create-alerts.js'),
    ]);
    alerts = createAlerts({
      config,
      demo,
      catalog: createAlertCatalog(catalogNow()),
      readings,
      logger: deps.logger,
      now,
      db,
    });
  }

  async function startAlerts(): Promise<void> {
    const [{ createAlertCatalog }, { createAlerts }, { createAlertJobs }, { judgeDemoHistory }] = await Promise.all([
      import('./alerts/alert-catalog.js'),
      import('./alerts/create-alerts.js'),
      import('./jobs/create-jobs.js'),
      import('./demo/alert-history.js'),
    ]);
    const [{ createPgJobStore }, { createLeadership }] = await Promise.all([
      import('./jobs/pg-job-store.js'),
      import('./db/leader.js'),
    ]);
    // Alerts published on wq/alerts/{station} (QoS 1) go through a connection of their own; mqtt.js buffers
    // while it reconnects, and the outbox retries what fails.
    const mqttUrl = config.MQTT_URL ?? broker?.url;
    if (mqttUrl) {
      alertPublisher = mqtt.connect(mqttUrl, {
        clientId: `${clientId!}-alerts`,
        ...(config.MQTT_USERNAME && { username: config.MQTT_USERNAME }),
        ...(config.MQTT_PASSWORD && { password: config.MQTT_PASSWORD }),
      });
      alertPublisher.on('error', (err) => log.warn({ err }, 'alert MQTT connection error'));
    }
    const alertCatalog = createAlertCatalog(catalogNow());
    const archive = reportArchive;
    alerts = createAlerts({
      config,
      demo,
      // With DATABASE_URL the alert state, timeline and outbox are shared by every alerts and API instance.
      ...(controlDb && { db: controlDb }),
      catalog: alertCatalog,
      // The rules read the loggers' standard-sample checks beside the readings (sensor_check_failed).
      readings: withStandardChecks(readings, health),
      logger: deps.logger,
      now,
      ...(archive && {
        attachments: (ref) =>
          archive.file(ref.kind as Parameters<ReportArchive['file']>[0], ref.period, ref.version, ref.format),
      }),
      ...(alertPublisher && {
        publish: async (topic: string, payload: string, options: { qos: 1; retain: false }) => {
          await alertPublisher!.publishAsync(topic, payload, options);
        },
      }),
    });
    jobs = createAlertJobs({
      config,
      alerts,
      catalog: alertCatalog,
      units: catalogNow().units,
      readings,
      marks: readings,
      logger: deps.logger,
      now,
      // Several alerts instances share the job runs and take turns: one leader runs the jobs (docs/adr/0016).
      ...(controlDb && {
        jobStore: createPgJobStore(controlDb),
        leadership: createLeadership({
          db: controlDb,
          name: 'alerts',
          leaseMs: config.LEADER_LEASE,
          logger: deps.logger,
        }),
      }),
      ...(archive &&
        reportService && {
          reports: {
            service: reportService,
            archive,
            catalog: {
              unit: (id: string) => alertCatalog.unit(id),
              plantsOfOperator: (id: string) => catalogNow().plantsOfOperator(id),
            },
            ...(catalogNow().public_url ? { publicUrl: catalogNow().public_url } : {}),
          },
        }),
    });
    alerts.start();
    if (demoHistory) {
      await judgeDemoHistory({
        service: alerts.service,
        catalog: alertCatalog,
        from: demoHistory.from,
        to: demoHistory.to,
        timeZone: config.TIMEZONE,
        instantWindow: config.ALERT_INSTANT_WINDOW,
        logger: deps.logger,
      });
    }
    await jobs.start();
  }

  const mqttUrlShown = () => {
    const url = config.MQTT_URL ?? broker?.url;
    return url === undefined ? undefined : maskUrl(url);
  };

  let started = false;
  let stopped = false;
  return {
    http,
    metrics,
    get ingester() {
      return ingester;
    },
    get hj212Address() {
      return hj212?.address;
    },
    get demoAdminKey() {
      return demoAdminKey;
    },
    get demoAdminKeyFile() {
      return demoAdminKeyFile;
    },
    get mqttUrl() {
      return mqttUrlShown();
    },
    async start() {
      if (started) return;
      started = true;
      // A bad catalog stops start-up here with the variable, the file, the path and what is wrong.
      catalog = await loadCatalog(config.CATALOG).catch((err: unknown) => {
        throw err instanceof CatalogError ? catalogStartupError(err) : err;
      });
      if (config.DATABASE_URL && (roles.api || roles.alerts)) await openControlDatabase(config.DATABASE_URL);
      else if (config.DATABASE_URL && roles.ingest) await openControlDatabase(config.DATABASE_URL, false);
      await prepareDeviceStates();
      if (roles.api) {
        const keys = await prepareApiKeys({
          keysFile: apiKeysFile(config),
          // With DATABASE_URL the keys are shared by every API instance (`qingliu keys` writes there too).
          ...(controlDb && {
            repository: (await import('./api/auth/pg-key-repository.js')).createPgKeyRepository({ db: controlDb, now }),
          }),
          adminApiKey: config.ADMIN_API_KEY,
          dataDir: config.DATA_DIR,
          demo,
          now,
          logger: deps.logger,
        });
        if (!keys.ok) throw new Error(keys.error);
        keyStore = keys.store;
        demoAdminKey = keys.demoAdminKey;
        demoAdminKeyFile = keys.demoAdminKeyFile;
      }
      try {
        await store.start();
        ingestStore.markStarted();
      } catch (err) {
        // Ingest must not depend on the database at boot: the spool holds readings until it answers.
        if (!roles.ingest) throw err;
        log.warn({ err, store: target }, 'the store does not answer yet; ingest spools readings and retries');
      }
      if (roles.api || roles.alerts) await startMarks();
      if (roles.api || roles.alerts) await startReports();
      if (roles.ingest) await startIngest();
      else log.info('ingest is off in this instance (ROLES)');
      if (demo) await startDemoFeed();
      if (roles.alerts) await startAlerts();
      else if (roles.api && controlDb) await startSharedAlerts(controlDb);
      await dashboard?.warm();
      log.info({ dataDir: config.DATA_DIR, store: target, roles, demo, mqtt: mqttUrlShown() }, 'started');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      shutdown.abort();
      // Reverse order: simulator, jobs, alerts, then MQTT (nothing more is acknowledged), the spool is flushed
      // to the store, the broker closes, and the store closes last.
      const steps: [string, (() => Promise<void>) | undefined][] = [
        ['demo feed', feed && (() => feed!.stop())],
        ['jobs', jobs && (() => jobs!.stop())],
        ['alerts', alerts && (() => alerts!.stop())],
        ['alert MQTT connection', alertPublisher && (() => alertPublisher!.endAsync())],
        // The embedded broker keeps sessions in memory: take nothing more from stations, and let the ingester
        // acknowledge what it was sent, before both go (issue 12).
        [
          'stations of the embedded broker',
          broker && ingester && (() => broker!.closeToStations(clientId!, 5_000).then(() => undefined)),
        ],
        ['ingest', ingester && (() => ingester!.stop())],
        ['embedded broker', broker && (() => broker!.stop())],
        ['report archive', reportArchive && (() => reportArchive!.close())],
        ['data marks', markStore && (() => markStore!.close())],
        ['shared rate limits', sharedLimiter && (() => sharedLimiter.stop())],
        ['control database', controlDb && (() => controlDb!.close())],
        ['device state', deviceStates && (() => deviceStates!.close())],
        ['store', () => store.stop()],
      ];
      for (const [name, step] of steps) {
        if (!step) continue;
        try {
          await step();
        } catch (err) {
          log.error({ err }, `stopping ${name} failed`);
        }
      }
      log.info('stopped');
    },
  };
}
