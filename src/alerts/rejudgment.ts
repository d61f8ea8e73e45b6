/**
 * Re-judgment of a window whose data changed after it was judged (issue 14, docs/adr/0013-rejudgment.md), the pure
 * part: what the new verdict does to the alerts, given the window's previous verdict. The service applies it in one
 * transaction with the new verdict. Nothing is ever deleted: an alert a correction takes away is resolved "data
 * corrected" on its timeline; one a late violation brings is opened for its past window, saying it was found late.
 */
import type { WindowVerdict } from './alert-store.js';
import { severityRank, type Alert, type RuleOutcome, type Severity } from './types.js';

/** The resolve reason of an alert whose every violating window was corrected away (数据已更正). */
export const DATA_CORRECTED = 'data corrected';

export type RejudgeDecision =
  /** Same verdict as before: nothing to do, nothing recorded (re-judging is idempotent). */
  | { action: 'unchanged' }
  /** The verdict changed without an alert effect (compliant ↔ insufficient, or an alert already closed). */
  | { action: 'record'; alertId: number | null }
  /** A violation now, counted into the active alert; `added` when the window did not count before. */
  | { action: 'count'; alertId: number; severity: Severity; severityRaised: boolean; added: boolean }
  /** A violation now and no active alert: open one about this past window. */
  | { action: 'open'; severity: Severity }
  /**
   * The window no longer violates: it leaves the alert it counted into, which is resolved "data corrected" when no
   * violating window is left and it is still active.
   */
  | { action: 'withdraw'; alertId: number; resolve: boolean };

export interface RejudgeContext {
  previous: Pick<WindowVerdict, 'outcome' | 'severity' | 'alertId'>;
  next: RuleOutcome;
  /** The open or acknowledged alert of (rule, station), if any. */
  active: Pick<Alert, 'id' | 'severity'> | undefined;
  /** The alert the window counted into: whether it is still active, and its other violating windows. */
  counted?: { active: boolean; otherViolatingWindows: number };
}

export function decideRejudgment(c: RejudgeContext): RejudgeDecision {
  const { previous, next, active } = c;
  const severity = next.kind === 'violation' ? next.finding.severity : null;
  if (previous.outcome === next.kind && previous.severity === severity) return { action: 'unchanged' };
  if (next.kind === 'violation') {
    const sev = next.finding.severity;
    const wasCounted = previous.outcome === 'violation';
    if (wasCounted && previous.alertId !== null && previous.alertId !== active?.id) {
      // Counted into an alert that is closed now: the record changes, that alert stays closed.
      return { action: 'record', alertId: previous.alertId };
    }
    if (!active) return { action: 'open', severity: sev };
    const raised = severityRank(sev) > severityRank(active.severity);
    return {
      action: 'count',
      alertId: active.id,
      severity: raised ? sev : active.severity,
      severityRaised: raised,
      added: !wasCounted,
    };
  }
  if (previous.outcome === 'violation' && previous.alertId !== null) {
    const counted = c.counted ?? { active: false, otherViolatingWindows: 0 };
    return {
      action: 'withdraw',
      alertId: previous.alertId,
      resolve: counted.active && counted.otherViolatingWindows === 0,
    };
  }
  return { action: 'record', alertId: previous.alertId };
}

/**
 * After an alert is opened for a past window, the windows judged after it say where the hysteresis stands (the same
 * rule as lifecycle.ts: a violation resets the streak, insufficient data neither counts nor resets it): its
 * compliant streak, or that it would have resolved already (then it is resolved now, with that reason).
 */
export function replayLaterWindows(
  later: readonly Pick<WindowVerdict, 'outcome'>[],
  hysteresisWindows: number,
): { compliantStreak: number; resolved: boolean } {
  let streak = 0;
  for (const v of later) {
    if (v.outcome === 'violation') streak = 0;
    else if (v.outcome === 'compliant' && ++streak >= hysteresisWindows)
      return { compliantStreak: streak, resolved: true };
  }
  return { compliantStreak: streak, resolved: false };
}
