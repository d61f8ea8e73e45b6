/**
 * The message that goes with an issued report: a short Markdown summary in the receiver's language — the city's
 * shares and their change, the sections that missed their target, the plants with exceedance days — and a link
 * to the report page (robots) or the attached files (e-mail). Pure.
 */
import { parameter } from '../domain/parameters.js';
import type { WaterReport } from '../domain/report/report-model.js';
import type { IssueSummary } from './report-archive.js';
import { pollutantsText, trendText } from './render/report-tables.js';

type Lang = 'zh-CN' | 'en';

const pct = (share: number | null | undefined) =>
  share === null || share === undefined ? '—' : `${(share * 100).toFixed(1)}%`;
const pp = (v: number | null | undefined, lang: Lang) =>
  v === null || v === undefined
    ? lang === 'en'
      ? 'n/a'
      : '无数据'
    : `${v >= 0 ? '+' : ''}${v.toFixed(1)}${lang === 'en' ? ' pts' : '个百分点'}`;

export function reportPageUrl(publicUrl: string, report: Pick<WaterReport, 'kind' | 'period'>): string {
  return `${publicUrl.replace(/\/+$/, '')}/#/report?kind=${report.kind}&period=${encodeURIComponent(report.period)}`;
}

export function reportMessage(
  report: WaterReport,
  issue: Pick<IssueSummary, 'version'>,
  options: { lang: Lang; publicUrl?: string },
): { title: string; text: string; url?: string; summary: Record<string, unknown> } {
  const { lang } = options;
  const en = lang === 'en';
  const name = (n: { zh: string; en: string }) => (en ? n.en : n.zh);
  const f = report.city.figures.current;
  const title = `${name(report.title)} · ${name(report.period_label)}${issue.version > 1 ? ` (v${issue.version})` : ''}`;
  const lines = [`### ${title}`, `${en ? 'Scope' : '范围'}：${name(report.scope.name)}`];
  if (report.sections.length > 0) {
    lines.push(
      en
        ? `Sections evaluated: ${f?.evaluated ?? 0} (insufficient data: ${f?.insufficient_data ?? 0}); compliance ${pct(f?.compliance_rate)}, class I–III ${pct(f?.share_i_iii)}, 劣V ${pct(f?.share_inferior_v)}`
        : `评价断面 ${f?.evaluated ?? 0} 个（数据不足 ${f?.insufficient_data ?? 0} 个）；达标率 ${pct(f?.compliance_rate)}，优良（I–III类）比例 ${pct(f?.share_i_iii)}，劣V类比例 ${pct(f?.share_inferior_v)}`,
      en
        ? `Against the same month last year: I–III ${pp(report.city.change_last_year?.share_i_iii_pp, lang)}, ${trendText(report.city.change_last_year?.trend, lang) ?? 'n/a'}`
        : `同比：优良比例 ${pp(report.city.change_last_year?.share_i_iii_pp, lang)}，${trendText(report.city.change_last_year?.trend, lang) ?? '无数据'}`,
    );
    const missed = report.sections.filter((s) => s.current.compliant === false);
    if (missed.length > 0) {
      lines.push(en ? '**Sections below target:**' : '**未达标断面：**');
      for (const s of missed.slice(0, 10))
        lines.push(
          `- ${name(s.name)}：${s.current.class}（${en ? 'target' : '目标'} ${s.target_class}）${pollutantsText(s.current, lang)}`,
        );
      if (missed.length > 10) lines.push(en ? `- … ${missed.length - 10} more` : `- … 另有 ${missed.length - 10} 个`);
    }
  }
  const exceeding = report.plants.filter((p) => p.current.non_compliant_days > 0);
  if (report.plants.length > 0) {
    lines.push(
      en
        ? `Plants: ${report.plants.length}, with exceedance days: ${exceeding.length}`
        : `排污单位 ${report.plants.length} 个，有超标天数的 ${exceeding.length} 个`,
    );
    for (const p of exceeding.slice(0, 10)) {
      const items = p.current.exceeding
        .map((c) => (en ? parameter(c).nameEn : parameter(c).nameZh))
        .join(en ? ', ' : '、');
      lines.push(`- ${name(p.name)}：${p.current.non_compliant_days}${en ? ' day(s)' : ' 天'}（${items}）`);
    }
  }
  const url = options.publicUrl ? reportPageUrl(options.publicUrl, report) : undefined;
  if (url) lines.push('', `[${en ? 'Open the report' : '查看报告'}](${url})`);
  return {
    title,
    text: lines.join('\n'),
    ...(url ? { url } : {}),
    summary: {
      kind: report.kind,
      period: report.period,
      version: issue.version,
      scope: report.scope.id,
      sections_evaluated: f?.evaluated ?? 0,
      sections_insufficient: f?.insufficient_data ?? 0,
      compliance_rate: f?.compliance_rate ?? null,
      share_i_iii: f?.share_i_iii ?? null,
      share_inferior_v: f?.share_inferior_v ?? null,
      cwqi: f?.cwqi ?? null,
      trend_last_year: report.city.change_last_year?.trend ?? null,
      plants: report.plants.length,
      plants_with_exceedance: exceeding.length,
    },
  };
}
