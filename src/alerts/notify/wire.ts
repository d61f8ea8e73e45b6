/** The JSON a notification takes on the wire (webhook body, MQTT payload): snake_case, ISO 8601 times. */
import type { DigestNotification, Notification, OutboxMessage, ReportNotification } from '../notification.js';
import type { Finding } from '../types.js';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

function findingToWire(f: Finding) {
  return {
    rule: f.rule,
    severity: f.severity,
    window_start: iso(f.windowStart),
    window_end: iso(f.windowEnd),
    ...(f.classReached !== undefined ? { class: f.classReached } : {}),
    ...(f.targetClass !== undefined ? { target_class: f.targetClass } : {}),
    ...(f.primaryPollutants ? { primary_pollutants: f.primaryPollutants } : {}),
    ...(f.standard !== undefined ? { standard: f.standard } : {}),
    ...(f.projectedAt !== undefined ? { projected_at: iso(f.projectedAt) } : {}),
    ...(f.lastSeenAt !== undefined ? { last_seen_at: iso(f.lastSeenAt) } : {}),
    ...(f.note !== undefined ? { note: f.note } : {}),
    items: f.items,
  };
}

/** What every notification carries on the wire, whatever it is about. */
function envelope(n: OutboxMessage) {
  return {
    id: n.id,
    event: n.event,
    created_at: iso(n.createdAt),
    lang: n.lang,
    title: n.title,
    text: n.text,
    url: n.url ?? null,
    unit: n.unit ?? null,
  };
}

/** The digest on the wire: the common envelope, then the report as the digest job built it. */
function digestToWire(n: DigestNotification) {
  return { ...envelope(n), digest: n.digest };
}

/** An issued report on the wire: the envelope, its summary and the files e-mail attaches (names only). */
function reportToWire(n: ReportNotification) {
  return {
    ...envelope(n),
    report: n.report,
    files: n.attachments.map((a) => ({ filename: a.filename, content_type: a.contentType, format: a.format })),
  };
}

export function notificationToWire(message: OutboxMessage) {
  if (message.event === 'digest') return digestToWire(message);
  if (message.event === 'report') return reportToWire(message);
  const n: Notification = message;
  const a = n.alert;
  return {
    ...envelope(n),
    alert: {
      id: a.id,
      rule: a.rule,
      category: a.category,
      state: a.state,
      severity: a.severity,
      station_id: a.stationId,
      station_name: a.stationName,
      ...(a.windowStart !== undefined && a.windowEnd !== undefined
        ? { window_start: iso(a.windowStart), window_end: iso(a.windowEnd) }
        : {}),
      ...(a.detectedAt !== undefined ? { detected_at: iso(a.detectedAt), detection: a.detection ?? null } : {}),
      opened_at: iso(a.openedAt),
      count: a.count,
      escalation_level: a.escalationLevel,
      finding: findingToWire(a.finding),
    },
  };
}
