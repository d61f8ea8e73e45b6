/**
 * Unit conversion into each parameter's canonical unit. A unit we do not know is refused rather than guessed:
 * a wrong factor of 1000 on a heavy metal is worse than a rejected reading.
 */

/**
 * Units normalised, remembered: every HJ 212 value is converted (two units, four regular expressions each), and a
 * process meets a handful of spellings. Bounded like the ingest memos (issue 12): once MAX_REMEMBERED spellings are
 * in, nothing more is admitted, so a device inventing units costs only its own recomputation and never clears the
 * spellings everyone else uses.
 */
const NORMALISED = new Map<string, string>();
const MAX_REMEMBERED = 256;
const MAX_REMEMBERED_LENGTH = 32;

/** Normalises the many ways loggers spell a unit: µ/μ/u, superscripts, case, spaces. */
export function normaliseUnit(unit: string): string {
  let normalised = NORMALISED.get(unit);
  if (normalised === undefined) {
    normalised = unit
      .trim()
      .replace(/[µμ]/g, 'u')
      .replace(/³/g, '3')
      .replace(/℃/g, '°c')
      .replace(/\s+/g, '')
      .toLowerCase();
    if (NORMALISED.size < MAX_REMEMBERED && unit.length <= MAX_REMEMBERED_LENGTH) NORMALISED.set(unit, normalised);
  }
  return normalised;
}

/**
 * Units grouped by dimension; `factor` multiplies a value in that unit into the group's base unit.
 * A parameter's canonical unit must belong to one of these groups (or be dimensionless).
 */
const UNIT_GROUPS: Record<string, Record<string, number>> = {
  concentration: { 'mg/l': 1, 'ug/l': 1e-3, 'ng/l': 1e-6, 'g/l': 1e3, 'mg/m3': 1e-3, 'g/m3': 1, ppm: 1, ppb: 1e-3 },
  temperature: { '°c': 1, degc: 1, c: 1, celsius: 1 },
  conductivity: { 'us/cm': 1, 'ms/cm': 1e3, 'ms/m': 10, 's/m': 1e4 },
  turbidity: { ntu: 1, fnu: 1 },
  length: { cm: 1, mm: 0.1, m: 100 },
  potential: { mv: 1, v: 1e3 },
  // Flow: the HJ 212-2017 unit for wastewater flow (w00000) is L/s.
  flow: { 'l/s': 1, 'm3/s': 1e3, 'm3/h': 1000 / 3600, 'm3/d': 1000 / 86400, 't/h': 1000 / 3600, 't/d': 1000 / 86400 },
  count: { '个/l': 1, '/l': 1, 'mpn/l': 1, 'cfu/l': 1, 'mpn/100ml': 10, 'cfu/100ml': 10 },
  chlorophyll: { 'ug/l': 1, 'mg/m3': 1, 'mg/l': 1e3 },
  dilution: { 倍: 1, times: 1, x: 1 },
  ph: { '': 1, ph: 1, '-': 1, dimensionless: 1 },
};

export type UnitGroup = keyof typeof UNIT_GROUPS;

export class UnitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnitError';
  }
}

export function unitsOf(group: UnitGroup): string[] {
  return Object.keys(UNIT_GROUPS[group] ?? {});
}

/** Converts `value` from `unit` into the group's base unit (the canonical unit of parameters of that group). */
export function convertUnit(value: number, unit: string, group: UnitGroup): number {
  const table = UNIT_GROUPS[group];
  const factor = table?.[normaliseUnit(unit)];
  if (factor === undefined) {
    throw new UnitError(
      `unknown unit "${unit}" for a ${group} value; accepted: ${unitsOf(group).filter(Boolean).join(', ')}`,
    );
  }
  return value * factor;
}
