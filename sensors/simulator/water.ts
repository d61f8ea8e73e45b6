/**
 * The true water quality at a station: typical values shaped by season, time of day, rain, plant load and
 * incidents. Instrument behaviour (flags, stuck sensors, dropouts) is applied on top in simulator.ts.
 */
import type { WaterbodyType } from '../../src/domain/gb3838.js';
import { PARAMETER_CODES, type ParameterCode } from '../../src/domain/parameters.js';
import {
  diel,
  oxygenSaturation,
  rainState,
  riverTemperature,
  seasonal,
  sewageLoad,
  sewageTemperature,
  sunlight,
  type RainState,
} from './environment.js';
import { saturationShare, typicalValue, type ProfileFamily, type Values } from './profiles.js';
import { gaussian, hashString, smoothNoise } from './random.js';
import type { Scenario } from './scenario.js';
import type { Zone } from './zone.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What the water model needs to know about one station; built once per station. */
export interface WaterStation {
  key: number;
  family: ProfileFamily;
  parameters: readonly ParameterCode[];
  target: string | undefined;
  waterbody: WaterbodyType;
  /** m³/d, for plant flows. */
  capacity: number;
}

export interface WaterContext {
  seed: number;
  scenario: Scenario;
  zone: Zone;
}

const CODE_KEYS: ReadonlyMap<string, number> = new Map(PARAMETER_CODES.map((code) => [code, hashString(code)]));
function codeKey(code: string): number {
  return CODE_KEYS.get(code) ?? hashString(code);
}

/** Per-station randomness helpers, so the formulas below read like the physics they describe. */
function helpers(ctx: WaterContext, station: WaterStation, t: number) {
  const minute = Math.floor(t / 60_000);
  return {
    /** Slow multiplicative wander (days), `amp` ≈ its relative size. */
    drift: (code: string, amp: number) => Math.exp(amp * smoothNoise(ctx.seed ^ station.key ^ codeKey(code), t, 1.5 * DAY)),
    /** Fixed per-station deviation from the typical value: no two stations read alike. */
    site: (code: string, amp = 0.12) => Math.exp(amp * gaussian(ctx.seed, station.key, codeKey(code), 7)),
    /** Measurement noise, standard normal, fixed per reading instant. */
    noise: (code: string) => gaussian(ctx.seed, station.key, codeKey(code), minute),
    base: (code: ParameterCode) => typicalValue(station.family, code, { target: station.target, waterbody: station.waterbody }),
  };
}

/**
 * The station's own typical value: concentrations scale (±12 %), pH and ORP shift (they are logarithmic
 * quantities, so a ×1.12 on pH would be a different water altogether).
 */
function typicalAt(h: ReturnType<typeof helpers>, code: ParameterCode): number {
  const base = h.base(code);
  if (code === 'ph') return base + 0.2 * Math.log(h.site(code, 1));
  if (code === 'orp') return base + 30 * Math.log(h.site(code, 1));
  return base * h.site(code);
}

/** True values of every parameter of the station at `t`; `excess` is what incidents add there. */
export function waterAt(ctx: WaterContext, station: WaterStation, t: number, excess: Values): Values {
  const rain = rainState(ctx.seed, ctx.scenario, t);
  switch (station.family) {
    case 'influent':
      return influent(ctx, station, t, rain);
    case 'effluent':
      return effluent(ctx, station, t, rain, excess);
    case 'industrial':
      return industrial(ctx, station, t, excess);
    default:
      return surface(ctx, station, t, rain, excess);
  }
}

/** River sections, the wetland lake and urban waters. */
function surface(ctx: WaterContext, station: WaterStation, t: number, rain: RainState, ex: Values): Values {
  const h = helpers(ctx, station, t);
  const doy = ctx.zone.dayOfYear(t);
  const hour = ctx.zone.localHour(t);
  const urban = station.family === 'urban';
  const lake = station.waterbody === 'lake';
  const light = sunlight(doy);
  const day = diel(hour, 15);
  const exOf = (code: ParameterCode) => ex[code] ?? 0;

  const temp =
    riverTemperature(doy) + 0.8 * (h.site('temp', 1) - 1) + (urban || lake ? 1.1 : 0.7) * (0.6 + 0.4 * light) * day - 1.0 * rain.fast + 0.3 * Math.log(h.drift('temp', 1)) + 0.05 * h.noise('temp');
  const sat = oxygenSaturation(temp);
  // Photosynthesis: algae add oxygen and take up CO2 (raising pH) by day; respiration reverses it at night.
  const photo = (urban ? 0.15 : lake ? 0.15 : 0.08) * light * day;
  const deficit = 0.3 * exOf('codmn') + 1.0 * exOf('nh3n') + (urban ? 0.8 * rain.fast : 0.1 * rain.fast);
  const share = saturationShare(station.family, station.target) * h.site('do', 0.04) * h.drift('do', 0.04);
  const dissolved = Math.max(0.05, sat * (share + photo) - deficit + 0.05 * h.noise('do'));
  const turbBase = h.base('turbidity') * (lake ? 0.35 : 1) * h.site('turbidity', 0.25);
  const turbidity = turbBase * h.drift('turbidity', 0.2) * (1 + 3 * rain.slow) + exOf('turbidity');
  const winter = seasonal(doy, 15);

  const out: Values = {};
  for (const code of station.parameters) {
    const b = typicalAt(h, code);
    switch (code) {
      case 'temp':
        out.temp = temp;
        break;
      case 'do':
        out.do = dissolved;
        break;
      case 'ph':
        out.ph = b + (urban ? 0.35 : lake ? 0.4 : 0.22) * light * day + 0.06 * Math.log(h.drift('ph', 1)) - 0.12 * rain.fast + 0.01 * h.noise('ph');
        break;
      case 'conductivity':
        out.conductivity = b * h.drift(code, 0.05) * (1 - 0.25 * Math.min(rain.slow, 1.2)) * (1 + 0.005 * h.noise(code));
        break;
      case 'turbidity':
        out.turbidity = turbidity * (1 + 0.03 * h.noise(code));
        break;
      case 'ss':
        out.ss = b * (lake ? 0.4 : 1) * h.drift(code, 0.2) * (1 + 3 * rain.slow) + exOf('ss') + 0.8 * exOf('turbidity');
        break;
      case 'transparency':
        out.transparency = b * (lake ? 1.5 : 1) * (turbBase / turbidity) ** 0.8 * (1 + 0.03 * h.noise(code));
        break;
      case 'codmn':
        out.codmn = b * h.drift(code, 0.12) * (1 + 0.25 * rain.slow) * (1 + 0.02 * h.noise(code)) + exOf('codmn');
        break;
      case 'cod':
        out.cod = b * h.drift(code, 0.12) * (1 + 0.25 * rain.slow) * (1 + 0.02 * h.noise(code)) + (ex.cod ?? 3 * exOf('codmn'));
        break;
      case 'bod5':
        out.bod5 = b * h.drift(code, 0.12) * (1 + 0.2 * rain.slow) + (ex.bod5 ?? 0.3 * (ex.cod ?? 3 * exOf('codmn')));
        break;
      case 'nh3n':
        // Nitrification slows in cold water: ammonia is higher in winter.
        out.nh3n = b * h.drift(code, 0.18) * (1 + 0.35 * winter) * (1 + 0.02 * h.noise(code)) + exOf('nh3n') + (urban ? 2.5 * rain.fast : 0);
        break;
      case 'tp':
        // Particulate phosphorus comes with the runoff.
        out.tp = b * h.drift(code, 0.15) * (1 + 1.2 * rain.slow) * (1 + 0.02 * h.noise(code)) + exOf('tp');
        break;
      case 'tn':
        out.tn = b * h.drift(code, 0.1) * (1 + 0.2 * winter) * (1 + 0.02 * h.noise(code)) + exOf('tn');
        break;
      case 'chla':
        out.chla = b * (lake ? 3 : 1) * h.drift(code, 0.3) * (0.3 + 0.7 * light * light) * (1 + 0.1 * day);
        break;
      case 'orp':
        out.orp = b + 150 * (dissolved / sat - share) - (urban ? 100 : 20) * rain.fast + 8 * h.noise(code);
        break;
      case 'flow':
        out.flow = b * (1 + 0.45 * seasonal(doy, 190)) * (1 + 2 * rain.fast) * h.drift(code, 0.1);
        break;
      case 'fcoli':
        out.fcoli = b * h.drift(code, 0.4) * (1 + 4 * rain.fast);
        break;
      default:
        out[code] = b * h.drift(code, 0.2) + exOf(code);
    }
  }
  return out;
}

/** Raw sewage: follows the town's daily load curve; rain dilutes it and swells the flow. */
function influent(ctx: WaterContext, station: WaterStation, t: number, rain: RainState): Values {
  const h = helpers(ctx, station, t);
  const doy = ctx.zone.dayOfYear(t);
  const hour = ctx.zone.localHour(t);
  const load = sewageLoad(hour);
  const dilution = 1 + 0.6 * rain.fast;
  const out: Values = {};
  for (const code of station.parameters) {
    const b = typicalAt(h, code);
    switch (code) {
      case 'flow':
        out.flow = (station.capacity / 86.4) * 0.8 * load * (1 + 0.9 * rain.fast) * h.drift(code, 0.05);
        break;
      case 'temp':
        out.temp = sewageTemperature(doy) + 0.5 * diel(hour, 16) - 0.8 * rain.fast + 0.05 * h.noise(code);
        break;
      case 'ph':
        out.ph = b + 0.1 * (load - 1) + 0.02 * h.noise(code);
        break;
      case 'do':
        out.do = Math.max(0.05, b * (1.5 - 0.5 * load) * h.drift(code, 0.2));
        break;
      case 'orp':
        out.orp = b - 40 * (load - 1) + 10 * h.noise(code);
        break;
      default:
        out[code] = (b * h.drift(code, 0.1) * (0.7 + 0.3 * load) * (1 + 0.03 * h.noise(code))) / dilution;
    }
  }
  return out;
}

/**
 * Treated effluent: the load curve arrives damped and about 10 hours late (hydraulic retention); ammonia rises
 * when the water is cold and nitrification slows (the reason GB 18918 relaxes NH3-N at ≤ 12 °C).
 */
function effluent(ctx: WaterContext, station: WaterStation, t: number, rain: RainState, ex: Values): Values {
  const h = helpers(ctx, station, t);
  const doy = ctx.zone.dayOfYear(t);
  const hour = ctx.zone.localHour(t);
  const lagged = sewageLoad(hour - 10);
  const temp = sewageTemperature(doy) - 0.7 + 0.3 * diel(hour, 16) + 0.05 * h.noise('temp');
  const cold = temp < 12 ? 1 + 0.22 * (12 - temp) : 1;
  const out: Values = {};
  for (const code of station.parameters) {
    const b = typicalAt(h, code);
    const add = ex[code] ?? 0;
    switch (code) {
      case 'temp':
        out.temp = temp;
        break;
      case 'flow':
        out.flow = (station.capacity / 86.4) * 0.8 * sewageLoad(hour - 2) * (1 + 0.9 * rain.fast) * h.drift(code, 0.05);
        break;
      case 'ph':
        out.ph = b + 0.08 * Math.log(h.drift(code, 1)) + 0.01 * h.noise(code);
        break;
      case 'do':
        out.do = b * h.drift(code, 0.1) + 0.05 * h.noise(code);
        break;
      case 'orp':
        out.orp = b + 15 * h.noise(code);
        break;
      case 'nh3n':
        out.nh3n = b * h.drift(code, 0.25) * cold * (1 + 0.3 * (lagged - 1)) * (1 + 0.02 * h.noise(code)) + add;
        break;
      case 'tn':
        out.tn = b * h.drift(code, 0.1) * (1 + 0.15 * (cold - 1)) * (1 + 0.02 * h.noise(code)) + add;
        break;
      default:
        out[code] = b * h.drift(code, 0.15) * (1 + 0.2 * (lagged - 1)) * (1 + 0.02 * h.noise(code)) + add;
    }
  }
  return out;
}

/** An industrial outfall: production runs Monday–Saturday 08:00–20:00; at night only a trickle is discharged. */
function industrial(ctx: WaterContext, station: WaterStation, t: number, ex: Values): Values {
  const h = helpers(ctx, station, t);
  const doy = ctx.zone.dayOfYear(t);
  const hour = ctx.zone.localHour(t);
  // 1970-01-01 (local day 0) was a Thursday: (day + 4) % 7 is 0 on Sundays.
  const weekday = (Math.floor((t + ctx.zone.offsetMs(t)) / DAY) + 4) % 7;
  const on = weekday !== 0 && hour >= 8 && hour < 20 ? 1 : 0;
  const out: Values = {};
  for (const code of station.parameters) {
    const b = typicalAt(h, code);
    const add = ex[code] ?? 0;
    switch (code) {
      case 'temp':
        out.temp = 22 + 4 * seasonal(doy, 205) + 3 * on + 0.1 * h.noise(code);
        break;
      case 'flow':
        out.flow = b * (0.3 + 0.7 * on) * h.drift(code, 0.1);
        break;
      case 'ph':
        out.ph = b + 0.15 * Math.log(h.drift(code, 1)) + 0.02 * h.noise(code);
        break;
      case 'orp':
        out.orp = b + 20 * h.noise(code);
        break;
      case 'do':
        out.do = b * h.drift(code, 0.15);
        break;
      default:
        out[code] = b * h.drift(code, 0.2) * (0.75 + 0.25 * on) * (1 + 0.03 * h.noise(code)) + add;
    }
  }
  return out;
}
