/**
 * Everything the dashboard asks of the alerts API (issue 5), in one place so the page follows the routes if their
 * shapes move: list with filters, one alert with its timeline, acknowledge, resolve, and the live stream.
 * Responses are normalised here (times to epoch ms, lists and wrappers unpacked), so views see one shape.
 */
import type { ApiClient } from './api.js';
import { streamEvents } from './sse.js';

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface FindingItemView {
  parameter: string;
  value: number;
  limit?: number;
  direction?: 'max' | 'min';
  class?: string | null;
  exceedance?: number | null;
  unit?: string;
  note?: string;
}

export interface FindingView {
  /** The severity of this finding (the alert's own is the worst seen while open). */
  severity?: string;
  windowStart?: number;
  windowEnd?: number;
  classReached?: string | null;
  targetClass?: string;
  primaryPollutants?: { parameter: string; exceedance: number | null }[];
  items: FindingItemView[];
  projectedAt?: number;
  lastSeenAt?: number | null;
  standard?: string;
  note?: string;
}

export interface AlertView {
  id: number;
  rule: string;
  stationId: string;
  /** Station name when the API includes it. */
  stationName?: { zh: string; en: string };
  category: string;
  state: AlertState;
  severity: string;
  openedAt: number;
  updatedAt: number;
  /** The time the alert is about (its windows) and when it was detected, with why late (null: on time). */
  windowStart: number;
  windowEnd: number;
  detectedAt: number;
  detection: string | null;
  count: number;
  latest: FindingView;
  escalationLevel: number;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  acknowledgeNote: string | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  resolveReason: string | null;
}

export interface TransitionView {
  seq: number;
  kind: string;
  at: number;
  actor: string;
  fromState: string | null;
  toState: string;
  note: string | null;
  data: Record<string, unknown> | null;
}

export interface AlertDetailView {
  alert: AlertView;
  timeline: TransitionView[];
}

export interface AlertFilterInput {
  state?: string | undefined;
  severity?: string | undefined;
  station?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export interface AlertEventView {
  type: string;
  alert: AlertView;
  at: number;
}

type Json = Record<string, unknown>;

/** Epoch ms from a number or an ISO 8601 string; null stays null. */
export function toMs(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** camelCase or snake_case: the API may use either naming. */
function pick(o: Json, camel: string): unknown {
  if (camel in o) return o[camel];
  const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return o[snake];
}

function normaliseFinding(raw: unknown): FindingView {
  const f = (raw ?? {}) as Json;
  const items = (pick(f, 'items') as Json[] | undefined) ?? [];
  const out: FindingView = { items: items.map((i) => ({ ...(i as unknown as FindingItemView) })) };
  const severity = pick(f, 'severity');
  if (typeof severity === 'string') out.severity = severity;
  const ws = toMs(pick(f, 'windowStart'));
  const we = toMs(pick(f, 'windowEnd'));
  if (ws !== null) out.windowStart = ws;
  if (we !== null) out.windowEnd = we;
  const cls = pick(f, 'classReached');
  if (typeof cls === 'string' || cls === null) out.classReached = cls;
  const target = pick(f, 'targetClass');
  if (typeof target === 'string') out.targetClass = target;
  const pp = pick(f, 'primaryPollutants');
  if (Array.isArray(pp)) out.primaryPollutants = pp as FindingView['primaryPollutants'];
  const projected = toMs(pick(f, 'projectedAt'));
  if (projected !== null) out.projectedAt = projected;
  const lastSeen = pick(f, 'lastSeenAt');
  if (lastSeen !== undefined) out.lastSeenAt = toMs(lastSeen);
  const standard = pick(f, 'standard');
  if (typeof standard === 'string') out.standard = standard;
  const note = pick(f, 'note');
  if (typeof note === 'string') out.note = note;
  return out;
}

export function normaliseAlert(raw: unknown): AlertView {
  const a = raw as Json;
  const str = (k: string) => {
    const v = pick(a, k);
    return typeof v === 'string' ? v : null;
  };
  const name = pick(a, 'stationName') ?? (pick(a, 'station') as Json | undefined)?.name;
  const openedAt = toMs(pick(a, 'openedAt')) ?? 0;
  const latest = normaliseFinding(pick(a, 'latest') ?? pick(a, 'finding'));
  const view: AlertView = {
    id: Number(pick(a, 'id')),
    rule: String(pick(a, 'rule')),
    stationId: String(pick(a, 'stationId') ?? (pick(a, 'station') as Json | undefined)?.id ?? ''),
    category: String(pick(a, 'category') ?? ''),
    state: String(pick(a, 'state')) as AlertState,
    severity: String(pick(a, 'severity')),
    openedAt,
    updatedAt: toMs(pick(a, 'updatedAt')) ?? 0,
    // An API from before alert times existed: the finding's window, detected when opened.
    windowStart: toMs(pick(a, 'windowStart')) ?? latest.windowStart ?? openedAt,
    windowEnd: toMs(pick(a, 'windowEnd')) ?? latest.windowEnd ?? openedAt,
    detectedAt: toMs(pick(a, 'detectedAt')) ?? openedAt,
    detection: str('detection'),
    count: Number(pick(a, 'count') ?? 1),
    latest,
    escalationLevel: Number(pick(a, 'escalationLevel') ?? 0),
    acknowledgedBy: str('acknowledgedBy'),
    acknowledgedAt: toMs(pick(a, 'acknowledgedAt')),
    acknowledgeNote: str('acknowledgeNote'),
    resolvedBy: str('resolvedBy'),
    resolvedAt: toMs(pick(a, 'resolvedAt')),
    resolveReason: str('resolveReason'),
  };
  if (name && typeof name === 'object') view.stationName = name as { zh: string; en: string };
  return view;
}

function normaliseTransition(raw: unknown): TransitionView {
  const t = raw as Json;
  const note = pick(t, 'note');
  const data = pick(t, 'data');
  const from = pick(t, 'fromState');
  return {
    seq: Number(pick(t, 'seq') ?? 0),
    kind: String(pick(t, 'kind')),
    at: toMs(pick(t, 'at')) ?? 0,
    actor: String(pick(t, 'actor') ?? ''),
    fromState: typeof from === 'string' ? from : null,
    toState: String(pick(t, 'toState') ?? ''),
    note: typeof note === 'string' ? note : null,
    data: data && typeof data === 'object' ? (data as Record<string, unknown>) : null,
  };
}

/** A list response: a bare array, or `{ items }` / `{ alerts }`. */
function listOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  const o = body as Json;
  return (o.items ?? o.alerts ?? []) as unknown[];
}

export async function listAlerts(api: ApiClient, filter: AlertFilterInput, signal?: AbortSignal): Promise<AlertView[]> {
  const body = await api.get<unknown>('/alerts', { ...filter }, signal ? { signal } : {});
  return listOf(body).map(normaliseAlert);
}

/** Alerts not yet resolved (open and acknowledged), newest first. */
export function listUnresolved(api: ApiClient, signal?: AbortSignal): Promise<AlertView[]> {
  return listAlerts(api, { state: 'open,acknowledged' }, signal);
}

export async function getAlert(api: ApiClient, id: number, signal?: AbortSignal): Promise<AlertDetailView> {
  const body = (await api.get<Json>(`/alerts/${id}`, undefined, signal ? { signal } : {})) ?? {};
  const alertRaw = 'alert' in body ? body.alert : body;
  const timeline = (body.timeline ?? (alertRaw as Json).timeline ?? []) as unknown[];
  return { alert: normaliseAlert(alertRaw), timeline: timeline.map(normaliseTransition) };
}

/** The alert as the server answers after the transition. */
async function transition(api: ApiClient, id: number, action: 'ack' | 'resolve', body: Json): Promise<AlertView> {
  const res = await api.post<Json | undefined>(`/alerts/${id}/${action}`, body);
  const raw = res && 'alert' in res ? res.alert : res;
  return raw ? normaliseAlert(raw) : (await getAlert(api, id)).alert;
}

export function acknowledgeAlert(api: ApiClient, id: number, note: string): Promise<AlertView> {
  return transition(api, id, 'ack', note ? { note } : {});
}

export function resolveAlert(api: ApiClient, id: number, reason: string): Promise<AlertView> {
  return transition(api, id, 'resolve', { reason });
}

/** Follows `GET /alerts/stream` until `signal` aborts; each event carries the alert as it now is. */
export function streamAlerts(
  api: ApiClient,
  handlers: {
    onEvent: (e: AlertEventView) => void;
    onStatus: (connected: boolean) => void;
    onFatal?: (status: number) => void;
  },
  signal: AbortSignal,
): Promise<void> {
  return streamEvents({
    url: api.url('/alerts/stream'),
    headers: () => api.headers(),
    signal,
    onStatus: handlers.onStatus,
    ...(handlers.onFatal ? { onFatal: handlers.onFatal } : {}),
    onEvent: (e) => {
      let data: Json;
      try {
        data = JSON.parse(e.data) as Json;
      } catch {
        return; // keep-alives and anything that is not an alert event
      }
      const alertRaw = data.alert ?? (typeof data.id === 'number' ? data : undefined);
      if (!alertRaw) return;
      handlers.onEvent({
        type: String(data.type ?? e.event),
        alert: normaliseAlert(alertRaw),
        at: toMs(data.at) ?? Date.now(),
      });
    },
  });
}
