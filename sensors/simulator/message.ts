/**
 * Samples as MQTT messages, exactly per the contract of docs/mqtt.md (issue 3): topic `wq/{stationId}/data`,
 * payload `{"ts":"2026-11-28T08:00:00+08:00","values":{…},"flags":{…}}` or an array of those (backfill).
 */
import type { DataFlag } from '../../src/domain/flags.js';
import type { Zone } from './zone.js';

/** What one message carries: the simulator's `Sample` and replayed CSV rows both fit. */
export interface StationMessage {
  stationId: string;
  ts: number;
  values: Readonly<Record<string, number>>;
  flags?: Readonly<Record<string, DataFlag>>;
}

export interface PayloadObject {
  ts: string;
  values: Record<string, number>;
  flags?: Record<string, DataFlag>;
}

export function dataTopic(stationId: string): string {
  return `wq/${stationId}/data`;
}

export function toPayloadObject(message: StationMessage, zone: Zone): PayloadObject {
  const flags = message.flags && Object.keys(message.flags).length > 0 ? { ...message.flags } : undefined;
  return { ts: zone.iso(message.ts), values: { ...message.values }, ...(flags ? { flags } : {}) };
}

/** A single live message. */
export function toPayload(message: StationMessage, zone: Zone): string {
  return JSON.stringify(toPayloadObject(message, zone));
}

export interface Batch {
  stationId: string;
  topic: string;
  payload: string;
  /** Messages in the array. */
  count: number;
  /** Readings (values) in the array. */
  readings: number;
}

/**
 * Packs one station's messages (oldest first) into JSON arrays of at most `maxMessages` entries and
 * `maxBytes` bytes — well under the ingester's payload limit (256 KiB by default), so no backfill batch is
 * ever dead-lettered for its size.
 */
export function* toBatches(
  messages: Iterable<StationMessage>,
  zone: Zone,
  limits: { maxMessages: number; maxBytes: number },
): Generator<Batch> {
  let parts: string[] = [];
  let bytes = 2;
  let readings = 0;
  let stationId = '';
  const flush = (): Batch => {
    const batch = { stationId, topic: dataTopic(stationId), payload: `[${parts.join(',')}]`, count: parts.length, readings };
    parts = [];
    bytes = 2;
    readings = 0;
    return batch;
  };
  for (const message of messages) {
    if (parts.length > 0 && message.stationId !== stationId) yield flush();
    stationId = message.stationId;
    const json = toPayload(message, zone);
    const size = Buffer.byteLength(json) + 1;
    if (parts.length > 0 && (parts.length >= limits.maxMessages || bytes + size > limits.maxBytes)) yield flush();
    parts.push(json);
    bytes += size;
    readings += Object.keys(message.values).length;
  }
  if (parts.length > 0) yield flush();
}
