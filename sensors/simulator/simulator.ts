/**
 * The simulated stations: `createSimulator({ catalog, seed })` gives, for any station and instant, the message
 * the station would send — or none, during a dropout. Pure and seeded: no I/O, no clock, no state that
 * changes; the same seed gives the same readings whatever order they are asked for in.
 */
import type { WaterbodyType } from '../../src/domain/gb3838.js';
import type { DataFlag } from '../../src/domain/flags.js';
import { isPossible, parameter, type ParameterCode } from '../../src/domain/parameters.js';
import {
  addExcess,
  asRiverExcess,
  incidentSources,
  linksTo,
  pulse,
  randomIncidents,
  resolveSource,
  startWindow,
  OUTFALL_DILUTION,
  type Incident,
  type IncidentSource,
  type Link,
} from './incidents.js';
import {
  activeAt,
  instrumentEvents,
  messageLost,
  spikeDraw,
  type InstrumentContext,
  type InstrumentEvent,
} from './instrument.js';
import { calibrationValue, DEFAULT_PLANT_CAPACITY_M3_PER_DAY, familyOf, type Values } from './profiles.js';
import { gaussian, hashOf, hashString } from './random.js';
import { scenarioSchema, type IncidentSpec, type Scenario, type ScenarioInput } from './scenario.js';
import {
  intervalMsOf,
  parametersOf,
  STATION_KINDS,
  type SimCatalog,
  type SimRiver,
  type SimStation,
} from './sim-catalog.js';
import { waterAt, type WaterStation } from './water.js';
import { alignedSlot, countSlots, createZone, slotsBetween, type Zone } from './zone.js';

export type Flags = Partial<Record<ParameterCode, DataFlag>>;

/** One message's worth of readings from one station. */
export interface Sample {
  stationId: string;
  /** Epoch ms. */
  ts: number;
  /** Canonical codes and units, rounded to each parameter's display precision. */
  values: Values;
  /** Only flags other than N. */
  flags: Flags;
}

export interface SimulatorOptions {
  catalog: SimCatalog;
  /** Same seed, same readings. Default 1. */
  seed?: number | string;
  scenario?: ScenarioInput;
  /** Incidents at chosen places and times, on top of the random ones. */
  incidents?: readonly IncidentSpec[];
  /** Local time for daily cycles, reporting instants and message timestamps. Default Asia/Shanghai. */
  timeZone?: string;
}

export interface TravelInfo {
  sourceId: string;
  stationId: string;
  distanceKm: number;
  hours: number;
  /** Share of a section-source excess that arrives (before pulse spreading); outfalls also dilute. */
  attenuation: number;
}

export interface Simulator {
  readonly seed: number;
  readonly zone: Zone;
  readonly scenario: Scenario;
  readonly stations: readonly SimStation[];
  station(id: string): SimStation;
  intervalMs(stationId: string): number;
  /** The message the station sends at `ts`, or undefined when it sends none (dropout, lost message). */
  sample(stationId: string, ts: number): Sample | undefined;
  /** The water quality itself at `ts`, before instrument behaviour and rounding. */
  truth(stationId: string, ts: number): Values;
  /** Reporting instants in (from, to]. */
  slots(stationId: string, from: number, to: number): Generator<number>;
  countSlots(stationId: string, from: number, to: number): number;
  /** The first reporting instant after `t`. */
  nextSlot(stationId: string, t: number): number;
  /** Messages sent in (from, to], oldest first (dropouts left out). */
  samples(stationId: string, from: number, to: number): Sample[];
  /** Incidents (random and scheduled) starting in [from, to]. */
  incidents(from: number, to: number): Incident[];
  /** Maintenance, calibration, stuck and dropout periods of a station overlapping [from, to]. */
  instrumentEvents(stationId: string, from: number, to: number): InstrumentEvent[];
  /** How an incident at `sourceId` (plant, station) reaches `stationId`; undefined if it does not. */
  travel(sourceId: string, stationId: string): TravelInfo | undefined;
}

interface StationModel {
  station: SimStation;
  water: WaterStation;
  instrument: InstrumentContext;
  links: Link[];
  intervalMs: number;
}

function seedOf(seed: number | string | undefined): number {
  if (seed === undefined) return hashOf(1);
  // "42" from a command line is the same seed as 42 from code.
  if (typeof seed === 'string' && /^-?\d+$/.test(seed.trim())) return hashOf(Number(seed));
  return typeof seed === 'number' ? hashOf(seed) : hashString(seed);
}

/** Rounds to the parameter's display precision and keeps the value inside its physically possible range. */
function finish(code: ParameterCode, value: number, fallback: number): number {
  const p = parameter(code);
  let v = Number.isFinite(value) ? value : fallback;
  v = Math.min(Math.max(v, p.possible.min), p.possible.max);
  const factor = 10 ** p.decimals;
  v = Math.round(v * factor) / factor;
  // `+ 0` turns −0 into 0: JSON would print it as 0 anyway, and replays must compare equal.
  return isPossible(p, v) ? v + 0 : p.possible.min;
}

/** An outlier that a real analyser might produce: several times the value, or a jump in pH or temperature. */
function spiked(code: ParameterCode, value: number, draw: { up: boolean; size: number }): number {
  const sign = draw.up ? 1 : -1;
  const p = parameter(code);
  let v: number;
  switch (code) {
    case 'ph':
      v = value + sign * (1.5 + 1.5 * draw.size);
      break;
    case 'temp':
      v = value + sign * (6 + 8 * draw.size);
      break;
    case 'orp':
      v = value + sign * (150 + 250 * draw.size);
      break;
    default:
      v = draw.up ? value * (3 + 7 * draw.size) : value * (0.1 + 0.2 * draw.size);
  }
  // Stay inside the usual range: an outlier for the spike rule, not a unit mistake (those belong to the ingest
  // tests) nor a value the range rule would flag.
  const range = p.usual ?? p.possible;
  return Math.min(Math.max(v, range.min), range.min + 0.9 * (range.max - range.min));
}

export function createSimulator(options: SimulatorOptions): Simulator {
  const seed = seedOf(options.seed);
  const scenario = scenarioSchema.parse(options.scenario ?? {});
  const zone = createZone(options.timeZone ?? 'Asia/Shanghai');
  const catalog = options.catalog;
  const rivers = new Map<string, SimRiver>(catalog.rivers.map((r) => [r.id, r]));
  const plants = new Map((catalog.plants ?? []).map((p) => [p.id, p]));
  const sources = incidentSources(catalog);
  const sourceById = new Map<string, IncidentSource>(sources.map((s) => [s.id, s]));
  const refOffset = zone.offsetMs(Date.UTC(2025, 0, 1));

  // Scheduled incidents, resolved once; an unknown source is a caller mistake and fails at construction.
  const scheduled: { incident: Incident; source: IncidentSource }[] = (options.incidents ?? []).map((spec, i) => {
    const source = resolveSource(spec.source, sources);
    const dilution = spec.dilution ?? (source.kind === 'plant' || source.kind === 'industrial' ? OUTFALL_DILUTION : 1);
    return {
      source,
      incident: {
        id: `scheduled-${i + 1}:${source.id}`,
        sourceId: source.id,
        start: spec.start,
        durationMs: spec.durationMs,
        excess: { ...spec.excess },
        dilution,
        scheduled: true,
      },
    };
  });

  const models = new Map<string, StationModel>();
  for (const station of catalog.stations) {
    if (models.has(station.id)) throw new Error(`station ${station.id} appears twice in the catalog`);
    const kind = (STATION_KINDS as readonly string[]).includes(station.kind) ? station.kind : 'river_section';
    const family = familyOf(kind);
    const params = parametersOf(station);
    const plant = station.plant ? plants.get(station.plant) : undefined;
    const key = hashString(station.id);
    const intervalMs = intervalMsOf(station);
    const waterbody: WaterbodyType = station.section?.waterbody === 'lake' ? 'lake' : 'river';
    models.set(station.id, {
      station,
      intervalMs,
      water: {
        key,
        family,
        parameters: params,
        target: station.section?.target_class,
        waterbody,
        capacity: plant?.design_capacity_m3_per_day ?? DEFAULT_PLANT_CAPACITY_M3_PER_DAY,
      },
      instrument: {
        seed,
        scenario,
        stationId: station.id,
        stationKey: key,
        intervalMs,
        offsetMs: refOffset,
        parameters: params,
        calibrated: params.filter((code) => calibrationValue(family, code) !== undefined),
      },
      links: linksTo({ ...station, kind }, sources, rivers),
    });
  }

  const model = (id: string): StationModel => {
    const m = models.get(id);
    if (!m) throw new Error(`unknown station "${id}"`);
    return m;
  };

  /** Everything incidents add at this station at time t. */
  const excessAt = (m: StationModel, t: number): Values => {
    const total: Values = {};
    for (const link of m.links) {
      const window = startWindow(link, t);
      const happening = [
        ...randomIncidents(seed, link.source, scenario.incidentsPerMonth, window.from, window.to),
        ...scheduled.filter((s) => s.source.id === link.source.id).map((s) => s.incident),
      ];
      for (const incident of happening) {
        const share = pulse(incident, link, t);
        if (share < 1e-4) continue;
        const dilution = link.direct ? 1 : incident.dilution;
        addExcess(total, asRiverExcess(incident.excess), share * dilution * link.attenuation);
      }
    }
    return total;
  };

  const truth = (m: StationModel, t: number): Values => waterAt({ seed, scenario, zone }, m.water, t, excessAt(m, t));

  const sample = (m: StationModel, ts: number): Sample | undefined => {
    const active = activeAt(m.instrument, ts);
    if (active.some((e) => e.kind === 'dropout') || messageLost(m.instrument, ts)) return undefined;
    const raw = truth(m, ts);
    const maintenance = active.some((e) => e.kind === 'maintenance');
    const values: Values = {};
    const flags: Flags = {};
    for (const code of m.water.parameters) {
      const fallback = parameter(code).possible.min;
      const calibrating = active.find((e) => e.kind === 'calibration' && e.parameter === code);
      const stuck = active.find((e) => e.kind === 'stuck' && e.parameter === code);
      let v = raw[code] ?? fallback;
      if (calibrating) {
        // The analyser measures its standard solution, to within about 1 %.
        const standard = calibrationValue(m.water.family, code) ?? v;
        v = standard * (1 + 0.01 * gaussian(seed, m.water.key, hashString(`cal:${code}`), Math.floor(ts / 60_000)));
        flags[code] = 'C';
      } else if (stuck) {
        // Frozen at the first reading of the episode: identical values until it ends.
        let first = alignedSlot(zone, stuck.start, m.intervalMs);
        if (first < stuck.start) first += m.intervalMs;
        v = first < ts ? (truth(m, first)[code] ?? v) : v;
        if (maintenance) flags[code] = 'M';
      } else if (maintenance) {
        // Probes out of the water or being cleaned: readings are erratic.
        v *= 1 + 0.25 * gaussian(seed, m.water.key, hashString(`maint:${code}`), Math.floor(ts / 60_000));
        flags[code] = 'M';
      } else {
        const spike = spikeDraw(m.instrument, code, ts);
        if (spike) v = spiked(code, v, spike);
      }
      values[code] = finish(code, v, fallback);
    }
    return { stationId: m.station.id, ts, values, flags };
  };

  const sim: Simulator = {
    seed,
    zone,
    scenario,
    stations: catalog.stations,
    station: (id) => model(id).station,
    intervalMs: (id) => model(id).intervalMs,
    sample: (id, ts) => sample(model(id), ts),
    truth: (id, ts) => truth(model(id), ts),
    slots: (id, from, to) => slotsBetween(zone, from, to, model(id).intervalMs),
    countSlots: (id, from, to) => countSlots(zone, from, to, model(id).intervalMs),
    nextSlot(id, t) {
      const interval = model(id).intervalMs;
      const slot = alignedSlot(zone, t, interval);
      return slot > t ? slot : slot + interval;
    },
    samples(id, from, to) {
      const m = model(id);
      const out: Sample[] = [];
      for (const ts of slotsBetween(zone, from, to, m.intervalMs)) {
        const s = sample(m, ts);
        if (s) out.push(s);
      }
      return out;
    },
    incidents(from, to) {
      const random = sources.flatMap((s) => randomIncidents(seed, s, scenario.incidentsPerMonth, from, to));
      const chosen = scheduled.map((s) => s.incident).filter((i) => i.start >= from && i.start <= to);
      return [...random, ...chosen].sort((a, b) => a.start - b.start);
    },
    instrumentEvents: (id, from, to) => instrumentEvents(model(id).instrument, from, to),
    travel(sourceId, stationId) {
      const source = sourceById.get(sourceId) ?? resolveSource(sourceId, sources);
      const link = model(stationId).links.find((l) => l.source.id === source.id);
      if (!link) return undefined;
      return {
        sourceId: source.id,
        stationId,
        distanceKm: link.distanceKm,
        hours: link.lagMs / 3_600_000,
        attenuation: link.attenuation,
      };
    },
  };
  return sim;
}
