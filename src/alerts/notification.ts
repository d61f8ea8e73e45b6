/** What is sent: one notification about one alert event, rendered once when it is queued and stored as is. */
import type { ChannelSpec, LocalizedName } from './alert-catalog.js';
import type { AlertCategory, AlertState, Finding, RuleId, Severity } from './types.js';

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

export const OUTBOX_STATES = ['pending', 'delivered', 'failed'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

export interface OutboxEntry {
  id: string;
  alertId: number;
  channel: ChannelSpec;
  notification: Notification;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  deliveredAt: number | null;
  lastError: string | null;
}
