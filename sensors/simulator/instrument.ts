/**
 * Instrument behaviour: what the analysers and the data logger do to the true water quality. Each kind of
 * event is drawn from hashed time slots (see random.ts), so it is reproducible and can be asked about any
 * instant without replaying history.
 *
 * - maintenance (M): a technician on site; every reading of the station flagged M for 1–4 hours;
 * - calibration (C): an analyser measures its standard solution: the value jumps to the standard's value;
 * - stuck sensor: one parameter repeats the same value for 12–72 h, flagged N (the logger does not know);
 * - dropout: no messages at all for a while (power or communication failure);
 * - spike: a single outlier reading, still physically plausible.
 */
import type { ParameterCode } from '../../src/domain/parameters.js';
import { between, hashString, uniform } from './random.js';
import type { Scenario } from './scenario.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const STUCK_SLOT = 10 * DAY;
const MAX_STUCK = 72 * HOUR;

export type InstrumentEventKind = 'maintenance' | 'calibration' | 'stuck' | 'dropout';

export interface InstrumentEvent {
  kind: InstrumentEventKind;
  stationId: string;
  /** The parameter concerned (calibration, stuck); undefined for the whole station. */
  parameter?: ParameterCode;
  start: number;
  end: number;
}

export interface InstrumentContext {
  seed: number;
  scenario: Scenario;
  stationId: string;
  stationKey: number;
  intervalMs: number;
  /** Local UTC offset (ms) used to put maintenance visits in working hours. */
  offsetMs: number;
  parameters: readonly ParameterCode[];
  /** Parameters with a span calibration (analysers with a standard solution). */
  calibrated: readonly ParameterCode[];
}

const KEYS = {
  maintenance: hashString('maintenance'),
  calibration: hashString('calibration'),
  stuck: hashString('stuck'),
  dropout: hashString('dropout'),
  loss: hashString('loss'),
  spike: hashString('spike'),
};

/** Maintenance visits overlapping [from, to]: at most one per week, starting in local working hours. */
function maintenance(ctx: InstrumentContext, from: number, to: number): InstrumentEvent[] {
  const p = Math.min(1, (ctx.scenario.maintenancePerMonth * 7) / 30);
  if (p <= 0) return [];
  const out: InstrumentEvent[] = [];
  for (let w = Math.floor(from / WEEK) - 1; w <= Math.floor(to / WEEK) + 1; w += 1) {
    if (uniform(ctx.seed, KEYS.maintenance, ctx.stationKey, w) >= p) continue;
    const day = Math.floor(between(0, 7, ctx.seed, KEYS.maintenance, ctx.stationKey, w, 1));
    // Technicians arrive between 09:00 and 15:00 local time.
    const start = w * WEEK + day * DAY - ctx.offsetMs + between(9, 15, ctx.seed, KEYS.maintenance, ctx.stationKey, w, 2) * HOUR;
    const length = Math.max(ctx.intervalMs, between(1, 4, ctx.seed, KEYS.maintenance, ctx.stationKey, w, 3) * HOUR);
    if (start + length >= from && start <= to) out.push({ kind: 'maintenance', stationId: ctx.stationId, start, end: start + length });
  }
  return out;
}

/** Span calibrations of each analyser: one every `calibrationEveryDays`, at a fixed phase per analyser. */
function calibration(ctx: InstrumentContext, from: number, to: number): InstrumentEvent[] {
  const days = ctx.scenario.calibrationEveryDays;
  if (!(days > 0)) return [];
  const period = days * DAY;
  const length = Math.max(ctx.intervalMs, HOUR);
  const out: InstrumentEvent[] = [];
  for (const code of ctx.calibrated) {
    const key = hashString(`calibration:${code}`);
    const phase = between(0, period, ctx.seed, KEYS.calibration, ctx.stationKey, key);
    for (let c = Math.floor((from - phase) / period) - 1; c <= Math.floor((to - phase) / period) + 1; c += 1) {
      // A couple of hours of jitter per cycle: calibrations run on a schedule, but not to the minute.
      const start = c * period + phase + between(-2, 2, ctx.seed, KEYS.calibration, ctx.stationKey, key, c) * HOUR;
      if (start + length >= from && start <= to) out.push({ kind: 'calibration', stationId: ctx.stationId, parameter: code, start, end: start + length });
    }
  }
  return out;
}

/** Stuck-sensor episodes: at most one per station per 10-day slot. */
function stuck(ctx: InstrumentContext, from: number, to: number): InstrumentEvent[] {
  const p = Math.min(1, (ctx.scenario.stuckPerMonth * 10) / 30);
  if (p <= 0 || ctx.parameters.length === 0) return [];
  const out: InstrumentEvent[] = [];
  for (let s = Math.floor((from - MAX_STUCK) / STUCK_SLOT); s <= Math.floor(to / STUCK_SLOT); s += 1) {
    if (uniform(ctx.seed, KEYS.stuck, ctx.stationKey, s) >= p) continue;
    const parameter = ctx.parameters[Math.floor(uniform(ctx.seed, KEYS.stuck, ctx.stationKey, s, 1) * ctx.parameters.length)]!;
    const start = s * STUCK_SLOT + between(0, STUCK_SLOT, ctx.seed, KEYS.stuck, ctx.stationKey, s, 2);
    const length = Math.max(3 * ctx.intervalMs, between(12, 72, ctx.seed, KEYS.stuck, ctx.stationKey, s, 3) * HOUR);
    if (start + length >= from && start <= to) out.push({ kind: 'stuck', stationId: ctx.stationId, parameter, start, end: start + length });
  }
  return out;
}

/** Communication dropouts: at most one per station per week, one to three reporting intervals (at least 1 h). */
function dropouts(ctx: InstrumentContext, from: number, to: number): InstrumentEvent[] {
  const p = Math.min(1, (ctx.scenario.dropoutsPerMonth * 7) / 30);
  if (p <= 0) return [];
  const out: InstrumentEvent[] = [];
  for (let w = Math.floor(from / WEEK) - 1; w <= Math.floor(to / WEEK); w += 1) {
    if (uniform(ctx.seed, KEYS.dropout, ctx.stationKey, w) >= p) continue;
    const start = w * WEEK + between(0, WEEK, ctx.seed, KEYS.dropout, ctx.stationKey, w, 1);
    const unit = Math.max(ctx.intervalMs, HOUR);
    const length = between(1, 3.5, ctx.seed, KEYS.dropout, ctx.stationKey, w, 2) * unit;
    if (start + length >= from && start <= to) out.push({ kind: 'dropout', stationId: ctx.stationId, start, end: start + length });
  }
  return out;
}

/** Every instrument event of a station overlapping [from, to], oldest first. */
export function instrumentEvents(ctx: InstrumentContext, from: number, to: number): InstrumentEvent[] {
  return [...maintenance(ctx, from, to), ...calibration(ctx, from, to), ...stuck(ctx, from, to), ...dropouts(ctx, from, to)].sort(
    (a, b) => a.start - b.start,
  );
}

/** Events active at instant t (start ≤ t < end). */
export function activeAt(ctx: InstrumentContext, t: number): InstrumentEvent[] {
  return instrumentEvents(ctx, t, t).filter((e) => e.start <= t && t < e.end);
}

/** Whether this single message is lost on its own. */
export function messageLost(ctx: InstrumentContext, t: number): boolean {
  return ctx.scenario.messageLossRate > 0 && uniform(ctx.seed, KEYS.loss, ctx.stationKey, Math.floor(t / 1000)) < ctx.scenario.messageLossRate;
}

/** A spike factor for this reading, or undefined when the reading is ordinary. */
export function spikeDraw(ctx: InstrumentContext, code: ParameterCode, t: number): { up: boolean; size: number } | undefined {
  if (!(ctx.scenario.spikeRate > 0)) return undefined;
  const key = hashString(`spike:${code}`);
  const slot = Math.floor(t / 1000);
  if (uniform(ctx.seed, KEYS.spike, ctx.stationKey, key, slot) >= ctx.scenario.spikeRate) return undefined;
  return {
    up: uniform(ctx.seed, KEYS.spike, ctx.stationKey, key, slot, 1) < 0.85,
    size: between(0, 1, ctx.seed, KEYS.spike, ctx.stationKey, key, slot, 2),
  };
}
