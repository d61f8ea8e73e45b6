/**
 * Picks the ReadingStore from configuration: InfluxDB when INFLUX_URL is set, otherwise the embedded SQLite
 * file `DATA_DIR/qingliu.db`. Constructs only; the caller start()s it.
 */
import path from 'node:path';
import { hasRole, isEmbeddedStore, type Config } from '../config.js';
import type { Logger } from '../logger.js';
import { maskUrl } from '../secrets.js';
import { createInfluxStore } from './influx/influx-store.js';
import type { ReadingStore } from './reading-store.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';

export const SQLITE_FILE_NAME = 'qingliu.db';

/** Where the embedded store keeps its data. */
export function sqliteFile(config: Pick<Config, 'DATA_DIR'>): string {
  return path.join(config.DATA_DIR, SQLITE_FILE_NAME);
}

/** Where an ingest process keeps the hours whose rollups it owes (docs/adr/0006). */
export function rollupStateFile(config: Pick<Config, 'DATA_DIR'>): string {
  return path.join(config.DATA_DIR, 'rollup-dirty.json');
}

/** How messages, /readyz and the API name the store: `INFLUX_URL=http://influxdb:8086` (masked) or the file. */
export function storeTarget(config: Config): string {
  return isEmbeddedStore(config) ? `SQLite ${sqliteFile(config)}` : `INFLUX_URL=${maskUrl(config.INFLUX_URL!)}`;
}

/**
 * `onWriteThreadExit`: called when the InfluxDB write thread dies (counted on /metrics).
 * `ingestClientId`: the ingest process's MQTT client id (src/ingest/client-id.ts), which names its rollup state;
 * required for an ingest process on InfluxDB with rollups on.
 */
export function createStore(
  config: Config,
  logger: Logger,
  options: { ingestClientId?: string; onWriteThreadExit?: () => void } = {},
): ReadingStore {
  // Every writer records late readings for the alerts role, which may run in another process (ADR 0013).
  const lateData = { evalDelayMs: config.ALERT_EVAL_DELAY };
  if (isEmbeddedStore(config)) return createSqliteStore({ file: sqliteFile(config), logger, lateData });
  const rollups = config.INFLUX_ROLLUPS === 'on';
  return createInfluxStore({
    url: config.INFLUX_URL!,
    target: storeTarget(config),
    token: config.INFLUX_TOKEN,
    org: config.INFLUX_ORG,
    bucket: config.INFLUX_BUCKET,
    version: config.INFLUX_VERSION,
    logger,
    lateData,
    // Only ingest processes write reading batches (the forwarder); the others would start a thread for nothing.
    writeThread:
      config.INFLUX_WRITE_THREAD === 'on' && hasRole(config, 'ingest') && { onExit: options.onWriteThreadExit },
    rollups: {
      read: rollups,
      // Only processes that write readings maintain rollups; each names its state after its MQTT client id,
      // which is unique per ingest instance anyway.
      writer:
        rollups && hasRole(config, 'ingest')
          ? {
              instance: options.ingestClientId ?? config.MQTT_CLIENT_ID ?? 'qingliu-ingest',
              stateFile: rollupStateFile(config),
              intervalMs: config.INFLUX_ROLLUP_INTERVAL_SECONDS * 1000,
            }
          : undefined,
    },
  });
}
