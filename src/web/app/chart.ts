/**
 * A trend chart (uPlot): the line of one parameter with, behind it, the GB 3838 class bands (or a plant's
 * discharge limit lines on top), the min–max spread of aggregated windows, and flagged readings as hollow
 * markers labelled with their HJ 212 flag letter — visible, but not part of the line that compliance uses.
 */
import uPlot from 'uplot';
import { bandFill } from './colors.js';
import { fmtDateTime, timeTicks } from './format.js';
import { yRange, type Limits, type LimitLine } from './bands.js';

export interface FlaggedPoint {
  t: number;
  v: number;
  flag: string;
}

export interface TrendSeries {
  /** Epoch ms, ascending. */
  times: number[];
  /** The line: raw valid readings, or window means. */
  values: (number | null)[];
  /** Window minima and maxima (aggregated views). */
  min?: (number | null)[];
  max?: (number | null)[];
  flagged: FlaggedPoint[];
}

/** A data mark's range on the chart (issue 14): approved marks filled, pending ones outlined. */
export interface ChartMark {
  from: number;
  to: number;
  flag: string;
  state: 'approved' | 'pending';
}

export interface TrendChartOptions {
  label: string;
  decimals: number;
  limits: Limits;
  /** Label of a limit line ("限值" / "limit") and of the cold-water one ("≤12 °C"). */
  limitLabel: string;
  coldLabel: string;
  /** Legend labels: the time column, the flagged-readings series, window minima and maxima. */
  labels: { time: string; flagged: string; min: string; max: string };
  /** How a class band is labelled on the plot (Ⅰ–Ⅴ). */
  classLabel: (cls: string) => string;
  color?: string;
  height?: number;
  /** The zone times are shown in (the server's, settings.ts). */
  timeZone: string;
  /** Points further apart than this are not joined (a data gap); default: always joined. */
  gapMs?: number;
  /** The visible x range (epoch ms), so an empty stretch at either end still shows as time. */
  from: number;
  to: number;
  /** Data marks over this parameter, drawn behind the line. */
  marks?: readonly ChartMark[];
  /** Given, a drag across the chart selects a time range (to mark it) and calls this with [from, to). */
  onSelect?: (from: number, to: number) => void;
}

const LINE_COLOR = '#0b4f85';
const FLAG_COLOR = '#c2410c';
const LIMIT_COLOR = '#d7263d';

/**
 * Merges the line and the flagged points onto one x axis (uPlot wants aligned arrays). Where a series has no value
 * at an x it is `undefined`, which uPlot spans (a flagged reading between two valid ones does not cut the line);
 * where two of its points are more than `gapMs` apart, an explicit `null` just after the first cuts it (a station
 * that was silent shows as a gap, not as a straight line across the silence).
 */
export function alignSeries(series: TrendSeries, gapMs = Number.POSITIVE_INFINITY): uPlot.AlignedData {
  const breaks = new Set<number>();
  for (let i = 1; i < series.times.length; i++) {
    if (series.times[i]! - series.times[i - 1]! > gapMs) breaks.add(series.times[i - 1]! + 1);
  }
  const times = [...new Set([...series.times, ...series.flagged.map((p) => p.t), ...breaks])].sort((a, b) => a - b);
  const index = new Map<number, number>();
  times.forEach((t, i) => index.set(t, i));
  type Cell = number | null | undefined;
  const blank = (): Cell[] => times.map((t) => (breaks.has(t) ? null : undefined));
  const values = blank();
  const min = blank();
  const max = blank();
  const flagged: Cell[] = times.map(() => undefined);
  series.times.forEach((t, i) => {
    const at = index.get(t)!;
    values[at] = series.values[i] ?? null;
    if (series.min) min[at] = series.min[i] ?? null;
    if (series.max) max[at] = series.max[i] ?? null;
  });
  for (const p of series.flagged) flagged[index.get(p.t)!] = p.v;
  const data: Cell[][] = [values];
  if (series.min && series.max) data.push(min, max);
  data.push(flagged);
  return [times, ...data] as uPlot.AlignedData;
}

function drawBands(u: uPlot, bands: Limits['bands'], classLabel: (cls: string) => string): void {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.beginPath();
  ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
  ctx.clip();
  const scale = u.scales.y;
  if (scale?.min === undefined || scale.max === undefined || scale.min === null || scale.max === null)
    return ctx.restore();
  const pxRatio = devicePixelRatio || 1;
  ctx.font = `${11 * pxRatio}px system-ui, sans-serif`;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const band of bands) {
    const lo = Math.max(band.from, scale.min);
    const hi = Math.min(band.to, scale.max);
    if (!(hi > lo)) continue;
    const top = u.valToPos(hi, 'y', true);
    const bottom = u.valToPos(lo, 'y', true);
    ctx.fillStyle = bandFill(band.kind);
    ctx.fillRect(bbox.left, top, bbox.width, bottom - top);
    if (bottom - top > 14 * pxRatio && !['ok', 'bad', 'bo-none', 'bo-light', 'bo-severe'].includes(band.kind)) {
      ctx.fillStyle = '#5f6b78';
      ctx.fillText(classLabel(band.kind), bbox.left + bbox.width - 4 * pxRatio, (top + bottom) / 2);
    }
  }
  ctx.restore();
}

const MARK_COLOR = '#7c3aed';

/** Marked ranges: approved ones a violet wash with their flag letter, pending ones a dashed outline. */
function drawMarks(u: uPlot, marks: readonly ChartMark[]): void {
  if (marks.length === 0) return;
  const { ctx, bbox } = u;
  const pxRatio = devicePixelRatio || 1;
  ctx.save();
  ctx.beginPath();
  ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
  ctx.clip();
  ctx.font = `bold ${10 * pxRatio}px system-ui, sans-serif`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  for (const m of marks) {
    const x0 = Math.max(bbox.left, u.valToPos(m.from, 'x', true));
    const x1 = Math.min(bbox.left + bbox.width, u.valToPos(m.to, 'x', true));
    if (!(x1 > x0)) continue;
    if (m.state === 'approved') {
      ctx.fillStyle = `${MARK_COLOR}26`;
      ctx.fillRect(x0, bbox.top, Math.max(x1 - x0, pxRatio), bbox.height);
    } else {
      ctx.strokeStyle = MARK_COLOR;
      ctx.lineWidth = 1.2 * pxRatio;
      ctx.setLineDash([4 * pxRatio, 3 * pxRatio]);
      ctx.strokeRect(x0, bbox.top + pxRatio, Math.max(x1 - x0, pxRatio), bbox.height - 2 * pxRatio);
    }
    ctx.fillStyle = MARK_COLOR;
    ctx.fillText(m.state === 'approved' ? m.flag : `${m.flag}?`, x0 + 3 * pxRatio, bbox.top + 3 * pxRatio);
  }
  ctx.restore();
}

function drawLimitLines(
  u: uPlot,
  lines: readonly LimitLine[],
  labels: { limit: string; cold: string },
  decimals: number,
): void {
  const { ctx, bbox } = u;
  const pxRatio = devicePixelRatio || 1;
  ctx.save();
  ctx.strokeStyle = LIMIT_COLOR;
  ctx.fillStyle = LIMIT_COLOR;
  ctx.lineWidth = 1.5 * pxRatio;
  ctx.setLineDash([6 * pxRatio, 4 * pxRatio]);
  ctx.font = `${11 * pxRatio}px system-ui, sans-serif`;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'bottom';
  for (const line of lines) {
    const y = u.valToPos(line.value, 'y', true);
    if (y < bbox.top || y > bbox.top + bbox.height) continue;
    ctx.globalAlpha = line.note === 'cold' ? 0.45 : 1;
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
    const label =
      line.note === 'cold'
        ? `${labels.cold} ${line.value.toFixed(decimals)}`
        : `${labels.limit} ${line.value.toFixed(decimals)}`;
    ctx.fillText(label, bbox.left + bbox.width - 4 * pxRatio, y - 2 * pxRatio);
  }
  ctx.restore();
}

function drawFlagLetters(u: uPlot, flagged: readonly FlaggedPoint[], seriesIdx: number): void {
  if (flagged.length === 0 || !u.series[seriesIdx]?.show) return;
  const { ctx, bbox } = u;
  const pxRatio = devicePixelRatio || 1;
  // A letter per marker is unreadable when hundreds crowd together; then the legend carries the meaning.
  if (flagged.length > 120) return;
  ctx.save();
  ctx.font = `bold ${10 * pxRatio}px system-ui, sans-serif`;
  ctx.fillStyle = FLAG_COLOR;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  for (const p of flagged) {
    const x = u.valToPos(p.t, 'x', true);
    const y = u.valToPos(p.v, 'y', true);
    if (x < bbox.left || x > bbox.left + bbox.width || y < bbox.top || y > bbox.top + bbox.height) continue;
    ctx.fillText(p.flag, x, y - 6 * pxRatio);
  }
  ctx.restore();
}

export interface TrendChart {
  destroy(): void;
}

export function trendChart(container: HTMLElement, series: TrendSeries, options: TrendChartOptions): TrendChart {
  const data = alignSeries(series, options.gapMs);
  const hasSpread = series.min !== undefined && series.max !== undefined;
  const flaggedIdx = hasSpread ? 4 : 2;
  const allValues = [
    ...series.values,
    ...(series.min ?? []),
    ...(series.max ?? []),
    ...series.flagged.map((p) => p.v),
  ].filter((v): v is number => v !== null);
  const range = yRange(allValues, options.limits);
  // What was drawn, for tests and screenshots to check: the y range, and how many neighbouring points the line joins.
  if (range) {
    container.dataset.yMin = String(range[0]);
    container.dataset.yMax = String(range[1]);
  }
  let joined = 0;
  for (let i = 1; i < series.times.length; i++) {
    const both = series.values[i] !== null && series.values[i - 1] !== null;
    if (both && series.times[i]! - series.times[i - 1]! <= (options.gapMs ?? Number.POSITIVE_INFINITY)) joined++;
  }
  container.dataset.joined = String(joined);
  container.dataset.marks = String(options.marks?.length ?? 0);
  const fmt = (v: number | null) => (v === null || v === undefined ? '—' : v.toFixed(options.decimals));
  const timeZone = options.timeZone;
  const color = options.color ?? LINE_COLOR;

  const seriesOpts: uPlot.Series[] = [
    {
      label: options.labels.time,
      value: (_u, ts) => (ts === null || ts === undefined ? '—' : fmtDateTime(ts, timeZone)),
    },
    {
      label: options.label,
      stroke: color,
      width: 1.6,
      value: (_u, v) => fmt(v),
      spanGaps: false,
      points: { show: series.times.length < 80 },
    },
  ];
  if (hasSpread) {
    seriesOpts.push(
      {
        label: options.labels.min,
        stroke: `${color}55`,
        width: 0.8,
        value: (_u, v) => fmt(v),
        points: { show: false },
      },
      {
        label: options.labels.max,
        stroke: `${color}55`,
        width: 0.8,
        value: (_u, v) => fmt(v),
        points: { show: false },
      },
    );
  }
  seriesOpts.push({
    label: options.labels.flagged,
    stroke: FLAG_COLOR,
    fill: '#ffffff',
    width: 0,
    paths: () => null,
    points: { show: true, size: 8, width: 1.8, stroke: FLAG_COLOR, fill: '#ffffff' },
    value: (_u, v) => fmt(v),
  });

  const width = Math.max(280, Math.floor(container.clientWidth || 520));
  const opts: uPlot.Options = {
    width,
    height: options.height ?? 230,
    ms: 1,
    tzDate: (ts) => uPlot.tzDate(new Date(ts), timeZone),
    series: seriesOpts,
    scales: {
      x: { time: true, range: () => [options.from, options.to] },
      y: { range: (_u, dmin, dmax) => range ?? [dmin, dmax] },
    },
    axes: [
      {
        stroke: '#5f6b78',
        grid: { stroke: '#0000000f' },
        ticks: { stroke: '#00000026' },
        size: 44,
        values: (_u, splits, _axis, _space, incr) => timeTicks(splits, incr, timeZone),
      },
      {
        stroke: '#5f6b78',
        grid: { stroke: '#0000000f' },
        ticks: { stroke: '#00000026' },
        size: 52,
        values: (_u, splits) =>
          splits.map((v) => (Math.abs(v) >= 1000 ? v.toFixed(0) : String(+v.toFixed(Math.max(options.decimals, 1))))),
      },
    ],
    bands: hasSpread ? [{ series: [3, 2], fill: `${color}1f` }] : [],
    legend: { live: true },
    cursor: {
      points: { size: 7 },
      ...(options.onSelect && { drag: { x: true, y: false, setScale: false } }),
    },
    hooks: {
      drawClear: [
        (u) => {
          drawBands(u, options.limits.bands, options.classLabel);
          drawMarks(u, options.marks ?? []);
        },
      ],
      // A drag selects a range to mark; a click (no width) selects nothing.
      setSelect: [
        (u) => {
          if (!options.onSelect || u.select.width < 3) return;
          const from = Math.round(u.posToVal(u.select.left, 'x'));
          const to = Math.round(u.posToVal(u.select.left + u.select.width, 'x'));
          if (to > from) options.onSelect(from, to);
        },
      ],
      // The legend's values belong to the point under the cursor: without one, show the series' names only (no
      // empty "时间: —" row until someone hovers).
      setCursor: [
        (u) =>
          container.classList.toggle(
            'legend-idle',
            u.cursor.idx === null || u.cursor.idx === undefined || (u.cursor.left ?? -1) < 0,
          ),
      ],
      draw: [
        (u) => {
          drawLimitLines(
            u,
            options.limits.lines,
            { limit: options.limitLabel, cold: options.coldLabel },
            options.decimals,
          );
          drawFlagLetters(u, series.flagged, flaggedIdx);
          // Drawn, bands and all: what a test (or a screenshot) waits for rather than the bare canvas.
          container.setAttribute('data-drawn', '');
        },
      ],
    },
  };
  const plot = new uPlot(opts, data, container);
  container.classList.add('legend-idle');

  // Follow the card's width (phone rotation, window resize) without rebuilding the chart.
  let lastWidth = width;
  const observer = new ResizeObserver(() => {
    const w = Math.max(280, Math.floor(container.clientWidth));
    if (Math.abs(w - lastWidth) > 4) {
      lastWidth = w;
      plot.setSize({ width: w, height: options.height ?? 230 });
    }
  });
  observer.observe(container);
  return {
    destroy() {
      observer.disconnect();
      plot.destroy();
    },
  };
}
