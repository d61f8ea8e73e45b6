/**
 * The alert-store work of one batch of re-judgments (AlertService.rejudgeWindows), inside its one transaction: what
 * the batch needs is read once per (rule, station) — the open alert, the latest verdicts from the batch's oldest
 * window on, the alerts its windows counted into and their violating windows — and the writes are kept until the end
 * of the batch: each alert changed once (its last state), the notifications queued, and the timeline rows and the
 * verdicts with their history rows in a few multi-row statements. Only an alert opened writes at once (its id is
 * needed), after the pending update of its pair's previous alert (which it may replace). A back-fill of 20
 * stations' day (120 windows) was ~1,300 statements, one round of reads and writes per window; it is now ~2 per
 * (rule, station), one per alert opened (its insert) and a few for the batch.
 *
 * It answers the calls the re-judgment makes as the store would at that point of the transaction (the pending writes
 * included). A call it cannot answer from what it read (a window or an alert outside it) writes what is pending and
 * asks the transaction. Atomicity: the batch is one transaction, all of it or nothing (as before); the verdicts and
 * their history rows are written together by `rejudgedMany` (a savepoint for the batch instead of one per window).
 */
import type { AlertPatch, AlertStoreOps, NewAlert, NewTransition, WindowVerdict } from './alert-store.js';
import type { Alert, RuleId, Severity } from './types.js';

/** A value the batch answers from what it read, or the transaction's answer (a store call). */
type Answer<T> = T | Promise<T>;

/**
 * The calls the re-judgment makes in its transaction. The batch answers most of them from memory at once, not
 * through an async function each (a window's decision makes ~15 of them); callers await them, which takes either.
 */
export interface RejudgeOps {
  /** The window's latest verdict (outcome, severity, alert; its cause is not kept here). */
  windowVerdict(
    rule: RuleId,
    stationId: string,
    start: number,
    end: number,
  ): Answer<Pick<WindowVerdict, 'outcome' | 'severity' | 'alertId'> | undefined>;
  openAlert(rule: RuleId, stationId: string): Answer<Alert | undefined>;
  get(id: number): Answer<Alert | undefined>;
  violatingWindows(alertId: number): Answer<{ start: number; end: number; severity: Severity | null }[]>;
  verdictsAfter(rule: RuleId, stationId: string, after: number): Answer<WindowVerdict[]>;
  insertAlert(alert: NewAlert): Promise<Alert>;
  updateAlert(id: number, patch: AlertPatch): Answer<Alert>;
  appendTransition(t: NewTransition): Answer<unknown>;
  enqueue(...entry: Parameters<AlertStoreOps['enqueue']>): Answer<boolean>;
  rejudged(...verdict: Parameters<AlertStoreOps['rejudged']>): Answer<void>;
}

interface PairState {
  /** Latest verdicts of the pair's windows starting at or after `from`, by start (then end). */
  from: number;
  verdicts: WindowVerdict[];
  active: Alert | undefined;
}

const pairKey = (rule: string, stationId: string) => `${rule}\u0000${stationId}`;

/**
 * An alert as the store gives it back after `patch`. The finding is the rule's object itself, not its JSON copy
 * (a copy per window cost more than the rest of the update): the same values, where a property left undefined reads
 * as absent either way (rules' findings hold finite numbers).
 */
function patched(alert: Alert, patch: AlertPatch): Alert {
  const next: Record<string, unknown> = { ...alert };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) next[key] = value;
  return next as unknown as Alert;
}

/**
 * Reads what re-judging these windows needs (their pairs' state) in `tx`, and returns the calls answered from it;
 * `flush()` writes what is pending (call it before the transaction commits).
 */
export async function rejudgeBatch(
  tx: AlertStoreOps,
  windows: readonly { rule: RuleId; stationId: string; start: number }[],
): Promise<RejudgeOps & { flush(): Promise<void> }> {
  const pairs = new Map<string, PairState>();
  const alerts = new Map<number, Alert>();
  /** Alerts whose violating windows all lie in their pair's `verdicts`. */
  const covered = new Set<number>();
  /** Each pair's windows in the batch (their starts) and the oldest of them. */
  const oldest = new Map<string, { rule: RuleId; stationId: string; start: number; starts: Set<number> }>();
  for (const w of windows) {
    const key = pairKey(w.rule, w.stationId);
    const seen = oldest.get(key);
    if (!seen) oldest.set(key, { rule: w.rule, stationId: w.stationId, start: w.start, starts: new Set([w.start]) });
    else {
      seen.start = Math.min(seen.start, w.start);
      seen.starts.add(w.start);
    }
  }
  // In one order (by key) wherever it runs: two instances locking the same pairs do not wait for each other in a ring.
  for (const [key, { rule, stationId, start, starts }] of [...oldest].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )) {
    // First, as every judgment of (rule, station) does: PostgreSQL locks the pair here until the commit.
    const active = await tx.openAlert(rule, stationId);
    let from = start;
    let verdicts = await tx.verdictsAfter(rule, stationId, from - 1);
    // The alerts the batch can change: the open one, and those its windows counted into.
    const ids = new Set<number>();
    if (active) ids.add(active.id);
    for (const v of verdicts) if (v.alertId !== null && starts.has(v.start)) ids.add(v.alertId);
    let lowest = from;
    for (const id of ids) {
      const alert = id === active?.id ? active : await tx.get(id);
      if (!alert) continue;
      alerts.set(id, alert);
      for (const w of await tx.violatingWindows(id)) lowest = Math.min(lowest, w.start);
      covered.add(id);
    }
    if (lowest < from) {
      from = lowest;
      verdicts = await tx.verdictsAfter(rule, stationId, from - 1);
    }
    pairs.set(key, { from, verdicts, active });
  }

  const alertPatches = new Map<number, AlertPatch>();
  const transitions: NewTransition[] = [];
  const rejudgedVerdicts: Parameters<AlertStoreOps['rejudgedMany']>[0][number][] = [];
  const queued: Parameters<AlertStoreOps['enqueue']>[0][] = [];

  /** Writes the pending alert updates (only those of one pair, when given). */
  async function flushAlerts(pair?: { rule: string; stationId: string }) {
    const patches: { id: number; patch: AlertPatch }[] = [];
    for (const [id, patch] of alertPatches) {
      const alert = alerts.get(id)!;
      if (pair && (alert.rule !== pair.rule || alert.stationId !== pair.stationId)) continue;
      patches.push({ id, patch });
      alertPatches.delete(id);
    }
    await tx.updateAlerts(patches);
  }
  async function flush() {
    await flushAlerts();
    await tx.appendTransitions(transitions.splice(0));
    await tx.rejudgedMany(rejudgedVerdicts.splice(0));
    await tx.enqueueMany(queued.splice(0));
  }
  /** Outside what was read: the transaction answers, after the pending writes. */
  async function ask<T>(call: () => Promise<T>): Promise<T> {
    await flush();
    return call();
  }
  const pairOf = (rule: string, stationId: string) => pairs.get(pairKey(rule, stationId));
  const find = (pair: PairState, start: number, end: number) =>
    pair.verdicts.find((v) => v.start === start && v.end === end);

  return {
    flush,
    windowVerdict(rule, stationId, start, end) {
      const pair = pairOf(rule, stationId);
      if (!pair || start < pair.from) return ask(() => tx.windowVerdict(rule, stationId, start, end));
      const v = find(pair, start, end);
      return v && { outcome: v.outcome, severity: v.severity, alertId: v.alertId };
    },
    openAlert(rule, stationId) {
      const pair = pairOf(rule, stationId);
      return pair ? pair.active : ask(() => tx.openAlert(rule, stationId));
    },
    get(id) {
      return alerts.get(id) ?? ask(() => tx.get(id));
    },
    violatingWindows(alertId) {
      const alert = alerts.get(alertId);
      const pair = alert && covered.has(alertId) ? pairOf(alert.rule, alert.stationId) : undefined;
      if (!pair) return ask(() => tx.violatingWindows(alertId));
      return pair.verdicts
        .filter((v) => v.alertId === alertId && v.outcome === 'violation')
        .map((v) => ({ start: v.start, end: v.end, severity: v.severity }));
    },
    verdictsAfter(rule, stationId, after) {
      const pair = pairOf(rule, stationId);
      if (!pair || after < pair.from - 1) return ask(() => tx.verdictsAfter(rule, stationId, after));
      return pair.verdicts.filter((v) => v.start > after).map((v) => ({ ...v }));
    },
    async insertAlert(a) {
      // The alert it replaces may be resolved only in `alertPatches`: one open alert per pair, even mid-batch.
      await flushAlerts(a);
      const alert = await tx.insertAlert(a);
      alerts.set(alert.id, alert);
      const pair = pairOf(a.rule, a.stationId);
      if (pair) {
        pair.active = alert;
        covered.add(alert.id); // its windows are counted from now on, all in the batch
      }
      return alert;
    },
    updateAlert(id, patch) {
      const current = alerts.get(id);
      if (!current) return ask(() => tx.updateAlert(id, patch));
      const next = patched(current, patch);
      alerts.set(id, next);
      const pending: Record<string, unknown> = { ...alertPatches.get(id) };
      for (const [key, value] of Object.entries(patch)) if (value !== undefined) pending[key] = value;
      alertPatches.set(id, pending as AlertPatch);
      const pair = pairOf(next.rule, next.stationId);
      if (pair?.active?.id === id) pair.active = next.state === 'resolved' ? undefined : next;
      return next;
    },
    appendTransition(t) {
      transitions.push(t);
    },
    // Written with the rest at the end. Queued as far as the batch can tell: its messages have fresh (random) ids.
    enqueue(entry) {
      queued.push(entry);
      return true;
    },
    rejudged(v) {
      const pair = pairOf(v.rule, v.stationId);
      const known = pair && v.start >= pair.from ? find(pair, v.start, v.end) : undefined;
      if (!known) return ask(() => tx.rejudged(v));
      known.outcome = v.outcome;
      known.severity = v.severity;
      known.alertId = v.alertId;
      rejudgedVerdicts.push(v);
    },
  };
}
