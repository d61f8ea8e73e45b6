/**
 * A plant's effluent (or an industrial outfall) over a period, against its discharge standard: GB 18918-2002
 * judges daily means (§4.1.4.2), so each day with enough valid data is judged on its means (gb18918.ts, with the
 * day's mean water temperature for the NH3-N rule and the plant's construction date for TP); the report counts
 * compliant days and exceedance days, names the items that exceeded, and gives each item's period mean and its
 * highest daily mean, and the discharged load where flow is measured.
 *
 * Load: HJ 212-2017 D.1 computes G = Σ C·Q·t; with daily means this is C_day × Q_day × 86,400 s per day
 * (mg/L × L/s × s = mg), an approximation that equals the flow-weighted sum when either is steady within the day.
 */
import { evaluateEffluent } from '../gb18918.js';
import { parameter, type ParameterCode } from '../parameters.js';
import type { Zone } from '../time-window.js';
import { periodOf } from './period-means.js';
import type { PeriodPieces, PlantStation } from './types.js';
import { dischargeLimits } from '../gb18918.js';

const SECONDS_PER_DAY = 86_400;
const MG_PER_KG = 1e6;

export interface PlantItem {
  parameter: ParameterCode;
  /** The upper limit in force (the stricter one where it depends on temperature), null for a range (pH). */
  limit: number | null;
  mean: number | null;
  /** Highest daily mean. */
  max_daily_mean: number | null;
  exceedance_days: number;
  /** Largest multiple over the limit on an exceedance day; null for pH. */
  max_multiple: number | null;
  /** kg over the days with both the item's and the flow's daily mean; null without flow or for pH. */
  load_kg: number | null;
}

export interface PlantVerdict {
  days: number;
  judged_days: number;
  compliant_days: number;
  non_compliant_days: number;
  insufficient_days: number;
  /** Compliant days over judged days (0–1), null when no day was judged. */
  compliance_rate: number | null;
  items: PlantItem[];
  /** Items that exceeded on at least one day. */
  exceeding: ParameterCode[];
  flow_measured: boolean;
}

export function judgePlant(
  station: PlantStation,
  data: PeriodPieces,
  timeZone: string | Zone,
  dayKey?: (ts: number) => string,
): PlantVerdict {
  const built = station.plant.built ? { plantBuilt: station.plant.built } : {};
  const limited = dischargeLimits(station.standard.definition, built).limits;
  const deciding = station.parameters.filter((code) => limited[code] !== undefined);
  const period = periodOf(station, data, { deciding, timeZone, dayKey });
  const dayKeys = new Set<string>();
  for (const code of deciding) for (const key of period.items[code]?.days.keys() ?? []) dayKeys.add(key);
  const enough = (code: ParameterCode, key: string) =>
    (period.items[code]?.days.get(key)?.count ?? 0) >= period.requiredPerDay;

  const stats = new Map<ParameterCode, { exceedanceDays: number; maxMultiple: number | null }>();
  let compliant = 0;
  let nonCompliant = 0;
  for (const key of [...dayKeys].sort()) {
    const values: Partial<Record<ParameterCode, number>> = {};
    for (const code of deciding) if (enough(code, key)) values[code] = period.items[code]!.days.get(key)!.mean;
    if (Object.keys(values).length === 0) continue;
    const temp = period.items.temp?.days.get(key)?.mean;
    const result = evaluateEffluent({
      standard: station.standard.definition,
      values,
      ...built,
      ...(temp !== undefined ? { waterTempC: temp } : {}),
    });
    const failed = Object.entries(result.items).filter(([, it]) => it && !it.compliant) as [
      ParameterCode,
      { exceedance: number | null },
    ][];
    for (const [code, it] of failed) {
      const s = stats.get(code) ?? { exceedanceDays: 0, maxMultiple: null };
      s.exceedanceDays += 1;
      if (it.exceedance !== null) s.maxMultiple = Math.max(s.maxMultiple ?? 0, it.exceedance);
      stats.set(code, s);
    }
    // As for the daily digest: a failure is certain from the items that have data; compliance needs all of them.
    if (failed.length > 0) nonCompliant++;
    else if (Object.keys(values).length === deciding.length) compliant++;
  }
  const judged = compliant + nonCompliant;
  const flow = period.items.flow;
  const items: PlantItem[] = deciding.map((code) => {
    const item = period.items[code]!;
    const dailyMeans = [...item.days.values()].map((d) => d.mean);
    const limit = limited[code]!;
    let load: number | null = null;
    if (flow && code !== 'ph' && parameter(code).unitGroup === 'concentration') {
      for (const [key, day] of item.days) {
        const q = flow.days.get(key);
        if (!q) continue;
        load = (load ?? 0) + (day.mean * q.mean * SECONDS_PER_DAY) / MG_PER_KG;
      }
    }
    return {
      parameter: code,
      limit: limit.min === undefined ? (limit.max ?? null) : null,
      mean: item.mean,
      max_daily_mean: dailyMeans.length > 0 ? Math.max(...dailyMeans) : null,
      exceedance_days: stats.get(code)?.exceedanceDays ?? 0,
      max_multiple: stats.get(code)?.maxMultiple ?? null,
      load_kg: load,
    };
  });
  return {
    days: period.days,
    judged_days: judged,
    compliant_days: compliant,
    non_compliant_days: nonCompliant,
    insufficient_days: period.days - judged,
    compliance_rate: judged === 0 ? null : compliant / judged,
    items,
    exceeding: items.filter((i) => i.exceedance_days > 0).map((i) => i.parameter),
    flow_measured: flow !== undefined && flow.count > 0,
  };
}
