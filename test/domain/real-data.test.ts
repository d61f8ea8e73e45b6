/**
 * The engine against official classes computed by the national system (CNEMC, 中国环境监测总站) from real data.
 * Data: test/fixtures/real/ (vendored, gzipped; origin and licence in its SOURCES.md).
 *
 * Measured (2021-04-01 … 04-05, 4-hourly, all 1,698 national automatic stations; rows with 站点情况 正常, an
 * official class, de-duplicated on station + time: 37,199 rows):
 * - river TP column for every row: 35,305 agree (94.91 %). The file does not say which sections are lakes or
 *   reservoirs; most disagreements are lake sections classed with lake TP limits (e.g. 急水港桥 on 淀山湖).
 * - the official class equals the engine's class with the river or the lake column: 36,825 (98.99 %).
 * - the remaining 374 rows: 109 have a displayed value exactly at a class limit and an official class one
 *   worse (the displayed value is rounded; the official class comes from the unrounded value); 16 are explained
 *   by lake TN counted; 8 are DO-limited class II that the official system calls class I (DO class I is
 *   "saturation 90 % (or 7.5)": at altitude or in warm water 90 % saturation is below 7.5 mg/L — we use 7.5);
 *   171 of the other 241 are 00:00 rows, where the published class does not belong to the published values
 *   (only 15 % of rows are at 00:00) — a publication artefact.
 * - with the optional 2020 rounding: 34,561 (92.91 %): real-time classes are not computed on rounded values.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classLimits, type SectionClass } from '../../src/domain/gb3838.js';
import { evaluateSection, type ParameterValues } from '../../src/domain/gb3838-section.js';
import { parameter } from '../../src/domain/parameters.js';
import { NO_STATUS, valueRanges } from '../../sensors/replay/index.js';
import {
  readRealBytes,
  readRealCsv,
  realDataMapping,
  REAL_DATA_DIR,
  REAL_DATA_FILES,
} from '../fixtures/real/real-data.js';

const ROMAN: Record<string, SectionClass> = { Ⅰ: 'I', Ⅱ: 'II', Ⅲ: 'III', Ⅳ: 'IV', Ⅴ: 'V', 劣Ⅴ: '劣V' };
const COLUMNS: Record<string, keyof ParameterValues> = {
  'pH(无量纲)': 'ph',
  '溶解氧(mg/L)': 'do',
  '高锰酸盐指数(mg/L)': 'codmn',
  '氨氮(mg/L)': 'nh3n',
  '总磷(mg/L)': 'tp',
  '总氮(mg/L)': 'tn',
  '水温(℃)': 'temp',
};

interface Row {
  station: string;
  time: string;
  official: SectionClass;
  values: ParameterValues;
}

function readCnemc(): Row[] {
  const lines = readRealCsv('cnemc_4h_2021-04-01_to_04-05_1698stations.csv').split(/\r?\n/).filter(Boolean);
  const header = lines[0]!.split(',');
  const col = (name: string) => header.indexOf(name);
  const seen = new Set<string>();
  const rows: Row[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const official = ROMAN[f[col('水质类别')]!];
    if (f[col('站点情况')] !== '正常' || !official) continue;
    const key = `${f[col('断面名称')]}|${f[col('监测时间')]}`;
    if (seen.has(key)) continue; // the scraper repeated rows when nothing new was published
    seen.add(key);
    const values: ParameterValues = {};
    for (const [name, code] of Object.entries(COLUMNS)) {
      const text = f[col(name)]!;
      if (text !== '' && text !== '--' && text !== '*' && Number.isFinite(Number(text))) values[code] = Number(text);
    }
    rows.push({ station: f[col('断面名称')]!, time: f[col('监测时间')]!, official, values });
  }
  return rows;
}

const pct = (n: number, of: number) => (100 * n) / of;

describe('parameter ranges against every real file (docs/standards.md §8)', () => {
  it('holds no physically impossible value: every reading, normal or not, is inside its possible range', async () => {
    let judged = 0;
    for (const name of REAL_DATA_FILES) {
      const { ranges } = valueRanges(readRealCsv(name), await realDataMapping(name));
      for (const [code, byStatus] of ranges) {
        const { possible } = parameter(code);
        for (const [status, r] of byStatus) {
          const where = `${name} ${code} ${status || 'no status'}`;
          expect(r.min, where).toBeGreaterThanOrEqual(possible.min);
          expect(r.max, where).toBeLessThanOrEqual(possible.max);
          judged += r.count;
        }
      }
    }
    expect(judged).toBeGreaterThan(700_000);
  });

  it('puts the national normal readings that were refused before inside the usual range (DO up to 29.95 mg/L)', async () => {
    for (const name of REAL_DATA_FILES.filter((n) => n.startsWith('cnemc_'))) {
      const doRange = valueRanges(readRealCsv(name), await realDataMapping(name)).ranges.get('do')!;
      const normal = doRange.get('正常') ?? doRange.get(NO_STATUS)!;
      expect(normal.max, name).toBeGreaterThan(25);
      expect(normal.max, name).toBeLessThanOrEqual(parameter('do').usual!.max);
    }
  });

  it('puts the 闸口 NH3-N analyser fault outside the usual range', async () => {
    const name = 'zhejiang_zhakou_hourly_2020.csv';
    const nh3n = valueRanges(readRealCsv(name), await realDataMapping(name))
      .ranges.get('nh3n')!
      .get(NO_STATUS)!;
    expect(nh3n.max).toBe(70_765);
    expect(nh3n.max).toBeGreaterThan(parameter('nh3n').usual!.max);
  });
});

describe('the vendored real data (test/fixtures/real)', () => {
  it('holds the published bytes: each file has the sha256 its SOURCES.md inventory lists', () => {
    const sources = readFileSync(`${REAL_DATA_DIR}/SOURCES.md`, 'utf8');
    expect(REAL_DATA_FILES.length).toBeGreaterThanOrEqual(10);
    for (const name of REAL_DATA_FILES) {
      const listed = new RegExp(`^\\| ${name.replaceAll('.', '\\.')} \\| (\\d+) \\| \`([0-9a-f]{64})\` \\|$`, 'm').exec(
        sources,
      );
      expect(listed, `${name} in the SOURCES.md inventory`).not.toBeNull();
      const bytes = readRealBytes(name);
      expect(bytes.length, name).toBe(Number(listed![1]));
      expect(createHash('sha256').update(bytes).digest('hex'), name).toBe(listed![2]);
    }
  });
});

describe('agreement with official CNEMC classes (real data)', () => {
  const rows = readCnemc();
  const river = rows.map((r) => evaluateSection({ values: r.values, waterbody: 'river' }).class);
  const lake = rows.map((r) => evaluateSection({ values: r.values, waterbody: 'lake' }).class);

  it('reads the expected rows', () => {
    expect(rows).toHaveLength(37_199);
  });

  it('agrees on ≥ 94.9 % of rows with river limits everywhere', () => {
    const agree = rows.filter((r, i) => river[i] === r.official).length;
    expect(agree).toBe(35_305);
    expect(pct(agree, rows.length)).toBeGreaterThan(94.9);
  });

  it('agrees on ≥ 98.9 % with the river or the lake column (the file does not say which applies)', () => {
    const agree = rows.filter((r, i) => river[i] === r.official || lake[i] === r.official).length;
    expect(agree).toBe(36_825);
    expect(pct(agree, rows.length)).toBeGreaterThan(98.9);
  });

  it('explains most remaining disagreements by displayed values rounded onto a class limit, and 00:00 rows', () => {
    const order = ['I', 'II', 'III', 'IV', 'V', '劣V'];
    const rest = rows
      .map((r, i) => ({ r, river: river[i]!, lake: lake[i]! }))
      .filter(({ r, river, lake }) => river !== r.official && lake !== r.official);
    expect(rest).toHaveLength(374);
    const limits = new Set([
      ...(classLimits('codmn', 'river') ?? []),
      ...(classLimits('nh3n', 'river') ?? []),
      ...(classLimits('tp', 'river') ?? []),
      ...(classLimits('tp', 'lake') ?? []),
    ]);
    const atLimit = rest.filter(
      ({ r, river, lake }) =>
        (['codmn', 'nh3n', 'tp'] as const).some((p) => r.values[p] !== undefined && limits.has(r.values[p]!)) &&
        [river, lake].some((c) => order.indexOf(r.official) === order.indexOf(c) + 1),
    );
    expect(atLimit.length).toBeGreaterThanOrEqual(100);
    const midnight = rest.filter(({ r }) => r.time.endsWith(' 00:00'));
    expect(midnight.length).toBeGreaterThanOrEqual(170);
    // 00:00 rows are 15 % of all rows but half of the unexplained ones
    expect(pct(rows.filter((r) => r.time.endsWith(' 00:00')).length, rows.length)).toBeLessThan(16);
  });

  it('agrees less with the 2020 rounding on: real-time classes are computed on unrounded values', () => {
    const agree = rows.filter(
      (r) => evaluateSection({ values: r.values, waterbody: 'river', rounding: '2020' }).class === r.official,
    ).length;
    expect(agree).toBe(34_561);
  });
});

describe('agreement with an uploader-labelled Qiantang station (secondary check)', () => {
  it('reproduces 1,807 of 2,124 labels (85 %); 310 of the rest are labelled III where every item is class I–II', () => {
    const lines = readRealCsv('qiantang_project_station_4h_2021_with_class.csv')
      .split(/\r?\n/)
      .filter(Boolean)
      .slice(1);
    const order: SectionClass[] = ['I', 'II', 'III', 'IV', 'V', '劣V'];
    let agree = 0;
    let labelledIiiGivesIi = 0;
    for (const line of lines) {
      // The upstream header is broken; real order: date, class 1–6, temp, pH, DO, CODMn, NH3-N, TP, TN, cond., turb.
      const f = line.split(',').map(Number);
      const label = order[f[1]! - 1];
      const r = evaluateSection({
        values: { temp: f[2]!, ph: f[3]!, do: f[4]!, codmn: f[5]!, nh3n: f[6]!, tp: f[7]!, tn: f[8]! },
        waterbody: 'river',
      });
      if (r.class === label) agree++;
      else if (label === 'III' && r.class === 'II') labelledIiiGivesIi++; // unexplained: the uploader's label
    }
    expect(lines).toHaveLength(2124);
    expect(agree).toBe(1807);
    expect(labelledIiiGivesIi).toBe(310);
  });
});
