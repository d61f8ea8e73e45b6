/**
 * Decimal rounding for evaluation, and the optional 2020 national evaluation rounding.
 *
 * Rounding works on the decimal digits a value is written with (JavaScript's shortest round-trip form), not on
 * its binary approximation: a reading of 2.675 is the decimal 2.675 to the person who typed it, and half-to-even
 * must treat it as an exact half.
 *
 * The 2020 rules (《地表水环境质量监测数据统计技术规定（试行）》环办监测函〔2020〕82号 and 总站水字〔2020〕90号,
 * as implemented by sm1lewc/SurfaceWater and Journey.SurfaceWater — single source, see shared/reference/standards.md
 * §2) are off by default: project decision 1 compares values as measured.
 */
import type { ParameterCode } from './parameters.js';

export const ROUNDING_MODES = ['none', '2020'] as const;
export type RoundingMode = (typeof ROUNDING_MODES)[number];

/** Splits |x| into its significant decimal digits and the power of ten of the first one (x = d.ddd × 10^exp). */
function decompose(x: number): { digits: string; exp: number } {
  const [mantissa = '0', exponent = '0'] = Math.abs(x).toExponential().split('e');
  return { digits: mantissa.replace('.', ''), exp: Number(exponent) };
}

/** 10^0 … 10^15, exact doubles. */
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);
/** Scaled values below this have an ulp of at most 2^-22 (≈ 2.4e-7): far inside HALF_MARGIN. */
const SCALED_MAX = 2 ** 31;
/** How far from an exact half the scaled value must be for its float error not to matter. */
const HALF_MARGIN = 1e-6;

/**
 * The same rounding by arithmetic, for the common case; undefined when the decimal digits must decide. |x| × 10^d
 * is within 1.5 ulp of the decimal value x is written with (its shortest form is within half an ulp of x, the
 * product adds half an ulp): under SCALED_MAX that is below 4e-7, so a scaled value further than HALF_MARGIN
 * from k + ½ rounds as its decimal does, and no such value is an exact half. units ÷ 10^d is the double nearest
 * the decimal units × 10^−d (one correctly rounded division of exact operands), as `Number('…e-d')` is.
 */
function roundByScaling(x: number, decimals: number): number | undefined {
  if (!(decimals >= 0 && decimals < POW10.length) || !Number.isInteger(decimals)) return undefined;
  const scale = POW10[decimals]!;
  const scaled = Math.abs(x) * scale;
  if (!(scaled < SCALED_MAX)) return undefined;
  const whole = Math.floor(scaled);
  const fraction = scaled - whole;
  if (Math.abs(fraction - 0.5) <= HALF_MARGIN) return undefined;
  const units = fraction > 0.5 ? whole + 1 : whole;
  const magnitude = units / scale;
  return x < 0 && magnitude !== 0 ? -magnitude : magnitude;
}

function roundDecimal(x: number, decimals: number, halfEven: boolean): number {
  // Evaluation rounds thousands of values a run (every exceedance multiple): the string path only near a half (and
  // for what it refuses: a value not finite).
  return roundByScaling(x, decimals) ?? roundByDigits(x, decimals, halfEven);
}

/** Rounding on the decimal digits x is written with; exported for the test that checks the fast path against it. */
export function roundByDigits(x: number, decimals: number, halfEven: boolean): number {
  if (!Number.isFinite(x)) throw new RangeError(`cannot round ${x}`);
  if (x === 0) return 0;
  const { digits, exp } = decompose(x);
  // Number of leading digits that sit at or before the last kept decimal place.
  const keep = exp + 1 + decimals;
  if (keep >= digits.length) return x; // already has no more than `decimals` places
  const kept = keep > 0 ? digits.slice(0, keep) : '';
  const dropped = keep >= 0 ? digits.slice(keep) : '0'.repeat(-keep) + digits;
  const first = Number(dropped[0]);
  const restNonZero = /[1-9]/.test(dropped.slice(1));
  const lastKept = kept === '' ? 0 : Number(kept[kept.length - 1]);
  let up: boolean;
  if (first > 5 || (first === 5 && restNonZero)) up = true;
  else if (first < 5) up = false;
  else up = halfEven ? lastKept % 2 === 1 : true;
  const units = BigInt(kept === '' ? '0' : kept) + (up ? 1n : 0n);
  // units × 10^(exp + 1 − keep) = units × 10^(−decimals)
  const magnitude = Number(`${units}e${-decimals}`);
  return x < 0 && magnitude !== 0 ? -magnitude : magnitude;
}

/** Round half to even ("四舍六入五成双") to `decimals` places (may be negative: −1 rounds to tens). */
export function roundHalfEven(x: number, decimals: number): number {
  return roundDecimal(x, decimals, true);
}

/** Round half away from zero ("四舍五入") to `decimals` places. Used for exceedance multiples. */
export function roundHalfUp(x: number, decimals: number): number {
  return roundDecimal(x, decimals, false);
}

/**
 * The 2020 rule: round half to even to `decimals` places; when that gives 0 for a non-zero value, keep one
 * significant digit instead (so 0.00004 mg/L of mercury is not evaluated as "absent").
 */
export function roundKeepingOneSignificant(x: number, decimals: number): number {
  const rounded = roundHalfEven(x, decimals);
  if (rounded !== 0 || x === 0) return rounded;
  return roundHalfEven(x, -decompose(x).exp);
}

/**
 * Decimal places of evaluation data under the 2020 rules (standards.md §2, "evaluation-data decimals";
 * source: 环办监测函〔2020〕82号 via sm1lewc/Journey.SurfaceWater `Dictionaries/*DecimalPlaces2020.cs`).
 * Note pH to an integer: pH 9.4 evaluates as 9 (in range).
 */
export const EVALUATION_DECIMALS_2020: Readonly<Partial<Record<ParameterCode, number>>> = {
  temp: 1,
  ph: 0,
  do: 1,
  codmn: 1,
  cod: 1,
  bod5: 1,
  nh3n: 2,
  tp: 3,
  tn: 2,
  cu: 3,
  zn: 3,
  f: 3,
  se: 4,
  as: 4,
  hg: 5,
  cd: 5,
  cr6: 3,
  pb: 3,
  cn: 3,
  phenol: 4,
  oil: 2,
  las: 2,
  s2: 3,
  fcoli: 0,
  conductivity: 1,
  turbidity: 1,
};

/** Decimal places of hourly automatic-station data under the 2020 rules (standards.md §2, same source). */
export const HOURLY_DECIMALS_2020: Readonly<Partial<Record<ParameterCode, number>>> = {
  ph: 2,
  do: 2,
  codmn: 2,
  nh3n: 3,
  tp: 3,
  tn: 2,
  cod: 2,
  temp: 1,
  conductivity: 1,
  turbidity: 1,
};

/** A value as the 2020 rules would evaluate it; parameters the rules do not list are returned unchanged. */
export function roundForEvaluation2020(code: ParameterCode, value: number): number {
  const decimals = EVALUATION_DECIMALS_2020[code];
  return decimals === undefined ? value : roundKeepingOneSignificant(value, decimals);
}

/** Applies a rounding mode to one value before it is compared with limits. */
export function applyRounding(mode: RoundingMode, code: ParameterCode, value: number): number {
  return mode === '2020' ? roundForEvaluation2020(code, value) : value;
}

export const PH_MEAN_METHODS = ['arithmetic', 'hydrogen-ion'] as const;
export type PhMeanMethod = (typeof PH_MEAN_METHODS)[number];

/**
 * Mean of pH values. The 2020 rules average hydrogen-ion concentrations (pH = −log10 of the mean of 10^−pH),
 * because pH is logarithmic; the arithmetic mean is what most software does and is our default.
 */
export function meanPh(values: readonly number[], method: PhMeanMethod): number {
  if (values.length === 0) throw new RangeError('meanPh needs at least one value');
  if (method === 'arithmetic') return mean(values);
  return -Math.log10(mean(values.map((ph) => 10 ** -ph)));
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('mean needs at least one value');
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
