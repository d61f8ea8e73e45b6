/**
 * Builds a report: the catalog's stations in the caller's scope, their valid-reading buckets for the period,
 * the period before it and the same period a year earlier (read through `EffectiveReadings`), the data basis
 * (marks applied, windows re-judged since the last issue), and the pure model (src/domain/report/) on top.
 */
import type { ReportScope } from '../api/auth/access-policy.js';
import type { Catalog, Station } from '../catalog/index.js';
import { BLACK_ODOROUS_INDICATORS } from '../domain/black-odorous.js';
import type { BuiltinDischargeStandard, CustomDischargeStandard } from '../domain/discharge-standard-definition.js';
import { isBuiltinDischargeStandard } from '../domain/gb18918.js';
import { periodBounds, periodKey, samePeriodLastYear, shiftPeriod, type Period } from '../domain/report/period.js';
import { buildReport, type WaterReport } from '../domain/report/report-model.js';
import type { PeriodPieces, Periods, PlantStation, SectionStation, UrbanStation } from '../domain/report/types.js';
import { VALID_FLAGS } from '../domain/flags.js';
import { DEFAULT_MIN_VALID_SHARE } from '../domain/window-sufficiency.js';
import { mapLimit } from '../services/map-limit.js';
import { standardOf } from '../services/station-standard.js';
import { noDataMarksYet, type DataMarks } from './data-marks.js';
import type { EffectiveReadings } from './effective-readings.js';

/** Whose report: everything (bureau, admin), an operator's plants, or the public sections (viewer). */
export type { ReportScope };

export interface ReportServiceDeps {
  readings: EffectiveReadings;
  catalog: () => Catalog;
  timeZone: string;
  now: () => number;
  marks?: DataMarks;
  /** The last issue of the same report (scheduled job), for the data basis. */
  lastIssue?: (
    kind: Period['kind'],
    period: string,
  ) => Promise<{ version: number; issued_at: number } | null | undefined>;
  /** Stations read at once. */
  concurrency?: number;
}

const SCOPE_NAMES: Record<ReportScope['kind'], { zh: string; en: string }> = {
  all: { zh: '全市', en: 'whole city' },
  operator: { zh: '本单位运营的排污单位', en: 'the plants this operator runs' },
  public: { zh: '公开断面', en: 'public sections' },
};

function inScope(station: Station, scope: ReportScope): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'public') return station.public && station.kind !== 'plant_influent';
  return station.plant !== undefined && scope.plants.includes(station.plant);
}

/** The root of a river's tributary tree: the basin it belongs to. */
function basinOf(catalog: Catalog, riverId: string): string {
  let current = catalog.river(riverId);
  const seen = new Set<string>();
  while (current?.tributary_of !== undefined && !seen.has(current.id)) {
    seen.add(current.id);
    current = catalog.river(current.tributary_of) ?? current;
  }
  return current?.id ?? riverId;
}

function base(station: Station) {
  return {
    id: station.id,
    name: { zh: station.name.zh, en: station.name.en },
    parameters: [...station.parameters],
    intervalMs: station.interval,
    minValidShare: station.alerts?.min_valid_share ?? DEFAULT_MIN_VALID_SHARE,
    jurisdiction: station.jurisdiction,
    public: station.public,
    location: { lat: station.location.lat, lon: station.location.lon },
  };
}

export interface ReportService {
  /** `now`: the instant the report is made for (a scheduled run's time); default the service's clock. */
  build(period: Period, scope: ReportScope, options?: { now?: number }): Promise<WaterReport>;
}

export function createReportService(deps: ReportServiceDeps): ReportService {
  const marks = deps.marks ?? noDataMarksYet;
  return {
    async build(period, scope, options = {}) {
      const catalog = deps.catalog();
      const tz = deps.timeZone;
      const now = options.now ?? deps.now();
      const periods: Periods<Period> = {
        current: period,
        previous: shiftPeriod(period, -1),
        last_year: samePeriodLastYear(period),
      };
      const bounds = {
        current: periodBounds(periods.current, tz),
        previous: periodBounds(periods.previous!, tz),
        last_year: periodBounds(periods.last_year!, tz),
      };
      const stations = catalog.stations.filter((s) => inScope(s, scope));

      const fetch = async (station: Station): Promise<Periods<PeriodPieces | null>> => {
        const one = async (range: { from: number; to: number }): Promise<PeriodPieces | null> => {
          const to = Math.min(range.to, now);
          if (!(range.from < to)) return null;
          const pieces = await deps.readings.pieces({
            stationId: station.id,
            parameters: station.parameters,
            from: range.from,
            to,
            timeZone: tz,
          });
          // A period without a single valid reading has no figures: "n/a", not a row of zeros.
          return Object.keys(pieces).length === 0 ? null : { from: range.from, to, pieces };
        };
        const [current, previous, lastYear] = await Promise.all([
          one(bounds.current),
          one(bounds.previous),
          one(bounds.last_year),
        ]);
        return {
          current: current ?? { from: bounds.current.from, to: Math.min(bounds.current.to, now), pieces: {} },
          previous,
          last_year: lastYear,
        };
      };

      const sections: { station: SectionStation; data: Periods<PeriodPieces | null> }[] = [];
      const plants: { station: PlantStation; data: Periods<PeriodPieces | null> }[] = [];
      const urban: { station: UrbanStation; data: Periods<PeriodPieces | null> }[] = [];
      await mapLimit(stations, deps.concurrency ?? 8, async (station) => {
        const standard = standardOf(catalog, station);
        if (standard.kind === 'gb3838' && station.section) {
          sections.push({
            station: {
              ...base(station),
              river: station.river ?? null,
              role: station.section.role,
              level: station.section.level,
              target: station.section.target_class ?? null,
              waterbody: station.section.waterbody,
            },
            data: await fetch(station),
          });
        } else if (standard.kind === 'discharge') {
          const plant = catalog.plant(standard.plant)!;
          plants.push({
            station: {
              ...base(station),
              plant: {
                id: plant.id,
                name: { ...plant.name },
                built: standard.plantBuilt,
                operator: plant.operator_unit,
              },
              standard: {
                id: standard.id,
                name: standard.name,
                definition: (isBuiltinDischargeStandard(standard.id) ? standard.id : standard.definition) as
                  BuiltinDischargeStandard | CustomDischargeStandard,
              },
            },
            data: await fetch(station),
          });
        } else if (standard.kind === 'black-odorous') {
          urban.push({
            station: {
              ...base(station),
              parameters: station.parameters.filter((p) => (BLACK_ODOROUS_INDICATORS as readonly string[]).includes(p)),
              river: station.river ?? null,
              riverKm: station.river_km ?? null,
              depthCm: standard.depthCm,
            },
            data: await fetch(station),
          });
        }
      });
      const order = new Map(catalog.stations.map((s, i) => [s.id, i]));
      const byCatalog = (a: { station: { id: string } }, b: { station: { id: string } }) =>
        order.get(a.station.id)! - order.get(b.station.id)!;
      sections.sort(byCatalog);
      plants.sort(byCatalog);
      urban.sort(byCatalog);

      const ids = stations.map((s) => s.id);
      const last = (await deps.lastIssue?.(period.kind, periodKey(period))) ?? null;
      const [applied, rejudged] = await Promise.all([
        marks.marksApplied({ stationIds: ids, from: bounds.last_year.from, to: bounds.current.to }),
        last
          ? marks.rejudgedSince({
              stationIds: ids,
              from: bounds.current.from,
              to: bounds.current.to,
              since: last.issued_at,
            })
          : Promise.resolve([]),
      ]);
      const jurisdictionIds = new Set(stations.map((s) => s.jurisdiction));
      return buildReport({
        periods,
        timeZone: tz,
        range: bounds.current,
        generatedAt: now,
        scope: { id: scope.kind, name: SCOPE_NAMES[scope.kind] },
        grouping: {
          city: { zh: catalog.city.zh, en: catalog.city.en },
          rivers: catalog.rivers.map((r) => ({ id: r.id, name: { ...r.name }, basin: basinOf(catalog, r.id) })),
          jurisdictions: catalog.units
            .filter((u) => jurisdictionIds.has(u.id))
            .map((u) => ({ id: u.id, name: { ...u.name } })),
        },
        sections,
        plants,
        urban,
        basis: {
          valid_flags: VALID_FLAGS,
          min_valid_share: DEFAULT_MIN_VALID_SHARE,
          flag_source: deps.readings.flagSource,
          marks_available: marks.available,
          marks_applied: applied,
          rejudged_since_last_issue: rejudged,
          last_issue: last,
          complete: bounds.current.to <= now,
        },
      });
    },
  };
}
