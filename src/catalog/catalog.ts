/**
 * The Catalog: a validated catalog file with indexes and the questions the rest of Qingliu asks of it.
 * Built once, deeply frozen; everything it hands out is read-only.
 */
import type { ParameterCode } from '../domain/parameters.js';
import type { CatalogIssue } from './catalog-error.js';
import { createFlowNetwork, type FlowLink } from './flow.js';
import type {
  AlertOverridesData,
  CatalogDischargeStandard,
  CatalogFile,
  ChannelData,
  ContactData,
  LocalizedName,
  PlantData,
  RiverData,
  SectionData,
  SectionLevel,
  SectionRole,
  StationData,
  StationKind,
  UnitData,
  UrbanWaterData,
} from './schema.js';

export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type Station = DeepReadonly<StationData>;
export type Unit = DeepReadonly<UnitData>;
export type Plant = DeepReadonly<PlantData>;
export type River = DeepReadonly<RiverData>;
export type Section = DeepReadonly<SectionData>;
export type UrbanWater = DeepReadonly<UrbanWaterData>;
export type Contact = DeepReadonly<ContactData>;
export type Channel = DeepReadonly<ChannelData>;
export type AlertOverrides = DeepReadonly<AlertOverridesData>;
export type DischargeStandard = DeepReadonly<CatalogDischargeStandard>;
export type { LocalizedName };

/** A station up- or downstream of another, with the distance and travel time along the water. */
export type StationLink = FlowLink<Station>;

/** Every criterion given must hold. */
export interface StationFilter {
  kind?: StationKind | readonly StationKind[];
  /** Section role (inbound/control/outbound); only river sections match. */
  role?: SectionRole;
  /** Section level (national/provincial/municipal); only river sections match. */
  level?: SectionLevel;
  river?: string;
  /** The station's jurisdiction is this unit or lies under it (a city matches its districts' stations). */
  jurisdiction?: string;
  /** Only stations of these plants (an operator's scope). */
  plants?: readonly string[];
  public?: boolean;
  /** Stations measuring this parameter. */
  parameter?: ParameterCode;
}

/** The units a station's alerts go to. */
export interface StationUnits {
  /** Territorial responsibility (属地): pollution alerts. */
  jurisdiction: Unit;
  /** Instrument upkeep: offline and maintenance alerts. */
  maintainer: Unit;
  /** The plant's operator, for plant and outfall stations. */
  operator?: Unit;
}

export interface Catalog {
  /** The file it was loaded from, as given (for messages). */
  readonly file: string;
  readonly version: 1;
  readonly city: LocalizedName;
  /** Base URL of the dashboard for links in notifications, when configured. */
  readonly public_url: string | undefined;
  /** In file order. Effluent and outfall stations without their own river position carry their plant's. */
  readonly stations: readonly Station[];
  readonly units: readonly Unit[];
  readonly plants: readonly Plant[];
  readonly rivers: readonly River[];
  /** Custom discharge standards by id (built-in GB 18918 classes are not listed). */
  readonly discharge_standards: Readonly<Record<string, DischargeStandard>>;
  /** Things that are valid but probably unintended (e.g. alerts that would reach nobody). */
  readonly warnings: readonly CatalogIssue[];

  station(id: string): Station | undefined;
  unit(id: string): Unit | undefined;
  plant(id: string): Plant | undefined;
  river(id: string): River | undefined;
  /** A custom discharge standard by id; undefined for built-in ids and unknown ones. */
  dischargeStandard(id: string): DischargeStandard | undefined;

  /** The stations measuring a plant (influent, effluent, outfall), in file order. */
  stationsOfPlant(plantId: string): readonly Station[];
  /** The plant a plant or outfall station belongs to. */
  plantOf(stationId: string): Plant | undefined;
  /** Plants operated by a unit. */
  plantsOfOperator(unitId: string): readonly Plant[];
  /** Stations on one river (not its tributaries), from the source down. */
  stationsOnRiver(riverId: string): readonly Station[];
  /** Rivers flowing directly into this one. */
  tributariesOf(riverId: string): readonly River[];

  /** Stations whose water reaches this one (same river at smaller km, tributaries joining above), nearest first. */
  upstreamOf(stationId: string): readonly StationLink[];
  /** Stations this one's water reaches, nearest first. */
  downstreamOf(stationId: string): readonly StationLink[];

  /** The unit, then its parents up to the top: the escalation order. Empty for an unknown unit. */
  responsibilityChain(unitId: string): readonly Unit[];
  /** True when `unitId` is `ancestorId` or lies under it. */
  isWithin(unitId: string, ancestorId: string): boolean;
  /** Who a station's alerts go to. */
  unitsOf(stationId: string): StationUnits | undefined;

  findStations(filter: StationFilter): readonly Station[];
}

export interface CreateCatalogOptions {
  /** Validated data (see validateCatalog); a reference that does not resolve is a programming error here. */
  data: CatalogFile;
  file: string;
  warnings?: readonly CatalogIssue[];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function indexBy<T extends { readonly id: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((item) => [item.id, item]));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const list = groups.get(k) ?? [];
    list.push(item);
    groups.set(k, list);
  }
  return groups;
}

export function createCatalog(options: CreateCatalogOptions): Catalog {
  const { data, file } = options;
  const plantById = new Map(data.plants.map((p) => [p.id, p]));

  // Effluent and outfall stations sit at their plant's outfall unless the file places them elsewhere.
  const stationList: Station[] = data.stations.map((s) => {
    const plant = s.plant === undefined ? undefined : plantById.get(s.plant);
    const inherits = s.river === undefined && s.kind !== 'plant_influent' && plant?.river !== undefined;
    return deepFreeze(inherits ? { ...s, river: plant.river, river_km: plant.river_km } : { ...s });
  });
  const units: readonly Unit[] = deepFreeze(structuredClone(data.units));
  const plants: readonly Plant[] = deepFreeze(structuredClone(data.plants));
  const rivers: readonly River[] = deepFreeze(structuredClone(data.rivers));
  const standards: Readonly<Record<string, DischargeStandard>> = deepFreeze(structuredClone(data.discharge_standards));
  const stations: readonly Station[] = Object.freeze(stationList);
  const warnings = deepFreeze([...(options.warnings ?? [])]);

  const stationById = indexBy(stations);
  const unitById = indexBy(units);
  const plantIndex = indexBy(plants);
  const riverById = indexBy(rivers);
  const byPlant = groupBy(stations, (s) => s.plant);
  const byOperator = groupBy(plants, (p) => p.operator_unit);
  const byRiver = groupBy(stations, (s) => s.river);
  for (const list of byRiver.values()) list.sort((a, b) => (a.river_km ?? 0) - (b.river_km ?? 0));
  const tributaries = groupBy(rivers, (r) => r.tributary_of);
  for (const groups of [byPlant, byOperator, byRiver, tributaries] as Map<string, unknown[]>[])
    groups.forEach((list) => Object.freeze(list));
  const flow = createFlowNetwork<Station>(rivers, stations);

  function responsibilityChain(unitId: string): readonly Unit[] {
    const chain: Unit[] = [];
    let current = unitById.get(unitId);
    // Validation rejects cycles; the includes() guard keeps a hand-built catalog from looping forever.
    while (current && !chain.includes(current)) {
      chain.push(current);
      current = current.parent === undefined ? undefined : unitById.get(current.parent);
    }
    return chain;
  }

  function isWithin(unitId: string, ancestorId: string): boolean {
    return responsibilityChain(unitId).some((u) => u.id === ancestorId);
  }

  function matches(station: Station, filter: StationFilter): boolean {
    if (filter.kind !== undefined) {
      const kinds: readonly StationKind[] = typeof filter.kind === 'string' ? [filter.kind] : filter.kind;
      if (!kinds.includes(station.kind)) return false;
    }
    if (filter.role !== undefined && station.section?.role !== filter.role) return false;
    if (filter.level !== undefined && station.section?.level !== filter.level) return false;
    if (filter.river !== undefined && station.river !== filter.river) return false;
    if (filter.jurisdiction !== undefined && !isWithin(station.jurisdiction, filter.jurisdiction)) return false;
    if (filter.plants !== undefined && (station.plant === undefined || !filter.plants.includes(station.plant)))
      return false;
    if (filter.public !== undefined && station.public !== filter.public) return false;
    if (filter.parameter !== undefined && !station.parameters.includes(filter.parameter)) return false;
    return true;
  }

  const catalog: Catalog = {
    file,
    version: data.version,
    city: deepFreeze({ ...data.city }),
    public_url: data.public_url,
    stations,
    units,
    plants,
    rivers,
    discharge_standards: standards,
    warnings,
    station: (id) => stationById.get(id),
    unit: (id) => unitById.get(id),
    plant: (id) => plantIndex.get(id),
    river: (id) => riverById.get(id),
    dischargeStandard: (id) => (Object.hasOwn(standards, id) ? standards[id] : undefined),
    stationsOfPlant: (plantId) => byPlant.get(plantId) ?? [],
    plantOf(stationId) {
      const plantId = stationById.get(stationId)?.plant;
      return plantId === undefined ? undefined : plantIndex.get(plantId);
    },
    plantsOfOperator: (unitId) => byOperator.get(unitId) ?? [],
    stationsOnRiver: (riverId) => byRiver.get(riverId) ?? [],
    tributariesOf: (riverId) => tributaries.get(riverId) ?? [],
    upstreamOf(stationId) {
      const station = stationById.get(stationId);
      return station ? flow.upstreamOf(station) : [];
    },
    downstreamOf(stationId) {
      const station = stationById.get(stationId);
      return station ? flow.downstreamOf(station) : [];
    },
    responsibilityChain,
    isWithin,
    unitsOf(stationId) {
      const station = stationById.get(stationId);
      if (!station) return undefined;
      const jurisdiction = unitById.get(station.jurisdiction);
      const maintainer = unitById.get(station.maintainer);
      if (!jurisdiction || !maintainer) return undefined;
      const plant = station.plant === undefined ? undefined : plantIndex.get(station.plant);
      const operator = plant ? unitById.get(plant.operator_unit) : undefined;
      return operator ? { jurisdiction, maintainer, operator } : { jurisdiction, maintainer };
    },
    findStations: (filter) => stations.filter((s) => matches(s, filter)),
  };
  return Object.freeze(catalog);
}
