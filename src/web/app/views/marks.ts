/**
 * 数据审核 / Data marks: the bureau's page of marks awaiting approval (issue 14). Each row says what was marked —
 * station, parameters, time range, flag, reason, who and when — with a note and Approve / Reject. An approved mark
 * takes effect at once (its readings count by the mark's flag everywhere); a rejected one never does.
 */
import type { MarkJson, MarkPageJson } from '../api-types.js';
import { ApiError } from '../api.js';
import type { ViewContext } from '../context.js';
import { h, replace } from '../dom.js';
import { fmtDateTime } from '../format.js';
import { markFlagText, markParameters, markRange } from '../marks.js';
import { hrefOf } from '../router.js';
import { card, load, scrollTable } from '../ui.js';

function row(ctx: ViewContext, m: MarkJson, status: HTMLElement, reload: () => void): HTMLElement {
  const { i18n } = ctx;
  const note = h('input', {
    type: 'text',
    class: 'mark-note',
    placeholder: i18n.t('marks.notePlaceholder'),
    'aria-label': i18n.t('marks.note'),
  }) as HTMLInputElement;
  const decide = async (action: 'approve' | 'reject') => {
    if (action === 'reject' && note.value.trim() === '') {
      replace(status, h('p', { class: 'error', role: 'alert' }, i18n.t('marks.noteRequired')));
      note.focus();
      return;
    }
    try {
      await ctx.api.post(`/stations/${encodeURIComponent(m.station.id)}/marks/${m.id}/${action}`, {
        ...(note.value.trim() !== '' && { note: note.value.trim() }),
      });
      replace(
        status,
        h(
          'p',
          { class: 'notice', role: 'status' },
          i18n.t(action === 'approve' ? 'marks.approvedDone' : 'marks.rejectedDone', { id: m.id }),
        ),
      );
      reload();
    } catch (err) {
      replace(status, h('p', { class: 'error', role: 'alert' }, err instanceof ApiError ? err.message : String(err)));
    }
  };
  const canDecide = ctx.session.can('marks:approve');
  return h(
    'tr',
    { 'data-mark': m.id },
    h('td', { class: 'num' }, String(m.id)),
    h('td', null, h('a', { href: hrefOf('station', m.station.id) }, i18n.name(m.station.name))),
    h('td', null, markParameters(i18n, m)),
    h('td', null, markRange(m, ctx.timeZone)),
    h('td', null, h('strong', null, markFlagText(i18n, m.flag))),
    h('td', { class: 'mark-reason' }, m.reason),
    h(
      'td',
      null,
      m.marked_by.name,
      h('div', { class: 'muted small' }, fmtDateTime(Date.parse(m.marked_at), ctx.timeZone)),
    ),
    canDecide
      ? h(
          'td',
          null,
          h(
            'div',
            { class: 'mark-actions' },
            note,
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-small btn-primary',
                'data-action': 'approve',
                onclick: () => void decide('approve'),
              },
              i18n.t('marks.approve'),
            ),
            h(
              'button',
              { type: 'button', class: 'btn btn-small', 'data-action': 'reject', onclick: () => void decide('reject') },
              i18n.t('marks.reject'),
            ),
          ),
        )
      : null,
  );
}

export async function renderMarks(ctx: ViewContext, main: HTMLElement): Promise<void> {
  const { i18n } = ctx;
  const status = h('div', { id: 'mark-status' });
  const body = h('div', { id: 'pending-marks' });
  replace(main, card(i18n.t('marks.title'), h('p', { class: 'muted' }, i18n.t('marks.intro')), status, body));
  const reload = (): void => {
    void load(
      i18n,
      body,
      () => ctx.api.get<MarkPageJson>('/marks', { state: 'pending', limit: 500 }, { signal: ctx.signal }),
      (page) => {
        if (page.items.length === 0) return h('p', { class: 'muted', id: 'no-pending' }, i18n.t('marks.none'));
        const canDecide = ctx.session.can('marks:approve');
        return scrollTable(
          h(
            'table',
            { class: 'table' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', { class: 'num' }, i18n.t('marks.id')),
                h('th', null, i18n.t('marks.station')),
                h('th', null, i18n.t('marks.parameters')),
                h('th', null, i18n.t('marks.range')),
                h('th', null, i18n.t('marks.flag')),
                h('th', null, i18n.t('marks.reason')),
                h('th', null, i18n.t('marks.by')),
                canDecide ? h('th', null, i18n.t('marks.note')) : null,
              ),
            ),
            h('tbody', null, ...page.items.map((m) => row(ctx, m, status, reload))),
          ) as HTMLTableElement,
        );
      },
      ctx.signal,
    );
  };
  reload();
}
