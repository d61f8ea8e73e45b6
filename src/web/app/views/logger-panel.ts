/**
 * The station page's data-logger panel (数据采集仪, issue 13 §7): the HJ 212 logger's connection state, protocol,
 * counts, last standard-sample check, and its latest device records. Shown only for a station with an `hj212`
 * block: the API answers `logger: null` without one, and 404 for a station the key may not see.
 */
import type { DeviceRecordJson, DeviceRecordsJson, LoggerJson, LoggerStateJson } from '../api-types.js';
import { ApiError } from '../api.js';
import type { ViewContext } from '../context.js';
import { h, replace } from '../dom.js';
import { fmtAgo, fmtDateTime } from '../format.js';
import type { I18n, MessageKey } from '../i18n.js';
import { hj212CodeName } from '../params.js';
import { card, errorBox, scrollTable, term } from '../ui.js';

/** Device records shown on the page; the API has the full history. */
const RECORDS_SHOWN = 10;

function protocolName(i18n: I18n, protocol: LoggerJson['protocol']): string {
  return protocol === 'surface-water' ? i18n.t('logger.surfaceWater') : protocol.replace('hj212-', 'HJ 212-');
}

/** "3 分钟前 · 2026-12-06 16:30" in the server's zone, or "—". */
function when(ctx: ViewContext, iso: string | null): HTMLElement {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const ts = Date.parse(iso);
  return h(
    'span',
    { title: iso },
    fmtAgo(ctx.now() - ts, ctx.i18n.lang()),
    h('span', { class: 'muted small' }, ` · ${fmtDateTime(ts, ctx.timeZone)}`),
  );
}

function checkResult(ctx: ViewContext, passed: boolean | null, failed: readonly string[]): HTMLElement {
  const { i18n } = ctx;
  if (passed === null) return h('span', { class: 'muted' }, '—');
  if (passed) return h('span', { class: 'badge badge-ok' }, i18n.t('logger.checkPassed'));
  return h(
    'span',
    null,
    h('span', { class: 'badge badge-bad' }, i18n.t('logger.checkFailed')),
    failed.length > 0 ? ` ${i18n.list(failed.map((c) => hj212CodeName(i18n, c)))}` : null,
  );
}

function stateList(ctx: ViewContext, lg: LoggerJson, lastFailed: readonly string[]): HTMLElement {
  const { i18n } = ctx;
  const row = (label: string | HTMLElement, ...value: (HTMLElement | string | null)[]) => [
    h('dt', null, label),
    h('dd', null, ...value),
  ];
  const state = lg.connected ? 'online' : 'offline';
  const stateText = lg.connected
    ? i18n.t('logger.connected')
    : lg.connected_since
      ? i18n.t('logger.disconnected')
      : i18n.t('logger.never');
  const check =
    lg.last_check_at === null
      ? h('span', { class: 'muted' }, i18n.t('logger.checkNone'))
      : h(
          'span',
          null,
          h(
            'span',
            { class: lg.last_check_passed === false ? 'check-failed' : null },
            checkResult(ctx, lg.last_check_passed, lastFailed),
          ),
          ' · ',
          when(ctx, lg.last_check_at),
        );
  return h(
    'dl',
    { class: 'logger-state' },
    ...row(
      i18n.t('logger.connection'),
      h(
        'span',
        { class: `fresh fresh-${state}`, id: 'logger-connection', 'data-connected': String(lg.connected) },
        h('i', { 'aria-hidden': 'true' }),
        stateText,
      ),
      lg.connected && lg.connected_since
        ? h('span', { class: 'muted small' }, ` · ${i18n.t('logger.since')} `, when(ctx, lg.connected_since))
        : null,
      !lg.connected && lg.disconnected_at
        ? h(
            'span',
            { class: 'muted small' },
            ` · ${i18n.t('logger.disconnectedAt')} `,
            when(ctx, lg.disconnected_at),
            lg.disconnect_reason ? h('span', { translate: 'no' }, ` (${lg.disconnect_reason})`) : null,
          )
        : null,
    ),
    ...row(
      i18n.t('logger.lastPacket'),
      h('span', { id: 'logger-last-packet' }, when(ctx, lg.last_packet_at)),
      lg.last_packet_cn ? h('span', { class: 'muted small', translate: 'no' }, ` · CN ${lg.last_packet_cn}`) : null,
    ),
    ...row(i18n.t('logger.lastHeartbeat'), h('span', { id: 'logger-last-heartbeat' }, when(ctx, lg.last_heartbeat_at))),
    ...row(
      i18n.t('logger.protocol'),
      h('span', { id: 'logger-protocol' }, protocolName(i18n, lg.protocol)),
      lg.protocol_mismatch && lg.protocol_seen
        ? h(
            'p',
            { class: 'notice notice-warn', id: 'logger-protocol-warning', role: 'note' },
            i18n.t('logger.mismatch', {
              seen: protocolName(i18n, lg.protocol_seen),
              catalog: protocolName(i18n, lg.protocol),
            }),
          )
        : null,
    ),
    ...row(i18n.t('logger.mn'), h('code', { id: 'logger-mn', translate: 'no' }, lg.mn)),
    ...row(i18n.t('logger.record'), i18n.t(`logger.record.${lg.record}` as MessageKey)),
    ...row(
      i18n.t('logger.counts'),
      h(
        'span',
        { id: 'logger-counts' },
        i18n.t('logger.countsValue', { packets: lg.packets, heartbeats: lg.heartbeats, status: lg.status_records }),
      ),
    ),
    ...row(
      h('span', null, term(i18n, 'term.standardCheck'), i18n.t('logger.checkCn')),
      h('span', { id: 'logger-check' }, check),
    ),
    ...row(i18n.t('logger.lastStatus'), when(ctx, lg.last_status_at)),
  );
}

/** `i12001-Info=0, i12002-Info=0 …`: the record's fields as the logger sent them, shortened for a table cell. */
function fieldsText(fields: Record<string, string>): string {
  const text = Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

function recordsTable(ctx: ViewContext, items: readonly DeviceRecordJson[]): HTMLElement {
  const { i18n } = ctx;
  if (items.length === 0) return h('p', { class: 'muted', id: 'device-records-empty' }, i18n.t('logger.noRecords'));
  return scrollTable(
    h(
      'table',
      { id: 'device-records' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, i18n.t('common.time')),
          h('th', null, i18n.t('logger.cn')),
          h('th', null, i18n.t('logger.kind')),
          h('th', null, i18n.t('logger.result')),
          h('th', null, i18n.t('logger.fields')),
        ),
      ),
      h(
        'tbody',
        null,
        ...items.map((r) =>
          h(
            'tr',
            { 'data-kind': r.kind, class: r.passed === false ? 'check-failed' : null },
            h('td', null, fmtDateTime(Date.parse(r.at), ctx.timeZone)),
            h('td', { translate: 'no' }, r.cn),
            h('td', null, i18n.t(`logger.kind.${r.kind}` as MessageKey)),
            h('td', null, checkResult(ctx, r.passed, r.failed)),
            // The fields as the logger sent them (HJ 212 codes): data, not words to translate.
            h('td', { class: 'small muted', translate: 'no', title: JSON.stringify(r.fields) }, fieldsText(r.fields)),
          ),
        ),
      ),
    ),
  );
}

function title(i18n: I18n): HTMLElement {
  return h('span', null, term(i18n, 'term.dataLogger'), i18n.lang() === 'en' ? ' (HJ 212)' : '（HJ 212）');
}

/** Fills `el` with the panel, or leaves it empty when the station has no logger (or the key may not see it). */
export async function loggerPanel(ctx: ViewContext, stationId: string, el: HTMLElement): Promise<void> {
  const { i18n } = ctx;
  const path = `/stations/${encodeURIComponent(stationId)}`;
  try {
    const state = await ctx.api.get<LoggerStateJson>(`${path}/logger`, undefined, { signal: ctx.signal });
    if (ctx.signal.aborted || !state.logger) return;
    const records = await ctx.api.get<DeviceRecordsJson>(
      `${path}/device-records`,
      { limit: RECORDS_SHOWN },
      { signal: ctx.signal },
    );
    if (ctx.signal.aborted) return;
    // The last check's failed pollutants: the newest check record, when it is the one the state names.
    const lastCheck = records.items.find((r) => r.kind === 'check');
    const lastFailed = lastCheck && lastCheck.at === state.logger.last_check_at ? lastCheck.failed : [];
    replace(
      el,
      card(
        title(i18n),
        stateList(ctx, state.logger, lastFailed),
        h('h3', null, i18n.t('logger.records')),
        recordsTable(ctx, records.items),
      ),
    );
  } catch (err) {
    if (ctx.signal.aborted || (err as Error).name === 'AbortError') return;
    // 404: no such station for this key (an operator's other plants); 403: not theirs. Nothing to show.
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) return;
    replace(
      el,
      card(
        title(i18n),
        errorBox(i18n, err, () => void loggerPanel(ctx, stationId, el)),
      ),
    );
  }
}
