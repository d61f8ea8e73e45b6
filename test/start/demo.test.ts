/**
 * The README's quick start as a new user meets it on a machine whose port 1883 is taken by a system mosquitto:
 * `npm start` refuses and suggests two commands; each, run as written with `npm start`, starts the demo (console:
 * the banner, no job chatter), serves the dashboard and the API with the printed admin key, and stops cleanly on
 * one Ctrl-C — SIGINT to the whole process group, as a terminal sends it.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { DEMO_SEED } from '../../src/demo/demo-feed.js';
import { createSimulator } from '../../sensors/simulator/index.js';
import { freePort } from '../harness/free-port.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { bannerAdminKey, startMain, type MainProcess } from './main-process.js';

let mosquitto: Mosquitto;
const running: MainProcess[] = [];
beforeAll(async () => {
  // The broker already on "port 1883": a real mosquitto, as on the machine of the issue.
  mosquitto = await startMosquitto();
});
afterAll(async () => {
  for (const p of running.splice(0)) p.kill();
  await mosquitto?.dispose();
});

async function isFree(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `A=1 B=2 npm start` → { A: '1', B: '2' }. */
function assignments(command: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const token of command
    .replace(/\s*npm start.*$/, '')
    .trim()
    .split(/\s+/)) {
    const [name, ...value] = token.split('=');
    env[name!] = value.join('=');
  }
  return env;
}

/** Runs `npm start` with the settings, checks the demo serves, then Ctrl-C; returns the whole output and log. */
async function runDemo(settings: Record<string, string>): Promise<{ output: string; log: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-demo-'));
  const httpPort = await freePort();
  // startMain gives the demo's HJ 212 gateway a port the OS picks (HJ212_PORT=0): the banner says which.
  const p = startMain({ DATA_DIR: dir, PORT: String(httpPort), DEMO_HISTORY: '1d', ...settings }, { via: 'npm' });
  running.push(p);
  await p.waitFor(/Ctrl-C 停止 to stop/, 120_000);
  const key = bannerAdminKey(p.output());
  const hj212Port = Number(/HJ 212 数采仪 loggers: 127\.0\.0\.1:(\d+)/.exec(p.output())?.[1]);
  expect(hj212Port).toBeGreaterThan(0);
  expect(hj212Port).not.toBe(9212);
  const base = `http://127.0.0.1:${httpPort}`;
  const auth = { headers: { authorization: `Bearer ${key}` } };
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  expect(await (await fetch(`${base}/`)).text()).toContain('<div id="app">');
  const stations = await fetch(`${base}/api/v1/stations`, auth);
  expect(stations.status).toBe(200);
  const body = (await stations.json()) as {
    items: { id: string; freshness: { status: string; last_reading_at: string | null } }[];
  };
  // The simulator's readings arrived through the broker: stations are online.
  expect(body.items.filter((s) => s.freshness.status === 'online').length).toBeGreaterThan(5);
  await expectPlantsOverHj212(base, auth);
  // Their newest reading is the newest instant the demo's simulator (the default catalog, seed and zone) has a
  // sample for: one their logger sent live, since the history stops one reporting interval earlier — unless the
  // simulated logger is in one of its outages (hours without a sample, ~1 % of the time, whenever the suite runs):
  // then it sends nothing live, and its newest reading is its last sample before the outage, from the history.
  const simulator = createSimulator({
    catalog: await loadCatalog('sensors/catalog.yaml'),
    seed: DEMO_SEED,
    timeZone: 'Asia/Shanghai',
  });
  const newestSample = (id: string, at: number) => simulator.samples(id, at - 7 * 86_400_000, at).at(-1)?.ts;
  for (const id of ['wwtp1-effluent', 'wwtp2-effluent']) {
    let last: string | null | undefined;
    const latest = await waitFor(async () => {
      const r = (await (await fetch(`${base}/api/v1/stations`, auth)).json()) as typeof body;
      last = r.items.find((s) => s.id === id)?.freshness.last_reading_at;
      return last && Date.parse(last) === newestSample(id, Date.now()) ? last : undefined;
    });
    const newest = newestSample(id, Date.now());
    expect(
      latest,
      `${id}: newest reading ${last}, newest sample ${newest && new Date(newest).toISOString()}`,
    ).toBeDefined();
  }

  p.interrupt();
  const exit = await p.exited;
  // npm re-raises the SIGINT its child stopped on; what matters is how the service stopped.
  expect(exit.signal === 'SIGINT' || exit.code === 0 || exit.code === 130).toBe(true);
  const log = fs.readFileSync(path.join(dir, 'qingliu.log'), 'utf8');
  return { output: p.output(), log };
}

/** Polls until `check` gives a value (the loggers' first uploads may still be on their way): 30 s at most. */
async function waitFor<T>(check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() > deadline) return value as T;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The two sewage plants' loggers report through the HJ 212 gateway, history and live: 2017 and 2025 (SM4),
 * connected, answered.
 */
async function expectPlantsOverHj212(base: string, auth: RequestInit): Promise<void> {
  for (const [id, protocol] of [
    ['wwtp1-effluent', 'hj212-2017'],
    ['wwtp2-effluent', 'hj212-2025'],
  ] as const) {
    const state = await waitFor(async () => {
      const r = await fetch(`${base}/api/v1/stations/${id}/logger`, auth);
      const s = (await r.json()) as {
        logger: { connected: boolean; protocol: string; packets: number; last_packet_cn: string | null };
      };
      return s.logger.connected && s.logger.packets > 0 ? s.logger : undefined;
    });
    expect(state, id).toMatchObject({ connected: true, protocol });
    // Its last upload: a real-time value (2011), or the hour's record (2061), which follows the real-time value
    // at each hour's end and is all the logger sends during a simulated outage.
    expect(['2011', '2061'], id).toContain(state.last_packet_cn);
    // Their history (DEMO_HISTORY=1d) came through the gateway too: a day of real-time values and hourly records.
    expect(state.packets, id).toBeGreaterThanOrEqual(40);
  }
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const received = /^qingliu_ingest_messages_received_total\{format="hj212"\} (\d+)/m.exec(metrics);
  expect(Number(received?.[1] ?? 0)).toBeGreaterThanOrEqual(2);
  expect(metrics).not.toMatch(/^qingliu_hj212_rejected_total\{/m);
}

function expectCleanStop({ output, log }: { output: string; log: string }): void {
  expect(output).toContain('已停止 stopped');
  // One Ctrl-C is one signal: nothing relayed it a second time (the tsx CLI used to, under load).
  expect(log.match(/"msg":"shutting down"/g)?.length).toBe(1);
  expect(log).not.toContain('the same signal again');
  expect(log).not.toContain('second signal');
  expect(log).toMatch(/"msg":"stopped"/);
  expect(output).not.toContain('exiting without waiting');
  // A clean stop has nothing to warn about (the console shows warnings in the demo).
  expect(log.slice(log.indexOf('"msg":"shutting down"'))).not.toMatch(/"level":[456]0/);
}

function expectQuietConsole(output: string): void {
  expect(output).toContain('演示模式 demo mode');
  // Job progress and the demo catalog's unconfigured channels are in the log file, not on the console.
  expect(output).not.toMatch(/job (started|finished)/);
  expect(output).not.toContain('notification not delivered');
  expect(output).not.toMatch(/"level":30/);
}

describe('npm start, stopped during the simulated history', () => {
  it('one Ctrl-C before the banner still stops every component cleanly', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-demo-'));
    const p = startMain(
      { DATA_DIR: dir, PORT: String(await freePort()), MQTT_PORT: String(await freePort()) },
      { via: 'npm' },
    );
    running.push(p);
    await p.waitFor(/simulated history \[/, 60_000);
    p.interrupt();
    await p.exited;
    const log = fs.readFileSync(path.join(dir, 'qingliu.log'), 'utf8');
    expect(p.output()).toContain('已停止 stopped');
    expect(p.output()).not.toContain('Qingliu is running');
    expect(log).toMatch(/"msg":"stopped"/);
    expect(log).not.toMatch(/"level":[56]0/);
    expect(log.match(/"msg":"shutting down"/g)?.length).toBe(1);
  });
});

describe('npm start with port 1883 taken: the suggested commands, as written', () => {
  let suggestions: string[] = [];

  it('refuses, and suggests moving the embedded broker or using the existing one', async () => {
    const p = startMain({
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-demo-')),
      PORT: String(await freePort()),
      MQTT_PORT: String(mosquitto.port),
    });
    running.push(p);
    expect((await p.exited).code).toBe(1);
    suggestions = [...p.stderr().matchAll(/^ {2}· .*?: (\S.*? npm start)/gm)].map((m) => m[1]!);
    // Both, once each (the message is in Chinese and English).
    expect([...new Set(suggestions)]).toEqual([
      `MQTT_PORT=${mosquitto.port + 1} npm start`,
      `MQTT_URL=mqtt://127.0.0.1:${mosquitto.port} DEMO=on npm start`,
    ]);
  });

  it('MQTT_PORT=… npm start runs the demo on the embedded broker, and one Ctrl-C stops it', async () => {
    const settings = assignments(suggestions[0]!);
    // The suggestion is the next port up; on a busy machine that one may be taken too — then any free one.
    if (!(await isFree(Number(settings.MQTT_PORT)))) settings.MQTT_PORT = String(await freePort());
    const run = await runDemo(settings);
    expectQuietConsole(run.output);
    expect(run.output).toContain(`mqtt://127.0.0.1:${settings.MQTT_PORT} (内置 embedded)`);
    expectCleanStop(run);
  });

  it('MQTT_URL=… DEMO=on npm start runs the demo on the existing broker, and one Ctrl-C stops it', async () => {
    const run = await runDemo(assignments(suggestions[1]!));
    expectQuietConsole(run.output);
    expect(run.output).toContain(`MQTT:                 mqtt://127.0.0.1:${mosquitto.port}\n`);
    expectCleanStop(run);
  });
});
