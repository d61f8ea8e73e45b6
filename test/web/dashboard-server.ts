/**
 * The real API app with the dashboard, on a free loopback port, for the browser tests: the demo catalog
 * (sensors/catalog.yaml), an SQLite reading store in a temp dir seeded with 30 days of the seeded simulator's
 * readings, the real alert service on its own SQLite store, API keys for three roles, the data and alerts routes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Registry } from 'prom-client';
import { createSimulator } from '../../sensors/simulator/index.js';
import { createAlertCatalog, type CatalogData } from '../../src/alerts/alert-catalog.js';
import { createAlertService, type AlertService } from '../../src/alerts/alert-service.js';
import { createAlertStore, type AlertStore } from '../../src/alerts/alert-store.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import { createKeyStore } from '../../src/api/auth/key-store.js';
import { createHttpApp } from '../../src/api/http.js';
import { register as registerAlertRoutes } from '../../src/api/routes/alerts.js';
import { registerDataRoutes } from '../../src/api/routes/index.js';
import { register as registerReportRoutes } from '../../src/api/routes/reports.js';
import { register as registerMarkRoutes } from '../../src/api/routes/marks.js';
import { withDataMarks } from '../../src/marks/marked-reading-store.js';
import { createMarkService, noRejudgmentYet } from '../../src/marks/mark-service.js';
import { createSqliteMarkStore } from '../../src/marks/sqlite-mark-store.js';
import { storedFlagReadings } from '../../src/reports/effective-readings.js';
import { createReportService } from '../../src/reports/report-service.js';
import { parseCatalog, type Catalog } from '../../src/catalog/index.js';
import { register as registerLoggerRoutes } from '../../src/api/routes/logger.js';
import { DEMO_HJ212_SECRETS } from '../../src/demo/demo-hj212.js';
import { createCatalogDevices } from '../../src/ingest/hj212/catalog-devices.js';
import { createDeviceStateEvents, type DeviceStateStore } from '../../src/ingest/hj212/device-state.js';
import { createSqliteDeviceStateStore } from '../../src/ingest/hj212/sqlite-device-state.js';
import type { DataFlag } from '../../src/domain/flags.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { Reading } from '../../src/domain/reading.js';
import { silentLogger } from '../../src/logger.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { StoreError } from '../../src/store/store-error.js';
import { mountDashboard } from '../../src/web/serve.js';
import { freePort } from '../harness/free-port.js';

export const KEYS = {
  admin: 'web-admin-key-0123456789abcdef',
  viewer: 'web-viewer-key-0123456789abcdef',
  operator: 'web-operator-key-0123456789abcdef',
} as const;

export const CATALOG_FILE = path.resolve('sensors/catalog.yaml');
/** The HJ 212 logger the fixture registers for No.1 plant's effluent station (the demo catalog has none yet). */
export const LOGGER_MN = '020000A8900016F000169DC1';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface DashboardServer {
  base: string;
  catalog: Catalog;
  alerts: AlertService;
  /** Seeded readings, for assertions. */
  readings: number;
  /** The zone the server was started with (TIMEZONE). */
  timeZone: string;
  /** Makes the reading store answer like an unreachable InfluxDB (retryable StoreErrors), or answer again. */
  setStoreDown(down: boolean): void;
  close(): Promise<void>;
}

/**
 * The store as the API sees it, with a switch: down, every query fails like an InfluxDB that does not answer
 * (a retryable StoreError naming INFLUX_URL), which the API turns into 503 service-unavailable.
 */
function switchableStore(store: ReadingStore): { store: ReadingStore; setDown(down: boolean): void } {
  let down = false;
  const target = 'INFLUX_URL=http://127.0.0.1:8086';
  const wrapped = new Proxy(store, {
    get(t, key) {
      const value = Reflect.get(t, key) as unknown;
      if (!down || typeof value !== 'function' || !['latest', 'aggregate', 'raw', 'deadLetters'].includes(String(key)))
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      return () =>
        Promise.reject(
          new StoreError(`InfluxDB (${target}) query: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:8086`, {
            retryable: true,
            target,
          }),
        );
    },
  });
  return { store: wrapped, setDown: (d) => (down = d) };
}

/** 30 days of simulated history, with a station gone offline and some flagged readings on the outbound section. */
function seedReadings(catalog: Catalog, now: number): Reading[] {
  const simulator = createSimulator({ catalog, seed: 7 });
  const from = now - 30 * DAY;
  const out: Reading[] = [];
  for (const station of catalog.stations) {
    // Houtang River's station stops sending 12 hours ago: the map greys it out (offline after 3 × 1 h).
    const until = station.id === 'houtanghe' ? now - 12 * HOUR : now;
    for (const ts of simulator.slots(station.id, from, until)) {
      const sample = simulator.sample(station.id, ts);
      if (!sample) continue;
      for (const [code, value] of Object.entries(sample.values)) {
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        const flag: DataFlag = sample.flags[code as ParameterCode] ?? 'N';
        out.push({ stationId: station.id, parameter: code as ParameterCode, ts, value, flag });
      }
    }
  }
  // The outbound section's NH3-N in the last day (the station page's default 24 h) is a line whatever the simulator
  // did then: a reading at every 4-hour reporting instant, valid but for two under maintenance and calibration, 16
  // and 8 hours back (hollow markers). The simulator's dropouts and its own calibrations left 3 valid readings or
  // fewer in ~20 % of the hours of the year (2 at 2027-01-03 13:30 UTC), and the chart test failed then.
  const slot = Math.floor(now / (4 * HOUR)) * 4 * HOUR;
  const flagged = new Map<number, DataFlag>([
    [slot - 16 * HOUR, 'M'],
    [slot - 8 * HOUR, 'C'],
  ]);
  for (const ts of simulator.slots('longdukou', now - DAY, now)) {
    const flag = flagged.get(ts) ?? 'N';
    const found = out.find((r) => r.stationId === 'longdukou' && r.parameter === 'nh3n' && r.ts === ts);
    if (found) found.flag = flag;
    else out.push({ stationId: 'longdukou', parameter: 'nh3n', ts, value: 0.66, flag });
  }
  return out;
}

/** The demo catalog, whose wwtp1-effluent reports through an HJ 212-2017 logger (docs/hj212.md §7). */
function withLogger(yaml: string): Catalog {
  const catalog = parseCatalog(yaml, CATALOG_FILE);
  const logger = catalog.stations.find((s) => s.id === 'wwtp1-effluent')?.hj212;
  if (logger?.mn !== LOGGER_MN || logger.protocol !== 'hj212-2017')
    throw new Error(`${CATALOG_FILE}: wwtp1-effluent no longer has the HJ 212-2017 logger ${LOGGER_MN}`);
  return catalog;
}

/**
 * What the ingest role records for that logger, through the real device-state events: connected 3 hours ago,
 * packets whose Flag bits say HJ 212-2025 (a mismatch the panel warns of), a heartbeat, an equipment status and a
 * failed NH3-N standard-sample check (2062).
 */
async function recordLoggerHistory(catalog: Catalog, store: DeviceStateStore, now: number): Promise<void> {
  const events = await createDeviceStateEvents({
    store,
    directory: createCatalogDevices(catalog, DEMO_HJ212_SECRETS),
    logger: silentLogger(),
    flushMs: 60_000,
  });
  events.connected(LOGGER_MN, now - 3 * HOUR, '127.0.0.1:50212');
  for (let i = 0; i < 12; i++) events.packet(LOGGER_MN, now - 3 * HOUR + i * 15 * 60_000, '2011', 'hj212-2025');
  events.heartbeat(LOGGER_MN, now - 2 * 60_000);
  events.status(LOGGER_MN, now - 2 * HOUR, '3020', {
    PolId: 'w21003',
    'i12001-Info': '0',
    'i12002-Info': '0',
  });
  events.status(LOGGER_MN, now - 40 * 60_000, '2062', {
    'w21003-ResultType': '0',
    'w21003-SampleRd': '1.31',
    'w01018-ResultType': '1',
  });
  await events.stop();
}

export async function startDashboardServer(options: { timeZone?: string } = {}): Promise<DashboardServer> {
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-web-'));
  const logger = silentLogger();
  const now = () => Date.now();
  const catalog = withLogger(fs.readFileSync(CATALOG_FILE, 'utf8'));
  const store = createSqliteStore({ file: path.join(dir, 'qingliu.db'), logger, synchronous: 'normal' });
  await store.start();
  const readings = seedReadings(catalog, now());
  for (let i = 0; i < readings.length; i += 5000) await store.write(readings.slice(i, i + 5000));

  const alertStore: AlertStore = createAlertStore({ dataDir: dir });
  const alerts = createAlertService({
    store: alertStore,
    catalog: createAlertCatalog(catalog as unknown as CatalogData),
    readings: store,
    settings: defaultAlertSettings(),
    now,
    logger,
    timeZone,
    lang: 'zh-CN',
  });

  // Data marks (issue 14): the API reads through the mark-applying store, as in the service.
  const markStore = createSqliteMarkStore({ dataDir: dir });
  const marks = createMarkService({
    store: markStore,
    touches: noRejudgmentYet,
    now,
    autoApproveOperator: false,
    logger,
  });
  const devices = createSqliteDeviceStateStore(path.join(dir, 'devices.db'));
  await recordLoggerHistory(catalog, devices, now());
  const api = switchableStore(withDataMarks(store, markStore));
  const keys = createKeyStore({
    now,
    bootstrap: [
      { id: 'web-admin', name: '演示管理员', role: 'admin', key: KEYS.admin },
      { id: 'web-viewer', name: 'open data', role: 'viewer', key: KEYS.viewer },
      { id: 'web-operator', name: '第一污水处理厂', role: 'operator', plants: ['wwtp1'], key: KEYS.operator },
    ],
  });
  // Aborted at close: the open event streams end, so the server can close.
  const streams = new AbortController();
  const app = createHttpApp({
    logger,
    keys,
    now,
    rateLimit: { perMinute: 0, burst: 1 },
    metrics: new Registry(),
    routes: [
      registerDataRoutes({ store: api.store, catalog: () => catalog, now, timeZone, maxRangeDays: 366 }),
      (app) =>
        registerAlertRoutes(app, { service: alerts, catalog: () => catalog, now, timeZone, signal: streams.signal }),
      (app) =>
        registerReportRoutes(app, {
          reports: createReportService({
            readings: storedFlagReadings(store),
            catalog: () => catalog,
            timeZone,
            now,
          }),
          now,
          timeZone,
        }),
      (app) => registerMarkRoutes(app, { service: marks, catalog: () => catalog, now, timeZone, maxRangeDays: 366 }),
      (app) => registerLoggerRoutes(app, { catalog: () => catalog, devices: () => devices, now, timeZone }),
    ],
    publicRoutes: [
      (root) =>
        void mountDashboard(root, {
          logger,
          page: { timeZone, demo: false, keysCommand: 'npm run -s qingliu -- keys add --name NAME --role bureau' },
        }).warm(),
    ],
    openapi: { version: '0.0.0-web-test' },
  });

  const port = await freePort();
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    catalog,
    alerts,
    readings: readings.length,
    timeZone,
    setStoreDown: api.setDown,
    async close() {
      streams.abort();
      // An open SSE response keeps the server from closing; closeAllConnections ends it.
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await alertStore.close();
      await markStore.close();
      await devices.close();
      await store.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
