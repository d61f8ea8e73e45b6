/**
 * Validation of evaluation input: the zod schemas (reused by the API for `POST /api/v1/evaluate` and its OpenAPI
 * document), the typed error listing every problem with its path, and the resolution of readings (parameter
 * names → canonical codes, units → canonical units, plausibility).
 */
import { z } from 'zod';
import { BLACK_ODOROUS_GRADES } from './black-odorous.js';
import { BUILTIN_DISCHARGE_STANDARDS, customDischargeStandardSchema } from './discharge-standard-definition.js';
import { WATERBODY_TYPES, WATER_CLASSES } from './gb3838.js';
import type { ParameterValues } from './gb3838-section.js';
import { isPossible, parameter, resolveParameter, toCanonicalUnit, type ParameterCode } from './parameters.js';
import { ROUNDING_MODES } from './rounding.js';
import { convertUnit, UnitError } from './units.js';

// ---------------------------------------------------------------------------------------------------------------
// Input schemas (exported for the API and its OpenAPI document)

/** A reading: a number in the parameter's canonical unit, `{value, unit}` to convert, or null for "not measured". */
export const readingValueSchema = z.union(
  [z.number(), z.object({ value: z.number(), unit: z.string().optional() }).strict(), z.null()],
  {
    error:
      '应为数值、{"value": 数值, "unit": 单位} 或 null / must be a number, {"value": number, "unit": string} or null',
  },
);
export type ReadingValue = z.infer<typeof readingValueSchema>;

/**
 * Readings by parameter name: canonical code (`nh3n`), HJ 212 code (`w21003`) or a common short form (`NH3-N`,
 * `氨氮`), case-insensitive. Unknown names are an input error.
 */
export const readingsSchema = z.record(z.string(), readingValueSchema);

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: '日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD' })
  .refine(
    (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    {
      message: '不是有效日期 / not a valid date',
    },
  );

export const surfaceWaterInputSchema = z
  .object({
    standard: z.literal('gb3838'),
    waterbody: z.enum(WATERBODY_TYPES).default('river'),
    target: z.enum(WATER_CLASSES).optional(),
    rounding: z.enum(ROUNDING_MODES).default('none'),
    readings: readingsSchema,
  })
  .strict();

export const basinInputSchema = z
  .object({
    standard: z.literal('gb3838'),
    waterbody: z.enum(WATERBODY_TYPES).default('river'),
    rounding: z.enum(ROUNDING_MODES).default('none'),
    sections: z.array(z.object({ id: z.string().optional(), readings: readingsSchema }).strict()).min(1),
  })
  .strict();

const effluentConditions = {
  /** Effluent water temperature, °C (the NH3-N 12 °C rule), within water temperature's possible range. */
  water_temp_c: z.number().min(parameter('temp').possible.min).max(parameter('temp').possible.max).optional(),
  /** Plant construction date (the TP 2006-01-01 rule). */
  plant_built: isoDate.optional(),
  readings: readingsSchema,
};

export const effluentInputSchema = z
  .object({ standard: z.enum(BUILTIN_DISCHARGE_STANDARDS), ...effluentConditions })
  .strict();

export const customEffluentInputSchema = z
  .object({ standard: z.literal('custom'), definition: customDischargeStandardSchema, ...effluentConditions })
  .strict();

export const blackOdorousSampleInputSchema = z
  .object({ standard: z.literal('black-odorous'), readings: readingsSchema })
  .strict();

const sampleSchema = z.object({ readings: readingsSchema, time: z.string().optional() }).strict();

/** A sample in a series may also be written as its bare readings object. */
const sampleInSeriesSchema = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && !('readings' in v) ? { readings: v } : v),
  sampleSchema,
);

export const blackOdorousPointInputSchema = z
  .object({ standard: z.literal('black-odorous'), samples: z.array(sampleInSeriesSchema).min(1) })
  .strict();

const pointSchema = z
  .object({
    id: z.string().optional(),
    samples: z.array(sampleInSeriesSchema).min(1).optional(),
    grade: z.enum(BLACK_ODOROUS_GRADES).optional(),
  })
  .strict()
  .refine((p) => (p.samples === undefined) !== (p.grade === undefined), {
    message: '每个检测点需给出 samples 或 grade 之一 / each point needs either samples or grade',
  });

export const blackOdorousWaterBodyInputSchema = z
  .object({ standard: z.literal('black-odorous'), points: z.array(pointSchema).min(1) })
  .strict();

/** Every accepted input shape (for documentation; `evaluate` picks the shape by `standard` and its keys). */
export const evaluationInputSchema = z.union([
  surfaceWaterInputSchema,
  basinInputSchema,
  effluentInputSchema,
  customEffluentInputSchema,
  blackOdorousSampleInputSchema,
  blackOdorousPointInputSchema,
  blackOdorousWaterBodyInputSchema,
]);
export const evaluationRequestSchema = z.union([evaluationInputSchema, z.array(evaluationInputSchema)]);
export type EvaluationInput = z.input<typeof evaluationInputSchema>;

export const STANDARDS = ['gb3838', ...BUILTIN_DISCHARGE_STANDARDS, 'custom', 'black-odorous'] as const;

// ---------------------------------------------------------------------------------------------------------------
// Errors

export interface InputIssue {
  /** Where the problem is, e.g. `readings.xyz`, `[1].target`; empty for the whole input. */
  path: string;
  message: string;
}

/** Invalid evaluation input; `issues` lists every problem found, not just the first. */
export class EvaluationInputError extends Error {
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[]) {
    super(
      `输入无效 / invalid input (${issues.length}):\n` +
        issues.map((i) => `  - ${i.path === '' ? '(input)' : i.path}: ${i.message}`).join('\n'),
    );
    this.name = 'EvaluationInputError';
    this.issues = issues;
  }
}

export function joinPath(prefix: string, segments: readonly PropertyKey[]): string {
  let out = prefix;
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out === '' ? String(s) : `.${String(s)}`;
  return out;
}

/** zod's English message with its zh-CN translation in front (user-facing text is zh-CN first). */
function bilingual(issue: z.core.$ZodIssue, maps: { en: z.core.$ZodErrorMap; zh: z.core.$ZodErrorMap }): string {
  const text = (map: z.core.$ZodErrorMap) => {
    const out = map(issue as unknown as z.core.$ZodRawIssue);
    return typeof out === 'string' ? out : out?.message;
  };
  // Our own messages are already bilingual; only zod's default (English) ones get a translation.
  if (text(maps.en) !== issue.message) return issue.message;
  const zh = text(maps.zh);
  return zh ? `${zh} / ${issue.message}` : issue.message;
}

export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix: string,
  issues: InputIssue[],
): z.output<S> | undefined {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const maps = { en: z.locales.en().localeError, zh: z.locales.zhCN().localeError };
  for (const issue of result.error.issues)
    issues.push({ path: joinPath(prefix, issue.path), message: bilingual(issue, maps) });
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Size limits: what one input may hold, checked before it is parsed, so that the cost of judging an input is
// bounded by limits rather than by what a caller sends (issue 12, item 5).

export interface EvaluationLimits {
  /** Items of a batch (a top-level array). */
  maxItems: number;
  /** Keys of any one object in an item: a readings object names at most the 33 parameters. */
  maxKeys: number;
  /** Entries of any one array in an item (sections, samples, points). */
  maxEntries: number;
  /** Characters of a key: the longest parameter name is 41 ("five-day biochemical oxygen demand (BOD5)"). */
  maxKeyLength: number;
  /** Nesting depth of an item: the deepest valid input (points → samples → readings → {value}) is 6. */
  maxDepth: number;
}

/** `POST /api/v1/evaluate`: a shared server, where one request must not tie up the CPU. */
export const API_EVALUATION_LIMITS: EvaluationLimits = {
  maxItems: 1000,
  maxKeys: 64,
  maxEntries: 1000,
  maxKeyLength: 128,
  maxDepth: 10,
};

/** `qingliu evaluate`: the user's own machine and data; a national file is tens of thousands of items. */
export const CLI_EVALUATION_LIMITS: EvaluationLimits = {
  ...API_EVALUATION_LIMITS,
  maxItems: Number.POSITIVE_INFINITY,
  maxEntries: 100_000,
};

/**
 * The first place where an item exceeds the limits, as an input issue; undefined when it does not. Walks the item
 * without recursion and stops at the first excess, so its cost is bounded by the item's size however it nests.
 */
export function limitIssue(input: unknown, prefix: string, limits: EvaluationLimits): InputIssue | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: input, path: prefix, depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= limits.maxDepth) {
      return { path, message: `嵌套超过 ${limits.maxDepth} 层 / nested deeper than ${limits.maxDepth} levels` };
    }
    if (Array.isArray(value)) {
      if (value.length > limits.maxEntries) {
        return {
          path,
          message: `数组有 ${value.length} 项，最多 ${limits.maxEntries} 项 / ${value.length} entries, at most ${limits.maxEntries}`,
        };
      }
      value.forEach((v, i) => stack.push({ value: v, path: joinPath(path, [i]), depth: depth + 1 }));
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > limits.maxKeys) {
      return { path, message: `对象有 ${keys.length} 个键，最多 ${limits.maxKeys} 个 / ${keys.length} keys, at most ${limits.maxKeys}` };
    }
    for (const key of keys) {
      if (key.length > limits.maxKeyLength) {
        return {
          path,
          message: `键长 ${key.length} 个字符，最多 ${limits.maxKeyLength} 个 / a key of ${key.length} characters, at most ${limits.maxKeyLength}`,
        };
      }
      stack.push({ value: (value as Record<string, unknown>)[key], path: joinPath(path, [key]), depth: depth + 1 });
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Readings: names → canonical codes, units → canonical units. Resolved from the raw input even when other
// parts of it are invalid, so that one run reports every problem.

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export interface ResolvedReadings {
  values: ParameterValues;
  /** Non-parameter keys a standard accepts (black-odorous `depth`, cm). */
  extras: Record<string, number>;
}

export function resolveReadings(
  raw: unknown,
  path: string,
  issues: InputIssue[],
  extraKeys: readonly string[] = [],
): ResolvedReadings {
  const values: ParameterValues = {};
  const extras: Record<string, number> = {};
  if (!isObject(raw)) return { values, extras }; // the schema reports it
  const seenFrom = new Map<ParameterCode, string>();
  for (const [name, entry] of Object.entries(raw)) {
    const at = joinPath(path, [name]);
    const parsed = readingValueSchema.safeParse(entry);
    const extra = extraKeys.find((k) => k === name.trim().toLowerCase());
    const param = extra ? undefined : resolveParameter(name);
    if (!extra && !param) {
      issues.push({ path: at, message: `未知参数 "${name}" / unknown parameter "${name}"` });
      continue;
    }
    if (!parsed.success || parsed.data === null) continue; // the schema reports a malformed value
    const reading = parsed.data;
    const rawValue = typeof reading === 'number' ? reading : reading.value;
    const unit = typeof reading === 'number' ? undefined : reading.unit;
    if (extra) {
      try {
        const cm = unit === undefined ? rawValue : convertUnit(rawValue, unit, 'length');
        if (cm < 0) issues.push({ path: at, message: '不能为负数 / must not be negative' });
        else extras[extra] = cm;
      } catch (err) {
        issues.push({ path: at, message: `单位无效 / ${err instanceof Error ? err.message : String(err)}` });
      }
      continue;
    }
    const p = param!;
    const earlier = seenFrom.get(p.code);
    if (earlier !== undefined) {
      issues.push({
        path: at,
        message: `与 "${earlier}" 是同一参数 (${p.code}) / same parameter as "${earlier}" (${p.code})`,
      });
      continue;
    }
    seenFrom.set(p.code, name);
    let value: number;
    try {
      value = toCanonicalUnit(p, rawValue, unit);
    } catch (err) {
      issues.push({ path: at, message: `单位无效 / ${err instanceof UnitError ? err.message : String(err)}` });
      continue;
    }
    if (!isPossible(p, value)) {
      const u = p.unit === '' ? '' : ` ${p.unit}`;
      const { min, max } = p.possible;
      issues.push({
        path: at,
        message: `${p.nameZh} ${value}${u} 在物理上不可能（可能范围 ${min}–${max}${u}） / ${p.nameEn} ${value}${u} is physically impossible (possible range ${min}–${max}${u})`,
      });
      continue;
    }
    values[p.code] = value;
  }
  return { values, extras };
}

/** The readings object of a sample in a series: `{readings: {...}}` or the bare readings object. */
export function sampleReadings(raw: unknown): unknown {
  return isObject(raw) && 'readings' in raw ? raw.readings : raw;
}

export function arrayAt(raw: unknown): unknown[] {
  return Array.isArray(raw) ? raw : [];
}
