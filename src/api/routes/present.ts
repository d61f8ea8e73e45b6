/**
 * Service results → the JSON of schemas.ts: times as ISO 8601 in the request's zone, every value rounded to the
 * parameter's display precision (display-precision.ts; the store keeps full precision).
 */
import type { Station } from '../../catalog/index.js';
import { formatDuration } from '../../domain/duration.js';
import { displayExceedance, displayShare, displayValueOrNull } from '../../domain/display-precision.js';
import type { DataFlag } from '../../domain/flags.js';
import type { ParameterCode } from '../../domain/parameters.js';
import type { WindowVerdict } from '../../services/judge-window.js';
import type { QualitySummary, QualityWindow } from '../../services/quality.js';
import type { ParameterSeries } from '../../services/series.js';
import type { StationStandard } from '../../services/station-standard.js';
import type { StationStatus } from '../../services/station-status.js';

export type Fmt = (ts: number) => string;

/** Rounds a value of `code` to its display precision. */
export const roundValue = (code: ParameterCode, value: number | null | undefined): number | null =>
  displayValueOrNull(code, value);

export function stationRef(s: Station) {
  return { id: s.id, name: { zh: s.name.zh, en: s.name.en }, kind: s.kind };
}

export function stationInfo(s: Station) {
  return {
    ...stationRef(s),
    location: { lat: s.location.lat, lon: s.location.lon },
    river: s.river ?? null,
    river_km: s.river_km ?? null,
    section: s.section
      ? {
          role: s.section.role,
          level: s.section.level,
          target_class: s.section.target_class ?? null,
          waterbody: s.section.waterbody,
        }
      : null,
    plant: s.plant ?? null,
    jurisdiction: s.jurisdiction,
    maintainer: s.maintainer,
    parameters: [...s.parameters],
    interval: formatDuration(s.interval),
    public: s.public,
  };
}

const GB3838_NAME = {
  zh: 'GB 3838-2002 地表水环境质量标准',
  en: 'GB 3838-2002 Environmental quality standards for surface water',
};
const BLACK_ODOROUS_NAME = {
  zh: '城市黑臭水体整治工作指南（2015）',
  en: 'Urban black and odorous water remediation guideline (2015)',
};

export function standardJson(standard: StationStandard) {
  switch (standard.kind) {
    case 'gb3838':
      return { kind: standard.kind, name: GB3838_NAME, waterbody: standard.waterbody, target_class: standard.target };
    case 'discharge':
      return {
        kind: standard.kind,
        name: standard.name,
        id: standard.id,
        plant: standard.plant,
        plant_built: standard.plantBuilt,
      };
    case 'black-odorous':
      return { kind: standard.kind, name: BLACK_ODOROUS_NAME, depth_cm: standard.depthCm };
    case 'none':
      return { kind: standard.kind, name: null };
  }
}

export function verdictJson(v: WindowVerdict) {
  const items: Record<string, unknown> = {};
  for (const [code, item] of Object.entries(v.items) as [
    ParameterCode,
    NonNullable<WindowVerdict['items'][ParameterCode]>,
  ][]) {
    items[code] = {
      ...item,
      mean: roundValue(code, item.mean),
      ...('exceedance' in item && { exceedance: displayExceedance(item.exceedance) }),
      ...('exceedance_target' in item && { exceedance_target: displayExceedance(item.exceedance_target) }),
    };
  }
  return { ...v, items };
}

export function summaryJson(s: QualitySummary, fmt: Fmt) {
  return {
    ...s,
    compliance_rate: displayShare(s.compliance_rate),
    worst_class_window: s.worst_class_window === null ? null : fmt(s.worst_class_window),
  };
}

export function qualityWindowJson(w: QualityWindow, fmt: Fmt) {
  return {
    start: fmt(w.start),
    end: fmt(w.end),
    judged_from: fmt(w.judgedFrom),
    judged_to: fmt(w.judgedTo),
    expected: w.expected,
    required: w.required,
    excluded: w.excluded,
    ...verdictJson(w.verdict),
  };
}

/** A river's names by id (the catalog's `river()`), for `river_name`. */
export type RiverNames = (id: string) => { name: { zh: string; en: string } } | undefined;

function riverName(s: Station, rivers: RiverNames) {
  const river = s.river === undefined ? undefined : rivers(s.river);
  return river ? { zh: river.name.zh, en: river.name.en } : null;
}

/**
 * A station as the catalog alone describes it, without readings (`GET /stations?latest=false`, and what the
 * dashboard draws while the database does not answer): freshness `unknown`, no latest readings, no verdict.
 */
export function catalogStationJson(s: Station, rivers: RiverNames) {
  return {
    ...stationInfo(s),
    river_name: riverName(s, rivers),
    freshness: { status: 'unknown' as const, last_reading_at: null, age_minutes: null },
    latest: {} as Record<string, { time: string; value: number; flag: DataFlag }>,
    current: null,
  };
}

export function statusJson(s: StationStatus, fmt: Fmt, rivers: RiverNames) {
  const latest: Record<string, { time: string; value: number; flag: DataFlag }> = {};
  for (const [code, r] of Object.entries(s.latest)) {
    latest[code] = { time: fmt(r.ts), value: roundValue(code as ParameterCode, r.value)!, flag: r.flag };
  }
  return {
    ...stationInfo(s.station),
    river_name: riverName(s.station, rivers),
    freshness: {
      status: s.freshness.status,
      last_reading_at: s.freshness.lastReadingAt === null ? null : fmt(s.freshness.lastReadingAt),
      age_minutes: s.freshness.ageMs === null ? null : Math.round(s.freshness.ageMs / 60_000),
    },
    latest,
    current: s.current ? currentJson(s.current, fmt) : null,
  };
}

function currentJson({ evaluatedAt, ...verdict }: NonNullable<StationStatus['current']>, fmt: Fmt) {
  return { ...verdictJson(verdict), evaluated_at: evaluatedAt === null ? null : fmt(evaluatedAt) };
}

export type Aggregate = 'mean' | 'min' | 'max';

export function seriesJson(series: readonly ParameterSeries[], aggregates: readonly Aggregate[], fmt: Fmt) {
  const mean = aggregates.includes('mean');
  const min = aggregates.includes('min');
  const max = aggregates.includes('max');
  return series.map((s) => ({
    parameter: s.parameter,
    name: s.name,
    unit: s.unit,
    points: s.points.map((b) => ({
      ts: b.start,
      start: fmt(b.start),
      ...(mean ? { mean: roundValue(s.parameter, b.mean) } : {}),
      ...(min ? { min: roundValue(s.parameter, b.min) } : {}),
      ...(max ? { max: roundValue(s.parameter, b.max) } : {}),
      count: b.count,
      excluded: b.excluded,
    })),
  }));
}
