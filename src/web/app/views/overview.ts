/**
 * Overview (总览): the basin map, the sections with target against current class, the plants' compliance, the
 * urban creeks, and the open alerts — one `GET /stations` and one `GET /alerts`.
 */
import { listUnresolved, type AlertView } from '../alerts-api.js';
import { ApiError } from '../api.js';
import type { StationListJson, StationSummaryJson } from '../api-types.js';
import type { ViewContext } from '../context.js';
import { h, replace } from '../dom.js';
import { fmtAgo, fmtDateTime } from '../format.js';
import type { I18n, MessageKey, TermKey } from '../i18n.js';
import { basinMap } from '../map.js';
import { paramName } from '../params.js';
import { hrefOf } from '../router.js';
import {
  card,
  classBadge,
  complianceBadge,
  errorBox,
  freshnessBadge,
  loading,
  scrollTable,
  severityBadge,
  term,
} from '../ui.js';

const ROLE_TERMS: Record<string, TermKey> = {
  inbound: 'term.inbound',
  control: 'term.control',
  outbound: 'term.outbound',
};

function roleCell(i18n: I18n, role: string | undefined): HTMLElement | string {
  const key = role ? ROLE_TERMS[role] : undefined;
  return key ? h('span', { title: i18n.other(key) }, i18n.t(key)) : '—';
}

function stationLink(i18n: I18n, st: { id: string; name: { zh: string; en: string } }): HTMLElement {
  return h('a', { href: hrefOf('station', st.id) }, i18n.name(st.name, st.id));
}

function pollutants(i18n: I18n, codes: readonly string[] | undefined): string {
  return codes && codes.length > 0 ? i18n.list(codes.map((c) => paramName(i18n, c))) : '—';
}

function updated(ctx: ViewContext, st: StationSummaryJson): HTMLElement {
  const at = st.freshness.last_reading_at ? Date.parse(st.freshness.last_reading_at) : null;
  return h(
    'span',
    { title: fmtDateTime(at, ctx.timeZone) },
    at === null ? '—' : fmtAgo(ctx.now() - at, ctx.i18n.lang()),
  );
}

/** "云溪 68 公里" / "Yunxi River, km 68": the river by name, and where on it. */
function riverCell(i18n: I18n, st: StationSummaryJson): HTMLElement | string {
  const name = st.river_name ? i18n.name(st.river_name) : st.river;
  if (!name) return '—';
  const km = st.river_km !== null ? i18n.t('common.km', { km: st.river_km }) : '';
  return h(
    'span',
    null,
    name,
    km ? h('span', { class: 'muted small' }, i18n.lang() === 'en' ? `, ${km}` : ` ${km}`) : null,
  );
}

function sectionsTable(ctx: ViewContext, sections: StationSummaryJson[]): HTMLElement {
  const { i18n } = ctx;
  const order: Record<string, number> = { inbound: 0, control: 1, outbound: 2 };
  const rows = [...sections].sort(
    (a, b) =>
      (a.river ?? '').localeCompare(b.river ?? '') ||
      (a.river_km ?? 0) - (b.river_km ?? 0) ||
      (order[a.section?.role ?? ''] ?? 1) - (order[b.section?.role ?? ''] ?? 1),
  );
  return scrollTable(
    h(
      'table',
      { id: 'sections-table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, term(i18n, 'term.section')),
          h('th', null, i18n.t('common.river')),
          h('th', null, i18n.t('common.kind')),
          h('th', null, term(i18n, 'term.targetClass')),
          h('th', null, term(i18n, 'term.currentClass')),
          h('th', null, term(i18n, 'term.primaryPollutants')),
          h('th', null, term(i18n, 'term.freshness')),
        ),
      ),
      h(
        'tbody',
        null,
        ...rows.map((st) =>
          h(
            'tr',
            { 'data-station': st.id, 'data-compliant': String(st.current?.compliant ?? '') },
            h('td', null, stationLink(i18n, st)),
            h('td', null, riverCell(i18n, st)),
            h('td', null, roleCell(i18n, st.section?.role)),
            h('td', null, classBadge(i18n, st.section?.target_class)),
            h(
              'td',
              null,
              classBadge(i18n, st.freshness.status === 'offline' ? null : st.current?.class),
              ' ',
              st.current?.compliant === false ? complianceBadge(i18n, false) : null,
            ),
            h('td', null, pollutants(i18n, st.current?.primary_pollutants)),
            h(
              'td',
              null,
              freshnessBadge(i18n, st.freshness.status),
              ' ',
              h('span', { class: 'muted small' }, updated(ctx, st)),
            ),
          ),
        ),
      ),
    ),
  );
}

function plantsTable(ctx: ViewContext, plants: StationSummaryJson[]): HTMLElement {
  const { i18n } = ctx;
  return scrollTable(
    h(
      'table',
      { id: 'plants-table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, i18n.t('common.station')),
          h('th', null, i18n.t('common.kind')),
          h('th', null, term(i18n, 'term.compliance')),
          h('th', null, i18n.t('status.noncompliant')),
          h('th', null, term(i18n, 'term.freshness')),
        ),
      ),
      h(
        'tbody',
        null,
        ...plants.map((st) => {
          const over = Object.entries(st.current?.items ?? {})
            .filter(([, item]) => item.compliant === false)
            .map(([code]) => paramName(i18n, code));
          const judged = st.freshness.status !== 'offline' && st.current && st.current.status !== 'insufficient_data';
          return h(
            'tr',
            { 'data-station': st.id },
            h('td', null, stationLink(i18n, st)),
            h('td', null, i18n.t(`kind.${st.kind}` as MessageKey)),
            h(
              'td',
              null,
              judged
                ? complianceBadge(i18n, st.current?.compliant)
                : st.kind === 'plant_influent'
                  ? '—'
                  : complianceBadge(i18n, null),
            ),
            h('td', null, over.length > 0 ? i18n.list(over) : '—'),
            h(
              'td',
              null,
              freshnessBadge(i18n, st.freshness.status),
              ' ',
              h('span', { class: 'muted small' }, updated(ctx, st)),
            ),
          );
        }),
      ),
    ),
  );
}

function urbanTable(ctx: ViewContext, waters: StationSummaryJson[]): HTMLElement {
  const { i18n } = ctx;
  const gradeText = (g: string | null | undefined) =>
    g === 'none' || g === 'light' || g === 'severe' ? i18n.t(`blackOdorous.${g}`) : '—';
  return scrollTable(
    h(
      'table',
      { id: 'urban-table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, i18n.t('common.station')),
          h('th', null, term(i18n, 'term.blackOdorous')),
          h('th', null, term(i18n, 'term.freshness')),
        ),
      ),
      h(
        'tbody',
        null,
        ...waters.map((st) =>
          h(
            'tr',
            { 'data-station': st.id },
            h('td', null, stationLink(i18n, st)),
            h(
              'td',
              null,
              h(
                'span',
                {
                  class: `badge ${st.current?.black_odorous === 'none' ? 'badge-ok' : st.current?.black_odorous ? 'badge-bad' : 'badge-none'}`,
                },
                gradeText(st.current?.black_odorous),
              ),
            ),
            h(
              'td',
              null,
              freshnessBadge(i18n, st.freshness.status),
              ' ',
              h('span', { class: 'muted small' }, updated(ctx, st)),
            ),
          ),
        ),
      ),
    ),
  );
}

export function alertList(
  ctx: ViewContext,
  alerts: readonly AlertView[],
  names: ReadonlyMap<string, { zh: string; en: string }>,
): HTMLElement {
  const { i18n } = ctx;
  if (alerts.length === 0) return h('p', { class: 'muted', id: 'no-open-alerts' }, i18n.t('overview.noOpenAlerts'));
  return h(
    'ul',
    { class: 'alert-list', id: 'open-alerts' },
    ...alerts
      .slice(0, 12)
      .map((a) =>
        h(
          'li',
          { 'data-alert': a.id },
          severityBadge(i18n, a.severity),
          ' ',
          h(
            'a',
            { href: hrefOf('alerts', undefined, { id: String(a.id) }) },
            i18n.name(names.get(a.stationId) ?? a.stationName, a.stationId),
            ' · ',
            i18n.t(`rule.${a.rule}` as MessageKey),
          ),
          ' ',
          h('span', { class: 'muted small' }, fmtAgo(ctx.now() - a.openedAt, i18n.lang())),
        ),
      ),
  );
}

export async function renderOverview(ctx: ViewContext, main: HTMLElement): Promise<void> {
  const { i18n } = ctx;
  main.replaceChildren(h('div', { class: 'page-head' }, h('h1', null, i18n.t('overview.title'))), loading(i18n));
  const canAlerts = ctx.session.can('alerts:read');
  const [stationsResult, alertsResult] = await Promise.allSettled([
    ctx.api.get<StationListJson>('/stations', undefined, { signal: ctx.signal }),
    canAlerts ? listUnresolved(ctx.api, ctx.signal) : Promise.resolve([]),
  ]);
  if (ctx.signal.aborted) return;
  let stations: StationSummaryJson[];
  let dbDown: HTMLElement | null = null;
  if (stationsResult.status === 'fulfilled') {
    stations = stationsResult.value.items;
  } else if (stationsResult.reason instanceof ApiError && stationsResult.reason.status === 503) {
    // The database does not answer, the catalog does: draw the map and the lists from it, and say why they are bare.
    try {
      stations = (await ctx.api.get<StationListJson>('/stations', { latest: 'false' }, { signal: ctx.signal })).items;
    } catch (err) {
      if (!ctx.signal.aborted) main.replaceChildren(errorBox(i18n, err, () => void renderOverview(ctx, main)));
      return;
    }
    if (ctx.signal.aborted) return;
    dbDown = h(
      'div',
      { class: 'error', role: 'alert', id: 'db-down' },
      i18n.t('overview.dbDown'),
      ' ',
      h('span', { class: 'small' }, stationsResult.reason.message),
      h(
        'button',
        { type: 'button', class: 'btn btn-small', onclick: () => void renderOverview(ctx, main) },
        i18n.t('common.retry'),
      ),
    );
  } else {
    main.replaceChildren(errorBox(i18n, stationsResult.reason, () => void renderOverview(ctx, main)));
    return;
  }
  const sections = stations.filter((st) => st.kind === 'river_section');
  const plants = stations.filter(
    (st) => st.kind === 'plant_effluent' || st.kind === 'industrial_outfall' || st.kind === 'plant_influent',
  );
  const urban = stations.filter((st) => st.kind === 'urban_water');
  const offline = stations.filter((st) => st.freshness.status === 'offline').length;
  // Sections against their target and facilities against their discharge limit; a black-odorous creek is graded,
  // not held to a target, so it is counted on its own rather than as "not meeting target".
  const online = stations.filter((st) => st.freshness.status !== 'offline');
  const bad = online.filter((st) => st.kind !== 'urban_water' && st.current?.compliant === false).length;
  const blackOdorous = online.filter(
    (st) => st.kind === 'urban_water' && st.current?.black_odorous && st.current.black_odorous !== 'none',
  ).length;
  const names = new Map(stations.map((st) => [st.id, st.name]));

  let alertsBody: HTMLElement;
  if (!canAlerts) alertsBody = h('p', { class: 'muted' }, i18n.t('alerts.forbidden'));
  else if (alertsResult.status === 'fulfilled') alertsBody = alertList(ctx, alertsResult.value, names);
  else if (alertsResult.reason instanceof ApiError && alertsResult.reason.status === 404)
    alertsBody = h('p', { class: 'muted' }, i18n.t('alerts.unavailable'));
  else alertsBody = errorBox(i18n, alertsResult.reason);

  replace(
    main,
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, i18n.t('overview.title')),
      dbDown
        ? null
        : h(
            'div',
            { class: 'meta', id: 'overview-summary' },
            i18n.t('overview.summary', { total: stations.length, offline, bad }) +
              (blackOdorous > 0 ? i18n.t('overview.summaryBlackOdorous', { n: blackOdorous }) : ''),
          ),
    ),
    dbDown,
    h(
      'div',
      { class: 'grid' },
      card(i18n.t('overview.map'), basinMap(i18n, stations)),
      h(
        'div',
        { class: 'stack' },
        canAlerts
          ? card(
              h(
                'span',
                null,
                i18n.t('overview.openAlerts'),
                ' ',
                h('a', { class: 'small', href: hrefOf('alerts') }, i18n.t('overview.allAlerts')),
              ),
              alertsBody,
            )
          : null,
        urban.length > 0 ? card(i18n.t('overview.urban'), urbanTable(ctx, urban)) : null,
      ),
    ),
    sections.length > 0 ? card(i18n.t('overview.sections'), sectionsTable(ctx, sections)) : null,
    plants.length > 0 ? card(i18n.t('overview.plants'), plantsTable(ctx, plants)) : null,
  );
}
