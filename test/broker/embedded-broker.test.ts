import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { BrokerPortInUseError, createEmbeddedBroker, type EmbeddedBroker } from '../../src/broker/embedded-broker.js';
import { silentLogger } from '../../src/logger.js';
import { freePort } from '../harness/free-port.js';
import { startMosquitto } from '../harness/mosquitto.js';

describe('embedded MQTT broker (aedes)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function started(port = 0): Promise<EmbeddedBroker> {
    const broker = createEmbeddedBroker({ port, host: '127.0.0.1', logger: silentLogger() });
    cleanups.push(() => broker.stop());
    await broker.start();
    return broker;
  }

  async function connect(url: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...opts });
    cleanups.push(() => client.endAsync(true));
    return client;
  }

  function collect(client: MqttClient): { topic: string; payload: string; qos: number }[] {
    const got: { topic: string; payload: string; qos: number }[] = [];
    client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos }));
    return got;
  }

  async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('listens on the given port and relays QoS 1 messages between real mqtt.js clients', async () => {
    const port = await freePort();
    const broker = await started(port);
    expect(broker.port).toBe(port);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${port}`);

    const sub = await connect(broker.url, { clientId: 'sub' });
    const got = collect(sub);
    await sub.subscribeAsync('wq/+/data', { qos: 1 });
    const pub = await connect(broker.url, { clientId: 'station-a' });
    // publishAsync with QoS 1 resolves on the broker's PUBACK.
    const packet = await pub.publishAsync('wq/a/data', '{"ts":0,"values":{"ph":7}}', { qos: 1 });
    expect(packet?.cmd).toBe('publish');
    await until(() => got.length === 1);
    expect(got[0]).toEqual({ topic: 'wq/a/data', payload: '{"ts":0,"values":{"ph":7}}', qos: 1 });
  });

  it('picks a free port when asked for port 0 and reports it', async () => {
    const broker = await started(0);
    expect(broker.port).toBeGreaterThan(0);
    const client = await connect(broker.url);
    expect(client.connected).toBe(true);
  });

  it('keeps a persistent session (clean=false): QoS 1 messages published while the subscriber is away are delivered on reconnect', async () => {
    const broker = await started();
    const first = await mqtt.connectAsync(broker.url, { clientId: 'qingliu-ingest', clean: false, reconnectPeriod: 0 });
    await first.subscribeAsync('wq/+/data', { qos: 1 });
    await first.endAsync();

    const pub = await connect(broker.url, { clientId: 'station-b' });
    for (let i = 0; i < 5; i++) await pub.publishAsync('wq/b/data', `m${i}`, { qos: 1 });

    // Subscribe to nothing this time: the session (subscription + queue) must come back by itself.
    const again = mqtt.connect(broker.url, { clientId: 'qingliu-ingest', clean: false, reconnectPeriod: 0 });
    cleanups.push(() => again.endAsync(true));
    const got = collect(again);
    const connack = await new Promise<mqtt.IConnackPacket>((resolve) => again.once('connect', resolve));
    expect(connack.sessionPresent).toBe(true);
    await until(() => got.length === 5);
    expect(got.map((m) => m.payload)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(got.every((m) => m.qos === 1)).toBe(true);
  });

  it('rejects start() with an actionable message when another process holds the port', async () => {
    const port = await freePort();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => squatter.close(() => resolve(undefined))));

    const broker = createEmbeddedBroker({ port, host: '127.0.0.1', logger: silentLogger() });
    cleanups.push(() => broker.stop());
    const err = await broker.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BrokerPortInUseError);
    const message = (err as Error).message;
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).toContain('already in use');
    expect(message).toContain('已被占用');
    expect(message).toContain(`MQTT_URL=mqtt://127.0.0.1:${port} DEMO=on npm start`);
    expect(message).toMatch(/MQTT_PORT=\d+ npm start/);
    expect((err as BrokerPortInUseError).code).toBe('EADDRINUSE');
    // A failed start leaves nothing running: stop() is a no-op and the port is still the squatter's.
    await broker.stop();
  });

  it('names the real situation: a Mosquitto already running on the port', async () => {
    const mosquitto = await startMosquitto();
    cleanups.push(() => mosquitto.dispose());
    const broker = createEmbeddedBroker({ port: mosquitto.port, host: '127.0.0.1', logger: silentLogger() });
    cleanups.push(() => broker.stop());
    await expect(broker.start()).rejects.toThrow(new RegExp(`MQTT_URL=mqtt://127\\.0\\.0\\.1:${mosquitto.port}`));
    // The existing broker is untouched and still serves clients.
    const client = await connect(mosquitto.url);
    expect(client.connected).toBe(true);
  });

  it('gated: connections wait unanswered until open(), while the ingester uses the internal listener', async () => {
    const broker = createEmbeddedBroker({ port: 0, host: '127.0.0.1', logger: silentLogger(), gated: true });
    cleanups.push(() => broker.stop());
    await broker.start();
    expect(broker.internalUrl).not.toBe(broker.url);
    const ingester = await connect(broker.internalUrl, { clientId: 'ingester' });
    await ingester.subscribeAsync('wq/+/data', { qos: 1 });
    const got = collect(ingester);
    // The station connects to the port; its CONNECT is not answered before open() (no refusal to give up on).
    const station = mqtt.connect(broker.url, { clientId: 'station-a', reconnectPeriod: 0 });
    cleanups.push(() => station.endAsync(true));
    let connected = false;
    station.on('connect', () => (connected = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(connected).toBe(false);
    broker.open();
    await until(() => connected);
    await station.publishAsync('wq/a/data', 'x', { qos: 1 });
    await until(() => got.length === 1);
    // Later clients are served at once.
    await connect(broker.url, { clientId: 'station-b' });
  });

  it('stop() disconnects clients, frees the port, and is safe twice and before start()', async () => {
    const never = createEmbeddedBroker({ port: 0, logger: silentLogger() });
    await never.stop();

    const broker = await started();
    const client = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    cleanups.push(() => client.endAsync(true));
    await new Promise((resolve) => client.once('connect', resolve));
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await broker.stop();
    await broker.stop();
    await closed;

    // The port can be bound again, e.g. by a restarted broker.
    const again = createEmbeddedBroker({ port: broker.port, host: '127.0.0.1', logger: silentLogger() });
    cleanups.push(() => again.stop());
    await again.start();
    expect(again.port).toBe(broker.port);
  });
});
