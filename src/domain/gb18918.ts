/**
 * GB 18918-2002 城镇污水处理厂污染物排放标准 (discharge standard for municipal wastewater treatment plants):
 * Table 1 basic control items for classes 1A, 1B, 2 and 3, and user-defined standards declared in the catalog
 * (a built-in class as the base, some limits replaced: decision 8, e.g. a provincial quasi-class IV set).
 * Compliance and exceedance multiple per item, judged on daily means (§4.1.4.2).
 */
import {
  BUILTIN_DISCHARGE_STANDARDS,
  type BuiltinDischargeStandard,
  type CustomDischargeStandard,
  type CustomLimit,
} from './discharge-standard-definition.js';
import { reportedMultiple } from './gb3838.js';
import { resolveParameter, type ParameterCode } from './parameters.js';

/** Water temperature at or below which the bracketed NH3-N limits apply (Table 1 note ②: "≤ 12 °C"). */
export const COLD_WATER_MAX_C = 12;
/** Plants built from this date on take the lower TP limits (Table 1 row 9). */
export const TP_NEW_PLANT_FROM = '2006-01-01';

/** A resolved limit: upper (`max`) and/or lower (`min`) bound, in the parameter's canonical unit. */
export interface DischargeLimit {
  max?: number;
  min?: number;
}

/** One Table 1 cell: a plain upper limit, or one that depends on water temperature or construction date. */
type Cell =
  | { max: number }
  | { warm: number; cold: number }
  | { before2006: number; from2006: number }
  | { min: number; max: number }
  | null;

type Row = Record<BuiltinDischargeStandard, Cell>;

function row(a: Cell, b: Cell, c2: Cell, c3: Cell): Row {
  return { 'gb18918-1a': a, 'gb18918-1b': b, 'gb18918-2': c2, 'gb18918-3': c3 };
}
const max = (v: number): Cell => ({ max: v });
const nh3n = (warm: number, cold: number): Cell => ({ warm, cold });
const tp = (before2006: number, from2006: number): Cell => ({ before2006, from2006 });

/**
 * GB 18918-2002 Table 1, basic control items, daily means; mg/L unless stated, colour as dilution multiple,
 * fecal coliform in 个/L; null = no limit for that class ("–"). Source: GB 18918-2002 text (Table 1 rendered
 * and read), agreeing with wanglu and yiban copies — shared/reference/standards.md §3.
 * - NH3-N: outside brackets for water > 12 °C, in brackets for ≤ 12 °C (note ②).
 * - TP: plants built up to 2005-12-31 / from 2006-01-01.
 * - Class 3 COD/BOD5 note ① (removal rate instead when influent COD > 350 / BOD5 > 160 mg/L) is not modelled.
 */
export const GB18918_TABLE1: Readonly<Partial<Record<ParameterCode, Row>>> = {
  cod: row(max(50), max(60), max(100), max(120)),
  bod5: row(max(10), max(20), max(30), max(60)),
  ss: row(max(10), max(20), max(30), max(50)),
  animal_oil: row(max(1), max(3), max(5), max(20)),
  oil: row(max(1), max(3), max(5), max(15)),
  las: row(max(0.5), max(1), max(2), max(5)),
  tn: row(max(15), max(20), null, null),
  nh3n: row(nh3n(5, 8), nh3n(8, 15), nh3n(25, 30), null),
  tp: row(tp(1, 0.5), tp(1.5, 1), tp(3, 3), tp(5, 5)),
  colour: row(max(30), max(30), max(40), max(50)),
  ph: row({ min: 6, max: 9 }, { min: 6, max: 9 }, { min: 6, max: 9 }, { min: 6, max: 9 }),
  fcoli: row(max(1000), max(10000), max(10000), null),
};

/** Table 1 row order, for a stable item order in results. */
const ORDER: readonly ParameterCode[] = [
  'cod',
  'bod5',
  'ss',
  'animal_oil',
  'oil',
  'las',
  'tn',
  'nh3n',
  'tp',
  'colour',
  'ph',
  'fcoli',
];

export function isBuiltinDischargeStandard(id: string): id is BuiltinDischargeStandard {
  return (BUILTIN_DISCHARGE_STANDARDS as readonly string[]).includes(id);
}

export interface DischargeConditions {
  /** Effluent water temperature, °C; unknown → the stricter (> 12 °C) NH3-N limit and a note (decision 6). */
  waterTempC?: number;
  /** Plant construction date, YYYY-MM-DD; unknown → the stricter (2006 onwards) TP limit and a note. */
  plantBuilt?: string;
}

export interface ResolvedLimits {
  limits: Partial<Record<ParameterCode, DischargeLimit>>;
  /** Per item, why an assumption was made (unknown temperature or construction date). */
  notes: Partial<Record<ParameterCode, string>>;
}

const NOTE_TEMP_UNKNOWN =
  '水温未知，按水温>12℃的较严限值评价 / water temperature unknown: judged against the stricter (> 12 °C) limit';
const NOTE_BUILT_UNKNOWN =
  '建设时间未知，按2006年1月1日起建设的较严限值评价 / construction date unknown: judged against the stricter limit for plants built from 2006-01-01';

/** YYYY-MM-DD dates compare correctly as strings; anything else is a caller error. */
function builtBefore2006(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}/.test(date))
    throw new RangeError(`plant construction date must be YYYY-MM-DD, got "${date}"`);
  return date.slice(0, 10) < TP_NEW_PLANT_FROM;
}

function resolveCell(cell: Cell, cond: DischargeConditions): { limit: DischargeLimit; note?: string } | null {
  if (cell === null) return null;
  if ('warm' in cell) {
    if (cond.waterTempC === undefined)
      return { limit: { max: Math.min(cell.warm, cell.cold) }, note: NOTE_TEMP_UNKNOWN };
    return { limit: { max: cond.waterTempC <= COLD_WATER_MAX_C ? cell.cold : cell.warm } };
  }
  if ('before2006' in cell) {
    if (cond.plantBuilt === undefined) {
      const note = cell.before2006 !== cell.from2006 ? NOTE_BUILT_UNKNOWN : undefined;
      return { limit: { max: Math.min(cell.before2006, cell.from2006) }, ...(note ? { note } : {}) };
    }
    return { limit: { max: builtBefore2006(cond.plantBuilt) ? cell.before2006 : cell.from2006 } };
  }
  return { limit: { ...cell } };
}

function resolveCustomLimit(limit: CustomLimit, cond: DischargeConditions): { limit: DischargeLimit; note?: string } {
  if (typeof limit === 'number') return { limit: { max: limit } };
  const out: DischargeLimit = {};
  if (limit.min !== undefined) out.min = limit.min;
  let note: string | undefined;
  if (limit.max_cold !== undefined && limit.max !== undefined) {
    if (cond.waterTempC === undefined) {
      out.max = Math.min(limit.max, limit.max_cold);
      note = NOTE_TEMP_UNKNOWN;
    } else {
      out.max = cond.waterTempC <= COLD_WATER_MAX_C ? limit.max_cold : limit.max;
    }
  } else if (limit.max !== undefined) {
    out.max = limit.max;
  } else if (limit.max_cold !== undefined) {
    // Only a cold-water limit: it applies at ≤ 12 °C, and (stricter) when the temperature is unknown.
    if (cond.waterTempC === undefined) {
      out.max = limit.max_cold;
      note = NOTE_TEMP_UNKNOWN;
    } else if (cond.waterTempC <= COLD_WATER_MAX_C) {
      out.max = limit.max_cold;
    }
  }
  return { limit: out, ...(note ? { note } : {}) };
}

/** Parameter names in a custom standard's `limits` that the registry does not know (a catalog error). */
export function unknownLimitParameters(def: CustomDischargeStandard): string[] {
  return Object.keys(def.limits).filter((name) => !resolveParameter(name));
}

/**
 * The limits of a built-in or custom standard under the given conditions. A custom standard starts from its
 * base class (if any) and replaces the items it lists. Throws for a custom limit on an unknown parameter
 * (validate the catalog with `unknownLimitParameters` first).
 */
export function dischargeLimits(
  standard: BuiltinDischargeStandard | CustomDischargeStandard,
  cond: DischargeConditions = {},
): ResolvedLimits {
  const out: ResolvedLimits = { limits: {}, notes: {} };
  const base = typeof standard === 'string' ? standard : standard.base;
  if (base !== undefined) {
    for (const code of ORDER) {
      const resolved = resolveCell(GB18918_TABLE1[code]![base], cond);
      if (!resolved) continue;
      out.limits[code] = resolved.limit;
      if (resolved.note) out.notes[code] = resolved.note;
    }
  }
  if (typeof standard !== 'string') {
    for (const [name, limit] of Object.entries(standard.limits)) {
      const param = resolveParameter(name);
      if (!param) throw new Error(`unknown parameter "${name}" in discharge standard ${standard.name.en}`);
      const resolved = resolveCustomLimit(limit, cond);
      out.limits[param.code] = resolved.limit;
      if (resolved.note) out.notes[param.code] = resolved.note;
      else delete out.notes[param.code];
    }
  }
  return out;
}

export interface EffluentItemResult {
  value: number;
  /** A number for an upper limit; `{min, max}` for a range (pH 6–9) or a lower bound. */
  limit: number | DischargeLimit;
  compliant: boolean;
  /** (C − limit) / limit over the upper limit, 0 when met; null for pH and other ranges or lower bounds. */
  exceedance: number | null;
}

export interface EffluentResult {
  /** False when any item fails; null when no item with a limit was given. */
  compliant: boolean | null;
  items: Partial<Record<ParameterCode, EffluentItemResult>>;
  /** Parameters given that the standard does not limit (e.g. flow, water temperature, TN under class 3). */
  ignored?: ParameterCode[];
  /** Assumptions made (unknown water temperature or construction date), bilingual. */
  notes?: string[];
}

export interface EffluentInput extends DischargeConditions {
  standard: BuiltinDischargeStandard | CustomDischargeStandard;
  /** Daily means in canonical units. */
  values: Partial<Record<ParameterCode, number>>;
}

export function evaluateLimit(value: number, limit: DischargeLimit): { compliant: boolean; exceedance: number | null } {
  const compliant = (limit.max === undefined || value <= limit.max) && (limit.min === undefined || value >= limit.min);
  // A multiple over a limit is only defined for a pure upper limit; a range (pH) has none.
  const exceedance = limit.max !== undefined && limit.min === undefined ? reportedMultiple(value, limit.max) : null;
  return { compliant, exceedance };
}

/** Judges effluent daily means against a discharge standard. Pure. */
export function evaluateEffluent(input: EffluentInput): EffluentResult {
  const { limits, notes } = dischargeLimits(input.standard, input);
  const items: Partial<Record<ParameterCode, EffluentItemResult>> = {};
  const ignored: ParameterCode[] = [];
  const usedNotes = new Set<string>();
  const given = (Object.keys(input.values) as ParameterCode[]).filter((code) => input.values[code] !== undefined);
  const ordered = [...ORDER.filter((c) => given.includes(c)), ...given.filter((c) => !ORDER.includes(c))];
  for (const code of ordered) {
    const value = input.values[code]!;
    const limit = limits[code];
    if (!limit) {
      ignored.push(code);
      continue;
    }
    const { compliant, exceedance } = evaluateLimit(value, limit);
    const shown = limit.min === undefined && limit.max !== undefined ? limit.max : limit;
    items[code] = { value, limit: shown, compliant, exceedance };
    const note = notes[code];
    if (note) usedNotes.add(`${code}: ${note}`);
  }
  const judged = Object.values(items);
  return {
    compliant: judged.length === 0 ? null : judged.every((it) => it!.compliant),
    items,
    ...(ignored.length > 0 ? { ignored } : {}),
    ...(usedNotes.size > 0 ? { notes: [...usedNotes] } : {}),
  };
}
