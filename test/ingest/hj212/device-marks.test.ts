/** Device marks: what failed standard-sample checks and equipment states make of a station's readings (pure). */
import { describe, expect, it } from 'vitest';
import { effectiveFlag, inEffectOrder } from '../../../src/domain/data-marks.js';
import { zone } from '../../../src/domain/time-window.js';
import {
  deviceMarks,
  recordsRangeFor,
  standardChecks,
  statusItems,
  touchedByRecord,
  DEVICE_MARK_LIMITS,
} from '../../../src/ingest/hj212/device-marks.js';
import type { DeviceRecord } from '../../../src/ingest/hj212/device-state.js';
import { evaluateStandardChecks } from '../../../src/alerts/rules/sensor-health.js';

const H = 3_600_000;
const SHANGHAI = zone('Asia/Shanghai');
const T0 = Date.parse('2026-12-06T00:00:00+08:00');
/** HJ 212 local time of T0 + h hours. */
const local = (h: number) => {
  const d = new Date(T0 + h * H + 8 * H);
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
};

function check(h: number, results: Record<string, [number, number, 0 | 1]>, arrivesAfterH = 0.1): DeviceRecord {
  const fields: Record<string, string> = { DataTime: local(h) };
  for (const [code, [measured, standard, result]] of Object.entries(results)) {
    fields[`${code}-SampleRd`] = String(measured);
    fields[`${code}-StandardValue`] = String(standard);
    fields[`${code}-ResultType`] = String(result);
  }
  return {
    mn: 'M',
    stationId: 's1',
    at: T0 + (h + arrivesAfterH) * H,
    cn: '2062',
    kind: 'check',
    passed: null,
    failed: [],
    fields,
  };
}

function status(h: number, fields: Record<string, string>, cn = '3020'): DeviceRecord {
  return {
    mn: 'M',
    stationId: 's1',
    at: T0 + h * H + 60_000,
    cn,
    kind: 'status',
    passed: null,
    failed: [],
    fields: { DataTime: local(h), ...fields },
  };
}

const flagAt = (records: DeviceRecord[], parameter: 'nh3n' | 'tp' | 'codmn', h: number) =>
  effectiveFlag('N', { stationId: 's1', parameter, ts: T0 + h * H }, inEffectOrder(deviceMarks(records, SHANGHAI)))
    .flag;

describe('standard-sample checks (2062)', () => {
  it('reads -SampleRd, -StandardValue and -ResultType per pollutant, also after a PolId', () => {
    const checks = standardChecks(
      {
        ...check(2, { w21003: [1.32, 1.0, 0] }),
        fields: {
          DataTime: local(2),
          'w21003-SampleRd': '1.32',
          'w21003-StandardValue': '1.00',
          'w21003-ResultType': '0',
          'w21011/SampleRd': '0.2',
          'w21011/StandardValue': '0.2',
          'w21011/ResultType': '1',
          'w99999-ResultType': '1',
          'w01019-SampleRd': '4', // no ResultType: not judged
        },
      },
      SHANGHAI,
    );
    expect(checks).toEqual([
      expect.objectContaining({
        code: 'w21003',
        parameter: 'nh3n',
        passed: false,
        measured: 1.32,
        standard: 1,
        at: T0 + 2 * H,
      }),
      expect.objectContaining({ code: 'w21011', parameter: 'tp', passed: true, measured: 0.2, standard: 0.2 }),
      expect.objectContaining({ code: 'w99999', parameter: undefined, passed: true }),
    ]);
  });

  it('a failed check makes the pollutant suspect from the last passed check to the next one, no other pollutant', () => {
    const records = [
      check(0, { w21003: [1.01, 1, 1], w21011: [0.2, 0.2, 1] }),
      check(8, { w21003: [1.32, 1, 0], w21011: [0.2, 0.2, 1] }),
      check(20, { w21003: [1.0, 1, 1] }),
    ];
    expect(flagAt(records, 'nh3n', -1)).toBe('N');
    expect(flagAt(records, 'nh3n', 0)).toBe('D');
    expect(flagAt(records, 'nh3n', 12)).toBe('D');
    expect(flagAt(records, 'nh3n', 19.99)).toBe('D');
    expect(flagAt(records, 'nh3n', 20)).toBe('N');
    expect(flagAt(records, 'tp', 12)).toBe('N');
  });

  it('without a passed check near it: a day before, and a week after at most', () => {
    const records = [check(-100, { w21003: [1, 1, 1] }), check(48, { w21003: [2, 1, 0] })];
    expect(flagAt(records, 'nh3n', 23.9)).toBe('N');
    expect(flagAt(records, 'nh3n', 24)).toBe('D');
    expect(flagAt(records, 'nh3n', 48 + 7 * 24 - 0.01)).toBe('D');
    expect(flagAt(records, 'nh3n', 48 + 7 * 24)).toBe('N');
  });

  it('the DataTime dates the check; a DataTime ahead of the arrival is not believed', () => {
    const late = check(5, { w21003: [2, 1, 0] }, 3); // made at 05:00, arrived at 08:00
    expect(standardChecks(late, SHANGHAI)[0]!.at).toBe(T0 + 5 * H);
    const ahead = { ...late, at: T0 + 4 * H };
    expect(standardChecks(ahead, SHANGHAI)[0]!.at).toBe(T0 + 4 * H);
  });
});

describe('equipment status (2021 / 3020)', () => {
  it('SB…-RS: 2 calibrate C, 3 maintain M, 4 alarm D, 0 off F, 5 back-blow M; 1 run marks nothing', () => {
    expect(
      statusItems(
        status(0, {
          'SB1-RS': '2',
          'SB2-RS': '3',
          'SB3-RS': '4',
          'SB4-RS': '0',
          'SB5-RS': '5',
          'SB6-RS': '1',
          'SB7-RS': '9',
        }),
      ).map((i) => [i.key, i.flag, i.parameters]),
    ).toEqual([
      ['/SB1', 'C', 'all'],
      ['/SB2', 'M', 'all'],
      ['/SB3', 'D', 'all'],
      ['/SB4', 'F', 'all'],
      ['/SB5', 'M', 'all'],
      ['/SB6', null, 'all'],
    ]);
  });

  it('i12001-Info after a PolId: that parameter only; 0 run, 1 maintain, 2 fault, 3 calibrate', () => {
    expect(
      statusItems(
        status(0, {
          'w21003/i12001-Info': '1',
          'w21011/i12001-Info': '0',
          'w01019/i12001-Info': '2',
          'w21001/i12001-Info': '3',
          'w21003/i12002-Info': '1',
          'x99999/i12001-Info': '1',
        }),
      ).map((i) => [i.key, i.flag, i.parameters]),
    ).toEqual([
      ['w21003/i12001', 'M', ['nh3n']],
      ['w21011/i12001', null, ['tp']],
      ['w01019/i12001', 'D', ['codmn']],
      ['w21001/i12001', 'C', ['tn']],
    ]);
    expect(statusItems(check(0, { w21003: [1, 1, 0] }))).toEqual([]);
  });

  it('a state holds until the instrument reports again (a day at most), like the M/C/D flags', () => {
    const records = [
      status(2, { 'w21003/i12001-Info': '1', 'w21011/i12001-Info': '0' }),
      status(5, { 'w21003/i12001-Info': '0', 'w21011/i12001-Info': '0' }),
      status(30, { 'SB1-RS': '2' }),
    ];
    expect(flagAt(records, 'nh3n', 1.9)).toBe('N');
    expect(flagAt(records, 'nh3n', 2)).toBe('M');
    expect(flagAt(records, 'nh3n', 4.9)).toBe('M');
    expect(flagAt(records, 'nh3n', 5)).toBe('N');
    expect(flagAt(records, 'tp', 3)).toBe('N');
    expect(flagAt(records, 'tp', 31)).toBe('C');
    expect(flagAt(records, 'codmn', 30 + 23.9)).toBe('C');
    expect(flagAt(records, 'codmn', 30 + 24)).toBe('N');
  });

  it('national station capture (hj212-2025.md §5): every instrument at work, nothing marked', () => {
    const fields = {
      DataTime: '20190430101750',
      'w01019/i12001-Info': '0',
      'w01019/i12002-Info': '0',
      'w21003/i12001-Info': '0',
      'w21003/i12002-Info': '0',
    };
    expect(deviceMarks([{ ...status(0, {}), fields }], SHANGHAI)).toEqual([]);
  });
});

describe('what a reader fetches and what is judged again', () => {
  it('the records range covers every record whose marks can reach the query', () => {
    const r = recordsRangeFor(T0, T0 + H);
    const L = DEVICE_MARK_LIMITS;
    expect(r.from).toBeLessThanOrEqual(T0 - L.checkHoldMs - L.checkLookbackMs);
    expect(r.from).toBeLessThanOrEqual(T0 - 2 * L.statusHoldMs);
    expect(r.to).toBeGreaterThanOrEqual(T0 + H + L.checkLookbackMs);
  });

  it('a failed check touches the day before it; a status its own past; nothing else nothing', () => {
    expect(touchedByRecord(check(8, { w21003: [2, 1, 0] }, 0.5), SHANGHAI)).toEqual({
      from: T0 - 16 * H,
      to: T0 + 8.5 * H,
    });
    expect(touchedByRecord(check(8, { w21003: [1, 1, 1] }, 0.5), SHANGHAI)).toEqual({
      from: T0 + 8 * H,
      to: T0 + 8.5 * H,
    });
    expect(touchedByRecord(status(3, { 'SB1-RS': '3' }), SHANGHAI)).toEqual({
      from: T0 + 3 * H,
      to: T0 + 3 * H + 60_000,
    });
    expect(touchedByRecord(status(3, { 'SB1-RT': '20' }), SHANGHAI)).toBeUndefined();
  });
});

describe('the sensor_check_failed rule', () => {
  const base = { stationId: 's1', at: T0 + 24 * H, spanMs: 7 * 24 * H, severity: 'warning' as const, readings: [] };
  const point = (h: number, parameter: 'nh3n' | 'tp', passed: boolean) => ({
    parameter,
    code: parameter === 'nh3n' ? 'w21003' : 'w21011',
    at: T0 + h * H,
    passed,
    measured: passed ? 1 : 1.4,
    standard: 1,
  });
  it('the latest check of each pollutant decides', () => {
    expect(evaluateStandardChecks({ ...base, checks: [] })).toMatchObject({ kind: 'insufficient' });
    expect(evaluateStandardChecks({ ...base, checks: [point(1, 'nh3n', false), point(5, 'nh3n', true)] })).toEqual({
      kind: 'compliant',
    });
    const outcome = evaluateStandardChecks({
      ...base,
      checks: [point(1, 'nh3n', true), point(5, 'nh3n', false), point(6, 'tp', true)],
    });
    expect(outcome).toMatchObject({
      kind: 'violation',
      finding: {
        rule: 'sensor_check_failed',
        windowStart: T0 + 24 * H - 7 * 24 * H,
        windowEnd: T0 + 24 * H,
        items: [{ parameter: 'nh3n', value: 1.4, limit: 1 }],
      },
    });
  });
});
