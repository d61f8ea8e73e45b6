/**
 * Sensor health on a real analyser fault: 闸口 (Qiantang river, Zhejiang's automatic-station platform, 2020;
 * test/fixtures/real/zhejiang_zhakou_hourly_2020.csv). On 10–11 February the NH3-N analyser read 1,601, 70,765,
 * 62,760, 65,391 and 37,642 mg/L in a river of 0.1–0.7 mg/L, while TN read a constant 0.16 and TP 0.0 for days.
 * None of it is physically impossible, so ingest stores it (docs/standards.md §8); sensor health must point the
 * maintainer at it, with the default settings.
 */
import { describe, expect, it } from 'vitest';
import {
  evaluateOutOfRange,
  evaluateSpikes,
  evaluateStuck,
  type RawPoint,
} from '../../src/alerts/rules/sensor-health.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import { parseInlineMapping, readReplayCsv } from '../../sensors/replay/index.js';
import { readRealCsv } from '../fixtures/real/real-data.js';

const FILE = 'zhejiang_zhakou_hourly_2020.csv';
const points: RawPoint[] = readReplayCsv(readRealCsv(FILE), {
  mapping: parseInlineMapping('*'),
  fileName: FILE,
}).messages.flatMap((m) =>
  Object.entries(m.values).map(([parameter, value]) => ({
    parameter: parameter as ParameterCode,
    ts: m.ts,
    value,
    flag: 'N' as const,
  })),
);

describe('sensor health on the 闸口 NH3-N analyser fault (real data, February 2020)', () => {
  const h = defaultAlertSettings().health;
  const at = Date.parse('2020-02-11T16:00:00+08:00');
  const span = (ms: number) => points.filter((p) => p.ts >= at - ms && p.ts < at);
  const common = { stationId: 's0001', at, spanMs: h.span, severity: h.severity };

  it('flags NH3-N outside its usual range (HJ 101-2019: 0.1–150 mg/L), with the worst reading', () => {
    const outcome = evaluateOutOfRange({ ...common, readings: span(h.span), ranges: h.ranges });
    expect(outcome.kind).toBe('violation');
    const items = outcome.kind === 'violation' ? outcome.finding.items : [];
    // Conductivity too: one reading of 8.5 µS/cm in a river of 183 (11 February, 06:00, an odd row of the file).
    expect(items.map((i) => i.parameter)).toEqual(['nh3n', 'conductivity']);
    expect(items[1]).toMatchObject({ value: 8.5, limit: 10, direction: 'min' });
    expect(items[0]).toMatchObject({
      value: 70_765,
      limit: 150,
      direction: 'max',
      note: '5 readings outside the usual range',
    });
  });

  it('flags TN and TP stuck at 0.16 and 0.0', () => {
    const span = Math.max(h.span, h.stuckSpan + 4 * 3_600_000);
    const outcome = evaluateStuck({
      ...common,
      readings: points.filter((p) => p.ts >= at - span && p.ts < at),
      stuckSpanMs: h.stuckSpan,
      minReadings: h.stuckMinReadings,
      exempt: h.stuckExempt,
    });
    const items = outcome.kind === 'violation' ? outcome.finding.items : [];
    expect(Object.fromEntries(items.map((i) => [i.parameter, i.value]))).toMatchObject({ tn: 0.16, tp: 0 });
  });

  it('is quiet for the same station on a normal day of March', () => {
    const march = Date.parse('2020-03-16T00:00:00+08:00');
    const readings = points.filter((p) => p.ts >= march - h.span && p.ts < march);
    expect(readings.length).toBeGreaterThan(100);
    expect(evaluateOutOfRange({ ...common, at: march, readings, ranges: h.ranges }).kind).toBe('compliant');
    expect(evaluateSpikes({ ...common, at: march, readings, z: h.spikeZ, minCount: h.spikeMinCount }).kind).toBe(
      'compliant',
    );
  });
});
