/**
 * Query parameters shared by the data routes, on top of the frame's (src/api/query/): windows, station filters,
 * and a guard that rejects misspelt parameter names (`timeRangeQuery` builds a non-strict object, so `windw=1d`
 * would otherwise be ignored without a word).
 */
import { z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { SECTION_LEVELS, SECTION_ROLES, STATION_KINDS, type StationKind } from '../../catalog/index.js';
import { parseWindow, TimeWindowError, type TimeWindow } from '../../domain/time-window.js';
import type { ApiEnv } from '../env.js';
import { text } from '../i18n.js';
import { isValidTimeZone } from '../query/zoned-time.js';
import { bilingualIssue, validationProblem } from '../validation.js';

/** A time window (`4h`, `1d`, `1mo` …), parsed; errors say which spellings are accepted. */
export function windowField(options: { default: string; description: string; example?: string }) {
  return z
    .string()
    .default(options.default)
    .transform((raw, ctx): TimeWindow => {
      try {
        return parseWindow(raw);
      } catch (err) {
        if (!(err instanceof TimeWindowError)) throw err;
        bilingualIssue(ctx, { reason: 'invalid_window', zh: err.messageZh, en: err.message });
        return z.NEVER;
      }
    })
    .openapi({ description: options.description, example: options.example ?? options.default });
}

/** A comma-separated list of station kinds (`river_section,plant_effluent`). */
export const kindListField = z
  .string()
  .optional()
  .transform((raw, ctx): StationKind[] | undefined => {
    if (raw === undefined || raw.trim() === '') return undefined;
    const kinds = raw
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k !== '');
    const unknown = kinds.filter((k) => !(STATION_KINDS as readonly string[]).includes(k));
    if (unknown.length > 0) {
      bilingualIssue(ctx, {
        reason: 'invalid_value',
        zh: `未知的站点类型 ${unknown.map((u) => `"${u.slice(0, 40)}"`).join(', ')}；可用：${STATION_KINDS.join(', ')}`,
        en: `unknown station kind ${unknown.map((u) => `"${u.slice(0, 40)}"`).join(', ')}; expected: ${STATION_KINDS.join(', ')}`,
      });
      return z.NEVER;
    }
    return kinds as StationKind[];
  })
  .openapi({ description: `Station kinds, comma-separated: ${STATION_KINDS.join(', ')}`, example: 'river_section' });

const idText = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { error: 'expected an id (lowercase letters, digits, "-")' });

/** Filters over the catalog (all optional; every one given must hold). */
export const stationFilterFields = {
  kind: kindListField,
  role: z
    .enum(SECTION_ROLES)
    .optional()
    .openapi({ description: 'Section role (断面类型): inbound 入境, control 控制, outbound 出境' }),
  level: z
    .enum(SECTION_LEVELS)
    .optional()
    .openapi({ description: 'Section level: national 国控, provincial 省控, municipal 市控' }),
  river: idText
    .optional()
    .openapi({ description: 'River id (that river only, not its tributaries)', example: 'yunxi' }),
  jurisdiction: idText
    .optional()
    .openapi({ description: 'Unit id: stations under this unit or its sub-units (属地)', example: 'cz-eeb-linjiang' }),
  plant: idText.optional().openapi({ description: "Plant id: that plant's stations", example: 'wwtp1' }),
};

/** Route middleware: a 400 naming every query parameter that the route does not know. */
export function knownQuery(allowed: readonly string[]): MiddlewareHandler<ApiEnv> {
  const known = new Set(allowed);
  return async (c, next) => {
    const unknown = [...new Set(new URL(c.req.url).searchParams.keys())].filter((k) => !known.has(k));
    if (unknown.length > 0) {
      const list = [...known].join(', ');
      throw validationProblem(
        unknown.map((name) => ({
          in: 'query' as const,
          name: name.slice(0, 60),
          code: 'unknown_parameter',
          detail: text(
            `未知参数（请检查拼写）；可用：${list}`,
            `unknown parameter (check the spelling); known: ${list}`,
          ),
        })),
      );
    }
    await next();
  };
}

/** `tz` for routes without a time range (the frame's `timeRangeQuery` has its own). */
export function tzField(
  defaultTimeZone: string,
  description = `IANA time zone of the times in the response (default ${defaultTimeZone})`,
) {
  return z
    .string()
    .default(defaultTimeZone)
    .superRefine((tz, ctx) => {
      if (!isValidTimeZone(tz)) {
        bilingualIssue(ctx, {
          reason: 'invalid_value',
          zh: `"${tz.slice(0, 60)}" 不是 IANA 时区，例如 Asia/Shanghai`,
          en: `"${tz.slice(0, 60)}" is not an IANA time zone, e.g. Asia/Shanghai`,
        });
      }
    })
    .openapi({ description, example: 'Asia/Shanghai' });
}
