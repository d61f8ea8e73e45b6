/**
 * Parameter and flag names for display, from the registries the server uses (src/domain/parameters.ts,
 * src/domain/flags.ts): pure tables, bundled, so a chart title needs no request.
 */
import { FLAG_MEANING, isDataFlag } from '../../domain/flags.js';
import { isParameterCode, parameter, parameterOfHj212Code } from '../../domain/parameters.js';
import type { I18n } from './i18n.js';

export function paramName(i18n: I18n, code: string): string {
  if (!isParameterCode(code)) return code;
  const p = parameter(code);
  return i18n.lang() === 'en' ? p.nameEn : p.nameZh;
}

/** An HJ 212 pollutant code by the parameter it stands for: "氨氮 w21003"; an unknown code as itself. */
export function hj212CodeName(i18n: I18n, code: string): string {
  const p = parameterOfHj212Code(code);
  return p ? `${i18n.lang() === 'en' ? p.nameEn : p.nameZh} ${code}` : code;
}

/** The canonical unit ("" for pH). */
export function paramUnit(code: string): string {
  return isParameterCode(code) ? parameter(code).unit : '';
}

export function paramDecimals(code: string): number {
  return isParameterCode(code) ? parameter(code).decimals : 2;
}

export function flagMeaning(i18n: I18n, flag: string): string {
  if (!isDataFlag(flag)) return flag;
  const m = FLAG_MEANING[flag];
  return i18n.lang() === 'en' ? m.en : m.zh;
}
