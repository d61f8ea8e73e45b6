/**
 * The city water-quality index CWQI (城市水质指数) of 《城市地表水环境质量排名技术规定（试行）》环办监测〔2017〕51号,
 * as reproduced in shared/reference/standards.md §7 (C2 unless stated):
 * - items: the 21 evaluation items of GB 3838 Table 1 (not water temperature, TN, fecal coliform);
 * - item index CWQIᵢ = Cᵢ / Sᵢ, Sᵢ the class III limit (TP: 0.2 river, 0.05 lake/reservoir);
 * - DO: 5 / C; pH: 7 − pH at pH ≤ 7, (pH − 7) / 2 above;
 * - a section's CWQI is the sum of its item indices (published values of 2–7 only fit a sum);
 * - status ranking ascending (smaller is better), published to 4 decimals;
 * - ΔCWQI = (CWQI_now − CWQI_base) / CWQI_base × 100 %, 2 decimals (U: inferred from the published form).
 */
import { classLimits, gb3838Item, type WaterbodyType } from '../gb3838.js';
import type { ParameterCode } from '../parameters.js';

/** DO's CWQI term is 5 / C: the class III DO limit over the concentration. */
const DO_CLASS_III = 5;

/** One item's CWQI term; null for items outside the 21 (or without a class III limit here, or DO ≤ 0). */
export function cwqiTerm(code: ParameterCode, value: number, waterbody: WaterbodyType): number | null {
  const item = gb3838Item(code);
  if (!item?.evaluated) return null;
  if (item.rule === 'range') return value <= 7 ? 7 - value : (value - 7) / 2;
  if (item.rule === 'min') return value > 0 ? DO_CLASS_III / value : null;
  const limit = classLimits(code, waterbody)?.[2];
  return limit === undefined ? null : value / limit;
}

export interface Cwqi {
  /** Sum of the terms; null when no evaluation item is present. */
  total: number | null;
  /** Each item's term, so readers see what moved the index (a detection-limit change moves it too). */
  terms: Partial<Record<ParameterCode, number>>;
}

export function sectionCwqi(means: Partial<Record<ParameterCode, number>>, waterbody: WaterbodyType): Cwqi {
  const terms: Partial<Record<ParameterCode, number>> = {};
  let total: number | null = null;
  for (const [code, value] of Object.entries(means) as [ParameterCode, number | undefined][]) {
    if (value === undefined) continue;
    const term = cwqiTerm(code, value, waterbody);
    if (term === null) continue;
    terms[code] = term;
    total = (total ?? 0) + term;
  }
  return { total, terms };
}

/** ΔCWQI in percent against a base period; null when either is missing (or the base is 0). */
export function cwqiChange(now: number | null, base: number | null): number | null {
  if (now === null || base === null || base === 0) return null;
  return ((now - base) / base) * 100;
}

/** The mean of the sections' CWQI: a city's or district's index (decision 10, until the official text says otherwise). */
export function groupCwqi(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return null;
  return present.reduce((a, b) => a + b, 0) / present.length;
}
