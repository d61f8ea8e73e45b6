/** What is sent: one notification about one alert event, rendered once when it is queued and stored as is. */
import type { ChannelSpec, LocalizedName } from './alert-catalog.js';
import type { AlertCategory, AlertState, Detection, Finding, RuleId, Severity } from './types.js';

export const NOTIFICATION_EVENTS = ['opened', 'severity_raised', 'escalated', 'resolved'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export type Lang = 'zh-CN' | 'en';

/** The alert as receivers see it (JSON keys are snake_case on the wire; see notify/webhook.ts). */
export interface AlertSummary {
  id: number;
  rule: RuleId;
  category: AlertCategory;
  state: AlertState;
  severity: Severity;
  stationId: string;
  stationName: LocalizedName;
  openedAt: number;
  /** The time the alert is about, and when it was detected (absent in notifications queued before they existed). */
  windowStart?: number;
  windowEnd?: number;
  detectedAt?: number;
  detection?: Detection | null;
  count: number;
  escalationLevel: number;
  finding: Finding;
}

export interface Notification {
  /** Idempotency key: the same for every attempt to deliver this notification, so receivers can deduplicate. */
  id: string;
  event: NotificationEvent;
  createdAt: number;
  lang: Lang;
  title: string;
  /** Markdown (DingTalk, WeCom and Feishu render it; e-mail and plain receivers show it as text). */
  text: string;
  /** The station's page. */
  url?: string;
  alert: AlertSummary;
  /** The responsible unit this notification goes to (absent for the deployment's default channel). */
  unit?: { id: string; name: LocalizedName };
}

/**
 * The daily compliance digest (src/jobs/digest.ts): a report to the bureau about many stations, not about one
 * alert. It travels through the same outbox and channels as alert notifications; `digest` is its structured
 * content as receivers get it (snake_case JSON), built by the digest job.
 */
export interface DigestNotification {
  /** Idempotency key, derived from the day and the target, so the same digest is never queued twice. */
  id: string;
  event: 'digest';
  createdAt: number;
  lang: Lang;
  title: string;
  /** Markdown, like alert notifications. */
  text: string;
  url?: string;
  unit?: { id: string; name: LocalizedName };
  digest: Record<string, unknown>;
}

/** A file of an issued report (src/reports/report-archive.ts), attached to e-mails at send time. */
export interface ReportAttachment {
  filename: string;
  contentType: string;
  kind: string;
  period: string;
  version: number;
  format: 'xlsx' | 'pdf';
}

/**
 * An issued monthly (quarterly, annual) report (src/jobs/report-job.ts): e-mail carries its files as attachments,
 * read from the report archive when the outbox sends it (the outbox stores the reference, not the bytes); robots
 * and webhooks get the summary and a link.
 */
export interface ReportNotification {
  /** Idempotency key, derived from the report, its version and the target. */
  id: string;
  event: 'report';
  createdAt: number;
  lang: Lang;
  title: string;
  text: string;
  url?: string;
  unit?: { id: string; name: LocalizedName };
  report: Record<string, unknown>;
  attachments: ReportAttachment[];
}

/** Anything the outbox stores and the channels send. */
export type OutboxMessage = Notification | DigestNotification | ReportNotification;

/** An alert's notification, as opposed to a digest or a report sent to a unit. */
export function isAlertNotification(message: OutboxMessage): message is Notification {
  return message.event !== 'digest' && message.event !== 'report';
}

export const OUTBOX_STATES = ['pending', 'delivered', 'failed'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

export interface OutboxEntry {
  id: string;
  alertId: number;
  channel: ChannelSpec;
  notification: OutboxMessage;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  deliveredAt: number | null;
  lastError: string | null;
}
