/**
 * A set of sections — the city, a basin (a river with its tributaries), a river, a jurisdiction (属地) — over a
 * period: 达标率 (sections meeting their target), 优良比例 (classes I–III), 劣V比例, the group's CWQI, and for
 * rivers and basins the 2011 evaluation (环办[2011]22号, standards.md §2): fewer than 5 sections → the mean of
 * each item, then the single-factor method; 5 or more (decision 4: exactly 5 too) → section proportions.
 * Sections with insufficient data are counted and named, never in a share (decision 10).
 */
import { classRank } from '../gb3838.js';
import { evaluateBasin, type BasinMethod } from '../gb3838-basin.js';
import type { GradeEn, GradeZh, SectionClass } from '../gb3838.js';
import type { ParameterCode } from '../parameters.js';
import { cwqiChange, groupCwqi } from './cwqi.js';
import { decidingItems, type SectionVerdict } from './section-report.js';
import type { SectionStation } from './types.js';

export interface GroupFigures {
  sections: number;
  evaluated: number;
  insufficient_data: number;
  /** 0–1, null when no evaluated section has a target. */
  compliance_rate: number | null;
  /** 0–1, null when no section was evaluated. */
  share_i_iii: number | null;
  share_inferior_v: number | null;
  /** Mean of the evaluated sections' CWQI (decision 10). */
  cwqi: number | null;
}

export function groupFigures(verdicts: readonly SectionVerdict[]): GroupFigures {
  const evaluated = verdicts.filter((v) => v.status === 'evaluated' && v.class !== null);
  const targeted = evaluated.filter((v) => v.compliant !== null);
  const share = (n: number, of: number) => (of === 0 ? null : n / of);
  return {
    sections: verdicts.length,
    evaluated: evaluated.length,
    insufficient_data: verdicts.length - evaluated.length,
    compliance_rate: share(targeted.filter((v) => v.compliant).length, targeted.length),
    share_i_iii: share(evaluated.filter((v) => classRank(v.class!) <= 3).length, evaluated.length),
    share_inferior_v: share(evaluated.filter((v) => v.class === '劣V').length, evaluated.length),
    cwqi: groupCwqi(evaluated.map((v) => v.cwqi)),
  };
}

/** The 2011 rule's wording for a change of a set of sections (standards.md §7: S for > 20, U for the bands). */
export const TRENDS = [
  'significantly_better',
  'slightly_better',
  'no_obvious_change',
  'slightly_worse',
  'significantly_worse',
] as const;
export type Trend = (typeof TRENDS)[number];

export const TREND_WORDS: Record<Trend, { zh: string; en: string }> = {
  significantly_better: { zh: '明显好转', en: 'significantly better' },
  slightly_better: { zh: '有所好转', en: 'slightly better' },
  no_obvious_change: { zh: '无明显变化', en: 'no obvious change' },
  slightly_worse: { zh: '有所变差', en: 'slightly worse' },
  significantly_worse: { zh: '明显变差', en: 'significantly worse' },
};

/**
 * ΔG = change of the I–III share, ΔD = change of the 劣V share, both in percentage points; ΔG − ΔD > 20 明显好转,
 * (10, 20] 有所好转, [−10, 10] 无明显变化, and the same downwards.
 */
export function trendOf(deltaGoodPp: number, deltaInferiorVPp: number): Trend {
  // Rounded to 0.1 point first: the rule reads published percentages, and 0.1 + 0.2 must not decide a band.
  const d = Math.round((deltaGoodPp - deltaInferiorVPp) * 10) / 10;
  if (d > 20) return 'significantly_better';
  if (d > 10) return 'slightly_better';
  if (d >= -10) return 'no_obvious_change';
  if (d >= -20) return 'slightly_worse';
  return 'significantly_worse';
}

export interface GroupChange {
  /** Changes of the shares in percentage points (个百分点), null where either period has no share. */
  compliance_rate_pp: number | null;
  share_i_iii_pp: number | null;
  share_inferior_v_pp: number | null;
  /** ΔCWQI in percent. */
  cwqi_pct: number | null;
  /** The 2011 wording, null when either period lacks evaluated sections. */
  trend: Trend | null;
}

function pp(now: number | null, before: number | null): number | null {
  return now === null || before === null ? null : (now - before) * 100;
}

export function groupChange(now: GroupFigures, before: GroupFigures | null): GroupChange | null {
  if (before === null || before.evaluated === 0) return null;
  const g = pp(now.share_i_iii, before.share_i_iii);
  const d = pp(now.share_inferior_v, before.share_inferior_v);
  return {
    compliance_rate_pp: pp(now.compliance_rate, before.compliance_rate),
    share_i_iii_pp: g,
    share_inferior_v_pp: d,
    cwqi_pct: cwqiChange(now.cwqi, before.cwqi),
    trend: g === null || d === null ? null : trendOf(g, d),
  };
}

export interface WaterEvaluation {
  method: BasinMethod;
  sections_evaluated: number;
  /** Section-mean method only. */
  class: SectionClass | null;
  grade: GradeZh | null;
  grade_en: GradeEn | null;
  primary_pollutants: ParameterCode[];
}

/**
 * The 2011 evaluation of a river or basin from its river-type sections with enough data (lakes and reservoirs
 * are points of their own: 环办[2011]22号 evaluates them separately). Null when no such section was evaluated.
 */
export function evaluateRiver(
  members: readonly { station: SectionStation; verdict: SectionVerdict }[],
): WaterEvaluation | null {
  const sections = members
    .filter((m) => m.station.waterbody === 'river' && m.verdict.status === 'evaluated')
    .map((m) => {
      const values: Partial<Record<ParameterCode, number>> = {};
      for (const code of decidingItems(m.station.parameters, 'river')) {
        const v = m.verdict.means[code];
        if (v !== undefined) values[code] = v;
      }
      return { id: m.station.id, values };
    });
  if (sections.length === 0) return null;
  const r = evaluateBasin({ sections, waterbody: 'river' });
  return {
    method: r.method,
    sections_evaluated: r.sections_evaluated,
    class: r.class,
    grade: r.grade,
    grade_en: r.grade_en,
    primary_pollutants: r.primary_pollutants,
  };
}
