/**
 * The vocabulary of alerting, shared by the pure rules, the lifecycle, the store and the notifiers.
 * Pure types only: no I/O, nothing from mqtt/hono/pino/stores.
 */
import type { SectionClass, WaterClass } from '../domain/gb3838.js';
import type { ParameterCode } from '../domain/parameters.js';

/** GB 3838 classes as the standards engine names them: a target is I–V, a class reached may be 劣V. */
export type { SectionClass, WaterClass };

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}
export function worseSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

export const RULE_IDS = [
  'section_compliance',
  'early_warning',
  'trend_warning',
  'effluent_hourly',
  'effluent_daily',
  'threshold',
  'station_offline',
  'sensor_stuck',
  'sensor_out_of_range',
  'sensor_spikes',
  'sensor_flags',
  'sensor_check_failed',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/**
 * pollution: the water breaks a standard (to the responsible authority);
 * early_warning: it is about to (预警); offline and maintenance: the equipment, not the water (to the maintainer).
 */
export type AlertCategory = 'pollution' | 'early_warning' | 'offline' | 'maintenance';

/** Who is told first: the station's jurisdiction (the authority) or its maintainer (the operations contractor). */
export type Audience = 'jurisdiction' | 'maintainer';

export const RULE_CATEGORY: Record<RuleId, AlertCategory> = {
  section_compliance: 'pollution',
  early_warning: 'early_warning',
  trend_warning: 'early_warning',
  effluent_hourly: 'pollution',
  effluent_daily: 'pollution',
  threshold: 'pollution',
  station_offline: 'offline',
  sensor_stuck: 'maintenance',
  sensor_out_of_range: 'maintenance',
  sensor_spikes: 'maintenance',
  sensor_flags: 'maintenance',
  sensor_check_failed: 'maintenance',
};

export function audienceOf(rule: RuleId): Audience {
  const category = RULE_CATEGORY[rule];
  return category === 'offline' || category === 'maintenance' ? 'maintainer' : 'jurisdiction';
}

/** One parameter's part in a finding: the value that broke (or nears) a limit, and the limit. */
export interface FindingItem {
  parameter: ParameterCode;
  /** Window mean, latest value or projected value, in the canonical unit. */
  value: number;
  /** The limit it is compared with (upper; the lower bound for DO and pH's low side). */
  limit?: number;
  /** 'max' when the value must stay at or below the limit, 'min' when at or above (DO, pH low side). */
  direction?: 'max' | 'min';
  /** Class of this item alone (sections). */
  class?: SectionClass | null;
  /** (value − limit) / limit against the target (sections) or the discharge limit (plants); null where undefined. */
  exceedance?: number | null;
  /** Unit of `value` when it is not the parameter's own (e.g. '%' for a share of flagged readings). */
  unit?: string;
  /** Free-form detail for sensor-health findings (e.g. the stuck value, spike count, flag share). */
  note?: string;
}

/** What a rule found in one window. The lifecycle turns it into an alert or an update of one. */
export interface Finding {
  rule: RuleId;
  stationId: string;
  severity: Severity;
  /** The window judged, epoch ms [start, end). */
  windowStart: number;
  windowEnd: number;
  /** Section class reached and the target (section rules). */
  classReached?: SectionClass | null;
  targetClass?: WaterClass;
  /** Primary pollutants (主要污染指标) in the standard's order, with their exceedance multiples. */
  primaryPollutants?: { parameter: ParameterCode; exceedance: number | null }[];
  /** The parameters that matter, with values and limits. */
  items: FindingItem[];
  /** Trend warning: when the fitted line crosses the limit, epoch ms. */
  projectedAt?: number;
  /** Offline: the last valid reading before the window end, if known. */
  lastSeenAt?: number | null;
  /** Discharge standard's id (plants). */
  standard?: string;
  /** One line of detail for people (e.g. why an offline station still talks). */
  note?: string;
}

/**
 * A rule's verdict on a window:
 * - violation: a finding;
 * - compliant: the window was judged and is fine (counts toward the hysteresis that resolves an alert);
 * - insufficient: too few valid readings to judge — neither compliant nor violating.
 */
export type RuleOutcome =
  { kind: 'violation'; finding: Finding } | { kind: 'compliant' } | { kind: 'insufficient'; reason: string };

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/**
 * How an alert came to be detected after its window had closed (null: when the window was judged on time):
 * data that arrived late or was corrected (a re-judgment, ADR 0013), or catch-up after downtime.
 */
export type Detection = 'late_data' | 'flag_correction' | 'mark' | 'catch_up';

export interface Alert {
  id: number;
  rule: RuleId;
  stationId: string;
  category: AlertCategory;
  state: AlertState;
  /** The worst severity seen while the alert was open. */
  severity: Severity;
  openedAt: number;
  updatedAt: number;
  /** The time the alert is about: from the start of its first violating window to the end of its latest. */
  windowStart: number;
  windowEnd: number;
  /** When Qingliu found it (the opening judgment), which may be long after the window closed. */
  detectedAt: number;
  /** Why it was detected late, or null when the window was judged as it closed. */
  detection: Detection | null;
  /** Violating windows counted into this alert. */
  count: number;
  /** Consecutive compliant windows since the last violation (the hysteresis counter). */
  compliantStreak: number;
  /** The latest finding: latest values, class, pollutants. */
  latest: Finding;
  /** Index into the responsibility chain that was last notified (0 = first unit). */
  escalationLevel: number;
  /** When the current level was notified (open or last escalation). */
  escalatedAt: number;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  acknowledgeNote: string | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  resolveReason: string | null;
}

/** `rejudged`: a window of the alert was judged again after its data changed (ADR 0013); data says which and how. */
export const TRANSITION_KINDS = [
  'opened',
  'severity_raised',
  'acknowledged',
  'escalated',
  'resolved',
  'rejudged',
] as const;
export type TransitionKind = (typeof TRANSITION_KINDS)[number];

/** One immutable row of an alert's timeline. */
export interface Transition {
  seq: number;
  alertId: number;
  kind: TransitionKind;
  at: number;
  /** 'system' for automatic transitions, else the person or API key that acted. */
  actor: string;
  fromState: AlertState | null;
  toState: AlertState;
  note: string | null;
  /** Kind-specific detail, e.g. { unitId, level } for an escalation, { severity } for a raise. */
  data: Record<string, unknown> | null;
}

export const SYSTEM_ACTOR = 'system';
