/**
 * Which standard judges a station, resolved from the catalog once per request: GB 3838-2002 for river sections
 * (with the section's water body and target class), the plant's discharge standard for effluent and outfall
 * stations (GB 18918-2002 class or a custom one, with the construction date for the TP rule), the 2015
 * black-and-odorous guideline for urban waters under remediation, none for plant influent.
 * Also the limits a chart draws behind a trend line ("limit bands").
 */
import type { Catalog, Station } from '../catalog/index.js';
import { BLACK_ODOROUS_INDICATORS, BLACK_ODOROUS_TABLE } from '../domain/black-odorous.js';
import type { BuiltinDischargeStandard, CustomDischargeStandard } from '../domain/discharge-standard-definition.js';
import { COLD_WATER_MAX_C, dischargeLimits, isBuiltinDischargeStandard } from '../domain/gb18918.js';
import { classLimits, gb3838Item, WATER_CLASSES, type WaterbodyType, type WaterClass } from '../domain/gb3838.js';
import type { ParameterCode } from '../domain/parameters.js';

export type StationStandard =
  | { kind: 'gb3838'; waterbody: WaterbodyType; target: WaterClass | null }
  | {
      kind: 'discharge';
      /** Catalog id: a built-in class (`gb18918-1a`) or a custom standard's id. */
      id: string;
      name: { zh: string; en: string };
      definition: BuiltinDischargeStandard | CustomDischargeStandard;
      plant: string;
      /** Construction date (YYYY-MM-DD) for the GB 18918-2002 TP rule; null when the catalog does not say. */
      plantBuilt: string | null;
    }
  | { kind: 'black-odorous'; depthCm: number | null }
  | { kind: 'none' };

// GB 18918-2002 Table 1 column names (一级A/一级B/二级/三级).
const BUILTIN_NAMES: Record<BuiltinDischargeStandard, { zh: string; en: string }> = {
  'gb18918-1a': { zh: 'GB 18918-2002 一级A标准', en: 'GB 18918-2002 class 1A' },
  'gb18918-1b': { zh: 'GB 18918-2002 一级B标准', en: 'GB 18918-2002 class 1B' },
  'gb18918-2': { zh: 'GB 18918-2002 二级标准', en: 'GB 18918-2002 class 2' },
  'gb18918-3': { zh: 'GB 18918-2002 三级标准', en: 'GB 18918-2002 class 3' },
};

export function standardOf(catalog: Catalog, station: Station): StationStandard {
  if (station.kind === 'river_section' && station.section) {
    return { kind: 'gb3838', waterbody: station.section.waterbody, target: station.section.target_class ?? null };
  }
  if ((station.kind === 'plant_effluent' || station.kind === 'industrial_outfall') && station.plant !== undefined) {
    const plant = catalog.plant(station.plant);
    if (!plant) return { kind: 'none' };
    const id = plant.discharge_standard;
    const plantBuilt = plant.built ?? null;
    if (isBuiltinDischargeStandard(id)) {
      return { kind: 'discharge', id, name: BUILTIN_NAMES[id], definition: id, plant: plant.id, plantBuilt };
    }
    const custom = catalog.dischargeStandard(id);
    if (!custom) return { kind: 'none' };
    // The catalog hands out deeply frozen objects; the engine only reads them.
    const definition = custom as unknown as CustomDischargeStandard;
    return { kind: 'discharge', id, name: { ...custom.name }, definition, plant: plant.id, plantBuilt };
  }
  if (station.kind === 'urban_water' && station.urban?.black_odorous) {
    return { kind: 'black-odorous', depthCm: station.urban.depth_cm ?? null };
  }
  return { kind: 'none' };
}

/**
 * The station's parameters that decide its verdict: GB 3838 evaluation items with limits for its water body
 * (环办[2011]22号: temperature, TN and fecal coliform are reference items), the items its discharge standard
 * limits, or the four black-odorous indicators. In the station's own order.
 */
export function decidingParameters(standard: StationStandard, measured: readonly ParameterCode[]): ParameterCode[] {
  switch (standard.kind) {
    case 'gb3838':
      return measured.filter((code) => {
        const item = gb3838Item(code);
        return (
          item !== undefined && item.evaluated && (item.rule === 'range' || item[standard.waterbody] !== undefined)
        );
      });
    case 'discharge': {
      const limited = dischargeLimits(
        standard.definition,
        standard.plantBuilt ? { plantBuilt: standard.plantBuilt } : {},
      ).limits;
      return measured.filter((code) => limited[code] !== undefined);
    }
    case 'black-odorous':
      return measured.filter((code) => (BLACK_ODOROUS_INDICATORS as readonly string[]).includes(code));
    case 'none':
      return [];
  }
}

/** Limits to draw behind one parameter's trend line, in its canonical unit. */
export type LimitBand =
  | {
      /** GB 3838-2002 Table 1: class I–V limits; `max` = at most (most items), `min` = at least (DO). */
      kind: 'gb3838';
      rule: 'max' | 'min';
      classes: Record<WaterClass, number>;
      /** The limit of the section's target class, when it has one. */
      target: number | null;
    }
  | { kind: 'gb3838'; rule: 'range'; min: number; max: number }
  | {
      kind: 'discharge';
      max: number | null;
      min: number | null;
      /** GB 18918-2002 Table 1 note ②: the NH3-N limit at water temperatures ≤ 12 °C. */
      max_cold: number | null;
    }
  | {
      kind: 'black-odorous';
      light: readonly [number, number];
      severe_below: number | null;
      severe_above: number | null;
    };

export function limitBands(
  standard: StationStandard,
  parameters: readonly ParameterCode[],
): Partial<Record<ParameterCode, LimitBand>> {
  const out: Partial<Record<ParameterCode, LimitBand>> = {};
  if (standard.kind === 'gb3838') {
    for (const code of parameters) {
      const item = gb3838Item(code);
      if (!item) continue;
      if (item.rule === 'range' && item.range) {
        out[code] = { kind: 'gb3838', rule: 'range', min: item.range.min, max: item.range.max };
        continue;
      }
      const table = classLimits(code, standard.waterbody);
      if (!table || (item.rule !== 'max' && item.rule !== 'min')) continue;
      const classes = Object.fromEntries(WATER_CLASSES.map((cls, i) => [cls, table[i]!])) as Record<WaterClass, number>;
      out[code] = {
        kind: 'gb3838',
        rule: item.rule,
        classes,
        target: standard.target ? classes[standard.target] : null,
      };
    }
  } else if (standard.kind === 'discharge') {
    const built = standard.plantBuilt ? { plantBuilt: standard.plantBuilt } : {};
    const warm = dischargeLimits(standard.definition, { ...built, waterTempC: COLD_WATER_MAX_C + 8 }).limits;
    const cold = dischargeLimits(standard.definition, { ...built, waterTempC: COLD_WATER_MAX_C }).limits;
    for (const code of parameters) {
      const limit = warm[code] ?? cold[code];
      if (!limit) continue;
      const coldMax = cold[code]?.max;
      out[code] = {
        kind: 'discharge',
        max: warm[code]?.max ?? null,
        min: limit.min ?? null,
        max_cold: coldMax !== undefined && coldMax !== warm[code]?.max ? coldMax : null,
      };
    }
  } else if (standard.kind === 'black-odorous') {
    for (const code of parameters) {
      if (!(BLACK_ODOROUS_INDICATORS as readonly string[]).includes(code)) continue;
      // 城市黑臭水体整治工作指南 (2015), grading table; standards.md §5.
      const row = BLACK_ODOROUS_TABLE[code as keyof typeof BLACK_ODOROUS_TABLE];
      out[code] = {
        kind: 'black-odorous',
        light: row.light,
        severe_below: 'severeBelow' in row ? row.severeBelow : null,
        severe_above: 'severeAbove' in row ? row.severeAbove : null,
      };
    }
  }
  return out;
}
