/**
 * Binds the rules' narrow standards port to the real engine (GB 3838-2002 in src/domain/gb3838*.ts,
 * GB 18918-2002 in src/domain/gb18918.ts). The only file in src/alerts that knows the engine's shapes.
 */
import { dischargeLimits, evaluateEffluent, isBuiltinDischargeStandard } from '../../domain/gb18918.js';
import { classRank, gb3838Item, GB3838_TABLE1 } from '../../domain/gb3838.js';
import { evaluateSection } from '../../domain/gb3838-section.js';
import type { BuiltinDischargeStandard, CustomDischargeStandard } from '../../domain/discharge-standard-definition.js';
import type { ParameterCode } from '../../domain/parameters.js';
import type {
  DischargeStandardRef,
  EffluentItemVerdict,
  SectionItemVerdict,
  Standards,
  Waterbody,
} from './standards-port.js';

function resolveStandard(ref: DischargeStandardRef): BuiltinDischargeStandard | CustomDischargeStandard {
  if (typeof ref !== 'string') return ref;
  if (!isBuiltinDischargeStandard(ref)) throw new Error(`unknown discharge standard "${ref}"`);
  return ref;
}

/** The evaluation items by water body, derived once (every window judged asks). */
const EVALUATED: Record<Waterbody, readonly ParameterCode[]> = {
  river: evaluatedIn('river'),
  lake: evaluatedIn('lake'),
};

function evaluatedIn(waterbody: Waterbody): readonly ParameterCode[] {
  return Object.freeze(
    GB3838_TABLE1.filter((it) => it.evaluated && (it.rule === 'range' || it[waterbody] !== undefined)).map(
      (it) => it.code,
    ),
  );
}

export const gbStandards: Standards = {
  evaluateSection(values, { waterbody, target }) {
    const result = evaluateSection({ values, waterbody, target });
    const items: Partial<Record<ParameterCode, SectionItemVerdict>> = {};
    for (const [code, item] of Object.entries(result.items) as [
      ParameterCode,
      NonNullable<(typeof result.items)[ParameterCode]>,
    ][]) {
      if (item.reference) continue;
      items[code] = {
        class: item.class,
        exceedance: item.exceedance,
        exceedanceTarget: item.exceedance_target ?? null,
      };
    }
    return { class: result.class, items, primaryPollutants: result.primary_pollutants };
  },

  evaluatedParameters(waterbody) {
    return EVALUATED[waterbody];
  },

  classLimit(parameter, cls, waterbody) {
    const it = gb3838Item(parameter);
    if (!it) return undefined;
    if (it.rule === 'range') return { ...it.range! };
    const table = it[waterbody];
    if (it.rule === 'none' || !table) return undefined;
    const limit = table[classRank(cls) - 1]!;
    return it.rule === 'min' ? { min: limit } : { max: limit };
  },

  evaluateEffluent(values, { standard, waterTempC, plantBuilt }) {
    const result = evaluateEffluent({
      standard: resolveStandard(standard),
      values,
      ...(waterTempC !== undefined ? { waterTempC } : {}),
      ...(plantBuilt !== undefined ? { plantBuilt } : {}),
    });
    const items: Partial<Record<ParameterCode, EffluentItemVerdict>> = {};
    for (const [code, item] of Object.entries(result.items) as [
      ParameterCode,
      NonNullable<(typeof result.items)[ParameterCode]>,
    ][]) {
      const limit = typeof item.limit === 'number' ? { max: item.limit } : item.limit;
      items[code] = {
        limit: limit.max ?? null,
        min: limit.min ?? null,
        compliant: item.compliant,
        exceedance: item.exceedance,
      };
    }
    return { compliant: result.compliant !== false, items };
  },

  dischargeParameters(standard) {
    return Object.keys(dischargeLimits(resolveStandard(standard)).limits) as ParameterCode[];
  },
};
