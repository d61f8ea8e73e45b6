/**
 * The alert lifecycle as a pure state machine: what a rule outcome does to the open alert of its
 * (rule, station), when a person may acknowledge or resolve, and when an alert escalates. The service applies
 * the decisions to the store in one transaction each.
 *
 *   (none) ──violation──▶ open ──ack──▶ acknowledged
 *                          │  ╲            │
 *                          │   ╲ N consecutive compliant windows, or a person with a reason
 *                          ▼    ▼          ▼
 *                                resolved
 */
import type { Alert, AlertState, RuleOutcome, Severity } from './types.js';
import { severityRank } from './types.js';

export type LifecycleDecision =
  /** No open alert and a violation: open one. */
  | { action: 'open'; severity: Severity }
  /** A violation on an open alert: count it, keep the worst severity, reset the compliant streak. */
  | { action: 'update'; severity: Severity; severityRaised: boolean }
  /** A compliant window on an open alert, not yet enough to resolve. */
  | { action: 'streak'; compliantStreak: number }
  /** The hysteresis is met: resolve automatically. */
  | { action: 'resolve'; compliantStreak: number }
  /** Nothing to do (compliant with no alert open, or insufficient data). */
  | { action: 'none' };

export type OpenAlertView = Pick<Alert, 'state' | 'severity' | 'compliantStreak'>;

/**
 * Insufficient data neither counts toward the hysteresis nor breaks the streak: an hour of maintenance between
 * two compliant windows should not keep an alert open, and it must not resolve one either.
 */
export function decide(
  current: OpenAlertView | undefined,
  outcome: RuleOutcome,
  hysteresisWindows: number,
): LifecycleDecision {
  const open = current !== undefined && current.state !== 'resolved' ? current : undefined;
  switch (outcome.kind) {
    case 'violation': {
      const severity = outcome.finding.severity;
      if (!open) return { action: 'open', severity };
      const raised = severityRank(severity) > severityRank(open.severity);
      return { action: 'update', severity: raised ? severity : open.severity, severityRaised: raised };
    }
    case 'compliant': {
      if (!open) return { action: 'none' };
      const streak = open.compliantStreak + 1;
      return streak >= hysteresisWindows
        ? { action: 'resolve', compliantStreak: streak }
        : { action: 'streak', compliantStreak: streak };
    }
    case 'insufficient':
      return { action: 'none' };
  }
}

export class TransitionError extends Error {
  constructor(
    message: string,
    readonly code: 'not_found' | 'invalid_transition' | 'invalid_input',
  ) {
    super(message);
    this.name = 'TransitionError';
  }
}

/** Only an open alert can be acknowledged; acknowledging twice is refused rather than overwriting who did it. */
export function assertCanAcknowledge(state: AlertState): void {
  if (state !== 'open') throw new TransitionError(`an ${state} alert cannot be acknowledged`, 'invalid_transition');
}

/** Open and acknowledged alerts can be resolved by a person, who must say why. */
export function assertCanResolve(state: AlertState, reason: string): void {
  if (state === 'resolved') throw new TransitionError('the alert is already resolved', 'invalid_transition');
  if (reason.trim() === '')
    throw new TransitionError('a reason is required to resolve an alert by hand', 'invalid_input');
}

export interface EscalationView {
  state: AlertState;
  severity: Severity;
  escalationLevel: number;
  escalatedAt: number;
}

/**
 * An open, unacknowledged alert escalates to the next unit up the chain once the delay for its severity has
 * passed since the current level was notified. A null delay (e.g. info) never escalates; the top of the chain
 * is the end.
 */
export function escalationDue(
  alert: EscalationView,
  now: number,
  delayMs: number | null | undefined,
  chainLength: number,
): boolean {
  if (alert.state !== 'open') return false;
  if (delayMs === null || delayMs === undefined) return false;
  if (alert.escalationLevel + 1 >= chainLength) return false;
  return now - alert.escalatedAt >= delayMs;
}
