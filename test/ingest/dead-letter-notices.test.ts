/**
 * Dead-letter notices (`wq/_dlq/{station}`) are a courtesy on top of the stored dead letter: when the broker
 * cannot take them (frozen, backed up, disconnected) they are dropped and counted, never queued without bound.
 * Before this, each notice on a backed-up socket waited on its own 'drain' listener
 * (MaxListenersExceededWarning, memory growing with a station's flood of invalid messages).
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { createMqttSource } from '../../src/ingest/mqtt-source.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';

describe('dead-letter notices against a frozen broker', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    broker.resume();
    await broker.dispose();
  });

  it('drops and counts notices once the socket backs up, adds no drain listeners, and publishes again after', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const source = createMqttSource({
      url: broker.url,
      clientId: `dlq-notices-${process.pid}`,
      logger: silentLogger(),
      metrics: metrics.ingest,
      onMessage: (_t, _p, done) => done(),
      keepaliveSeconds: 600,
    });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      await source.start();
      await source.subscribed;
      broker.pause();
      const payload = 'x'.repeat(64 * 1024);
      // 200 MB offered: far more than the loopback socket buffers hold while the broker does not read.
      for (let i = 0; i < 3_200; i++) source.publish('wq/_dlq/s1', payload);
      const dropped = (
        await metrics.registry.getSingleMetric('qingliu_ingest_dead_letter_notices_dropped_total')?.get()
      )?.values[0]?.value;
      expect(dropped).toBeGreaterThan(1_000);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.includes('drain'))).toEqual([]);
      broker.resume();

      // Once the broker reads again, notices flow: a subscriber gets the next one.
      const watcher = await mqtt.connectAsync(broker.url, { clientId: `dlq-watcher-${process.pid}` });
      try {
        await watcher.subscribeAsync('wq/_dlq/s2', { qos: 0 });
        const got = new Promise<string>((resolve) => watcher.on('message', (_t, p) => resolve(p.toString())));
        const deadline = Date.now() + 30_000;
        let received: string | undefined;
        void got.then((p) => (received = p));
        while (received === undefined && Date.now() < deadline) {
          source.publish('wq/_dlq/s2', 'after');
          await new Promise((r) => setTimeout(r, 200));
        }
        expect(received).toBe('after');
      } finally {
        await watcher.endAsync();
      }
    } finally {
      process.off('warning', onWarning);
      broker.resume();
      await source.stop();
    }
  }, 60_000);
});
