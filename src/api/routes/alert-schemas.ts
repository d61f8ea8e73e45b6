/**
 * The JSON of the alerts API (`/alerts…`), as zod schemas for /openapi.json and the presenters that build it from
 * the alert service's objects: snake_case, times ISO 8601 with the offset of the request's `tz`, titles in the
 * request's language. The same alert JSON is the `alert` of every server-sent event.
 */
import { z } from '@hono/zod-openapi';
import type { AlertDetail, NotificationStatus } from '../../alerts/alert-service.js';
import { RULE_TITLE } from '../../alerts/messages.js';
import { NOTIFICATION_EVENTS, OUTBOX_STATES } from '../../alerts/notification.js';
import { redactUrlsIn } from '../../alerts/notify/url-redaction.js';
import {
  ALERT_STATES,
  RULE_IDS,
  SEVERITIES,
  TRANSITION_KINDS,
  type Alert,
  type Finding,
  type Transition,
} from '../../alerts/types.js';
import { displayExceedance, displayValue } from '../../domain/display-precision.js';
import { SECTION_CLASSES, WATER_CLASSES } from '../../domain/gb3838.js';
import { isParameterCode } from '../../domain/parameters.js';
import type { Lang } from '../i18n.js';
import { formatInZone } from '../query/zoned-time.js';

export const CATEGORIES = ['pollution', 'early_warning', 'offline', 'maintenance'] as const;

const Time = z
  .string()
  .openapi({ example: '2026-11-28T12:00:00+08:00', description: 'ISO 8601 with the offset of `tz`' });
const Name = z.object({ zh: z.string(), en: z.string() });

export const FindingItemSchema = z
  .object({
    parameter: z.string().openapi({ example: 'nh3n' }),
    value: z.number().openapi({ description: 'Window mean, latest value or projection, canonical unit' }),
    limit: z.number().optional(),
    direction: z.enum(['max', 'min']).optional(),
    class: z.enum(SECTION_CLASSES).nullable().optional(),
    exceedance: z.number().nullable().optional().openapi({ description: '(value − limit) / limit' }),
    unit: z.string().optional(),
    note: z.string().optional(),
  })
  .openapi('AlertFindingItem');

export const FindingSchema = z
  .object({
    rule: z.enum(RULE_IDS),
    severity: z.enum(SEVERITIES),
    window_start: Time,
    window_end: Time,
    class_reached: z.enum(SECTION_CLASSES).nullable().optional(),
    target_class: z.enum(WATER_CLASSES).optional(),
    primary_pollutants: z
      .array(z.object({ parameter: z.string(), exceedance: z.number().nullable() }))
      .optional()
      .openapi({ description: '主要污染指标 with the multiple over class III' }),
    items: z.array(FindingItemSchema),
    projected_at: Time.optional(),
    last_seen_at: Time.nullable().optional(),
    standard: z.string().optional(),
    note: z.string().optional(),
  })
  .openapi('AlertFinding');

export const AlertSchema = z
  .object({
    id: z.number().int().openapi({ example: 42 }),
    rule: z.enum(RULE_IDS),
    title: z.string().openapi({ example: '断面水质不达标', description: "The rule's title in the request's language" }),
    category: z.enum(CATEGORIES),
    state: z.enum(ALERT_STATES),
    severity: z.enum(SEVERITIES).openapi({ description: 'The worst seen while the alert was open' }),
    station_id: z.string(),
    station_name: Name.nullable(),
    window_start: Time.openapi({
      description:
        'The time the alert is about: start of its first violating window (lists sort and filter by the window)',
    }),
    window_end: Time.openapi({ description: 'End of its latest violating window' }),
    detected_at: Time.openapi({ description: 'When Qingliu detected it (may be long after the window closed)' }),
    detection: z.enum(['late_data', 'flag_correction', 'mark', 'catch_up']).nullable().openapi({
      description:
        'Why it was detected after its window had closed: back-filled or late data, a corrected flag, a data mark (re-judgment), or catch-up after downtime; null when judged on time',
    }),
    opened_at: Time.openapi({ description: 'When the alert record was created (= detected_at)' }),
    updated_at: Time,
    count: z.number().int().openapi({ description: 'Violating windows counted into this alert' }),
    compliant_streak: z
      .number()
      .int()
      .openapi({ description: 'Consecutive compliant windows (auto-resolve after the hysteresis)' }),
    escalation_level: z.number().int().openapi({ description: '0: the first unit; 1: the next one up the chain, …' }),
    escalated_at: Time,
    acknowledged_by: z.string().nullable(),
    acknowledged_at: Time.nullable(),
    acknowledge_note: z.string().nullable(),
    resolved_by: z.string().nullable(),
    resolved_at: Time.nullable(),
    resolve_reason: z.string().nullable(),
    latest: FindingSchema,
  })
  .openapi('Alert');

export const TransitionSchema = z
  .object({
    seq: z.number().int(),
    kind: z.enum(TRANSITION_KINDS),
    at: Time,
    actor: z.string().openapi({ description: '`system`, or the API key that acted: "name (key id)"' }),
    from_state: z.enum(ALERT_STATES).nullable(),
    to_state: z.enum(ALERT_STATES),
    note: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('AlertTransition');

export const NotificationStatusSchema = z
  .object({
    id: z.string().openapi({ description: 'Idempotency key of the notification' }),
    channel: z.string().openapi({ example: 'dingtalk' }),
    event: z.enum([...NOTIFICATION_EVENTS, 'digest', 'report']),
    unit_id: z.string().nullable(),
    state: z.enum(OUTBOX_STATES),
    attempts: z.number().int(),
    created_at: Time,
    delivered_at: Time.nullable(),
    last_error: z
      .string()
      .nullable()
      .openapi({ description: 'Why the last attempt failed; channel URLs appear as their origin only' }),
  })
  .openapi('AlertNotification');

export const AlertDetailSchema = z
  .object({
    alert: AlertSchema,
    timeline: z.array(TransitionSchema).openapi({ description: 'Every transition, oldest first; never edited' }),
    notifications: z.array(NotificationStatusSchema),
  })
  .openapi('AlertDetail');

export interface Presenter {
  tz: string;
  lang: Lang;
  stationName: (stationId: string) => { zh: string; en: string } | null;
}

/** Names come from the catalog in force; an alert of a station since removed has none. */
export function presenterFor(
  catalog: { station(id: string): { name: { zh: string; en: string } } | undefined },
  lang: Lang,
  tz: string,
): Presenter {
  return {
    tz,
    lang,
    stationName: (id) => {
      const s = catalog.station(id);
      return s ? { zh: s.name.zh, en: s.name.en } : null;
    },
  };
}

const time = (ms: number, tz: string) => formatInZone(ms, tz);
const maybeTime = (ms: number | null, tz: string) => (ms === null ? null : formatInZone(ms, tz));

/** Values at the parameter's display precision (the alert store keeps them as judged). */
function findingItemJson(item: Finding['items'][number]): z.infer<typeof FindingItemSchema> {
  const code = isParameterCode(item.parameter) ? item.parameter : undefined;
  const shown = (v: number) => (code ? displayValue(code, v) : v);
  return {
    ...item,
    value: shown(item.value),
    ...(item.limit !== undefined && { limit: shown(item.limit) }),
    ...(item.exceedance !== undefined && { exceedance: displayExceedance(item.exceedance) }),
  };
}

export function findingJson(f: Finding, tz: string): z.infer<typeof FindingSchema> {
  return {
    rule: f.rule,
    severity: f.severity,
    window_start: time(f.windowStart, tz),
    window_end: time(f.windowEnd, tz),
    ...(f.classReached !== undefined ? { class_reached: f.classReached } : {}),
    ...(f.targetClass !== undefined ? { target_class: f.targetClass } : {}),
    ...(f.primaryPollutants
      ? {
          primary_pollutants: f.primaryPollutants.map((p) => ({ ...p, exceedance: displayExceedance(p.exceedance) })),
        }
      : {}),
    items: f.items.map((i) => findingItemJson(i)),
    ...(f.projectedAt !== undefined ? { projected_at: time(f.projectedAt, tz) } : {}),
    ...(f.lastSeenAt !== undefined ? { last_seen_at: maybeTime(f.lastSeenAt, tz) } : {}),
    ...(f.standard !== undefined ? { standard: f.standard } : {}),
    ...(f.note !== undefined ? { note: f.note } : {}),
  };
}

export function alertJson(a: Alert, p: Presenter): z.infer<typeof AlertSchema> {
  return {
    id: a.id,
    rule: a.rule,
    title: RULE_TITLE[a.rule][p.lang],
    category: a.category,
    state: a.state,
    severity: a.severity,
    station_id: a.stationId,
    station_name: p.stationName(a.stationId),
    window_start: time(a.windowStart, p.tz),
    window_end: time(a.windowEnd, p.tz),
    detected_at: time(a.detectedAt, p.tz),
    detection: a.detection,
    opened_at: time(a.openedAt, p.tz),
    updated_at: time(a.updatedAt, p.tz),
    count: a.count,
    compliant_streak: a.compliantStreak,
    escalation_level: a.escalationLevel,
    escalated_at: time(a.escalatedAt, p.tz),
    acknowledged_by: a.acknowledgedBy,
    acknowledged_at: maybeTime(a.acknowledgedAt, p.tz),
    acknowledge_note: a.acknowledgeNote,
    resolved_by: a.resolvedBy,
    resolved_at: maybeTime(a.resolvedAt, p.tz),
    resolve_reason: a.resolveReason,
    latest: findingJson(a.latest, p.tz),
  };
}

export function transitionJson(t: Transition, tz: string): z.infer<typeof TransitionSchema> {
  return {
    seq: t.seq,
    kind: t.kind,
    at: time(t.at, tz),
    actor: t.actor,
    from_state: t.fromState,
    to_state: t.toState,
    note: t.note,
    data: t.data,
  };
}

function notificationJson(n: NotificationStatus, tz: string): z.infer<typeof NotificationStatusSchema> {
  return {
    id: n.id,
    channel: n.channel,
    event: n.event,
    unit_id: n.unitId,
    state: n.state,
    attempts: n.attempts,
    created_at: time(n.createdAt, tz),
    delivered_at: maybeTime(n.deliveredAt, tz),
    // Errors stored by an older release may still hold a channel URL's path or query (its token).
    last_error: n.lastError === null ? null : redactUrlsIn(n.lastError),
  };
}

export function alertDetailJson(d: AlertDetail, p: Presenter): z.infer<typeof AlertDetailSchema> {
  return {
    alert: alertJson(d.alert, p),
    timeline: d.timeline.map((t) => transitionJson(t, p.tz)),
    notifications: d.notifications.map((n) => notificationJson(n, p.tz)),
  };
}
