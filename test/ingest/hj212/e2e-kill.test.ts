/**
 * Issue 13: kill -9 of the gateway process while 1,000 simulated loggers stream; after the restart every reading
 * that received a 9014 is in the real influxd, the loggers that got no answer resent, and nothing is lost.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zone } from '../../../src/domain/time-window.js';
import type { ParameterCode } from '../../../src/domain/parameters.js';
import type { Reading } from '../../../src/domain/reading.js';
import { silentLogger } from '../../../src/logger.js';
import { createInfluxStore } from '../../../src/store/influx/influx-store.js';
import type { ReadingStore } from '../../../src/store/reading-store.js';
import { defaultValues, SimLogger } from '../../../sensors/hj212/logger.js';
import { freePort, waitForPort } from '../../harness/free-port.js';
import { startInfluxd, type Influxd } from '../../harness/influxd.js';
import { managedProcess, type ManagedProcess } from '../../harness/process.js';
import { missing, readAll, REPO, until } from '../e2e.js';
import { tempDir } from '../helpers.js';
import { killMn } from './fixtures.js';

const LOGGERS = 1000;
const PACKETS = 8; // per logger
const CODES: Record<string, ParameterCode> = { w01018: 'cod', w21003: 'nh3n', w21011: 'tp', w21001: 'tn' };
const T0 = Date.parse('2026-12-06T08:00:00+08:00');
const SHANGHAI = zone('Asia/Shanghai');

describe('HJ 212 gateway killed with SIGKILL while 1,000 loggers stream', () => {
  let influx: Influxd;
  let store: ReadingStore;
  let gateway: ManagedProcess | undefined;
  const loggers: SimLogger[] = [];
  const dir = tempDir('qingliu-hj212-kill-');

  beforeAll(async () => {
    influx = await startInfluxd();
    store = createInfluxStore({ url: influx.url, bucket: 'hj212', version: 'auto', logger: silentLogger() });
    await store.start();
  });
  afterAll(async () => {
    for (const l of loggers) l.stop();
    await gateway?.stop();
    await store?.stop();
    await influx?.dispose();
  });

  it('every answered reading is stored; unanswered packets are resent; nothing lost', async () => {
    const port = await freePort();
    gateway = managedProcess({
      command: process.execPath,
      args: ['--import', 'tsx', path.join(REPO, 'test/ingest/hj212/gateway-child.ts')],
      logFile: path.join(dir, 'gateway.log'),
      env: {
        PATH: process.env.PATH,
        HJ212_PORT: String(port),
        INFLUX_URL: influx.url,
        SPOOL_DIR: path.join(dir, 'spool'),
        LOGGERS: String(LOGGERS),
      },
      ready: () => waitForPort(port, 30_000),
    });
    await gateway.start();

    // Readings whose packet got its 9014, noted at the moment the answer arrived.
    const answered: Reading[] = [];
    const expected: Reading[] = [];
    const packetTs = (k: number) => T0 + k * 60_000;
    for (let i = 0; i < LOGGERS; i++) {
      const logger = new SimLogger({
        host: '127.0.0.1',
        port,
        mn: killMn(i),
        pw: '123456',
        st: '32',
        protocol: 'hj212-2017',
        codes: Object.keys(CODES),
        zone: SHANGHAI,
        now: Date.now,
        answerTimeoutMs: 3_000,
        reconnectMs: 200,
        chunkBytes: i % 3 === 0 ? 50 : undefined,
      });
      loggers.push(logger);
      for (let k = 0; k < PACKETS; k++)
        for (const [code, parameter] of Object.entries(CODES))
          expected.push({
            stationId: `kill-${i}`,
            parameter,
            ts: packetTs(k),
            value: defaultValues(code, packetTs(k), 'realtime'),
            flag: 'N',
          });
    }
    await Promise.all(loggers.map((l) => l.connect()));

    let kills = 0;
    const streaming = Promise.all(
      loggers.map(async (logger, i) => {
        for (let k = 0; k < PACKETS; k++) {
          await logger.upload('realtime', packetTs(k));
          for (const [code, parameter] of Object.entries(CODES))
            answered.push({
              stationId: `kill-${i}`,
              parameter,
              ts: packetTs(k),
              value: defaultValues(code, packetTs(k), 'realtime'),
              flag: 'N',
            });
        }
      }),
    );
    // Kill once a quarter of the packets were answered, restart after a pause in which loggers find no one.
    await until(() => answered.length >= (LOGGERS * PACKETS * 4) / 4, 60_000, 'a quarter of the packets answered');
    const answeredBeforeKill = answered.slice();
    await gateway.kill();
    kills++;
    await new Promise((r) => setTimeout(r, 500));
    await gateway.start();
    await streaming;
    expect(kills).toBe(1);
    expect(answeredBeforeKill.length).toBeLessThan(expected.length);
    const resent = loggers.reduce((sum, l) => sum + l.stats.resent, 0);
    expect(resent).toBeGreaterThan(0);

    const stations = loggers.map((_, i) => `kill-${i}`);
    await until(
      async () => (await readAll(store, stations, T0, T0 + 1e9)).length >= expected.length,
      90_000,
      'every reading in influxd',
    );
    const stored = await readAll(store, stations, T0, T0 + 1e9);
    expect(missing(answeredBeforeKill, stored)).toEqual([]);
    expect(missing(expected, stored)).toEqual([]);
    expect(stored).toHaveLength(expected.length);
  }, 240_000);
});
