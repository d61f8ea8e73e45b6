/**
 * Words for the codes the API answers with (kinds, roles, statuses, classes, flags, parameters), in the request's
 * language, for exports people read: a CSV says 控制断面 / control section where the JSON says `control`.
 * The codes themselves stay in JSON, and in CSV when asked for (`codes=true`).
 */
import { FLAG_MEANING, isDataFlag } from '../domain/flags.js';
import { isParameterCode, parameter } from '../domain/parameters.js';
import { REJECTION_REASONS } from '../ingest/rejection.js';
import type { Lang, Localized } from './i18n.js';
import { localize, text } from './i18n.js';

type Labels = Record<string, Localized>;

const KIND: Labels = {
  river_section: text('河流断面', 'river section'),
  plant_effluent: text('污水处理厂出水口', 'plant effluent'),
  plant_influent: text('污水处理厂进水口', 'plant influent'),
  industrial_outfall: text('工业排口', 'industrial outfall'),
  urban_water: text('城市水体', 'urban water'),
};
const ROLE: Labels = {
  inbound: text('入境断面', 'inbound section'),
  control: text('控制断面', 'control section'),
  outbound: text('出境断面', 'outbound section'),
};
const FRESHNESS: Labels = {
  online: text('在线', 'online'),
  late: text('延迟', 'late'),
  offline: text('离线', 'offline'),
  unknown: text('未知', 'unknown'),
};
const STATUS: Labels = {
  compliant: text('达标', 'compliant'),
  non_compliant: text('超标', 'non-compliant'),
  insufficient_data: text('数据不足', 'insufficient data'),
  no_target: text('无目标类别', 'no target class'),
  not_evaluated: text('不评价', 'not evaluated'),
};
const BLACK_ODOROUS: Labels = {
  none: text('无黑臭', 'not black-odorous'),
  light: text('轻度黑臭', 'lightly black-odorous'),
  severe: text('重度黑臭', 'severely black-odorous'),
};
const SEVERITY: Labels = {
  info: text('提示', 'info'),
  warning: text('警告', 'warning'),
  critical: text('严重', 'critical'),
};
const ALERT_STATE: Labels = {
  open: text('未确认', 'open'),
  acknowledged: text('已确认', 'acknowledged'),
  resolved: text('已解除', 'resolved'),
};
const CATEGORY: Labels = {
  pollution: text('污染', 'pollution'),
  early_warning: text('预警', 'early warning'),
  offline: text('离线', 'offline'),
  maintenance: text('运维', 'maintenance'),
};
const ROMAN: Record<string, string> = { I: 'Ⅰ', II: 'Ⅱ', III: 'Ⅲ', IV: 'Ⅳ', V: 'Ⅴ', 劣V: '劣Ⅴ' };

function from(labels: Labels) {
  return (code: string | null | undefined, lang: Lang): string | undefined =>
    code === null || code === undefined ? undefined : labels[code] ? localize(labels[code]!, lang) : code;
}

export const kindLabel = from(KIND);
export const roleLabel = from(ROLE);
export const freshnessLabel = from(FRESHNESS);
export const statusLabel = from(STATUS);
export const blackOdorousLabel = from(BLACK_ODOROUS);
export const severityLabel = from(SEVERITY);
export const alertStateLabel = from(ALERT_STATE);
export const categoryLabel = from(CATEGORY);
export const rejectionLabel = from(
  Object.fromEntries(Object.entries(REJECTION_REASONS).map(([code, l]) => [code, text(l.zh, l.en)])),
);

/** A GB 3838 class as the standard writes it: `Ⅲ类` / `Class Ⅲ`, `劣Ⅴ类` / `worse than Ⅴ (劣Ⅴ)`. */
export function classLabel(cls: string | null | undefined, lang: Lang): string | undefined {
  if (cls === null || cls === undefined) return undefined;
  const roman = ROMAN[cls];
  if (!roman) return cls;
  if (lang === 'en') return cls === '劣V' ? 'worse than Ⅴ (劣Ⅴ)' : `Class ${roman}`;
  return `${roman}类`;
}

export function yesNo(value: boolean | null | undefined, lang: Lang): string | undefined {
  return value === null || value === undefined
    ? undefined
    : lang === 'en'
      ? value
        ? 'yes'
        : 'no'
      : value
        ? '是'
        : '否';
}

/** `N 正常` / `N normal`: the letter stays, it is what the station sent. */
export function flagLabel(flag: string, lang: Lang): string {
  return isDataFlag(flag) ? `${flag} ${lang === 'en' ? FLAG_MEANING[flag].en : FLAG_MEANING[flag].zh}` : flag;
}

/** A parameter's name: 氨氮 / ammonia nitrogen (NH3-N). */
export function parameterLabel(code: string, lang: Lang): string {
  if (!isParameterCode(code)) return code;
  const p = parameter(code);
  return lang === 'en' ? p.nameEn : p.nameZh;
}

/** A parameter's name with its unit, for a column header: 氨氮（mg/L） / ammonia nitrogen (NH3-N) [mg/L]. */
export function parameterHeader(code: string, lang: Lang, suffix?: Localized): string {
  const name = parameterLabel(code, lang);
  const unit = isParameterCode(code) ? parameter(code).unit : '';
  const extra = suffix === undefined ? '' : ` ${localize(suffix, lang)}`;
  if (!unit) return `${name}${extra}`;
  return lang === 'en' ? `${name}${extra} [${unit}]` : `${name}${extra}（${unit}）`;
}

export function parameterUnit(code: string): string {
  return isParameterCode(code) ? parameter(code).unit : '';
}

/** A list of parameters by name: `氨氮、总磷` / `ammonia nitrogen (NH3-N); total phosphorus (TP)`. */
export function parameterList(codes: readonly string[] | null | undefined, lang: Lang): string | undefined {
  if (!codes || codes.length === 0) return undefined;
  return codes.map((c) => parameterLabel(c, lang)).join(lang === 'en' ? '; ' : '、');
}
