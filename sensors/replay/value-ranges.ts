/**
 * The smallest and largest value of every parameter in a file of real readings, per station status (CNEMC
 * 站点情况: 正常, 维护 …), read exactly as the replay reads it (same columns, units, "no value" markers).
 * scripts/real-data-ranges.ts prints them for docs/standards.md, where they justify the parameter registry's
 * ranges.
 */
import type { ParameterCode } from '../../src/domain/parameters.js';
import { parseCsv } from './csv.js';
import type { ReplayMapping } from './mapping.js';
import { cellValue, detectFormat, planColumns, specialColumns } from './read-replay.js';

/** Rows without a status column (or with an empty cell) are grouped under this key. */
export const NO_STATUS = '';

export interface ValueRange {
  count: number;
  min: number;
  max: number;
  /** 1-based data rows of the smallest and largest value (the first, when repeated). */
  minRow: number;
  maxRow: number;
}

export interface FileRanges {
  /** Parameter → status → range. */
  ranges: Map<ParameterCode, Map<string, ValueRange>>;
  /** Column → parameter, as read. */
  columns: { column: string; parameter: ParameterCode }[];
  rows: number;
}

export function valueRanges(text: string, mapping: ReplayMapping): FileRanges {
  const rows = parseCsv(text);
  const header = (rows.shift() ?? []).map((h) => h.trim());
  const format = detectFormat(header);
  const special = specialColumns(header, format, mapping);
  const { plans } = planColumns(header, format, mapping, Object.values(special));
  const ranges = new Map<ParameterCode, Map<string, ValueRange>>();
  rows.forEach((row, i) => {
    const status = special.status >= 0 ? (row[special.status]?.trim() ?? NO_STATUS) : NO_STATUS;
    for (const plan of plans) {
      const value = cellValue(row[plan.index] ?? '', plan);
      if (typeof value !== 'number') continue;
      let byStatus = ranges.get(plan.param.code);
      if (!byStatus) ranges.set(plan.param.code, (byStatus = new Map()));
      const range = byStatus.get(status);
      if (!range) byStatus.set(status, { count: 1, min: value, max: value, minRow: i + 1, maxRow: i + 1 });
      else {
        range.count += 1;
        if (value < range.min) Object.assign(range, { min: value, minRow: i + 1 });
        if (value > range.max) Object.assign(range, { max: value, maxRow: i + 1 });
      }
    }
  });
  return {
    ranges,
    columns: plans.map((p) => ({ column: p.column, parameter: p.param.code })),
    rows: rows.length,
  };
}
