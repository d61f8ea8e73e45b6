/**
 * `from`/`to` query parameters: ISO 8601 (with an offset, or local time in `tz`), epoch milliseconds, or relative
 * to now (`now`, `now-7d`). The range is half-open [from, to), must be bounded, forward and at most `maxSpanMs`.
 * A `+` in an offset arrives as a space when a URL is not encoded (`…T08:00:00 08:00`); we read it as `+`.
 */
import { z } from '@hono/zod-openapi';
import { EARLIEST_TIME, LATEST_TIME } from '../../store/limits.js';
import { bilingualIssue } from '../validation.js';
import { formatInZone, isValidTimeZone, wallClockToEpoch } from './zoned-time.js';

export type TimeInput =
  | { kind: 'instant'; ms: number }
  | { kind: 'local'; year: number; month: number; day: number; hour: number; minute: number; second: number; millisecond: number }
  | { kind: 'relative'; agoMs: number };

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+\- ])(\d{2})(?::?(\d{2}))?)?)?$/;
const RELATIVE = /^now(?:-(\d+)(m|h|d|w))?$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
/** Anything below this many ms is 1973 or earlier: certainly epoch seconds sent by mistake. */
const MIN_EPOCH_MS = 1e11;
const EARLIEST_YEAR = new Date(EARLIEST_TIME).getUTCFullYear();
const LATEST_YEAR = new Date(LATEST_TIME).getUTCFullYear();
/** `now-…` reaches back this far at most: to the earliest supported time from any date before the latest. */
const MAX_AGO_MS = LATEST_TIME - EARLIEST_TIME - 2 * 86_400_000;

function outOfRange(shown: string): ParseResult {
  return {
    ok: false,
    zh: `"${shown}" 超出支持的时间范围（${EARLIEST_YEAR}-01-01 至 ${LATEST_YEAR}-01-01）`,
    en: `"${shown}" is outside the supported time range (${EARLIEST_YEAR}-01-01 to ${LATEST_YEAR}-01-01)`,
  };
}

export type ParseResult = { ok: true; value: TimeInput } | { ok: false; zh: string; en: string };

const EXPECTED = {
  zh: '应为 ISO 8601 时间（如 2024-05-01 或 2024-05-01T08:00:00+08:00）、毫秒时间戳（如 1714521600000）或相对时间（now、now-7d、now-12h）',
  en: 'expected an ISO 8601 time (e.g. 2024-05-01 or 2024-05-01T08:00:00+08:00), epoch milliseconds (e.g. 1714521600000) or a time relative to now (now, now-7d, now-12h)',
};

export function parseTimeInput(raw: string): ParseResult {
  const s = raw.trim();
  const shown = s.slice(0, 60);
  if (/^\d+$/.test(s)) {
    const ms = Number(s);
    if (ms < MIN_EPOCH_MS) {
      return {
        ok: false,
        zh: `"${shown}" 看起来是秒级时间戳；应为毫秒（乘以 1000）`,
        en: `"${shown}" looks like epoch seconds; epoch milliseconds are expected (multiply by 1000)`,
      };
    }
    if (!Number.isSafeInteger(ms) || ms > LATEST_TIME) return outOfRange(shown);
    return { ok: true, value: { kind: 'instant', ms } };
  }
  const rel = RELATIVE.exec(s);
  if (rel) {
    const agoMs = rel[1] === undefined ? 0 : Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
    if (!(agoMs <= MAX_AGO_MS)) return outOfRange(shown);
    return { ok: true, value: { kind: 'relative', agoMs } };
  }
  const m = ISO.exec(s);
  if (!m) return { ok: false, zh: `"${shown}" 无法识别：${EXPECTED.zh}`, en: `"${shown}" is not a time: ${EXPECTED.en}` };
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', z_, sign, oh, om = '00'] = m;
  const wall = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(sec),
    millisecond: Number(frac.slice(0, 3).padEnd(3, '0')),
  };
  const check = new Date(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second));
  if (
    check.getUTCFullYear() !== wall.year ||
    check.getUTCMonth() !== wall.month - 1 ||
    check.getUTCDate() !== wall.day ||
    check.getUTCHours() !== wall.hour ||
    check.getUTCMinutes() !== wall.minute ||
    check.getUTCSeconds() !== wall.second
  ) {
    return { ok: false, zh: `"${shown}" 不是有效的日期时间`, en: `"${shown}" is not a valid calendar date and time` };
  }
  // Local times shift by at most a day with their zone: the year alone decides.
  if (wall.year < EARLIEST_YEAR || wall.year >= LATEST_YEAR) return outOfRange(shown);
  if (z_ === undefined && sign === undefined) return { ok: true, value: { kind: 'local', ...wall } };
  const offsetMin = z_ !== undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (Math.abs(offsetMin) > 18 * 60) return { ok: false, zh: `"${shown}" 的时区偏移无效`, en: `"${shown}" has an invalid UTC offset` };
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
  const ms = asUtc - offsetMin * 60_000;
  if (ms < EARLIEST_TIME || ms > LATEST_TIME) return outOfRange(shown);
  return { ok: true, value: { kind: 'instant', ms } };
}

export function resolveTimeInput(input: TimeInput, ctx: { now: number; timeZone: string }): number {
  switch (input.kind) {
    case 'instant':
      return input.ms;
    case 'relative':
      return ctx.now - input.agoMs;
    case 'local':
      return wallClockToEpoch(input, ctx.timeZone);
  }
}

/**
 * An optional time query parameter (ISO 8601, epoch ms or now-…), parsed into a TimeInput with a bilingual error.
 * `blankIsAbsent`: `?from=` is no filter (list filters, which a form sends empty), not an invalid time.
 */
export const timeInputField = (
  openapi: { description: string; example: string },
  options: { blankIsAbsent?: boolean } = {},
) =>
  z
    .string()
    .optional()
    .transform((raw, ctx): TimeInput | undefined => {
      if (raw === undefined || (options.blankIsAbsent && raw === '')) return undefined;
      const parsed = parseTimeInput(raw);
      if (parsed.ok) return parsed.value;
      bilingualIssue(ctx, { reason: 'invalid_format', zh: parsed.zh, en: parsed.en });
      return z.NEVER;
    })
    .openapi(openapi);

const rangeField = (name: 'from' | 'to') =>
  timeInputField({
    description:
      name === 'from'
        ? 'Start (inclusive): ISO 8601 (local time in `tz` when no offset), epoch ms, or `now-7d`'
        : 'End (exclusive): ISO 8601 (local time in `tz` when no offset), epoch ms, or `now`',
    example: name === 'from' ? '2024-05-01T00:00:00+08:00' : '2024-06-01T00:00:00+08:00',
  });

export interface TimeRangeOptions {
  now: () => number;
  /** Zone for local times and for `tz`'s default (config TIMEZONE). */
  defaultTimeZone: string;
  /** Longest accepted range; longer is a 400 naming the limit. */
  maxSpanMs: number;
}

export interface ResolvedTimeRange {
  /** Inclusive, epoch ms. */
  from: number;
  /** Exclusive, epoch ms. */
  to: number;
  /** IANA zone for window alignment and for formatting times. */
  tz: string;
}

function formatSpan(ms: number, lang: 'zh' | 'en'): string {
  const days = ms / 86_400_000;
  if (days >= 1) return `${Number(days.toFixed(1))}${lang === 'zh' ? ' 天' : ' days'}`;
  return `${Number((ms / 3_600_000).toFixed(1))}${lang === 'zh' ? ' 小时' : ' hours'}`;
}

/**
 * A query schema with `from`, `to` and `tz` (plus `extra` fields), resolving to epoch ms. Build it when routes
 * are registered (it captures the clock). Object-level checks report on the parameter at fault.
 */
export function timeRangeQuery<S extends z.ZodRawShape = Record<never, never>>(options: TimeRangeOptions, extra?: S) {
  const base = z.object({
    ...(extra ?? ({} as S)),
    from: rangeField('from'),
    to: rangeField('to'),
    tz: z
      .string()
      .optional()
      .openapi({ description: `IANA time zone for local times and day/month alignment (default ${options.defaultTimeZone})`, example: 'Asia/Shanghai' }),
  });
  type Output = Omit<z.output<typeof base>, 'from' | 'to' | 'tz'> & ResolvedTimeRange;
  return base.transform((raw, ctx): Output => {
    const q = raw as unknown as { from?: TimeInput; to?: TimeInput; tz?: string } & Record<string, unknown>;
    const tz = q.tz ?? options.defaultTimeZone;
    if (!isValidTimeZone(tz)) {
      bilingualIssue(ctx, { path: ['tz'], reason: 'invalid_value', zh: `"${tz.slice(0, 60)}" 不是 IANA 时区，例如 Asia/Shanghai`, en: `"${tz.slice(0, 60)}" is not an IANA time zone, e.g. Asia/Shanghai` });
      return z.NEVER;
    }
    for (const name of ['from', 'to'] as const) {
      if (q[name] === undefined) {
        bilingualIssue(ctx, {
          path: [name],
          reason: 'required',
          zh: `必须提供：时间范围必须有起止（如 from=now-7d&to=now）`,
          en: `is required: the time range must be bounded at both ends (e.g. from=now-7d&to=now)`,
        });
      }
    }
    if (q.from === undefined || q.to === undefined) return z.NEVER;
    const now = options.now();
    const from = resolveTimeInput(q.from, { now, timeZone: tz });
    const to = resolveTimeInput(q.to, { now, timeZone: tz });
    if (to <= from) {
      const f = formatInZone(from, tz);
      const t = formatInZone(to, tz);
      bilingualIssue(ctx, {
        path: ['to'],
        reason: 'range_reversed',
        zh: `结束时间（${t}）必须晚于开始时间（${f}）`,
        en: `must be later than from: to is ${t}, from is ${f}`,
      });
      return z.NEVER;
    }
    if (to - from > options.maxSpanMs) {
      bilingualIssue(ctx, {
        path: ['to'],
        reason: 'range_too_long',
        zh: `时间范围为 ${formatSpan(to - from, 'zh')}，超过单次请求上限 ${formatSpan(options.maxSpanMs, 'zh')}；请拆分请求`,
        en: `the range spans ${formatSpan(to - from, 'en')}, more than the ${formatSpan(options.maxSpanMs, 'en')} allowed per request; split it`,
      });
      return z.NEVER;
    }
    const { from: _f, to: _t, tz: _tz, ...rest } = q;
    return { ...rest, from, to, tz } as Output;
  });
}
