/**
 * Report periods (月报 / 季报 / 年报) in local time: a month `2026-11`, a quarter `2026-Q4`, a year `2026`. Their
 * bounds are local midnights in the report's zone (Asia/Shanghai by default), computed with time-window.ts.
 * Pure.
 */
import { localTimeToUtc, toLocalTime, type Zone } from '../time-window.js';

export const PERIOD_KINDS = ['monthly', 'quarterly', 'annual'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

export interface Period {
  kind: PeriodKind;
  year: number;
  /** Month 1–12 (monthly), quarter 1–4 (quarterly), 1 (annual). */
  index: number;
}

/** A period that cannot be read; `message` is English, `messageZh` the same in Chinese. */
export class PeriodError extends Error {
  readonly code = 'invalid_period';
  constructor(
    message: string,
    readonly messageZh: string,
  ) {
    super(message);
    this.name = 'PeriodError';
  }
}

const FORMS: Record<PeriodKind, { pattern: RegExp; example: string }> = {
  monthly: { pattern: /^(\d{4})-(\d{2})$/, example: '2026-11' },
  quarterly: { pattern: /^(\d{4})-Q([1-4])$/i, example: '2026-Q4' },
  annual: { pattern: /^(\d{4})$/, example: '2026' },
};

/** Reads `2026-11` (monthly), `2026-Q4` (quarterly) or `2026` (annual). Throws PeriodError otherwise. */
export function parsePeriod(kind: PeriodKind, text: string): Period {
  const form = FORMS[kind];
  const match = form.pattern.exec(text.trim());
  const year = match ? Number(match[1]) : NaN;
  const index = kind === 'annual' ? 1 : match ? Number(match[2]) : NaN;
  if (!match || year < 1970 || year > 2200 || (kind === 'monthly' && (index < 1 || index > 12))) {
    throw new PeriodError(
      `"${text}" is not a ${kind} period: write it like ${form.example}`,
      `“${text}”不是有效的${KIND_ZH[kind]}期：格式如 ${form.example}`,
    );
  }
  return { kind, year, index };
}

const KIND_ZH: Record<PeriodKind, string> = { monthly: '月报', quarterly: '季报', annual: '年报' };

export function periodKey(p: Period): string {
  if (p.kind === 'monthly') return `${p.year}-${String(p.index).padStart(2, '0')}`;
  if (p.kind === 'quarterly') return `${p.year}-Q${p.index}`;
  return String(p.year);
}

/** First local month (1–12) of the period and how many months it spans. */
function months(p: Period): { first: number; count: number } {
  if (p.kind === 'monthly') return { first: p.index, count: 1 };
  if (p.kind === 'quarterly') return { first: 3 * (p.index - 1) + 1, count: 3 };
  return { first: 1, count: 12 };
}

/** [from, to): local midnight of the first day to local midnight after the last, epoch ms. */
export function periodBounds(p: Period, timeZone: string | Zone): { from: number; to: number } {
  const { first, count } = months(p);
  return {
    from: localTimeToUtc({ year: p.year, month: first, day: 1 }, timeZone),
    to: localTimeToUtc({ year: p.year, month: first + count, day: 1 }, timeZone),
  };
}

/** The period `n` steps away (−1: the previous one, the basis of 环比). */
export function shiftPeriod(p: Period, n: number): Period {
  if (p.kind === 'annual') return { ...p, year: p.year + n };
  const per = p.kind === 'monthly' ? 12 : 4;
  const zeroBased = p.year * per + (p.index - 1) + n;
  return { kind: p.kind, year: Math.floor(zeroBased / per), index: (zeroBased % per) + 1 };
}

/** The same period of the previous year (the basis of 同比 and of the CWQI change ranking). */
export function samePeriodLastYear(p: Period): Period {
  return { ...p, year: p.year - 1 };
}

/** The period containing `ts` in local time. */
export function periodContaining(kind: PeriodKind, ts: number, timeZone: string | Zone): Period {
  const local = toLocalTime(ts, timeZone);
  if (kind === 'monthly') return { kind, year: local.year, index: local.month };
  if (kind === 'quarterly') return { kind, year: local.year, index: Math.floor((local.month - 1) / 3) + 1 };
  return { kind, year: local.year, index: 1 };
}

/** The last period that has ended by `now` (what the scheduled job issues on the 1st). */
export function lastCompletedPeriod(kind: PeriodKind, now: number, timeZone: string | Zone): Period {
  return shiftPeriod(periodContaining(kind, now, timeZone), -1);
}

const QUARTER_ZH = ['一', '二', '三', '四'];
const MONTH_EN = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "2026年11月" / "November 2026"; "2026年第四季度" / "Q4 2026"; "2026年" / "2026". */
export function periodLabel(p: Period, lang: 'zh-CN' | 'en'): string {
  if (lang === 'en') {
    if (p.kind === 'monthly') return `${MONTH_EN[p.index - 1]} ${p.year}`;
    if (p.kind === 'quarterly') return `Q${p.index} ${p.year}`;
    return String(p.year);
  }
  if (p.kind === 'monthly') return `${p.year}年${p.index}月`;
  if (p.kind === 'quarterly') return `${p.year}年第${QUARTER_ZH[p.index - 1]}季度`;
  return `${p.year}年`;
}

export const REPORT_TITLE: Record<PeriodKind, { zh: string; en: string }> = {
  monthly: { zh: '水环境质量月报', en: 'Monthly water-quality report' },
  quarterly: { zh: '水环境质量季报', en: 'Quarterly water-quality report' },
  annual: { zh: '水环境质量年报', en: 'Annual water-quality report' },
};
