/**
 * Water quality of one station per window (4h, 1d, 1mo …): valid-reading means per item, judged by the
 * station's standard (judge-window.ts), plus the whole period judged from the same readings and a summary
 * (达标率 and friends) that the compliance overview reuses.
 *
 * Windows align to local time in `tz` (days to local midnight, months to the 1st). A window cut by the range or
 * by `now` is judged on the part asked for and elapsed, and expects readings for that part only.
 */
import type { Catalog, Station } from '../catalog/index.js';
import { classRank, type SectionClass } from '../domain/gb3838.js';
import type { ParameterCode } from '../domain/parameters.js';
import { bucketsBetween, nextBucketStart, zone, type TimeWindow } from '../domain/time-window.js';
import type { ReadingStore } from '../store/reading-store.js';
import { judgeWindow, type ItemStats, type WindowStatus, type WindowVerdict } from './judge-window.js';
import { bucketCountEstimate } from './series.js';
import { ServiceError } from './service-error.js';
import { standardOf, type StationStandard } from './station-standard.js';
import { expectedCount, minValidShareOf, requiredCount } from './window-sufficiency.js';

/** More windows than this in one request is a mistake (e.g. 1h windows over a year per station). */
export const MAX_WINDOWS = 10_000;

export interface QualityDeps {
  store: ReadingStore;
  catalog: Catalog;
  now: () => number;
  /** Default minimum share of expected valid readings (decision 9); stations may override it. */
  minValidShare?: number;
}

export interface QualityQuery {
  station: Station;
  from: number;
  to: number;
  window: TimeWindow;
  tz: string;
}

export interface QualityWindow {
  /** Window start and end (epoch ms), aligned to local time. */
  start: number;
  end: number;
  /** The part judged: the window cut to the range asked for and to now. */
  judgedFrom: number;
  judgedTo: number;
  /** Valid readings the station should have sent per item in the judged part, and how many an item needs. */
  expected: number;
  required: number;
  /** Readings left out of the means because of their flag, all items together. */
  excluded: number;
  verdict: WindowVerdict;
}

export interface ItemExceedance {
  parameter: ParameterCode;
  /** Judged windows in which the item broke the target class or limit. */
  windows: number;
  /** Largest multiple over the target class limit (sections) or discharge limit (plants); null where undefined. */
  max_exceedance: number | null;
}

export interface QualitySummary {
  windows: number;
  compliant: number;
  non_compliant: number;
  insufficient_data: number;
  no_target: number;
  not_evaluated: number;
  /**
   * 达标率: compliant / (compliant + non_compliant), 0–1 to four decimals. Windows with insufficient data are left
   * out of the denominator; null when no window was judged.
   */
  compliance_rate: number | null;
  /** Worst GB 3838 class among the judged windows (sections). */
  worst_class: SectionClass | null;
  worst_class_window: number | null;
  /** Items that broke the target or limit, most often first. */
  exceeding: ItemExceedance[];
  /** Readings excluded by flag over the whole period. */
  excluded_readings: number;
}

export interface QualityResult {
  station: Station;
  standard: StationStandard;
  window: TimeWindow;
  minValidShare: number;
  windows: QualityWindow[];
  /** The whole period judged on its valid-reading means (the monthly report's class and primary pollutants). */
  period: QualityWindow | null;
  summary: QualitySummary;
}

/** And across the stations of one compliance request. */
export const MAX_TOTAL_WINDOWS = 100_000;

export function checkWindowCount(window: TimeWindow, from: number, to: number, stations = 1): void {
  const perStation = bucketCountEstimate(window, from, to);
  const total = perStation * stations;
  if (perStation <= MAX_WINDOWS && total <= MAX_TOTAL_WINDOWS) return;
  const [count, limit] = perStation > MAX_WINDOWS ? [perStation, MAX_WINDOWS] : [total, MAX_TOTAL_WINDOWS];
  const scope =
    perStation > MAX_WINDOWS
      ? { zh: '', en: '' }
      : { zh: `（${stations} 个站点合计）`, en: ` across ${stations} stations` };
  throw new ServiceError(
    'too_many_windows',
    `窗口 ${window.spec} 在该时间范围内约有 ${count} 个${scope.zh}，上限 ${limit}；请用更长的窗口或更短的时间范围`,
    `window ${window.spec} makes about ${count} windows over this range${scope.en}, more than ${limit}; use a longer window or a shorter range`,
    'window',
  );
}

function addStats(
  into: Map<ParameterCode, { sum: number; count: number; excluded: number }>,
  code: ParameterCode,
  s: ItemStats,
): void {
  const acc = into.get(code) ?? { sum: 0, count: 0, excluded: 0 };
  if (s.mean !== null) acc.sum += s.mean * s.count;
  acc.count += s.count;
  acc.excluded += s.excluded;
  into.set(code, acc);
}

export async function stationQuality(deps: QualityDeps, q: QualityQuery): Promise<QualityResult> {
  const { station } = q;
  checkWindowCount(q.window, q.from, q.to);
  const standard = standardOf(deps.catalog, station);
  const share = minValidShareOf(station, deps.minValidShare);
  const now = deps.now();
  const parameters = [...station.parameters];
  const buckets = await deps.store.aggregate({
    stationId: station.id,
    parameters,
    from: q.from,
    to: q.to,
    window: q.window,
    timeZone: q.tz,
    validOnly: true,
    // Only means and counts are judged; leaving out min and max halves the work on InfluxDB.
    extremes: false,
  });
  const byStart = new Map<number, Map<ParameterCode, ItemStats>>();
  for (const b of buckets) {
    let stats = byStart.get(b.start);
    if (!stats) byStart.set(b.start, (stats = new Map()));
    stats.set(b.parameter, { mean: b.mean, count: b.count, excluded: b.excluded });
  }

  const z = zone(q.tz);
  const starts = bucketsBetween(q.from, q.to, q.window, z);
  const windows: QualityWindow[] = [];
  const totals = new Map<ParameterCode, { sum: number; count: number; excluded: number }>();
  let judgedSpan = 0;
  starts.forEach((start, i) => {
    const end = starts[i + 1] ?? nextBucketStart(start, q.window, z);
    const judgedFrom = Math.max(start, q.from);
    const judgedTo = Math.min(end, q.to, now);
    if (judgedTo <= judgedFrom) return; // not begun yet
    const stats = byStart.get(start) ?? new Map<ParameterCode, ItemStats>();
    const expected = expectedCount(judgedTo - judgedFrom, station.interval);
    const required = requiredCount(expected, share);
    let excluded = 0;
    for (const [code, s] of stats) {
      excluded += s.excluded;
      addStats(totals, code, s);
    }
    judgedSpan += judgedTo - judgedFrom;
    windows.push({
      start,
      end,
      judgedFrom,
      judgedTo,
      expected,
      required,
      excluded,
      verdict: judgeWindow({ standard, parameters, stats, required }),
    });
  });

  let period: QualityWindow | null = null;
  if (windows.length > 0) {
    const stats = new Map<ParameterCode, ItemStats>();
    let excluded = 0;
    for (const [code, t] of totals) {
      stats.set(code, { mean: t.count > 0 ? t.sum / t.count : null, count: t.count, excluded: t.excluded });
      excluded += t.excluded;
    }
    const expected = expectedCount(judgedSpan, station.interval);
    const required = requiredCount(expected, share);
    const first = windows[0]!;
    const last = windows[windows.length - 1]!;
    period = {
      start: first.judgedFrom,
      end: last.judgedTo,
      judgedFrom: first.judgedFrom,
      judgedTo: last.judgedTo,
      expected,
      required,
      excluded,
      verdict: judgeWindow({ standard, parameters, stats, required }),
    };
  }
  const target = standard.kind === 'gb3838' ? standard.target : null;
  return {
    station,
    standard,
    window: q.window,
    minValidShare: share,
    windows,
    period,
    summary: summarise(windows, target),
  };
}

/** Whether an item broke the target or limit in a window, and by how much. */
function itemBreach(
  verdict: WindowVerdict,
  code: ParameterCode,
  target: SectionClass | null,
): { broke: boolean; multiple: number | null } {
  const item = verdict.items[code];
  if (!item?.sufficient) return { broke: false, multiple: null };
  if (item.class !== undefined) {
    const broke =
      target !== null && item.class !== null && !item.reference && classRank(item.class) > classRank(target);
    return { broke, multiple: item.exceedance_target ?? null };
  }
  if (item.compliant !== undefined) return { broke: item.compliant === false, multiple: item.exceedance ?? null };
  if (item.level !== undefined) return { broke: item.level !== 'none', multiple: null };
  return { broke: false, multiple: null };
}

export function summarise(windows: readonly QualityWindow[], target: SectionClass | null = null): QualitySummary {
  const counts: Record<WindowStatus, number> = {
    compliant: 0,
    non_compliant: 0,
    insufficient_data: 0,
    no_target: 0,
    not_evaluated: 0,
  };
  let worst: SectionClass | null = null;
  let worstAt: number | null = null;
  let excludedReadings = 0;
  const exceeding = new Map<ParameterCode, ItemExceedance>();
  for (const w of windows) {
    const v = w.verdict;
    counts[v.status] += 1;
    excludedReadings += w.excluded;
    const judged = v.status === 'compliant' || v.status === 'non_compliant' || v.status === 'no_target';
    if (judged && v.class) {
      if (worst === null || classRank(v.class) > classRank(worst)) {
        worst = v.class;
        worstAt = w.start;
      }
    }
    if (v.status !== 'non_compliant') continue;
    for (const code of Object.keys(v.items) as ParameterCode[]) {
      const breach = itemBreach(v, code, target);
      if (!breach.broke) continue;
      const e = exceeding.get(code) ?? { parameter: code, windows: 0, max_exceedance: null };
      e.windows += 1;
      if (breach.multiple !== null) e.max_exceedance = Math.max(e.max_exceedance ?? 0, breach.multiple);
      exceeding.set(code, e);
    }
  }
  const judged = counts.compliant + counts.non_compliant;
  return {
    windows: windows.length,
    ...counts,
    compliance_rate: judged > 0 ? Math.round((counts.compliant / judged) * 10_000) / 10_000 : null,
    worst_class: worst,
    worst_class_window: worstAt,
    exceeding: [...exceeding.values()].sort(
      (a, b) => b.windows - a.windows || (b.max_exceedance ?? 0) - (a.max_exceedance ?? 0),
    ),
    excluded_readings: excludedReadings,
  };
}
