/** The MQTT source against a real mosquitto: persistent session, PUBACK only after `done`, shared subscriptions. */
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMqttSource, type MqttSource, type MqttSourceOptions } from '../../src/ingest/mqtt-source.js';
import { silentLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { freePort } from '../harness/free-port.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { isServiceTopic } from '../../src/ingest/topics.js';
import { memoryLogger } from './helpers.js';

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.dispose();
});

const sources: MqttSource[] = [];
afterEach(async () => {
  for (const s of sources.splice(0)) await s.stop();
});

function source(options: Partial<MqttSourceOptions> & Pick<MqttSourceOptions, 'onMessage' | 'clientId'>): MqttSource {
  const s = createMqttSource({
    url: broker.url,
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }).ingest,
    ...options,
  });
  sources.push(s);
  return s;
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** onMessage that keeps the station messages (not the source's own retained status, which `wq/#` also matches). */
function keep(
  into: string[],
  format: (t: string, p: Buffer) => string = (_t, p) => p.toString(),
): MqttSourceOptions['onMessage'] {
  return (t, p, done) => {
    if (!isServiceTopic(t)) into.push(format(t, Buffer.from(p)));
    done();
  };
}

async function publish(topics: [string, string][]): Promise<void> {
  const client = await mqtt.connectAsync(broker.url, { clientId: `pub-${Math.random()}` });
  for (const [topic, payload] of topics) await client.publishAsync(topic, payload, { qos: 1 });
  await client.endAsync();
}

describe('MQTT source', () => {
  it('subscribes to everything under wq/ with a persistent session: messages sent while it was away arrive', async () => {
    const received: string[] = [];
    const both = (t: string, p: Buffer) => `${t} ${p.toString()}`;
    const first = source({ clientId: 'ingest-a', onMessage: keep(received, both) });
    await first.start();
    await until(() => first.connected);
    await publish([['wq/s1/data', '1']]);
    await until(() => received.length === 1);
    await first.stop();
    sources.length = 0;
    // Away: the broker queues for the session.
    await publish([
      ['wq/s1/data', '2'],
      ['wq/s2/senml', '3'],
      ['other/s1/data', 'x'],
      ['wq/s1/status', '4'],
    ]);
    const second = source({ clientId: 'ingest-a', onMessage: keep(received, both) });
    await second.start();
    await until(() => received.length === 4);
    // Topics outside the contract arrive too (the pipeline makes them invalid_topic dead letters); not other trees.
    expect(received).toEqual(['wq/s1/data 1', 'wq/s1/data 2', 'wq/s2/senml 3', 'wq/s1/status 4']);
  });

  it('does not acknowledge a message until done is called: unacknowledged messages come back after a restart', async () => {
    const seen: string[] = [];
    // Never calls done (its own retained status, which arrives first, is acknowledged).
    const holding = source({
      clientId: 'ingest-b',
      onMessage: (t, p, done) => (isServiceTopic(t) ? done() : seen.push(p.toString())),
    });
    await holding.start();
    await until(() => holding.connected);
    await publish([['wq/s1/data', 'held']]);
    await until(() => seen.length === 1);
    await holding.stop();
    sources.length = 0;
    const again: string[] = [];
    const next = source({ clientId: 'ingest-b', onMessage: keep(again) });
    await next.start();
    await until(() => again.length === 1);
    expect(again).toEqual(['held']);
    // Acknowledged now: a third session gets nothing.
    await next.stop();
    sources.length = 0;
    const third: string[] = [];
    const last = source({ clientId: 'ingest-b', onMessage: keep(third) });
    await last.start();
    await until(() => last.connected);
    await publish([['wq/s1/data', 'marker']]);
    await until(() => third.length === 1);
    expect(third).toEqual(['marker']);
  });

  it('holds PUBACKs while corked: abort drops them and the broker redelivers; release sends them', async () => {
    const seen: string[] = [];
    let s: MqttSource | undefined = undefined;
    s = source({
      clientId: 'ingest-g',
      reconnectPeriodMs: 100,
      onMessage: (t, p, done) => {
        if (isServiceTopic(t)) return done();
        seen.push(p.toString());
        const hold = s!.holdAcknowledgements()!;
        expect(hold).toBeDefined();
        done();
        // Like the pipeline's group commit: the write (here: its failure) comes after the current burst.
        setImmediate(() => (seen.length === 1 ? hold.abort(new Error('simulated spool failure')) : hold.release()));
      },
    });
    await s.start();
    await until(() => s!.connected);
    await publish([['wq/s1/data', 'precious']]);
    await until(() => seen.length === 2);
    expect(seen).toEqual(['precious', 'precious']);
    // Released the second time: a new session of the same client gets nothing more.
    await s.stop();
    sources.length = 0;
    const later: string[] = [];
    const next = source({ clientId: 'ingest-g', onMessage: keep(later) });
    await next.start();
    await until(() => next.connected);
    await publish([['wq/s1/data', 'marker']]);
    await until(() => later.length === 1);
    expect(later).toEqual(['marker']);
  });

  it('splits the load between instances of a shared subscription group', async () => {
    const a: string[] = [];
    const b: string[] = [];
    const one = source({ clientId: 'ingest-c1', shareGroup: 'qingliu', onMessage: keep(a) });
    const two = source({ clientId: 'ingest-c2', shareGroup: 'qingliu', onMessage: keep(b) });
    await Promise.all([one.start(), two.start()]);
    // Both SUBACKs, not a pause: a member whose SUBSCRIBE the broker has not taken yet gets none of the 40.
    await Promise.all([one.subscribed, two.subscribed]);
    await publish(Array.from({ length: 40 }, (_, i) => [`wq/s${i % 4}/data`, String(i)] as [string, string]));
    await until(() => a.length + b.length === 40);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect([...a, ...b].map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('keeps a retained online/offline status with a last will', async () => {
    const s = source({ clientId: 'ingest-d', onMessage: (_t, _p, done) => done() });
    await s.start();
    await until(() => s.connected);
    const read = async () => {
      const c = await mqtt.connectAsync(broker.url);
      const got = new Promise<string>((resolve) => c.on('message', (_t, p) => resolve(p.toString())));
      await c.subscribeAsync('wq/_status/ingest-d', { qos: 1 });
      const value = await got;
      await c.endAsync();
      return value;
    };
    await until(() => true);
    expect(await read()).toBe('online');
    await s.stop();
    expect(await read()).toBe('offline');
  });

  it('logs connection errors instead of throwing, and reports itself disconnected', async () => {
    const port = await freePort();
    const { logger, lines } = memoryLogger();
    const s = createMqttSource({
      url: `mqtt://127.0.0.1:${port}`,
      clientId: 'ingest-e',
      logger,
      metrics: createMetrics({ defaultMetrics: false }).ingest,
      reconnectPeriodMs: 50,
      onMessage: (_t, _p, done) => done(),
    });
    sources.push(s);
    await s.start();
    await until(() => lines().some((l) => l.msg === 'MQTT error'));
    expect(s.connected).toBe(false);
  });

  it('reconnects after a broker restart and resubscribes', async () => {
    const received: string[] = [];
    const metrics = createMetrics({ defaultMetrics: false });
    const s = createMqttSource({
      url: broker.url,
      clientId: 'ingest-f',
      logger: silentLogger(),
      metrics: metrics.ingest,
      reconnectPeriodMs: 100,
      onMessage: (_t, p, done) => (received.push(p.toString()), done()),
    });
    sources.push(s);
    await s.start();
    await until(() => s.connected);
    await broker.restart();
    await until(() => s.connected);
    await publish([['wq/s9/data', 'after']]);
    await until(() => received.includes('after'));
    expect(await metrics.registry.metrics()).toMatch(/qingliu_mqtt_connects_total [2-9]/);
  });
});
