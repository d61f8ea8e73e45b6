/**
 * Picks the ReadingStore from configuration: InfluxDB when INFLUX_URL is set, otherwise the embedded SQLite
 * file `DATA_DIR/qingliu.db`. Constructs only; the caller start()s it.
 */
import path from 'node:path';
import { isEmbeddedStore, type Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createInfluxStore } from './influx/influx-store.js';
import type { ReadingStore } from './reading-store.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';

export const SQLITE_FILE_NAME = 'qingliu.db';

/** Where the embedded store keeps its data. */
export function sqliteFile(config: Pick<Config, 'DATA_DIR'>): string {
  return path.join(config.DATA_DIR, SQLITE_FILE_NAME);
}

export function createStore(config: Config, logger: Logger): ReadingStore {
  if (isEmbeddedStore(config)) return createSqliteStore({ file: sqliteFile(config), logger });
  return createInfluxStore({
    url: config.INFLUX_URL!,
    token: config.INFLUX_TOKEN,
    org: config.INFLUX_ORG,
    bucket: config.INFLUX_BUCKET,
    version: config.INFLUX_VERSION,
    logger,
  });
}
