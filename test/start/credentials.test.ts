/**
 * Issue 12 item 8: credentials in MQTT_URL and INFLUX_URL never reach the console, the log file or an answer —
 * not in the "started" line, the banner, "connected to InfluxDB", nor in the errors of a database that does not
 * answer. And issue 11 §3: that database is named (INFLUX_URL and the address tried) by /readyz, the API's
 * "database unavailable" problem and the log. A real child process against a real mosquitto and influxd.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../harness/free-port.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { startMain, type MainProcess } from './main-process.js';

const MQTT_SECRET = 'Mq77-s3cret!pass';
const INFLUX_SECRET = 'Infl-s3cret:word';
const TOKEN_SECRET = 'token-s3cret-0123456789';
const ADMIN_KEY = 'admin-key-for-the-credentials-test-0123';
const SECRETS = [
  MQTT_SECRET,
  INFLUX_SECRET,
  encodeURIComponent(MQTT_SECRET),
  encodeURIComponent(INFLUX_SECRET),
  TOKEN_SECRET,
];

let mosquitto: Mosquitto;
let influxd: Influxd;
const running: MainProcess[] = [];
beforeAll(async () => {
  [mosquitto, influxd] = await Promise.all([startMosquitto(), startInfluxd()]);
});
afterAll(async () => {
  for (const p of running.splice(0)) p.kill();
  await Promise.all([mosquitto?.dispose(), influxd?.dispose()]);
});

function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString().replace(/\/$/, '');
}

function expectNoSecret(where: string, text: string): void {
  for (const secret of SECRETS) expect(text, `${where} shows a secret`).not.toContain(secret);
}

async function start(env: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-cred-'));
  const port = await freePort();
  const logFile = path.join(dir, 'qingliu.log');
  const p = startMain({
    DATA_DIR: dir,
    PORT: String(port),
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_FILE: logFile,
    LOG_LEVEL: 'debug',
    // The console gets the whole log too, so every line is checked in both places.
    LOG_CONSOLE_LEVEL: 'debug',
    MQTT_CLIENT_ID: `cred-${port}`,
    INFLUX_TOKEN: `qingliu:${TOKEN_SECRET}`,
    ...env,
  });
  running.push(p);
  await p.waitFor(/Ctrl-C 停止 to stop/, 90_000);
  return { p, base: `http://127.0.0.1:${port}`, logFile };
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_KEY}`, 'accept-language': 'en' } });
  return { status: res.status, text: await res.text() };
}

describe('credentials in service URLs', () => {
  it('are masked in the banner, the "started" line, "connected" lines and everything else logged', async () => {
    const mqttUrl = withCredentials(mosquitto.url, 'qingliu', MQTT_SECRET);
    const influxUrl = withCredentials(influxd.url, 'admin', INFLUX_SECRET);
    const { p, base, logFile } = await start({ MQTT_URL: mqttUrl, INFLUX_URL: influxUrl });
    await p.waitFor(/connected to InfluxDB/, 30_000);
    const ready = await get(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.text).toContain(`INFLUX_URL=http://admin:***@127.0.0.1:${influxd.port}`);

    p.interrupt();
    await p.exited;
    const output = p.output();
    const log = fs.readFileSync(logFile, 'utf8');
    // The lines of the issue, each present and masked.
    expect(output).toContain(`MQTT:                 mqtt://qingliu:***@127.0.0.1:${mosquitto.port}`);
    expect(log).toMatch(/"mqtt":"mqtt:\/\/qingliu:\*\*\*@127\.0\.0\.1:\d+".*"msg":"started"/);
    expect(log).toMatch(/"url":"http:\/\/admin:\*\*\*@127\.0\.0\.1:\d+".*"msg":"connected to InfluxDB"/);
    expect(log).toMatch(/"msg":"connected to the broker"/);
    expectNoSecret('the console', output);
    expectNoSecret('the log file', log);
    expectNoSecret('/readyz', ready.text);
  });

  it('an unreachable InfluxDB: /readyz, the API and the log name INFLUX_URL and the address, masked', async () => {
    const deadPort = await freePort();
    const influxUrl = `http://admin:${encodeURIComponent(INFLUX_SECRET)}@127.0.0.1:${deadPort}`;
    const { p, base, logFile } = await start({ MQTT_URL: mosquitto.url, INFLUX_URL: influxUrl });
    const target = `INFLUX_URL=http://admin:***@127.0.0.1:${deadPort}`;

    const ready = await get(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.text).toContain(target);
    const answer = await get(`${base}/api/v1/stations/longdukou/series?from=now-1d&to=now`);
    expect(answer.status).toBe(503);
    const problem = JSON.parse(answer.text) as { code: string; detail: string };
    expect(problem.code).toBe('service-unavailable');
    expect(problem.detail).toContain(`The database (${target}) is not reachable`);

    p.interrupt();
    await p.exited;
    const log = fs.readFileSync(logFile, 'utf8');
    expect(log).toContain(`InfluxDB (${target})`);
    expect(log).toContain(`ECONNREFUSED`);
    expectNoSecret('the console', p.output());
    expectNoSecret('the log file', log);
    expectNoSecret('/readyz', ready.text);
    expectNoSecret('the API', answer.text);
  });
});
