import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { createStore, sqliteFile } from '../../src/store/create-store.js';

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
});
