/**
 * The standards engine behind `qingliu evaluate` and `POST /api/v1/evaluate`: validates one input (or an array)
 * and dispatches to GB 3838 (a section, or a river/basin/lake from several sections), GB 18918 (built-in or
 * custom discharge standards) or the black-and-odorous grading. Invalid input throws `EvaluationInputError`
 * listing every problem with its path. Output shapes are documented in docs/standards.md.
 */
import {
  gradePoint,
  gradeSample,
  gradeWaterBody,
  BLACK_ODOROUS_INDICATORS,
  type BlackOdorousGrade,
  type BlackOdorousIndicator,
  type IndicatorValues,
  type PointResult,
  type SampleInput,
  type SampleResult,
  type WaterBodyPointInput,
  type WaterBodyResult,
} from './black-odorous.js';
import {
  arrayAt,
  basinInputSchema,
  blackOdorousPointInputSchema,
  blackOdorousSampleInputSchema,
  blackOdorousWaterBodyInputSchema,
  CLI_EVALUATION_LIMITS,
  customEffluentInputSchema,
  effluentInputSchema,
  EvaluationInputError,
  isObject,
  limitIssue,
  joinPath,
  parseWith,
  resolveReadings,
  sampleReadings,
  STANDARDS,
  surfaceWaterInputSchema,
  type EvaluationLimits,
  type InputIssue,
} from './evaluation-input.js';
import type { BuiltinDischargeStandard } from './discharge-standard-definition.js';
import type { WaterbodyType } from './gb3838.js';
import { evaluateBasin, type BasinResult } from './gb3838-basin.js';
import { evaluateSection, type ParameterValues, type SectionResult } from './gb3838-section.js';
import { evaluateEffluent, type EffluentResult } from './gb18918.js';
import { resolveParameter, type ParameterCode } from './parameters.js';

// The API imports the schemas and the error from here, next to the function they describe.
export {
  API_EVALUATION_LIMITS,
  CLI_EVALUATION_LIMITS,
  basinInputSchema,
  blackOdorousPointInputSchema,
  blackOdorousSampleInputSchema,
  blackOdorousWaterBodyInputSchema,
  customEffluentInputSchema,
  effluentInputSchema,
  EvaluationInputError,
  evaluationInputSchema,
  evaluationRequestSchema,
  readingsSchema,
  readingValueSchema,
  STANDARDS,
  surfaceWaterInputSchema,
  type EvaluationInput,
  type EvaluationLimits,
  type InputIssue,
  type ReadingValue,
} from './evaluation-input.js';

// ---------------------------------------------------------------------------------------------------------------
// Results

export type SurfaceWaterEvaluation = { standard: 'gb3838'; waterbody: WaterbodyType } & SectionResult;
export type BasinEvaluation = { standard: 'gb3838'; waterbody: WaterbodyType } & BasinResult;
export type EffluentEvaluation =
  | ({ standard: BuiltinDischargeStandard } & EffluentResult)
  | ({ standard: 'custom'; standard_name: { zh: string; en: string } } & EffluentResult);
export type BlackOdorousEvaluation = { standard: 'black-odorous'; ignored?: ParameterCode[] } & (
  | ({ scope: 'sample' } & SampleResult)
  | ({ scope: 'point' } & PointResult)
  | ({ scope: 'water_body' } & WaterBodyResult)
);
export type EvaluationResult = SurfaceWaterEvaluation | BasinEvaluation | EffluentEvaluation | BlackOdorousEvaluation;

// ---------------------------------------------------------------------------------------------------------------
// Dispatch

function splitBlackOdorous(values: ParameterValues): { indicators: IndicatorValues; ignored: ParameterCode[] } {
  const indicators: IndicatorValues = {};
  const ignored: ParameterCode[] = [];
  for (const [code, v] of Object.entries(values) as [ParameterCode, number][]) {
    if ((BLACK_ODOROUS_INDICATORS as readonly string[]).includes(code)) indicators[code as BlackOdorousIndicator] = v;
    else ignored.push(code);
  }
  return { indicators, ignored };
}

/** Resolves one black-odorous sample; undefined when it has problems (already recorded). */
function blackOdorousSample(
  raw: unknown,
  path: string,
  issues: InputIssue[],
  ignored: Set<ParameterCode>,
): SampleInput | undefined {
  const before = issues.length;
  const { values, extras } = resolveReadings(raw, path, issues, ['depth']);
  const split = splitBlackOdorous(values);
  split.ignored.forEach((c) => ignored.add(c));
  // An indicator given as null (not measured) does not count: grading needs a value (a malformed one is
  // reported by the schema).
  const givesIndicator = ([name, value]: [string, unknown]) =>
    value !== null && (BLACK_ODOROUS_INDICATORS as readonly string[]).includes(resolveParameter(name)?.code ?? '');
  if (isObject(raw) && issues.length === before && !Object.entries(raw).some(givesIndicator)) {
    issues.push({
      path,
      message: '至少需要透明度、溶解氧、氧化还原电位或氨氮之一 / needs at least one of transparency, do, orp, nh3n',
    });
  }
  if (issues.length > before) return undefined;
  return { values: split.indicators, ...(extras.depth !== undefined ? { depthCm: extras.depth } : {}) };
}

function evaluateSurfaceWater(
  input: Record<string, unknown>,
  prefix: string,
  issues: InputIssue[],
): EvaluationResult | undefined {
  const before = issues.length;
  if ('sections' in input) {
    const data = parseWith(basinInputSchema, input, prefix, issues);
    const sections = arrayAt(input.sections).map((s, i) => ({
      ...(isObject(s) && typeof s.id === 'string' ? { id: s.id } : {}),
      values: resolveReadings(
        isObject(s) ? s.readings : undefined,
        joinPath(prefix, ['sections', i, 'readings']),
        issues,
      ).values,
    }));
    if (!data || issues.length > before) return undefined;
    return {
      standard: 'gb3838',
      waterbody: data.waterbody,
      ...evaluateBasin({ sections, waterbody: data.waterbody, rounding: data.rounding }),
    };
  }
  const data = parseWith(surfaceWaterInputSchema, input, prefix, issues);
  const { values } = resolveReadings(input.readings, joinPath(prefix, ['readings']), issues);
  if (!data || issues.length > before) return undefined;
  return {
    standard: 'gb3838',
    waterbody: data.waterbody,
    ...evaluateSection({
      values,
      waterbody: data.waterbody,
      rounding: data.rounding,
      ...(data.target ? { target: data.target } : {}),
    }),
  };
}

function evaluateBlackOdorous(
  input: Record<string, unknown>,
  prefix: string,
  issues: InputIssue[],
): EvaluationResult | undefined {
  const before = issues.length;
  const ignored = new Set<ParameterCode>();
  const withIgnored = <T extends object>(r: T) => (ignored.size > 0 ? { ...r, ignored: [...ignored] } : r);
  if ('points' in input) {
    const data = parseWith(blackOdorousWaterBodyInputSchema, input, prefix, issues);
    const points = arrayAt(input.points).map((p, i): WaterBodyPointInput | undefined => {
      if (!isObject(p) || !Array.isArray(p.samples))
        return isObject(p) && typeof p.grade === 'string' ? { grade: p.grade as BlackOdorousGrade } : undefined;
      const samples = p.samples.map((s, j) =>
        blackOdorousSample(
          sampleReadings(s),
          joinPath(prefix, ['points', i, 'samples', j, 'readings']),
          issues,
          ignored,
        ),
      );
      return { samples: samples.filter((s): s is SampleInput => s !== undefined) };
    });
    if (!data || issues.length > before) return undefined;
    return withIgnored({
      standard: 'black-odorous' as const,
      scope: 'water_body' as const,
      ...gradeWaterBody(points as WaterBodyPointInput[]),
    });
  }
  if ('samples' in input) {
    const data = parseWith(blackOdorousPointInputSchema, input, prefix, issues);
    const samples = arrayAt(input.samples).map((s, j) =>
      blackOdorousSample(sampleReadings(s), joinPath(prefix, ['samples', j, 'readings']), issues, ignored),
    );
    if (!data || issues.length > before) return undefined;
    return withIgnored({
      standard: 'black-odorous' as const,
      scope: 'point' as const,
      ...gradePoint(samples as SampleInput[]),
    });
  }
  const data = parseWith(blackOdorousSampleInputSchema, input, prefix, issues);
  const sample = blackOdorousSample(input.readings, joinPath(prefix, ['readings']), issues, ignored);
  if (!data || !sample || issues.length > before) return undefined;
  return withIgnored({ standard: 'black-odorous' as const, scope: 'sample' as const, ...gradeSample(sample) });
}

function evaluateDischarge(
  input: Record<string, unknown>,
  prefix: string,
  issues: InputIssue[],
): EvaluationResult | undefined {
  const before = issues.length;
  const data =
    input.standard === 'custom'
      ? parseWith(customEffluentInputSchema, input, prefix, issues)
      : parseWith(effluentInputSchema, input, prefix, issues);
  if (input.standard === 'custom' && isObject(input.definition) && isObject(input.definition.limits)) {
    for (const name of Object.keys(input.definition.limits)) {
      if (!resolveParameter(name)) {
        issues.push({
          path: joinPath(prefix, ['definition', 'limits', name]),
          message: `未知参数 "${name}" / unknown parameter "${name}"`,
        });
      }
    }
  }
  const { values } = resolveReadings(input.readings, joinPath(prefix, ['readings']), issues);
  if (!data || issues.length > before) return undefined;
  // The plant's own temperature reading stands in when water_temp_c is not given (online monitors measure it).
  const waterTempC = data.water_temp_c ?? values.temp;
  const result = evaluateEffluent({
    standard: data.standard === 'custom' ? data.definition : data.standard,
    values,
    ...(waterTempC !== undefined ? { waterTempC } : {}),
    ...(data.plant_built !== undefined ? { plantBuilt: data.plant_built } : {}),
  });
  return data.standard === 'custom'
    ? { standard: 'custom', standard_name: data.definition.name, ...result }
    : { standard: data.standard, ...result };
}

function evaluateOne(input: unknown, prefix: string, issues: InputIssue[]): EvaluationResult | undefined {
  if (!isObject(input)) {
    issues.push({ path: prefix, message: '应为 JSON 对象 / must be a JSON object' });
    return undefined;
  }
  const standard = input.standard;
  if (typeof standard !== 'string' || !(STANDARDS as readonly string[]).includes(standard)) {
    issues.push({
      path: joinPath(prefix, ['standard']),
      message: `应为 ${STANDARDS.join(' | ')} 之一 / must be one of ${STANDARDS.join(', ')}${standard === undefined ? '' : ` (got ${JSON.stringify(standard)})`}`,
    });
    return undefined;
  }
  if (standard === 'gb3838') return evaluateSurfaceWater(input, prefix, issues);
  if (standard === 'black-odorous') return evaluateBlackOdorous(input, prefix, issues);
  return evaluateDischarge(input, prefix, issues);
}

/** One input judged on its own: its verdict, or every problem found in it (paths start with `prefix`). */
export type ItemOutcome = { result: EvaluationResult; issues?: undefined } | { result?: undefined; issues: InputIssue[] };

/**
 * Evaluates one input object. An input beyond `limits` is refused with one issue naming where, before anything
 * else is done with it, so that no input costs more than the limits allow.
 */
export function evaluateItem(
  input: unknown,
  prefix = '',
  limits: EvaluationLimits = CLI_EVALUATION_LIMITS,
): ItemOutcome {
  const tooLarge = limitIssue(input, prefix, limits);
  if (tooLarge) return { issues: [tooLarge] };
  const issues: InputIssue[] = [];
  const result = evaluateOne(input, prefix, issues);
  if (issues.length > 0 || result === undefined) return { issues };
  return { result };
}

/** A batch judged item by item: verdicts in input order (null where the item is invalid) and every item's issues. */
export interface BatchOutcome {
  results: (EvaluationResult | null)[];
  /** Paths start with the item's index: `[3].readings.do`. */
  issues: InputIssue[];
  evaluated: number;
  invalid: number;
}

export function evaluateBatch(items: readonly unknown[], limits: EvaluationLimits = CLI_EVALUATION_LIMITS): BatchOutcome {
  const outcome: BatchOutcome = { results: [], issues: [], evaluated: 0, invalid: 0 };
  items.forEach((item, i) => addToBatch(outcome, evaluateItem(item, `[${i}]`, limits)));
  return outcome;
}

/** Adds one item's outcome to a batch (for callers that evaluate the items one at a time). */
export function addToBatch(batch: BatchOutcome, outcome: ItemOutcome): void {
  if (outcome.result !== undefined) {
    batch.results.push(outcome.result);
    batch.evaluated += 1;
  } else {
    batch.results.push(null);
    batch.issues.push(...outcome.issues);
    batch.invalid += 1;
  }
}

/**
 * Evaluates one input object, or each object of an array (results in the same order). Throws
 * `EvaluationInputError` with every problem of every element when any input is invalid; `evaluateBatch` answers
 * a batch item by item instead.
 */
export function evaluate(input: unknown): EvaluationResult | EvaluationResult[] {
  if (Array.isArray(input)) {
    const batch = evaluateBatch(input);
    if (batch.invalid > 0) throw new EvaluationInputError(batch.issues);
    return batch.results as EvaluationResult[];
  }
  const outcome = evaluateItem(input);
  if (outcome.result === undefined) throw new EvaluationInputError(outcome.issues);
  return outcome.result;
}
