/** Numbers, times and durations for people, in the dashboard's language and the monitoring network's time zone. */
import type { Lang } from './i18n.js';

/*
 * Times are shown in the server's zone (TIMEZONE, given to the page by settings.ts), not the browser's: the API
 * aligns day and month windows to it, and an analyst abroad should read the same hours as the bureau. Every
 * function here takes the zone; none assumes one.
 */

export function fmtNumber(value: number | null | undefined, decimals = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toFixed(Math.max(0, Math.min(decimals, 6)));
}

export function fmtPercent(share: number | null | undefined, decimals = 1): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—';
  return `${(share * 100).toFixed(decimals)}%`;
}

/** Year, month, day, hour and minute of an instant in the zone, zero-padded. */
export function zonedParts(ts: number, timeZone: string): Record<string, string> {
  const out: Record<string, string> = {};
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  for (const p of fmt.formatToParts(new Date(ts))) out[p.type] = p.value;
  return out;
}

/** `2024-05-14 08:00` in the zone (the same in both languages: unambiguous, sorts, fits a table cell). */
export function fmtDateTime(ts: number | null | undefined, timeZone: string): string {
  if (ts === null || ts === undefined || !Number.isFinite(ts)) return '—';
  const p = zonedParts(ts, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

export function fmtDate(ts: number, timeZone: string): string {
  const p = zonedParts(ts, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** `YYYY-MM` of an instant in the zone. */
export function fmtMonth(ts: number, timeZone: string): string {
  const p = zonedParts(ts, timeZone);
  return `${p.year}-${p.month}`;
}

/** The zone's offset at an instant: `UTC+08:00`, `UTC−03:30`, `UTC`. */
export function fmtUtcOffset(ts: number, timeZone: string): string {
  const p = zonedParts(ts, timeZone);
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
  const minutes = Math.round((asUtc - Math.floor(ts / 60_000) * 60_000) / 60_000);
  if (minutes === 0) return 'UTC';
  const abs = Math.abs(minutes);
  return `UTC${minutes < 0 ? '−' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** "3 分钟前" / "3 min ago". */
export function fmtAgo(ms: number, lang: Lang): string {
  const zh = lang === 'zh-CN';
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min < 1) return zh ? '刚刚' : 'just now';
  if (min < 60) return zh ? `${min} 分钟前` : `${min} min ago`;
  const hours = Math.round(min / 60);
  if (hours < 48) return zh ? `${hours} 小时前` : `${hours} h ago`;
  const days = Math.round(hours / 24);
  return zh ? `${days} 天前` : `${days} d ago`;
}

/** An instant as a `datetime-local` input's value in the zone. */
export function isoForInput(ts: number, timeZone: string): string {
  const p = zonedParts(ts, timeZone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/**
 * Tick labels of a time axis: hours and minutes, with the date under the first tick of each day; dates alone
 * when ticks are a day or more apart. 24-hour clock in both languages, as Chinese reports write time.
 */
export function timeTicks(splits: readonly number[], incrementMs: number, timeZone: string): string[] {
  let lastDay = '';
  return splits.map((ts) => {
    const p = zonedParts(ts, timeZone);
    const day = `${p.month}-${p.day}`;
    if (incrementMs >= 86_400_000) return day;
    const label = day !== lastDay ? `${p.hour}:${p.minute}\n${day}` : `${p.hour}:${p.minute}`;
    lastDay = day;
    return label;
  });
}

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  mo: 30 * 86_400_000,
};

/** A duration such as `4h`, `30m`, `1d`, `1mo` in (nominal) milliseconds; undefined for anything else. */
export function durationMs(spec: string): number | undefined {
  const m = /^(\d+)(mo|m|h|d|w)$/.exec(spec.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}
