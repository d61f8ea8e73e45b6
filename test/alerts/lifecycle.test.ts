import { describe, expect, it } from 'vitest';
import { assertCanAcknowledge, assertCanResolve, decide, escalationDue } from '../../src/alerts/lifecycle.js';
import { defaultAlertSettings, settingsForStation } from '../../src/alerts/settings.js';
import type { Finding, RuleOutcome } from '../../src/alerts/types.js';

const finding = (severity: Finding['severity']): RuleOutcome => ({
  kind: 'violation',
  finding: { rule: 'section_compliance', stationId: 's', severity, windowStart: 0, windowEnd: 1, items: [] },
});
const compliant: RuleOutcome = { kind: 'compliant' };
const insufficient: RuleOutcome = { kind: 'insufficient', reason: 'few' };
const open = (
  over: Partial<{
    state: 'open' | 'acknowledged' | 'resolved';
    severity: Finding['severity'];
    compliantStreak: number;
  }> = {},
) => ({
  state: 'open' as const,
  severity: 'warning' as const,
  compliantStreak: 0,
  ...over,
});

describe('lifecycle decisions (pure)', () => {
  it('opens on a violation with no open alert; a resolved alert does not count as open', () => {
    expect(decide(undefined, finding('warning'), 2)).toEqual({ action: 'open', severity: 'warning' });
    expect(decide(open({ state: 'resolved' }), finding('critical'), 2)).toEqual({
      action: 'open',
      severity: 'critical',
    });
  });

  it('updates an open alert, keeping the worst severity', () => {
    expect(decide(open(), finding('critical'), 2)).toEqual({
      action: 'update',
      severity: 'critical',
      severityRaised: true,
    });
    expect(decide(open({ severity: 'critical' }), finding('warning'), 2)).toEqual({
      action: 'update',
      severity: 'critical',
      severityRaised: false,
    });
    expect(decide(open({ state: 'acknowledged' }), finding('warning'), 2).action).toBe('update');
  });

  it('resolves only after N consecutive compliant windows; insufficient data neither counts nor breaks the streak', () => {
    expect(decide(open(), compliant, 2)).toEqual({ action: 'streak', compliantStreak: 1 });
    expect(decide(open({ compliantStreak: 1 }), compliant, 2)).toEqual({ action: 'resolve', compliantStreak: 2 });
    expect(decide(open({ compliantStreak: 1 }), insufficient, 2)).toEqual({ action: 'none' });
    expect(decide(open(), compliant, 1)).toEqual({ action: 'resolve', compliantStreak: 1 });
    expect(decide(undefined, compliant, 2)).toEqual({ action: 'none' });
    expect(decide(undefined, insufficient, 2)).toEqual({ action: 'none' });
  });

  it('guards manual transitions', () => {
    expect(() => assertCanAcknowledge('open')).not.toThrow();
    expect(() => assertCanAcknowledge('acknowledged')).toThrow(/cannot be acknowledged/);
    expect(() => assertCanAcknowledge('resolved')).toThrow();
    expect(() => assertCanResolve('acknowledged', 'fixed')).not.toThrow();
    expect(() => assertCanResolve('open', '')).toThrow(/reason/);
    expect(() => assertCanResolve('resolved', 'x')).toThrow(/already/);
  });

  it('escalates open, unacknowledged alerts after the delay, up to the top of the chain', () => {
    const alert = { state: 'open' as const, severity: 'critical' as const, escalationLevel: 0, escalatedAt: 1_000 };
    expect(escalationDue(alert, 1_000 + 1_799_999, 1_800_000, 2)).toBe(false);
    expect(escalationDue(alert, 1_000 + 1_800_000, 1_800_000, 2)).toBe(true);
    expect(escalationDue({ ...alert, state: 'acknowledged' }, 1e12, 1_800_000, 2)).toBe(false);
    expect(escalationDue({ ...alert, escalationLevel: 1 }, 1e12, 1_800_000, 2)).toBe(false);
    expect(escalationDue(alert, 1e12, null, 2)).toBe(false);
  });
});

describe('settings', () => {
  it('has documented defaults', () => {
    const s = defaultAlertSettings();
    expect(s).toMatchObject({
      sectionRoles: ['outbound'],
      sectionWindow: 4 * 3_600_000,
      minValidShare: 0.75,
      hysteresisWindows: 2,
    });
    expect(s.offline).toMatchObject({ gapFactor: 3, after: null });
    expect(s.escalation).toEqual({ info: null, warning: 2 * 3_600_000, critical: 30 * 60_000 });
    expect(defaultAlertSettings({ sectionWindow: '1h', escalation: { critical: '15m' } })).toMatchObject({
      sectionWindow: 3_600_000,
      escalation: { critical: 900_000 },
    });
    expect(() => defaultAlertSettings({ sectionWindow: '4 hours' })).toThrow();
  });

  it('applies a station’s catalog overrides on top', () => {
    const s = settingsForStation(defaultAlertSettings(), {
      min_valid_share: 0.5,
      resolve_after_windows: 3,
      window: 3_600_000,
      early_warning: false,
      early_warning_horizon: 7_200_000,
      offline_after: 600_000,
      stuck_after: 3_600_000,
      thresholds: { conductivity: { max: 1500 } },
    });
    expect(s).toMatchObject({
      minValidShare: 0.5,
      hysteresisWindows: 3,
      sectionWindow: 3_600_000,
      thresholds: { conductivity: { max: 1500 } },
    });
    expect(s.earlyWarning).toMatchObject({ enabled: false, horizon: 7_200_000, trendSpan: 6 * 3_600_000 });
    expect(s.offline.after).toBe(600_000);
    expect(s.health.stuckSpan).toBe(3_600_000);
  });
});
