/** A small but complete report (sections with comparisons, a plant, black-odorous points) for the renderer tests. */
import type { ParameterCode } from '../../src/domain/parameters.js';
import {
  parsePeriod,
  periodBounds,
  samePeriodLastYear,
  shiftPeriod,
  type Period,
} from '../../src/domain/report/period.js';
import { buildReport, type WaterReport } from '../../src/domain/report/report-model.js';
import type { PeriodPieces, SectionStation } from '../../src/domain/report/types.js';

const TZ = 'Asia/Shanghai';
const DAY = 86_400_000;

function constant(period: Period, values: Partial<Record<ParameterCode, number>>, perDay = 6): PeriodPieces {
  const { from, to } = periodBounds(period, TZ);
  const days = Math.round((to - from) / DAY);
  const pieces: PeriodPieces['pieces'] = {};
  for (const [code, value] of Object.entries(values) as [ParameterCode, number][])
    pieces[code] = Array.from({ length: days }, (_, d) => ({ start: from + d * DAY, count: perDay, mean: value }));
  return { from, to, pieces };
}

export function sampleReport(count = 8): WaterReport {
  const now = parsePeriod('monthly', '2026-11');
  const prev = shiftPeriod(now, -1);
  const last = samePeriodLastYear(now);
  const section = (i: number): SectionStation => ({
    id: `s${i}`,
    name: { zh: `测试断面${i}号`, en: `Test section ${i}` },
    parameters: ['ph', 'do', 'codmn', 'nh3n', 'tp', 'temp'],
    intervalMs: 4 * 3_600_000,
    minValidShare: 0.75,
    jurisdiction: i % 2 === 0 ? 'east' : 'west',
    public: i % 3 === 0,
    river: i < count / 2 ? 'main' : 'branch',
    role: i === 0 ? 'outbound' : 'control',
    level: 'municipal',
    target: 'III',
    waterbody: 'river',
    location: { lat: 31 + i * 0.01, lon: 120 + i * 0.02 },
  });
  const values = (i: number, shift = 0) => ({
    ph: 7.4,
    do: 6.5 - i * 0.3,
    codmn: 3 + i * 0.5,
    nh3n: 0.3 + i * 0.25 + shift,
    tp: 0.05 + i * 0.03,
    temp: 18,
  });
  const { from, to } = periodBounds(now, TZ);
  return buildReport({
    periods: { current: now, previous: prev, last_year: last },
    timeZone: TZ,
    range: { from, to },
    generatedAt: Date.UTC(2026, 11, 1, 1, 30),
    scope: { id: 'all', name: { zh: '全市', en: 'whole city' } },
    grouping: {
      city: { zh: '澄州市', en: 'Chengzhou' },
      rivers: [
        { id: 'main', name: { zh: '云溪', en: 'Yunxi River' }, basin: 'main' },
        { id: 'branch', name: { zh: '白沙河', en: 'Baisha River' }, basin: 'main' },
      ],
      jurisdictions: [
        { id: 'east', name: { zh: '东区', en: 'East District' } },
        { id: 'west', name: { zh: '西区', en: 'West District' } },
      ],
    },
    sections: Array.from({ length: count }, (_, i) => ({
      station: section(i),
      data: {
        current: constant(now, values(i)),
        previous: constant(prev, values(i, 0.1)),
        last_year: i === 1 ? null : constant(last, values(i, 0.3)),
      },
    })),
    plants: [
      {
        station: {
          id: 'wwtp1-effluent',
          name: { zh: '第一污水处理厂出水口', en: 'No.1 plant effluent' },
          parameters: ['cod', 'nh3n', 'tp', 'ph', 'flow', 'temp'],
          intervalMs: 3_600_000,
          minValidShare: 0.75,
          jurisdiction: 'east',
          public: false,
          plant: { id: 'wwtp1', name: { zh: '第一污水处理厂', en: 'No.1 plant' }, built: '2003-09-28', operator: 'op' },
          standard: {
            id: 'gb18918-1a',
            name: { zh: 'GB 18918-2002 一级A标准', en: 'GB 18918-2002 class 1A' },
            definition: 'gb18918-1a',
          },
        },
        data: {
          current: constant(now, { cod: 38, nh3n: 2.1, tp: 0.4, ph: 7.1, flow: 1100, temp: 18 }, 24),
          previous: null,
          last_year: null,
        },
      },
    ],
    urban: [],
    basis: {
      valid_flags: ['N', 'T'],
      min_valid_share: 0.75,
      flag_source: { zh: '以站点上报的数据标记为准', en: 'stored flags' },
      marks_available: false,
      marks_applied: [],
      rejudged_since_last_issue: [],
      last_issue: null,
      complete: true,
    },
  });
}
