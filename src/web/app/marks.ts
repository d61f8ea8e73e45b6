/**
 * Data marks in the dashboard (issue 14): how a mark reads (flag, range, parameters) in both languages, and the
 * marks of a station over a chart's range.
 */
import type { MarkJson, MarkPageJson } from './api-types.js';
import type { ChartMark } from './chart.js';
import type { ViewContext } from './context.js';
import { fmtDateTime } from './format.js';
import type { I18n } from './i18n.js';
import { flagMeaning, paramName } from './params.js';

export const MARK_FLAGS = ['M', 'C', 'D', 'F', 'N'] as const;

/** "M 维护" / "M maintenance"; N as "restored to normal", not the device's "normal". */
export function markFlagText(i18n: I18n, flag: string): string {
  return `${flag} ${flag === 'N' ? i18n.t('marks.flag.N') : flagMeaning(i18n, flag)}`;
}

export function markParameters(i18n: I18n, m: Pick<MarkJson, 'parameters'>): string {
  return m.parameters === 'all' ? i18n.t('marks.all') : i18n.list(m.parameters.map((p) => paramName(i18n, p)));
}

export function markRange(m: Pick<MarkJson, 'from' | 'to'>, timeZone: string): string {
  return `${fmtDateTime(Date.parse(m.from), timeZone)} – ${fmtDateTime(Date.parse(m.to), timeZone)}`;
}

/** Pending and approved marks of a station overlapping [from, to); none when the key may not read marks. */
export async function stationMarks(ctx: ViewContext, stationId: string, from: string, to: string): Promise<MarkJson[]> {
  if (!ctx.session.can('marks:read')) return [];
  const page = await ctx.api.get<MarkPageJson>(
    `/stations/${encodeURIComponent(stationId)}/marks`,
    { from, to, state: 'pending,approved', limit: 1000 },
    { signal: ctx.signal },
  );
  return page.items;
}

/** The marks that apply to one parameter, as the chart draws them. */
export function chartMarks(marks: readonly MarkJson[], parameter: string): ChartMark[] {
  return marks
    .filter(
      (m) =>
        (m.state === 'approved' || m.state === 'pending') &&
        (m.parameters === 'all' || m.parameters.includes(parameter)),
    )
    .map((m) => ({
      from: Date.parse(m.from),
      to: Date.parse(m.to),
      flag: m.flag,
      state: m.state as ChartMark['state'],
    }));
}
