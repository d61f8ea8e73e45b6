/**
 * Colours of GB 3838 classes as Chinese water-quality maps commonly draw them (I–II blue, III green, IV yellow,
 * V orange, 劣V red), of plant compliance, and of data freshness. Shared by the map, badges and chart bands.
 */
import type { SectionClass } from '../../domain/gb3838.js';
import type { BandKind } from './bands.js';

export const CLASS_COLORS: Record<SectionClass, string> = {
  I: '#1c6dd0',
  II: '#52a7f0',
  III: '#2ea44f',
  IV: '#e8c31a',
  V: '#f08c00',
  劣V: '#d7263d',
};

/** Black-odorous levels (城市黑臭水体整治工作指南, 2015): not black-odorous, light, severe. */
export const BLACK_ODOROUS_COLORS = { 'bo-none': '#2ea44f', 'bo-light': '#f08c00', 'bo-severe': '#d7263d' } as const;

/** The solid colour of a band kind (class, pH range, black-odorous level). */
export function bandColor(kind: BandKind): string {
  if (kind === 'ok') return '#2ea44f';
  if (kind === 'bad') return '#d7263d';
  if (kind === 'bo-none' || kind === 'bo-light' || kind === 'bo-severe') return BLACK_ODOROUS_COLORS[kind];
  return CLASS_COLORS[kind];
}

/** Band fills behind a chart line: the colour, faint enough for the line to stay readable (alpha 0x24 ≈ 14 %). */
export function bandFill(kind: BandKind): string {
  return `${bandColor(kind)}24`;
}

export const COMPLIANT_COLOR = '#2ea44f';
export const NONCOMPLIANT_COLOR = '#d7263d';
export const UNKNOWN_COLOR = '#b8c0c8';
export const OFFLINE_COLOR = '#9aa3ad';

/** Text colour readable on a class colour (yellow and light blue need dark text). */
export function textOn(cls: SectionClass): string {
  return cls === 'IV' || cls === 'II' ? '#1d2329' : '#ffffff';
}
