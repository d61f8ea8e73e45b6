/**
 * The water-quality report page (月报 / 季报 / 年报): a period picker, the city's figures, a map of the sections
 * coloured by their class for the period, a bar chart of the CWQI ranking, every table of the report (the same
 * tables as the XLSX and PDF: src/reports/render/report-tables.ts, pure, bundled here) and the downloads. Prints on
 * A4 landscape (report.css). What a key sees is what the API gives its role: the whole city, an operator's plants,
 * or the public sections.
 *
 * Its words live here, not in i18n.ts, so the page stays one self-contained module.
 */
import type { SectionClass } from '../../../domain/gb3838.js';
import { PERIOD_KINDS, type PeriodKind } from '../../../domain/report/period.js';
import type { SectionRow, WaterReport } from '../../../domain/report/report-model.js';
import { cellText, reportTables, trendText, type Table } from '../../../reports/render/report-tables.js';
import { ApiError } from '../api.js';
import { CLASS_COLORS, UNKNOWN_COLOR, textOn } from '../colors.js';
import type { ViewContext } from '../context.js';
import { h, s } from '../dom.js';
import type { Lang } from '../i18n.js';
import { fitProjection } from '../map-geometry.js';
import { hrefOf } from '../router.js';
import { card, classBadge, isSectionClass, loading, scrollTable } from '../ui.js';
import { save } from './compliance.js';
import './report.css';

const WORDS = {
  title: { zh: '水质报告', en: 'Water-quality report' },
  kind: { zh: '类型', en: 'Kind' },
  monthly: { zh: '月报', en: 'monthly' },
  quarterly: { zh: '季报', en: 'quarterly' },
  annual: { zh: '年报', en: 'annual' },
  period: { zh: '报告期', en: 'Period' },
  show: { zh: '查看', en: 'Show' },
  xlsx: { zh: '下载 XLSX', en: 'Download XLSX' },
  pdf: { zh: '下载 PDF', en: 'Download PDF' },
  print: { zh: '打印', en: 'Print' },
  map: { zh: '断面水质类别分布', en: 'Sections by class' },
  ranking: { zh: 'CWQI 排名（越小越好）', en: 'CWQI ranking (smaller is better)' },
  insufficient: { zh: '数据不足', en: 'insufficient data' },
  compliance: { zh: '达标率', en: 'Compliance rate' },
  good: { zh: '优良比例（I–III类）', en: 'Class I–III share' },
  bad: { zh: '劣V类比例', en: '劣V share' },
  cwqi: { zh: '城市水质指数 CWQI', en: 'City water-quality index CWQI' },
  vsLastYear: { zh: '同比', en: 'vs last year' },
  vsPrevious: { zh: '环比', en: 'vs previous' },
  noSections: { zh: '此范围内没有断面', en: 'No sections in this scope' },
  downloaded: { zh: '已下载 {file}', en: 'Downloaded {file}' },
  provisional: { zh: '报告期未结束，临时结果', en: 'period not over: provisional' },
  badPeriod: {
    zh: '报告期格式：月报 2026-11，季报 2026-Q4，年报 2026',
    en: 'Period: monthly 2026-11, quarterly 2026-Q4, annual 2026',
  },
} as const satisfies Record<string, { zh: string; en: string }>;

type WordKey = keyof typeof WORDS;

function word(lang: Lang, key: WordKey, vars: Record<string, string> = {}): string {
  const text = lang === 'en' ? WORDS[key].en : WORDS[key].zh;
  return text.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

/** The last completed period of a kind, as the picker's default: last month, last quarter, last year. */
export function defaultPeriod(kind: PeriodKind, now: Date): string {
  const y = now.getFullYear();
  const m = now.getMonth() + 1;
  if (kind === 'annual') return String(y - 1);
  if (kind === 'quarterly') {
    const q = Math.floor((m - 1) / 3) + 1;
    return q === 1 ? `${y - 1}-Q4` : `${y}-Q${q - 1}`;
  }
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

const PERIOD_FORMS: Record<PeriodKind, RegExp> = {
  monthly: /^\d{4}-\d{2}$/,
  quarterly: /^\d{4}-Q[1-4]$/,
  annual: /^\d{4}$/,
};

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
const signed = (v: number | null | undefined, unit: string) =>
  v === null || v === undefined ? 'n/a' : `${v > 0 ? '+' : ''}${v.toFixed(1)}${unit}`;

function figures(report: WaterReport, lang: Lang): HTMLElement {
  const f = report.city.figures.current;
  const ly = report.city.change_last_year;
  const pv = report.city.change_previous;
  const pts = lang === 'en' ? ' pts' : '个百分点';
  const tile = (label: string, value: string, detail: string, id: string) =>
    h(
      'div',
      { class: 'report-figure', 'data-figure': id },
      h('div', { class: 'muted small' }, label),
      h('strong', null, value),
      h('div', { class: 'small' }, detail),
    );
  return h(
    'div',
    { class: 'report-figures' },
    tile(
      word(lang, 'compliance'),
      pct(f?.compliance_rate),
      `${word(lang, 'vsLastYear')} ${signed(ly?.compliance_rate_pp, pts)}`,
      'compliance',
    ),
    tile(
      word(lang, 'good'),
      pct(f?.share_i_iii),
      `${word(lang, 'vsLastYear')} ${signed(ly?.share_i_iii_pp, pts)} · ${word(lang, 'vsPrevious')} ${signed(pv?.share_i_iii_pp, pts)}`,
      'good',
    ),
    tile(
      word(lang, 'bad'),
      pct(f?.share_inferior_v),
      `${word(lang, 'vsLastYear')} ${signed(ly?.share_inferior_v_pp, pts)}`,
      'bad',
    ),
    tile(
      word(lang, 'cwqi'),
      f?.cwqi === null || f?.cwqi === undefined ? '—' : f.cwqi.toFixed(4),
      `${word(lang, 'vsLastYear')} ${signed(ly?.cwqi_pct, '%')} · ${trendText(ly?.trend, lang) ?? 'n/a'}`,
      'cwqi',
    ),
  );
}

function classColor(cls: SectionClass | null): string {
  return cls && isSectionClass(cls) ? CLASS_COLORS[cls] : UNKNOWN_COLOR;
}

/** The sections on their coordinates, each a dot in its class colour (grey: insufficient data). */
function sectionMap(sections: readonly SectionRow[], lang: Lang): SVGSVGElement | HTMLElement {
  const located = sections.filter((x) => x.location);
  if (located.length === 0) return h('p', { class: 'muted' }, word(lang, 'noSections'));
  const projection = fitProjection(
    located.map((x) => x.location!),
    { width: 640, maxHeight: 360, padding: 40 },
  );
  return s(
    'svg',
    {
      id: 'report-map',
      viewBox: `0 0 ${projection.width} ${projection.height}`,
      role: 'img',
      'aria-label': word(lang, 'map'),
    },
    ...located.map((x) => {
      const p = projection.project(x.location!.lat, x.location!.lon);
      const cls = x.current.class;
      const name = lang === 'en' ? x.name.en : x.name.zh;
      return s(
        'g',
        { 'data-station': x.id, 'data-class': cls ?? 'none' },
        s('circle', { cx: p.x, cy: p.y, r: 9, fill: classColor(cls), stroke: '#fff', 'stroke-width': 2 }),
        s('title', null, `${name}: ${cls ?? word(lang, 'insufficient')}`),
        // Labels near the right edge go to the left of their dot, so they are not cut off.
        p.x > projection.width * 0.72
          ? s('text', { x: p.x - 12, y: p.y + 4, 'font-size': 12, fill: '#23303b', 'text-anchor': 'end' }, name)
          : s('text', { x: p.x + 12, y: p.y + 4, 'font-size': 12, fill: '#23303b' }, name),
      );
    }),
  );
}

/** Horizontal bars of the sections' CWQI in rank order, coloured by class. */
function rankingChart(sections: readonly SectionRow[], lang: Lang): HTMLElement {
  const ranked = sections.filter((x) => x.status_rank !== null).sort((a, b) => a.status_rank! - b.status_rank!);
  if (ranked.length === 0) return h('p', { class: 'muted' }, word(lang, 'noSections'));
  const max = Math.max(...ranked.map((x) => x.current.cwqi ?? 0));
  return h(
    'div',
    { id: 'report-ranking', class: 'report-bars' },
    ...ranked.map((x) =>
      h(
        'div',
        { class: 'report-bar', 'data-station': x.id, 'data-rank': String(x.status_rank) },
        h('span', { class: 'report-bar-rank' }, String(x.status_rank)),
        h('span', { class: 'report-bar-name' }, lang === 'en' ? x.name.en : x.name.zh),
        h(
          'span',
          { class: 'report-bar-track' },
          h('i', {
            style: `width:${max > 0 ? ((x.current.cwqi ?? 0) / max) * 100 : 0}%;background:${classColor(x.current.class)}`,
          }),
        ),
        h('span', { class: 'report-bar-value' }, (x.current.cwqi ?? 0).toFixed(4)),
      ),
    ),
  );
}

/** One of the report's tables; class names in text cells become the dashboard's class badges. */
function tableView(ctx: ViewContext, table: Table): HTMLElement {
  const lang = ctx.i18n.lang();
  const cell = (value: Table['rows'][number][number], i: number) => {
    const col = table.columns[i]!;
    const text = cellText(value, col, lang);
    if (col.type === 'text' && isSectionClass(text)) return h('td', null, classBadge(ctx.i18n, text));
    return h('td', { class: col.type === 'text' ? null : 'num' }, text);
  };
  return card(
    h('h2', null, table.title),
    scrollTable(
      h(
        'table',
        { class: 'report-table', 'data-table': table.id },
        h(
          'thead',
          null,
          h('tr', null, ...table.columns.map((c) => h('th', { class: c.type === 'text' ? null : 'num' }, c.label))),
        ),
        h('tbody', null, ...table.rows.map((row) => h('tr', null, ...row.map(cell)))),
      ),
    ),
    ...table.notes.map((n) => h('p', { class: 'muted small' }, n)),
  );
}

export async function renderReport(ctx: ViewContext, main: HTMLElement): Promise<void> {
  const lang = ctx.i18n.lang();
  const q = ctx.route.query;
  const kind: PeriodKind = (PERIOD_KINDS as readonly string[]).includes(q.get('kind') ?? '')
    ? (q.get('kind') as PeriodKind)
    : 'monthly';
  const asked = (q.get('period') ?? '').toUpperCase().replace(/^(\d{4})-q/i, '$1-Q');
  const period = PERIOD_FORMS[kind].test(asked) ? asked : defaultPeriod(kind, new Date(ctx.now()));
  const go = (next: { kind?: string; period?: string }) =>
    ctx.navigate(hrefOf('report', undefined, { kind, period, ...next }), { replace: true });

  const periodInput = h('input', {
    id: 'report-period',
    type: kind === 'monthly' ? 'month' : 'text',
    value: period,
    placeholder: kind === 'quarterly' ? '2026-Q4' : kind === 'annual' ? '2026' : '2026-11',
    size: 9,
  });
  const status = h('span', { class: 'muted small', id: 'report-status', role: 'status' });
  const download = (format: 'xlsx' | 'pdf') => {
    const button = h('button', { type: 'button', class: 'btn', id: `report-${format}` }, word(lang, format));
    button.addEventListener('click', () => {
      button.disabled = true;
      status.textContent = ctx.i18n.t('common.loading');
      ctx.api
        .download(`/reports/${kind}`, { period, format }, { signal: ctx.signal })
        .then(({ blob, filename }) => {
          save(blob, filename);
          status.textContent = word(lang, 'downloaded', { file: filename });
        })
        .catch((err: Error) => {
          if (!ctx.signal.aborted) status.textContent = err.message;
        })
        .finally(() => {
          button.disabled = false;
        });
    });
    return button;
  };
  const printButton = h(
    'button',
    { type: 'button', class: 'btn', id: 'report-print', onclick: () => window.print() },
    word(lang, 'print'),
  );

  const body = h('div', { id: 'report-body' }, loading(ctx.i18n));
  main.replaceChildren(
    h('div', { class: 'page-head' }, h('h1', null, word(lang, 'title'))),
    card(
      null,
      h(
        'form',
        {
          class: 'controls report-controls',
          onsubmit: (e: Event) => {
            e.preventDefault();
            const value = periodInput.value
              .trim()
              .toUpperCase()
              .replace(/^(\d{4})-q/i, '$1-Q');
            if (!PERIOD_FORMS[kind].test(value)) status.textContent = word(lang, 'badPeriod');
            else go({ period: value });
          },
        },
        h(
          'label',
          null,
          word(lang, 'kind'),
          h(
            'select',
            {
              id: 'report-kind',
              onchange: (e: Event) => {
                const k = (e.target as HTMLSelectElement).value as PeriodKind;
                go({ kind: k, period: defaultPeriod(k, new Date(ctx.now())) });
              },
            },
            ...PERIOD_KINDS.map((k) => h('option', { value: k, selected: k === kind }, word(lang, k))),
          ),
        ),
        h('label', null, word(lang, 'period'), periodInput),
        h('button', { type: 'submit', class: 'btn btn-primary', id: 'report-show' }, word(lang, 'show')),
        download('xlsx'),
        download('pdf'),
        printButton,
        status,
      ),
    ),
    body,
  );

  let report: WaterReport;
  try {
    report = await ctx.api.get<WaterReport>(`/reports/${kind}`, { period }, { signal: ctx.signal });
  } catch (err) {
    if (ctx.signal.aborted) return;
    body.replaceChildren(
      card(null, h('p', { class: 'error', id: 'report-error' }, err instanceof ApiError ? err.message : String(err))),
    );
    return;
  }
  const name = (n: { zh: string; en: string }) => (lang === 'en' ? n.en : n.zh);
  const tables = reportTables(report, lang);
  const withSections = report.sections.length > 0;
  body.replaceChildren(
    ...[
      h(
        'section',
        { class: 'report-head', 'data-period': report.period },
        h('h2', { id: 'report-title' }, `${name(report.title)} · ${name(report.period_label)}`),
        h(
          'p',
          { class: 'muted' },
          `${name(report.scope.name)} · ${report.time_zone}`,
          report.data_basis.complete
            ? null
            : h('span', { class: 'badge report-provisional' }, word(lang, 'provisional')),
        ),
      ),
      withSections ? figures(report, lang) : null,
      withSections
        ? h(
            'div',
            { class: 'report-visuals' },
            card(h('h2', null, word(lang, 'map')), sectionMap(report.sections, lang), classLegend(lang)),
            card(h('h2', null, word(lang, 'ranking')), rankingChart(report.sections, lang)),
          )
        : null,
      ...tables.map((t) => tableView(ctx, t)),
    ].filter((el): el is HTMLElement => el !== null),
  );
}

function classLegend(lang: Lang): HTMLElement {
  const classes = Object.keys(CLASS_COLORS) as SectionClass[];
  return h(
    'div',
    { class: 'report-legend small' },
    ...classes.map((c) => h('span', null, h('i', { style: `background:${CLASS_COLORS[c]};color:${textOn(c)}` }), c)),
    h('span', null, h('i', { style: `background:${UNKNOWN_COLOR}` }), word(lang, 'insufficient')),
  );
}
