/**
 * Alerts (告警): the list with filters (state, severity, station, period), one alert's finding and immutable
 * timeline, acknowledge and resolve with a note, and live updates from the server-sent event stream — a row
 * changes or appears the moment the alert service acts, without reloading.
 */
import {
  acknowledgeAlert,
  ALERT_SEVERITIES,
  ALERT_STATES,
  getAlert,
  listAlerts,
  resolveAlert,
  streamAlerts,
  type AlertDetailView,
  type AlertFilterInput,
  type AlertView,
} from '../alerts-api.js';
import { ApiError } from '../api.js';
import type { StationListJson } from '../api-types.js';
import type { ViewContext } from '../context.js';
import { h, replace } from '../dom.js';
import { fmtAgo, fmtDateTime, fmtNumber } from '../format.js';
import type { I18n, MessageKey } from '../i18n.js';
import { paramDecimals, paramName, paramUnit } from '../params.js';
import { hrefOf } from '../router.js';
import { card, classBadge, classText, errorBox, loading, scrollTable, severityBadge } from '../ui.js';

type Names = Map<string, { zh: string; en: string }>;

function stateBadge(i18n: I18n, state: string): HTMLElement {
  return h(
    'span',
    { class: `state state-${state}`, 'data-state': state },
    i18n.t(`alerts.state.${state}` as MessageKey),
  );
}

function ruleText(i18n: I18n, rule: string): string {
  const key = `rule.${rule}` as MessageKey;
  return i18n.t(key) === key ? rule : i18n.t(key);
}

/** One line on what the alert found: the class reached, the pollutants, or the note. */
export function findingSummary(i18n: I18n, a: AlertView): string {
  const f = a.latest;
  const parts: string[] = [];
  if (f.classReached && f.targetClass)
    parts.push(
      i18n.t('alerts.classReached', { cls: classText(i18n, f.classReached), target: classText(i18n, f.targetClass) }),
    );
  const pollutants = f.primaryPollutants?.length
    ? f.primaryPollutants
    : f.items
        .filter((i) => i.exceedance !== undefined && i.exceedance !== null)
        .map((i) => ({ parameter: i.parameter, exceedance: i.exceedance ?? null }));
  if (pollutants.length > 0) {
    parts.push(
      i18n.list(
        pollutants.map(
          (p) =>
            `${paramName(i18n, p.parameter)}${p.exceedance !== null && p.exceedance > 0 ? ` ${fmtNumber(p.exceedance, 2)}${i18n.lang() === 'en' ? '×' : '倍'}` : ''}`,
        ),
      ),
    );
  } else if (f.items.length > 0) {
    const i = f.items[0]!;
    parts.push(
      `${paramName(i18n, i.parameter)} ${fmtNumber(i.value, paramDecimals(i.parameter))}${(i.unit ?? paramUnit(i.parameter)) ? ` ${i.unit ?? paramUnit(i.parameter)}` : ''}`,
    );
  }
  if (parts.length === 0 && f.note) parts.push(f.note);
  return parts.join(' · ');
}

/**
 * An alert's severity is the worst it reached while open; its latest finding can be milder. Both are shown when
 * they differ, so the badge never contradicts the finding beside it.
 */
function severityCell(i18n: I18n, a: AlertView): HTMLElement {
  const latest = a.latest.severity;
  return h(
    'span',
    { class: 'severity', 'data-severity': a.severity, 'data-latest-severity': latest ?? '' },
    severityBadge(i18n, a.severity),
    latest && latest !== a.severity
      ? h('span', { class: 'muted small latest' }, `${i18n.t('alerts.latestShort')} `, severityBadge(i18n, latest))
      : null,
  );
}

/** The alert service's own words: the actor `system` and its automatic resolution note, in the page's language. */
function actorText(i18n: I18n, actor: string): string {
  return actor === 'system' ? i18n.t('alerts.actor.system') : actor;
}
function noteText(i18n: I18n, note: string): string {
  const streak = /^(\d+) consecutive compliant windows$/.exec(note);
  if (note === 'data corrected') return i18n.t('alerts.dataCorrected');
  return streak ? i18n.t('alerts.autoResolved', { n: streak[1]! }) : note;
}

/** "2026-11-28 00:00 – 12:00": the alert's windows, the end's date left out when it is the same day. */
function windowText(ctx: ViewContext, a: AlertView): string {
  const start = fmtDateTime(a.windowStart, ctx.timeZone);
  const end = fmtDateTime(a.windowEnd, ctx.timeZone);
  return `${start} – ${end.slice(0, 10) === start.slice(0, 10) ? end.slice(11) : end}`;
}

/** "窗口结束8.6小时后根据补传数据发现" / "8.6 h after the window closed, from back-filled data". */
function detectionText(ctx: ViewContext, a: AlertView): string {
  const { i18n } = ctx;
  const hours = Math.round(((a.detectedAt - a.windowEnd) / 3_600_000) * 10) / 10;
  const after = i18n.lang() === 'en' ? `${hours} h` : `${hours}小时`;
  return i18n.t('alerts.detectedLate', { after, how: i18n.t(`alerts.detection.${a.detection}` as MessageKey) });
}

function row(
  ctx: ViewContext,
  a: AlertView,
  names: Names,
  selected: boolean,
  select: (id: number) => void,
): HTMLTableRowElement {
  const { i18n } = ctx;
  return h(
    'tr',
    {
      class: `clickable${selected ? ' selected' : ''}`,
      'data-alert': a.id,
      'data-state': a.state,
      onclick: () => select(a.id),
    },
    h('td', null, severityCell(i18n, a)),
    h('td', null, i18n.name(names.get(a.stationId) ?? a.stationName, a.stationId)),
    h('td', null, ruleText(i18n, a.rule), h('br'), h('span', { class: 'muted small' }, findingSummary(i18n, a))),
    h('td', null, stateBadge(i18n, a.state)),
    // The time the alert is about first; when it was found beside it (flagged when found late).
    h('td', { class: 'window-time' }, windowText(ctx, a)),
    h(
      'td',
      { class: 'detected', title: fmtDateTime(a.detectedAt, ctx.timeZone) },
      fmtAgo(ctx.now() - a.detectedAt, i18n.lang()),
      a.detection ? [' ', h('span', { class: 'badge late', title: detectionText(ctx, a) }, i18n.t('alerts.late'))] : [],
    ),
    h('td', { class: 'num' }, String(a.count)),
  );
}

function itemsTable(i18n: I18n, a: AlertView): HTMLElement | null {
  if (a.latest.items.length === 0) return null;
  return scrollTable(
    h(
      'table',
      { class: 'items' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, i18n.t('common.parameter')),
          h('th', { class: 'num' }, i18n.t('common.value')),
          h('th', { class: 'num' }, i18n.t('station.limit')),
          h('th', null, i18n.t('term.waterClass')),
          h('th', { class: 'num' }, i18n.t('term.exceedance')),
        ),
      ),
      h(
        'tbody',
        null,
        ...a.latest.items.map((i) => {
          const d = paramDecimals(i.parameter);
          const unit = i.unit ?? paramUnit(i.parameter);
          return h(
            'tr',
            null,
            h('td', null, paramName(i18n, i.parameter)),
            h('td', { class: 'num' }, `${fmtNumber(i.value, d)} ${unit}`),
            h(
              'td',
              { class: 'num' },
              i.limit !== undefined ? `${i.direction === 'min' ? '≥' : '≤'}${fmtNumber(i.limit, d)}` : '—',
            ),
            h('td', null, i.class ? classBadge(i18n, i.class) : '—'),
            h(
              'td',
              { class: 'num' },
              i.exceedance !== undefined && i.exceedance !== null ? fmtNumber(i.exceedance, 2) : '—',
            ),
          );
        }),
      ),
    ),
  );
}

function detailView(
  ctx: ViewContext,
  d: AlertDetailView,
  names: Names,
  act: (action: 'ack' | 'resolve', note: string) => Promise<void>,
): HTMLElement {
  const { i18n } = ctx;
  const a = d.alert;
  const f = a.latest;
  const dl: (HTMLElement | null)[] = [];
  const field = (label: string, ...value: (Node | string)[]) => dl.push(h('dt', null, label), h('dd', null, ...value));
  field(
    i18n.t('common.station'),
    h('a', { href: hrefOf('station', a.stationId) }, i18n.name(names.get(a.stationId) ?? a.stationName, a.stationId)),
  );
  field(i18n.t('alerts.rule'), ruleText(i18n, a.rule));
  field(
    i18n.t('alerts.severity'),
    h('span', { id: 'alert-severity' }, severityBadge(i18n, a.severity), ` ${i18n.t('alerts.highest')}`),
    ...(f.severity && f.severity !== a.severity
      ? [' · ', i18n.t('alerts.latestSeverity'), ' ', severityBadge(i18n, f.severity)]
      : []),
  );
  field(i18n.t('alerts.state'), stateBadge(i18n, a.state));
  field(i18n.t('alerts.period'), h('span', { id: 'alert-window' }, windowText(ctx, a)));
  field(
    i18n.t('alerts.detected'),
    h(
      'span',
      { id: 'alert-detected' },
      fmtDateTime(a.detectedAt, ctx.timeZone),
      a.detection ? (i18n.lang() === 'en' ? ` (${detectionText(ctx, a)})` : `（${detectionText(ctx, a)}）`) : '',
    ),
  );
  field(i18n.t('alerts.count'), String(a.count));
  if (f.windowStart !== undefined && f.windowEnd !== undefined)
    field(
      i18n.t('alerts.window'),
      `${fmtDateTime(f.windowStart, ctx.timeZone)} – ${fmtDateTime(f.windowEnd, ctx.timeZone)}`,
    );
  // The class of the judged window, not the station's class now (the overview shows that): named so.
  if (f.classReached !== undefined && f.classReached !== null)
    field(
      i18n.t('alerts.windowClass'),
      h('span', { id: 'alert-window-class' }, classBadge(i18n, f.classReached)),
      ' / ',
      i18n.t('station.target'),
      ' ',
      classBadge(i18n, f.targetClass),
    );
  if (f.primaryPollutants?.length)
    field(
      i18n.t('term.primaryPollutants'),
      i18n.list(
        f.primaryPollutants.map(
          (p) => `${paramName(i18n, p.parameter)}${p.exceedance !== null ? ` (${fmtNumber(p.exceedance, 2)})` : ''}`,
        ),
      ),
    );
  if (f.projectedAt !== undefined)
    field('', i18n.t('alerts.projected', { time: fmtDateTime(f.projectedAt, ctx.timeZone) }));
  if (f.note) field(i18n.t('alerts.note'), f.note);

  const canAck = ctx.session.can('alerts:acknowledge') && a.state === 'open';
  const canResolve = ctx.session.can('alerts:resolve') && a.state !== 'resolved';
  const note = h('textarea', {
    id: 'alert-note',
    placeholder: i18n.t('alerts.notePlaceholder'),
    'aria-label': i18n.t('alerts.note'),
  });
  const message = h('p', { class: 'form-message', role: 'status' });
  const buttons: HTMLButtonElement[] = [];
  const run = (action: 'ack' | 'resolve') => {
    if (action === 'resolve' && note.value.trim() === '') {
      message.textContent = i18n.t('alerts.reasonRequired');
      note.focus();
      return;
    }
    for (const b of buttons) b.disabled = true;
    message.textContent = i18n.t('common.loading');
    act(action, note.value.trim()).catch((err: Error) => {
      message.textContent = err.message;
      for (const b of buttons) b.disabled = false;
    });
  };
  if (canAck)
    buttons.push(
      h(
        'button',
        { type: 'button', class: 'btn btn-primary', id: 'ack-button', onclick: () => run('ack') },
        i18n.t('alerts.ack'),
      ),
    );
  if (canResolve)
    buttons.push(
      h(
        'button',
        { type: 'button', class: 'btn btn-danger', id: 'resolve-button', onclick: () => run('resolve') },
        i18n.t('alerts.resolve'),
      ),
    );

  return h(
    'div',
    { class: 'alert-detail', 'data-alert': a.id, 'data-state': a.state },
    h('h2', null, `#${a.id} `, ruleText(i18n, a.rule)),
    h('dl', null, ...dl),
    itemsTable(i18n, a),
    buttons.length > 0
      ? h(
          'div',
          { class: 'actions' },
          h('label', { for: 'alert-note' }, i18n.t('alerts.note')),
          note,
          h('div', { class: 'buttons' }, ...buttons),
          message,
        )
      : null,
    h('h3', null, i18n.t('alerts.timeline')),
    h(
      'ol',
      { class: 'timeline', id: 'alert-timeline' },
      ...d.timeline.map((t) =>
        h(
          'li',
          { 'data-kind': t.kind },
          h('strong', null, i18n.t(`alerts.transition.${t.kind}` as MessageKey)),
          ' ',
          h(
            'span',
            { class: 'muted small' },
            `${fmtDateTime(t.at, ctx.timeZone)} · `,
            // Who acted is a name (an API key's), not text of the page: never translated.
            t.actor === 'system' ? actorText(i18n, t.actor) : h('span', { class: 'actor', translate: 'no' }, t.actor),
          ),
          // A person's note is theirs, in their words; the system's own notes are said in the page's language.
          t.note
            ? t.actor === 'system'
              ? h('span', { class: 'note' }, noteText(i18n, t.note))
              : h('span', { class: 'note', translate: 'no' }, t.note)
            : null,
        ),
      ),
    ),
  );
}

function filters(ctx: ViewContext, current: AlertFilterInput, names: Names): HTMLElement {
  const { i18n } = ctx;
  const go = (patch: Partial<AlertFilterInput>) => {
    const next = { ...current, ...patch };
    ctx.navigate(
      hrefOf('alerts', undefined, {
        state: next.state,
        severity: next.severity,
        station: next.station,
        from: next.from,
        to: next.to,
      }),
      { replace: true },
    );
  };
  const select = (id: string, value: string | undefined, options: [string, string][], key: keyof AlertFilterInput) =>
    h(
      'select',
      { id, onchange: (e: Event) => go({ [key]: (e.target as HTMLSelectElement).value || undefined }) },
      h('option', { value: '' }, i18n.t('common.all')),
      ...options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
    );
  return h(
    'div',
    { class: 'controls', id: 'alert-filters' },
    h(
      'label',
      null,
      i18n.t('alerts.state'),
      select(
        'filter-state',
        current.state,
        ALERT_STATES.map((s) => [s, i18n.t(`alerts.state.${s}` as MessageKey)]),
        'state',
      ),
    ),
    h(
      'label',
      null,
      i18n.t('alerts.severity'),
      select(
        'filter-severity',
        current.severity,
        ALERT_SEVERITIES.map((s) => [s, i18n.t(`alerts.severity.${s}` as MessageKey)]),
        'severity',
      ),
    ),
    h(
      'label',
      null,
      i18n.t('common.station'),
      select(
        'filter-station',
        current.station,
        [...names].map(([id, n]) => [id, i18n.name(n, id)]),
        'station',
      ),
    ),
    h(
      'label',
      null,
      i18n.t('common.from'),
      h('input', {
        type: 'date',
        id: 'filter-from',
        value: current.from ?? '',
        onchange: (e: Event) => go({ from: (e.target as HTMLInputElement).value || undefined }),
      }),
    ),
    h(
      'label',
      null,
      i18n.t('common.to'),
      h('input', {
        type: 'date',
        id: 'filter-to',
        value: current.to ?? '',
        onchange: (e: Event) => go({ to: (e.target as HTMLInputElement).value || undefined }),
      }),
    ),
  );
}

/** The day after a `YYYY-MM-DD` date: the picked "to" day is included. */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function matches(a: AlertView, f: AlertFilterInput): boolean {
  return (
    (!f.state || a.state === f.state) &&
    (!f.severity || a.severity === f.severity) &&
    (!f.station || a.stationId === f.station)
  );
}

export async function renderAlerts(ctx: ViewContext, main: HTMLElement): Promise<void> {
  const { i18n } = ctx;
  const q = ctx.route.query;
  const filter: AlertFilterInput = {
    state: q.get('state') || undefined,
    severity: q.get('severity') || undefined,
    station: q.get('station') || undefined,
    from: q.get('from') || undefined,
    to: q.get('to') || undefined,
  };
  let selectedId = Number(q.get('id')) || undefined;

  const live = h(
    'span',
    { class: 'live', id: 'live-status', 'data-connected': 'false', title: i18n.t('alerts.offline') },
    h('i'),
    i18n.t('alerts.live'),
  );
  const listEl = h('div', null, loading(i18n));
  const detailEl = h('div', { id: 'alert-detail' }, h('p', { class: 'muted' }, i18n.t('alerts.select')));
  main.replaceChildren(
    h('div', { class: 'page-head' }, h('h1', null, i18n.t('alerts.title'), ' ', live)),
    h('div', { class: 'alert-layout' }, card(null, h('div', { id: 'filters-slot' }), listEl), card(null, detailEl)),
  );

  const [stationsResult, listResult] = await Promise.allSettled([
    ctx.api.get<StationListJson>('/stations', undefined, { signal: ctx.signal }),
    listAlerts(ctx.api, { ...filter, ...(filter.to ? { to: nextDay(filter.to) } : {}) }, ctx.signal),
  ]);
  if (ctx.signal.aborted) return;
  const names: Names = new Map(
    stationsResult.status === 'fulfilled' ? stationsResult.value.items.map((s) => [s.id, s.name]) : [],
  );
  main.querySelector('#filters-slot')?.replaceWith(filters(ctx, filter, names));
  if (listResult.status === 'rejected') {
    const err = listResult.reason;
    replace(
      listEl,
      err instanceof ApiError && err.status === 404 && err.code === 'not-found'
        ? h('p', { class: 'muted' }, i18n.t('alerts.unavailable'))
        : errorBox(i18n, err, () => void renderAlerts(ctx, main)),
    );
    return;
  }
  const alerts = listResult.value;

  const tbody = h('tbody', null);
  const rowOf = new Map<number, HTMLTableRowElement>();
  function select(id: number) {
    selectedId = id;
    for (const [rid, tr] of rowOf) tr.classList.toggle('selected', rid === id);
    history.replaceState(null, '', hrefOf('alerts', undefined, { ...filter, id: String(id) }));
    void showDetail(id);
  }
  function upsert(a: AlertView, flash: boolean) {
    const tr = row(ctx, a, names, a.id === selectedId, select);
    if (flash) tr.classList.add('flash');
    const existing = rowOf.get(a.id);
    if (existing) existing.replaceWith(tr);
    else tbody.prepend(tr);
    rowOf.set(a.id, tr);
  }
  for (const a of [...alerts].reverse()) upsert(a, false);

  const empty = h('p', { class: 'muted', id: 'no-alerts' }, i18n.t('alerts.none'));
  replace(
    listEl,
    alerts.length === 0 ? empty : null,
    scrollTable(
      h(
        'table',
        { id: 'alerts-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, i18n.t('alerts.severity')),
            h('th', null, i18n.t('common.station')),
            h('th', null, i18n.t('alerts.rule')),
            h('th', null, i18n.t('alerts.state')),
            h('th', null, i18n.t('alerts.period')),
            h('th', null, i18n.t('alerts.detected')),
            h('th', { class: 'num' }, i18n.t('alerts.count')),
          ),
        ),
        tbody,
      ),
    ),
  );

  let detailSeq = 0;
  async function showDetail(id: number) {
    const seq = ++detailSeq;
    replace(detailEl, loading(i18n));
    try {
      const d = await getAlert(ctx.api, id, ctx.signal);
      if (seq !== detailSeq || ctx.signal.aborted) return;
      replace(
        detailEl,
        detailView(ctx, d, names, async (action, note) => {
          const updated =
            action === 'ack' ? await acknowledgeAlert(ctx.api, id, note) : await resolveAlert(ctx.api, id, note);
          upsert(updated, true);
          await showDetail(id);
        }),
      );
    } catch (err) {
      if (seq === detailSeq && !ctx.signal.aborted) replace(detailEl, errorBox(i18n, err));
    }
  }
  if (selectedId !== undefined) void showDetail(selectedId);

  let dropped = false;
  async function refresh() {
    try {
      const fresh = await listAlerts(
        ctx.api,
        { ...filter, ...(filter.to ? { to: nextDay(filter.to) } : {}) },
        ctx.signal,
      );
      for (const a of [...fresh].reverse()) upsert(a, false);
      if (fresh.length > 0) empty.remove();
    } catch {
      // the next reconnect tries again
    }
  }

  // Live: the stream says what changed; the list follows, and the open detail reloads its timeline.
  void streamAlerts(
    ctx.api,
    {
      onStatus: (connected) => {
        live.dataset.connected = String(connected);
        live.title = connected ? i18n.t('alerts.live') : i18n.t('alerts.offline');
        // The stream does not replay what happened while it was down: read the list again after a reconnect.
        if (connected && dropped) void refresh();
        if (!connected) dropped = true;
      },
      onEvent: (e) => {
        if (!matches(e.alert, filter)) {
          if (rowOf.has(e.alert.id)) upsert(e.alert, true);
          return;
        }
        empty.remove();
        upsert(e.alert, true);
        if (e.alert.id === selectedId) void showDetail(e.alert.id);
      },
    },
    ctx.signal,
  );
}
