/**
 * The MQTT topic contract: stations publish on `wq/{stationId}/data` (JSON) or `wq/{stationId}/senml`
 * (SenML, RFC 8428); dead letters are republished on `wq/_dlq/{stationId}`.
 */
export type PayloadFormat = 'data' | 'senml';

export const DLQ_PREFIX = 'wq/_dlq/';

/** Stands for the station when a topic names none (DeadLetter.stationId). */
export const UNKNOWN_STATION = '_unknown';

export interface ParsedTopic {
  stationId: string;
  format: PayloadFormat;
}

/**
 * Station ids are one topic level: no control characters or white space either, because they also travel in
 * the spool's tab-separated lines and in InfluxDB tags.
 */
// eslint-disable-next-line no-control-regex
const STATION_ID = /^[^\s/+#\u0000-\u001f\u007f]{1,128}$/u;

export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== 'wq') return undefined;
  const [, stationId, kind] = parts as [string, string, string];
  if (!STATION_ID.test(stationId) || stationId.startsWith('_')) return undefined;
  if (kind !== 'data' && kind !== 'senml') return undefined;
  return { stationId, format: kind };
}

/** The station a topic names, even when the topic is otherwise wrong — for the dead letter. */
export function stationOfTopic(topic: string): string {
  const parts = topic.split('/');
  const candidate = parts[0] === 'wq' ? parts[1] : undefined;
  return candidate !== undefined && STATION_ID.test(candidate) ? candidate : UNKNOWN_STATION;
}

/**
 * Topics Qingliu itself publishes under `wq/` (`wq/_dlq/…`, `wq/_status/…`, `wq/alerts/…`; the second level
 * starting with `_` is the service's namespace): the `wq/#` subscription receives them, and they are neither
 * station data nor a station's mistake.
 */
export function isServiceTopic(topic: string): boolean {
  return topic.startsWith('wq/_') || topic === 'wq/alerts' || topic.startsWith('wq/alerts/');
}

export function statusTopic(clientId: string): string {
  return `wq/_status/${clientId}`;
}

export function deadLetterTopic(stationId: string): string {
  return `${DLQ_PREFIX}${stationId}`;
}

/**
 * Subscriptions, through a shared subscription when several ingesters split the load. Everything under `wq/`,
 * not only `wq/+/data` and `wq/+/senml`: a message on any other topic (`wq/{id}/status`, `wq/{id}/data/extra`, a
 * station id with a `/`) then reaches the decoder and becomes an `invalid_topic` dead letter, as docs/mqtt.md
 * promises, instead of vanishing at the broker. Our own publications arrive too and are skipped (isServiceTopic).
 */
export function subscriptionTopics(shareGroup: string | undefined): string[] {
  const topics = ['wq/#'];
  return shareGroup ? topics.map((t) => `$share/${shareGroup}/${t}`) : topics;
}
