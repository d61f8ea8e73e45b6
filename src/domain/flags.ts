/**
 * HJ 212-2017 data flags (Table 8), carried per reading.
 * Which flags count for compliance is a project decision (shared/reference/standards.md §6, decision 9):
 * N (normal) and T (above the instrument's upper range — a real reading; excluding it would hide the worst
 * pollution) count; the others are kept and shown but excluded from compliance means and pollution alerts.
 */
export const DATA_FLAGS = ['N', 'F', 'M', 'S', 'D', 'C', 'T', 'B'] as const;
export type DataFlag = (typeof DATA_FLAGS)[number];

export const FLAG_MEANING: Record<DataFlag, { zh: string; en: string }> = {
  N: { zh: '正常', en: 'normal' },
  F: { zh: '停运', en: 'instrument stopped' },
  M: { zh: '维护', en: 'maintenance' },
  S: { zh: '手工输入', en: 'manually entered' },
  D: { zh: '故障', en: 'instrument fault' },
  C: { zh: '校准', en: 'calibration' },
  T: { zh: '超测上限', en: 'above measuring range' },
  B: { zh: '通讯异常', en: 'communication fault' },
};

export const VALID_FLAGS: readonly DataFlag[] = ['N', 'T'];

export function isDataFlag(flag: string): flag is DataFlag {
  return (DATA_FLAGS as readonly string[]).includes(flag);
}

/** True when a reading with this flag counts for compliance means and pollution alerts. */
export function countsForCompliance(flag: DataFlag): boolean {
  return flag === 'N' || flag === 'T';
}
