/**
 * Alert thresholds and windows: defaults here, overridable by configuration (the whole set) and per station in
 * the catalog (`alerts:` on a station, any subset). No threshold is hard-coded in a rule; only the standards'
 * own limits live in the standards tables.
 */
import { z } from 'zod';
import { parseDuration } from '../domain/duration.js';
import { DATA_FLAGS } from '../domain/flags.js';
import { PARAMETER_CODES, type ParameterCode } from '../domain/parameters.js';
import { DEFAULT_MIN_VALID_SHARE } from '../domain/window-sufficiency.js';

/** A duration written '30m' / '4h' / '1d' in files, or milliseconds in code. */
const durationSchema = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  try {
    return typeof v === 'number' ? v : parseDuration(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const share = z.number().min(0).max(1);
const severity = z.enum(['info', 'warning', 'critical']);
const parameterCode = z.enum(PARAMETER_CODES);

export const alertSettingsSchema = z.object({
  /** Section roles whose compliance is watched; add 'control', 'inbound'… to watch every section. */
  sectionRoles: z.array(z.string()).default(['outbound']),
  /** Length of the compliance window (aligned to local time by the jobs). */
  sectionWindow: durationSchema.default(4 * 3_600_000),
  /** A window is judged only when each parameter has at least this share of its expected valid readings. */
  minValidShare: share.default(DEFAULT_MIN_VALID_SHARE),
  /** Consecutive compliant windows before an alert resolves by itself. */
  hysteresisWindows: z.number().int().min(1).default(2),
  earlyWarning: z
    .object({
      enabled: z.boolean().default(true),
      severity: severity.default('warning'),
      /** The latest valid reading must be this recent (before the evaluation time) to count. */
      maxAge: durationSchema.default(2 * 3_600_000),
      /** Trend: least-squares fit over this span of valid readings… */
      trendSpan: durationSchema.default(6 * 3_600_000),
      /** …needing at least this many points… */
      trendMinPoints: z.number().int().min(3).default(6),
      /** …and this goodness of fit (R²), so noise around a flat line does not project a crossing. */
      trendMinR2: share.default(0.6),
      /** Warn when the fitted line crosses the target limit within this horizon. */
      horizon: durationSchema.default(4 * 3_600_000),
    })
    .prefault({}),
  effluent: z
    .object({
      hourlySeverity: severity.default('warning'),
      dailySeverity: severity.default('critical'),
    })
    .prefault({}),
  offline: z
    .object({
      /** Offline when no valid reading came for longer than this many reporting intervals. */
      gapFactor: z.number().positive().default(3),
      /** An absolute gap instead of gapFactor × interval (catalog `offline_after`). */
      after: durationSchema.nullable().default(null),
      severity: severity.default('warning'),
    })
    .prefault({}),
  health: z
    .object({
      severity: severity.default('warning'),
      /** Stuck: identical valid readings spanning at least this long… */
      stuckSpan: durationSchema.default(6 * 3_600_000),
      /** …and at least this many of them. */
      stuckMinReadings: z.number().int().min(2).default(6),
      /** Parameters that may legitimately hold still (e.g. flow at a closed gate). */
      stuckExempt: z.array(parameterCode).default([]),
      /** Span examined by the spike and flag checks. */
      span: durationSchema.default(24 * 3_600_000),
      /** A spike departs from both neighbours by more than this many robust standard deviations… */
      spikeZ: z.number().positive().default(6),
      /** …and this many spikes in the span make a maintenance alert. */
      spikeMinCount: z.number().int().min(1).default(3),
      /** Share of readings in the span carrying a maintenance-type flag that makes a maintenance alert. */
      flagShare: share.default(0.3),
      flags: z.array(z.enum(DATA_FLAGS)).default(['M', 'C', 'D']),
      /** How far back the latest standard-sample check (2062) of each pollutant is looked for. */
      checkSpan: durationSchema.default(7 * 24 * 3_600_000),
      /** Per-parameter range that replaces the registry's usual range (e.g. the installed sensor's range). */
      ranges: z.partialRecord(parameterCode, z.object({ min: z.number(), max: z.number() })).default({}),
    })
    .prefault({}),
  /** Extra alert limits per parameter (catalog `thresholds`), for items or levels the standards do not cover. */
  thresholds: z
    .partialRecord(parameterCode, z.object({ min: z.number().optional(), max: z.number().optional() }))
    .default({}),
  /** Delay before an open, unacknowledged alert is re-sent to the next unit up the responsibility chain. */
  escalation: z
    .object({
      info: durationSchema.nullable().default(null),
      warning: durationSchema.nullable().default(2 * 3_600_000),
      critical: durationSchema.nullable().default(30 * 60_000),
    })
    .prefault({}),
});

export type AlertSettings = z.infer<typeof alertSettingsSchema>;
export type AlertSettingsInput = z.input<typeof alertSettingsSchema>;

/**
 * What a station may override in the catalog (`alerts:` on a station, see src/catalog/schema.ts), as the
 * catalog holds it: snake_case, durations already in milliseconds. Declared here structurally so the alert core
 * does not depend on the catalog module.
 */
export interface StationAlertOverrides {
  evaluate_compliance?: boolean;
  window?: number;
  min_valid_share?: number;
  resolve_after_windows?: number;
  early_warning?: boolean;
  early_warning_horizon?: number;
  early_warning_lookback?: number;
  offline_after?: number;
  stuck_after?: number;
  thresholds?: Partial<Record<ParameterCode, { min?: number; max?: number }>>;
}

export function defaultAlertSettings(input: AlertSettingsInput = {}): AlertSettings {
  return alertSettingsSchema.parse(input);
}

/** The settings in force for one station: the global ones with the station's catalog overrides on top. */
export function settingsForStation(global: AlertSettings, overrides: StationAlertOverrides | undefined): AlertSettings {
  if (!overrides) return global;
  const o = overrides;
  return {
    ...global,
    ...(o.window !== undefined ? { sectionWindow: o.window } : {}),
    ...(o.min_valid_share !== undefined ? { minValidShare: o.min_valid_share } : {}),
    ...(o.resolve_after_windows !== undefined ? { hysteresisWindows: o.resolve_after_windows } : {}),
    earlyWarning: {
      ...global.earlyWarning,
      ...(o.early_warning !== undefined ? { enabled: o.early_warning } : {}),
      ...(o.early_warning_horizon !== undefined ? { horizon: o.early_warning_horizon } : {}),
      ...(o.early_warning_lookback !== undefined ? { trendSpan: o.early_warning_lookback } : {}),
    },
    offline: { ...global.offline, ...(o.offline_after !== undefined ? { after: o.offline_after } : {}) },
    health: { ...global.health, ...(o.stuck_after !== undefined ? { stuckSpan: o.stuck_after } : {}) },
    thresholds: { ...global.thresholds, ...(o.thresholds ?? {}) },
  };
}
