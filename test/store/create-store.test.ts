import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { createStore, sqliteFile } from '../../src/store/create-store.js';
import type { InfluxStore } from '../../src/store/influx/influx-store.js';

describe('createStore', () => {
  it('picks the embedded SQLite store in DATA_DIR when INFLUX_URL is unset', () => {
    const config = loadConfig({ DATA_DIR: '/tmp/qingliu-data' });
    expect(createStore(config, silentLogger()).kind).toBe('sqlite');
    expect(sqliteFile(config)).toBe(path.resolve('/tmp/qingliu-data/qingliu.db'));
  });

  it('picks InfluxDB when INFLUX_URL is set, without connecting', () => {
    const config = loadConfig({
      INFLUX_URL: 'http://127.0.0.1:9',
      INFLUX_TOKEN: 't',
      INFLUX_ORG: 'o',
      INFLUX_VERSION: '2',
    });
    expect(createStore(config, silentLogger()).kind).toBe('influx');
  });

  it('gives an ingest process on InfluxDB a write thread (INFLUX_WRITE_THREAD, default on), and no other', async () => {
    const influx = { INFLUX_URL: 'http://127.0.0.1:9', INFLUX_VERSION: '1', INFLUX_ROLLUPS: 'off' } as const;
    const threaded = async (env: Record<string, string>) => {
      const store = createStore(loadConfig({ ...influx, ...env }), silentLogger()) as InfluxStore;
      await store.start();
      const thread = store.writeThread !== undefined;
      await store.stop();
      return thread;
    };
    expect(await threaded({ ROLES: 'ingest' })).toBe(true);
    expect(await threaded({ ROLES: 'ingest', INFLUX_WRITE_THREAD: 'off' })).toBe(false);
    expect(await threaded({ ROLES: 'api,alerts' })).toBe(false);
  });
});
