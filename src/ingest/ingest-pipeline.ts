/**
 * What happens to one MQTT message: decode and validate, append readings and dead letters to the spool, then
 * acknowledge (`done` → PUBACK). Nothing here waits for the database, because MQTT.js handles one message at
 * a time until `done` is called (docs/adr/0003-delivery-guarantee.md).
 *
 * Group commit: with an `ackGate`, a burst of messages is acknowledged at once but the PUBACKs are *held in
 * the process* (the socket is corked) until one write(2) has put all their records in the spool; only then do
 * they leave. A crash before that write loses the held PUBACKs with the records, so the broker redelivers.
 * Without a gate, each message is written before its own PUBACK.
 *
 * When the spool is full, or the disk refuses a write, messages are *held*: not acknowledged, so the broker
 * keeps them (and the TCP window closes behind them) until space is freed. Nothing is dropped.
 *
 * Other sources (the HJ 212 gateway) hand over records they decoded themselves with `submit`: they join the same
 * group commit, and the promise settles when the group is written — the source answers its device only then. A
 * full or failing spool refuses them at once; such a device resends (it was not answered), so nothing is held.
 */
import type { LoggerValue } from '../domain/logger-data.js';
import type { DeadLetter, Reading } from '../domain/reading.js';
import type { Logger } from '../logger.js';
import type { IngestMetrics } from '../metrics.js';
import type { DecodedMessage, MessageDecoder } from './message-decoder.js';
import { RecordGroup, type ReadingSeries } from './spool/spool-codec.js';
import type { Spool } from './spool/spool.js';
import { isServiceTopic, stationOfTopic } from './topics.js';

/** Keeps acknowledgements from leaving the process until released (the MQTT source corks its socket). */
export interface AckGate {
  /** Undefined when it cannot hold them (no live connection): the message is then written on its own. */
  hold(): AckHold | undefined;
}

export interface AckHold {
  /** The records are written: let the held acknowledgements go. */
  release(): void;
  /** The records could not be written: the held acknowledgements must never be sent (drop the connection). */
  abort(reason: Error): void;
}

export interface IngestPipelineOptions {
  decoder: MessageDecoder;
  spool: Spool;
  metrics: IngestMetrics;
  logger: Logger;
  now: () => number;
  /** Republishes a dead letter for the station's operators (`wq/_dlq/{stationId}`). Must not throw. */
  publishDeadLetter?: (letter: DeadLetter) => void;
  /** Enables group commit (see above). */
  ackGate?: AckGate;
  /** How often a held message is retried after a disk error (space freed by the forwarder retries at once). */
  retryMs?: number;
}

/** How the broker delivered a message (from the PUBLISH packet). */
export interface Delivery {
  /**
   * The RETAIN flag. To an MQTT 3.1.1 subscriber the broker sets it only on a retained message sent because a
   * subscription was (re)made — a replay of an old publication, whose live delivery (flag 0) was already ingested.
   */
  retained?: boolean;
}

/**
 * Messages acknowledged without being read (docs/mqtt.md, "Retained messages"):
 * - `retained_replay`: the broker's copy of a retained message, sent again at every (re)subscription. Storing it
 *   would put an old value back over a later correction of the same reading.
 * - `empty_payload`: a zero-length message is how MQTT clears a retained message; it carries no reading.
 * - `own_topic`: what Qingliu itself publishes under `wq/` (dead letters, alerts, status).
 */
export type IgnoredReason = 'retained_replay' | 'empty_payload' | 'own_topic';

export function ignoredReason(
  topic: string,
  payload: Uint8Array,
  delivery: Delivery | undefined,
): IgnoredReason | undefined {
  if (isServiceTopic(topic)) return 'own_topic';
  if (delivery?.retained) return 'retained_replay';
  if (payload.byteLength === 0) return 'empty_payload';
  return undefined;
}

/** What a source other than MQTT decoded from one message (an HJ 212 packet). */
export interface DecodedRecords {
  /** The source, for `qingliu_ingest_messages_received_total{format}` (e.g. `hj212`). */
  format: string;
  readings: readonly Reading[];
  /** More readings, of one station at one time, without an object each (an HJ 212 packet's pollutants). */
  series?: ReadingSeries;
  deadLetters: readonly DeadLetter[];
  /** What an HJ 212 logger sent, stream by stream (docs/adr/0012-logger-aggregates.md). */
  loggerData?: readonly LoggerValue[];
}

/** Every reading of the records as an object (`series` too): for the paths that write one message at a time. */
function allReadings(decoded: DecodedRecords): readonly Reading[] {
  const { series } = decoded;
  if (!series) return decoded.readings;
  const { stationId, ts } = series;
  return [
    ...decoded.readings,
    ...series.values.map((v) => ({ stationId, parameter: v.parameter, ts, value: v.value, flag: v.flag })),
  ];
}

/** The spool did not take a submission: the source must not acknowledge it (its device will resend). */
export class SpoolRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpoolRefusedError';
  }
}

export interface IngestPipeline {
  /** Handles one message; its PUBACK leaves the process only once its records are in the spool. */
  handle(topic: string, payload: Uint8Array, done: () => void, delivery?: Delivery): void;
  /** Appends records another source decoded; resolves once they are in the spool, rejects if it refuses them. */
  submit(records: DecodedRecords): Promise<void>;
  /** Writes what is staged, then stops accepting: later messages are never acknowledged (the broker keeps them). */
  close(): void;
  /** Messages waiting for spool space. */
  readonly held: number;
}

/** What the submissions to one group wait for: one promise for all of them, not one each (bench:hj212). */
interface Written {
  promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

function written(): Written {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface Held {
  topic: string;
  payload: Uint8Array;
  done: () => void;
}

/** What a group of messages yielded, for the metrics and the dead-letter notices. */
interface Tally {
  formats: Map<string, number>;
  readings: number;
  deadLetters: DeadLetter[];
}

const newTally = (): Tally => ({ formats: new Map(), readings: 0, deadLetters: [] });

function count(tally: Tally, decoded: DecodedRecords): void {
  tally.formats.set(decoded.format, (tally.formats.get(decoded.format) ?? 0) + 1);
  tally.readings += decoded.readings.length + (decoded.series?.values.length ?? 0);
  for (const letter of decoded.deadLetters) tally.deadLetters.push(letter);
}

/** A group commit bigger than this is written at once rather than at the end of the burst. */
const MAX_GROUP = 2000;

export function createIngestPipeline(options: IngestPipelineOptions): IngestPipeline {
  const { decoder, spool, metrics, now, ackGate } = options;
  const log = options.logger.child({ component: 'ingest' });
  const retryMs = options.retryMs ?? 1000;
  const held: Held[] = [];
  /**
   * The group being staged: its records already encoded (the decoded messages die young), what to count, the
   * MQTT acknowledgements held for it and the other sources' submissions waiting for it.
   */
  let group: { tally: Tally; hold?: AckHold; written?: Written } | undefined;
  const records = new RecordGroup();
  let closed = false;
  let failing = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let lastDiskError = 0;

  function decode(topic: string, payload: Uint8Array): DecodedMessage {
    const receivedAt = now();
    try {
      return decoder.decode(topic, payload, receivedAt);
    } catch (err) {
      // A decoder bug must cost one message (kept as a dead letter), not the ingester.
      log.error({ err, topic }, 'decoding threw; the message is kept as a dead letter');
      const stationId = stationOfTopic(topic);
      const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
      return {
        stationId,
        format: 'other',
        readings: [],
        deadLetters: [
          {
            receivedAt,
            stationId,
            topic,
            reason: 'invalid_message',
            detail: `internal error: ${(err as Error).message}`,
            payload: text,
          },
        ],
      };
    }
  }

  function diskError(err: unknown): void {
    if (Date.now() - lastDiskError > 10_000)
      log.error({ err }, 'cannot write the spool; holding messages unacknowledged until it works again');
    lastDiskError = Date.now();
  }

  /** Counts, logs and republishes what stored messages yielded (counters once per group: labels cost). */
  function account(tally: Tally): void {
    for (const [format, count] of tally.formats) metrics.messagesReceived.inc({ format }, count);
    if (tally.readings > 0) metrics.readingsAccepted.inc(tally.readings);
    dead(tally.deadLetters);
  }

  function dead(letters: readonly DeadLetter[]): void {
    for (const letter of letters) {
      metrics.rejected.inc({ reason: letter.reason });
      log.info(
        { station: letter.stationId, topic: letter.topic, reason: letter.reason, detail: letter.detail },
        'rejected',
      );
      try {
        options.publishDeadLetter?.(letter);
      } catch (err) {
        log.warn({ err }, 'could not republish a dead letter');
      }
    }
  }

  /** Writes the staged group, then lets its acknowledgements go — or drops them all if the write fails. */
  function flush(): void {
    const g = group;
    group = undefined;
    if (!g) return;
    try {
      spool.appendGroup(records);
    } catch (err) {
      diskError(err);
      failing = true;
      const reason = new SpoolRefusedError(`spool write failed: ${(err as Error).message}`);
      g.hold?.abort(reason);
      g.written?.reject(reason);
      return;
    } finally {
      records.clear();
    }
    g.hold?.release();
    g.written?.resolve();
    account(g.tally);
  }

  /** The group being staged, or a new one written after the current burst. */
  function openGroup(): NonNullable<typeof group> {
    if (!group) {
      group = { tally: newTally() };
      // After the burst the sources are handling now (MQTT.js runs its packets as a chain of ticks).
      setImmediate(flush);
    }
    return group;
  }

  /** Decodes and spools one message on its own; false when the spool could not take it (it stays held). */
  function processDirectly(message: Held): boolean {
    const decoded = decode(message.topic, message.payload);
    try {
      spool.append(decoded.readings, decoded.deadLetters);
    } catch (err) {
      diskError(err);
      return false;
    }
    failing = false;
    const tally = newTally();
    count(tally, decoded);
    account(tally);
    message.done();
    return true;
  }

  /** Adds the message to the group commit; false when acknowledgements cannot be held right now. */
  function stage(gate: AckGate, message: Held): boolean {
    if (!group?.hold) {
      const hold = gate.hold();
      if (!hold) return false;
      openGroup().hold = hold;
    }
    const g = openGroup();
    const decoded = decode(message.topic, message.payload);
    records.add(decoded.readings, decoded.deadLetters);
    count(g.tally, decoded);
    message.done();
    if (records.messages >= MAX_GROUP) flush();
    return true;
  }

  function release(): void {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = undefined;
    while (!closed && held.length > 0 && !spool.full) {
      if (!processDirectly(held[0]!)) break;
      held.shift();
    }
    metrics.spoolBackpressure.set(held.length > 0 ? 1 : 0);
    if (!closed && held.length > 0) {
      retryTimer = setTimeout(release, retryMs);
      retryTimer.unref();
    }
  }

  const unsubscribe = spool.onFreed(() => {
    if (held.length > 0) release();
  });

  return {
    handle(topic, payload, done, delivery) {
      if (closed) return;
      const ignored = ignoredReason(topic, payload, delivery);
      if (ignored) {
        // Acknowledged at once: nothing of it is kept, so nothing needs to reach the spool first.
        metrics.ignored.inc({ reason: ignored });
        if (ignored !== 'own_topic') log.debug({ topic, reason: ignored }, 'message ignored');
        done();
        return;
      }
      const message: Held = { topic, payload, done };
      if (held.length === 0 && !spool.full && !failing) {
        if (ackGate && stage(ackGate, message)) return;
        if (processDirectly(message)) return;
      }
      // Full or failing: one message at a time, written before it is acknowledged, retried until it works.
      if (held.length === 0)
        log.warn({ spool: spool.stats() }, 'spool full or failing: holding messages unacknowledged at the broker');
      held.push(message);
      release();
    },

    submit(decoded) {
      if (closed) return Promise.reject(new SpoolRefusedError('ingest is stopping'));
      if (spool.full) return Promise.reject(new SpoolRefusedError('spool full'));
      if (failing || held.length > 0) {
        // The disk failed lately: try this one on its own (a device's resend is the retry); success clears it.
        try {
          spool.append(allReadings(decoded), decoded.deadLetters, decoded.loggerData);
        } catch (err) {
          diskError(err);
          return Promise.reject(new SpoolRefusedError(`spool write failed: ${(err as Error).message}`));
        }
        failing = false;
        const tally = newTally();
        count(tally, decoded);
        account(tally);
        if (held.length > 0) release();
        return Promise.resolve();
      }
      const g = openGroup();
      try {
        records.add(decoded.readings, decoded.deadLetters, decoded.loggerData, decoded.series);
      } catch (err) {
        return Promise.reject(err as Error);
      }
      count(g.tally, decoded);
      const { promise } = (g.written ??= written());
      if (records.messages >= MAX_GROUP) flush();
      return promise;
    },

    close() {
      if (closed) return;
      flush();
      closed = true;
      held.length = 0;
      if (retryTimer) clearTimeout(retryTimer);
      unsubscribe();
      metrics.spoolBackpressure.set(0);
    },

    get held() {
      return held.length;
    },
  };
}
