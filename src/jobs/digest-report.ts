/**
 * The content of the daily compliance digest (日报) for one local day: the class each section reached on the
 * day's means (GB 3838-2002, valid readings only, single-factor method, via the alert core's standards port),
 * each plant effluent and outfall against its discharge standard on the day's means (the `effluent_daily` rule,
 * GB 18918-2002 §4.1.4.2), and the alerts still open, by age. Reads the reading store; renders nothing
 * (digest-message.ts does).
 */
import type { AlertCatalog, AlertStation, LocalizedName } from '../alerts/alert-catalog.js';
import type { AlertService } from '../alerts/alert-service.js';
import { createRuleRunner } from '../alerts/rule-runner.js';
import { limitSide, sectionParameters } from '../alerts/rules/section-compliance.js';
import { classRank, type Standards, type Values } from '../alerts/rules/standards-port.js';
import { expectedCount, requiredCount, splitBySufficiency } from '../alerts/rules/window-means.js';
import { settingsForStation, type AlertSettings } from '../alerts/settings.js';
import type { Alert, AlertState, FindingItem, RuleId, SectionClass, Severity, WaterClass } from '../alerts/types.js';
import { windowMeans, type WindowReadings } from '../alerts/window-data.js';
import type { ParameterCode } from '../domain/parameters.js';
import { localTimeToUtc, toLocalTime } from '../domain/time-window.js';

const DAY = 86_400_000;

/** compliant / non_compliant are certain; insufficient_data: too few valid readings to say; unavailable: unreadable. */
export type DayStatus = 'compliant' | 'non_compliant' | 'insufficient_data' | 'unavailable';

export interface SectionDay {
  stationId: string;
  name: LocalizedName;
  role: string;
  target: WaterClass;
  status: DayStatus;
  /** Class of the day's means; with insufficient data, the class of the items that had enough (at best this). */
  class: SectionClass | null;
  /** 主要污染指标 with their multiples over class III. */
  primaryPollutants: { parameter: ParameterCode; exceedance: number | null }[];
  /** Items worse than the target: day mean, target limit, multiple over the target. */
  exceeding: FindingItem[];
  /** Deciding items with too few valid readings. */
  lacking: ParameterCode[];
  reason?: string;
}

export interface EffluentDay {
  stationId: string;
  name: LocalizedName;
  plantId: string | null;
  plantName: LocalizedName | null;
  status: DayStatus;
  standard?: string;
  exceeding: FindingItem[];
  reason?: string;
}

export const AGE_BUCKETS = [
  { key: 'under_1d', maxMs: DAY },
  { key: '1d_to_3d', maxMs: 3 * DAY },
  { key: '3d_to_7d', maxMs: 7 * DAY },
  { key: 'over_7d', maxMs: Infinity },
] as const;
export type AgeBucket = (typeof AGE_BUCKETS)[number]['key'];

export interface OpenAlertLine {
  id: number;
  rule: RuleId;
  severity: Severity;
  state: AlertState;
  stationId: string;
  stationName: LocalizedName;
  openedAt: number;
  ageMs: number;
  /** The time the alert is about, and when and why it was found after its window closed (null: on time). */
  windowStart: number;
  windowEnd: number;
  detectedAt: number;
  detection: Alert['detection'];
}

export interface OpenAlerts {
  total: number;
  bySeverity: Record<Severity, number>;
  byAge: Record<AgeBucket, number>;
  /** The longest-open ones first. */
  oldest: OpenAlertLine[];
}

export interface DigestReport {
  /** The local day, YYYY-MM-DD. */
  day: string;
  start: number;
  end: number;
  timeZone: string;
  generatedAt: number;
  sections: SectionDay[];
  effluents: EffluentDay[];
  openAlerts: OpenAlerts;
  /**
   * Stored readings of the day under approved data marks (issue 14): their effective flags, not the devices',
   * made the figures above. null where marks are not applied.
   */
  readingsUnderMarks: number | null;
  /**
   * Windows judged again during the day because their data changed after they were judged (ADR 0013), how many of
   * those changed verdict, and touched windows beyond the re-judgment horizon (recorded, not re-judged).
   */
  rejudged?: { windows: number; changed: number; beyondHorizon: number };
}

/** What the digest asks of the mark-applying store (src/marks/marked-reading-store.ts). */
export interface DigestMarks {
  readingsUnderMarks(q: {
    stations: readonly { id: string; parameters: readonly ParameterCode[] }[];
    from: number;
    to: number;
  }): Promise<number>;
}

/** The local day before the one containing `now`: [start, end) and its date. */
export function previousDay(now: number, timeZone: string): { day: string; start: number; end: number } {
  const today = toLocalTime(now, timeZone);
  const end = localTimeToUtc({ year: today.year, month: today.month, day: today.day }, timeZone);
  const start = localTimeToUtc({ year: today.year, month: today.month, day: today.day - 1 }, timeZone);
  const d = toLocalTime(start, timeZone);
  const day = `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
  return { day, start, end };
}

export interface DigestReportDeps {
  catalog: AlertCatalog;
  readings: WindowReadings;
  settings: AlertSettings;
  standards: Standards;
  service: Pick<AlertService, 'rulesFor' | 'list'>;
  timeZone: string;
  /** How many of the longest-open alerts the digest names. */
  oldestShown?: number;
  /** Told about stations whose readings could not be read (they show as unavailable). */
  onError?: (stationId: string, err: unknown) => void;
  /** Data marks, when the readings apply them: the digest counts the readings under marks. */
  marks?: DigestMarks;
}

async function sectionDay(
  deps: DigestReportDeps,
  station: AlertStation,
  start: number,
  end: number,
): Promise<SectionDay> {
  const section = station.section!;
  const target = section.target_class!;
  const base = { stationId: station.id, name: station.name, role: section.role, target };
  const settings = settingsForStation(deps.settings, station.alerts);
  const means = await windowMeans(deps.readings, {
    stationId: station.id,
    parameters: station.parameters,
    from: start,
    to: end,
    timeZone: deps.timeZone,
  });
  const required = sectionParameters(deps.standards, section.waterbody, station.parameters);
  const needed = requiredCount(expectedCount(end - start, station.interval), settings.minValidShare);
  const { sufficient, lacking } = splitBySufficiency(means, required, needed);
  const lackingCodes = lacking.map((l) => l.parameter);
  if (sufficient.size === 0) {
    return {
      ...base,
      status: 'insufficient_data',
      class: null,
      primaryPollutants: [],
      exceeding: [],
      lacking: lackingCodes,
    };
  }
  const values: Values = Object.fromEntries(sufficient);
  const verdict = deps.standards.evaluateSection(values, { waterbody: section.waterbody, target });
  const exceeding: FindingItem[] = [];
  for (const [parameter, value] of sufficient) {
    const item = verdict.items[parameter];
    if (!item?.class || classRank(item.class) <= classRank(target)) continue;
    const limit = deps.standards.classLimit(parameter, target, section.waterbody);
    exceeding.push({
      parameter,
      value,
      class: item.class,
      exceedance: item.exceedanceTarget,
      ...limitSide(limit, value),
    });
  }
  const worse = verdict.class !== null && classRank(verdict.class) > classRank(target);
  // As for the alert windows: a violation is certain from the items that have data; compliance needs them all.
  const status: DayStatus = worse ? 'non_compliant' : lacking.length > 0 ? 'insufficient_data' : 'compliant';
  return {
    ...base,
    status,
    class: verdict.class,
    primaryPollutants: verdict.primaryPollutants.map((parameter) => ({
      parameter,
      exceedance: verdict.items[parameter]?.exceedance ?? null,
    })),
    exceeding,
    lacking: lackingCodes,
  };
}

function judgesEffluent(deps: DigestReportDeps, stationId: string): boolean {
  try {
    return deps.service.rulesFor(stationId).includes('effluent_daily');
  } catch {
    return false;
  }
}

export async function buildDigestReport(
  deps: DigestReportDeps,
  day: { day: string; start: number; end: number },
  now: number,
): Promise<DigestReport> {
  const runner = createRuleRunner({
    catalog: deps.catalog,
    readings: deps.readings,
    settings: deps.settings,
    standards: deps.standards,
    timeZone: deps.timeZone,
  });
  const sections: SectionDay[] = [];
  const effluents: EffluentDay[] = [];
  for (const station of deps.catalog.stations()) {
    if (station.kind === 'river_section' && station.section?.target_class) {
      try {
        sections.push(await sectionDay(deps, station, day.start, day.end));
      } catch (err) {
        deps.onError?.(station.id, err);
        const { role, target_class } = station.section;
        sections.push({
          stationId: station.id,
          name: station.name,
          role,
          target: target_class,
          status: 'unavailable',
          class: null,
          primaryPollutants: [],
          exceeding: [],
          lacking: [],
          reason: (err as Error).message,
        });
      }
    }
    if (judgesEffluent(deps, station.id)) {
      const plant = station.plant !== undefined ? deps.catalog.plant(station.plant) : undefined;
      const base = {
        stationId: station.id,
        name: station.name,
        plantId: plant?.id ?? null,
        plantName: plant?.name ?? null,
        ...(plant ? { standard: plant.discharge_standard } : {}),
      };
      try {
        const outcome = await runner.run('effluent_daily', station, day.start, day.end);
        effluents.push(
          outcome.kind === 'violation'
            ? { ...base, status: 'non_compliant', exceeding: outcome.finding.items }
            : outcome.kind === 'compliant'
              ? { ...base, status: 'compliant', exceeding: [] }
              : { ...base, status: 'insufficient_data', exceeding: [], reason: outcome.reason },
        );
      } catch (err) {
        deps.onError?.(station.id, err);
        effluents.push({ ...base, status: 'unavailable', exceeding: [], reason: (err as Error).message });
      }
    }
  }
  const judged = new Set([...sections, ...effluents].map((s) => s.stationId));
  const readingsUnderMarks = deps.marks
    ? await deps.marks.readingsUnderMarks({
        stations: deps.catalog
          .stations()
          .filter((s) => judged.has(s.id))
          .map((s) => ({ id: s.id, parameters: s.parameters })),
        from: day.start,
        to: day.end,
      })
    : null;
  return {
    ...day,
    timeZone: deps.timeZone,
    generatedAt: now,
    sections,
    effluents,
    openAlerts: await openAlerts(deps, now),
    readingsUnderMarks,
  };
}

async function openAlerts(deps: DigestReportDeps, now: number): Promise<OpenAlerts> {
  const active = await deps.service.list({ state: ['open', 'acknowledged'], limit: 1000 });
  const bySeverity: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  const byAge = Object.fromEntries(AGE_BUCKETS.map((b) => [b.key, 0])) as Record<AgeBucket, number>;
  const lines: OpenAlertLine[] = active.map((a) => ({
    id: a.id,
    rule: a.rule,
    severity: a.severity,
    state: a.state,
    stationId: a.stationId,
    stationName: deps.catalog.station(a.stationId)?.name ?? { zh: a.stationId, en: a.stationId },
    openedAt: a.openedAt,
    ageMs: Math.max(0, now - a.openedAt),
    windowStart: a.windowStart,
    windowEnd: a.windowEnd,
    detectedAt: a.detectedAt,
    detection: a.detection,
  }));
  for (const line of lines) {
    bySeverity[line.severity] += 1;
    byAge[AGE_BUCKETS.find((b) => line.ageMs < b.maxMs)!.key] += 1;
  }
  lines.sort((a, b) => a.openedAt - b.openedAt || a.id - b.id);
  return { total: lines.length, bySeverity, byAge, oldest: lines.slice(0, deps.oldestShown ?? 10) };
}
