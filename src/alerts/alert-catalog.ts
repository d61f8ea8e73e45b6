/**
 * The part of the station catalog the alert core reads, declared here and satisfied structurally by the parsed
 * catalog file (src/catalog/schema.ts): stations, plants, custom discharge standards, responsible units with
 * their channels and escalation delays, and the responsibility chain (unit → parent → …).
 */
import type { CustomDischargeStandard } from '../domain/discharge-standard-definition.js';
import type { ParameterCode } from '../domain/parameters.js';
import type { StationAlertOverrides } from './settings.js';
import type { WaterClass } from './types.js';

export interface LocalizedName {
  zh: string;
  en: string;
}

export interface AlertStation {
  id: string;
  name: LocalizedName;
  kind: string;
  section?: { role: string; target_class?: WaterClass; waterbody: 'river' | 'lake' };
  plant?: string;
  jurisdiction: string;
  maintainer: string;
  parameters: readonly ParameterCode[];
  /** Reporting interval, milliseconds. */
  interval: number;
  alerts?: StationAlertOverrides;
  /** Set when the station reports through an HJ 212 data logger (its standard-sample checks are judged). */
  hj212?: object;
}

export interface AlertPlant {
  id: string;
  name: LocalizedName;
  discharge_standard: string;
  built?: string;
}

/** A notification channel as the catalog declares it: secrets and token-bearing URLs are named, never held. */
export interface ChannelSpec {
  type: 'webhook' | 'dingtalk' | 'wecom' | 'feishu' | 'email' | 'mqtt';
  url?: string;
  url_env?: string;
  secret_env?: string;
  to?: readonly string[];
  lang?: 'zh-CN' | 'en';
}

export interface AlertUnit {
  id: string;
  name: LocalizedName;
  parent?: string;
  channels: readonly ChannelSpec[];
  /** Milliseconds per severity. */
  escalate_after?: { warning?: number; critical?: number };
}

/** A unit as the parsed catalog holds it (its robot schemas type `secret_env` loosely; normalised here). */
export interface CatalogUnit extends Omit<AlertUnit, 'channels'> {
  channels: readonly (Omit<ChannelSpec, 'secret_env'> & { secret_env?: unknown })[];
}

/** The shape of a parsed catalog file that the alert core needs. */
export interface CatalogData {
  public_url?: string;
  units: readonly CatalogUnit[];
  plants: readonly AlertPlant[];
  stations: readonly AlertStation[];
  discharge_standards: Readonly<Record<string, CustomDischargeStandard>>;
}

export interface AlertCatalog {
  publicUrl: string | undefined;
  stations(): readonly AlertStation[];
  station(id: string): AlertStation | undefined;
  plant(id: string): AlertPlant | undefined;
  unit(id: string): AlertUnit | undefined;
  /** A custom discharge standard declared in the catalog, by id. */
  dischargeStandard(id: string): CustomDischargeStandard | undefined;
  /** The unit and every unit above it, nearest first; stops at a cycle or an unknown parent. */
  responsibilityChain(unitId: string): AlertUnit[];
}

export function createAlertCatalog(data: CatalogData): AlertCatalog {
  const stations = new Map(data.stations.map((s) => [s.id, s]));
  const plants = new Map(data.plants.map((p) => [p.id, p]));
  const units = new Map<string, AlertUnit>(
    data.units.map((u) => [
      u.id,
      {
        ...u,
        channels: u.channels.map(({ secret_env, ...c }) => ({
          ...c,
          ...(typeof secret_env === 'string' ? { secret_env } : {}),
        })),
      },
    ]),
  );
  return {
    publicUrl: data.public_url,
    stations: () => data.stations,
    station: (id) => stations.get(id),
    plant: (id) => plants.get(id),
    unit: (id) => units.get(id),
    dischargeStandard: (id) => data.discharge_standards[id],
    responsibilityChain(unitId) {
      const chain: AlertUnit[] = [];
      const seen = new Set<string>();
      let current = units.get(unitId);
      while (current && !seen.has(current.id)) {
        chain.push(current);
        seen.add(current.id);
        current = current.parent !== undefined ? units.get(current.parent) : undefined;
      }
      return chain;
    },
  };
}
