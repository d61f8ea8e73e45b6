/**
 * `qingliu simulate --replay` of real files through a real mosquitto into the real ingester (SQLite store): what
 * it stores and dead-letters is exactly what `--check` reports for the same file and catalog. The national
 * snapshot holds DO up to 29.95 mg/L (refused before issue 11), 闸口 the NH3-N analyser fault of February 2020,
 * and a small hand-made file the impossible values.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReplay, parseInlineMapping, readReplayCsv, type ReplayCheck } from '../../sensors/replay/index.js';
import { createZone } from '../../sensors/simulator/index.js';
import { createApp, type App } from '../../src/app.js';
import { runCli } from '../../src/cli/run-cli.js';
import { loadConfig } from '../../src/config.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import { stationDirectory } from '../../src/ingest/station-directory.js';
import { silentLogger } from '../../src/logger.js';
import { sqliteFile } from '../../src/store/create-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { readRealCsv, realDataPath } from '../fixtures/real/real-data.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { metric, until, writeCatalog } from '../ingest/e2e.js';
import { tempDir } from '../ingest/helpers.js';

const zone = createZone('Asia/Shanghai');

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.dispose();
});

/** Sums a labelled counter over its labels. */
function total(text: string, name: string): number {
  return [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

/**
 * Replays `file` through mosquitto into a fresh ingester; returns what `--check` says for the same catalog and the
 * readings refused according to the stored dead letters. `inspect` reads the store before it closes.
 */
async function replayThroughIngester(
  file: string,
  text: string,
  inspect: (store: ReadingStore) => Promise<void> = async () => {},
) {
  const dir = tempDir('qingliu-replay-ingest-');
  const data = readReplayCsv(text, { mapping: parseInlineMapping('*'), fileName: path.basename(file) });
  const ids = [...new Set(data.messages.map((m) => m.stationId))].sort();
  const parameters = [...new Set(data.messages.flatMap((m) => Object.keys(m.values)))] as ParameterCode[];
  const catalogFile = writeCatalog(dir, ids, parameters);
  const config = loadConfig({
    ROLES: 'ingest',
    MQTT_URL: broker.url,
    MQTT_CLIENT_ID: `replay-${path.basename(dir)}`,
    DATA_DIR: path.join(dir, 'data'),
    CATALOG: catalogFile,
  });
  const expected: ReplayCheck = checkReplay({
    messages: data.messages,
    zone,
    now: Date.now(),
    catalog: stationDirectory(ids.map((id) => ({ id, parameters }))),
    maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
    maxFutureSkewSeconds: config.MAX_FUTURE_SKEW_SECONDS,
  });
  const app: App = await createApp({ config, logger: silentLogger() });
  const store: ReadingStore = createSqliteStore({ file: sqliteFile(config), logger: silentLogger() });
  try {
    await app.start();
    await store.start();
    await until(() => app.ingester!.brokerConnected, 10_000, 'the ingester connected');
    const err = new PassThrough();
    let stderr = '';
    err.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await runCli(['simulate', '--replay', file, '--map', '*', '--mqtt', broker.url], {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr: err,
      env: { CATALOG: catalogFile, LANG_UI: 'en' },
    });
    expect(code, stderr).toBe(0);
    const scrape = async () => (await app.http.request('/metrics')).text();
    await until(
      async () => {
        const m = await scrape();
        return (
          metric(m, 'qingliu_ingest_readings_stored_total') === expected.accepted &&
          metric(m, 'qingliu_spool_pending_bytes') === 0 &&
          metric(m, 'qingliu_ingest_dead_letters_stored_total') === total(m, 'qingliu_ingest_rejected_total')
        );
      },
      60_000,
      `${expected.accepted} readings stored`,
    );
    // Refused readings, from the stored dead letters: each lists its items ("[3] values.do: …; [3] values.ph: …").
    const refused: Record<string, number> = {};
    for (const stationId of ids) {
      for (const letter of await store.deadLetters({ stationId, from: 0, to: Date.now() + 60_000, limit: 1000 })) {
        refused[letter.reason] = (refused[letter.reason] ?? 0) + letter.detail.split(/; (?=\[\d+\] values\.)/).length;
      }
    }
    await inspect(store);
    return { expected, refused };
  } finally {
    await app.stop();
    await store.stop();
  }
}

describe('replay of real files through mosquitto and the ingester agrees with --check', () => {
  it('the national snapshot of 2026-02-04 (1,156 stations, DO up to 29.95 mg/L): every reading stored', async () => {
    const name = 'cnemc_snapshot_2026-02-04_1156stations_geocoded.csv';
    const { expected, refused } = await replayThroughIngester(realDataPath(name), readRealCsv(name));
    expect(expected.accepted).toBe(10_047);
    expect(expected.refused).toEqual({});
    expect(refused).toEqual({});
  }, 120_000);

  it('闸口 2020: every reading stored, the NH3-N fault among them (sensor health flags it)', async () => {
    const name = 'zhejiang_zhakou_hourly_2020.csv';
    const ts = Date.parse('2020-02-11T00:00:00+08:00');
    let stored: number[] = [];
    const { expected, refused } = await replayThroughIngester(realDataPath(name), readRealCsv(name), async (store) => {
      stored = (await store.raw({ stationId: 's0001', from: ts, to: ts + 1, parameters: ['nh3n'], limit: 10 })).map(
        (r) => r.value,
      );
    });
    expect(expected.accepted).toBe(50_861);
    expect(refused).toEqual({});
    expect(stored).toEqual([70_765]);
  }, 120_000);

  it('a file with impossible values: dead letters with their reason, the same count as --check', async () => {
    const dir = tempDir('qingliu-replay-bad-');
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(
      file,
      [
        'station,time,DO(mg/L),pH,NH3-N(mg/L),水温(℃)',
        'a,2026-11-01 08:00,7.5,7.2,0.3,12',
        'a,2026-11-01 12:00,75,15,0.4,12.5',
        'b,2026-11-01 08:00,29.95,8.9,-0.2,-9',
      ].join('\n'),
    );
    const { expected, refused } = await replayThroughIngester(file, fs.readFileSync(file, 'utf8'));
    expect(expected.refused).toEqual({ implausible_value: 4 });
    expect(expected.accepted).toBe(8);
    expect(refused).toEqual(expected.refused);
  }, 120_000);
});
