/**
 * `qingliu mqtt-auth` end to end: generate the files from a catalog, start a real Mosquitto with them and the
 * production configuration (deploy/mosquitto/mosquitto.conf: a station listener and a service listener), and
 * check what each user can and cannot do.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { parseCredentialsCsv, parsePasswordFile } from '../../src/broker/mosquitto-auth.js';
import { startProductionMosquitto, type ProductionMosquitto } from '../harness/mosquitto.js';
import { cli } from '../harness/cli.js';

const CATALOG = fileURLToPath(new URL('./fixtures/mqtt-auth-catalog.yaml', import.meta.url));
const AUTH_FILES = ['credentials.csv', 'passwordfile', 'aclfile', 'service-passwordfile', 'service-aclfile'];

describe('qingliu mqtt-auth with a real Mosquitto', () => {
  let dir: string;
  let outDir: string;
  let broker: ProductionMosquitto;
  let passwords: Map<string, string>;
  let modesAsWritten: Record<string, number>;
  const clients: MqttClient[] = [];

  /** The service user connects to the service listener, everyone else to the station listener. */
  async function connect(username: string | undefined, password: string | undefined, opts: mqtt.IClientOptions = {}) {
    const client = await mqtt.connectAsync(username === 'qingliu' ? broker.serviceUrl : broker.stationUrl, {
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      protocolVersion: 5,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...opts,
    });
    clients.push(client);
    return client;
  }

  const connectTo = (url: string, username: string) =>
    mqtt.connectAsync(url, {
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      protocolVersion: 5,
      username,
      password: passwords.get(username)!,
    });

  const as = (username: string, opts: mqtt.IClientOptions = {}) => connect(username, passwords.get(username)!, opts);

  function inbox(client: MqttClient): string[] {
    const got: string[] = [];
    client.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    return got;
  }

  /** Publishes a marker from a known-good user and waits for it, so "nothing else arrived" is meaningful. */
  async function flush(observer: MqttClient, got: string[], marker: string) {
    const station = await as('xi-outbound');
    await station.publishAsync('wq/xi-outbound/data', marker, { qos: 1 });
    const deadline = Date.now() + 5_000;
    while (!got.some((m) => m.endsWith(marker))) {
      if (Date.now() > deadline) throw new Error(`marker ${marker} never arrived`);
      await new Promise((r) => setTimeout(r, 10));
    }
    void observer;
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-mqtt-auth-'));
    outDir = path.join(dir, 'auth');
    const result = await cli(['mqtt-auth', '--catalog', CATALOG, '--out', outDir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    passwords = parseCredentialsCsv(fs.readFileSync(path.join(outDir, 'credentials.csv'), 'utf8'));
    modesAsWritten = Object.fromEntries(AUTH_FILES.map((f) => [f, fs.statSync(path.join(outDir, f)).mode & 0o777]));
    // The harness copies the files where the broker can read them, as the compose service does.
    broker = await startProductionMosquitto({ authDir: outDir });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await broker?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the five files, with the plaintext sheet readable only by its owner and each user on one listener', () => {
    expect([...passwords.keys()]).toEqual(['qingliu', 'xi-inbound', 'xi-outbound', 'lotus-pond']);
    expect(modesAsWritten).toEqual({
      'credentials.csv': 0o600,
      passwordfile: 0o640,
      aclfile: 0o640,
      'service-passwordfile': 0o640,
      'service-aclfile': 0o640,
    });
    const users = (file: string) => [...parsePasswordFile(fs.readFileSync(path.join(outDir, file), 'utf8')).keys()];
    expect(users('passwordfile')).toEqual(['xi-inbound', 'xi-outbound', 'lotus-pond']);
    expect(users('service-passwordfile')).toEqual(['qingliu']);
    const passwordFile = fs.readFileSync(path.join(outDir, 'passwordfile'), 'utf8');
    expect(passwordFile).not.toContain(passwords.get('xi-inbound'));
  });

  it('refuses each user on the other listener', async () => {
    const on = (url: string, username: string) => connectTo(url, username);
    await expect(on(broker.serviceUrl, 'xi-inbound')).rejects.toThrow(/Bad User Name or Password|Not authorized/i);
    await expect(on(broker.stationUrl, 'qingliu')).rejects.toThrow(/Bad User Name or Password|Not authorized/i);
  });

  it('lets a station publish to its own topics, and the service user receives them through a shared subscription', async () => {
    const service = await as('qingliu');
    const got = inbox(service);
    const granted = await service.subscribeAsync('$share/qingliu/wq/#', { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    const station = await as('xi-inbound');
    await station.publishAsync('wq/xi-inbound/data', '{"ts":0,"values":{"ph":7.1}}', { qos: 1 });
    await station.publishAsync('wq/xi-inbound/senml', '[{"n":"ph","v":7.1}]', { qos: 1 });
    await flush(service, got, 'marker-1');
    expect(got).toContain('wq/xi-inbound/data {"ts":0,"values":{"ph":7.1}}');
    expect(got).toContain('wq/xi-inbound/senml [{"n":"ph","v":7.1}]');
  });

  it("refuses a station's publish to another station's topic (PUBACK 0x87) and delivers nothing", async () => {
    const service = await as('qingliu');
    const got = inbox(service);
    await service.subscribeAsync('wq/#', { qos: 1 });
    // Mosquitto answers a denied QoS 1 publish with PUBACK 0x87 (MQTT 5) and then drops the connection,
    // so each attempt gets its own.
    for (const [topic, payload] of [
      ['wq/xi-outbound/data', 'forged'],
      ['wq/xi-inbound/other', 'stray'],
      ['wq/alerts/xi-inbound', 'fake alert'],
      ['wq/_dlq/xi-inbound', 'fake dead letter'],
    ] as const) {
      const station = await as('xi-inbound');
      await expect(station.publishAsync(topic, payload, { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
    }
    await flush(service, got, 'marker-2');
    expect(got.filter((m) => /forged|stray|fake/.test(m))).toEqual([]);
  });

  it('does not let a station read anything, not even its neighbours', async () => {
    const spy = await as('lotus-pond');
    const spied = inbox(spy);
    await spy.subscribeAsync('wq/#', { qos: 1 });
    const service = await as('qingliu');
    const got = inbox(service);
    await service.subscribeAsync('wq/+/data', { qos: 1 });
    await flush(service, got, 'marker-3');
    expect(spied).toEqual([]);
  });

  it('lets the service user publish dead letters, alerts and status, but not readings', async () => {
    const service = await as('qingliu');
    const got = inbox(service);
    await service.subscribeAsync(['wq/_dlq/#', 'wq/alerts/#', 'wq/_status/#'], { qos: 1 });
    await service.publishAsync('wq/_dlq/xi-inbound', 'dead', { qos: 1 });
    await service.publishAsync('wq/alerts/xi-outbound', 'alert', { qos: 1 });
    await service.publishAsync('wq/_status/qingliu', 'online', { qos: 1, retain: true });
    await expect(service.publishAsync('wq/xi-inbound/data', 'fake reading', { qos: 1 })).rejects.toMatchObject({
      code: 0x87,
    });
    const deadline = Date.now() + 5_000;
    while (got.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(got.sort()).toEqual(['wq/_dlq/xi-inbound dead', 'wq/_status/qingliu online', 'wq/alerts/xi-outbound alert']);
  });

  it('refuses wrong passwords, unknown users and anonymous clients', async () => {
    await expect(connect('xi-inbound', 'not-the-password')).rejects.toThrow(
      /Bad User Name or Password|Not authorized/i,
    );
    await expect(connect('nobody', 'x')).rejects.toThrow(/Bad User Name or Password|Not authorized/i);
    await expect(connect(undefined, undefined)).rejects.toThrow(/Bad User Name or Password|Not authorized/i);
  });

  it('keeps passwords and the password file stable on regeneration, and rotates one on request', async () => {
    const before = fs.readFileSync(path.join(outDir, 'passwordfile'), 'utf8');
    const again = await cli(['mqtt-auth', '--catalog', CATALOG, '--out', outDir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('new: 0, kept: 4, rotated: 0');
    expect(fs.readFileSync(path.join(outDir, 'passwordfile'), 'utf8')).toBe(before);

    const rotated = await cli(['mqtt-auth', '--catalog', CATALOG, '--out', outDir, '--rotate', 'xi-inbound']);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain('rotated: 1 (xi-inbound)');
    const fresh = parseCredentialsCsv(fs.readFileSync(path.join(outDir, 'credentials.csv'), 'utf8'));
    expect(fresh.get('xi-inbound')).not.toBe(passwords.get('xi-inbound'));
    expect(fresh.get('xi-outbound')).toBe(passwords.get('xi-outbound'));

    // Mosquitto reads the files at start: after a restart the old password is refused, the new one works.
    await broker.restart();
    await expect(connect('xi-inbound', passwords.get('xi-inbound'))).rejects.toThrow(
      /Bad User Name or Password|Not authorized/i,
    );
    const station = await connect('xi-inbound', fresh.get('xi-inbound'));
    await station.publishAsync('wq/xi-inbound/data', 'after rotation', { qos: 1 });
    passwords = fresh;
  });

  it('adds a simulator user on request, allowed to publish for every station', async () => {
    const result = await cli(['mqtt-auth', '--catalog', CATALOG, '--out', outDir, '--simulator']);
    expect(result.code).toBe(0);
    passwords = parseCredentialsCsv(fs.readFileSync(path.join(outDir, 'credentials.csv'), 'utf8'));
    await broker.restart();
    const sim = await as('qingliu-simulator');
    await sim.publishAsync('wq/lotus-pond/data', 'simulated', { qos: 1 });
    await expect(sim.publishAsync('wq/alerts/lotus-pond', 'no', { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
  });

  it('explains its usage errors', async () => {
    const noOut = await cli(['mqtt-auth', '--catalog', CATALOG]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--out DIR is required');
    const badRotate = await cli(['mqtt-auth', '--catalog', CATALOG, '--out', outDir, '--rotate', 'nobody']);
    expect(badRotate.code).toBe(2);
    expect(badRotate.stderr).toContain('unknown users: nobody');
    const help = await cli(['mqtt-auth', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('wq/{id}/data');
    const badCatalog = await cli(['mqtt-auth', '--catalog', path.join(dir, 'missing.yaml'), '--out', outDir]);
    expect(badCatalog.code).toBe(1);
    expect(badCatalog.stderr).toContain('file not found');
  });
});
