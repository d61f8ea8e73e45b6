/**
 * What a trend chart draws behind (or over) the line, from the limits the API sends per parameter
 * (`LimitBand`, built by the standards engine): GB 3838-2002 class bands for sections, a plant's discharge limit
 * lines (GB 18918-2002 or its permit; the ≤ 12 °C NH3-N limit too), and the black-odorous levels of the 2015
 * guideline for urban creeks. Taking them from the API rather than bundling the tables keeps one source for every
 * standard, including catalog-defined permits and construction-date rules the browser does not know.
 */
import type { SectionClass } from '../../domain/gb3838.js';
import type { LimitBandJson } from './api-types.js';

export type BandKind = SectionClass | 'ok' | 'bad' | 'bo-none' | 'bo-light' | 'bo-severe';

/** A horizontal band in the parameter's canonical unit; open ends are ±Infinity (clipped to the plot). */
export interface Band {
  from: number;
  to: number;
  kind: BandKind;
}

export interface LimitLine {
  value: number;
  /** `max`: values must stay at or below; `min`: at or above. */
  side: 'max' | 'min';
  /** Secondary limits (the cold-water NH3-N limit) are drawn fainter and labelled. */
  note?: 'cold';
}

export interface Limits {
  bands: Band[];
  lines: LimitLine[];
}

const CLASSES = ['I', 'II', 'III', 'IV', 'V'] as const;
const INF = Number.POSITIVE_INFINITY;

function classBands(rule: 'max' | 'min', classes: Record<string, number>): Band[] {
  const limits = CLASSES.map((c) => classes[c]).filter((v): v is number => typeof v === 'number');
  if (limits.length !== CLASSES.length) return [];
  const bands: Band[] = [];
  if (rule === 'max') {
    // Classes sharing a limit (COD I = II = 15 mg/L) collapse into the better class, as the evaluation does.
    let lower = -INF;
    limits.forEach((limit, i) => {
      if (limit > lower) bands.push({ from: lower, to: limit, kind: CLASSES[i]! });
      lower = Math.max(lower, limit);
    });
    bands.push({ from: lower, to: INF, kind: '劣V' });
  } else {
    // Dissolved oxygen: the higher, the better.
    let upper = INF;
    limits.forEach((limit, i) => {
      if (limit < upper) bands.push({ from: limit, to: upper, kind: CLASSES[i]! });
      upper = Math.min(upper, limit);
    });
    bands.push({ from: -INF, to: upper, kind: '劣V' });
  }
  return bands;
}

function blackOdorousBands(
  light: readonly number[],
  severeBelow: number | null | undefined,
  severeAbove: number | null | undefined,
): Band[] {
  const [lo, hi] = light;
  if (lo === undefined || hi === undefined) return [];
  if (severeBelow !== null && severeBelow !== undefined) {
    // Transparency, DO, ORP: low is bad.
    return [
      { from: -INF, to: severeBelow, kind: 'bo-severe' },
      { from: severeBelow, to: hi, kind: 'bo-light' },
      { from: hi, to: INF, kind: 'bo-none' },
    ];
  }
  if (severeAbove !== null && severeAbove !== undefined) {
    // NH3-N: high is bad.
    return [
      { from: -INF, to: lo, kind: 'bo-none' },
      { from: lo, to: severeAbove, kind: 'bo-light' },
      { from: severeAbove, to: INF, kind: 'bo-severe' },
    ];
  }
  return [{ from: lo, to: hi, kind: 'bo-light' }];
}

/** The bands and lines of one parameter; nothing when the API sends no limit for it. */
export function limitsOf(band: LimitBandJson | undefined): Limits {
  if (!band) return { bands: [], lines: [] };
  if (band.kind === 'gb3838') {
    if (band.rule === 'range' && typeof band.min === 'number' && typeof band.max === 'number') {
      return {
        bands: [
          { from: -INF, to: band.min, kind: 'bad' },
          { from: band.min, to: band.max, kind: 'ok' },
          { from: band.max, to: INF, kind: 'bad' },
        ],
        lines: [],
      };
    }
    if ((band.rule === 'max' || band.rule === 'min') && band.classes)
      return { bands: classBands(band.rule, band.classes), lines: [] };
    return { bands: [], lines: [] };
  }
  if (band.kind === 'discharge') {
    const lines: LimitLine[] = [];
    if (typeof band.max === 'number') lines.push({ value: band.max, side: 'max' });
    if (typeof band.max_cold === 'number') lines.push({ value: band.max_cold, side: 'max', note: 'cold' });
    if (typeof band.min === 'number') lines.push({ value: band.min, side: 'min' });
    return { bands: [], lines };
  }
  return { bands: blackOdorousBands(band.light ?? [], band.severe_below, band.severe_above), lines: [] };
}

/**
 * The y range to show: the data, widened to the nearest band edge or limit beyond it when that is close, so a
 * reader sees the next boundary above the line without the data being squashed to a sliver.
 */
export function yRange(values: readonly number[], limits: Limits): [number, number] | undefined {
  const finite = values.filter(Number.isFinite);
  const edges = [...limits.bands.flatMap((b) => [b.from, b.to]), ...limits.lines.map((l) => l.value)].filter(
    Number.isFinite,
  );
  if (finite.length === 0 && edges.length === 0) return undefined;
  let lo = finite.length > 0 ? Math.min(...finite) : Math.min(...edges);
  let hi = finite.length > 0 ? Math.max(...finite) : Math.max(...edges);
  // A plant's discharge limit is what its chart is read against: always in view, however far below it the effluent
  // runs (the cold-water limit only when near, below).
  for (const line of limits.lines) {
    if (line.note === 'cold') continue;
    hi = Math.max(hi, line.value);
    lo = Math.min(lo, line.value);
  }
  const span = Math.max(hi - lo, Math.abs(hi) * 0.2, 1e-6);
  const above = edges.filter((e) => e > hi).sort((a, b) => a - b)[0];
  const below = edges.filter((e) => e < lo).sort((a, b) => b - a)[0];
  // "Near": within 1.5 spans of the data, or (above) within the data's own magnitude — NH3-N at 0.7 shows the
  // class III edge at 1.0, NH3-N at 0.04 does not stretch to class I's 0.15.
  if (above !== undefined && above - hi <= Math.max(span * 1.5, Math.abs(hi))) hi = above;
  if (below !== undefined && lo - below <= span * 1.5) lo = below;
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.08;
  return [lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad];
}
