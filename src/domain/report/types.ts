/** The report model's inputs: stations as the catalog describes them, and their valid-reading buckets. */
import type { CustomDischargeStandard, BuiltinDischargeStandard } from '../discharge-standard-definition.js';
import type { WaterbodyType, WaterClass } from '../gb3838.js';
import type { ParameterCode } from '../parameters.js';
import type { Piece } from './period-means.js';

export interface Name {
  zh: string;
  en: string;
}

/** One station's valid-reading buckets over the elapsed part of one period; null: no data could be asked for. */
export interface PeriodPieces {
  from: number;
  to: number;
  pieces: Partial<Record<ParameterCode, readonly Piece[]>>;
}

/** The three periods every figure is compared over: now, the one before (环比), the same one a year ago (同比). */
export interface Periods<T> {
  current: T;
  previous: T | null;
  last_year: T | null;
}

interface StationBase {
  id: string;
  name: Name;
  parameters: readonly ParameterCode[];
  intervalMs: number;
  minValidShare: number;
  jurisdiction: string;
  public: boolean;
  location?: { lat: number; lon: number };
}

export interface SectionStation extends StationBase {
  river: string | null;
  role: string;
  level: string;
  target: WaterClass | null;
  waterbody: WaterbodyType;
}

export interface PlantStation extends StationBase {
  plant: { id: string; name: Name; built: string | null; operator: string };
  standard: { id: string; name: Name; definition: BuiltinDischargeStandard | CustomDischargeStandard };
}

export interface UrbanStation extends StationBase {
  river: string | null;
  riverKm: number | null;
  depthCm: number | null;
}

export interface Grouping {
  /** Rivers with the basin (root river) each belongs to. */
  rivers: readonly { id: string; name: Name; basin: string }[];
  jurisdictions: readonly { id: string; name: Name }[];
  city: Name;
}
