/**
 * Data gap: no valid reading for longer than `gapFactor` × the reporting interval → station offline.
 * An equipment alert for the maintainer, never a pollution alert: with no data the pollution rules answer
 * "insufficient data" and stay silent.
 */
import type { RuleOutcome, Severity } from '../types.js';

export interface OfflineInput {
  stationId: string;
  /** Evaluation time. */
  at: number;
  intervalMs: number;
  gapFactor: number;
  /** Valid readings (flags N, T) received in [at − gapFactor × interval, at). */
  validInGap: number;
  /** Readings with other flags in the same span (the station talks, but nothing counts). */
  invalidInGap: number;
  /** Last valid reading before `at`, when known. */
  lastSeenAt: number | null;
  severity: Severity;
}

export function offlineGapMs(intervalMs: number, gapFactor: number): number {
  return intervalMs * gapFactor;
}

export function evaluateOffline(input: OfflineInput): RuleOutcome {
  if (input.validInGap > 0) return { kind: 'compliant' };
  const gap = offlineGapMs(input.intervalMs, input.gapFactor);
  return {
    kind: 'violation',
    finding: {
      rule: 'station_offline',
      stationId: input.stationId,
      severity: input.severity,
      windowStart: input.at - gap,
      windowEnd: input.at,
      lastSeenAt: input.lastSeenAt,
      items: [],
      ...(input.invalidInGap > 0 ? { note: `${input.invalidInGap} readings received, none valid` } : {}),
    },
  };
}
