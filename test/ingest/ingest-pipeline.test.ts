import { afterEach, describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../src/domain/reading.js';
import { createIngestPipeline, type AckGate } from '../../src/ingest/ingest-pipeline.js';
import type { MessageDecoder } from '../../src/ingest/message-decoder.js';
import { createSpool, type Spool } from '../../src/ingest/spool/spool.js';
import { silentLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { decoder, memoryLogger, NOW, tempDir } from './helpers.js';

const spools: Spool[] = [];
function setup(options: { maxBytes?: number; decoder?: MessageDecoder; ackGate?: AckGate } = {}) {
  const spool = createSpool({ dir: tempDir(), maxBytes: options.maxBytes ?? 1 << 20, segmentBytes: 4096, fsyncIntervalMs: 1000, logger: silentLogger() });
  spool.open();
  spools.push(spool);
  const metrics = createMetrics({ defaultMetrics: false });
  const published: DeadLetter[] = [];
  const log = memoryLogger();
  const pipeline = createIngestPipeline({
    decoder: options.decoder ?? decoder(),
    spool,
    metrics: metrics.ingest,
    logger: log.logger,
    now: () => NOW,
    publishDeadLetter: (letter) => published.push(letter),
    retryMs: 10,
    ackGate: options.ackGate,
  });
  return { spool, metrics, published, pipeline, log };
}

const payload = (values: Record<string, unknown>) => Buffer.from(JSON.stringify({ ts: NOW - 60_000, values }));

afterEach(() => {
  for (const s of spools.splice(0)) s.close();
});

describe('ingest pipeline', () => {
  it('spools readings and dead letters, then acknowledges; counts and republishes rejections', async () => {
    const { spool, metrics, published, pipeline, log } = setup();
    let acks = 0;
    pipeline.handle('wq/demo-01/data', payload({ ph: 7.2, do: 6.1, bogus: 1 }), () => acks++);
    pipeline.handle('wq/ghost/data', payload({ ph: 7 }), () => acks++);
    expect(acks).toBe(2);
    const batch = spool.read(1 << 20)!;
    expect(batch.readings.map((r) => r.parameter)).toEqual(['ph', 'do']);
    expect(batch.deadLetters.map((d) => d.reason)).toEqual(['unknown_parameter', 'unknown_station']);
    expect(published.map((d) => d.reason)).toEqual(['unknown_parameter', 'unknown_station']);
    const text = await metrics.registry.metrics();
    expect(text).toContain('qingliu_ingest_messages_received_total{format="data"} 2');
    expect(text).toContain('qingliu_ingest_readings_accepted_total 2');
    expect(text).toContain('qingliu_ingest_rejected_total{reason="unknown_station"} 1');
    expect(log.lines().filter((l) => l.msg === 'rejected').map((l) => l.reason)).toEqual(['unknown_parameter', 'unknown_station']);
  });

  it('acknowledges its own service topics without storing them', () => {
    const { spool, pipeline } = setup();
    let acks = 0;
    pipeline.handle('wq/_dlq/data', Buffer.from('{}'), () => acks++);
    pipeline.handle('wq/_status/data', Buffer.from('online'), () => acks++);
    expect(acks).toBe(2);
    expect(spool.read(1 << 20)).toBeUndefined();
  });

  it('holds messages unacknowledged while the spool is full, in order, and releases them when space is freed', async () => {
    const { spool, pipeline, metrics } = setup({ maxBytes: 16_384 });
    const acked: number[] = [];
    let i = 0;
    while (!spool.full) {
      const n = i++;
      pipeline.handle('wq/demo-01/data', Buffer.from(JSON.stringify({ ts: NOW - 1e6 + n, values: { ph: 7, do: 6, tp: 0.1 } })), () => acked.push(n));
    }
    const before = acked.length;
    for (let k = 0; k < 3; k++) {
      const n = i++;
      pipeline.handle('wq/demo-01/data', Buffer.from(JSON.stringify({ ts: NOW - 1e6 + n, values: { ph: 7 } })), () => acked.push(n));
    }
    expect(acked).toHaveLength(before);
    expect(pipeline.held).toBe(3);
    expect(await metrics.registry.metrics()).toContain('qingliu_spool_backpressure 1');
    // The forwarder stores a batch and commits: drained segments are deleted, the held messages go through.
    spool.commit(spool.read(1 << 20)!);
    expect(pipeline.held).toBe(0);
    expect(acked).toEqual(Array.from({ length: before + 3 }, (_, k) => k));
    expect(await metrics.registry.metrics()).toContain('qingliu_spool_backpressure 0');
  });

  it('holds a message when the disk refuses the write, and retries it', async () => {
    const { spool, pipeline } = setup();
    const append = spool.append.bind(spool);
    let failures = 2;
    spool.append = (r, d) => {
      if (failures-- > 0) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      append(r, d);
    };
    let acked = false;
    pipeline.handle('wq/demo-01/data', payload({ ph: 7 }), () => (acked = true));
    expect(acked).toBe(false);
    const deadline = Date.now() + 2000;
    while (!acked && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(acked).toBe(true);
    expect(spool.read(1 << 20)!.readings).toHaveLength(1);
  });

  it('turns a decoder crash into a dead letter instead of crashing', () => {
    const { spool, pipeline } = setup({
      decoder: {
        decode() {
          throw new TypeError('boom');
        },
      },
    });
    let acked = false;
    pipeline.handle('wq/demo-01/data', payload({ ph: 7 }), () => (acked = true));
    expect(acked).toBe(true);
    expect(spool.read(1 << 20)!.deadLetters[0]).toMatchObject({ reason: 'invalid_message', detail: 'internal error: boom', stationId: 'demo-01' });
  });

  it('never acknowledges after close (the broker redelivers)', () => {
    const { pipeline } = setup();
    pipeline.close();
    let acked = false;
    pipeline.handle('wq/demo-01/data', payload({ ph: 7 }), () => (acked = true));
    expect(acked).toBe(false);
  });

  describe('group commit (acknowledgements held until one write)', () => {
    /** A gate that logs what happens, in order, with the spool's writes. */
    function gated(options: { canHold?: boolean } = {}) {
      const events: string[] = [];
      const gate: AckGate = {
        hold: () =>
          options.canHold === false
            ? undefined
            : (events.push('hold'), { release: () => events.push('release'), abort: (err) => events.push(`abort: ${err.message}`) }),
      };
      const rig = setup({ ackGate: gate });
      const appendGroup = rig.spool.appendGroup.bind(rig.spool);
      rig.spool.appendGroup = (group) => {
        appendGroup(group);
        events.push(`write ${group.messages}`);
      };
      const append = rig.spool.append.bind(rig.spool);
      rig.spool.append = (r, d) => {
        append(r, d);
        events.push('write 1 directly');
      };
      return { ...rig, events };
    }
    const tick = () => new Promise((r) => setImmediate(r));

    it('acknowledges a burst at once, writes it with one write, and only then releases the acknowledgements', async () => {
      const { spool, pipeline, events, metrics } = gated();
      for (let i = 0; i < 3; i++) pipeline.handle('wq/demo-01/data', payload({ ph: 7 + i / 10 }), () => events.push(`ack ${i}`));
      pipeline.handle('wq/demo-01/data', payload({ bogus: 1 }), () => events.push('ack 3'));
      expect(events).toEqual(['hold', 'ack 0', 'ack 1', 'ack 2', 'ack 3']);
      expect(await metrics.registry.metrics()).toContain('qingliu_ingest_readings_accepted_total 0');
      await tick();
      expect(events.slice(5)).toEqual(['write 4', 'release']);
      const batch = spool.read(1 << 20)!;
      expect(batch.readings.map((r) => r.value)).toEqual([7, 7.1, 7.2]);
      expect(batch.deadLetters.map((d) => d.reason)).toEqual(['unknown_parameter']);
      expect(await metrics.registry.metrics()).toContain('qingliu_ingest_readings_accepted_total 3');
    });

    it('drops the held acknowledgements (aborts) when the write fails, counts nothing, and recovers one by one', async () => {
      const { spool, pipeline, events, metrics } = gated();
      const appendGroup = spool.appendGroup;
      spool.appendGroup = () => {
        throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      };
      pipeline.handle('wq/demo-01/data', payload({ ph: 7 }), () => events.push('ack a'));
      await tick();
      expect(events).toEqual(['hold', 'ack a', 'abort: spool write failed: EIO: i/o error, write']);
      expect(await metrics.registry.metrics()).not.toMatch(/^qingliu_ingest_messages_received_total\{/m);
      spool.appendGroup = appendGroup;
      // The broker redelivers after the reconnection; the next message is written on its own before its ack.
      pipeline.handle('wq/demo-01/data', payload({ ph: 7 }), () => events.push('ack a again'));
      expect(events.slice(3)).toEqual(['write 1 directly', 'ack a again']);
      // Healthy again: back to group commits.
      pipeline.handle('wq/demo-01/data', payload({ do: 6 }), () => events.push('ack b'));
      expect(events.slice(5)).toEqual(['hold', 'ack b']);
    });

    it('writes each message on its own when acknowledgements cannot be held (no live connection)', () => {
      const { pipeline, events } = gated({ canHold: false });
      pipeline.handle('wq/demo-01/data', payload({ ph: 7 }), () => events.push('ack'));
      expect(events).toEqual(['write 1 directly', 'ack']);
    });

    it('writes the staged group when closed', () => {
      const { spool, pipeline, events } = gated();
      pipeline.handle('wq/demo-01/data', payload({ ph: 7 }), () => events.push('ack'));
      pipeline.close();
      expect(events).toEqual(['hold', 'ack', 'write 1', 'release']);
      expect(spool.read(1 << 20)!.readings).toHaveLength(1);
    });
  });
});
