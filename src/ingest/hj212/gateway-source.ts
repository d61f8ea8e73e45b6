/**
 * The HJ 212 gateway as an ingest source (ingest-source.ts): the catalog's loggers, the sink on the shared
 * pipeline, the device state (DATA_DIR, or PostgreSQL with DATABASE_URL) and the TCP server, started and stopped
 * with the ingester.
 */
import type { Registry } from 'prom-client';
import type { Catalog } from '../../catalog/catalog.js';
import type { Env } from '../../catalog/logger-secrets.js';
import type { Logger } from '../../logger.js';
import type { IngestSourceFactory } from '../ingest-source.js';
import { createCatalogDevices, type CatalogDevices } from './catalog-devices.js';
import type { WindowTouches } from '../../alerts/window-touches.js';
import { zone as zoneOf } from '../../domain/time-window.js';
import { cachedZone } from './data-time.js';
import { touchedByRecord } from './device-marks.js';
import { createDeviceStateEvents, type DeviceStateEvents, type DeviceStateStore } from './device-state.js';
import { createHj212Metrics } from './metrics.js';
import { createPipelineSink } from './pipeline-sink.js';
import { createHj212Server, type Hj212Server } from './server.js';
import { createSqliteDeviceStateStore, deviceStateFile } from './sqlite-device-state.js';

export interface Hj212SourceOptions {
  catalog: Catalog;
  /** Where the catalog's `password_env` / `sm4_key_env` variables are read. */
  env: Env;
  port: number;
  host: string;
  timeZone: string;
  dataDir: string;
  /** Where the loggers' state is kept (default: DATA_DIR/devices.db); PostgreSQL's with DATABASE_URL. */
  deviceStates?: () => DeviceStateStore;
  /** This ingest instance, whose connections its state updates report (its MQTT client id). */
  instance?: string;
  registry: Registry;
  logger: Logger;
  now: () => number;
  /**
   * Where the windows a logger's status or check record changes are reported for re-judgment (ADR 0013/0017);
   * absent: a store that cannot record touches.
   */
  touches?: WindowTouches;
}

export interface Hj212Source {
  readonly devices: CatalogDevices;
  readonly factory: IngestSourceFactory;
  /** The listening address once started. */
  readonly address: { port: number; host: string } | undefined;
}

/** Throws a CatalogError (file, field, variable) when a logger's secret is missing: a start-up error. */
export function createHj212Source(options: Hj212SourceOptions): Hj212Source {
  const devices = createCatalogDevices(options.catalog, options.env);
  const metrics = createHj212Metrics(options.registry);
  let address: { port: number; host: string } | undefined;
  const factory: IngestSourceFactory = (pipeline) => {
    let server: Hj212Server | undefined;
    let events: DeviceStateEvents | undefined;
    const stateStore = options.deviceStates?.() ?? createSqliteDeviceStateStore(deviceStateFile(options.dataDir));
    return {
      name: 'hj212',
      async start() {
        const zone = cachedZone(zoneOf(options.timeZone));
        const touches = options.touches;
        events = await createDeviceStateEvents({
          store: stateStore,
          directory: devices,
          logger: options.logger,
          now: options.now,
          ...(options.instance !== undefined && { instance: options.instance }),
          // A failed check or an instrument out of service changes readings already judged: judge them again.
          ...(touches && {
            recorded: async (record) => {
              const range = touchedByRecord(record, zone);
              if (range)
                await touches.touch([
                  { stationId: record.stationId, ...range, cause: 'flag_correction', at: options.now() },
                ]);
            },
          }),
        });
        server = createHj212Server({
          devices,
          sink: createPipelineSink({ pipeline, directory: devices }),
          events,
          logger: options.logger,
          metrics,
          now: options.now,
          timeZone: options.timeZone,
          port: options.port,
          host: options.host,
          // The last hourly record as recorded in DATA_DIR: an outage that spans a restart is still filled.
          gapFill: { lastRecord: async (mn) => events?.lastHourlyRecord(mn) },
        });
        address = await server.start();
        options.logger
          .child({ component: 'hj212' })
          .info({ ...address, loggers: devices.devices.length }, 'HJ 212 gateway listening');
      },
      async stop() {
        await server?.stop();
        await events?.stop();
        await stateStore.close();
      },
    };
  };
  return {
    devices,
    factory,
    get address() {
      return address;
    },
  };
}
