/**
 * Gap fill (issue 13 §5): a logger back after a 6 h outage is asked for the missing hours (2061 BeginTime/EndTime);
 * the simulated logger answers from its memory and the records are stored as late data. Injected clock, real TCP,
 * a sink on a real spool.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { zone } from '../../../src/domain/time-window.js';
import type { DeviceEvents, Hj212Device } from '../../../src/ingest/hj212/contracts.js';
import { createGapFillTracker, missingHours } from '../../../src/ingest/hj212/gap-fill.js';
import { createHj212Metrics } from '../../../src/ingest/hj212/metrics.js';
import { createHj212Server, type Hj212Server } from '../../../src/ingest/hj212/server.js';
import { createSpool, type Spool } from '../../../src/ingest/spool/spool.js';
import { silentLogger } from '../../../src/logger.js';
import { SimLogger } from '../../../sensors/hj212/logger.js';
import { until as untilAsync } from '../e2e.js';
import { tempDir } from '../helpers.js';
import { KEY_PLANT_2025 } from './fixtures.js';
import { createSpoolSink, type SpoolSink } from './spool-sink.js';

const H = 3_600_000;
const SHANGHAI = zone('Asia/Shanghai');
const noEvents: DeviceEvents = { connected() {}, disconnected() {}, packet() {}, heartbeat() {}, status() {} };

describe('missing hours', () => {
  const T = Date.parse('2026-12-06T14:05:00+08:00');
  it('from the hour after the last record to the last complete hour', () => {
    expect(missingHours(T - 7 * H - 5 * 60_000, T)).toEqual({
      begin: Date.parse('2026-12-06T08:00:00+08:00'),
      end: Date.parse('2026-12-06T13:00:00+08:00'),
    });
    expect(missingHours(undefined, T)).toBeUndefined();
    expect(missingHours(T - 2 * H, T)).toBeUndefined();
    expect(missingHours(T - 30 * 24 * H, T, { maxHours: 24 })).toEqual({
      begin: Date.parse('2026-12-05T14:00:00+08:00'),
      end: Date.parse('2026-12-06T13:00:00+08:00'),
    });
  });
  it('requests are remembered for a while, then forgotten', () => {
    const t = createGapFillTracker({ requestTtlMs: H });
    t.requested('M', { begin: 10 * H, end: 12 * H, qn: '1', sentAt: 0 });
    expect(t.answers('M', 11 * H, 10)).toBe(true);
    expect(t.answers('M', 13 * H, 10)).toBe(false);
    expect(t.answers('M', 11 * H, H)).toBe(false);
    expect(t.answers('N', 11 * H, 10)).toBe(false);
  });
});

describe('gap fill against the simulated logger', () => {
  let server: Hj212Server | undefined;
  let spool: Spool | undefined;
  const loggers: SimLogger[] = [];
  afterEach(async () => {
    for (const l of loggers.splice(0)) l.stop();
    await server?.stop(100);
    spool?.close();
  });

  for (const protocol of ['hj212-2017', 'hj212-2025'] as const) {
    it(`a 6 h outage of an ${protocol} logger is filled with its hourly records, stored as late data`, async () => {
      const clock = { now: Date.parse('2026-12-06T08:02:00+08:00') };
      const device: Hj212Device = {
        mn: 'GAPFILL0000000000000001',
        stationId: 'wwtp-gap',
        protocol,
        password: '123456',
        ...(protocol === 'hj212-2025' ? { sm4Key: KEY_PLANT_2025 } : {}),
        units: {},
        record: 'hourly',
      };
      spool = createSpool({
        dir: tempDir('qingliu-hj212-gap-'),
        maxBytes: 1 << 24,
        fsyncIntervalMs: 1000,
        logger: silentLogger(),
      });
      spool.open();
      const sink: SpoolSink = createSpoolSink(spool);
      server = createHj212Server({
        devices: { byMn: (mn) => (mn === device.mn ? device : undefined) },
        sink,
        events: noEvents,
        logger: silentLogger(),
        metrics: createHj212Metrics(new Registry()),
        now: () => clock.now,
        timeZone: 'Asia/Shanghai',
        port: 0,
        host: '127.0.0.1',
      });
      const { port } = await server.start();
      const logger = new SimLogger({
        host: '127.0.0.1',
        port,
        mn: device.mn,
        pw: '123456',
        st: '32',
        protocol,
        ...(device.sm4Key ? { key: device.sm4Key } : {}),
        codes: ['w01018', 'w21003', 'w21011', 'w21001'],
        zone: SHANGHAI,
        now: () => clock.now,
        chunkBytes: 37,
      });
      loggers.push(logger);
      await logger.connect();
      await logger.upload('hourly', Date.parse('2026-12-06T07:00:00+08:00'));
      logger.disconnect(); // the outage: 08:00 … 13:00 never sent
      clock.now = Date.parse('2026-12-06T14:04:00+08:00');
      await logger.connect();
      await logger.upload('realtime', clock.now);
      await until(() => logger.stats.requestsAnswered === 1);

      const request = logger.received.find((p) => p.cn === '2061');
      const sep = protocol === 'hj212-2017' ? ',' : ';';
      expect(request?.cp).toBe(`BeginTime=20261206080000${sep}EndTime=20261206130000`);
      const late = sink.batches.filter((b) => b.late);
      expect(late.map((b) => b.ts)).toEqual(
        Array.from({ length: 6 }, (_, i) => Date.parse('2026-12-06T08:00:00+08:00') + i * H),
      );
      expect(late.every((b) => b.stream === 'hourly' && b.values.length === 4)).toBe(true);
      expect(sink.batches.filter((b) => !b.late).map((b) => b.stream)).toEqual(['hourly', 'realtime']);
      expect(logger.unanswered).toBe(0);
    });
  }
});

const until = (condition: () => boolean) => untilAsync(condition, 10_000, 'the expected state');
