/**
 * Time windows ('5m', '1h', '4h', '1d', '1mo') and their buckets, aligned to local time in an IANA zone.
 *
 * A bucket boundary is an instant at which the local clock reads a multiple of the window (counted from
 * local midnight; whole-day windows from Monday 1970-01-05, so '7d' buckets are Monday-to-Monday weeks),
 * or an instant at which a UTC-offset change makes the clock jump past one. Consequences in zones with
 * daylight saving time (e.g. Europe/Berlin): the 02:00–04:00 bucket on the spring-forward day is 1 h long,
 * '1d' buckets are 23 h and 25 h on the transition days, and on the fall-back day a '1h' window has two
 * buckets labelled 02:00 (one per offset). Month buckets start at local midnight on the first.
 *
 * Pure: only `Intl` (no tz library, no I/O). Resolving a zone costs ~0.1 ms (more the first time a process
 * asks): `zone()` keeps each name's once (valid names are a finite set; an unknown one throws, it is not kept),
 * and loops pass a `Zone` instead of a name all the same.
 */

export interface TimeWindow {
  /** Canonical spelling: '5m', '1h', '4h', '1d', '7d', '1mo'. */
  spec: string;
  unit: 'minute' | 'hour' | 'day' | 'month';
  size: number;
}

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** 1970-01-05, a Monday: whole-day windows count from it, so weeks start on Monday (ISO 8601). */
const DAY_ANCHOR = 4 * DAY;

/** A bad window or zone. `message` is English; `messageZh` is the same for people reading Chinese. */
export class TimeWindowError extends Error {
  readonly code = 'invalid_window';
  constructor(
    message: string,
    readonly messageZh: string,
  ) {
    super(message);
    this.name = 'TimeWindowError';
  }
}

const WINDOW_HINT = 'use 1m–30m or 1h–12h dividing a day evenly (e.g. 5m, 15m, 1h, 4h), whole days 1d–31d, 1w, or 1mo';
const WINDOW_HINT_ZH = '可用：能整除一天的 1m–30m 或 1h–12h（如 5m、15m、1h、4h），整日 1d–31d，1w，或 1mo';

function invalid(spec: string, why: string, whyZh: string): TimeWindowError {
  return new TimeWindowError(
    `Unsupported time window "${spec}": ${why}; ${WINDOW_HINT}.`,
    `不支持的时间窗口“${spec}”：${whyZh}；${WINDOW_HINT_ZH}。`,
  );
}

/**
 * Parses a window from 1 minute to 1 month: `Nm` / `Nmin` and `Nh` that divide a day evenly (so every
 * local day starts a bucket), `Nd` (1–31), `Nw` (1–4, same as 7N days) and `1mo`.
 * Minutes that are whole hours are normalised ('60m' → '1h'). Throws TimeWindowError otherwise.
 */
export function parseWindow(text: string): TimeWindow {
  const spec = text.trim();
  const match = /^(\d{1,4})(m|min|h|d|w|mo)$/.exec(spec);
  if (!match)
    throw invalid(
      text,
      'write a number followed by m, h, d, w or mo (units are lower case)',
      '请写数字加单位 m、h、d、w 或 mo（小写）',
    );
  const n = Number(match[1]);
  if (n === 0) throw invalid(text, 'the size must be at least 1', '窗口长度至少为 1');
  switch (match[2]) {
    case 'm':
    case 'min': {
      if (n >= 1440) throw invalid(text, 'a day or longer is written in days, e.g. 1d', '一天及以上请用天表示，如 1d');
      if (1440 % n !== 0) throw invalid(text, `${n} minutes do not divide a day evenly`, `${n} 分钟不能整除一天`);
      return n % 60 === 0
        ? { spec: `${n / 60}h`, unit: 'hour', size: n / 60 }
        : { spec: `${n}m`, unit: 'minute', size: n };
    }
    case 'h':
      if (n >= 24)
        throw invalid(
          text,
          'a day is not always 24 hours (daylight saving time), write 1d',
          '一天不一定是 24 小时（夏令时），请写 1d',
        );
      if (24 % n !== 0) throw invalid(text, `${n} hours do not divide a day evenly`, `${n} 小时不能整除一天`);
      return { spec: `${n}h`, unit: 'hour', size: n };
    case 'd':
      if (n > 31) throw invalid(text, 'windows longer than a month are not supported', '不支持超过一个月的窗口');
      return { spec: `${n}d`, unit: 'day', size: n };
    case 'w':
      if (n > 4) throw invalid(text, 'windows longer than a month are not supported', '不支持超过一个月的窗口');
      return { spec: `${7 * n}d`, unit: 'day', size: 7 * n };
    default:
      if (n !== 1) throw invalid(text, 'the longest window is one month', '最长窗口为一个月');
      return { spec: '1mo', unit: 'month', size: 1 };
  }
}

/** True when `text` parses as a window. */
export function isWindowSpec(text: string): boolean {
  try {
    parseWindow(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The window's length in ms when it has a fixed one in local time (minutes, hours, days); a month counts as
 * 30 days. Nominal: for sizing (how many buckets a range makes), never for alignment.
 */
export function nominalWindowMs(window: TimeWindow): number {
  switch (window.unit) {
    case 'minute':
      return window.size * MINUTE;
    case 'hour':
      return window.size * HOUR;
    case 'day':
      return window.size * DAY;
    case 'month':
      return 30 * DAY;
  }
}

/** An IANA zone resolved once; pass it instead of the name in loops. */
export interface Zone {
  readonly name: string;
  /** Local time minus UTC at `ts`, in ms (Asia/Shanghai: +8 h). */
  offsetAt(ts: number): number;
}

/** True for a zone name Intl knows (IANA, e.g. Asia/Shanghai). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Zones by the name asked for: building a zone's Intl formatter costs far more than a window's arithmetic. */
const zones = new Map<string, Zone>();

/** Resolves an IANA zone name (once per name: a zone never changes). Throws TimeWindowError for an unknown zone. */
export function zone(timeZone: string | Zone): Zone {
  if (typeof timeZone !== 'string') return timeZone;
  let z = zones.get(timeZone);
  if (!z) {
    z = resolveZone(timeZone);
    zones.set(timeZone, z);
  }
  return z;
}

/** Offsets kept per zone; the map starts again when full. */
const OFFSETS_KEPT = 8_192;

function resolveZone(timeZone: string): Zone {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset', year: 'numeric' });
  } catch {
    throw new TimeWindowError(
      `Unknown time zone "${timeZone}": use an IANA name such as Asia/Shanghai.`,
      `未知时区“${timeZone}”：请使用 IANA 时区名，如 Asia/Shanghai。`,
    );
  }
  // The offsets asked for, by instant (a zone's offset at an instant never changes): the windows of a run, and
  // of the runs after it, ask for the same boundaries again and again, and formatToParts is most of a window's cost.
  const offsets = new Map<number, number>();
  return {
    name: format.resolvedOptions().timeZone,
    offsetAt(ts: number): number {
      let offset = offsets.get(ts);
      if (offset === undefined) {
        const name = format.formatToParts(ts).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
        offset = parseGmtOffset(name);
        if (offsets.size >= OFFSETS_KEPT) offsets.clear();
        offsets.set(ts, offset);
      }
      return offset;
    },
  };
}

/** "GMT", "GMT+08:00", "GMT-03:30", "GMT+08:05:43" → ms. */
function parseGmtOffset(text: string): number {
  const match = /^GMT(?:([+-])(\d{1,2}):?(\d{2})?(?::(\d{2}))?)?$/.exec(text);
  if (!match) throw new Error(`unexpected time zone offset "${text}" from Intl`);
  if (match[1] === undefined) return 0;
  const ms = Number(match[2]) * HOUR + Number(match[3] ?? 0) * MINUTE + Number(match[4] ?? 0) * 1000;
  return match[1] === '-' ? -ms : ms;
}

/** Local time minus UTC at `ts`, in ms. */
export function utcOffset(ts: number, timeZone: string | Zone = DEFAULT_TIME_ZONE): number {
  return zone(timeZone).offsetAt(ts);
}

/** An interval over which the zone's UTC offset does not change. */
export interface OffsetSegment {
  /** Inclusive, epoch ms. */
  from: number;
  /** Exclusive, epoch ms. */
  to: number;
  /** Local time minus UTC, ms. */
  offset: number;
}

/** The first instant in (lo, hi] whose offset differs from the offset at lo (which must differ at hi). */
function findTransition(z: Zone, lo: number, hi: number): number {
  const before = z.offsetAt(lo);
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (z.offsetAt(mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Splits [from, to) into intervals of constant UTC offset. Probes the zone once per day (no zone changes
 * its offset twice within a day), then bisects to the millisecond where the offset changes.
 */
export function offsetSegments(from: number, to: number, timeZone: string | Zone = DEFAULT_TIME_ZONE): OffsetSegment[] {
  if (!(from < to)) return [];
  const z = zone(timeZone);
  const segments: OffsetSegment[] = [];
  let start = from;
  let offset = z.offsetAt(from);
  let t = from;
  while (t < to) {
    const probe = Math.min(t + DAY, to - 1);
    const probed = z.offsetAt(probe);
    if (probed !== offset) {
      const change = findTransition(z, t, probe);
      segments.push({ from: start, to: change, offset });
      start = change;
      offset = z.offsetAt(change);
      t = change;
    } else {
      t = probe === to - 1 ? to : probe;
    }
  }
  segments.push({ from: start, to, offset });
  return segments;
}

/** Local wall-clock fields. `month` is 1–12. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  millisecond?: number;
}

/** The local wall-clock time at `ts` in the zone. */
export function toLocalTime(ts: number, timeZone: string | Zone = DEFAULT_TIME_ZONE): Required<LocalTime> {
  const d = new Date(ts + zone(timeZone).offsetAt(ts));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

/**
 * Days in `month` (1–12) of `year`, Gregorian, without a Date per call (every HJ 212 time and message timestamp is
 * checked with it). Years 0–99 are read as 1900–1999, as Date.UTC (and so localTimeToUtc) reads them.
 */
export function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  const y = year < 100 ? year + 1900 : year;
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
}

/**
 * The instant a local wall-clock time happens. Ambiguous times (the repeated hour when clocks go back) give
 * the earlier instant; times that do not exist (skipped when clocks go forward) give the instant of the jump.
 */
export function localTimeToUtc(local: LocalTime, timeZone: string | Zone = DEFAULT_TIME_ZONE): number {
  const wall = Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour ?? 0,
    local.minute ?? 0,
    local.second ?? 0,
    local.millisecond ?? 0,
  );
  return wallToUtc(zone(timeZone), wall);
}

/** `wall` is local time expressed as if it were UTC ms. */
function wallToUtc(z: Zone, wall: number): number {
  const before = z.offsetAt(wall - DAY);
  const after = z.offsetAt(wall + DAY);
  const candidates = before === after ? [wall - before] : [wall - before, wall - after].sort((a, b) => a - b);
  for (const t of candidates) {
    if (t + z.offsetAt(t) === wall) return t;
  }
  // In a gap: the clock jumped over `wall` at the transition between the two candidates.
  const lo = Math.min(...candidates);
  const hi = Math.max(...candidates);
  return z.offsetAt(lo) === z.offsetAt(hi) ? hi : findTransition(z, lo, hi);
}

function fixedWindowMs(window: TimeWindow): number {
  return window.unit === 'minute'
    ? window.size * MINUTE
    : window.unit === 'hour'
      ? window.size * HOUR
      : window.size * DAY;
}

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/**
 * Boundaries of a fixed-length local window (minutes, hours, days) in [lo, hi), ascending.
 * Inside a constant-offset segment they form an arithmetic progression; where the offset changes, the
 * change itself is a boundary when the clock jumps into another bucket.
 */
function fixedBoundaries(z: Zone, lo: number, hi: number, size: number): number[] {
  const out: number[] = [];
  const segments = offsetSegments(lo, hi, z);
  segments.forEach((segment, i) => {
    if (i > 0) {
      const previous = segments[i - 1]!;
      const before = floorDiv(segment.from - 1 + previous.offset - DAY_ANCHOR, size);
      const after = floorDiv(segment.from + segment.offset - DAY_ANCHOR, size);
      if (before !== after) out.push(segment.from);
    }
    // First t >= segment.from with (t + offset - anchor) ≡ 0 (mod size).
    const local = segment.from + segment.offset - DAY_ANCHOR;
    let t = segment.from + ((((size - (local % size)) % size) + size) % size);
    for (; t < segment.to; t += size) {
      if (out[out.length - 1] !== t) out.push(t);
    }
  });
  return out;
}

function monthStartOfWall(z: Zone, wall: number, addMonths: number): number {
  const d = new Date(wall);
  return wallToUtc(z, Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + addMonths, 1));
}

/** Start of the bucket that contains `ts`. */
export function bucketStart(ts: number, window: TimeWindow, timeZone: string | Zone = DEFAULT_TIME_ZONE): number {
  const z = zone(timeZone);
  if (window.unit === 'month') return monthStartOfWall(z, ts + z.offsetAt(ts), 0);
  const size = fixedWindowMs(window);
  const boundaries = fixedBoundaries(z, ts - size - DAY, ts + 1, size);
  return boundaries[boundaries.length - 1]!;
}

/** Start of the bucket after the one that contains `ts`. */
export function nextBucketStart(ts: number, window: TimeWindow, timeZone: string | Zone = DEFAULT_TIME_ZONE): number {
  const z = zone(timeZone);
  if (window.unit === 'month') return monthStartOfWall(z, ts + z.offsetAt(ts), 1);
  const size = fixedWindowMs(window);
  const boundaries = fixedBoundaries(z, ts - DAY, ts + size + DAY, size);
  return boundaries.find((b) => b > ts)!;
}

/**
 * Starts of every bucket that overlaps [from, to), ascending: the first is `bucketStart(from)` (which may be
 * before `from`), the last is before `to`. Empty when from >= to.
 */
export function bucketsBetween(
  from: number,
  to: number,
  window: TimeWindow,
  timeZone: string | Zone = DEFAULT_TIME_ZONE,
): number[] {
  if (!(from < to)) return [];
  const z = zone(timeZone);
  if (window.unit === 'month') {
    const starts: number[] = [];
    const first = new Date(from + z.offsetAt(from));
    for (let i = 0; ; i++) {
      const start = wallToUtc(z, Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + i, 1));
      if (start >= to) break;
      starts.push(start);
    }
    return starts;
  }
  const size = fixedWindowMs(window);
  const boundaries = fixedBoundaries(z, from - size - DAY, to, size);
  let first = 0;
  for (let i = 0; i < boundaries.length; i++) {
    if (boundaries[i]! <= from) first = i;
    else break;
  }
  return boundaries.slice(first);
}
