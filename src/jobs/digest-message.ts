/**
 * The words of the daily digest: markdown for the robots and e-mail (zh-CN by default, English on request, domain
 * terms keep their Chinese name), and the structured JSON that webhook and MQTT receivers get as `digest`.
 */
import { className, formatTime, lateDetection, parameterName, RULE_TITLE } from '../alerts/messages.js';
import type { Lang } from '../alerts/notification.js';
import type { FindingItem, Severity } from '../alerts/types.js';
import { parameter } from '../domain/parameters.js';
import { AGE_BUCKETS, type AgeBucket, type DayStatus, type DigestReport, type SectionDay } from './digest-report.js';

type Text = Record<Lang, string>;

const ROLE: Record<string, Text> = {
  inbound: { 'zh-CN': '入境断面', en: 'inbound (入境断面)' },
  control: { 'zh-CN': '控制断面', en: 'control (控制断面)' },
  outbound: { 'zh-CN': '出境断面', en: 'outbound (出境断面)' },
};

const STATUS: Record<DayStatus, Text> = {
  compliant: { 'zh-CN': '达标', en: 'compliant' },
  non_compliant: { 'zh-CN': '不达标', en: 'NOT compliant' },
  insufficient_data: { 'zh-CN': '有效数据不足', en: 'insufficient valid data' },
  unavailable: { 'zh-CN': '数据读取失败', en: 'data unavailable' },
};

const SEVERITY: Record<Severity, Text> = {
  critical: { 'zh-CN': '严重', en: 'critical' },
  warning: { 'zh-CN': '警告', en: 'warning' },
  info: { 'zh-CN': '提示', en: 'info' },
};

const AGE: Record<AgeBucket, Text> = {
  under_1d: { 'zh-CN': '不足1天', en: 'under 1 day' },
  '1d_to_3d': { 'zh-CN': '1–3天', en: '1–3 days' },
  '3d_to_7d': { 'zh-CN': '3–7天', en: '3–7 days' },
  over_7d: { 'zh-CN': '7天以上', en: 'over 7 days' },
};

const t = (text: Text, lang: Lang) => text[lang];
const name = (n: { zh: string; en: string }, lang: Lang) => (lang === 'en' ? n.en : n.zh);
const list = (items: string[], lang: Lang) => items.join(lang === 'en' ? ', ' : '、');

export function formatAge(ms: number, lang: Lang): string {
  const hours = ms / 3_600_000;
  if (hours < 1) return lang === 'en' ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 60_000)}分钟`;
  if (hours < 48) return lang === 'en' ? `${Math.round(hours)} h` : `${Math.round(hours)}小时`;
  const days = Math.round((hours / 24) * 10) / 10;
  return lang === 'en' ? `${days} days` : `${days}天`;
}

function value(item: FindingItem): string {
  const p = parameter(item.parameter);
  const text = item.value.toFixed(p.decimals);
  return p.unit ? `${text} ${p.unit}` : text;
}

function itemText(item: FindingItem, lang: Lang): string {
  const parts = [`${parameterName(item.parameter, lang)} ${value(item)}`];
  if (item.limit !== undefined) {
    const bound = item.direction === 'min' ? (lang === 'en' ? 'minimum' : '下限') : lang === 'en' ? 'limit' : '限值';
    const unit = parameter(item.parameter).unit;
    parts.push(`${bound} ${item.limit}${unit ? ` ${unit}` : ''}`);
  }
  if (item.exceedance !== undefined && item.exceedance !== null && item.exceedance > 0) {
    parts.push(lang === 'en' ? `${item.exceedance.toFixed(2)}× over` : `超标${item.exceedance.toFixed(2)}倍`);
  }
  const [head, ...rest] = parts;
  if (rest.length === 0) return head!;
  return lang === 'en' ? `${head} (${rest.join(', ')})` : `${head}（${rest.join('，')}）`;
}

function sectionLine(s: SectionDay, lang: Lang): string {
  const en = lang === 'en';
  const role = ROLE[s.role] ? t(ROLE[s.role]!, lang) : s.role;
  const head = en
    ? `${s.name.en} (${role}, target ${className(s.target, lang)})`
    : `${s.name.zh}（${role}，目标${className(s.target, lang)}）`;
  const cls = s.class !== null ? className(s.class, lang) : null;
  let verdict: string;
  if (s.status === 'non_compliant') verdict = en ? `**${cls}, NOT compliant**` : `**${cls}，不达标**`;
  else if (s.status === 'compliant') verdict = en ? `${cls}, compliant` : `${cls}，达标`;
  else if (s.status === 'insufficient_data' && cls !== null)
    verdict = en ? `at best ${cls}, insufficient valid data` : `${cls}（有效数据不足）`;
  else verdict = t(STATUS[s.status], lang);
  const pollutants = list(
    s.primaryPollutants.map(
      (p) => `${parameterName(p.parameter, lang)}${p.exceedance !== null ? `(${p.exceedance.toFixed(2)})` : ''}`,
    ),
    lang,
  );
  const tail = pollutants
    ? en
      ? `; primary pollutants (主要污染指标): ${pollutants}`
      : `；主要污染指标：${pollutants}`
    : '';
  return `- ${head}${en ? ': ' : '：'}${verdict}${tail}`;
}

/** Title and markdown text of the digest in one language. */
export function renderDigest(
  report: DigestReport,
  options: { lang: Lang; publicUrl?: string },
): { title: string; text: string; url?: string } {
  const { lang } = options;
  const en = lang === 'en';
  // Figures that could not be read are unknown, never counted as compliant (issue 12 item 4).
  const unknownSections = report.sections.filter((s) => s.status === 'unavailable').length;
  const unknownEffluents = report.effluents.filter((e) => e.status === 'unavailable').length;
  const incomplete = unknownSections + unknownEffluents > 0;
  const title = en
    ? `[DIGEST${incomplete ? ', INCOMPLETE' : ''}] Daily water-quality compliance digest (水质日报) · ${report.day}`
    : `【日报${incomplete ? '·数据不完整' : ''}】水质达标情况 · ${report.day}`;
  const lines: string[] = [`### ${title}`];
  if (incomplete) {
    lines.push(
      en
        ? `> The readings of ${unknownSections + unknownEffluents} station(s) could not be read: their figures are unknown, and the counts below leave them out.`
        : `> ${unknownSections + unknownEffluents}个站点的数据读取失败：其结果未知，以下统计不含这些站点。`,
    );
  }
  const from = formatTime(report.start, report.timeZone);
  const to = formatTime(report.end, report.timeZone);
  lines.push(
    en
      ? `- Day: ${from} – ${to} (${report.timeZone}); daily means of valid readings only`
      : `- 统计时段：${from} – ${to}（日均值，仅计有效数据）`,
  );
  if (report.readingsUnderMarks !== null && report.readingsUnderMarks > 0) {
    // A figure recomputed under a data mark must say so (issue 14): never a silent change.
    lines.push(
      en
        ? `- Data marks (数据标记): ${report.readingsUnderMarks} readings of the day are under approved marks; their marked flags were used`
        : `- 数据标记：本日有 ${report.readingsUnderMarks} 条数据处于已生效的数据标记下，按标记后的有效标记计算`,
    );
  }
  // Said when windows of the day were judged again (the JSON always carries the counts).
  const r = report.rejudged;
  if (r && (r.windows > 0 || r.beyondHorizon > 0)) {
    const beyond =
      r.beyondHorizon === 0
        ? ''
        : en
          ? `; ${r.beyondHorizon} touched window(s) beyond the re-judgment horizon recorded, not re-judged`
          : `；另有${r.beyondHorizon}个时段超出重新评价期限，仅记录`;
    lines.push(
      en
        ? `- Re-judged (重新评价): ${r.windows} window(s) judged again after late, corrected or marked data, ${r.changed} with a changed verdict${beyond}`
        : `- 重新评价：${r.windows}个评价时段因补传、更正或标记的数据重新评价，其中${r.changed}个结论改变${beyond}`,
    );
  }

  const bad = report.sections.filter((s) => s.status === 'non_compliant');
  const unknownNote = (n: number) =>
    n === 0 ? '' : en ? `, ${n} unknown (data could not be read)` : `，${n}个数据读取失败、结果未知`;
  lines.push(
    '',
    en
      ? `#### Sections (断面): ${bad.length} of ${report.sections.length} not compliant${unknownNote(unknownSections)}`
      : `#### 断面水质类别（共${report.sections.length}个，不达标${bad.length}个${unknownNote(unknownSections)}）`,
  );
  if (report.sections.length === 0) lines.push(en ? '- No section with a target class' : '- 无设定水质目标的断面');
  for (const s of report.sections) lines.push(sectionLine(s, lang));

  lines.push('', en ? '#### Non-compliant sections (不达标断面)' : '#### 不达标断面');
  if (bad.length === 0 && unknownSections > 0) {
    lines.push(
      en
        ? '- None known; the sections whose data could not be read may be'
        : '- 无已知不达标断面；数据读取失败的断面情况未知',
    );
  } else if (bad.length === 0) lines.push(en ? '- None' : '- 无');
  for (const s of bad) {
    const items = s.exceeding.map((i) => itemText(i, lang));
    lines.push(
      `- ${name(s.name, lang)}${en ? ': ' : '：'}${items.length > 0 ? list(items, lang) : className(s.class!, lang)}`,
    );
  }

  const badEffluents = report.effluents.filter((e) => e.status === 'non_compliant');
  const counts = (status: DayStatus) => report.effluents.filter((e) => e.status === status).length;
  lines.push(
    '',
    en
      ? `#### Plants and outfalls (污水处理厂与排口), daily means: ${badEffluents.length} of ${report.effluents.length} not compliant${unknownNote(unknownEffluents)}`
      : `#### 污水处理厂与排口（日均值，共${report.effluents.length}个，不达标${badEffluents.length}个${unknownNote(unknownEffluents)}）`,
  );
  if (report.effluents.length === 0) lines.push(en ? '- None monitored' : '- 无');
  else if (badEffluents.length === 0 && unknownEffluents > 0)
    lines.push(
      en ? '- None known; those whose data could not be read may be' : '- 无已知不达标；数据读取失败的情况未知',
    );
  else if (badEffluents.length === 0) lines.push(en ? '- All compliant or without enough data' : '- 无不达标');
  for (const e of badEffluents) {
    const plant = e.plantName ? `${name(e.plantName, lang)} · ` : '';
    const items = list(
      e.exceeding.map((i) => itemText(i, lang)),
      lang,
    );
    lines.push(`- ${plant}${name(e.name, lang)}${en ? ': ' : '：'}${items}`);
  }
  const insufficient = counts('insufficient_data');
  if (insufficient > 0) {
    lines.push(en ? `- Without enough valid data: ${insufficient}` : `- 有效数据不足：${insufficient}个`);
  }
  if (unknownEffluents > 0) {
    lines.push(
      en
        ? `- Data could not be read (unknown): ${unknownEffluents}`
        : `- 数据读取失败（结果未知）：${unknownEffluents}个`,
    );
  }

  const open = report.openAlerts;
  const sev = (['critical', 'warning', 'info'] as const)
    .filter((s) => open.bySeverity[s] > 0)
    .map((s) => `${t(SEVERITY[s], lang)} ${open.bySeverity[s]}`);
  lines.push(
    '',
    en
      ? `#### Open alerts (未关闭告警): ${open.total}${sev.length ? ` (${sev.join(', ')})` : ''}`
      : `#### 未关闭告警（共${open.total}条${sev.length ? `：${sev.join('，')}` : ''}）`,
  );
  if (open.total > 0) {
    const ages = AGE_BUCKETS.map((b) => `${t(AGE[b.key], lang)} ${open.byAge[b.key]}`);
    lines.push(en ? `- By age: ${ages.join(', ')}` : `- 按持续时间：${ages.join('；')}`);
    for (const a of open.oldest) {
      const state = a.state === 'acknowledged' ? (en ? 'acknowledged' : '已确认') : en ? 'not acknowledged' : '未确认';
      const late = lateDetection(a, lang);
      lines.push(
        (en
          ? `- #${a.id} [${t(SEVERITY[a.severity], lang)}] ${RULE_TITLE[a.rule].en} · ${a.stationName.en} · open ${formatAge(a.ageMs, lang)} · ${state}`
          : `- #${a.id}【${t(SEVERITY[a.severity], lang)}】${RULE_TITLE[a.rule]['zh-CN']} · ${a.stationName.zh} · 已持续${formatAge(a.ageMs, lang)} · ${state}`) +
          (late ? ` · ${late}` : ''),
      );
    }
  }
  const url = options.publicUrl ? options.publicUrl.replace(/\/+$/, '') : undefined;
  if (url) lines.push('', `[${en ? 'Open the dashboard' : '查看详情'}](${url})`);
  return { title, text: lines.join('\n'), ...(url ? { url } : {}) };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The digest as webhook and MQTT receivers get it (`digest` in the JSON body): snake_case, ISO 8601 times. */
export function digestToJson(report: DigestReport): Record<string, unknown> {
  return {
    day: report.day,
    start: iso(report.start),
    end: iso(report.end),
    time_zone: report.timeZone,
    generated_at: iso(report.generatedAt),
    readings_under_marks: report.readingsUnderMarks,
    // false when some stations' readings could not be read: their status is "unavailable" (unknown).
    complete:
      report.sections.every((s) => s.status !== 'unavailable') &&
      report.effluents.every((e) => e.status !== 'unavailable'),
    sections: report.sections.map((s) => ({
      station_id: s.stationId,
      station_name: s.name,
      role: s.role,
      target_class: s.target,
      class: s.class,
      status: s.status,
      primary_pollutants: s.primaryPollutants,
      exceeding: s.exceeding,
      lacking: s.lacking,
      ...(s.reason !== undefined ? { reason: s.reason } : {}),
    })),
    effluents: report.effluents.map((e) => ({
      station_id: e.stationId,
      station_name: e.name,
      plant_id: e.plantId,
      plant_name: e.plantName,
      standard: e.standard ?? null,
      status: e.status,
      exceeding: e.exceeding,
      ...(e.reason !== undefined ? { reason: e.reason } : {}),
    })),
    ...(report.rejudged
      ? {
          rejudged: {
            windows: report.rejudged.windows,
            changed: report.rejudged.changed,
            beyond_horizon: report.rejudged.beyondHorizon,
          },
        }
      : {}),
    open_alerts: {
      total: report.openAlerts.total,
      by_severity: report.openAlerts.bySeverity,
      by_age: report.openAlerts.byAge,
      oldest: report.openAlerts.oldest.map((a) => ({
        id: a.id,
        rule: a.rule,
        severity: a.severity,
        state: a.state,
        station_id: a.stationId,
        station_name: a.stationName,
        opened_at: iso(a.openedAt),
        age_hours: Math.round((a.ageMs / 3_600_000) * 10) / 10,
        window_start: iso(a.windowStart),
        window_end: iso(a.windowEnd),
        detected_at: iso(a.detectedAt),
        detection: a.detection,
      })),
    },
  };
}
