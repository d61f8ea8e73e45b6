/**
 * Scenario knobs: how often things happen. Rates are per month (30 days) so they read naturally
 * ("two maintenance visits a month"); every knob at 0 gives a calm world with only cycles and noise.
 */
import { z } from 'zod';
import { parseDuration } from '../../src/domain/duration.js';
import { resolveParameter, type ParameterCode } from '../../src/domain/parameters.js';
import type { RiverPoint } from './sim-catalog.js';
import type { Zone } from './zone.js';

const rate = z.number().finite().min(0);

export const scenarioSchema = z
  .object({
    /** Pollution incidents per source per month; sources are plants, outfalls and non-outbound sections. */
    incidentsPerMonth: rate.default(0.6),
    /** Rain events over the basin per month. */
    rainEventsPerMonth: rate.default(5),
    /** Maintenance visits per station per month: every reading of the station flagged M. */
    maintenancePerMonth: rate.default(2),
    /** Days between span calibrations of each analyser (readings flagged C at standard-solution values); 0 = never. */
    calibrationEveryDays: rate.default(7),
    /** Stuck-sensor episodes per station per month: one parameter repeats the same value for 12–72 h, flagged N. */
    stuckPerMonth: rate.default(0.5),
    /** Communication dropouts per station per month: no messages for one to a few reporting intervals. */
    dropoutsPerMonth: rate.default(1.5),
    /** Chance that any single message is lost on its own. */
    messageLossRate: rate.max(1).default(0.003),
    /** Chance that any single reading is an outlier spike (still physically plausible). */
    spikeRate: rate.max(1).default(0.002),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

export const DEFAULT_SCENARIO: Scenario = scenarioSchema.parse({});

/** Cycles and noise only: nothing random happens. For tests and for explaining the model. */
export const CALM_SCENARIO: Scenario = {
  incidentsPerMonth: 0,
  rainEventsPerMonth: 0,
  maintenancePerMonth: 0,
  calibrationEveryDays: 0,
  stuckPerMonth: 0,
  dropoutsPerMonth: 0,
  messageLossRate: 0,
  spikeRate: 0,
};

/** Multiplies the instrument-fault knobs (stuck sensors, dropouts, lost messages, spikes) by `factor`. */
export function scaleFaults(scenario: Scenario, factor: number): Scenario {
  return {
    ...scenario,
    stuckPerMonth: scenario.stuckPerMonth * factor,
    dropoutsPerMonth: scenario.dropoutsPerMonth * factor,
    messageLossRate: Math.min(1, scenario.messageLossRate * factor),
    spikeRate: Math.min(1, scenario.spikeRate * factor),
  };
}

/**
 * A scheduled pollution incident ("an NH3-N spike at the No.2 plant at 14:00"). `excess` is what is added at
 * the source: to the effluent of a plant, or to the river water at a section or point. Stations downstream see
 * it later and diluted.
 */
export interface IncidentSpec {
  /** A plant id, a station id, or a point on a river. */
  source: string | RiverPoint;
  /** Epoch ms. */
  start: number;
  durationMs: number;
  /** Added concentration per parameter, canonical units. */
  excess: Partial<Record<ParameterCode, number>>;
  /**
   * Share of an outfall's excess found in the river just below it, after mixing with the river's flow.
   * Default 0.12 for plants and outfalls; 1 for sections and river points (the excess is already in-river).
   */
  dilution?: number;
}

/**
 * Parses the command-line form of an incident:
 * `source=wwtp-2,at=14:00,for=3h,nh3n=12,tp=1.5` — `at` is an ISO 8601 time or HH:MM today (local time),
 * `for` a duration (default 4h), `dilution` optional, every other key a parameter (code, HJ 212 code or
 * alias) with the concentration added at the source. `source=river:KM@RIVER` names a point on a river.
 */
export function parseIncidentOption(text: string, ctx: { zone: Zone; now: number }): IncidentSpec {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`incident "${text}": "${part}" is not key=value`);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const sourceText = fields.get('source');
  if (!sourceText) throw new Error(`incident "${text}": source= is required (a plant id, station id or river:KM@RIVER)`);
  const at = fields.get('at');
  if (!at) throw new Error(`incident "${text}": at= is required (HH:MM today, or an ISO 8601 time)`);
  const excess: Partial<Record<ParameterCode, number>> = {};
  let dilution: number | undefined;
  for (const [key, value] of fields) {
    if (key === 'source' || key === 'at' || key === 'for') continue;
    const amount = Number(value.replace(/^\+/, ''));
    if (!Number.isFinite(amount) || amount < 0) throw new Error(`incident "${text}": ${key}=${value} is not a non-negative number`);
    if (key === 'dilution') {
      dilution = amount;
      continue;
    }
    const param = resolveParameter(key);
    if (!param) throw new Error(`incident "${text}": unknown parameter "${key}"`);
    excess[param.code] = amount;
  }
  if (Object.keys(excess).length === 0) throw new Error(`incident "${text}": give at least one parameter, e.g. nh3n=8`);
  return {
    source: parseSource(sourceText),
    start: parseTimeOfDay(at, ctx),
    durationMs: parseDuration(fields.get('for') ?? '4h'),
    excess,
    ...(dilution !== undefined ? { dilution } : {}),
  };
}

function parseSource(text: string): string | RiverPoint {
  const point = /^river:(\d+(?:\.\d+)?)@(.+)$/.exec(text);
  return point ? { river: point[2]!, km: Number(point[1]) } : text;
}

/** `14:00` → today 14:00 local time; otherwise an ISO 8601 date-time (offset recommended) or epoch ms. */
export function parseTimeOfDay(text: string, ctx: { zone: Zone; now: number }): number {
  const hm = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (hm) {
    const h = Number(hm[1]);
    const m = Number(hm[2]);
    if (h > 23 || m > 59) throw new Error(`"${text}" is not a time of day`);
    return ctx.zone.startOfDay(ctx.now) + (h * 60 + m) * 60_000;
  }
  if (/^\d{10,}$/.test(text)) return Number(text);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`"${text}" is neither HH:MM nor an ISO 8601 time`);
  return t;
}
