/** `params=nh3n,tp` (or repeated `params=`): parameter names resolved by the registry, unknown ones named in the 400. */
import { z } from '@hono/zod-openapi';
import { PARAMETER_CODES, resolveParameter, type ParameterCode } from '../../domain/parameters.js';
import { bilingualIssue } from '../validation.js';

/** Resolves every name; aliases ("NH3-N", "氨氮", "w21003") become canonical codes, duplicates collapse. */
export function resolveParameterList(names: readonly string[]): { codes: ParameterCode[]; unknown: string[] } {
  const codes: ParameterCode[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const param = resolveParameter(name);
    if (!param) unknown.push(name);
    else if (!codes.includes(param.code)) codes.push(param.code);
  }
  return { codes, unknown };
}

export const parameterListSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((value, ctx) => {
    const names = (Array.isArray(value) ? value : [value])
      .flatMap((v) => v.split(','))
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (names.length === 0) {
      bilingualIssue(ctx, {
        reason: 'required',
        zh: `至少需要一个监测项目，例如 params=nh3n,tp`,
        en: `at least one parameter is needed, e.g. params=nh3n,tp`,
      });
      return z.NEVER;
    }
    const { codes, unknown } = resolveParameterList(names);
    if (unknown.length > 0) {
      const list = unknown.map((u) => `"${u.slice(0, 40)}"`).join(', ');
      bilingualIssue(ctx, {
        reason: 'unknown_parameter',
        zh: `未知的监测项目：${list}；可用的代码：${PARAMETER_CODES.join(', ')}`,
        en: `unknown parameter${unknown.length > 1 ? 's' : ''}: ${list}; known codes: ${PARAMETER_CODES.join(', ')}`,
      });
      return z.NEVER;
    }
    return codes;
  })
  .openapi({
    description: 'Comma-separated parameter codes or aliases (nh3n, NH3-N, 氨氮, w21003 …)',
    example: 'nh3n,tp',
  });
