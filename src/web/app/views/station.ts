/**
 * Station page: who and what the station is, its latest readings, a trend chart per parameter with the limit
 * bands behind the line and flagged readings marked, range (24 h / 7 d / 30 d / custom) and window selectable,
 * the quality/compliance timeline, and for a section the stations upstream with their recent readings.
 */
import type {
  AggregatedSeriesJson,
  LimitBandJson,
  MarkJson,
  QualityJson,
  QualityWindowJson,
  RawReadingJson,
  RawSeriesJson,
  StationDetailJson,
  TracedJson,
  UpstreamJson,
} from '../api-types.js';
import { ApiError } from '../api.js';
import { limitsOf, type Limits } from '../bands.js';
import { trendChart, type FlaggedPoint, type TrendSeries } from '../chart.js';
import {
  bandColor,
  BLACK_ODOROUS_COLORS,
  CLASS_COLORS,
  COMPLIANT_COLOR,
  NONCOMPLIANT_COLOR,
  UNKNOWN_COLOR,
} from '../colors.js';
import type { ViewContext } from '../context.js';
import { h, replace, s } from '../dom.js';
import { durationMs, fmtDate, fmtDateTime, fmtNumber, fmtPercent, isoForInput } from '../format.js';
import type { I18n, MessageKey, TermKey } from '../i18n.js';
import { flagMeaning, paramDecimals, paramName, paramUnit } from '../params.js';
import { hrefOf } from '../router.js';
import { loggerPanel } from './logger-panel.js';
import { chartMarks, MARK_FLAGS, markFlagText, markRange, stationMarks } from '../marks.js';
import {
  card,
  classBadge,
  classText,
  complianceBadge,
  errorBox,
  freshnessBadge,
  isSectionClass,
  load,
  loading,
  romanClass,
  scrollTable,
  term,
} from '../ui.js';

export const RANGES = ['24h', '7d', '30d', 'custom'] as const;
export type RangeKey = (typeof RANGES)[number];
export const WINDOWS = ['raw', '1h', '4h', '1d'] as const;

const HOUR = 3_600_000;
const RANGE_MS: Record<Exclude<RangeKey, 'custom'>, number> = {
  '24h': 24 * HOUR,
  '7d': 7 * 24 * HOUR,
  '30d': 30 * 24 * HOUR,
};
/** Raw readings for a day, hourly means for a week, 4-hour means (the reporting window) for a month. */
const DEFAULT_WINDOW: Record<Exclude<RangeKey, 'custom'>, string> = { '24h': 'raw', '7d': '1h', '30d': '4h' };
/** Raw readings fetched at most for one chart view (pages of 5,000). */
const RAW_CAP = 20_000;
const VALID_FLAGS = new Set(['N', 'T']);

interface RangeChoice {
  key: RangeKey;
  window: string;
  /** What the API is sent: relative (`now-7d`) or local times in the API's zone. */
  from: string;
  to: string;
}

/**
 * The window a chart needs: never finer than the station's reporting interval — hourly means of a station that
 * reports every 4 hours are one reading in four empty hours, drawn as dots, not a line.
 */
export function windowForInterval(preferred: string, intervalMs: number): string {
  if (preferred === 'raw') return 'raw';
  const candidates = WINDOWS.slice(WINDOWS.indexOf(preferred as (typeof WINDOWS)[number]));
  return candidates.find((w) => w !== 'raw' && (durationMs(w) ?? 0) >= intervalMs) ?? '1d';
}

/** The range and window of the charts; `intervalMs` is the station's reporting interval (0: unknown). */
export function rangeFrom(query: URLSearchParams, now: number, timeZone: string, intervalMs = 0): RangeChoice {
  const key = (RANGES as readonly string[]).includes(query.get('range') ?? '')
    ? (query.get('range') as RangeKey)
    : '24h';
  const win = query.get('window');
  const chosen = win && (WINDOWS as readonly string[]).includes(win) ? win : undefined;
  if (key === 'custom') {
    const from = query.get('from') ?? isoForInput(now - RANGE_MS['7d'], timeZone);
    const to = query.get('to') ?? isoForInput(now, timeZone);
    const span = Date.parse(to) - Date.parse(from);
    const auto = span <= 2 * 24 * HOUR ? 'raw' : span <= 10 * 24 * HOUR ? '1h' : span <= 60 * 24 * HOUR ? '4h' : '1d';
    return { key, window: chosen ?? windowForInterval(auto, intervalMs), from, to };
  }
  return {
    key,
    window: chosen ?? windowForInterval(DEFAULT_WINDOW[key], intervalMs),
    from: `now-${key}`,
    to: 'now',
  };
}

/**
 * Windows of the compliance timeline. Sections: 4-hour windows for a week (a day's story, few enough for a phone),
 * days beyond. Plants: GB 18918-2002 assesses daily means, so days — hours only for a single day, the window of the
 * hourly exceedance alerts.
 */
export function timelineWindow(spanMs: number, standard: string = 'gb3838'): string {
  if (standard === 'discharge') return spanMs <= 2 * 24 * HOUR ? '1h' : spanMs <= 92 * 24 * HOUR ? '1d' : '1mo';
  return spanMs <= 8 * 24 * HOUR ? '4h' : spanMs <= 92 * 24 * HOUR ? '1d' : '1mo';
}

const ROLE_TERMS: Record<string, TermKey> = {
  inbound: 'term.inbound',
  control: 'term.control',
  outbound: 'term.outbound',
};

function header(ctx: ViewContext, st: StationDetailJson): HTMLElement {
  const { i18n } = ctx;
  const other = i18n.lang() === 'en' ? st.name.zh : st.name.en;
  const role = st.section?.role ? ROLE_TERMS[st.section.role] : undefined;
  const offline = st.freshness.status === 'offline';
  const meta: (HTMLElement | string | null)[] = [
    h('span', null, role ? term(i18n, role) : i18n.t(`kind.${st.kind}` as MessageKey)),
    st.river_info
      ? h(
          'span',
          null,
          `${i18n.name(st.river_info.name)} ${st.river_km !== null ? i18n.t('common.km', { km: st.river_km }) : ''}`,
        )
      : null,
    st.standard.name ? h('span', { class: 'small' }, i18n.name(st.standard.name)) : null,
    freshnessBadge(i18n, st.freshness.status),
    st.freshness.last_reading_at
      ? h('span', { class: 'small' }, fmtDateTime(Date.parse(st.freshness.last_reading_at), ctx.timeZone))
      : null,
  ];
  const verdict: (HTMLElement | string | null)[] = [];
  if (st.standard.kind === 'gb3838') {
    verdict.push(
      h('span', null, term(i18n, 'term.targetClass'), ' ', classBadge(i18n, st.section?.target_class)),
      h(
        'span',
        { id: 'current-class' },
        term(i18n, 'term.currentClass'),
        ' ',
        classBadge(i18n, offline ? null : st.current?.class),
      ),
    );
    if (st.current?.compliant === false && !offline) verdict.push(complianceBadge(i18n, false));
  } else if (st.standard.kind === 'discharge' || st.standard.kind === 'black-odorous') {
    verdict.push(
      h(
        'span',
        { id: 'current-compliance' },
        term(i18n, 'term.compliance'),
        ' ',
        complianceBadge(i18n, offline ? null : st.current?.compliant),
      ),
    );
  }
  const unit = st.units.jurisdiction ?? st.units.operator;
  return h(
    'div',
    { class: 'page-head' },
    h(
      'div',
      null,
      h(
        'h1',
        { id: 'station-name' },
        i18n.name(st.name, st.id),
        ' ',
        h('span', { class: 'muted small', lang: i18n.lang() === 'en' ? 'zh-CN' : 'en' }, other),
      ),
      h('div', { class: 'meta' }, ...meta),
    ),
    h(
      'div',
      { class: 'meta' },
      ...verdict,
      unit ? h('span', { class: 'small' }, `${i18n.t('station.unit')}: ${i18n.name(unit.name)}`) : null,
    ),
  );
}

function latestTable(ctx: ViewContext, st: StationDetailJson): HTMLElement {
  const { i18n } = ctx;
  const codes = st.parameters.filter((c) => st.latest[c]);
  if (codes.length === 0) return h('p', { class: 'muted' }, i18n.t('common.noData'));
  return scrollTable(
    h(
      'table',
      { id: 'latest-table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, i18n.t('common.parameter')),
          h('th', { class: 'num' }, i18n.t('common.value')),
          h('th', null, term(i18n, 'term.flag')),
          h('th', null, i18n.t('common.time')),
          // Sections are classed (水质类别); plants and creeks comply or not (达标情况).
          h('th', null, term(i18n, st.standard.kind === 'gb3838' ? 'term.waterClass' : 'term.compliance')),
        ),
      ),
      h(
        'tbody',
        null,
        ...codes.map((code) => {
          const r = st.latest[code]!;
          const item = st.current?.items[code];
          return h(
            'tr',
            { 'data-parameter': code },
            h('td', null, paramName(i18n, code)),
            h('td', { class: 'num' }, `${fmtNumber(r.value, paramDecimals(code))} ${paramUnit(code)}`),
            h(
              'td',
              { title: flagMeaning(i18n, r.flag) },
              r.flag === 'N'
                ? h('span', { class: 'muted' }, 'N')
                : h('strong', null, `${r.flag} ${flagMeaning(i18n, r.flag)}`),
            ),
            h('td', null, fmtDateTime(Date.parse(r.time), ctx.timeZone)),
            h(
              'td',
              null,
              item?.class
                ? classBadge(i18n, item.class)
                : item?.compliant !== undefined && item.compliant !== null
                  ? complianceBadge(i18n, item.compliant)
                  : '—',
            ),
          );
        }),
      ),
    ),
  );
}

/** "Ⅰ ≤0.15 · Ⅱ ≤0.5 …" or "限值 ≤5": the numbers behind the coloured bands, as text. */
function limitsLegend(i18n: I18n, code: string, band: LimitBandJson | undefined): HTMLElement | null {
  if (!band) return null;
  const d = paramDecimals(code);
  const parts: HTMLElement[] = [];
  const sw = (color: string) => h('i', { class: 'sw sq', style: `background:${color}` });
  if (band.kind === 'gb3838' && band.classes) {
    const op = band.rule === 'min' ? '≥' : '≤';
    for (const cls of ['I', 'II', 'III', 'IV', 'V'] as const) {
      const v = band.classes[cls];
      if (v !== undefined)
        parts.push(h('span', null, sw(CLASS_COLORS[cls]), `${romanClass(cls)} ${op}${fmtNumber(v, d)}`));
    }
  } else if (band.kind === 'gb3838' && band.rule === 'range') {
    parts.push(h('span', null, sw(bandColor('ok')), `${fmtNumber(band.min, 0)}–${fmtNumber(band.max, 0)}`));
  } else if (band.kind === 'discharge') {
    const limit = i18n.t('term.dischargeLimit');
    if (typeof band.max === 'number')
      parts.push(h('span', null, sw(NONCOMPLIANT_COLOR), `${limit} ≤${fmtNumber(band.max, d)}`));
    if (typeof band.max_cold === 'number') parts.push(h('span', null, `(≤12 °C: ≤${fmtNumber(band.max_cold, d)})`));
    if (typeof band.min === 'number')
      parts.push(h('span', null, sw(NONCOMPLIANT_COLOR), `${limit} ≥${fmtNumber(band.min, d)}`));
  } else if (band.kind === 'black-odorous' && band.light) {
    const [lo, hi] = band.light;
    parts.push(h('span', null, sw(BLACK_ODOROUS_COLORS['bo-none']), i18n.t('blackOdorous.none')));
    parts.push(
      h(
        'span',
        null,
        sw(BLACK_ODOROUS_COLORS['bo-light']),
        `${i18n.t('blackOdorous.light')} ${fmtNumber(lo, d)}–${fmtNumber(hi, d)}`,
      ),
    );
    if (typeof band.severe_below === 'number')
      parts.push(
        h(
          'span',
          null,
          sw(BLACK_ODOROUS_COLORS['bo-severe']),
          `${i18n.t('blackOdorous.severe')} <${fmtNumber(band.severe_below, d)}`,
        ),
      );
    if (typeof band.severe_above === 'number')
      parts.push(
        h(
          'span',
          null,
          sw(BLACK_ODOROUS_COLORS['bo-severe']),
          `${i18n.t('blackOdorous.severe')} >${fmtNumber(band.severe_above, d)}`,
        ),
      );
  }
  return parts.length > 0 ? h('div', { class: 'legend limits-legend' }, ...parts) : null;
}

async function fetchRaw(
  ctx: ViewContext,
  id: string,
  range: RangeChoice,
  cap: number,
): Promise<{ items: RawReadingJson[]; truncated: boolean; from: number; to: number }> {
  const items: RawReadingJson[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await ctx.api.get<RawSeriesJson & { from: string; to: string }>(
      `/stations/${encodeURIComponent(id)}/series`,
      { from: range.from, to: range.to, window: 'raw', limit: 5000, cursor },
      { signal: ctx.signal },
    );
    const from = Date.parse(page.from);
    const to = Date.parse(page.to);
    items.push(...page.items);
    if (!page.nextCursor) return { items, truncated: false, from, to };
    if (items.length >= cap) return { items, truncated: true, from, to };
    cursor = page.nextCursor;
  }
}

interface ChartData {
  from: number;
  to: number;
  window: string;
  downsampled: boolean;
  truncated: boolean;
  perParameter: Map<string, TrendSeries & { excluded: number }>;
  /** Pending and approved data marks over the range (issue 14). */
  marks: MarkJson[];
}

async function loadChartData(ctx: ViewContext, st: StationDetailJson, range: RangeChoice): Promise<ChartData> {
  const perParameter = new Map<string, TrendSeries & { excluded: number }>();
  for (const code of st.parameters) perParameter.set(code, { times: [], values: [], flagged: [], excluded: 0 });
  const addFlagged = (items: readonly RawReadingJson[]) => {
    for (const r of items) {
      if (r.flag === 'N') continue;
      perParameter.get(r.parameter)?.flagged.push({ t: r.ts, v: r.value, flag: r.flag } satisfies FlaggedPoint);
    }
  };

  if (range.window === 'raw') {
    const raw = await fetchRaw(ctx, st.id, range, RAW_CAP);
    for (const r of raw.items) {
      const series = perParameter.get(r.parameter);
      if (!series) continue;
      if (VALID_FLAGS.has(r.flag)) {
        series.times.push(r.ts);
        series.values.push(r.value);
      } else {
        series.excluded += 1;
      }
    }
    addFlagged(raw.items);
    const marks = await stationMarks(ctx, st.id, range.from, range.to).catch(() => []);
    return {
      from: raw.from,
      to: raw.to,
      window: 'raw',
      downsampled: false,
      truncated: raw.truncated,
      perParameter,
      marks,
    };
  }

  // Means, minima and maxima of valid readings; the flagged readings themselves from one raw page (markers only).
  const [agg, raw, marks] = await Promise.all([
    ctx.api.get<AggregatedSeriesJson>(
      `/stations/${encodeURIComponent(st.id)}/series`,
      { from: range.from, to: range.to, window: range.window, agg: 'mean,min,max' },
      { signal: ctx.signal },
    ),
    fetchRaw(ctx, st.id, range, 5000).catch(() => ({ items: [], truncated: true, from: 0, to: 0 })),
    stationMarks(ctx, st.id, range.from, range.to).catch(() => []),
  ]);
  for (const series of agg.series) {
    const target = perParameter.get(series.parameter);
    if (!target) continue;
    target.min = [];
    target.max = [];
    for (const p of series.points) {
      target.times.push(p.ts);
      target.values.push(p.mean ?? null);
      target.min.push(p.min ?? null);
      target.max.push(p.max ?? null);
      target.excluded += p.excluded;
    }
  }
  addFlagged(raw.items);
  return {
    from: Date.parse(agg.from),
    to: Date.parse(agg.to),
    window: agg.window,
    downsampled: agg.downsampled,
    truncated: raw.truncated,
    perParameter,
    marks,
  };
}

/**
 * The form under a chart after a drag selected a time range: flag and reason, then POST the mark. The answer
 * says whether it is in effect (bureau, admin) or waits for the bureau (operators); the charts then reload.
 */
function markForm(
  ctx: ViewContext,
  st: StationDetailJson,
  code: string,
  from: number,
  to: number,
  close: () => void,
): HTMLElement {
  const { i18n } = ctx;
  const flag = h(
    'select',
    { name: 'flag', 'aria-label': i18n.t('marks.flag') },
    ...MARK_FLAGS.map((f) => h('option', { value: f }, markFlagText(i18n, f))),
  ) as HTMLSelectElement;
  const reason = h('textarea', {
    name: 'reason',
    rows: 2,
    placeholder: i18n.t('marks.reasonPlaceholder'),
    'aria-label': i18n.t('marks.reason'),
  }) as HTMLTextAreaElement;
  const status = h('div', { class: 'mark-form-status' });
  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (reason.value.trim() === '') {
      replace(status, h('p', { class: 'error', role: 'alert' }, i18n.t('marks.reasonRequired')));
      reason.focus();
      return;
    }
    try {
      const mark = await ctx.api.post<MarkJson>(`/stations/${encodeURIComponent(st.id)}/marks`, {
        parameters: [code],
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        flag: flag.value,
        reason: reason.value.trim(),
      });
      replace(
        status,
        h(
          'p',
          { class: 'notice', role: 'status', 'data-mark-state': mark.state },
          i18n.t(mark.state === 'approved' ? 'marks.createdApproved' : 'marks.createdPending'),
          ` (#${mark.id})`,
        ),
      );
      // The charts, the timeline and the verdicts are recomputed with the mark.
      setTimeout(() => ctx.navigate(location.hash, { replace: true }), 1200);
    } catch (err) {
      replace(status, h('p', { class: 'error', role: 'alert' }, err instanceof ApiError ? err.message : String(err)));
    }
  };
  return h(
    'form',
    { class: 'mark-form', 'data-mark-form': code, onsubmit: (ev: Event) => void submit(ev) },
    h('strong', null, i18n.t('marks.formTitle', { param: paramName(i18n, code) })),
    h('span', { class: 'mark-form-range' }, `${fmtDateTime(from, ctx.timeZone)} – ${fmtDateTime(to, ctx.timeZone)}`),
    h('label', null, i18n.t('marks.flag'), flag),
    h('label', { class: 'mark-form-reason' }, i18n.t('marks.reason'), reason),
    h(
      'div',
      { class: 'mark-form-buttons' },
      h('button', { type: 'submit', class: 'btn btn-small btn-primary' }, i18n.t('marks.submit')),
      h('button', { type: 'button', class: 'btn btn-small', onclick: close }, i18n.t('marks.cancel')),
    ),
    status,
  );
}

/**
 * Why a parameter has no class bands. GB 3838-2002 Table 1 sets TN (and its lake TP column) for lakes and reservoirs
 * only, so a river section is not classed by TN; temperature, conductivity and turbidity have no class limits.
 */
function noBandsNote(i18n: I18n, st: StationDetailJson, code: string): string {
  if (code === 'tn' && st.standard.waterbody !== 'lake') return i18n.t('station.noBandsTnRiver');
  return i18n.t('station.noBands');
}

function chartCard(ctx: ViewContext, st: StationDetailJson, code: string, data: ChartData): HTMLElement {
  const { i18n } = ctx;
  const series = data.perParameter.get(code)!;
  const band = st.limits[code];
  const limits: Limits = limitsOf(band);
  const unit = paramUnit(code);
  const container = h('div', { class: 'chart', 'data-parameter': code });
  const flags = [...new Set(series.flagged.map((p) => p.flag))].sort();
  const marks = data.marks.filter((m) => m.parameters === 'all' || m.parameters.includes(code));
  const formSlot = h('div', { class: 'mark-form-slot' });
  const el = h(
    'section',
    {
      class: 'card chart-card',
      'data-chart': code,
      'data-bands': limits.bands.map((b) => b.kind).join(','),
      'data-limit-lines': limits.lines.map((l) => l.value).join(','),
      'data-points': series.times.length,
      'data-flagged': series.flagged.length,
    },
    h(
      'h3',
      null,
      h('span', null, paramName(i18n, code), unit ? h('span', { class: 'muted small' }, ` (${unit})`) : null),
    ),
    container,
    limitsLegend(i18n, code, band),
    flags.length > 0
      ? h(
          'p',
          { class: 'chart-note flag-legend' },
          h('i', { class: 'sw hollow', style: 'color:#c2410c' }),
          i18n.t('station.flagLegend'),
          i18n.lang() === 'en' ? ': ' : '：',
          flags.map((f) => `${f} ${flagMeaning(i18n, f)}`).join(' · '),
        )
      : null,
    series.excluded > 0 && data.window !== 'raw'
      ? h('p', { class: 'chart-note' }, i18n.t('station.excluded', { n: series.excluded }))
      : null,
    marks.length > 0
      ? h(
          'p',
          { class: 'chart-note mark-legend', 'data-marks': marks.length },
          h('i', { class: 'sw', style: 'background:#7c3aed40;border:1px dashed #7c3aed' }),
          i18n.t('marks.onChart'),
          i18n.lang() === 'en' ? ': ' : '：',
          marks
            .map(
              (m) =>
                `${markFlagText(i18n, m.flag)} ${markRange(m, ctx.timeZone)}（${i18n.t(`marks.state.${m.state}` as MessageKey)}）`,
            )
            .join('；'),
        )
      : null,
    formSlot,
    !band && st.standard.kind === 'gb3838'
      ? h('p', { class: 'chart-note', 'data-note': 'no-bands' }, noBandsNote(i18n, st, code))
      : null,
  );
  // uPlot measures its container: draw once the card is in the document.
  requestAnimationFrame(() => {
    if (ctx.signal.aborted) return;
    const chart = trendChart(container, series, {
      label: paramName(i18n, code),
      decimals: paramDecimals(code),
      limits,
      limitLabel: i18n.t('station.limit'),
      coldLabel: '≤12 °C',
      labels: {
        time: i18n.t('common.time'),
        flagged: i18n.t('station.flagged'),
        min: i18n.t('station.min'),
        max: i18n.t('station.max'),
      },
      classLabel: (cls) => romanClass(cls),
      from: data.from,
      to: data.to,
      // Three missed reports make a gap in the line (two empty windows for means, never less than the reporting
      // interval allows: hourly means of a 4-hourly station are 4 hours apart and still a line).
      gapMs:
        (data.window === 'raw'
          ? 3 * (durationMs(st.interval) ?? HOUR)
          : 2 * Math.max(durationMs(data.window) ?? HOUR, durationMs(st.interval) ?? 0)) + 1,
      timeZone: ctx.timeZone,
      marks: chartMarks(marks, code),
      ...(ctx.session.can('marks:create') && {
        onSelect: (from: number, to: number) =>
          replace(
            formSlot,
            markForm(ctx, st, code, from, to, () => replace(formSlot)),
          ),
      }),
    });
    ctx.onCleanup(() => chart.destroy());
  });
  return el;
}

function windowColor(st: StationDetailJson, w: QualityWindowJson): { color: string; label: string } {
  if (w.status === 'insufficient_data' || w.status === 'not_evaluated')
    return { color: UNKNOWN_COLOR, label: w.status };
  if (st.standard.kind === 'gb3838' && isSectionClass(w.class)) return { color: CLASS_COLORS[w.class], label: w.class };
  if (st.standard.kind === 'black-odorous' && w.black_odorous)
    return { color: BLACK_ODOROUS_COLORS[`bo-${w.black_odorous}`], label: w.black_odorous };
  if (w.compliant === true) return { color: COMPLIANT_COLOR, label: 'compliant' };
  if (w.compliant === false) return { color: NONCOMPLIANT_COLOR, label: 'non_compliant' };
  return { color: UNKNOWN_COLOR, label: w.status };
}

function statusText(i18n: I18n, w: QualityWindowJson): string {
  switch (w.status) {
    case 'compliant':
      return i18n.t('status.compliant');
    case 'non_compliant':
      return i18n.t('status.noncompliant');
    case 'insufficient_data':
      return i18n.t('status.insufficient');
    default:
      return i18n.t('status.unknown');
  }
}

function timeline(ctx: ViewContext, st: StationDetailJson, q: QualityJson, range: RangeChoice): HTMLElement {
  const { i18n } = ctx;
  if (q.windows.length === 0) return h('p', { class: 'muted' }, i18n.t('common.noData'));
  const cells = q.windows.map((w) => {
    const { color, label } = windowColor(st, w);
    const start = Date.parse(w.start);
    const cls = w.class ? ` · ${classText(i18n, w.class)}` : '';
    const pp =
      w.primary_pollutants && w.primary_pollutants.length > 0
        ? ` · ${i18n.list(w.primary_pollutants.map((c) => paramName(i18n, c)))}`
        : '';
    return h('span', {
      style: `background:${color}`,
      'data-status': w.status,
      'data-label': label,
      title: `${fmtDateTime(start, ctx.timeZone)} — ${statusText(i18n, w)}${cls}${pp}`,
    });
  });
  const first = Date.parse(q.windows[0]!.start);
  const last = Date.parse(q.windows[q.windows.length - 1]!.end);
  const sum = q.summary;
  return h(
    'div',
    { id: 'timeline', 'data-windows': q.windows.length },
    h('div', { class: 'strip' }, ...cells),
    h(
      'div',
      { class: 'strip-axis' },
      h('span', null, fmtDate(first, ctx.timeZone)),
      h('span', null, fmtDate(last - 1, ctx.timeZone)),
    ),
    h(
      'p',
      { class: 'small' },
      term(i18n, 'term.complianceRate'),
      h(
        'span',
        { class: 'muted', id: 'compliance-rate-basis' },
        i18n.lang() === 'en' ? ` (${rateBasis(i18n, q.window, range)})` : `（${rateBasis(i18n, q.window, range)}）`,
      ),
      i18n.lang() === 'en' ? ': ' : '：',
      h('strong', { id: 'compliance-rate' }, fmtPercent(sum.compliance_rate)),
      ` · ${i18n.t('status.compliant')} ${sum.compliant} · ${i18n.t('status.noncompliant')} ${sum.non_compliant} · ${i18n.t('status.insufficient')} ${sum.insufficient_data}`,
      sum.worst_class ? h('span', null, ` · ${i18n.t('compliance.worst')} `, classBadge(i18n, sum.worst_class)) : null,
    ),
    st.standard.kind === 'discharge'
      ? h('p', { class: 'chart-note', id: 'plant-rules' }, i18n.t('station.plantRules'))
      : null,
    h('p', { class: 'chart-note' }, i18n.t('station.rateElsewhere')),
  );
}

/** "按 4 小时窗口，近 7 天" / "4-hour windows, last 7 days": which windows a rate counts. */
function rateBasis(i18n: I18n, window: string, range: RangeChoice): string {
  const windowText = i18n.t(`window.${window}` as MessageKey);
  const rangeText =
    range.key === 'custom' ? i18n.t('station.range.custom') : i18n.t(`station.last.${range.key}` as MessageKey);
  return i18n.t('station.rateBasis', { window: windowText, range: rangeText });
}

/** A 90×22 sparkline of window means. */
function sparkline(
  points: { ts: number; mean?: number | null }[],
  from: number,
  to: number,
  color: string,
): SVGElement {
  const vals = points.filter((p) => typeof p.mean === 'number') as { ts: number; mean: number }[];
  const w = 90;
  const hgt = 22;
  if (vals.length < 2) return s('svg', { width: w, height: hgt, class: 'spark' });
  const lo = Math.min(...vals.map((p) => p.mean));
  const hi = Math.max(...vals.map((p) => p.mean));
  const x = (t: number) => ((t - from) / Math.max(1, to - from)) * (w - 2) + 1;
  const y = (v: number) => (hi === lo ? hgt / 2 : hgt - 2 - ((v - lo) / (hi - lo)) * (hgt - 4));
  const pts = vals.map((p) => `${x(p.ts).toFixed(1)},${y(p.mean).toFixed(1)}`).join(' ');
  return s(
    'svg',
    { width: w, height: hgt, class: 'spark', viewBox: `0 0 ${w} ${hgt}` },
    s('polyline', { points: pts, fill: 'none', stroke: color, 'stroke-width': 1.5 }),
  );
}

function upstreamTable(ctx: ViewContext, up: UpstreamJson, params: readonly string[]): HTMLElement {
  const { i18n } = ctx;
  const from = Date.parse(up.from);
  const to = Date.parse(up.to);
  const rows: TracedJson[] = [up.origin, ...up.upstream];
  const cell = (t: TracedJson, code: string) => {
    const series = t.series.find((x) => x.parameter === code);
    if (!series || series.points.length === 0) return h('td', { class: 'muted' }, '—');
    const means = series.points.map((p) => p.mean).filter((v): v is number => typeof v === 'number');
    const max = series.points.map((p) => p.max).filter((v): v is number => typeof v === 'number');
    const peak = max.length > 0 ? Math.max(...max) : null;
    const mean = means.length > 0 ? means.reduce((a, b) => a + b, 0) / means.length : null;
    const limits = limitsOf(t.limits[code]);
    const over =
      peak !== null &&
      (limits.lines.some((l) => l.note !== 'cold' && (l.side === 'max' ? peak > l.value : false)) ||
        limits.bands.some(
          (b) => (b.kind === '劣V' || b.kind === 'V' || b.kind === 'bad') && peak > b.from && peak <= b.to,
        ));
    return h(
      'td',
      { class: 'num' },
      sparkline(series.points, from, to, over ? NONCOMPLIANT_COLOR : '#0b4f85'),
      h('br'),
      h('span', { class: over ? 'bad-value' : '' }, `${fmtNumber(mean, paramDecimals(code))}`),
      h('span', { class: 'muted small' }, ` / ${fmtNumber(peak, paramDecimals(code))}`),
    );
  };
  return h(
    'div',
    null,
    h(
      'p',
      { class: 'muted small' },
      i18n.t('station.upstreamHint', { hours: Math.round((to - from) / HOUR) }),
      i18n.t('station.meanMax'),
    ),
    scrollTable(
      h(
        'table',
        { id: 'upstream-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, i18n.t('common.station')),
            h('th', { class: 'num' }, i18n.t('station.distance')),
            h('th', { class: 'num' }, i18n.t('station.travel')),
            ...params.map((p) => h('th', { class: 'num' }, `${paramName(i18n, p)} ${paramUnit(p)}`)),
          ),
        ),
        h(
          'tbody',
          null,
          ...rows.map((t, i) =>
            h(
              'tr',
              { 'data-station': t.station.id, class: i === 0 ? 'selected' : null },
              h(
                'td',
                null,
                h('a', { href: hrefOf('station', t.station.id) }, i18n.name(t.station.name, t.station.id)),
                h('br'),
                h('span', { class: 'muted small' }, i18n.t(`kind.${t.station.kind}` as MessageKey)),
              ),
              h('td', { class: 'num' }, `${fmtNumber(t.distance_km, 1)} km`),
              h('td', { class: 'num' }, `${fmtNumber(t.travel_hours, 1)} h`),
              ...params.map((p) => cell(t, p)),
            ),
          ),
        ),
      ),
    ),
  );
}

function controls(ctx: ViewContext, st: StationDetailJson, range: RangeChoice): HTMLElement {
  const { i18n } = ctx;
  const go = (q: Record<string, string | undefined>) => ctx.navigate(hrefOf('station', st.id, q), { replace: true });
  const rangeButtons = h(
    'div',
    { class: 'segmented', role: 'group', 'aria-label': i18n.t('station.range'), id: 'range-buttons' },
    ...RANGES.map((key) =>
      h(
        'button',
        {
          type: 'button',
          'data-range': key,
          'aria-pressed': String(range.key === key),
          onclick: () =>
            key === 'custom'
              ? go({
                  range: 'custom',
                  from: isoForInput(ctx.now() - RANGE_MS['7d'], ctx.timeZone),
                  to: isoForInput(ctx.now(), ctx.timeZone),
                })
              : go({ range: key }),
        },
        i18n.t(`station.range.${key}` as MessageKey),
      ),
    ),
  );
  const windowSelect = h(
    'select',
    {
      id: 'window-select',
      onchange: (e: Event) =>
        go({
          range: range.key,
          window: (e.target as HTMLSelectElement).value,
          ...(range.key === 'custom' ? { from: range.from, to: range.to } : {}),
        }),
    },
    ...WINDOWS.map((w) =>
      h('option', { value: w, selected: w === range.window }, i18n.t(`station.window.${w}` as MessageKey)),
    ),
  );
  const custom =
    range.key === 'custom'
      ? h(
          'form',
          {
            class: 'controls',
            id: 'custom-range',
            onsubmit: (e: Event) => {
              e.preventDefault();
              const f = e.target as HTMLFormElement;
              const from = (f.elements.namedItem('from') as HTMLInputElement).value;
              const to = (f.elements.namedItem('to') as HTMLInputElement).value;
              go({ range: 'custom', from, to, window: range.window });
            },
          },
          h(
            'label',
            null,
            i18n.t('common.from'),
            h('input', { type: 'datetime-local', name: 'from', value: range.from, required: true }),
          ),
          h(
            'label',
            null,
            i18n.t('common.to'),
            h('input', { type: 'datetime-local', name: 'to', value: range.to, required: true }),
          ),
          h('button', { type: 'submit', class: 'btn btn-small btn-primary' }, i18n.t('common.apply')),
        )
      : null;
  return h(
    'div',
    { class: 'controls' },
    h('label', null, i18n.t('station.range'), rangeButtons),
    h('label', null, i18n.t('station.window'), windowSelect),
    custom,
  );
}

/** Parameters to trace upstream: the origin's primary pollutants, else the usual suspects it measures. */
function upstreamParameters(st: StationDetailJson): string[] {
  const pp = st.current?.primary_pollutants ?? [];
  const usual = ['nh3n', 'tp', 'codmn', 'cod', 'do'].filter((p) => st.parameters.includes(p));
  return [...new Set([...pp, ...usual])].slice(0, 4);
}

export async function renderStation(ctx: ViewContext, main: HTMLElement): Promise<void> {
  const { i18n } = ctx;
  const id = ctx.route.id;
  if (!id) {
    ctx.navigate('#/', { replace: true });
    return;
  }
  main.replaceChildren(loading(i18n));
  let st: StationDetailJson;
  try {
    st = await ctx.api.get<StationDetailJson>(`/stations/${encodeURIComponent(id)}`, undefined, { signal: ctx.signal });
  } catch (err) {
    if (ctx.signal.aborted) return;
    const notFound = err instanceof ApiError && err.status === 404;
    main.replaceChildren(
      notFound
        ? h(
            'div',
            { class: 'card' },
            h('h1', null, i18n.t('station.notFound')),
            h('p', null, id),
            h('a', { href: '#/' }, i18n.t('common.back')),
          )
        : errorBox(i18n, err, () => void renderStation(ctx, main)),
    );
    return;
  }
  if (ctx.signal.aborted) return;

  const range = rangeFrom(ctx.route.query, ctx.now(), ctx.timeZone, durationMs(st.interval) ?? 0);
  const chartsEl = h('div', { class: 'charts', id: 'charts' }, loading(i18n));
  const chartsNote = h('div', { class: 'chart-meta' });
  const timelineEl = h('div', null, loading(i18n));
  const upstreamEl = h('div', null);
  const loggerEl = h('div', { id: 'logger-panel' });
  const judged = st.standard.kind !== 'none';

  replace(
    main,
    header(ctx, st),
    h(
      'div',
      { class: 'grid' },
      card(i18n.t('common.latest'), latestTable(ctx, st)),
      judged
        ? card(i18n.t(st.standard.kind === 'gb3838' ? 'station.timeline' : 'station.timelinePlant'), timelineEl)
        : h('div'),
    ),
    card(
      i18n.t('station.trends'),
      controls(ctx, st, range),
      ctx.session.can('marks:create')
        ? h('p', { class: 'chart-note', id: 'mark-hint' }, i18n.t('marks.selectHint'))
        : null,
      chartsNote,
      chartsEl,
    ),
    // Below the trends: it appears only once loaded (a station with a logger), and must not move the charts.
    loggerEl,
    st.kind === 'river_section' && st.upstream.length > 0 ? card(i18n.t('station.upstream'), upstreamEl) : null,
  );

  const tasks: Promise<unknown>[] = [
    load(
      i18n,
      chartsEl,
      () => loadChartData(ctx, st, range),
      (data) => {
        replace(
          chartsNote,
          data.downsampled ? h('p', { class: 'notice' }, i18n.t('station.downsampled'), ` (${data.window})`) : null,
          data.truncated
            ? h(
                'p',
                { class: 'notice' },
                data.window === 'raw'
                  ? i18n.t('station.rawTruncated', { n: RAW_CAP })
                  : i18n.t('station.flagsTruncated'),
              )
            : null,
        );
        return st.parameters.map((code) => chartCard(ctx, st, code, data));
      },
      ctx.signal,
    ),
    loggerPanel(ctx, st.id, loggerEl),
  ];
  if (judged) {
    tasks.push(
      load(
        i18n,
        timelineEl,
        () =>
          ctx.api.get<QualityJson>(
            `/stations/${encodeURIComponent(st.id)}/quality`,
            { from: range.from, to: range.to, window: timelineWindow(rangeSpan(range), st.standard.kind) },
            { signal: ctx.signal },
          ),
        (q) => timeline(ctx, st, q, range),
        ctx.signal,
      ),
    );
  }
  if (st.kind === 'river_section' && st.upstream.length > 0) {
    const params = upstreamParameters(st);
    tasks.push(
      load(
        i18n,
        upstreamEl,
        () =>
          ctx.api.get<UpstreamJson>(
            `/stations/${encodeURIComponent(st.id)}/upstream`,
            { hours: 24, window: '1h', params },
            { signal: ctx.signal },
          ),
        (up) => upstreamTable(ctx, up, params),
        ctx.signal,
      ),
    );
  }
  await Promise.all(tasks);
}

function rangeSpan(range: RangeChoice): number {
  if (range.key !== 'custom') return RANGE_MS[range.key];
  const span = Date.parse(range.to) - Date.parse(range.from);
  return Number.isFinite(span) && span > 0 ? span : RANGE_MS['7d'];
}
