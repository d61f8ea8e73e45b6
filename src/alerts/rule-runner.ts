/**
 * Runs one rule for one station and window: fetches the window's data from the reading store and calls the pure
 * rule with the station's settings. Which rules apply to a station is decided here too.
 */
import type { AlertCatalog, AlertStation } from './alert-catalog.js';
import { evaluateLatest, evaluateTrend } from './rules/early-warning.js';
import { evaluateEffluentWindow } from './rules/effluent.js';
import { evaluateSectionWindow } from './rules/section-compliance.js';
import {
  evaluateFlags,
  evaluateOutOfRange,
  evaluateSpikes,
  evaluateStandardChecks,
  evaluateStuck,
} from './rules/sensor-health.js';
import { evaluateOffline } from './rules/station-offline.js';
import type { DischargeStandardRef, Standards } from './rules/standards-port.js';
import { evaluateThresholds } from './rules/threshold.js';
import type { Point } from './rules/trend.js';
import { expectedCount, type WindowMean } from './rules/window-means.js';
import { settingsForStation, type AlertSettings } from './settings.js';
import type { RuleId, RuleOutcome } from './types.js';
import { rawReadings, validOnly, windowMeans, windowMeansNow, type WindowReadings } from './window-data.js';

/**
 * Dead-letter reasons of ingest (src/ingest/rejection.ts) that mean "physically impossible value": such values
 * never reach the store, so the out-of-range rule counts their dead letters; unusual values are stored and it
 * sees them among the readings.
 */
const PHYSICAL_RANGE_REJECTIONS = new Set(['implausible_value']);

/** Rules judged on a window's means; the others look back from the window's end over their own span. */
const WINDOW_RULES: readonly RuleId[] = ['section_compliance', 'effluent_hourly', 'effluent_daily', 'threshold'];

export interface RuleRunner {
  /** The rules that apply to a station (by kind, role, plant and catalog overrides). */
  rulesFor(station: AlertStation): RuleId[];
  /** `from`: where to read the data (default the runner's store; a span reader when judging many windows). */
  run(rule: RuleId, station: AlertStation, start: number, end: number, from?: WindowReadings): Promise<RuleOutcome>;
  /**
   * `run` of a window rule whose data `from` holds in memory already (`aggregateNow`), at once; undefined when it
   * does not (then `run`).
   */
  runNow(
    rule: RuleId,
    station: AlertStation,
    start: number,
    end: number,
    from?: WindowReadings,
  ): RuleOutcome | undefined;
}

export function createRuleRunner(deps: {
  catalog: AlertCatalog;
  readings: WindowReadings;
  settings: AlertSettings;
  standards: Standards;
  timeZone: string;
}): RuleRunner {
  const { catalog, standards } = deps;

  function dischargeStandardOf(station: AlertStation): { standard: DischargeStandardRef; built?: string } | undefined {
    if (station.kind !== 'plant_effluent' && station.kind !== 'industrial_outfall') return undefined;
    const plant = station.plant !== undefined ? catalog.plant(station.plant) : undefined;
    if (!plant) return undefined;
    const custom = catalog.dischargeStandard(plant.discharge_standard);
    return {
      standard: custom ?? plant.discharge_standard,
      ...(plant.built !== undefined ? { built: plant.built } : {}),
    };
  }

  function watchesSection(station: AlertStation, settings: AlertSettings): boolean {
    if (station.kind !== 'river_section' || !station.section?.target_class) return false;
    const override = station.alerts?.evaluate_compliance;
    return override ?? settings.sectionRoles.includes(station.section.role);
  }

  function rulesFor(station: AlertStation): RuleId[] {
    const settings = settingsForStation(deps.settings, station.alerts);
    const rules: RuleId[] = [];
    if (watchesSection(station, settings)) {
      rules.push('section_compliance');
      if (settings.earlyWarning.enabled) rules.push('early_warning', 'trend_warning');
    }
    if (dischargeStandardOf(station) && station.alerts?.evaluate_compliance !== false)
      rules.push('effluent_hourly', 'effluent_daily');
    if (Object.keys(settings.thresholds).length > 0) rules.push('threshold');
    rules.push('station_offline', 'sensor_stuck', 'sensor_out_of_range', 'sensor_spikes', 'sensor_flags');
    if (station.hj212 && deps.readings.standardChecks) rules.push('sensor_check_failed');
    return rules;
  }

  async function runRule(
    rule: RuleId,
    station: AlertStation,
    start: number,
    end: number,
    readings: WindowReadings = deps.readings,
  ): Promise<RuleOutcome> {
    if (WINDOW_RULES.includes(rule))
      return judgeMeans(rule, station, start, end, await windowMeans(readings, meansQuery(station, start, end)));
    return runLookBack(rule, station, end, readings);
  }

  const meansQuery = (station: AlertStation, start: number, end: number) => ({
    stationId: station.id,
    parameters: station.parameters,
    from: start,
    to: end,
    timeZone: deps.timeZone,
  });

  function runNow(
    rule: RuleId,
    station: AlertStation,
    start: number,
    end: number,
    readings: WindowReadings = deps.readings,
  ): RuleOutcome | undefined {
    if (!WINDOW_RULES.includes(rule)) return undefined;
    const means = windowMeansNow(readings, meansQuery(station, start, end));
    return means && judgeMeans(rule, station, start, end, means);
  }

  /** A window rule on the window's means. */
  function judgeMeans(
    rule: RuleId,
    station: AlertStation,
    start: number,
    end: number,
    means: WindowMean[],
  ): RuleOutcome {
    const settings = settingsForStation(deps.settings, station.alerts);
    const base = { stationId: station.id, windowStart: start, windowEnd: end };
    const expected = expectedCount(end - start, station.interval);
    if (rule === 'section_compliance') {
      const section = station.section!;
      return evaluateSectionWindow(
        {
          ...base,
          waterbody: section.waterbody,
          target: section.target_class!,
          parameters: station.parameters,
          means,
          expectedCount: expected,
          minValidShare: settings.minValidShare,
        },
        standards,
      );
    }
    if (rule === 'threshold') {
      return evaluateThresholds({
        ...base,
        thresholds: settings.thresholds,
        means,
        expectedCount: expected,
        minValidShare: settings.minValidShare,
        severity: 'warning',
      });
    }
    const discharge = dischargeStandardOf(station)!;
    return evaluateEffluentWindow(
      {
        ...base,
        rule: rule as 'effluent_hourly' | 'effluent_daily',
        standard: discharge.standard,
        ...(discharge.built !== undefined ? { plantBuilt: discharge.built } : {}),
        parameters: station.parameters,
        means,
        expectedCount: expected,
        minValidShare: settings.minValidShare,
        severity: rule === 'effluent_daily' ? settings.effluent.dailySeverity : settings.effluent.hourlySeverity,
      },
      standards,
    );
  }

  /** The rules that look back from the window's end over their own span, on raw readings. */
  async function runLookBack(
    rule: RuleId,
    station: AlertStation,
    end: number,
    readings: WindowReadings,
  ): Promise<RuleOutcome> {
    const settings = settingsForStation(deps.settings, station.alerts);
    if (rule === 'early_warning' || rule === 'trend_warning') {
      const section = station.section!;
      const ew = settings.earlyWarning;
      const span = rule === 'early_warning' ? ew.maxAge : ew.trendSpan;
      const points = validOnly(
        await rawReadings(readings, {
          stationId: station.id,
          from: end - span,
          to: end,
          parameters: station.parameters,
        }),
      );
      const common = {
        stationId: station.id,
        at: end,
        waterbody: section.waterbody,
        target: section.target_class!,
        parameters: station.parameters,
        severity: ew.severity,
      };
      if (rule === 'early_warning') {
        const latest = new Map<
          string,
          { parameter: (typeof points)[number]['parameter']; ts: number; value: number }
        >();
        for (const p of points) if ((latest.get(p.parameter)?.ts ?? -Infinity) <= p.ts) latest.set(p.parameter, p);
        return evaluateLatest({ ...common, latest: [...latest.values()], maxAgeMs: ew.maxAge }, standards);
      }
      const series = new Map<(typeof points)[number]['parameter'], Point[]>();
      for (const p of points) series.set(p.parameter, [...(series.get(p.parameter) ?? []), { t: p.ts, v: p.value }]);
      return evaluateTrend(
        {
          ...common,
          series,
          spanMs: ew.trendSpan,
          minPoints: ew.trendMinPoints,
          minR2: ew.trendMinR2,
          horizonMs: ew.horizon,
        },
        standards,
      );
    }
    if (rule === 'station_offline') {
      const gap = settings.offline.after ?? station.interval * settings.offline.gapFactor;
      const points = await rawReadings(readings, { stationId: station.id, from: end - gap, to: end });
      const valid = validOnly(points).length;
      let lastSeenAt: number | null = null;
      if (valid === 0 && readings.latest) {
        // As of the window's end: a reading that came in later (the station is back) must not hide the last
        // one before the gap.
        const latest = await readings.latest({ stationIds: [station.id], validOnly: true, before: end });
        lastSeenAt = latest.length > 0 ? Math.max(...latest.map((l) => l.ts)) : null;
      }
      return evaluateOffline({
        stationId: station.id,
        at: end,
        intervalMs: gap,
        gapFactor: 1,
        validInGap: valid,
        invalidInGap: points.length - valid,
        lastSeenAt,
        severity: settings.offline.severity,
      });
    }
    // Sensor health.
    const h = settings.health;
    if (rule === 'sensor_check_failed') {
      const checks = readings.standardChecks
        ? await readings.standardChecks({ stationId: station.id, from: end - h.checkSpan, to: end })
        : [];
      return evaluateStandardChecks({
        stationId: station.id,
        at: end,
        spanMs: h.checkSpan,
        severity: h.severity,
        readings: [],
        checks,
      });
    }
    const span = Math.max(h.span, h.stuckSpan + station.interval);
    const all = await rawReadings(readings, { stationId: station.id, from: end - span, to: end });
    const inSpan = all.filter((r) => r.ts >= end - h.span);
    const common = { stationId: station.id, at: end, spanMs: h.span, severity: h.severity };
    switch (rule) {
      case 'sensor_stuck':
        return evaluateStuck({
          ...common,
          readings: all,
          stuckSpanMs: h.stuckSpan,
          minReadings: h.stuckMinReadings,
          exempt: h.stuckExempt,
        });
      case 'sensor_out_of_range': {
        let rejected = 0;
        if (readings.deadLetters) {
          const letters = await readings.deadLetters({
            stationId: station.id,
            from: end - h.span,
            to: end,
            // The store's page maximum: more than a thousand rejections in a day is plenty to alert on.
            limit: 1_000,
          });
          rejected = letters.filter((l) => PHYSICAL_RANGE_REJECTIONS.has(l.reason)).length;
        }
        return evaluateOutOfRange({ ...common, readings: inSpan, ranges: h.ranges, rejectedOutOfRange: rejected });
      }
      case 'sensor_spikes':
        return evaluateSpikes({ ...common, readings: inSpan, z: h.spikeZ, minCount: h.spikeMinCount });
      case 'sensor_flags':
        return evaluateFlags({ ...common, readings: inSpan, share: h.flagShare, flags: h.flags });
      default:
        throw new Error(`rule ${rule} has no evaluator`);
    }
  }

  return { rulesFor, run: runRule, runNow };
}
