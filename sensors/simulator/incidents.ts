/**
 * Pollution incidents and how they travel. An incident adds concentration at a source (a plant's effluent, an
 * industrial outfall, a river section or a point on a river) for a few hours; every station downstream sees
 * the pulse after the travel time (distance / the river's flow speed), diluted and spread out.
 *
 * Transport model (deliberately simple, documented in sensors/SIMULATOR.md):
 * - an outfall's excess is mixed into the river at `dilution` (default 12 %);
 * - along the river the pulse loses exp(−d / 60 km) (first-order decay plus spreading losses);
 * - the pulse edges blur with a Gaussian whose width grows with travel time (longitudinal dispersion).
 */
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { Values } from './profiles.js';
import { between, hashString, uniform } from './random.js';
import type { IncidentSpec } from './scenario.js';
import { downstreamPath, type RiverPoint, type SimCatalog, type SimRiver, type SimStation } from './sim-catalog.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const OUTFALL_DILUTION = 0.12;
export const DECAY_LENGTH_KM = 60;
const MAX_RANDOM_DURATION = 8 * HOUR;

export type SourceKind = 'plant' | 'industrial' | 'section' | 'point';

export interface IncidentSource {
  /** Plant id, station id, or `river:KM@RIVER`. */
  id: string;
  kind: SourceKind;
  point: RiverPoint | undefined;
  /** Stations that receive the excess undiluted: a plant's effluent and outfall stations, or the section itself. */
  direct: readonly string[];
  /** Whether incidents start here on their own (scenario rate), or only when scheduled. */
  random: boolean;
}

export interface Incident {
  id: string;
  sourceId: string;
  start: number;
  durationMs: number;
  excess: Values;
  dilution: number;
  scheduled: boolean;
}

/** How a station receives incidents from one source. */
export interface Link {
  source: IncidentSource;
  /** Travel time. */
  lagMs: number;
  distanceKm: number;
  /** Share of the source's excess that arrives (before pulse spreading); dilution applied per incident. */
  attenuation: number;
  /** Pulse edge blur, ms. */
  sigmaMs: number;
  /** True for the station at the source itself (no dilution, no travel). */
  direct: boolean;
}

/** Finds every incident source in the catalog. */
export function incidentSources(catalog: SimCatalog): IncidentSource[] {
  const sources: IncidentSource[] = [];
  const plantIds = new Set<string>();
  for (const plant of catalog.plants ?? []) plantIds.add(plant.id);
  for (const s of catalog.stations) if (s.plant) plantIds.add(s.plant);
  for (const id of plantIds) {
    const plant = catalog.plants?.find((p) => p.id === id);
    const stations = catalog.stations.filter((s) => s.plant === id);
    const outlets = stations.filter((s) => s.kind === 'plant_effluent' || s.kind === 'industrial_outfall');
    const outlet = outlets[0];
    const river = plant?.river ?? outlet?.river;
    const km = plant?.river_km ?? outlet?.river_km;
    const industrial = plant?.type === 'industrial' || outlets.some((s) => s.kind === 'industrial_outfall');
    sources.push({
      id,
      kind: industrial ? 'industrial' : 'plant',
      point: river !== undefined && km !== undefined ? { river, km } : undefined,
      direct: outlets.map((s) => s.id),
      random: outlets.length > 0,
    });
  }
  for (const s of catalog.stations) {
    if (s.kind !== 'river_section' && s.kind !== 'urban_water') continue;
    const point = s.river !== undefined && s.river_km !== undefined ? { river: s.river, km: s.river_km } : undefined;
    // Outbound sections are where incidents are seen, not where they start; urban waters drain nowhere we model.
    const random = s.kind === 'river_section' && s.section?.role !== 'outbound';
    sources.push({ id: s.id, kind: 'section', point, direct: [s.id], random });
  }
  return sources;
}

/** The source of a scheduled incident, by id or river point. */
export function resolveSource(spec: IncidentSpec['source'], sources: readonly IncidentSource[]): IncidentSource {
  if (typeof spec !== 'string') {
    return { id: `river:${spec.km}@${spec.river}`, kind: 'point', point: spec, direct: [], random: false };
  }
  const found = sources.find((s) => s.id === spec) ?? sources.find((s) => s.direct.length > 0 && s.direct.includes(spec));
  if (!found) throw new Error(`incident source "${spec}" is neither a plant nor a station of the catalog`);
  return found;
}

/** How every source reaches one station. */
export function linksTo(station: SimStation, sources: readonly IncidentSource[], rivers: ReadonlyMap<string, SimRiver>): Link[] {
  const links: Link[] = [];
  const here = station.river !== undefined && station.river_km !== undefined ? { river: station.river, km: station.river_km } : undefined;
  const receivesRiverWater = station.kind === 'river_section' || station.kind === 'urban_water';
  for (const source of sources) {
    if (source.direct.includes(station.id)) {
      links.push({ source, lagMs: 0, distanceKm: 0, attenuation: 1, sigmaMs: 0.4 * HOUR, direct: true });
      continue;
    }
    if (!receivesRiverWater || !here || !source.point) continue;
    const path = downstreamPath(rivers, source.point, here);
    if (!path) continue;
    links.push({
      source,
      lagMs: path.hours * HOUR,
      distanceKm: path.distanceKm,
      attenuation: Math.exp(-path.distanceKm / DECAY_LENGTH_KM),
      sigmaMs: (0.5 + 0.12 * path.hours) * HOUR,
      direct: false,
    });
  }
  return links;
}

/** Random incidents at a source starting in [from, to]: one draw per source per day. */
export function randomIncidents(seed: number, source: IncidentSource, perMonth: number, from: number, to: number): Incident[] {
  const p = Math.min(1, perMonth / 30);
  if (p <= 0 || !source.random) return [];
  const key = hashString(`incident:${source.id}`);
  const out: Incident[] = [];
  for (let day = Math.floor((from - DAY) / DAY); day <= Math.floor(to / DAY); day += 1) {
    if (uniform(seed, key, day) >= p) continue;
    const start = day * DAY + between(0, DAY, seed, key, day, 1);
    if (start < from || start > to) continue;
    const durationMs = Math.round(between(2 * HOUR, MAX_RANDOM_DURATION, seed, key, day, 2));
    const r = (salt: number) => uniform(seed, key, day, 10 + salt);
    out.push({
      id: `${source.id}@${new Date(start).toISOString()}`,
      sourceId: source.id,
      start,
      durationMs,
      excess: randomExcess(source.kind, r),
      dilution: source.kind === 'section' || source.kind === 'point' ? 1 : OUTFALL_DILUTION,
      scheduled: false,
    });
  }
  return out;
}

/** What goes wrong, by kind of source. `r(i)` gives independent uniform draws. */
function randomExcess(kind: SourceKind, r: (i: number) => number): Values {
  const span = (i: number, lo: number, hi: number) => lo + (hi - lo) * r(i);
  const kindDraw = r(0);
  switch (kind) {
    case 'plant':
      // Nitrification failure, chemical phosphorus removal failure, or sludge washout.
      if (kindDraw < 0.5) return { nh3n: span(1, 4, 14) };
      if (kindDraw < 0.8) return { tp: span(2, 0.4, 2) };
      return { cod: span(3, 30, 90), ss: span(4, 10, 40), bod5: span(5, 8, 25) };
    case 'industrial':
      if (kindDraw < 0.6) return { cod: span(1, 60, 250), ss: span(2, 10, 60) };
      return { nh3n: span(3, 3, 15), oil: span(4, 0.5, 3) };
    default:
      // An illegal discharge or a flush of polluted water from upstream.
      return { nh3n: span(1, 1, 4), tp: span(2, 0.15, 0.5), codmn: span(3, 2, 6), turbidity: span(4, 5, 30) };
  }
}

/** Time window of incident starts that can still affect a station through `link` at time t. */
export function startWindow(link: Link, t: number): { from: number; to: number } {
  return { from: t - link.lagMs - MAX_RANDOM_DURATION - 5 * link.sigmaMs, to: t - link.lagMs + 5 * link.sigmaMs };
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26, error < 1.5e-7). */
function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496735) * t + 0.254829592) * t) * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Share of the incident present at the station at time t: a box pulse blurred at its edges. */
export function pulse(incident: Incident, link: Link, t: number): number {
  const begin = incident.start + link.lagMs;
  const end = begin + incident.durationMs;
  return phi((t - begin) / link.sigmaMs) - phi((t - end) / link.sigmaMs);
}

/**
 * The incident's excess as it appears in river water: organic load as CODMn (about 0.3 × COD for treated
 * sewage), suspended solids as turbidity, ammonia as part of total nitrogen.
 */
export function asRiverExcess(excess: Values): Values {
  const out: Values = { ...excess };
  if (out.codmn === undefined && excess.cod !== undefined) out.codmn = 0.3 * excess.cod;
  if (out.turbidity === undefined && excess.ss !== undefined) out.turbidity = excess.ss;
  if (out.tn === undefined && excess.nh3n !== undefined) out.tn = 1.1 * excess.nh3n;
  return out;
}

/** Adds `share` of `excess` into `into`, for parameters the caller cares about. */
export function addExcess(into: Values, excess: Values, share: number): void {
  for (const [code, amount] of Object.entries(excess) as [ParameterCode, number][]) {
    into[code] = (into[code] ?? 0) + amount * share;
  }
}
