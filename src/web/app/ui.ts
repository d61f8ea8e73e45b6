/** Small shared pieces of the views: domain terms in two languages, class and status badges, cards, states. */
import type { SectionClass } from '../../domain/gb3838.js';
import { CLASS_COLORS, textOn } from './colors.js';
import { h, replace, type Child } from './dom.js';
import type { I18n, MessageKey, TermKey } from './i18n.js';

/**
 * A domain term with its name in the other language beside it: "出境断面 outbound section". The other name carries
 * its `lang`, so screen readers say it right and the language checks of the browser tests can tell it apart.
 */
export function term(i18n: I18n, key: TermKey): HTMLElement {
  return h(
    'span',
    { class: 'term' },
    i18n.t(key),
    ' ',
    h('span', { class: 'alt', lang: i18n.lang() === 'en' ? 'zh-CN' : 'en' }, i18n.other(key)),
  );
}

export function isSectionClass(value: unknown): value is SectionClass {
  return typeof value === 'string' && value in CLASS_COLORS;
}

/**
 * A GB 3838 class in the standard's own numerals, Ⅰ–Ⅴ and 劣Ⅴ, in both languages and everywhere (badges, legends,
 * chart bands, tooltips, alert texts): the codes of the API (`III`) are never shown.
 */
export function romanClass(cls: string): string {
  return isSectionClass(cls) ? ({ I: 'Ⅰ', II: 'Ⅱ', III: 'Ⅲ', IV: 'Ⅳ', V: 'Ⅴ', 劣V: '劣Ⅴ' } as const)[cls] : cls;
}

/** "Ⅲ类" / "Class Ⅲ", "劣Ⅴ类" / "worse than Ⅴ": a class as text. */
export function classText(i18n: I18n, cls: string): string {
  if (!isSectionClass(cls)) return cls;
  if (i18n.lang() === 'en') return cls === '劣V' ? 'worse than Ⅴ' : `Class ${romanClass(cls)}`;
  return `${romanClass(cls)}类`;
}

/** The class as a badge coloured like the map. */
export function classBadge(i18n: I18n, cls: string | null | undefined): HTMLElement {
  if (!isSectionClass(cls)) return h('span', { class: 'badge badge-none' }, '—');
  return h(
    'span',
    { class: 'badge', 'data-class': cls, style: `background:${CLASS_COLORS[cls]};color:${textOn(cls)}` },
    classText(i18n, cls),
  );
}

export function complianceBadge(i18n: I18n, compliant: boolean | null | undefined): HTMLElement {
  if (compliant === null || compliant === undefined)
    return h('span', { class: 'badge badge-none' }, i18n.t('status.unknown'));
  return h(
    'span',
    { class: `badge ${compliant ? 'badge-ok' : 'badge-bad'}` },
    i18n.t(compliant ? 'status.compliant' : 'status.noncompliant'),
  );
}

export function freshnessBadge(i18n: I18n, freshness: string | null | undefined): HTMLElement {
  const known = freshness === 'online' || freshness === 'late' || freshness === 'offline';
  const key = (known ? `fresh.${freshness}` : 'fresh.unknown') as MessageKey;
  return h(
    'span',
    { class: `fresh fresh-${known ? freshness : 'unknown'}` },
    h('i', { 'aria-hidden': 'true' }),
    i18n.t(key),
  );
}

const SEVERITIES = ['info', 'warning', 'critical'] as const;

export function severityBadge(i18n: I18n, severity: string): HTMLElement {
  const known = (SEVERITIES as readonly string[]).includes(severity);
  return h(
    'span',
    { class: `badge sev-${severity}` },
    known ? i18n.t(`alerts.severity.${severity}` as MessageKey) : severity,
  );
}

export function card(title: Child, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, title ? h('h2', null, title) : null, ...children);
}

export function loading(i18n: I18n): HTMLElement {
  return h('p', { class: 'muted loading' }, i18n.t('common.loading'));
}

export function errorBox(i18n: I18n, err: unknown, retry?: () => void): HTMLElement {
  const message = err instanceof Error ? err.message : String(err);
  return h(
    'div',
    { class: 'error', role: 'alert' },
    i18n.t('common.error', { message }),
    retry ? h('button', { type: 'button', class: 'btn btn-small', onclick: retry }, i18n.t('common.retry')) : null,
  );
}

/** A table that scrolls sideways on a phone instead of squeezing its columns. */
export function scrollTable(table: HTMLTableElement): HTMLElement {
  return h('div', { class: 'table-wrap' }, table);
}

/** Runs an async loader into `el`, showing loading and error states (with retry). */
export async function load<T>(
  i18n: I18n,
  el: HTMLElement,
  fetcher: () => Promise<T>,
  render: (data: T) => Child,
  signal?: AbortSignal,
): Promise<T | undefined> {
  el.replaceChildren(loading(i18n));
  try {
    const data = await fetcher();
    if (signal?.aborted) return undefined;
    el.replaceChildren();
    replace(el, render(data));
    return data;
  } catch (err) {
    if (signal?.aborted || (err as Error).name === 'AbortError') return undefined;
    el.replaceChildren(errorBox(i18n, err, () => void load(i18n, el, fetcher, render, signal)));
    return undefined;
  }
}
