/**
 * `GET /api/v1/reports/{kind}` against a real store (SQLite, and influxd with hourly rollups), with readings for
 * May 2024 and May 2023 whose figures were worked out by hand (below, next to the seeds). Every role gets its part.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerReports } from '../../src/api/routes/reports.js';
import type { DataFlag } from '../../src/domain/flags.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { Reading } from '../../src/domain/reading.js';
import type { WaterReport } from '../../src/domain/report/report-model.js';
import { storedFlagReadings } from '../../src/reports/effective-readings.js';
import { createReportArchive, type ReportArchive } from '../../src/reports/report-archive.js';
import { createReportService } from '../../src/reports/report-service.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { sh, testCatalog } from '../api-data/fixture.js';
import { createTestApp } from '../api/test-app.js';

const TZ = 'Asia/Shanghai';
const HOUR = 3_600_000;

/** Readings every `intervalH` hours over a local month, each item at its value; `flag` for days in `flagged`. */
function month(
  stationId: string,
  year: number,
  mo: number,
  values: Partial<Record<ParameterCode, number>>,
  intervalH: number,
  options: { days?: number; flagged?: (day: number) => DataFlag } = {},
): Reading[] {
  const out: Reading[] = [];
  const days = options.days ?? new Date(Date.UTC(year, mo, 0)).getUTCDate();
  for (let d = 1; d <= days; d++) {
    for (let h = 0; h < 24; h += intervalH) {
      for (const [parameter, value] of Object.entries(values) as [ParameterCode, number][]) {
        out.push({ stationId, parameter, ts: sh(year, mo, d, h), value, flag: options.flagged?.(d) ?? 'N' });
      }
    }
  }
  return out;
}

/**
 * May 2024 (31 days):
 * - inbound (4h, target II): pH 7.6, DO 7.0, CODMn 3, NH3-N 0.4, TP 0.08 → II, meets II. CWQI 0.3 + 0.714286 +
 *   0.5 + 0.4 + 0.4 = 2.314286.
 * - trib-section (4h, target III): NH3-N 1.2 → IV, misses III; primary pollutant NH3-N (0.20).
 * - control (1h, target III): readings on days 1–10 only (240 of 744; 75 % needs 558) → insufficient data.
 * - outbound (1h, target III): NH3-N 0.9, TP 0.15, DO 5.5, CODMn 5, pH 7.2 → III, meets III. Its NH3-N readings on
 *   days 1–3 are flagged M (maintenance) at 5.0: excluded, so the mean stays 0.9.
 * - wwtp1-effluent (1A): COD 40, but 70 on days 5 and 6 → 2 exceedance days of 31.
 * May 2023: inbound and outbound at the same values as 2024; trib-section at NH3-N 0.4 (II).
 */
export async function seedReports(store: ReadingStore): Promise<void> {
  const base = { ph: 7.6, do: 7.0, codmn: 3, nh3n: 0.4, tp: 0.08 };
  const outbound = { ph: 7.2, do: 5.5, codmn: 5, nh3n: 0.9, tp: 0.15 };
  const readings: Reading[] = [
    ...month('inbound', 2024, 5, base, 4),
    ...month('trib-section', 2024, 5, { ...base, nh3n: 1.2 }, 4),
    ...month('control', 2024, 5, base, 1, { days: 10 }),
    ...month('outbound', 2024, 5, outbound, 1),
    ...month('outbound', 2024, 5, { nh3n: 5.0 }, 1, { days: 3, flagged: () => 'M' }),
    ...month('wwtp1-effluent', 2024, 5, { cod: 40, nh3n: 2, tp: 0.5, ph: 7, temp: 20 }, 1),
    ...month('inbound', 2023, 5, base, 4),
    ...month('trib-section', 2023, 5, base, 4),
    ...month('outbound', 2023, 5, outbound, 1),
  ];
  // COD 70 on days 5 and 6 replaces the 40 (same station, parameter and time: the store keeps the later write).
  const high = month('wwtp1-effluent', 2024, 5, { cod: 70 }, 1).filter((r) => {
    const day = new Date(r.ts + 8 * HOUR).getUTCDate();
    return day === 5 || day === 6;
  });
  for (let i = 0; i < readings.length; i += 20_000) await store.write(readings.slice(i, i + 20_000));
  await store.write(high);
}

export function describeReportRoutes(
  name: string,
  makeStore: () => Promise<ReadingStore>,
  afterSeed?: (store: ReadingStore) => Promise<void>,
): void {
  describe(`reports API on ${name}`, () => {
    let store: ReadingStore;
    let t: ReturnType<typeof createTestApp>;
    let archive: ReportArchive;
    beforeAll(async () => {
      archive = createReportArchive({ file: ':memory:' });
      store = await makeStore();
      await store.start();
      await seedReports(store);
      await afterSeed?.(store);
      const catalog = testCatalog();
      t = createTestApp({
        startAt: sh(2024, 6, 15, 12),
        routes: [
          (app) =>
            registerReports(app, {
              reports: createReportService({
                readings: storedFlagReadings(store),
                catalog: () => catalog,
                timeZone: TZ,
                now: () => t.clock.now,
              }),
              now: () => t.clock.now,
              timeZone: TZ,
              archive: () => archive,
            }),
        ],
      });
    }, 120_000);
    afterAll(async () => {
      await archive?.close();
      await store?.stop();
    });

    const json = async (path: string, as: 'admin' | 'bureau' | 'operator' | 'viewer' = 'bureau') => {
      const res = await t.request(path, { as });
      expect(res.status, await res.clone().text()).toBe(200);
      return (await res.json()) as WaterReport;
    };

    it('gives the bureau every section, plant and black-odorous point, judged as worked out by hand', async () => {
      const r = await json('/api/v1/reports/monthly?period=2024-05');
      expect(r.period).toBe('2024-05');
      expect(r.compared_with).toEqual({ previous: '2024-04', last_year: '2023-05' });
      const row = (id: string) => r.sections.find((s) => s.id === id)!;
      expect(r.sections.map((s) => s.id)).toEqual(['inbound', 'trib-section', 'control', 'outbound']);
      expect(row('inbound').current).toMatchObject({
        status: 'evaluated',
        class: 'II',
        compliant: true,
        valid_days: 31,
      });
      expect(row('inbound').current.cwqi).toBeCloseTo(2.314286, 5);
      expect(row('trib-section').current).toMatchObject({ class: 'IV', compliant: false });
      expect(row('trib-section').current.primary_pollutants).toEqual([{ parameter: 'nh3n', multiple: 0.2 }]);
      expect(row('control').current.status).toBe('insufficient_data');
      expect(row('control').current.lacking).toContainEqual({ parameter: 'nh3n', count: 240, required: 558 });
      expect(row('outbound').current).toMatchObject({ class: 'III', compliant: true });
      expect(row('outbound').current.means.nh3n).toBeCloseTo(0.9, 9); // the M-flagged 5.0s left out
      // 同比: the tributary went from II to IV; April has no data at all: 环比 n/a.
      expect(row('trib-section').last_year!.class).toBe('II');
      expect(row('trib-section').previous).toBeNull();
      expect(row('inbound').cwqi_change_last_year_pct).toBeCloseTo(0, 6);
      // City: 3 evaluated (control insufficient); I–III: inbound, outbound → 66.7 %; 劣V 0. A year ago 3 of 3 I–III.
      expect(r.city.figures.current).toMatchObject({ sections: 4, evaluated: 3, insufficient_data: 1 });
      expect(r.city.figures.current!.share_i_iii).toBeCloseTo(2 / 3, 9);
      expect(r.city.change_last_year!.share_i_iii_pp).toBeCloseTo(-100 / 3, 6);
      expect(r.city.change_last_year!.trend).toBe('significantly_worse'); // ΔG − ΔD = −33.3 < −20
      const plant = r.plants.find((p) => p.id === 'wwtp1-effluent')!;
      expect(plant.current).toMatchObject({ days: 31, non_compliant_days: 2, compliant_days: 29, exceeding: ['cod'] });
      expect(r.plants.map((p) => p.id)).toEqual(['wwtp1-effluent', 'wwtp2-effluent']);
      expect(r.black_odorous.points.map((p) => p.id)).toEqual(['creek']);
      expect(r.data_basis).toMatchObject({ marks_available: false, marks_applied: [], complete: true });
    });

    it('gives an operator its own plant only, and a viewer the public sections only', async () => {
      const op = await json('/api/v1/reports/monthly?period=2024-05', 'operator');
      expect(op.scope.id).toBe('operator');
      expect(op.sections).toEqual([]);
      expect(op.plants.map((p) => p.plant.id)).toEqual(['wwtp1']);
      const viewer = await json('/api/v1/reports/monthly?period=2024-05', 'viewer');
      expect(viewer.scope.id).toBe('public');
      expect(viewer.sections.map((s) => s.id)).toEqual(['inbound', 'outbound']);
      expect(viewer.plants).toEqual([]);
    });

    it('downloads the XLSX, the PDF and a CSV table', async () => {
      const xlsx = await t.request('/api/v1/reports/monthly?period=2024-05&format=xlsx', { as: 'bureau' });
      expect(xlsx.status).toBe(200);
      expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
      expect(xlsx.headers.get('content-disposition')).toContain('qingliu-monthly-2024-05.xlsx');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(await xlsx.arrayBuffer());
      expect(wb.worksheets.map((w) => w.name)).toContain('断面');
      const pdf = await t.request('/api/v1/reports/monthly?period=2024-05&format=pdf', {
        as: 'operator',
        headers: { 'accept-language': 'en' },
      });
      expect(pdf.headers.get('content-type')).toBe('application/pdf');
      expect(pdf.headers.get('content-disposition')).toContain('qingliu-monthly-2024-05-operator.pdf');
      expect(
        Buffer.from(await pdf.arrayBuffer())
          .subarray(0, 5)
          .toString(),
      ).toBe('%PDF-');
      const csv = await t.request('/api/v1/reports/monthly?period=2024-05&format=csv', { as: 'bureau' });
      const bytes = Buffer.from(await csv.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM Excel needs (fetch's text() drops it)
      const text = bytes.toString('utf8');
      expect(text).toContain('断面');
      expect(text).toContain('入境断面');
    });

    it('answers a quarter and a year too', async () => {
      const q = await json('/api/v1/reports/quarterly?period=2024-Q2');
      expect(q.compared_with).toEqual({ previous: '2024-Q1', last_year: '2023-Q2' });
      expect(q.data_basis.complete).toBe(false); // Q2 ends on 30 June, after "now" (15 June)
      const y = await json('/api/v1/reports/annual?period=2023');
      expect(y.sections.find((s) => s.id === 'inbound')!.current.status).toBe('insufficient_data'); // May only
    });

    it('refuses a malformed or future period, and an unknown kind, with problem+json', async () => {
      for (const path of [
        '/api/v1/reports/monthly?period=2024-5',
        '/api/v1/reports/monthly?period=2024-07',
        '/api/v1/reports/weekly?period=2024-05',
        '/api/v1/reports/monthly',
      ]) {
        const res = await t.request(path, { as: 'bureau' });
        expect(res.status, path).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
      const res = await t.request('/api/v1/reports/monthly?period=2024-5', { as: 'bureau' });
      const body = (await res.json()) as { errors: { name: string }[]; detail: string };
      expect(body.errors[0]!.name).toBe('period');
      expect(body.detail).toContain('2026-11');
      expect((await t.request('/api/v1/reports/monthly?period=2024-05', { as: null })).status).toBe(401);
    });

    it('re-issues a period as a new immutable version with its reason and who asked; bureau and admin only', async () => {
      const post = (body: unknown, as: 'admin' | 'bureau' | 'operator' | 'viewer' = 'bureau') =>
        t.request('/api/v1/reports/monthly/issues', {
          as,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const first = await post({ period: '2024-05', reason: '补传数据 / back-filled data' });
      expect(first.status).toBe(201);
      expect(await first.json()).toMatchObject({
        kind: 'monthly',
        period: '2024-05',
        version: 1,
        reason: '补传数据 / back-filled data',
        issued_at: t.clock.now,
      });
      const second = (await (await post({ period: '2024-05', reason: 'approved marks' }, 'admin')).json()) as {
        version: number;
        issued_by: string;
      };
      expect(second.version).toBe(2);
      expect(second.issued_by).not.toBe('');
      // Both versions stay, each as it was issued: the JSON, the PDF and the XLSX.
      const list = (await json('/api/v1/reports/monthly/issues?period=2024-05')) as unknown as {
        items: { version: number }[];
      };
      expect(list.items.map((i) => i.version)).toEqual([2, 1]);
      const v1 = (await json('/api/v1/reports/monthly/issues/2024-05/1?format=json')) as WaterReport;
      expect(v1.period).toBe('2024-05');
      const pdf = await t.request('/api/v1/reports/monthly/issues/2024-05/2?format=pdf', { as: 'bureau' });
      expect(pdf.status).toBe(200);
      expect(
        Buffer.from(await pdf.arrayBuffer())
          .subarray(0, 5)
          .toString(),
      ).toBe('%PDF-');

      expect((await post({ period: '2024-05', reason: 'mine' }, 'operator')).status).toBe(403);
      expect((await post({ period: '2024-05', reason: 'mine' }, 'viewer')).status).toBe(403);
      for (const body of [
        { period: '2024-05' },
        { period: '2024-05', reason: 'x' },
        { period: '2024-5', reason: 'late data' },
        { period: '2024-07', reason: 'late data' },
      ]) {
        const res = await post(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
      expect(await archive.list({ kind: 'monthly' })).toHaveLength(2);
    }, 120_000);
  });
}
