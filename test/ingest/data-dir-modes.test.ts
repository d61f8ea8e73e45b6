/**
 * Issue 12, also noticed: data files were created 0644 (alerts.db holds webhook URLs, spool segments raw station
 * payloads, qingliu.db the readings, jobs.db the run history). Every file Qingliu writes under DATA_DIR must be
 * 0600 and every directory it creates 0700, like the API keys file — whatever the umask: the test runs the real
 * app (ingest, API, alerts and jobs; SQLite, then a real influxd with its rollup state) with umask 000, where a
 * default file would be 0666, and walks DATA_DIR afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createSpool } from '../../src/ingest/spool/spool.js';
import { silentLogger } from '../../src/logger.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { cli } from '../harness/cli.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { publishAll, until, writeCatalog } from './e2e.js';
import { tempDir } from './helpers.js';

let broker: Mosquitto;
let influx: Influxd;
let umask: number;
beforeAll(async () => {
  [broker, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
  umask = process.umask(0o000);
});
afterAll(async () => {
  process.umask(umask);
  await Promise.all([broker?.dispose(), influx?.dispose()]);
});

/** Every path under `dir` with its permission bits. */
function modes(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    out.set(path.relative(dir, full) + (entry.isDirectory() ? '/' : ''), fs.statSync(full).mode & 0o777);
  }
  return out;
}

describe.each(['sqlite', 'influx'] as const)('files under DATA_DIR (%s store)', (kind) => {
  it('are 0600 in 0700 directories, with umask 000', async () => {
    const root = tempDir('qingliu-modes-');
    const dataDir = path.join(root, 'data');
    const catalog = writeCatalog(root, ['st-1'], ['ph']);
    const env = {
      DATA_DIR: dataDir,
      CATALOG: catalog,
      MQTT_URL: broker.url,
      ADMIN_API_KEY: 'test-admin-api-key-0123456789abcdef',
      PORT: '0',
      ...(kind === 'influx'
        ? { INFLUX_URL: influx.url, INFLUX_BUCKET: 'modes', INFLUX_ROLLUP_INTERVAL_SECONDS: '1' }
        : {}),
    };
    expect((await cli(['keys', 'add', '--name', 'ops', '--role', 'admin'], env)).code).toBe(0);
    const app = await createApp({ config: loadConfig(env), logger: silentLogger() });
    await app.start();
    let running: Map<string, number> | undefined;
    try {
      await until(() => app.ingester!.brokerConnected, 10_000, 'connected');
      const T = Date.parse('2026-11-28T08:00:00+08:00');
      await publishAll(broker.url, [
        { topic: 'wq/st-1/data', payload: JSON.stringify({ ts: T, values: { ph: 7.1 } }) },
        { topic: 'wq/st-1/data', payload: '{not json' },
      ]);
      await until(() => app.ingester!.spool.stats().pendingBytes === 0, 10_000, 'the spool drained');
      if (kind === 'influx')
        // The first write journals its hour's dirty mark (the snapshot comes with the first pass).
        await until(() => fs.existsSync(path.join(dataDir, 'rollup-dirty.json.journal.1')), 10_000, 'rollup journal');
      // While running: SQLite's -wal and -shm files exist only now.
      running = modes(dataDir);
    } finally {
      await app.stop();
    }
    const found = new Map([...(running ?? []), ...modes(dataDir)]);
    expect([...(running?.keys() ?? [])]).toContain('alerts.db-wal');
    const expected = [
      'api-keys.json',
      'mqtt-client-id',
      'alerts.db',
      'jobs.db',
      'spool/',
      'spool/checkpoint',
      ...(kind === 'sqlite' ? ['qingliu.db'] : ['rollup-dirty.json.journal.1']),
    ];
    for (const name of expected) expect([...found.keys()], name).toContain(name);
    expect([...found.keys()].some((name) => name.endsWith('.seg'))).toBe(true);
    const loose = [...found].filter(([name, mode]) => mode !== (name.endsWith('/') ? 0o700 : 0o600));
    expect(loose.map(([name, mode]) => `${name} ${mode.toString(8)}`)).toEqual([]);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
  });
});

describe('files written by an older release', () => {
  it('are tightened to 0600 when opened (SQLite database, spool segment, checkpoint)', async () => {
    const dir = path.join(tempDir('qingliu-modes-old-'), 'data');
    fs.mkdirSync(path.join(dir, 'spool'), { recursive: true, mode: 0o755 });
    const db = path.join(dir, 'qingliu.db');
    const old = createSqliteStore({ file: db, logger: silentLogger() });
    await old.start();
    await old.stop();
    // A pending reading in a segment (so that opening the spool keeps it), the checkpoint at its start.
    fs.writeFileSync(path.join(dir, 'spool/0000000000000001.seg'), 'R\tst-1\tph\t1795824000000\t7.1\tN\n');
    fs.writeFileSync(path.join(dir, 'spool/checkpoint'), '1 0\n');
    for (const f of ['qingliu.db', 'spool/0000000000000001.seg', 'spool/checkpoint'])
      fs.chmodSync(path.join(dir, f), 0o644);
    const store = createSqliteStore({ file: db, logger: silentLogger() });
    await store.start();
    const spool = createSpool({
      dir: path.join(dir, 'spool'),
      maxBytes: 1 << 20,
      fsyncIntervalMs: 0,
      logger: silentLogger(),
    });
    spool.open();
    try {
      for (const f of ['qingliu.db', 'spool/0000000000000001.seg', 'spool/checkpoint']) {
        expect(fs.statSync(path.join(dir, f)).mode & 0o777, f).toBe(0o600);
      }
    } finally {
      spool.close();
      await store.stop();
    }
  });
});
