/**
 * The demo's data source: the sensor simulator publishing for every station of the catalog through the
 * broker, as real stations would. On start it backfills what the store is missing (the last 30 days on a
 * first start, the downtime gap after a restart) as fast as the broker takes it, then runs in real time.
 * Stations with an HJ 212 logger in the catalog report through the HJ 212 gateway instead (demo-hj212.ts): live,
 * and their last week of history as back-filled uploads up to their last reporting instant (their logger's first
 * live upload); older history of theirs is published over MQTT.
 */
import type { Catalog } from '../catalog/index.js';
import type { LoggerSecrets } from '../catalog/logger-secrets.js';
import type { Logger } from '../logger.js';
import { createDemoLoggers, type DemoLoggers } from './demo-hj212.js';
import type { ReadingStore } from '../store/reading-store.js';
import {
  backfill,
  connectMqttPublisher,
  createProgressLine,
  createSimulator,
  runRealtime,
  type ConnectedPublisher,
  type SimCatalog,
} from '../../sensors/simulator/index.js';

/** How much of a logger station's history its logger back-fills over HJ 212 (the rest goes over MQTT). */
const HJ212_HISTORY_MS = 7 * 86_400_000;

/** The simulator's seed when none is given: what the demo's stations say at a given instant. */
export const DEMO_SEED = 2026;

export interface DemoFeedOptions {
  catalog: SimCatalog;
  mqttUrl: string;
  store: Pick<ReadingStore, 'latest'>;
  logger: Logger;
  /** History published on a first start. */
  backfillMs: number;
  seed?: number;
  timeZone: string;
  /** Where the backfill progress bar is drawn (the terminal). */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
  now?: () => number;
  /** The HJ 212 gateway's address when it listens: the catalog's loggers then report there. */
  hj212?: { catalog: Catalog; secrets: ReadonlyMap<string, LoggerSecrets>; address: { host: string; port: number } };
}

export interface DemoFeed {
  /** Resolves when the backfill is acknowledged by the broker; the live feed then runs in the background. */
  start(): Promise<{ backfilledMessages: number; from: number; to: number }>;
  stop(): Promise<void>;
}

export function createDemoFeed(options: DemoFeedOptions): DemoFeed {
  const log = options.logger.child({ component: 'demo-feed' });
  const now = options.now ?? Date.now;
  const simulator = createSimulator({
    catalog: options.catalog,
    seed: options.seed ?? DEMO_SEED,
    timeZone: options.timeZone,
  });
  const abort = new AbortController();
  let publisher: ConnectedPublisher | undefined;
  let live: Promise<unknown> | undefined;
  let bar: ReturnType<typeof createProgressLine> | undefined;
  let loggers: DemoLoggers | undefined;

  return {
    async start() {
      publisher = await connectMqttPublisher({ url: options.mqttUrl, clientId: `qingliu-demo-sim-${process.pid}` });
      const to = now();
      // Resume from the newest stored reading, so a restart fills only the gap and publishes nothing twice.
      const latest = await options.store.latest({}).catch(() => []);
      const newest = latest.reduce((max, r) => Math.max(max, r.ts), 0);
      const from = Math.max(to - options.backfillMs, newest);
      loggers = options.hj212
        ? createDemoLoggers({
            ...options.hj212,
            simulator,
            timeZone: options.timeZone,
            historyTo: to,
            logger: options.logger,
            now,
          })
        : undefined;
      const overHj212 = new Set(loggers?.stations);
      const mqttStations = simulator.stations.map((s) => s.id).filter((id) => !overHj212.has(id));
      bar = options.progress ? createProgressLine(options.progress, '模拟历史数据 simulated history') : undefined;
      // The logger stations' last week goes through the HJ 212 gateway (back-filled uploads, one answer each: a
      // month would double the quick start), beside the MQTT history; anything older over MQTT, as for the others.
      const loggersFrom = Math.max(from, to - HJ212_HISTORY_MS);
      const [result] = await Promise.all([
        backfill({
          simulator,
          publisher,
          stations: mqttStations,
          from,
          to,
          signal: abort.signal,
          // Not after a stop: the line would be drawn over what the shutdown says.
          onProgress: (p) => abort.signal.aborted || bar?.update(p.done, p.total, `${p.messages} msgs`),
        }),
        overHj212.size > 0 && loggersFrom > from
          ? backfill({ simulator, publisher, stations: [...overHj212], from, to: loggersFrom, signal: abort.signal })
          : undefined,
        loggers?.backfill(loggersFrom, abort.signal),
      ]);
      if (!abort.signal.aborted) {
        bar?.finish(
          `模拟历史数据 simulated history: ${result.messages} messages, ${result.readings} readings in ${(result.elapsedMs / 1000).toFixed(1)} s`,
        );
      }
      log.info({ messages: result.messages, readings: result.readings, from, to }, 'demo backfill published');
      if (!abort.signal.aborted) loggers?.start();
      live = runRealtime({
        simulator,
        publisher,
        stations: mqttStations,
        from: to,
        signal: abort.signal,
        onError: (err) => log.warn({ err }, 'demo publish failed'),
      }).catch((err: unknown) => {
        if (!abort.signal.aborted) log.error({ err }, 'demo feed stopped');
      });
      return { backfilledMessages: result.messages, from, to };
    },
    async stop() {
      // Stopped during the backfill: end its progress line, so what the shutdown says is not drawn over.
      if (!abort.signal.aborted && !live) bar?.finish('模拟历史数据 simulated history: 已中止 stopped');
      abort.abort();
      loggers?.stop();
      await live?.catch(() => undefined);
      await publisher?.close().catch(() => undefined);
    },
  };
}
