/**
 * Compliance (达标率): the bureau's monthly table — per outbound section (or every section, or every plant) the
 * share of judged windows in compliance, the windows out of compliance, the worst class and the primary
 * pollutants — and the same table as the API's CSV (UTF-8 with BOM, opens in Excel), downloaded with the key.
 */
import type { ComplianceJson, ComplianceRowJson } from '../api-types.js';
import type { Query } from '../api.js';
import type { ViewContext } from '../context.js';
import { h } from '../dom.js';
import { fmtMonth, fmtNumber, fmtPercent } from '../format.js';
import type { I18n, MessageKey } from '../i18n.js';
import { paramName } from '../params.js';
import { hrefOf } from '../router.js';
import { card, classBadge, load, scrollTable, term } from '../ui.js';

export const SCOPES = ['outbound', 'sections', 'plants'] as const;
export type Scope = (typeof SCOPES)[number];
const PERIODS = ['1d', '4h', '1mo'] as const;

/** The API query of one month's compliance for a scope; the month's bounds are local dates in the API's zone. */
export function complianceQuery(month: string, scope: Scope, window: string): Query {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  const filter: Query =
    scope === 'outbound'
      ? { role: 'outbound' }
      : scope === 'sections'
        ? { kind: 'river_section' }
        : { kind: 'plant_effluent,industrial_outfall' };
  return { from: `${month}-01`, to: `${next}-01`, window, ...filter, sort: 'compliance_rate', order: 'asc' };
}

function rateCell(rate: number | null): HTMLElement {
  const pct = rate === null ? 0 : Math.round(rate * 100);
  return h(
    'td',
    { class: 'num', 'data-rate': rate === null ? '' : String(rate) },
    h('strong', null, fmtPercent(rate)),
    h('span', { class: 'rate-bar', 'aria-hidden': 'true' }, h('i', { style: `width:${pct}%` })),
  );
}

function exceeding(i18n: I18n, row: ComplianceRowJson): string {
  if (row.exceeding.length === 0) return '—';
  return row.exceeding
    .map(
      (e) =>
        `${paramName(i18n, e.parameter)} ${e.windows}${i18n.lang() === 'en' ? '×' : '次'}${e.max_exceedance !== null ? ` (${fmtNumber(e.max_exceedance, 2)}${i18n.lang() === 'en' ? '× over' : '倍'})` : ''}`,
    )
    .join(i18n.lang() === 'en' ? '; ' : '；');
}

function table(ctx: ViewContext, data: ComplianceJson, scope: Scope, month: string): HTMLElement {
  const { i18n } = ctx;
  if (data.items.length === 0) return h('p', { class: 'muted' }, i18n.t('common.noData'));
  const basis = i18n.t('compliance.rateBasis', { window: i18n.t(`window.${data.window}` as MessageKey), month });
  const sections = scope !== 'plants';
  return h(
    'div',
    null,
    scrollTable(
      h(
        'table',
        { id: 'compliance-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, i18n.t('common.station')),
            sections
              ? h('th', null, term(i18n, 'term.targetClass'))
              : h('th', null, term(i18n, 'term.dischargeStandard')),
            h('th', { class: 'num' }, term(i18n, 'term.complianceRate')),
            h('th', { class: 'num' }, i18n.t('status.compliant')),
            h('th', { class: 'num' }, i18n.t('compliance.failed')),
            h('th', { class: 'num' }, i18n.t('status.insufficient')),
            sections ? h('th', null, i18n.t('compliance.worst')) : null,
            sections ? h('th', null, i18n.t('compliance.periodClass')) : null,
            sections ? h('th', null, term(i18n, 'term.primaryPollutants')) : null,
            h('th', null, term(i18n, 'term.exceedance')),
          ),
        ),
        h(
          'tbody',
          null,
          ...data.items.map((row) =>
            h(
              'tr',
              { 'data-station': row.station.id },
              h(
                'td',
                null,
                h('a', { href: hrefOf('station', row.station.id) }, i18n.name(row.station.name, row.station.id)),
              ),
              sections
                ? h('td', null, classBadge(i18n, row.station.target_class))
                : h('td', { class: 'small' }, i18n.name(row.standard.name ?? undefined, '—')),
              rateCell(row.compliance_rate),
              h('td', { class: 'num' }, String(row.compliant)),
              h('td', { class: 'num' }, String(row.non_compliant)),
              h('td', { class: 'num' }, String(row.insufficient_data)),
              sections ? h('td', null, classBadge(i18n, row.worst_class)) : null,
              sections ? h('td', null, classBadge(i18n, row.period_class)) : null,
              sections
                ? h(
                    'td',
                    null,
                    row.primary_pollutants.length > 0
                      ? i18n.list(row.primary_pollutants.map((c) => paramName(i18n, c)))
                      : '—',
                  )
                : null,
              h('td', { class: 'small' }, exceeding(i18n, row)),
            ),
          ),
        ),
      ),
    ),
    h(
      'p',
      { class: 'muted small', id: 'compliance-basis' },
      basis,
      i18n.lang() === 'en' ? '. ' : '。',
      i18n.t('compliance.insufficientNote'),
    ),
  );
}

/** Saves a blob under a name: a temporary object URL clicked through an `<a download>`. */
export function save(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, style: 'display:none' });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function renderCompliance(ctx: ViewContext, main: HTMLElement): Promise<void> {
  const { i18n } = ctx;
  const q = ctx.route.query;
  const month = /^\d{4}-\d{2}$/.test(q.get('month') ?? '') ? q.get('month')! : fmtMonth(ctx.now(), ctx.timeZone);
  const scope: Scope = (SCOPES as readonly string[]).includes(q.get('scope') ?? '')
    ? (q.get('scope') as Scope)
    : 'outbound';
  const period = (PERIODS as readonly string[]).includes(q.get('window') ?? '') ? q.get('window')! : '1d';
  const go = (next: Partial<{ month: string; scope: string; window: string }>) =>
    ctx.navigate(hrefOf('compliance', undefined, { month, scope, window: period, ...next }), { replace: true });
  const query = complianceQuery(month, scope, period);

  const status = h('span', { class: 'muted small', id: 'export-status', role: 'status' });
  const exportButton = h(
    'button',
    { type: 'button', class: 'btn btn-primary', id: 'export-csv' },
    i18n.t('compliance.export'),
  );
  exportButton.addEventListener('click', () => {
    exportButton.disabled = true;
    status.textContent = i18n.t('common.loading');
    ctx.api
      .download('/compliance', { ...query, format: 'csv' }, { signal: ctx.signal })
      .then(({ blob, filename }) => {
        // The server names the file by window (compliance-1d.csv); the month and scope make it findable later.
        const name = filename.replace(/\.csv$/, `-${month}-${scope}.csv`);
        save(blob, name);
        status.textContent = i18n.t('compliance.exported', { file: name });
      })
      .catch((err: Error) => {
        if (!ctx.signal.aborted) status.textContent = err.message;
      })
      .finally(() => {
        exportButton.disabled = false;
      });
  });

  const body = h('div', null);
  main.replaceChildren(
    h(
      'div',
      { class: 'page-head' },
      h(
        'h1',
        null,
        i18n.t('compliance.title'),
        ' ',
        h('span', { class: 'muted small' }, term(i18n, 'term.complianceRate')),
      ),
    ),
    card(
      null,
      h(
        'div',
        { class: 'controls' },
        h(
          'label',
          null,
          i18n.t('compliance.month'),
          h('input', {
            type: 'month',
            id: 'month',
            value: month,
            onchange: (e: Event) => go({ month: (e.target as HTMLInputElement).value || month }),
          }),
        ),
        h(
          'label',
          null,
          i18n.t('compliance.scope'),
          h(
            'select',
            { id: 'scope', onchange: (e: Event) => go({ scope: (e.target as HTMLSelectElement).value }) },
            ...SCOPES.map((sc) =>
              h('option', { value: sc, selected: sc === scope }, i18n.t(`compliance.scope.${sc}` as MessageKey)),
            ),
          ),
        ),
        h(
          'label',
          null,
          i18n.t('compliance.window'),
          h(
            'select',
            { id: 'period', onchange: (e: Event) => go({ window: (e.target as HTMLSelectElement).value }) },
            ...PERIODS.map((p) =>
              h(
                'option',
                { value: p, selected: p === period },
                p === '4h' ? i18n.t('station.window.4h') : i18n.t(`compliance.window.${p}` as MessageKey),
              ),
            ),
          ),
        ),
        exportButton,
        status,
      ),
      body,
    ),
  );
  await load(
    i18n,
    body,
    () => ctx.api.get<ComplianceJson>('/compliance', query, { signal: ctx.signal }),
    (data) => table(ctx, data, scope, month),
    ctx.signal,
  );
}
