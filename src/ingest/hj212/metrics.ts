/**
 * The gateway's Prometheus metrics (`qingliu_hj212_*`), registered on the app's registry (src/metrics.ts: never the
 * global one). Label values are bounded: CN labels are known commands or `other`, reasons are HJ212_REASONS.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface Hj212Metrics {
  connections: Gauge;
  devicesConnected: Gauge;
  connectionsDropped: Counter;
  closed: Counter<'reason'>;
  /** By command code (CN): `packets.inc(cn)`. */
  packets: LabelledCount;
  rejected: Counter<'reason'>;
  readingsAccepted: Counter;
  /** By command code (CN): `answers.inc(cn)`. */
  answers: LabelledCount;
  answerLatency: Histogram;
  discardedBytes: Counter<'reason'>;
  gapFillRequests: Counter;
  protocolMismatch: Counter;
  duplicateConnections: Counter<'outcome'>;
  deadLettersSuppressed: Counter<'reason'>;
  /** Makes the connection gauges read the server's state at every scrape. */
  observe(state: () => { connections: number; devices: number }): void;
}

/**
 * A counter by one label that the per-packet path counts into cheaply: a Map add, where prom-client's `inc` with a
 * labels object validates and hashes them every time. The counts are added to the counter when it is read (its
 * `collect`, at every scrape), so what /metrics shows is exact.
 */
export interface LabelledCount {
  inc(label: string, by?: number): void;
}

function labelledCount<L extends string>(
  config: { name: string; help: string; labelName: L },
  registers: Registry[],
): LabelledCount {
  // One box per label (labels are bounded), kept across scrapes: an inc is one Map lookup, not a lookup and a set.
  const pending = new Map<string, { count: number }>();
  new Counter<L>({
    name: config.name,
    help: config.help,
    labelNames: [config.labelName],
    registers,
    collect() {
      for (const [label, box] of pending) {
        if (box.count === 0) continue;
        this.inc({ [config.labelName]: label } as Record<L, string>, box.count);
        box.count = 0;
      }
    },
  });
  return {
    inc(label, by = 1) {
      const box = pending.get(label);
      if (box) box.count += by;
      else pending.set(label, { count: by });
    },
  };
}

export function createHj212Metrics(registry: Registry): Hj212Metrics {
  const registers = [registry];
  let state: (() => { connections: number; devices: number }) | undefined;
  return {
    connections: new Gauge({
      name: 'qingliu_hj212_connections',
      help: 'Open HJ 212 logger connections',
      registers,
      collect() {
        if (state) this.set(state().connections);
      },
    }),
    devicesConnected: new Gauge({
      name: 'qingliu_hj212_devices_connected',
      help: 'Registered loggers (MN) with an open connection',
      registers,
      collect() {
        if (state) this.set(state().devices);
      },
    }),
    connectionsDropped: new Counter({
      name: 'qingliu_hj212_connections_dropped_total',
      help: 'Connections refused because HJ212_MAX_CONNECTIONS was reached',
      registers,
    }),
    closed: new Counter({
      name: 'qingliu_hj212_connections_closed_total',
      help: 'Connections closed, by reason (peer, idle, no_valid_packet, garbage, slow_reader, error, shutdown, superseded, duplicate_mn)',
      labelNames: ['reason'],
      registers,
    }),
    packets: labelledCount(
      {
        name: 'qingliu_hj212_packets_total',
        help: 'Valid HJ 212 packets received, by command code (CN)',
        labelName: 'cn',
      },
      registers,
    ),
    rejected: new Counter({
      name: 'qingliu_hj212_rejected_total',
      help: 'HJ 212 dead letters (one per packet and reason), by reason',
      labelNames: ['reason'],
      registers,
    }),
    readingsAccepted: new Counter({
      name: 'qingliu_hj212_readings_accepted_total',
      help: 'Readings from HJ 212 packets made durable (and answered when the logger asked)',
      registers,
    }),
    answers: labelledCount(
      {
        name: 'qingliu_hj212_answers_total',
        help: 'Packets sent to loggers, by command code (9014, 9013, 1012, 2061)',
        labelName: 'cn',
      },
      registers,
    ),
    answerLatency: new Histogram({
      name: 'qingliu_hj212_answer_latency_seconds',
      help: 'From a data packet framed to its 9014 written (includes making it durable)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    discardedBytes: new Counter({
      name: 'qingliu_hj212_discarded_bytes_total',
      help: 'Bytes skipped by the framer (not a packet), by reason',
      labelNames: ['reason'],
      registers,
    }),
    gapFillRequests: new Counter({
      name: 'qingliu_hj212_gap_fill_requests_total',
      help: '2061 requests sent to loggers that reconnected after an outage',
      registers,
    }),
    protocolMismatch: new Counter({
      name: 'qingliu_hj212_protocol_mismatch_total',
      help: 'Connections whose Flag version bits disagreed with the catalog protocol (the catalog wins)',
      registers,
    }),
    duplicateConnections: new Counter({
      name: 'qingliu_hj212_duplicate_connections_total',
      help: 'Connections that presented an MN another connection held: took_over (the old one was silent) or refused',
      labelNames: ['outcome'],
      registers,
    }),
    deadLettersSuppressed: new Counter({
      name: 'qingliu_hj212_dead_letters_suppressed_total',
      help: 'Refused packets counted but not kept as dead letters (beyond the per-device, per-reason share of the hour; summarised)',
      labelNames: ['reason'],
      registers,
    }),
    observe(s) {
      state = s;
    },
  };
}
