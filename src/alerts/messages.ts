/**
 * The words of notifications: Simplified Chinese by default, English when configured (LANG_UI or a channel's
 * `lang`). Domain terms keep their Chinese name in English text (e.g. "outbound section (出境断面)").
 * Output is markdown, which DingTalk, WeCom and Feishu render and e-mail shows as plain text.
 */
import { parameter, type ParameterCode } from '../domain/parameters.js';
import type { LocalizedName } from './alert-catalog.js';
import type { Lang, NotificationEvent } from './notification.js';
import { DATA_CORRECTED } from './rejudgment.js';
import type { Alert, Detection, Finding, FindingItem, RuleId, SectionClass, Severity } from './types.js';

type Text = Record<Lang, string>;

export const RULE_TITLE: Record<RuleId, Text> = {
  section_compliance: { 'zh-CN': '断面水质不达标', en: 'Section below its target class (断面不达标)' },
  early_warning: {
    'zh-CN': '水质预警：最新监测值超过目标限值',
    en: 'Early warning (预警): latest reading past the target limit',
  },
  trend_warning: {
    'zh-CN': '水质预警：上升趋势预计超标',
    en: 'Early warning (预警): trend projected to cross the target limit',
  },
  effluent_hourly: { 'zh-CN': '出水小时均值超标', en: 'Effluent hourly mean over the discharge limit' },
  effluent_daily: { 'zh-CN': '出水日均值超标', en: 'Effluent daily mean over the discharge limit (达标考核)' },
  threshold: { 'zh-CN': '超过自定义告警限值', en: 'Custom alert limit exceeded' },
  station_offline: { 'zh-CN': '站点离线（无有效数据）', en: 'Station offline (站点离线): no valid data' },
  sensor_stuck: { 'zh-CN': '仪器数值长时间不变', en: 'Sensor stuck: identical readings' },
  sensor_out_of_range: {
    'zh-CN': '监测值异常：超出常见范围或物理上不可能',
    en: 'Readings unusual or physically impossible',
  },
  sensor_spikes: { 'zh-CN': '监测值频繁突跳', en: 'Repeated spikes' },
  sensor_flags: { 'zh-CN': '频繁维护/校准/故障标记', en: 'Frequent maintenance / calibration / fault flags' },
  sensor_check_failed: {
    'zh-CN': '标样核查未通过：该因子数据存疑',
    en: 'Standard-sample check failed: readings suspect',
  },
};

const SEVERITY: Record<Severity, Text> = {
  critical: { 'zh-CN': '严重', en: 'CRITICAL' },
  warning: { 'zh-CN': '警告', en: 'WARNING' },
  info: { 'zh-CN': '提示', en: 'INFO' },
};

const EVENT_TAG: Record<NotificationEvent, Text | null> = {
  opened: null,
  severity_raised: { 'zh-CN': '升级', en: 'RAISED' },
  escalated: { 'zh-CN': '逐级上报', en: 'ESCALATED' },
  resolved: { 'zh-CN': '已恢复', en: 'RESOLVED' },
};

/** How a late detection came about, as the message to the responsible unit says it. */
const DETECTION: Record<Detection, Text> = {
  late_data: { 'zh-CN': '根据补传数据发现', en: 'from back-filled data' },
  flag_correction: { 'zh-CN': '根据更正的数据标识发现', en: 'from corrected data flags' },
  mark: { 'zh-CN': '根据数据标记（审核）发现', en: 'after a data mark (数据标记)' },
  catch_up: { 'zh-CN': '在停机后补评时发现', en: 'during catch-up after downtime' },
};

/**
 * "detected 13 h after the window closed, from back-filled data" (窗口结束13小时后根据补传数据发现), for an alert
 * found late; undefined for one found on time. The digest names its alerts with it.
 */
export function lateDetection(alert: Pick<Alert, 'detection' | 'detectedAt' | 'windowEnd'>, lang: Lang) {
  if (!alert.detection) return undefined;
  const after = formatDurationText(Math.max(0, alert.detectedAt - alert.windowEnd), lang);
  const how = DETECTION[alert.detection][lang];
  return lang === 'en' ? `detected ${after} after the window closed, ${how}` : `窗口结束${after}后${how}`;
}

/** The message line: when it was detected, and how late. */
export function detectionLine(
  alert: Pick<Alert, 'detection' | 'detectedAt' | 'windowEnd'>,
  lang: Lang,
  timeZone: string,
) {
  const late = lateDetection(alert, lang);
  if (!late) return undefined;
  const at = formatTime(alert.detectedAt, timeZone);
  return lang === 'en' ? `- Detected: ${at}, ${late.replace(/^detected /, '')}` : `- 发现时间：${at}（${late}）`;
}

/** A resolve reason in the message's language (the system's own reasons are stored in English). */
function reasonText(reason: string, lang: Lang): string {
  if (reason === DATA_CORRECTED) return lang === 'en' ? 'data corrected (数据已更正)' : '数据已更正';
  return reason;
}

const ROMAN: Record<string, string> = { I: 'Ⅰ', II: 'Ⅱ', III: 'Ⅲ', IV: 'Ⅳ', V: 'Ⅴ', 劣V: '劣Ⅴ' };

export function className(cls: SectionClass, lang: Lang): string {
  return lang === 'en' ? `class ${cls}` : `${ROMAN[cls] ?? cls}类`;
}

export function parameterName(code: ParameterCode, lang: Lang): string {
  const p = parameter(code);
  return lang === 'en' ? p.nameEn : p.nameZh;
}

/** A measured value at the parameter's display precision. */
function formatValue(code: ParameterCode, value: number): string {
  const p = parameter(code);
  const text = value.toFixed(p.decimals);
  return p.unit ? `${text} ${p.unit}` : text;
}

/** A limit as the standard writes it (1.0, 0.2, 0.05): its own digits, at least one decimal for decimal items. */
function formatLimit(code: ParameterCode, limit: number): string {
  const p = parameter(code);
  const plain = String(Number(limit.toPrecision(6)));
  const text = Number.isInteger(limit) && p.decimals > 0 ? limit.toFixed(1) : plain;
  return p.unit ? `${text} ${p.unit}` : text;
}

/**
 * One formatter per zone: building one costs far more than formatting (a message formats several times). And the
 * times it formatted: the alerts of a re-judged back-fill print the same few window boundaries over and over, and
 * formatToParts costs more than the rest of a message's line.
 */
const timeFormats = new Map<string, { format: Intl.DateTimeFormat; formatted: Map<number, string> }>();
/** Formatted times kept per zone; the map starts again when full. */
const FORMATTED_KEPT = 4_096;

export function formatTime(ms: number, timeZone: string): string {
  let zoned = timeFormats.get(timeZone);
  if (!zoned) {
    const format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    timeFormats.set(timeZone, (zoned = { format, formatted: new Map() }));
  }
  let text = zoned.formatted.get(ms);
  if (text === undefined) {
    const parts = Object.fromEntries(zoned.format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
    text = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
    if (zoned.formatted.size >= FORMATTED_KEPT) zoned.formatted.clear();
    zoned.formatted.set(ms, text);
  }
  return text;
}

export function formatDurationText(ms: number, lang: Lang): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return lang === 'en' ? `${minutes} min` : `${minutes}分钟`;
  const hours = Math.round((minutes / 60) * 10) / 10;
  return lang === 'en' ? `${hours} h` : `${hours}小时`;
}

function itemLine(item: FindingItem, lang: Lang): string {
  const name = parameterName(item.parameter, lang);
  const extras: string[] = [];
  if (item.limit !== undefined) {
    const bound = item.direction === 'min' ? (lang === 'en' ? 'minimum' : '下限') : lang === 'en' ? 'limit' : '限值';
    extras.push(`${bound} ${formatLimit(item.parameter, item.limit)}`);
  }
  if (item.class) extras.push(className(item.class, lang));
  if (item.exceedance !== undefined && item.exceedance !== null && item.exceedance > 0) {
    extras.push(lang === 'en' ? `${item.exceedance.toFixed(2)}× over` : `超标${item.exceedance.toFixed(2)}倍`);
  }
  if (item.note) extras.push(item.note);
  const value = item.unit !== undefined ? `${item.value} ${item.unit}` : formatValue(item.parameter, item.value);
  return `  - ${name} ${value}${extras.length ? (lang === 'en' ? ` (${extras.join(', ')})` : `（${extras.join('，')}）`) : ''}`;
}

export interface MessageInput {
  event: NotificationEvent;
  alert: Alert;
  station: { id: string; name: LocalizedName };
  lang: Lang;
  timeZone: string;
  /** Base URL of the dashboard (catalog `public_url`); the link is `{publicUrl}/stations/{id}`. */
  publicUrl?: string;
  /** Escalation: the unit now notified and how long the alert went unacknowledged. */
  escalation?: { unitName: LocalizedName; unacknowledgedMs: number };
}

export function stationUrl(publicUrl: string | undefined, stationId: string): string | undefined {
  if (!publicUrl) return undefined;
  return `${publicUrl.replace(/\/+$/, '')}/stations/${encodeURIComponent(stationId)}`;
}

function label(lang: Lang, zh: string, en: string): string {
  return lang === 'en' ? `${en}: ` : `${zh}：`;
}

function findingLines(f: Finding, input: MessageInput): string[] {
  const { lang, timeZone } = input;
  const lines: string[] = [];
  lines.push(
    `- ${label(lang, '时段', 'Window')}${formatTime(f.windowStart, timeZone)} – ${formatTime(f.windowEnd, timeZone)}`,
  );
  if (f.classReached) {
    const target = f.targetClass
      ? lang === 'en'
        ? ` (target ${className(f.targetClass, lang)})`
        : `（目标${className(f.targetClass, lang)}）`
      : '';
    lines.push(`- ${label(lang, '水质类别', 'Water quality')}${className(f.classReached, lang)}${target}`);
  } else if (f.targetClass) {
    lines.push(`- ${label(lang, '水质目标', 'Target')}${className(f.targetClass, lang)}`);
  }
  if (f.primaryPollutants && f.primaryPollutants.length > 0) {
    const list = f.primaryPollutants.map(
      (p) => `${parameterName(p.parameter, lang)}${p.exceedance !== null ? `(${p.exceedance.toFixed(2)})` : ''}`,
    );
    lines.push(
      `- ${label(lang, '主要污染指标（超Ⅲ类倍数）', 'Primary pollutants (主要污染指标, multiple over class III)')}${list.join(lang === 'en' ? ', ' : '、')}`,
    );
  }
  if (f.standard) lines.push(`- ${label(lang, '排放标准', 'Discharge standard')}${f.standard}`);
  if (f.projectedAt !== undefined)
    lines.push(`- ${label(lang, '预计超标时间', 'Projected to cross at')}${formatTime(f.projectedAt, timeZone)}`);
  if (f.lastSeenAt !== undefined) {
    lines.push(
      `- ${label(lang, '最后有效数据', 'Last valid reading')}${f.lastSeenAt === null ? (lang === 'en' ? 'unknown' : '未知') : formatTime(f.lastSeenAt, timeZone)}`,
    );
  }
  if (f.items.length > 0) {
    lines.push(lang === 'en' ? '- Values:' : '- 监测值：');
    for (const item of f.items) lines.push(itemLine(item, lang));
  }
  if (f.note) lines.push(`- ${label(lang, '说明', 'Note')}${f.note}`);
  return lines;
}

/** Title and markdown text of one notification. */
export function renderMessage(input: MessageInput): { title: string; text: string; url?: string } {
  const { alert, lang, event } = input;
  const name = lang === 'en' ? input.station.name.en : input.station.name.zh;
  const tag = EVENT_TAG[event];
  const tags = [SEVERITY[alert.severity][lang], ...(tag ? [tag[lang]] : [])];
  const head = lang === 'en' ? `${tags.map((t) => `[${t}]`).join('')} ` : tags.map((t) => `【${t}】`).join('');
  const title = `${head}${RULE_TITLE[alert.rule][lang]} · ${name}`;
  const url = stationUrl(input.publicUrl, input.station.id);
  const lines = [
    `### ${title}`,
    `- ${label(lang, '站点', 'Station')}${name} (${input.station.id})`,
    ...findingLines(alert.latest, input),
  ];
  if (alert.count > 1 && (alert.windowStart !== alert.latest.windowStart || alert.windowEnd !== alert.latest.windowEnd))
    lines.push(
      `- ${label(lang, '告警时段', 'Alert period')}${formatTime(alert.windowStart, input.timeZone)} – ${formatTime(alert.windowEnd, input.timeZone)}`,
    );
  // The units an escalation reaches hear of the alert for the first time: they are told it was found late too.
  const detected = event === 'opened' || event === 'escalated' ? detectionLine(alert, lang, input.timeZone) : undefined;
  if (detected) lines.push(detected);
  if (alert.count > 1)
    lines.push(
      lang === 'en'
        ? `- Seen in ${alert.count} windows since ${formatTime(alert.openedAt, input.timeZone)}`
        : `- 自${formatTime(alert.openedAt, input.timeZone)}起累计${alert.count}个时段`,
    );
  if (event === 'escalated' && input.escalation) {
    const unit = lang === 'en' ? input.escalation.unitName.en : input.escalation.unitName.zh;
    const wait = formatDurationText(input.escalation.unacknowledgedMs, lang);
    lines.push(
      lang === 'en'
        ? `- Not acknowledged for ${wait}: escalated to ${unit}`
        : `- 告警${wait}未确认，已逐级上报至${unit}`,
    );
  }
  if (event === 'resolved') {
    const who =
      alert.resolvedBy === 'system' || alert.resolvedBy === null
        ? lang === 'en'
          ? 'automatically'
          : '系统自动'
        : alert.resolvedBy;
    const reason = reasonText(alert.resolveReason ?? '', lang);
    lines.push(
      lang === 'en'
        ? `- Resolved ${who}${reason ? `: ${reason}` : ''}`
        : `- 已恢复（${who}）${reason ? `：${reason}` : ''}`,
    );
  }
  lines.push(`- ${label(lang, '告警编号', 'Alert')}#${alert.id}`);
  if (url) lines.push('', `[${lang === 'en' ? 'Open the station page' : '查看站点详情'}](${url})`);
  return { title, text: lines.join('\n'), ...(url ? { url } : {}) };
}
