import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertCatalog } from '../../src/alerts/alert-catalog.js';
import { createAlerts, defaultChannels, secretLookup } from '../../src/alerts/create-alerts.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { catalogData, HOUR, T0 } from './helpers/fixtures.js';
import { startHttpReceiver, type HttpReceiver } from './helpers/http-receiver.js';
import { receiverVerifies } from './helpers/setup.js';

describe('createAlerts (wiring from Config)', () => {
  const dirs: string[] = [];
  let receiver: HttpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('reads ALERT_WEBHOOK_URL / ALERT_WEBHOOK_SECRET / SMTP_URL from the environment, and validates them', () => {
    const config = loadConfig({
      ALERT_WEBHOOK_URL: 'https://hooks.example.cn/qingliu',
      ALERT_WEBHOOK_SECRET: 's',
      SMTP_URL: 'smtp://relay:25',
    });
    expect(defaultChannels(config)).toEqual([
      { type: 'webhook', url: 'https://hooks.example.cn/qingliu', secret_env: 'ALERT_WEBHOOK_SECRET' },
    ]);
    expect(secretLookup(config, () => 'from-env')('ALERT_WEBHOOK_SECRET')).toBe('s');
    expect(secretLookup(config, () => 'from-env')('DT_SECRET')).toBe('from-env');
    expect(defaultChannels(loadConfig({}))).toEqual([]);
    expect(() => loadConfig({ ALERT_WEBHOOK_URL: 'ftp://x' })).toThrow(/ALERT_WEBHOOK_URL/);
    expect(() => loadConfig({ SMTP_URL: 'http://x' })).toThrow(/SMTP_URL/);
  });

  it('builds a working core in DATA_DIR/alerts.db that sends to the default webhook, and stops twice', async () => {
    receiver = await startHttpReceiver();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-alerts-wiring-'));
    dirs.push(dir);
    const config = loadConfig({
      DATA_DIR: dir,
      ALERT_WEBHOOK_URL: receiver.url('/default'),
      ALERT_WEBHOOK_SECRET: 'wired-secret',
    });
    let now = T0 + 5 * HOUR;
    const alerts = createAlerts({
      config,
      catalog: createAlertCatalog(catalogData()),
      readings: { aggregate: async () => [], raw: async () => [] },
      logger: silentLogger(),
      now: () => now,
    });
    expect(fs.existsSync(path.join(dir, 'alerts.db'))).toBe(true);
    const result = await alerts.service.evaluateWindow({
      stationId: 'out-1',
      rule: 'station_offline',
      start: now - HOUR,
      end: now,
    });
    expect(result.alert?.rule).toBe('station_offline');
    now += 1000;
    expect((await alerts.outbox.dispatchDue()).delivered).toBe(1);
    const req = receiver.requests[0]!;
    expect(receiverVerifies('wired-secret', req.headers, req.body, Math.floor(now / 1000))).toBe(true);
    alerts.start();
    await alerts.stop();
    await alerts.stop();
  });
});
