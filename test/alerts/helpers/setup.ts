/** Builds the alert core on real stores (SQLite alert store in a temp dir, embedded SQLite reading store). */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAlertCatalog, type CatalogData, type ChannelSpec } from '../../../src/alerts/alert-catalog.js';
import { createAlertService, type AlertService } from '../../../src/alerts/alert-service.js';
import { createAlertStore, type AlertStore } from '../../../src/alerts/alert-store.js';
import { createChannelFactory } from '../../../src/alerts/notify/channels.js';
import { createOutbox, type Outbox } from '../../../src/alerts/outbox.js';
import { defaultAlertSettings, type AlertSettingsInput } from '../../../src/alerts/settings.js';
import type { DataFlag } from '../../../src/domain/flags.js';
import type { ParameterCode } from '../../../src/domain/parameters.js';
import { silentLogger } from '../../../src/logger.js';
import type { ReadingStore } from '../../../src/store/reading-store.js';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { catalogData, clock, HOUR } from './fixtures.js';

export const SECRETS: Record<string, string> = {
  DISTRICT_SECRET: 'district-secret-0123456789',
  CITY_SECRET: 'city-secret-0123456789',
  ALERT_WEBHOOK_SECRET: 'default-secret-0123456789',
};

export interface Rig {
  dir: string;
  clock: ReturnType<typeof clock>;
  readings: ReadingStore;
  store: AlertStore;
  outbox: Outbox;
  service: AlertService;
  /** Closes the alert store and outbox and opens them again on the same file (a service restart). */
  restart(): Promise<void>;
  write(
    stationId: string,
    start: number,
    hours: number,
    values: Partial<Record<ParameterCode, number>>,
    flag?: DataFlag,
  ): Promise<void>;
  close(): Promise<void>;
}

export async function createRig(
  options: {
    hookUrl?: string;
    defaultHook?: string;
    settings?: AlertSettingsInput;
    catalog?: CatalogData;
    /** A reading store of the test's own (started by the rig, stopped on close); default in-memory SQLite. */
    readings?: ReadingStore;
  } = {},
): Promise<Rig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-alerts-'));
  const c = clock();
  const logger = silentLogger();
  const readings = options.readings ?? createSqliteStore({ file: ':memory:', logger });
  await readings.start();
  const catalog = createAlertCatalog(options.catalog ?? catalogData(options.hookUrl));
  const defaultChannels: ChannelSpec[] = options.defaultHook
    ? [{ type: 'webhook', url: options.defaultHook, secret_env: 'ALERT_WEBHOOK_SECRET' }]
    : [];

  const build = () => {
    const store = createAlertStore({ dataDir: dir });
    const channels = createChannelFactory({ secrets: (name) => SECRETS[name], now: c.now, timeoutMs: 2_000 });
    const outbox = createOutbox({ store, channels, now: c.now, logger, random: () => 0 });
    const service = createAlertService({
      store,
      catalog,
      readings,
      settings: defaultAlertSettings(options.settings),
      now: c.now,
      logger,
      timeZone: 'Asia/Shanghai',
      lang: 'zh-CN',
      defaultChannels,
      outbox,
    });
    return { store, outbox, service };
  };

  const rig: Rig = {
    dir,
    clock: c,
    readings,
    ...build(),
    async restart() {
      await rig.outbox.stop();
      await rig.store.close();
      Object.assign(rig, build());
    },
    async write(stationId, start, hours, values, flag = 'N') {
      const batch = [];
      for (let h = 0; h < hours; h++) {
        for (const [parameter, value] of Object.entries(values)) {
          batch.push({ stationId, parameter: parameter as ParameterCode, ts: start + h * HOUR, value: value!, flag });
        }
      }
      await readings.write(batch);
    },
    async close() {
      await rig.outbox.stop();
      await rig.store.close();
      await readings.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

/** Verifies a Qingliu webhook the way docs/alerts.md tells receivers to, independently of the sender's code. */
export function receiverVerifies(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  nowSeconds: number,
): boolean {
  const timestamp = String(headers['x-qingliu-timestamp'] ?? '');
  const signature = String(headers['x-qingliu-signature'] ?? '');
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  return expected === signature;
}
