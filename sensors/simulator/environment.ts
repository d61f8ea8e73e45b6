/**
 * The world around the stations: seasons, the daily cycle of sun and sewage, and rain. Pure functions of
 * time (and the seed, for rain); no station specifics here.
 */
import { between, hashString, uniform } from './random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR_DAYS = 365.25;

/** cos of the phase of `h` (hours) against a peak hour, over a 24-hour day: 1 at the peak, −1 twelve hours away. */
export function diel(hour: number, peakHour: number): number {
  return Math.cos((2 * Math.PI * (hour - peakHour)) / 24);
}

/** cos of the day of the year against a peak day: 1 at the peak, −1 half a year away. */
export function seasonal(dayOfYear: number, peakDay: number): number {
  return Math.cos((2 * Math.PI * (dayOfYear - peakDay)) / YEAR_DAYS);
}

/**
 * Water temperature of a river in the lower Yangtze region: about 8–9 °C in January, 27–28 °C in late July
 * (the Qiantang River at 闸口 in test/fixtures/real reads within that band).
 */
export function riverTemperature(dayOfYear: number): number {
  return 18 + 9.5 * seasonal(dayOfYear, 205);
}

/** Sewage is warmer and varies less through the year than river water. */
export function sewageTemperature(dayOfYear: number): number {
  return 20.5 + 6 * seasonal(dayOfYear, 215);
}

/**
 * Solubility of oxygen in fresh water at 1 atm, mg/L, from temperature in °C: the cubic fit used in water-quality
 * models since Elmore & Hayes (1960): 14.652 − 0.41022 T + 0.007991 T² − 0.000077774 T³ (good for 0–40 °C).
 */
export function oxygenSaturation(tempC: number): number {
  const t = Math.min(Math.max(tempC, 0), 40);
  return 14.652 - 0.41022 * t + 0.007991 * t * t - 0.000077774 * t * t * t;
}

/** Strength of photosynthesis over the year: 1 at midsummer, 0.35 in midwinter. */
export function sunlight(dayOfYear: number): number {
  return 0.675 + 0.325 * seasonal(dayOfYear, 172);
}

function bump(hour: number, centre: number, width: number): number {
  const d = Math.abs(hour - centre);
  const circular = Math.min(d, 24 - d);
  return Math.exp(-0.5 * (circular / width) ** 2);
}

function rawLoad(hour: number): number {
  return 0.55 + 0.55 * bump(hour, 10, 3) + 0.45 * bump(hour, 20, 3) + 0.25 * bump(hour, 14, 5);
}

const LOAD_MEAN = (() => {
  let sum = 0;
  for (let i = 0; i < 240; i += 1) sum += rawLoad(i / 10);
  return sum / 240;
})();

/**
 * The daily sewage load curve of a town (normalised to a mean of 1): lowest around 04:00, a morning peak at
 * about 10:00 and an evening peak at about 20:00, as in municipal plant inflow records.
 */
export function sewageLoad(hour: number): number {
  return rawLoad(((hour % 24) + 24) % 24) / LOAD_MEAN;
}

/** Scenario knobs the weather needs. */
export interface RainSettings {
  rainEventsPerMonth: number;
}

export interface RainEvent {
  start: number;
  durationMs: number;
  /** 0.2 (drizzle) … 1.5 (storm). */
  intensity: number;
}

export interface RainState {
  /** Fast response: runoff, sewer flows, combined-sewer overflows (hours). */
  fast: number;
  /** Slow response: turbidity and particulate phosphorus settling out over a day or two. */
  slow: number;
}

const RAIN_KEY = hashString('rain');
const FAST_DECAY = 5 * HOUR;
const SLOW_DECAY = 16 * HOUR;
const RAIN_LOOKBACK_DAYS = 5;

/** Rain over the basin: one draw per day decides whether a shower starts that day. Shared by every station. */
export function rainEvents(seed: number, settings: RainSettings, from: number, to: number): RainEvent[] {
  const p = Math.min(1, settings.rainEventsPerMonth / 30);
  if (p <= 0) return [];
  const events: RainEvent[] = [];
  for (let day = Math.floor(from / DAY); day <= Math.floor(to / DAY); day += 1) {
    if (uniform(seed, RAIN_KEY, day) >= p) continue;
    const start = day * DAY + between(0, DAY, seed, RAIN_KEY, day, 1);
    // Mostly light rain, sometimes a storm: the square skews the draw towards small values.
    const intensity = 0.2 + 1.3 * uniform(seed, RAIN_KEY, day, 2) ** 2;
    const durationMs = between(1.5, 10, seed, RAIN_KEY, day, 3) * HOUR;
    events.push({ start, durationMs, intensity });
  }
  return events.filter((e) => e.start <= to && e.start + e.durationMs + 4 * SLOW_DECAY >= from);
}

function response(event: RainEvent, t: number, decay: number): number {
  const tau = t - event.start;
  if (tau < 0) return 0;
  const rise = (x: number) => 1 - Math.exp(-x / (1.5 * HOUR));
  if (tau <= event.durationMs) return event.intensity * rise(tau);
  return event.intensity * rise(event.durationMs) * Math.exp(-(tau - event.durationMs) / decay);
}

/** How wet the basin is at `t`: the summed response to recent rain. */
export function rainState(seed: number, settings: RainSettings, t: number): RainState {
  const events = rainEvents(seed, settings, t - RAIN_LOOKBACK_DAYS * DAY, t);
  let fast = 0;
  let slow = 0;
  for (const e of events) {
    fast += response(e, t, FAST_DECAY);
    slow += response(e, t, SLOW_DECAY);
  }
  return { fast, slow };
}
