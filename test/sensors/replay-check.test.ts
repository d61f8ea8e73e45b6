/**
 * `qingliu simulate --replay … --check` on every national file of test/fixtures/real (issue 11): every reading is
 * accepted by the ingester's decoder — the normal ones (站点情况 正常) above all —, the known sensor faults are
 * reported as unusual, and Qingliu's class agrees with the official one. The figures are those of
 * docs/standards.md §9; the integration test beside this one (replay-ingest) shows the check says what the real
 * ingester does.
 */
import { describe, expect, it } from 'vitest';
import { createZone } from '../../sensors/simulator/index.js';
import { checkReplay, officialClass, readReplayCsv, type ReplayCheck } from '../../sensors/replay/index.js';
import { stationDirectory } from '../../src/ingest/station-directory.js';
import { readRealCsv, realDataMapping } from '../fixtures/real/real-data.js';

const zone = createZone('Asia/Shanghai');
const NOW = Date.parse('2026-12-01T00:00:00+08:00');
const LIMITS = { maxPayloadBytes: 256 * 1024, maxFutureSkewSeconds: 300 };

const checked = new Map<string, Promise<ReplayCheck>>();
/** Each file is checked once (the 4-hourly one takes seconds). */
function check(name: string): Promise<ReplayCheck> {
  let report = checked.get(name);
  if (!report) {
    report = realDataMapping(name).then((mapping) => {
      const data = readReplayCsv(readRealCsv(name), { mapping, fileName: name });
      return checkReplay({ messages: data.messages, zone, now: NOW, ...LIMITS });
    });
    checked.set(name, report);
  }
  return report;
}

/** The files replayed: all but the Taihu lab series, which has no time column (monthly, 年份 and 月份 apart). */
const EXPECTED: Record<
  string,
  { messages: number; readings: number; normal?: number; unusual: Record<string, number> }
> = {
  'cnemc_4h_2021-04-01_to_04-05_1698stations.csv': {
    messages: 40_120,
    readings: 358_151,
    normal: 338_269,
    unusual: { conductivity: 92 },
  },
  'cnemc_daily_100stations_2020-05-10_to_2021-04-05.csv': {
    messages: 22_954,
    readings: 196_633,
    normal: 177_931,
    unusual: {},
  },
  'cnemc_snapshot_2020-05-08_and_05-09_1901stations.csv': {
    messages: 3627,
    readings: 31_952,
    normal: 23_450,
    unusual: { chla: 12 },
  },
  'cnemc_snapshot_2026-02-04_1156stations_geocoded.csv': { messages: 1145, readings: 10_047, unusual: {} },
  'cnemc_snapshot_2026-08-21_480stations.csv': { messages: 479, readings: 4153, unusual: {} },
  'zhejiang_zhakou_hourly_2020.csv': { messages: 8478, readings: 50_861, unusual: { conductivity: 8, nh3n: 6 } },
  'qiantang_project_station_4h_2021_with_class.csv': { messages: 1775, readings: 15_975, unusual: { conductivity: 2 } },
  'wwtp1_hourly_2024-06-07_to_06-12.csv': { messages: 200, readings: 1200, unusual: {} },
  'enterprise_outlet_hourly_2021_monitorAvgValue.csv': { messages: 4561, readings: 4561, unusual: {} },
};

describe('replay check of every national file (real data)', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: accepts every reading, reports the unusual ones`, async () => {
      const report = await check(name);
      expect(report.refused).toEqual({});
      expect(report.messages).toBe(expected.messages);
      expect(report.readings).toBe(expected.readings);
      expect(report.accepted).toBe(expected.readings);
      if (expected.normal !== undefined) {
        expect(report.byStatus['正常']).toMatchObject({
          readings: expected.normal,
          accepted: expected.normal,
          refused: {},
        });
      }
      expect(report.unusualByParameter).toEqual(expected.unusual);
    });
  }

  it('points at the 闸口 NH3-N analyser fault', async () => {
    const report = await check('zhejiang_zhakou_hourly_2020.csv');
    const nh3n = report.examples.unusual.filter((e) => e.parameter === 'nh3n').map((e) => e.value);
    expect(nh3n).toEqual([168.9, 1601, 70_765, 62_760]);
  });

  it("agrees with the 4-hourly file's official classes (99.0 % with river or lake limits)", async () => {
    const { classes, stations } = await check('cnemc_4h_2021-04-01_to_04-05_1698stations.csv');
    // 1,698 sections, 37 of them stopped for the whole five days (no time, no reading).
    expect(stations).toBe(1661);
    expect(classes).toEqual({ compared: 37_330, river: 35_441, riverOrLake: 36_957 });
  });

  it('reads the official class in both notations and leaves out what was not evaluated', () => {
    expect(['Ⅰ', 'Ⅲ', '劣Ⅴ', '1', '3', '6'].map(officialClass)).toEqual(['I', 'III', '劣V', 'I', 'III', '劣V']);
    for (const text of [undefined, '', '-', '*', '--', '-1', '7']) expect(officialClass(text)).toBeUndefined();
  });
});

describe('replay check: refusals counted per reading, with the reason and the file status', () => {
  const csv = [
    'station,time,DO(mg/L),pH,NH3-N,Cl,站点情况',
    'a,2026-11-01 08:00,7.5,7.2,0.3,12,正常',
    'a,2026-11-01 12:00,75,15,0.4,,正常', // DO above pure-O2 solubility and pH 15: impossible
    'b,2026-11-01 08:00,29.95,8.9,200,,维护', // supersaturated DO and NH3-N 200: possible, unusual
  ].join('\n');
  const data = readReplayCsv(csv, {
    mapping: { stations: {}, columns: {}, utc_offset: '+08:00', every_station: true },
  });

  it('judges unknown stations by what they report', () => {
    const report = checkReplay({ messages: data.messages, zone, now: NOW, ...LIMITS });
    expect(report.stationsNotInCatalog).toBe(2);
    expect(report.refused).toEqual({ implausible_value: 2 });
    expect(report.byStatus['正常']).toMatchObject({ readings: 6, accepted: 4, refused: { implausible_value: 2 } });
    expect(report.byStatus['维护']).toMatchObject({ readings: 3, accepted: 3, unusual: 1 });
    expect(report.unusualByParameter).toEqual({ nh3n: 1 });
    expect(report.examples.refused[0]).toMatchObject({ row: 2, name: 'a', reason: 'implausible_value' });
    expect(report.examples.refused[0]!.detail).toContain('values.do: 75 mg/L is physically impossible');
  });

  it('judges catalog stations by the catalog: a parameter the station does not measure is refused', () => {
    const catalog = stationDirectory([{ id: 's0001', parameters: ['do', 'ph'] }]);
    const report = checkReplay({ messages: data.messages, zone, now: NOW, catalog, ...LIMITS });
    expect(report.stationsNotInCatalog).toBe(1);
    expect(report.refused).toEqual({ implausible_value: 2, parameter_not_at_station: 2 });
  });

  it('refuses what the receiver would call the future, against its clock', () => {
    const report = checkReplay({
      messages: data.messages,
      zone,
      now: Date.parse('2026-10-01T00:00:00+08:00'),
      ...LIMITS,
    });
    expect(report.refused).toEqual({ future_timestamp: 9 });
  });
});
