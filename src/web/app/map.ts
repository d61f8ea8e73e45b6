/**
 * The basin map: an SVG drawn from the stations' coordinates — rivers as lines through their sections by km,
 * each station a marker coloured by what matters for it: sections by their current GB 3838 class, plants and
 * outfalls by compliance with their discharge standard, black-odorous creeks by their level; greyed when the
 * station is offline. Every marker links to its station page.
 */
import type { StationSummaryJson } from './api-types.js';
import {
  BLACK_ODOROUS_COLORS,
  CLASS_COLORS,
  COMPLIANT_COLOR,
  NONCOMPLIANT_COLOR,
  OFFLINE_COLOR,
  UNKNOWN_COLOR,
} from './colors.js';
import { h, s } from './dom.js';
import type { I18n, MessageKey } from './i18n.js';
import {
  fitProjection,
  inferConfluences,
  polylinePoints,
  riverLines,
  type MapStation,
  type Point,
} from './map-geometry.js';
import { hrefOf } from './router.js';
import { classText, isSectionClass, romanClass } from './ui.js';

const WIDTH = 900;
const MAX_HEIGHT = 460;
const PADDING = 36;

/** The fill of a station's marker and why (for the tooltip and tests). */
export function markerColor(st: StationSummaryJson): { color: string; state: string } {
  if (st.freshness.status === 'offline') return { color: OFFLINE_COLOR, state: 'offline' };
  const current = st.current;
  if (st.kind === 'river_section') {
    const cls = current?.class;
    return isSectionClass(cls) ? { color: CLASS_COLORS[cls], state: cls } : { color: UNKNOWN_COLOR, state: 'unknown' };
  }
  if (st.kind === 'urban_water' && current?.black_odorous) {
    return { color: BLACK_ODOROUS_COLORS[`bo-${current.black_odorous}`], state: `bo-${current.black_odorous}` };
  }
  if (current?.compliant === true) return { color: COMPLIANT_COLOR, state: 'compliant' };
  if (current?.compliant === false) return { color: NONCOMPLIANT_COLOR, state: 'non_compliant' };
  return { color: UNKNOWN_COLOR, state: 'unknown' };
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Width of a label at the map's 11px font: CJK characters are square, Latin ones about 0.6 em. */
function labelWidth(text: string): number {
  return [...text].reduce((n, ch) => n + (ch.charCodeAt(0) > 0x2e80 ? 11.5 : 6.8), 0);
}

/**
 * Places each label beside its marker: the first of eight spots around it (right, left, above, below, then the
 * corners, then the same a little further out) that stays inside the drawing and overlaps no marker and no label
 * placed before. Labels are placed in the order given — the caller puts the important stations first — and a label
 * with no free spot is left out (the marker keeps its tooltip; every station is also in the tables below).
 */
export function placeLabels(
  items: { p: Point; text: string }[],
  markers: Point[],
  width: number,
  height: number,
): ({ x: number; y: number; anchor: string } | undefined)[] {
  const placed: Box[] = markers.map((m) => ({ x: m.x - 10, y: m.y - 10, w: 20, h: 20 }));
  return items.map(({ p, text }) => {
    const w = labelWidth(text);
    const candidates: { box: Box; x: number; y: number; anchor: string }[] = [];
    for (const gap of [11, 18]) {
      const right = { box: { x: p.x + gap, y: p.y - 7, w, h: 14 }, x: p.x + gap, y: p.y + 4, anchor: 'start' };
      const left = { box: { x: p.x - gap - w, y: p.y - 7, w, h: 14 }, x: p.x - gap, y: p.y + 4, anchor: 'end' };
      const above = {
        box: { x: p.x - w / 2, y: p.y - gap - 14, w, h: 14 },
        x: p.x,
        y: p.y - gap - 3,
        anchor: 'middle',
      };
      const below = { box: { x: p.x - w / 2, y: p.y + gap, w, h: 14 }, x: p.x, y: p.y + gap + 11, anchor: 'middle' };
      const d = gap * 0.7;
      const upRight = { box: { x: p.x + d, y: p.y - d - 14, w, h: 14 }, x: p.x + d, y: p.y - d - 3, anchor: 'start' };
      const downRight = { box: { x: p.x + d, y: p.y + d, w, h: 14 }, x: p.x + d, y: p.y + d + 11, anchor: 'start' };
      const upLeft = { box: { x: p.x - d - w, y: p.y - d - 14, w, h: 14 }, x: p.x - d, y: p.y - d - 3, anchor: 'end' };
      const downLeft = { box: { x: p.x - d - w, y: p.y + d, w, h: 14 }, x: p.x - d, y: p.y + d + 11, anchor: 'end' };
      candidates.push(right, left, above, below, upRight, downRight, upLeft, downLeft);
    }
    const inside = candidates.filter(
      (c) => c.box.x >= 2 && c.box.x + c.box.w <= width - 2 && c.box.y >= 2 && c.box.y + c.box.h <= height - 2,
    );
    const free = inside.find((c) => !placed.some((b) => overlaps(b, c.box)));
    if (!free) return undefined;
    placed.push(free.box);
    return { x: free.x, y: free.y, anchor: free.anchor };
  });
}

/** Which labels go first when space is short: outbound and inbound sections, other sections, plants, creeks. */
function labelPriority(st: StationSummaryJson): number {
  if (st.kind === 'river_section') return st.section?.role === 'outbound' ? 0 : st.section?.role === 'inbound' ? 1 : 2;
  return st.kind === 'urban_water' ? 4 : 3;
}

function marker(st: StationSummaryJson, p: Point, color: string): SVGElement {
  const offline = st.freshness.status === 'offline';
  const stroke = st.current?.compliant === false && !offline ? NONCOMPLIANT_COLOR : '#ffffff';
  const common = {
    fill: color,
    stroke,
    'stroke-width': st.current?.compliant === false && !offline ? 3 : 1.5,
    'stroke-dasharray': offline ? '3 2' : null,
  };
  switch (st.kind) {
    case 'river_section':
      return s('circle', { cx: p.x, cy: p.y, r: 9, ...common });
    case 'plant_effluent':
    case 'industrial_outfall':
      return s('rect', { x: p.x - 7.5, y: p.y - 7.5, width: 15, height: 15, rx: 2, ...common });
    case 'plant_influent':
      return s('rect', {
        x: p.x - 4,
        y: p.y - 4,
        width: 8,
        height: 8,
        transform: `rotate(45 ${p.x} ${p.y})`,
        ...common,
        fill: offline ? OFFLINE_COLOR : '#8a949e',
      });
    default:
      return s('path', { d: `M${p.x},${p.y - 10} L${p.x + 9},${p.y + 7} L${p.x - 9},${p.y + 7} Z`, ...common });
  }
}

export function basinMap(i18n: I18n, stations: readonly StationSummaryJson[]): HTMLElement {
  const located = stations.filter((st) => Number.isFinite(st.location.lat) && Number.isFinite(st.location.lon));
  if (located.length === 0) return h('p', { class: 'muted' }, i18n.t('common.noData'));
  const projection = fitProjection(
    located.map((st) => st.location),
    { width: WIDTH, maxHeight: MAX_HEIGHT, padding: PADDING },
  );
  const mapStations: MapStation[] = located.map((st) => ({
    id: st.id,
    lat: st.location.lat,
    lon: st.location.lon,
    river: st.river ?? undefined,
    riverKm: st.river_km ?? undefined,
    // Sections and creeks are in the water; plant stations sit beside it and would zigzag the line.
    onCourse: st.kind === 'river_section' || st.kind === 'urban_water',
  }));
  const rivers = inferConfluences(mapStations, projection, WIDTH * 0.15);
  const lines = riverLines(mapStations, rivers, projection);
  const points = located.map((st) => projection.project(st.location.lat, st.location.lon));
  // Influent stations sit on top of their plant's effluent: their label would only crowd the map.
  const labelled = located
    .map((st, i) => ({ st, p: points[i]! }))
    .filter(({ st }) => st.kind !== 'plant_influent')
    .sort((a, b) => labelPriority(a.st) - labelPriority(b.st));
  const labels = placeLabels(
    labelled.map(({ st, p }) => ({ p, text: i18n.name(st.name, st.id) })),
    points,
    projection.width,
    projection.height,
  );
  const labelOf = new Map(labelled.map(({ st }, i) => [st.id, labels[i]]));

  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${projection.width} ${projection.height}`,
      role: 'img',
      'aria-label': i18n.t('overview.map'),
      'data-stations': located.length,
    },
    s(
      'g',
      { class: 'rivers' },
      ...lines.map((l) =>
        s('polyline', {
          class: `river${l.tributary ? ' tributary' : ''}`,
          points: polylinePoints(l.points),
          'data-river': l.riverId,
        }),
      ),
    ),
    s(
      'g',
      { class: 'stations' },
      ...located.map((st, i) => {
        const p = points[i]!;
        const { color, state } = markerColor(st);
        const label = labelOf.get(st.id);
        const kind = i18n.t(`kind.${st.kind}` as MessageKey);
        const cls = st.current?.class ? ` · ${classText(i18n, st.current.class)}` : '';
        const fresh = i18n.t(`fresh.${st.freshness.status}` as MessageKey);
        return s(
          'a',
          {
            href: hrefOf('station', st.id),
            class: `station ${st.freshness.status}`,
            'data-station': st.id,
            'data-state': state,
            'data-freshness': st.freshness.status,
            'data-ring': st.current?.compliant === false && st.freshness.status !== 'offline' ? 'true' : null,
          },
          s('title', null, `${i18n.name(st.name, st.id)} (${kind}${cls}) — ${fresh}`),
          marker(st, p, color),
          label ? s('text', { x: label.x, y: label.y, 'text-anchor': label.anchor }, i18n.name(st.name, st.id)) : null,
        );
      }),
    ),
  );
  return h('div', { class: 'map' }, h('div', { class: 'map-scroll' }, svg), legend(i18n));
}

/** A legend symbol: the marker's own shape, drawn by the same function as on the map. */
function symbol(shape: (p: Point) => SVGElement): SVGElement {
  return s(
    'svg',
    { class: 'sym', width: 18, height: 18, viewBox: '0 0 20 20', 'aria-hidden': 'true' },
    shape({ x: 10, y: 10 }),
  );
}

/** What every shape, colour and ring on the map means. */
function legend(i18n: I18n): HTMLElement {
  const circle =
    (fill: string, extra: Record<string, string | number> = {}) =>
    (p: Point) =>
      s('circle', { cx: p.x, cy: p.y, r: 7, fill, stroke: '#ffffff', 'stroke-width': 1.5, ...extra });
  const square = (fill: string) => (p: Point) =>
    s('rect', {
      x: p.x - 6.5,
      y: p.y - 6.5,
      width: 13,
      height: 13,
      rx: 2,
      fill,
      stroke: '#ffffff',
      'stroke-width': 1.5,
    });
  const triangle = (fill: string) => (p: Point) =>
    s('path', {
      d: `M${p.x},${p.y - 8} L${p.x + 7.5},${p.y + 6} L${p.x - 7.5},${p.y + 6} Z`,
      fill,
      stroke: '#ffffff',
      'stroke-width': 1.5,
    });
  const diamond = (p: Point) =>
    s('rect', { x: p.x - 4, y: p.y - 4, width: 8, height: 8, transform: `rotate(45 ${p.x} ${p.y})`, fill: '#8a949e' });
  const entry = (key: string, ...children: (Node | string)[]) => h('span', { 'data-legend': key }, ...children);
  // Ⅰ–Ⅴ are the standard's own numerals in both languages; 劣Ⅴ is Chinese, "worse than Ⅴ" in English.
  const classes = (['I', 'II', 'III', 'IV', 'V', '劣V'] as const).map((c) =>
    entry(
      `class-${c}`,
      symbol(circle(CLASS_COLORS[c])),
      c === '劣V' && i18n.lang() === 'en' ? classText(i18n, c) : romanClass(c),
    ),
  );
  return h(
    'div',
    { class: 'legend map-legend' },
    h('div', null, h('strong', null, i18n.t('map.legend.class')), ...classes),
    h(
      'div',
      null,
      entry('plant', symbol(square(COMPLIANT_COLOR)), symbol(square(NONCOMPLIANT_COLOR)), i18n.t('map.legend.plant')),
      entry(
        'black-odorous',
        ...(['bo-none', 'bo-light', 'bo-severe'] as const).map((k) => symbol(triangle(BLACK_ODOROUS_COLORS[k]))),
        i18n.t('map.legend.blackOdorous'),
      ),
      entry('influent', symbol(diamond), i18n.t('map.legend.influent')),
      entry(
        'ring',
        symbol(circle(CLASS_COLORS.IV, { stroke: NONCOMPLIANT_COLOR, 'stroke-width': 3 })),
        i18n.t('map.legend.ring'),
      ),
      entry(
        'offline',
        symbol(circle(OFFLINE_COLOR, { 'stroke-dasharray': '3 2', stroke: '#5f6b78' })),
        i18n.t('map.legend.offline'),
      ),
    ),
  );
}
