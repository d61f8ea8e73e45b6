/**
 * Prometheus metrics, on a registry of our own (never prom-client's global default registry: two apps in one
 * test process must not share counters). Metric names are snake_case with the `qingliu_` prefix.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface IngestMetrics {
  /** Messages handed to the pipeline: MQTT by payload format (data, senml, other), `hj212` for HJ 212 packets. */
  messagesReceived: Counter<'format'>;
  /** Readings accepted into the spool (durable on our side, acknowledged to the broker). */
  readingsAccepted: Counter;
  /** Readings the store confirmed. */
  readingsStored: Counter;
  /** Dead letters, one per message and reason. */
  rejected: Counter<'reason'>;
  /** Messages acknowledged without reading them, by reason (ingest-pipeline.ts `IgnoredReason`). */
  ignored: Counter<'reason'>;
  deadLettersStored: Counter;
  /** Dead-letter notices (`wq/_dlq/…`) not republished because the broker connection was down or backed up. */
  deadLetterNoticesDropped: Counter;
  /** Bytes and readings in the spool not yet confirmed by the store. */
  spoolPendingBytes: Gauge;
  spoolPendingReadings: Gauge;
  /** Bytes the spool's segment files take on disk (what SPOOL_MAX_BYTES limits). */
  spoolDiskBytes: Gauge;
  /** 1 while the spool is full and messages are left unacknowledged at the broker. */
  spoolBackpressure: Gauge;
  /** Spool lines that could not be read back (torn by a power loss) and records the store refused for good. */
  spoolCorruptLines: Counter;
  spoolQuarantined: Counter;
  storeWriteDuration: Histogram;
  storeWriteFailures: Counter;
  /** Deaths of the InfluxDB store's write thread (docs/adr/0018); its writes were retried. */
  storeWriteThreadExits: Counter;
  /** 1 while connected to the broker. */
  mqttConnected: Gauge;
  mqttConnects: Counter;
  /** Makes the spool gauges read `stats()` at every scrape (they describe a state, not events). */
  observeSpool(stats: () => { pendingBytes: number; pendingReadings: number; diskBytes: number }): void;
  /** Station-hours whose hourly rollup this ingest process still owes (InfluxDB store, docs/adr/0006). */
  rollupPending: Gauge;
  observeRollups(pending: () => number): void;
}

export interface Metrics {
  registry: Registry;
  ingest: IngestMetrics;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // Process metrics (RSS, CPU, event-loop lag) come for free and answer "is the ingester keeping up".
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let spoolStats: (() => { pendingBytes: number; pendingReadings: number; diskBytes: number }) | undefined;
  let rollupPending: (() => number) | undefined;

  const ingest: IngestMetrics = {
    messagesReceived: new Counter({
      name: 'qingliu_ingest_messages_received_total',
      help: 'Messages received: MQTT by payload format (data, senml, other), hj212 for HJ 212 packets',
      labelNames: ['format'],
      registers,
    }),
    readingsAccepted: new Counter({
      name: 'qingliu_ingest_readings_accepted_total',
      help: 'Readings accepted into the spool and acknowledged to the broker',
      registers,
    }),
    readingsStored: new Counter({
      name: 'qingliu_ingest_readings_stored_total',
      help: 'Readings confirmed by the store',
      registers,
    }),
    rejected: new Counter({
      name: 'qingliu_ingest_rejected_total',
      help: 'Dead letters (one per message and reason), by reason',
      labelNames: ['reason'],
      registers,
    }),
    ignored: new Counter({
      name: 'qingliu_ingest_ignored_total',
      help: 'MQTT messages acknowledged without being read: retained replays, empty payloads, our own publications',
      labelNames: ['reason'],
      registers,
    }),
    deadLettersStored: new Counter({
      name: 'qingliu_ingest_dead_letters_stored_total',
      help: 'Dead letters confirmed by the store',
      registers,
    }),
    deadLetterNoticesDropped: new Counter({
      name: 'qingliu_ingest_dead_letter_notices_dropped_total',
      help: 'Dead-letter notices not republished to wq/_dlq because the broker connection was down or backed up (the dead letter itself is stored)',
      registers,
    }),
    spoolPendingBytes: new Gauge({
      name: 'qingliu_spool_pending_bytes',
      help: 'Bytes in the spool not yet confirmed by the store',
      registers,
      collect() {
        if (spoolStats) this.set(spoolStats().pendingBytes);
      },
    }),
    spoolPendingReadings: new Gauge({
      name: 'qingliu_spool_pending_readings',
      help: 'Readings in the spool not yet confirmed by the store',
      registers,
      collect() {
        if (spoolStats) this.set(spoolStats().pendingReadings);
      },
    }),
    spoolDiskBytes: new Gauge({
      name: 'qingliu_spool_disk_bytes',
      help: 'Bytes of spool segment files on disk (limited by SPOOL_MAX_BYTES)',
      registers,
      collect() {
        if (spoolStats) this.set(spoolStats().diskBytes);
      },
    }),
    spoolBackpressure: new Gauge({
      name: 'qingliu_spool_backpressure',
      help: '1 while the spool is full and new messages are left unacknowledged at the broker',
      registers,
    }),
    spoolCorruptLines: new Counter({
      name: 'qingliu_spool_corrupt_lines_total',
      help: 'Spool lines that could not be decoded on replay (torn writes after a power loss)',
      registers,
    }),
    spoolQuarantined: new Counter({
      name: 'qingliu_spool_quarantined_total',
      help: 'Spool records the store refused repeatedly while answering pings, moved to quarantine.log',
      registers,
    }),
    storeWriteDuration: new Histogram({
      name: 'qingliu_store_write_duration_seconds',
      help: 'Duration of one batched store write (readings or dead letters)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    storeWriteFailures: new Counter({
      name: 'qingliu_store_write_failures_total',
      help: 'Batched store writes that failed (they are retried from the spool)',
      registers,
    }),
    storeWriteThreadExits: new Counter({
      name: 'qingliu_store_write_thread_exits_total',
      help: 'Times the InfluxDB write thread died (its writes are retried from the spool; after 3 in a minute the main thread writes)',
      registers,
    }),
    mqttConnected: new Gauge({
      name: 'qingliu_mqtt_connected',
      help: '1 while the ingester is connected to the MQTT broker',
      registers,
    }),
    mqttConnects: new Counter({
      name: 'qingliu_mqtt_connects_total',
      help: 'Successful connections to the MQTT broker (the first one and every reconnection)',
      registers,
    }),
    observeSpool(stats) {
      spoolStats = stats;
    },
    rollupPending: new Gauge({
      name: 'qingliu_rollup_pending_station_hours',
      help: 'Station-hours whose hourly rollup this ingest process has yet to recompute (InfluxDB store)',
      registers,
      collect() {
        if (rollupPending) this.set(rollupPending());
      },
    }),
    observeRollups(pending) {
      rollupPending = pending;
    },
  };
  return { registry, ingest };
}
