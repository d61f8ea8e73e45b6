/**
 * The alert service: the operations the cron jobs and the HTTP API call. It runs a rule on one window, applies
 * the lifecycle decision to the store in one transaction (alert row, timeline, processed-window mark and the
 * queued notifications together), then tells listeners (the SSE stream) and nudges the outbox.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from '../logger.js';
import { zone } from '../domain/time-window.js';
import type { AlertCatalog, AlertStation, AlertUnit, ChannelSpec } from './alert-catalog.js';
import type { AlertFilter, AlertStore, AlertStoreOps } from './alert-store.js';
import {
  assertCanAcknowledge,
  assertCanResolve,
  decide,
  escalationDue,
  TransitionError,
  type LifecycleDecision,
} from './lifecycle.js';
import { formatTime, renderMessage } from './messages.js';
import type { Lang, Notification, NotificationEvent, OutboxEntry, OutboxMessage } from './notification.js';
import { DATA_CORRECTED, decideRejudgment, replayLaterWindows, type RejudgeDecision } from './rejudgment.js';
import { createRuleRunner } from './rule-runner.js';
import { gbStandards } from './rules/standards.js';
import type { Standards } from './rules/standards-port.js';
import { settingsForStation, type AlertSettings } from './settings.js';
import {
  audienceOf,
  RULE_CATEGORY,
  severityRank,
  SYSTEM_ACTOR,
  type Alert,
  type Detection,
  type RuleId,
  type RuleOutcome,
  type Severity,
  type Transition,
} from './types.js';
import { rejudgeBatch, type RejudgeOps } from './rejudge-batch.js';
import { spanReadings } from './span-readings.js';
import type { WindowReadings } from './window-data.js';
import type { TouchCause } from './window-touches.js';

export type AlertEventType = 'opened' | 'updated' | 'severity_raised' | 'acknowledged' | 'escalated' | 'resolved';

export interface AlertEvent {
  type: AlertEventType;
  alert: Alert;
  at: number;
}

export interface EvaluationResult {
  /** processed: the window was judged now; already_processed: a no-op (catch-up safety); not_applicable: rule off here. */
  status: 'processed' | 'already_processed' | 'not_applicable';
  outcome?: RuleOutcome;
  decision?: LifecycleDecision['action'];
  alert?: Alert;
}

export interface RejudgeResult {
  /**
   * unchanged: same verdict (a no-op); changed: a new verdict, applied; not_judged: the window was never judged (the
   * scheduled job will judge it); not_applicable: the rule does not apply to the station (any more).
   */
  status: 'unchanged' | 'changed' | 'not_judged' | 'not_applicable';
  outcome?: RuleOutcome;
  decision?: RejudgeDecision['action'];
  alert?: Alert;
}

export interface NotificationStatus extends Pick<
  OutboxEntry,
  'id' | 'state' | 'attempts' | 'createdAt' | 'deliveredAt' | 'lastError'
> {
  channel: ChannelSpec['type'];
  event: OutboxMessage['event'];
  unitId: string | null;
}

export interface AlertDetail {
  alert: Alert;
  /** Every transition, oldest first (immutable). */
  timeline: Transition[];
  /** Every notification queued for the alert and how its delivery went. */
  notifications: NotificationStatus[];
}

export interface AlertService {
  /** The rules that apply to a station (by kind, role, plant and catalog overrides). */
  rulesFor(stationId: string): RuleId[];
  /** Judges one window [start, end) with one rule; a window already processed is a no-op. */
  evaluateWindow(input: {
    stationId: string;
    rule: RuleId;
    start: number;
    end: number;
    /** Set when the window is judged long after it closed (catch-up after downtime). */
    detection?: Detection;
  }): Promise<EvaluationResult>;
  /**
   * Judges again a window judged before, because its data changed (ADR 0013); the same verdict is a no-op, so
   * re-judging twice (a crash before the touch was consumed) changes nothing.
   */
  rejudgeWindow(input: {
    stationId: string;
    rule: RuleId;
    start: number;
    end: number;
    cause: TouchCause;
    /** The station's data read once for several windows (`spanReadings`); default: one store query per window. */
    readings?: WindowReadings;
  }): Promise<RejudgeResult>;
  /**
   * `rejudgeWindow` for several (station, rule) pairs' windows, each pair's oldest first, all their effects in one
   * transaction (one commit for a back-fill). A window whose rule fails stops its pair there: the pair's results
   * are those before it, and `failure` says why. `concurrency`: pairs whose rules run at once (default 4).
   * `inBatch`: more writes that commit with the batch (the touches consumed: one commit, not two), run in its
   * transaction after its effects when no pair failed; not run when there was nothing to apply.
   */
  rejudgeWindows(
    pairs: readonly {
      stationId: string;
      rule: RuleId;
      windows: readonly { start: number; end: number; cause: TouchCause }[];
      readings?: WindowReadings;
    }[],
    concurrency?: number,
    inBatch?: (tx: AlertStoreOps) => Promise<void>,
  ): Promise<{ results: RejudgeResult[]; failure?: Error }[]>;
  /**
   * Readers of stations' data over their spans [from, to) that read the store once for all the windows inside
   * them (the stations sharing a span in one request), for `rejudgeWindow`'s `readings`.
   */
  spanReadings(
    spans: readonly { stationId: string; from: number; to: number }[],
  ): (stationId: string) => WindowReadings;
  /** Applies an outcome computed elsewhere (the same path evaluateWindow takes after running the rule). */
  applyOutcome(input: {
    stationId: string;
    rule: RuleId;
    start: number;
    end: number;
    outcome: RuleOutcome;
    detection?: Detection;
  }): Promise<EvaluationResult>;
  acknowledge(id: number, actor: string, note?: string): Promise<Alert>;
  resolve(id: number, actor: string, reason: string): Promise<Alert>;
  list(filter?: AlertFilter): Promise<Alert[]>;
  get(id: number): Promise<AlertDetail | undefined>;
  /** Escalates every open, unacknowledged alert whose delay has passed; returns the escalated alerts. */
  escalateDue(now?: number): Promise<Alert[]>;
  /** The last window end processed for (rule, station): where catch-up resumes. */
  lastProcessedEnd(rule: RuleId, stationId: string): Promise<number | null>;
  /** Subscribes to alert events (for the SSE stream); returns the unsubscribe function. */
  subscribe(listener: (event: AlertEvent) => void): () => void;
}

export interface AlertServiceOptions {
  store: AlertStore;
  catalog: AlertCatalog;
  readings: WindowReadings;
  settings: AlertSettings;
  now: () => number;
  logger: Logger;
  timeZone: string;
  /** Default language of messages (LANG_UI); a channel's `lang` overrides it. */
  lang: Lang;
  /** Channels that get every notification (e.g. the ALERT_WEBHOOK_URL webhook). */
  defaultChannels?: readonly ChannelSpec[];
  /** Told after notifications were queued. */
  outbox?: { nudge(): void };
  standards?: Standards;
}

/** The writes an alert's lifecycle makes: on a transaction, or on a batch of re-judgments (rejudge-batch.ts). */
type AlertWrites = Pick<RejudgeOps, 'insertAlert' | 'updateAlert' | 'appendTransition' | 'enqueue'>;

export function createAlertService(options: AlertServiceOptions): AlertService {
  const { store, catalog, readings, now } = options;
  const log = options.logger.child({ component: 'alerts' });
  const standards = options.standards ?? gbStandards;
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  // The zone's formatters now, at start-up: a fresh process loads its ICU time-zone data with the first one (~14 ms,
  // bench:alerts), which would otherwise fall in the first judgment's transaction; a bad zone fails here.
  zone(options.timeZone);
  formatTime(0, options.timeZone);

  const runner = createRuleRunner({
    catalog,
    readings,
    settings: options.settings,
    standards,
    timeZone: options.timeZone,
  });

  const stationOrThrow = (id: string): AlertStation => {
    const station = catalog.station(id);
    if (!station) throw new TransitionError(`unknown station "${id}"`, 'not_found');
    return station;
  };

  /** The responsibility chain an alert climbs: from the jurisdiction (pollution) or the maintainer (equipment). */
  function chainFor(alert: Pick<Alert, 'rule' | 'stationId'>): AlertUnit[] {
    const station = catalog.station(alert.stationId);
    if (!station) return [];
    const first = audienceOf(alert.rule) === 'maintainer' ? station.maintainer : station.jurisdiction;
    return catalog.responsibilityChain(first);
  }

  /** Queues one notification per channel of each unit (and the default channels); call inside a transaction. */
  async function queue(
    tx: AlertWrites,
    event: NotificationEvent,
    alert: Alert,
    units: readonly AlertUnit[],
    extra: { escalation?: { unit: AlertUnit; unacknowledgedMs: number } } = {},
  ): Promise<number> {
    const station = catalog.station(alert.stationId);
    const stationView = { id: alert.stationId, name: station?.name ?? { zh: alert.stationId, en: alert.stationId } };
    const at = now();
    const targets: { channel: ChannelSpec; unit?: AlertUnit }[] = [
      ...units.flatMap((unit) => unit.channels.map((channel) => ({ channel, unit }))),
      ...(options.defaultChannels ?? []).map((channel) => ({ channel })),
    ];
    if (targets.length === 0) {
      // Still on the timeline and in the API, but nobody is told: the catalog needs a channel for this unit.
      log.warn({ alertId: alert.id, stationId: alert.stationId, event }, 'alert notification reaches no channel');
    }
    for (const { channel, unit } of targets) {
      const lang = channel.lang ?? options.lang;
      const message = renderMessage({
        event,
        alert,
        station: stationView,
        lang,
        timeZone: options.timeZone,
        ...(catalog.publicUrl ? { publicUrl: catalog.publicUrl } : {}),
        ...(extra.escalation
          ? {
              escalation: { unitName: extra.escalation.unit.name, unacknowledgedMs: extra.escalation.unacknowledgedMs },
            }
          : {}),
      });
      const notification: Notification = {
        id: randomUUID(),
        event,
        createdAt: at,
        lang,
        title: message.title,
        text: message.text,
        ...(message.url ? { url: message.url } : {}),
        alert: {
          id: alert.id,
          rule: alert.rule,
          category: alert.category,
          state: alert.state,
          severity: alert.severity,
          stationId: alert.stationId,
          stationName: stationView.name,
          openedAt: alert.openedAt,
          windowStart: alert.windowStart,
          windowEnd: alert.windowEnd,
          detectedAt: alert.detectedAt,
          detection: alert.detection,
          count: alert.count,
          escalationLevel: alert.escalationLevel,
          finding: alert.latest,
        },
        ...(unit ? { unit: { id: unit.id, name: unit.name } } : {}),
      };
      await tx.enqueue({ id: notification.id, alertId: alert.id, channel, notification, at });
    }
    return targets.length;
  }

  /** Units notified so far: levels 0..escalationLevel of the chain. */
  const notifiedUnits = (alert: Alert) => chainFor(alert).slice(0, alert.escalationLevel + 1);

  function emit(events: AlertEvent[]) {
    for (const e of events) {
      try {
        emitter.emit('alert', e);
      } catch (err) {
        log.error({ err }, 'alert event listener failed');
      }
    }
  }

  /**
   * After a violation was counted into an alert: a raised severity (`raisedFrom`) is on the timeline and notified;
   * otherwise listeners hear "updated". Call inside a transaction; returns the notifications queued.
   */
  function updated(
    tx: AlertWrites,
    alert: Alert,
    raisedFrom: Alert['severity'] | undefined,
    at: number,
    events: AlertEvent[],
    extra: Record<string, unknown> = {},
  ): number | Promise<number> {
    // Most counted windows raise nothing: no async call for them (a re-judged back-fill counts a hundred).
    if (raisedFrom === undefined) {
      events.push({ type: 'updated', alert, at });
      return 0;
    }
    return severityRaised(tx, alert, raisedFrom, at, events, extra);
  }

  async function severityRaised(
    tx: AlertWrites,
    alert: Alert,
    raisedFrom: Alert['severity'],
    at: number,
    events: AlertEvent[],
    extra: Record<string, unknown>,
  ): Promise<number> {
    await tx.appendTransition({
      alertId: alert.id,
      kind: 'severity_raised',
      at,
      actor: SYSTEM_ACTOR,
      fromState: alert.state,
      toState: alert.state,
      data: { from: raisedFrom, to: alert.severity, ...extra },
    });
    events.push({ type: 'severity_raised', alert, at });
    return queue(tx, 'severity_raised', alert, notifiedUnits(alert));
  }

  /** Opens an alert about the window [start, end) and queues "opened"; call inside a transaction. */
  async function openAlert(
    tx: AlertWrites,
    input: { stationId: string; rule: RuleId; start: number; end: number },
    severity: Alert['severity'],
    finding: NonNullable<Alert['latest']>,
    detection: Detection | null,
    at: number,
    extra: Record<string, unknown> = {},
  ): Promise<{ alert: Alert; queued: number }> {
    const alert = await tx.insertAlert({
      rule: input.rule,
      stationId: input.stationId,
      category: RULE_CATEGORY[input.rule],
      severity,
      at,
      latest: finding,
      windowStart: input.start,
      windowEnd: input.end,
      detection,
    });
    await tx.appendTransition({
      alertId: alert.id,
      kind: 'opened',
      at,
      actor: SYSTEM_ACTOR,
      fromState: null,
      toState: 'open',
      data: {
        severity,
        windowStart: input.start,
        windowEnd: input.end,
        ...(detection ? { detection } : {}),
        ...extra,
      },
    });
    return { alert, queued: await queue(tx, 'opened', alert, chainFor(alert).slice(0, 1)) };
  }

  async function applyOutcome(input: {
    stationId: string;
    rule: RuleId;
    start: number;
    end: number;
    outcome: RuleOutcome;
    detection?: Detection;
  }): Promise<EvaluationResult> {
    const settings = settingsForStation(options.settings, catalog.station(input.stationId)?.alerts);
    const events: AlertEvent[] = [];
    let queued = 0;
    const result = await store.transaction(async (tx): Promise<EvaluationResult> => {
      const at = now();
      const current = await tx.openAlert(input.rule, input.stationId);
      const decision = decide(current, input.outcome, settings.hysteresisWindows);
      let alert: Alert | undefined = current;
      const finding = input.outcome.kind === 'violation' ? input.outcome.finding : undefined;
      switch (decision.action) {
        case 'open': {
          const opened = await openAlert(tx, input, decision.severity, finding!, input.detection ?? null, at);
          alert = opened.alert;
          queued += opened.queued;
          events.push({ type: 'opened', alert, at });
          break;
        }
        case 'update': {
          alert = await tx.updateAlert(current!.id, {
            severity: decision.severity,
            count: current!.count + 1,
            compliantStreak: 0,
            latest: finding!,
            windowStart: Math.min(current!.windowStart, input.start),
            windowEnd: Math.max(current!.windowEnd, input.end),
            updatedAt: at,
          });
          queued += await updated(tx, alert, decision.severityRaised ? current!.severity : undefined, at, events);
          break;
        }
        case 'streak':
          alert = await tx.updateAlert(current!.id, { compliantStreak: decision.compliantStreak, updatedAt: at });
          break;
        case 'resolve': {
          const resolved = await resolveBySystem(tx, current!, at, events, {
            reason: `${decision.compliantStreak} consecutive compliant windows`,
            compliantStreak: decision.compliantStreak,
          });
          alert = resolved.alert;
          queued += resolved.queued;
          break;
        }
        case 'none':
          break;
      }
      // Recorded last, in the same transaction: a window is either fully applied or not at all.
      const first = await tx.markProcessed({
        rule: input.rule,
        stationId: input.stationId,
        start: input.start,
        end: input.end,
        outcome: input.outcome.kind,
        severity: finding?.severity ?? null,
        alertId: alert?.id ?? null,
        at,
      });
      if (!first) throw new AlreadyProcessed();
      return { status: 'processed', outcome: input.outcome, decision: decision.action, ...(alert ? { alert } : {}) };
    });
    emit(events);
    if (queued > 0) options.outbox?.nudge();
    return result;
  }

  type RejudgeInput = { stationId: string; rule: RuleId; start: number; end: number; cause: TouchCause };

  /**
   * Applies re-judgments in order in one transaction (each joins it): a back-filled day of a station is one commit
   * (synchronous=FULL), not one per window. Listeners and the outbox hear of them once it committed.
   */
  async function applyRejudgments(
    items: readonly { input: RejudgeInput; outcome: RuleOutcome }[],
    inBatch?: (tx: AlertStoreOps) => Promise<void>,
  ): Promise<RejudgeResult[]> {
    const batch = { events: [] as AlertEvent[], queued: 0 };
    const results = await store.transaction(async (tx) => {
      // What the batch needs read once, its writes made once at the end (rejudge-batch.ts).
      const ops = await rejudgeBatch(
        tx,
        items.map((i) => i.input),
      );
      const out: RejudgeResult[] = [];
      for (const { input, outcome } of items) out.push(await applyRejudgment(input, outcome, ops, batch));
      await ops.flush();
      if (inBatch) await inBatch(tx);
      return out;
    });
    emit(batch.events);
    if (batch.queued > 0) options.outbox?.nudge();
    return results;
  }

  /** Applies a re-judgment's decision and records the new verdict, inside the batch's transaction. */
  async function applyRejudgment(
    input: RejudgeInput,
    outcome: RuleOutcome,
    /** The batch's transaction (applyRejudgments) and what it tells listeners and the outbox once committed. */
    tx: RejudgeOps,
    batch: { events: AlertEvent[]; queued: number },
  ): Promise<RejudgeResult> {
    const settings = settingsForStation(options.settings, catalog.station(input.stationId)?.alerts);
    const { events } = batch;
    let queued = 0;
    const window = { windowStart: input.start, windowEnd: input.end };
    const at = now();
    const previous = await tx.windowVerdict(input.rule, input.stationId, input.start, input.end);
    if (!previous) return { status: 'not_judged' };
    const active = await tx.openAlert(input.rule, input.stationId);
    // Read once: in this transaction nothing changes an alert between here and the decision's effects.
    const read = (id: number) => (active?.id === id ? active : tx.get(id));
    const countedAlert = previous.alertId !== null ? await read(previous.alertId) : undefined;
    const decision = decideRejudgment({
      previous,
      next: outcome,
      active,
      ...(countedAlert
        ? {
            counted: {
              active: countedAlert.state !== 'resolved',
              otherViolatingWindows: (await tx.violatingWindows(countedAlert.id)).filter(
                (w) => w.start !== input.start || w.end !== input.end,
              ).length,
            },
          }
        : {}),
    });
    if (decision.action === 'unchanged') return { status: 'unchanged', outcome, decision: 'unchanged' };
    const finding = outcome.kind === 'violation' ? outcome.finding : undefined;
    const note = { ...window, from: previous.outcome, to: outcome.kind, cause: input.cause };
    let alert: Alert | undefined;
    switch (decision.action) {
      case 'open': {
        const opened = await openAlert(tx, input, decision.severity, finding!, input.cause, at, { rejudged: true });
        alert = opened.alert;
        queued += opened.queued;
        events.push({ type: 'opened', alert, at });
        // Where the hysteresis stands after the windows already judged since this one.
        const later = await tx.verdictsAfter(input.rule, input.stationId, input.start);
        const replay = replayLaterWindows(later, settings.hysteresisWindows);
        if (replay.resolved) {
          const reason = `${replay.compliantStreak} consecutive compliant windows`;
          alert = await tx.updateAlert(alert.id, {
            state: 'resolved',
            compliantStreak: replay.compliantStreak,
            resolvedBy: SYSTEM_ACTOR,
            resolvedAt: at,
            resolveReason: reason,
          });
          await tx.appendTransition({
            alertId: alert.id,
            kind: 'resolved',
            at,
            actor: SYSTEM_ACTOR,
            fromState: 'open',
            toState: 'resolved',
            note: reason,
          });
          queued += await queue(tx, 'resolved', alert, notifiedUnits(alert));
          events.push({ type: 'resolved', alert, at });
        } else if (replay.compliantStreak > 0) {
          alert = await tx.updateAlert(alert.id, { compliantStreak: replay.compliantStreak });
        }
        break;
      }
      case 'count': {
        const current = (await read(decision.alertId))!;
        const newest = input.end >= current.windowEnd;
        alert = await tx.updateAlert(current.id, {
          severity: decision.severity,
          count: current.count + (decision.added ? 1 : 0),
          windowStart: Math.min(current.windowStart, input.start),
          windowEnd: Math.max(current.windowEnd, input.end),
          ...(newest ? { latest: finding! } : {}),
          updatedAt: at,
        });
        await rejudgedOnTimeline(tx, alert, at, note);
        queued += await updated(tx, alert, decision.severityRaised ? current.severity : undefined, at, events, {
          ...window,
          cause: input.cause,
        });
        break;
      }
      case 'withdraw': {
        const current = (decision.alertId === countedAlert?.id ? countedAlert : await tx.get(decision.alertId))!;
        await rejudgedOnTimeline(tx, current, at, note);
        alert = current;
        if (decision.resolve) {
          const resolved = await resolveCorrected(tx, current, at, events, { ...window, cause: input.cause });
          alert = resolved.alert;
          queued += resolved.queued;
        }
        break;
      }
      case 'record':
        break;
    }
    if (alert && alert.state !== 'resolved' && (decision.action === 'count' || decision.action === 'withdraw')) {
      const settled = await settleAlert(tx, alert, input, outcome, settings.hysteresisWindows, at, events);
      alert = settled.alert;
      queued += settled.queued;
    }
    const alertId =
      decision.action === 'record'
        ? decision.alertId
        : decision.action === 'withdraw'
          ? decision.alertId
          : (alert?.id ?? null);
    await tx.rejudged({
      rule: input.rule,
      stationId: input.stationId,
      start: input.start,
      end: input.end,
      outcome: outcome.kind,
      severity: finding?.severity ?? null,
      alertId,
      cause: input.cause,
      at,
    });
    // Queued only here: the earlier returns queue nothing.
    batch.queued += queued;
    return { status: 'changed', outcome, decision: decision.action, ...(alert ? { alert } : {}) };
  }

  /**
   * After a window of an active alert was re-judged, the alert follows its windows as they are now: its severity is
   * the worst of the windows still violating (a correction that removes part of a violation lowers it), its count
   * theirs, and its compliant streak what the windows judged after the last of them say (lifecycle.ts hysteresis;
   * when they already make the streak, it is resolved "data corrected"). Inside the batch's transaction.
   */
  async function settleAlert(
    tx: RejudgeOps,
    alert: Alert,
    input: RejudgeInput,
    outcome: RuleOutcome,
    hysteresisWindows: number,
    at: number,
    events: AlertEvent[],
  ): Promise<{ alert: Alert; queued: number }> {
    // This window's new verdict is recorded after this: count it as it is now.
    const windows = (await tx.violatingWindows(alert.id)).filter((w) => w.start !== input.start || w.end !== input.end);
    if (outcome.kind === 'violation')
      windows.push({ start: input.start, end: input.end, severity: outcome.finding.severity });
    if (windows.length === 0) return { alert, queued: 0 };
    const known = windows.every((w) => w.severity !== null); // windows judged before schema 2 have none
    const worst = windows.reduce<Severity>(
      (a, w) => (w.severity !== null && severityRank(w.severity) > severityRank(a) ? w.severity : a),
      'info',
    );
    const last = Math.max(...windows.map((w) => w.start));
    const later = (await tx.verdictsAfter(alert.rule, alert.stationId, last)).map((v) =>
      v.start === input.start && v.end === input.end ? { ...v, outcome: outcome.kind } : v,
    );
    const replay = replayLaterWindows(later, hysteresisWindows);
    const lowered = known && severityRank(worst) < severityRank(alert.severity);
    const changes = {
      ...(lowered ? { severity: worst } : {}),
      ...(windows.length < alert.count ? { count: windows.length } : {}),
      ...(replay.compliantStreak !== alert.compliantStreak ? { compliantStreak: replay.compliantStreak } : {}),
    };
    let settled = alert;
    if (Object.keys(changes).length > 0) {
      settled = await tx.updateAlert(alert.id, { ...changes, updatedAt: at });
      await rejudgedOnTimeline(tx, alert, at, {
        windowStart: input.start,
        windowEnd: input.end,
        cause: input.cause,
        ...(lowered ? { severity: { from: alert.severity, to: worst } } : {}),
        ...(changes.count !== undefined ? { count: { from: alert.count, to: changes.count } } : {}),
        ...(changes.compliantStreak !== undefined
          ? { compliantStreak: { from: alert.compliantStreak, to: changes.compliantStreak } }
          : {}),
      });
      events.push({ type: 'updated', alert: settled, at });
    }
    if (!replay.resolved) return { alert: settled, queued: 0 };
    return resolveCorrected(tx, settled, at, events, { compliantStreak: replay.compliantStreak, cause: input.cause });
  }

  /** A `rejudged` row on the alert's timeline: which window, the verdict before and after, what changed. */
  function rejudgedOnTimeline(tx: AlertWrites, alert: Alert, at: number, data: Record<string, unknown>) {
    return tx.appendTransition({
      alertId: alert.id,
      kind: 'rejudged',
      at,
      actor: SYSTEM_ACTOR,
      fromState: alert.state,
      toState: alert.state,
      data,
    });
  }

  /**
   * Resolves an alert by the system — after enough compliant windows, or "data corrected" (数据已更正) — and queues
   * the notification; inside a transaction.
   */
  async function resolveBySystem(
    tx: AlertWrites,
    current: Alert,
    at: number,
    events: AlertEvent[],
    how: { reason: string; compliantStreak?: number; data?: Record<string, unknown> },
  ): Promise<{ alert: Alert; queued: number }> {
    const alert = await tx.updateAlert(current.id, {
      state: 'resolved',
      ...(how.compliantStreak !== undefined ? { compliantStreak: how.compliantStreak } : {}),
      resolvedBy: SYSTEM_ACTOR,
      resolvedAt: at,
      resolveReason: how.reason,
      updatedAt: at,
    });
    await tx.appendTransition({
      alertId: alert.id,
      kind: 'resolved',
      at,
      actor: SYSTEM_ACTOR,
      fromState: current.state,
      toState: 'resolved',
      note: how.reason,
      ...(how.data ? { data: how.data } : {}),
    });
    events.push({ type: 'resolved', alert, at });
    return { alert, queued: await queue(tx, 'resolved', alert, notifiedUnits(alert)) };
  }

  /** Resolves an alert "data corrected" (数据已更正): none of its windows violates any more. */
  const resolveCorrected = (
    tx: AlertWrites,
    current: Alert,
    at: number,
    events: AlertEvent[],
    data: Record<string, unknown>,
  ) =>
    resolveBySystem(tx, current, at, events, { reason: DATA_CORRECTED, data: { reason: 'data_corrected', ...data } });

  type RejudgePair = Parameters<AlertService['rejudgeWindows']>[0][number];
  type Judged = { judged: { input: RejudgeInput; outcome: RuleOutcome }[]; results: (RejudgeResult | undefined)[] };

  /** Which of a pair's windows were judged: one read for the pair (from its oldest window on), not one per window. */
  async function judgedWindows(pair: RejudgePair): Promise<Set<string>> {
    const oldest = Math.min(...pair.windows.map((w) => w.start));
    return new Set(
      (await store.verdictsAfter(pair.rule, pair.stationId, oldest - 1)).map((v) => `${v.start}:${v.end}`),
    );
  }

  /** Runs the rule on a pair's windows, oldest first (reads only); a failure stops the pair there. */
  async function judgePair(
    pair: RejudgePair,
    judgedOf: (pair: RejudgePair) => Promise<Set<string>>,
  ): Promise<Judged & { failure?: Error }> {
    const out: Judged & { failure?: Error } = { judged: [], results: [] };
    const station = catalog.station(pair.stationId);
    if (!station || !runner.rulesFor(station).includes(pair.rule)) {
      out.results = pair.windows.map(() => ({ status: 'not_applicable' }));
      return out;
    }
    const judged = await judgedOf(pair);
    for (const w of pair.windows) {
      if (!judged.has(`${w.start}:${w.end}`)) {
        out.results.push({ status: 'not_judged' });
        continue;
      }
      try {
        // From memory once the span's read has arrived (no promise per window), else through the store.
        const outcome =
          runner.runNow(pair.rule, station, w.start, w.end, pair.readings) ??
          (await runner.run(pair.rule, station, w.start, w.end, pair.readings));
        out.judged.push({ input: { stationId: pair.stationId, rule: pair.rule, ...w }, outcome });
        out.results.push(undefined);
      } catch (err) {
        // The windows before it are applied; this one and the later ones wait, to stay in order.
        out.failure = err as Error;
        break;
      }
    }
    return out;
  }

  async function rejudge(
    pairs: Parameters<AlertService['rejudgeWindows']>[0],
    concurrency = 4,
    inBatch?: Parameters<AlertService['rejudgeWindows']>[2],
  ): ReturnType<AlertService['rejudgeWindows']> {
    // The rules first, for every window (reads, perhaps from one span read), then all effects in one transaction.
    const judged: (Judged & { failure?: Error })[] = new Array(pairs.length);
    const judgedReads = new Map<RejudgePair, Promise<Set<string>>>();
    const judgedOf = (pair: RejudgePair) => {
      let read = judgedReads.get(pair);
      if (!read) {
        read = judgedWindows(pair);
        read.catch(() => {}); // awaited by the pair's worker, which reports it
        judgedReads.set(pair, read);
      }
      return read;
    };
    let next = 0;
    const worker = async () => {
      while (next < pairs.length) {
        const i = next++;
        judged[i] = await judgePair(pairs[i]!, judgedOf);
      }
    };
    const workers = Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), pairs.length) }, worker));
    // The other pairs' judged windows are read while the first workers' rules wait for the span read (sent by now),
    // not one by one after its answer.
    let judging = true;
    setImmediate(() => {
      if (judging) for (const pair of pairs) judgedOf(pair);
    });
    await workers.finally(() => (judging = false));
    const items = judged.flatMap((j) => j.judged);
    const failed = judged.some((j) => j.failure);
    const applied = items.length > 0 ? await applyRejudgments(items, failed ? undefined : inBatch) : [];
    let k = 0;
    return judged.map((j, p) => {
      const results = j.results.map((r) => r ?? applied[k++]!);
      results.forEach((result, i) => {
        if (result.status !== 'changed') return;
        const pair = pairs[p]!;
        const w = pair.windows[i]!;
        log.info(
          {
            stationId: pair.stationId,
            rule: pair.rule,
            start: w.start,
            end: w.end,
            cause: w.cause,
            outcome: result.outcome?.kind,
            decision: result.decision,
          },
          'window re-judged after its data changed',
        );
      });
      return { results, ...(j.failure ? { failure: j.failure } : {}) };
    });
  }

  return {
    rulesFor: (stationId) => runner.rulesFor(stationOrThrow(stationId)),

    spanReadings: (spans) =>
      spanReadings(
        readings,
        spans.map((s) => ({ ...s, parameters: catalog.station(s.stationId)?.parameters ?? [] })),
      ),

    async rejudgeWindow({ start, end, cause, ...pair }) {
      const [{ results, failure }] = (await rejudge([{ ...pair, windows: [{ start, end, cause }] }])) as [
        { results: RejudgeResult[]; failure?: Error },
      ];
      if (failure) throw failure;
      return results[0]!;
    },

    rejudgeWindows: rejudge,

    async evaluateWindow(input) {
      const station = stationOrThrow(input.stationId);
      if (!(input.end > input.start)) throw new TransitionError('a window needs end > start', 'invalid_input');
      if (await store.isProcessed(input.rule, input.stationId, input.start, input.end))
        return { status: 'already_processed' };
      if (!runner.rulesFor(station).includes(input.rule)) return { status: 'not_applicable' };
      const outcome = await runner.run(input.rule, station, input.start, input.end);
      try {
        const result = await applyOutcome({ ...input, outcome });
        log.debug(
          {
            stationId: input.stationId,
            rule: input.rule,
            start: input.start,
            end: input.end,
            outcome: outcome.kind,
            decision: result.decision,
          },
          'window evaluated',
        );
        return result;
      } catch (err) {
        // Two evaluations of one window raced (e.g. a manual run during a job): the second is a no-op.
        if (err instanceof AlreadyProcessed) return { status: 'already_processed' };
        throw err;
      }
    },

    async applyOutcome(input) {
      try {
        return await applyOutcome(input);
      } catch (err) {
        if (err instanceof AlreadyProcessed) return { status: 'already_processed' };
        throw err;
      }
    },

    async acknowledge(id, actor, note) {
      const at = now();
      const alert = await store.transaction(async (tx) => {
        const current = await tx.get(id);
        if (!current) throw new TransitionError(`alert ${id} not found`, 'not_found');
        assertCanAcknowledge(current.state);
        const updated = await tx.updateAlert(id, {
          state: 'acknowledged',
          acknowledgedBy: actor,
          acknowledgedAt: at,
          acknowledgeNote: note ?? null,
          updatedAt: at,
        });
        await tx.appendTransition({
          alertId: id,
          kind: 'acknowledged',
          at,
          actor,
          fromState: current.state,
          toState: 'acknowledged',
          note: note ?? null,
        });
        return updated;
      });
      emit([{ type: 'acknowledged', alert, at }]);
      return alert;
    },

    async resolve(id, actor, reason) {
      const at = now();
      let queued = 0;
      const alert = await store.transaction(async (tx) => {
        const current = await tx.get(id);
        if (!current) throw new TransitionError(`alert ${id} not found`, 'not_found');
        assertCanResolve(current.state, reason);
        const updated = await tx.updateAlert(id, {
          state: 'resolved',
          resolvedBy: actor,
          resolvedAt: at,
          resolveReason: reason,
          updatedAt: at,
        });
        await tx.appendTransition({
          alertId: id,
          kind: 'resolved',
          at,
          actor,
          fromState: current.state,
          toState: 'resolved',
          note: reason,
        });
        queued = await queue(tx, 'resolved', updated, notifiedUnits(updated));
        return updated;
      });
      emit([{ type: 'resolved', alert, at }]);
      if (queued > 0) options.outbox?.nudge();
      return alert;
    },

    list: (filter) => store.list(filter),

    async get(id) {
      const alert = await store.get(id);
      if (!alert) return undefined;
      const [timeline, notifications] = await Promise.all([store.timeline(id), store.notifications(id)]);
      return {
        alert,
        timeline,
        notifications: notifications.map((n) => ({
          id: n.id,
          state: n.state,
          attempts: n.attempts,
          createdAt: n.createdAt,
          deliveredAt: n.deliveredAt,
          lastError: n.lastError,
          channel: n.channel.type,
          event: n.notification.event,
          unitId: n.notification.unit?.id ?? null,
        })),
      };
    },

    async escalateDue(at = now()) {
      const escalated: Alert[] = [];
      let queued = 0;
      for (const candidate of await store.activeAlerts()) {
        const chain = chainFor(candidate);
        const current = chain[candidate.escalationLevel];
        const severity = candidate.severity;
        const unitDelay = severity === 'info' ? undefined : current?.escalate_after?.[severity];
        const delay = unitDelay ?? options.settings.escalation[severity];
        if (!escalationDue(candidate, at, delay, chain.length)) continue;
        const alert = await store.transaction(async (tx) => {
          // Re-read inside the transaction: an acknowledgement may have landed meanwhile.
          const fresh = await tx.get(candidate.id);
          if (!fresh || !escalationDue(fresh, at, delay, chain.length)) return undefined;
          const level = fresh.escalationLevel + 1;
          const unit = chain[level]!;
          const updated = await tx.updateAlert(fresh.id, { escalationLevel: level, escalatedAt: at, updatedAt: at });
          await tx.appendTransition({
            alertId: fresh.id,
            kind: 'escalated',
            at,
            actor: SYSTEM_ACTOR,
            fromState: fresh.state,
            toState: fresh.state,
            data: { level, unitId: unit.id, afterMs: at - fresh.escalatedAt },
          });
          queued += await queue(tx, 'escalated', updated, [unit], {
            escalation: { unit, unacknowledgedMs: at - fresh.openedAt },
          });
          return updated;
        });
        if (alert) {
          escalated.push(alert);
          emit([{ type: 'escalated', alert, at }]);
        }
      }
      if (queued > 0) options.outbox?.nudge();
      return escalated;
    },

    lastProcessedEnd: (rule, stationId) => store.lastProcessedEnd(rule, stationId),

    subscribe(listener) {
      emitter.on('alert', listener);
      return () => emitter.off('alert', listener);
    },
  };
}

class AlreadyProcessed extends Error {
  constructor() {
    super('window already processed');
  }
}
