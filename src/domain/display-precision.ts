/**
 * Values as Qingliu answers them: to the parameter's display precision (parameters.ts `decimals`, the 2020
 * national evaluation decimals), rounded half to even as GB/T 8170 rounds reported data (四舍六入五成双). Only what is
 * shown is rounded: stores keep every reading at full precision, and standards judge the unrounded means (unless
 * the 2020 rounding is asked for, rounding.ts).
 */
import { parameter, type ParameterCode } from './parameters.js';
import { roundHalfEven, roundHalfUp } from './rounding.js';

/** A value of `code` as answers show it; already-short values (most raw readings) are returned as they are. */
export function displayValue(code: ParameterCode, value: number): number {
  if (!Number.isFinite(value)) return value;
  const decimals = parameter(code).decimals;
  // Fast path: toFixed is exact for a value that has no more decimals than that.
  if (Number(value.toFixed(decimals)) === value) return value;
  return roundHalfEven(value, decimals);
}

export function displayValueOrNull(code: ParameterCode, value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : displayValue(code, value);
}

/** An exceedance multiple (超标倍数) as reports write it: two decimals, half away from zero. */
export function displayExceedance(value: number | null | undefined): number | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : roundHalfUp(value, 2);
}

/** A share (达标率 0–1) to four decimals: percent with two. */
export function displayShare(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10_000) / 10_000;
}
