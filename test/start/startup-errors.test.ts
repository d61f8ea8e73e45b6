/**
 * What a person sees when the service cannot start (issue 11 §3): the problem found early, said once in readable
 * text, naming the variable to change — and nothing "started" after it. Real child processes of `src/main.ts`.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../harness/free-port.js';
import { startMain, type MainProcess } from './main-process.js';

const running: MainProcess[] = [];
const servers: net.Server[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) p.kill();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-start-'));
}

async function occupy(): Promise<number> {
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function run(env: Record<string, string>): MainProcess {
  const p = startMain({ DEMO_HISTORY: '1d', ...env });
  running.push(p);
  return p;
}

/** The output holds the message once, no log line carries it with escaped line breaks, and nothing started. */
function expectOnceAndNothingStarted(p: MainProcess, phrase: string): void {
  const output = p.output();
  expect(output.split(phrase).length - 1).toBe(1);
  expect(output).not.toMatch(/"msg":"started"|\bstarted\b.*"component":"app"/);
  expect(output).not.toMatch(/\\n/);
  expect(output).not.toMatch(/HTTP listening|Qingliu is running/);
}

describe('start-up errors', () => {
  it('a taken PORT is found before anything starts, said once with the setting to change', async () => {
    const dir = tempDir();
    const httpPort = await occupy();
    const mqttPort = await freePort();
    const p = run({ DATA_DIR: dir, PORT: String(httpPort), MQTT_PORT: String(mqttPort) });
    expect((await p.exited).code).toBe(1);
    expect(p.stderr()).toContain(`HTTP port 127.0.0.1:${httpPort} is already in use`);
    expect(p.stderr()).toContain(`PORT=${httpPort + 1} npm start`);
    expectOnceAndNothingStarted(p, 'is already in use');
    // Before the long start-up: no broker was started, no spool opened, no simulated history published.
    expect(fs.existsSync(path.join(dir, 'spool'))).toBe(false);
    await expect(occupyPort(mqttPort)).resolves.toBe(true);
  });

  it('a missing catalog names CATALOG and the path, once', async () => {
    const dir = tempDir();
    const missing = path.join(dir, 'nowhere', 'catalog.yaml');
    const p = run({
      DATA_DIR: dir,
      PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      CATALOG: missing,
    });
    expect((await p.exited).code).toBe(1);
    expect(p.stderr()).toContain(`CATALOG=${missing}`);
    expect(p.stderr()).toContain('sensors/catalog.yaml');
    expectOnceAndNothingStarted(p, `CATALOG=${missing}`);
  });

  it('an invalid catalog names CATALOG, the file, the path in it and what is wrong', async () => {
    const dir = tempDir();
    const bad = path.resolve('test/fixtures/catalogs/many-errors.yaml');
    const p = run({ DATA_DIR: dir, PORT: String(await freePort()), MQTT_PORT: String(await freePort()), CATALOG: bad });
    expect((await p.exited).code).toBe(1);
    expect(p.stderr()).toContain(`(CATALOG=${bad}) cannot be used`);
    expect(p.stderr()).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: stations\\[\\d+\\]`));
    expect(p.output()).not.toMatch(/\\n/);
  });

  it('a taken MQTT port says so once, with both ways out written as commands', async () => {
    const dir = tempDir();
    const mqttPort = await occupy();
    const p = run({ DATA_DIR: dir, PORT: String(await freePort()), MQTT_PORT: String(mqttPort) });
    expect((await p.exited).code).toBe(1);
    expect(p.stderr()).toContain(`MQTT_PORT=${mqttPort + 1} npm start`);
    expect(p.stderr()).toContain(`MQTT_URL=mqtt://127.0.0.1:${mqttPort} DEMO=on npm start`);
    expectOnceAndNothingStarted(p, 'is already in use (probably another MQTT broker is running)');
    // The log file records the failure as an event, for whoever reads it later.
    const log = fs.readFileSync(path.join(dir, 'qingliu.log'), 'utf8');
    expect(log).toMatch(/"level":60.*"msg":"start-up failed"/);
  });

  it('outside demo mode without keys: says how to create one as a user runs it from a checkout', async () => {
    const dir = tempDir();
    const p = run({
      DATA_DIR: dir,
      PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      DEMO: 'off',
    });
    expect((await p.exited).code).toBe(1);
    expect(p.stderr()).toContain('npm run -s qingliu -- keys add --name NAME --role admin');
    expect(p.stderr()).toContain('DEMO=on');
    expectOnceAndNothingStarted(p, 'No API keys are configured');
  });
});

/** True when the port can be bound (nothing listens on it). */
async function occupyPort(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
