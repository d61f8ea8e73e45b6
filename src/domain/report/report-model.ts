/**
 * The monthly / quarterly / annual water-quality report (月报 / 季报 / 年报) as data: sections, rivers and basins,
 * jurisdictions and the city, rankings by CWQI, plants and black-odorous water bodies, each compared with the
 * previous period (环比) and the same period last year (同比). Pure: the data layer (src/reports/) hands in the
 * stations and their valid-reading buckets; renderers (JSON, XLSX, PDF, CSV) only present what this returns.
 */
import type { BlackOdorousGrade } from '../black-odorous.js';
import { classRank } from '../gb3838.js';
import { zone } from '../time-window.js';
import { judgeUrbanPoint, judgeWaterBody } from './black-odorous-report.js';
import { cwqiChange } from './cwqi.js';
import {
  evaluateRiver,
  groupChange,
  groupFigures,
  type GroupChange,
  type GroupFigures,
  type WaterEvaluation,
} from './group-report.js';
import { REPORT_METHODS, type MethodNote } from './methods.js';
import { periodKey, periodLabel, REPORT_TITLE, type Period } from './period.js';
import { judgePlant, type PlantVerdict } from './plant-report.js';
import { rankAscending } from './ranking.js';
import { dayKeyer } from './period-means.js';
import { judgeSection, type SectionVerdict } from './section-report.js';
import type { Grouping, Name, PeriodPieces, Periods, PlantStation, SectionStation, UrbanStation } from './types.js';

/** CWQI is published to 4 decimals and ΔCWQI to 2: ties are decided at that precision. */
export const CWQI_DECIMALS = 4;
export const CWQI_CHANGE_DECIMALS = 2;

export interface DataBasis {
  /** What makes a reading count, and where its flag comes from. */
  valid_flags: readonly string[];
  min_valid_share: number;
  flag_source: Name;
  /** False until data marks exist (issue 14): then "no mark applied" means none could be. */
  marks_available: boolean;
  /** Approved data marks that changed a reading's effective flag in these periods. */
  marks_applied: readonly { station: string; from: number; to: number; flag: string; reason: string }[];
  /** Windows re-judged since the last issue of this report (late data, marks). */
  rejudged_since_last_issue: readonly { station: string; from: number; to: number; reason: string }[];
  /** The last issue of the same report, if any: version and time. */
  last_issue: { version: number; issued_at: number } | null;
  /** Whether the period had ended when the report was made (otherwise the figures are provisional). */
  complete: boolean;
}

export interface ReportInput {
  periods: Periods<Period>;
  timeZone: string;
  /** The current period's bounds, [from, to). */
  range: { from: number; to: number };
  generatedAt: number;
  /** Whose report: the whole city, or the part one key may see (an operator's plants, the public sections). */
  scope: { id: 'all' | 'operator' | 'public'; name: Name };
  grouping: Grouping;
  sections: readonly { station: SectionStation; data: Periods<PeriodPieces | null> }[];
  plants: readonly { station: PlantStation; data: Periods<PeriodPieces | null> }[];
  urban: readonly { station: UrbanStation; data: Periods<PeriodPieces | null> }[];
  basis: DataBasis;
}

export interface SectionRow extends Omit<SectionStation, 'parameters' | 'intervalMs' | 'minValidShare' | 'target'> {
  target_class: string | null;
  current: SectionVerdict;
  previous: SectionVerdict | null;
  last_year: SectionVerdict | null;
  cwqi_change_previous_pct: number | null;
  cwqi_change_last_year_pct: number | null;
  status_rank: number | null;
  change_rank: number | null;
  /** Why the section is not in the change ranking, when it is not. */
  change_rank_note: 'no_data' | 'good_and_compliant' | null;
}

export interface GroupRow {
  id: string;
  name: Name;
  kind: 'city' | 'basin' | 'river' | 'jurisdiction';
  figures: Periods<GroupFigures | null>;
  change_previous: GroupChange | null;
  change_last_year: GroupChange | null;
  /** Rivers and basins: the 2011 evaluation of the current period. */
  evaluation?: WaterEvaluation | null;
  status_rank?: number | null;
  change_rank?: number | null;
  change_rank_note?: 'no_data' | 'good_and_compliant' | null;
  sections: string[];
}

export interface PlantRow {
  id: string;
  name: Name;
  plant: PlantStation['plant'];
  standard: { id: string; name: Name };
  jurisdiction: string;
  current: PlantVerdict;
  previous: PlantVerdict | null;
  last_year: PlantVerdict | null;
  compliance_rate_change_previous_pp: number | null;
  compliance_rate_change_last_year_pp: number | null;
}

export interface UrbanRow {
  id: string;
  name: Name;
  river: string | null;
  grade: Periods<BlackOdorousGrade | null>;
  samples: number;
  notes: string[];
}

export interface WaterReport {
  kind: Period['kind'];
  period: string;
  title: Name;
  period_label: Name;
  compared_with: { previous: string | null; last_year: string | null };
  time_zone: string;
  range: { from: number; to: number };
  generated_at: number;
  scope: ReportInput['scope'];
  city: GroupRow;
  basins: GroupRow[];
  rivers: GroupRow[];
  jurisdictions: GroupRow[];
  sections: SectionRow[];
  plants: PlantRow[];
  black_odorous: {
    points: UrbanRow[];
    water_bodies: { river: string; name: Name; grade: BlackOdorousGrade; severe_points: number }[];
  };
  data_basis: DataBasis;
  methods: readonly MethodNote[];
}

type Judge<T> = (d: PeriodPieces, dayKey: (ts: number) => string) => T;

/** Good and compliant in both periods (≤ class II and meeting the target): left out of the change ranking. */
function goodAndCompliant(now: SectionVerdict | null, base: SectionVerdict | null): boolean {
  const good = (v: SectionVerdict | null) =>
    v !== null && v.class !== null && classRank(v.class) <= 2 && v.compliant !== false;
  return good(now) && good(base);
}

function pointChange(now: number | null, before: number | null): number | null {
  return now === null || before === null ? null : (now - before) * 100;
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function buildReport(input: ReportInput): WaterReport {
  const z = zone(input.timeZone);
  const p = input.periods;
  // One local-date function per period range, shared by every station (time zone lookups are slow).
  const keyers = new Map<string, (ts: number) => string>();
  const keyerOf = (d: PeriodPieces) => {
    const k = `${d.from}:${d.to}`;
    let keyer = keyers.get(k);
    if (!keyer) keyers.set(k, (keyer = dayKeyer(d.from, d.to, z)));
    return keyer;
  };
  function judgeAll<T>(data: Periods<PeriodPieces | null>, judge: Judge<T>): Periods<T | null> {
    return {
      current: data.current ? judge(data.current, keyerOf(data.current)) : null,
      previous: data.previous ? judge(data.previous, keyerOf(data.previous)) : null,
      last_year: data.last_year ? judge(data.last_year, keyerOf(data.last_year)) : null,
    } as Periods<T | null>;
  }

  // Sections, judged in each period.
  const sectionVerdicts = input.sections.map(({ station, data }) => ({
    station,
    verdicts: judgeAll(data, (d, k) => judgeSection(station, d, z, k)),
  }));
  const sections: SectionRow[] = sectionVerdicts.map(({ station, verdicts }) => {
    const now = verdicts.current;
    const { parameters: _p, intervalMs: _i, minValidShare: _m, target, ...meta } = station;
    const noBase = !verdicts.last_year || verdicts.last_year.cwqi === null || now?.cwqi == null;
    const excluded = !noBase && goodAndCompliant(now, verdicts.last_year);
    return {
      ...meta,
      target_class: target,
      current: now!,
      previous: verdicts.previous,
      last_year: verdicts.last_year,
      cwqi_change_previous_pct: cwqiChange(now?.cwqi ?? null, verdicts.previous?.cwqi ?? null),
      cwqi_change_last_year_pct: cwqiChange(now?.cwqi ?? null, verdicts.last_year?.cwqi ?? null),
      status_rank: null,
      change_rank: null,
      change_rank_note: noBase ? 'no_data' : excluded ? 'good_and_compliant' : null,
    };
  });
  for (const r of rankAscending(sections, (s) => s.current.cwqi, CWQI_DECIMALS, byId)) r.item.status_rank = r.rank;
  for (const r of rankAscending(
    sections.filter((s) => s.change_rank_note === null),
    (s) => s.cwqi_change_last_year_pct,
    CWQI_CHANGE_DECIMALS,
    byId,
  ))
    r.item.change_rank = r.rank;

  // Groups of sections.
  const group = (id: string, name: Name, kind: GroupRow['kind'], members: typeof sectionVerdicts): GroupRow => {
    const figures = {
      current: groupFigures(members.map((m) => m.verdicts.current).filter((v): v is SectionVerdict => v !== null)),
      previous: members.some((m) => m.verdicts.previous)
        ? groupFigures(members.map((m) => m.verdicts.previous).filter((v): v is SectionVerdict => v !== null))
        : null,
      last_year: members.some((m) => m.verdicts.last_year)
        ? groupFigures(members.map((m) => m.verdicts.last_year).filter((v): v is SectionVerdict => v !== null))
        : null,
    };
    const row: GroupRow = {
      id,
      name,
      kind,
      figures,
      change_previous: groupChange(figures.current, figures.previous),
      change_last_year: groupChange(figures.current, figures.last_year),
      sections: members.map((m) => m.station.id),
    };
    if (kind === 'river' || kind === 'basin') {
      row.evaluation = evaluateRiver(members.map((m) => ({ station: m.station, verdict: m.verdicts.current! })));
    }
    return row;
  };
  const withCurrent = sectionVerdicts.filter((s) => s.verdicts.current !== null);
  const city = group('city', input.grouping.city, 'city', withCurrent);
  const basinOf = new Map(input.grouping.rivers.map((r) => [r.id, r.basin]));
  const rivers = input.grouping.rivers
    .map((r) =>
      group(
        r.id,
        r.name,
        'river',
        withCurrent.filter((s) => s.station.river === r.id),
      ),
    )
    .filter((g) => g.sections.length > 0);
  const basinIds = [...new Set(input.grouping.rivers.map((r) => r.basin))];
  const basins = basinIds
    .map((id) => {
      const root = input.grouping.rivers.find((r) => r.id === id)!;
      return group(
        id,
        root.name,
        'basin',
        withCurrent.filter((s) => s.station.river !== null && basinOf.get(s.station.river) === id),
      );
    })
    // A basin of one river says nothing its river row does not.
    .filter((g) => g.sections.length > 0 && input.grouping.rivers.filter((r) => r.basin === g.id).length > 1);
  const jurisdictions = input.grouping.jurisdictions
    .map((j) =>
      group(
        j.id,
        j.name,
        'jurisdiction',
        withCurrent.filter((s) => s.station.jurisdiction === j.id),
      ),
    )
    .filter((g) => g.sections.length > 0);
  for (const j of jurisdictions) {
    const members = withCurrent.filter((s) => s.station.jurisdiction === j.id);
    const base = j.figures.last_year;
    j.change_rank_note =
      base === null || base.cwqi === null || j.figures.current?.cwqi == null
        ? 'no_data'
        : members.every((m) => goodAndCompliant(m.verdicts.current, m.verdicts.last_year))
          ? 'good_and_compliant'
          : null;
    j.status_rank = null;
    j.change_rank = null;
  }
  for (const r of rankAscending(jurisdictions, (j) => j.figures.current?.cwqi ?? null, CWQI_DECIMALS, byId))
    r.item.status_rank = r.rank;
  for (const r of rankAscending(
    jurisdictions.filter((j) => j.change_rank_note === null),
    (j) => j.change_last_year?.cwqi_pct ?? null,
    CWQI_CHANGE_DECIMALS,
    byId,
  ))
    r.item.change_rank = r.rank;

  // Plants.
  const plants: PlantRow[] = input.plants.map(({ station, data }) => {
    const v = judgeAll(data, (d, k) => judgePlant(station, d, z, k));
    return {
      id: station.id,
      name: station.name,
      plant: station.plant,
      standard: { id: station.standard.id, name: station.standard.name },
      jurisdiction: station.jurisdiction,
      current: v.current!,
      previous: v.previous,
      last_year: v.last_year,
      compliance_rate_change_previous_pp: pointChange(
        v.current?.compliance_rate ?? null,
        v.previous?.compliance_rate ?? null,
      ),
      compliance_rate_change_last_year_pp: pointChange(
        v.current?.compliance_rate ?? null,
        v.last_year?.compliance_rate ?? null,
      ),
    };
  });

  // Black-odorous water bodies.
  const urbanVerdicts = input.urban.map(({ station, data }) => ({
    station,
    verdicts: judgeAll(data, (d, k) => judgeUrbanPoint(station, d, z, k)),
  }));
  const points: UrbanRow[] = urbanVerdicts.map(({ station, verdicts }) => ({
    id: station.id,
    name: station.name,
    river: station.river,
    grade: {
      current: verdicts.current?.grade ?? null,
      previous: verdicts.previous?.grade ?? null,
      last_year: verdicts.last_year?.grade ?? null,
    },
    samples: verdicts.current?.samples ?? 0,
    notes: verdicts.current?.notes ?? [],
  }));
  const waterBodies: WaterReport['black_odorous']['water_bodies'] = [];
  const urbanRivers = [...new Set(input.urban.map((u) => u.station.river).filter((r): r is string => r !== null))];
  for (const river of urbanRivers) {
    const along = urbanVerdicts
      .filter((u) => u.station.river === river && u.verdicts.current)
      .sort((a, b) => (a.station.riverKm ?? 0) - (b.station.riverKm ?? 0));
    const body = judgeWaterBody(along.map((u) => u.verdicts.current!));
    const name = input.grouping.rivers.find((r) => r.id === river)?.name ?? { zh: river, en: river };
    if (body) waterBodies.push({ river, name, ...body });
  }

  const lang = (l: 'zh-CN' | 'en') => periodLabel(p.current, l);
  return {
    kind: p.current.kind,
    period: periodKey(p.current),
    title: REPORT_TITLE[p.current.kind],
    period_label: { zh: lang('zh-CN'), en: lang('en') },
    compared_with: {
      previous: p.previous ? periodKey(p.previous) : null,
      last_year: p.last_year ? periodKey(p.last_year) : null,
    },
    time_zone: input.timeZone,
    range: input.range,
    generated_at: input.generatedAt,
    scope: input.scope,
    city,
    basins,
    rivers,
    jurisdictions,
    sections,
    plants,
    black_odorous: { points, water_bodies: waterBodies },
    data_basis: input.basis,
    methods: REPORT_METHODS,
  };
}
