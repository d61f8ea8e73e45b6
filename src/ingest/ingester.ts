/**
 * The ingest components wired together: MQTT source (and any other sources, e.g. the HJ 212 gateway) → pipeline
 * (decode, spool, acknowledge) → spool → forwarder → store. The composition root (src/app.ts) builds it from Config; tests and the benchmark build
 * it directly. The store's own lifecycle stays with the caller (the API shares it).
 */
import path from 'node:path';
import type { Logger } from '../logger.js';
import { maskUrl } from '../secrets.js';
import type { IngestMetrics } from '../metrics.js';
import type { ReadingStore } from '../store/reading-store.js';
import { createForwarder, type Forwarder, type ForwarderOptions } from './forwarder.js';
import { createIngestPipeline, type IngestPipeline } from './ingest-pipeline.js';
import { createMessageDecoder } from './message-decoder.js';
import type { IngestSource, IngestSourceFactory } from './ingest-source.js';
import { createMqttSource, type MqttSource } from './mqtt-source.js';
import { createSpool, type Spool } from './spool/spool.js';
import type { StationDirectory } from './station-directory.js';
import { deadLetterTopic } from './topics.js';

export interface IngesterOptions {
  mqtt: {
    url: string;
    clientId: string;
    username?: string;
    password?: string;
    shareGroup?: string;
    keepaliveSeconds?: number;
  };
  spool: { dir: string; maxBytes: number; segmentBytes?: number; fsyncIntervalMs: number };
  maxPayloadBytes: number;
  maxFutureSkewSeconds: number;
  stations: StationDirectory;
  store: Pick<ReadingStore, 'write' | 'writeEncoded' | 'writeDeadLetters' | 'writeLoggerData' | 'durable' | 'ping'>;
  logger: Logger;
  metrics: IngestMetrics;
  now: () => number;
  /** Tuning for tests and the benchmark. */
  forwarder?: Pick<ForwarderOptions, 'batchBytes' | 'lingerMs' | 'retry' | 'attemptsBeforeSplit'>;
  /** How long a graceful stop keeps forwarding the spool to the store (the rest waits for the next start). */
  drainMs?: number;
  /** Sources besides MQTT, fed into the same pipeline (started after MQTT, stopped with it). */
  sources?: readonly IngestSourceFactory[];
}

export interface Ingester {
  /** Opens the spool (replaying what a previous run left), starts forwarding, connects to the broker. */
  start(): Promise<void>;
  /** Stops MQTT first (nothing more is acknowledged), then forwards what it can and syncs the spool. Safe twice. */
  stop(): Promise<void>;
  readonly brokerConnected: boolean;
  readonly spool: Spool;
  readonly forwarder: Forwarder;
  readonly pipeline: IngestPipeline;
  readonly source: MqttSource;
  /** The other sources, in the order given. */
  readonly sources: readonly IngestSource[];
}

export function createIngester(options: IngesterOptions): Ingester {
  const log = options.logger.child({ component: 'ingester' });
  const spool = createSpool({ ...options.spool, logger: options.logger });
  options.metrics.observeSpool(() => spool.stats());
  const forwarder = createForwarder({
    ...options.forwarder,
    spool,
    store: options.store,
    logger: options.logger,
    metrics: options.metrics,
    quarantineFile: path.join(options.spool.dir, 'quarantine.log'),
  });
  const decoder = createMessageDecoder({
    stations: options.stations,
    maxPayloadBytes: options.maxPayloadBytes,
    maxFutureSkewSeconds: options.maxFutureSkewSeconds,
  });
  const pipeline = createIngestPipeline({
    decoder,
    spool,
    metrics: options.metrics,
    logger: options.logger,
    now: options.now,
    ackGate: { hold: () => mqttSource.holdAcknowledgements() },
    publishDeadLetter: (letter) =>
      mqttSource.publish(
        deadLetterTopic(letter.stationId),
        JSON.stringify({
          reason: letter.reason,
          detail: letter.detail,
          topic: letter.topic,
          receivedAt: new Date(letter.receivedAt).toISOString(),
          payload: letter.payload,
        }),
      ),
  });
  const mqttSource: MqttSource = createMqttSource({
    ...options.mqtt,
    logger: options.logger,
    metrics: options.metrics,
    onMessage: (topic, payload, done, delivery) => pipeline.handle(topic, payload, done, delivery),
  });

  const sources = (options.sources ?? []).map((make) => make(pipeline));

  let started = false;
  let stopped = false;
  return {
    async start() {
      if (started) return;
      started = true;
      spool.open();
      forwarder.start();
      await mqttSource.start();
      for (const source of sources) await source.start();
      log.info({ broker: maskUrl(options.mqtt.url), spool: options.spool.dir }, 'ingest started');
    },

    async stop() {
      if (stopped || !started) return;
      stopped = true;
      // Each step in its own try: a failure in one must not skip syncing the spool.
      pipeline.close();
      try {
        await mqttSource.stop();
      } catch (err) {
        log.error({ err }, 'stopping MQTT failed');
      }
      for (const source of sources) {
        try {
          await source.stop();
        } catch (err) {
          log.error({ err, source: source.name }, 'stopping a source failed');
        }
      }
      try {
        await forwarder.stop({ drainMs: options.drainMs ?? 5_000 });
      } catch (err) {
        log.error({ err }, 'stopping the forwarder failed');
      }
      spool.close();
      log.info('ingest stopped');
    },

    get brokerConnected() {
      return mqttSource.connected;
    },
    spool,
    forwarder,
    pipeline,
    source: mqttSource,
    sources,
  };
}
