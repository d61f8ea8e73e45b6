/**
 * The part of the station catalog the simulator reads. Kept narrow on purpose: the full `Catalog` of
 * `src/catalog/` satisfies it structurally, and tests can hand in a small literal.
 */
import { parseDuration } from '../../src/domain/duration.js';
import { isParameterCode, type ParameterCode } from '../../src/domain/parameters.js';

export const STATION_KINDS = ['river_section', 'plant_effluent', 'plant_influent', 'industrial_outfall', 'urban_water'] as const;
export type StationKind = (typeof STATION_KINDS)[number];

export interface SimStation {
  readonly id: string;
  readonly kind: StationKind;
  readonly name?: { readonly zh: string; readonly en: string } | undefined;
  readonly river?: string | undefined;
  /** Kilometres from the river's source: larger is further downstream. */
  readonly river_km?: number | undefined;
  /** Canonical parameter codes. */
  readonly parameters: readonly string[];
  /** Reporting interval: a duration string (`4h`) or milliseconds. */
  readonly interval: string | number;
  readonly section?:
    | { readonly role?: string | undefined; readonly target_class?: string | undefined; readonly waterbody?: string | undefined }
    | undefined;
  /** Plant id, for plant and outfall stations. */
  readonly plant?: string | undefined;
}

export interface SimRiver {
  readonly id: string;
  readonly length_km: number;
  /** Mean flow speed: how fast a pollution pulse travels downstream. */
  readonly flow_speed_kmh: number;
  readonly tributary_of?: string | undefined;
  readonly joins_at_km?: number | undefined;
}

export interface SimPlant {
  readonly id: string;
  readonly type?: string | undefined;
  readonly design_capacity_m3_per_day?: number | undefined;
  /** Where the outfall enters the river. */
  readonly river?: string | undefined;
  readonly river_km?: number | undefined;
}

export interface SimCatalog {
  readonly stations: readonly SimStation[];
  readonly rivers: readonly SimRiver[];
  readonly plants?: readonly SimPlant[] | undefined;
}

export function intervalMsOf(station: SimStation): number {
  const ms = typeof station.interval === 'number' ? station.interval : parseDuration(station.interval);
  if (!(ms > 0)) throw new Error(`station ${station.id}: reporting interval must be positive`);
  return ms;
}

export function parametersOf(station: SimStation): ParameterCode[] {
  return station.parameters.filter(isParameterCode);
}

/** A point on a river: where a pollution pulse starts, or where a station sits. */
export interface RiverPoint {
  river: string;
  km: number;
}

export interface RiverPath {
  distanceKm: number;
  hours: number;
}

/**
 * The downstream path from one point to another: along the same river, or down a tributary to where it
 * joins its main river and on from there. Undefined when `to` is not downstream of `from`.
 */
export function downstreamPath(rivers: ReadonlyMap<string, SimRiver>, from: RiverPoint, to: RiverPoint): RiverPath | undefined {
  let distanceKm = 0;
  let hours = 0;
  let here = from;
  for (let hop = 0; hop < 16; hop += 1) {
    const river = rivers.get(here.river);
    if (!river || !(river.flow_speed_kmh > 0)) return undefined;
    if (here.river === to.river) {
      if (to.km < here.km) return undefined;
      const d = to.km - here.km;
      return { distanceKm: distanceKm + d, hours: hours + d / river.flow_speed_kmh };
    }
    if (river.tributary_of === undefined || river.joins_at_km === undefined) return undefined;
    const d = Math.max(0, river.length_km - here.km);
    distanceKm += d;
    hours += d / river.flow_speed_kmh;
    here = { river: river.tributary_of, km: river.joins_at_km };
  }
  return undefined;
}
