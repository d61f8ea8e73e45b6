/**
 * deploy/mosquitto/mosquitto.conf, the production broker configuration, run by the real Mosquitto with the
 * files `qingliu mqtt-auth` generates (test/harness/mosquitto.ts startProductionMosquitto: container paths mapped
 * to a temp directory, the listeners moved to free loopback ports). Checks authentication on both listeners,
 * persistence with a queue deeper than Mosquitto's default, and (when the openssl CLI is there) the TLS listener
 * exactly as docs/deploy.md tells operators to set it up. The session-takeover defence: test/broker/session-takeover.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { parseCredentialsCsv } from '../../src/broker/mosquitto-auth.js';
import { runCli } from '../../src/cli/run-cli.js';
import { startProductionMosquitto, type ProductionMosquitto } from '../harness/mosquitto.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CATALOG = path.join(ROOT, 'test/broker/fixtures/mqtt-auth-catalog.yaml');
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('deploy/mosquitto/mosquitto.conf on a real Mosquitto', () => {
  let dir: string;
  let broker: ProductionMosquitto;
  let passwords: Map<string, string>;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-prod-mosquitto-'));
    fs.mkdirSync(path.join(dir, 'certs'));

    const out = new PassThrough();
    const code = await runCli(['mqtt-auth', '--catalog', CATALOG, '--out', path.join(dir, 'auth')], {
      stdin: new PassThrough(),
      stdout: out,
      stderr: out,
      env: {},
    });
    expect(code).toBe(0);
    passwords = parseCredentialsCsv(fs.readFileSync(path.join(dir, 'auth/credentials.csv'), 'utf8'));

    if (hasOpenssl) makeCertificates(path.join(dir, 'certs'));
    // Started as root, Mosquitto drops to the "mosquitto" user: the compose service chowns; here, open up.
    for (const d of [dir, path.join(dir, 'certs')]) fs.chmodSync(d, 0o755);
    broker = await startProductionMosquitto({
      authDir: path.join(dir, 'auth'),
      ...(hasOpenssl ? { tls: { certsDir: path.join(dir, 'certs') } } : {}),
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await broker?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function makeCertificates(certs: string) {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: certs, stdio: 'pipe' });
    run(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '30',
      '-subj',
      '/CN=Qingliu test CA',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    );
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
    );
    fs.writeFileSync(path.join(certs, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    run(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '30',
      '-out',
      'server.crt',
      '-extfile',
      'san.ext',
    );
    fs.chmodSync(path.join(certs, 'server.key'), 0o644);
  }

  /** Stations (and anonymous clients) on the station listener, the service user on its own. */
  async function connect(username: string | undefined, opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
    const url =
      opts.protocol === 'mqtts'
        ? `mqtts://127.0.0.1:${broker.tlsPort}`
        : username === 'qingliu'
          ? broker.serviceUrl
          : broker.stationUrl;
    const client = await mqtt.connectAsync(url, {
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ...(username ? { username, password: passwords.get(username) } : {}),
      ...opts,
    });
    clients.push(client);
    return client;
  }

  it('refuses anonymous clients and accepts the generated users, each on its own listener', async () => {
    await expect(connect(undefined)).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    const station = await connect('xi-inbound');
    expect(station.connected).toBe(true);
    const service = await connect('qingliu');
    expect(service.connected).toBe(true);
    // Neither kind of user can log in on the other's listener.
    const cross = (url: string, username: string) =>
      mqtt.connectAsync(url, {
        reconnectPeriod: 0,
        connectTimeout: 5_000,
        username,
        password: passwords.get(username),
      });
    await expect(cross(broker.serviceUrl, 'xi-inbound')).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    await expect(cross(broker.stationUrl, 'qingliu')).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
  });

  it('keeps a persistent session and more queued QoS 1 readings than the default limit across a restart', async () => {
    const ingest = await connect('qingliu', { clientId: 'qingliu-ingest', clean: false });
    await ingest.subscribeAsync('$share/qingliu/wq/#', { qos: 1 });
    await ingest.endAsync();

    // Mosquitto's default max_queued_messages is 1000: queue more while the ingester is away.
    const station = await connect('xi-outbound');
    const total = 1500;
    await Promise.all(
      Array.from({ length: total }, (_, i) => station.publishAsync('wq/xi-outbound/data', `{"n":${i}}`, { qos: 1 })),
    );
    await station.endAsync();

    await broker.stop();
    await broker.start();

    const got = new Set<string>();
    const back = mqtt.connect(broker.serviceUrl, {
      clientId: 'qingliu-ingest',
      clean: false,
      reconnectPeriod: 0,
      username: 'qingliu',
      password: passwords.get('qingliu'),
    });
    clients.push(back);
    back.on('message', (_topic, payload) => got.add(payload.toString()));
    const deadline = Date.now() + 30_000;
    while (got.size < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(got.size).toBe(total);
  });

  it.skipIf(!hasOpenssl)('serves MQTT over TLS on the 8883 listener with a certificate from a private CA', async () => {
    const ca = fs.readFileSync(path.join(dir, 'certs/ca.crt'));
    const station = await connect('xi-inbound', { protocol: 'mqtts', ca, servername: 'localhost' });
    await station.publishAsync('wq/xi-inbound/data', '{"ts":0,"values":{"ph":7}}', { qos: 1 });
    // Without the CA the server's certificate is not trusted.
    await expect(connect('xi-inbound', { protocol: 'mqtts', servername: 'localhost' })).rejects.toThrow(
      /self[- ]signed|unable to verify|certificate/i,
    );
  });
});
