/**
 * The basin map: an SVG drawn from the stations' coordinates — rivers as lines through their sections by km,
 * each station a marker coloured by what matters for it: sections by their current GB 3838 class, plants and
 * outfalls by compliance with their discharge standard, black-odorous creeks by their level; greyed when the
 * station is offline. Every marker links to its station page.
 */
import type { StationSummaryJson } from './api-types.js';
import { BLACK_ODOROUS_COLORS, CLASS_COLORS, COMPLIANT_COLOR, NONCOMPLIANT_COLOR, OFFLINE_COLOR, UNKNOWN_COLOR } from './colors.js';
import { h, s } from './dom.js';
import type { I18n, MessageKey } from './i18n.js';
import { fitProjection, inferConfluences, polylinePoints, riverLines, type MapStation, type Point } from './map-geometry.js';
import { hrefOf } from './router.js';
import { isSectionClass } from './ui.js';

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

/**
 * Places each label right, left, above or below its marker: the first spot inside the drawing that collides with
 * no marker and no label placed before it.
 */
function placeLabels(items: { p: Point; text: string }[], markers: Point[], width: number): { x: number; y: number; anchor: string }[] {
  const placed: Box[] = markers.map((m) => ({ x: m.x - 8, y: m.y - 8, w: 16, h: 16 }));
  return items.map(({ p, text }) => {
    const w = [...text].reduce((n, ch) => n + (ch.charCodeAt(0) > 0x2e80 ? 11.5 : 6.2), 0);
    const candidates = [
      { box: { x: p.x + 11, y: p.y - 7, w, h: 14 }, x: p.x + 11, y: p.y + 4, anchor: 'start' },
      { box: { x: p.x - 11 - w, y: p.y - 7, w, h: 14 }, x: p.x - 11, y: p.y + 4, anchor: 'end' },
      { box: { x: p.x - w / 2, y: p.y - 25, w, h: 14 }, x: p.x, y: p.y - 13, anchor: 'middle' },
      { box: { x: p.x - w / 2, y: p.y + 11, w, h: 14 }, x: p.x, y: p.y + 22, anchor: 'middle' },
    ];
    const inside = candidates.filter((c) => c.box.x >= 2 && c.box.x + c.box.w <= width - 2);
    const free = inside.find((c) => !placed.some((b) => overlaps(b, c.box))) ?? inside[0] ?? candidates[0]!;
    placed.push(free.box);
    return { x: free.x, y: free.y, anchor: free.anchor };
  });
}

function marker(st: StationSummaryJson, p: Point, color: string): SVGElement {
  const offline = st.freshness.status === 'offline';
  const stroke = st.current?.compliant === false && !offline ? NONCOMPLIANT_COLOR : '#ffffff';
  const common = { fill: color, stroke, 'stroke-width': st.current?.compliant === false && !offline ? 3 : 1.5, 'stroke-dasharray': offline ? '3 2' : null };
  switch (st.kind) {
    case 'river_section':
      return s('circle', { cx: p.x, cy: p.y, r: 9, ...common });
    case 'plant_effluent':
    case 'industrial_outfall':
      return s('rect', { x: p.x - 7.5, y: p.y - 7.5, width: 15, height: 15, rx: 2, ...common });
    case 'plant_influent':
      return s('rect', { x: p.x - 4, y: p.y - 4, width: 8, height: 8, transform: `rotate(45 ${p.x} ${p.y})`, ...common, fill: offline ? OFFLINE_COLOR : '#8a949e' });
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
  const labelled = located.map((st, i) => ({ st, p: points[i]! })).filter(({ st }) => st.kind !== 'plant_influent');
  const labels = placeLabels(
    labelled.map(({ st, p }) => ({ p, text: i18n.name(st.name, st.id) })),
    points,
    projection.width,
  );
  const labelOf = new Map(labelled.map(({ st }, i) => [st.id, labels[i]!]));

  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${projection.width} ${projection.height}`,
      role: 'img',
      'aria-label': i18n.t('overview.map'),
      'data-stations': located.length,
    },
    s('g', { class: 'rivers' }, ...lines.map((l) => s('polyline', { class: `river${l.tributary ? ' tributary' : ''}`, points: polylinePoints(l.points), 'data-river': l.riverId }))),
    s(
      'g',
      { class: 'stations' },
      ...located.map((st, i) => {
        const p = points[i]!;
        const { color, state } = markerColor(st);
        const label = labelOf.get(st.id);
        const kind = i18n.t(`kind.${st.kind}` as MessageKey);
        const cls = st.current?.class ? ` · ${st.current.class}` : '';
        const fresh = i18n.t(`fresh.${st.freshness.status}` as MessageKey);
        return s(
          'a',
          {
            href: hrefOf('station', st.id),
            class: `station ${st.freshness.status}`,
            'data-station': st.id,
            'data-state': state,
            'data-freshness': st.freshness.status,
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

function legend(i18n: I18n): HTMLElement {
  const classes = (['I', 'II', 'III', 'IV', 'V', '劣V'] as const).map((c) =>
    h('span', null, h('i', { class: 'sw', style: `background:${CLASS_COLORS[c]}` }), c === '劣V' ? '劣Ⅴ' : c),
  );
  return h(
    'div',
    { class: 'legend' },
    h('strong', null, i18n.t('map.legend.class')),
    ...classes,
    h('span', null, h('i', { class: 'sw sq', style: `background:${COMPLIANT_COLOR}` }), h('i', { class: 'sw sq', style: `background:${NONCOMPLIANT_COLOR}` }), i18n.t('map.legend.plant')),
    h('span', null, h('i', { class: 'sw', style: `background:${OFFLINE_COLOR}` }), i18n.t('map.legend.offline')),
  );
}
