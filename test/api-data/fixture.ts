/**
 * The data-route fixture: a small catalog (one river with a tributary, two plants, sections of every role, an
 * urban creek) and readings whose correct answers were worked out by hand — the numbers are next to the seeds
 * and repeated in the tests that check them. Times are Asia/Shanghai wall-clock (UTC+8, no DST).
 */
import { parseCatalog, type Catalog } from '../../src/catalog/index.js';
import type { DataFlag } from '../../src/domain/flags.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { DeadLetter, Reading } from '../../src/domain/reading.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { registerDataRoutes, type DataRouteDeps } from '../../src/api/routes/index.js';
import { createTestApp, TEST_KEYS } from '../api/test-app.js';

/** Instant of an Asia/Shanghai wall-clock time. */
export const sh = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h - 8, mi);

/** The injected clock: 2024-06-15 12:00 in Shanghai. */
export const NOW = sh(2024, 6, 15, 12);

export const CATALOG_YAML = `
version: 1
city: { zh: 测试市, en: Test City }
units:
  - { id: bureau, name: { zh: 市生态环境局, en: City bureau }, level: city, contacts: [{ name: 张三, phone: '0571-1234 5678' }] }
  - { id: district-a, name: { zh: 甲区分局, en: District A branch }, level: district, parent: bureau }
  - { id: op-a, name: { zh: 一厂运营公司, en: Plant 1 operator }, level: operator }
  - { id: op-b, name: { zh: 二厂运营公司, en: Plant 2 operator }, level: operator }
  - { id: om, name: { zh: 运维公司, en: O&M company }, level: maintainer }
rivers:
  - { id: qinghe, name: { zh: 清河, en: Qing River }, length_km: 100, flow_speed_kmh: 2 }
  - { id: zhihe, name: { zh: 支河, en: Zhi River }, length_km: 20, flow_speed_kmh: 1, tributary_of: qinghe, joins_at_km: 30 }
plants:
  - { id: wwtp1, name: { zh: 第一污水厂, en: Plant 1 }, type: wwtp, discharge_standard: gb18918-1a, built: '2003-09-28', operator_unit: op-a, river: qinghe, river_km: 40 }
  - { id: wwtp2, name: { zh: 第二污水厂, en: Plant 2 }, type: wwtp, discharge_standard: gb18918-1a, built: '2012-06-18', operator_unit: op-b, river: qinghe, river_km: 60 }
stations:
  - { id: inbound, name: { zh: 入境断面, en: Inbound }, kind: river_section, location: { lat: 31.0, lon: 120.0 }, river: qinghe, river_km: 10,
      section: { role: inbound, level: provincial, target_class: II }, jurisdiction: district-a, maintainer: om,
      parameters: [ph, do, codmn, nh3n, tp], interval: 4h, public: true }
  - { id: trib-section, name: { zh: 支河断面, en: Tributary section }, kind: river_section, location: { lat: 31.1, lon: 120.1 }, river: zhihe, river_km: 10,
      section: { role: control, level: municipal, target_class: III }, jurisdiction: district-a, maintainer: om,
      parameters: [ph, do, codmn, nh3n, tp], interval: 4h }
  - { id: control, name: { zh: 控制断面, en: Control }, kind: river_section, location: { lat: 31.2, lon: 120.2 }, river: qinghe, river_km: 50,
      section: { role: control, level: municipal, target_class: III }, jurisdiction: district-a, maintainer: om,
      parameters: [ph, do, codmn, nh3n, tp], interval: 1h }
  - { id: outbound, name: { zh: 出境断面, en: Outbound }, kind: river_section, location: { lat: 31.3, lon: 120.3 }, river: qinghe, river_km: 80,
      section: { role: outbound, level: national, target_class: III }, jurisdiction: district-a, maintainer: om,
      parameters: [temp, ph, do, codmn, nh3n, tp, conductivity], interval: 1h, public: true }
  - { id: wwtp1-effluent, name: { zh: 一厂出水, en: Plant 1 effluent }, kind: plant_effluent, plant: wwtp1, location: { lat: 31.4, lon: 120.4 },
      jurisdiction: district-a, maintainer: om, parameters: [cod, nh3n, tp, ph, temp], interval: 1h }
  - { id: wwtp2-effluent, name: { zh: 二厂出水, en: Plant 2 effluent }, kind: plant_effluent, plant: wwtp2, location: { lat: 31.5, lon: 120.5 },
      jurisdiction: district-a, maintainer: om, parameters: [cod, nh3n, tp, ph, temp], interval: 1h, alerts: { min_valid_share: 0.5 } }
  - { id: wwtp2-influent, name: { zh: 二厂进水, en: Plant 2 influent }, kind: plant_influent, plant: wwtp2, location: { lat: 31.6, lon: 120.6 },
      jurisdiction: district-a, maintainer: om, parameters: [cod, nh3n], interval: 1h }
  - { id: creek, name: { zh: 荷塘浜, en: Lotus Creek }, kind: urban_water, location: { lat: 31.7, lon: 120.7 },
      urban: { black_odorous: true, depth_cm: 80 }, jurisdiction: district-a, maintainer: om,
      parameters: [transparency, do, orp, nh3n], interval: 1h }
`;

export function testCatalog(): Catalog {
  return parseCatalog(CATALOG_YAML, 'test-catalog.yaml');
}

const r = (stationId: string, parameter: ParameterCode, ts: number, value: number, flag: DataFlag = 'N'): Reading => ({
  stationId,
  parameter,
  ts,
  value,
  flag,
});

/** One reading per hour of a local day, for each value given; `hours` limits them to the first N hours. */
function hourly(
  stationId: string,
  day: [number, number, number],
  values: Partial<Record<ParameterCode, number>>,
  hours = 24,
): Reading[] {
  const out: Reading[] = [];
  for (let h = 0; h < hours; h++) {
    for (const [p, v] of Object.entries(values) as [ParameterCode, number][])
      out.push(r(stationId, p, sh(...day, h), v));
  }
  return out;
}

const OUT_BASE = { temp: 20, ph: 7.5, do: 6.5, codmn: 3.0, conductivity: 400 };

/**
 * outbound (target III, hourly), local days of May 2024:
 * - 05-01: nh3n 0.8 N except 12:00 and 13:00 = 5.0 M (excluded; with them the mean would be 1.15, class IV);
 *          tp 0.15 → class III, compliant. Excluded readings: 2.
 * - 05-02: nh3n 1.2 (23:00 flagged T, which counts) → IV, exceedance 0.2; tp 0.25 → IV, exceedance 0.25.
 *          Class IV, non-compliant; primary pollutants tp, nh3n (larger multiple first).
 * - 05-03: nh3n 0.8, tp only 00:00–11:00 (12 of 24; 18 needed) → insufficient data, lacking tp, class III so far.
 * - 05-04: nh3n 1.8 (V), tp 12 readings → non-compliant anyway (class V), lacking tp.
 * Period 05-01…05-05: nh3n (22×0.8 + 24×1.2 + 24×0.8 + 24×1.8) / 94 = 108.8 / 94 ≈ 1.1574 → IV;
 *   tp (24×0.15 + 24×0.25 + 12×0.15 + 12×0.15) / 72 ≈ 0.1833 → III; 72 ≥ 0.75 × 96 → judged: class IV, nh3n.
 * And on 2024-06-15 09:30 (2.5 h before NOW: late) a reading set with nh3n 1.8 → current class V.
 */
function outbound(): Reading[] {
  const day1 = hourly('outbound', [2024, 5, 1], { ...OUT_BASE, nh3n: 0.8, tp: 0.15 }).map((x) =>
    x.parameter === 'nh3n' && (x.ts === sh(2024, 5, 1, 12) || x.ts === sh(2024, 5, 1, 13))
      ? { ...x, value: 5.0, flag: 'M' as const }
      : x,
  );
  const day2 = hourly('outbound', [2024, 5, 2], { ...OUT_BASE, nh3n: 1.2, tp: 0.25 }).map((x) =>
    x.parameter === 'nh3n' && x.ts === sh(2024, 5, 2, 23) ? { ...x, flag: 'T' as const } : x,
  );
  const day3 = [
    ...hourly('outbound', [2024, 5, 3], { ...OUT_BASE, nh3n: 0.8 }),
    ...hourly('outbound', [2024, 5, 3], { tp: 0.15 }, 12),
  ];
  const day4 = [
    ...hourly('outbound', [2024, 5, 4], { ...OUT_BASE, nh3n: 1.8 }),
    ...hourly('outbound', [2024, 5, 4], { tp: 0.15 }, 12),
  ];
  const recent = Object.entries({ ...OUT_BASE, nh3n: 1.8, tp: 0.15 }).map(([p, v]) =>
    r('outbound', p as ParameterCode, sh(2024, 6, 15, 9, 30), v),
  );
  return [...day1, ...day2, ...day3, ...day4, ...recent];
}

/**
 * Plant 1 effluent (GB 18918-2002 1A, built 2003: TP 1.0; NH3-N 5, or 8 at ≤ 12 °C), hourly:
 * - 05-01: temp 10 → NH3-N limit 8: nh3n 6 complies; tp 0.8 ≤ 1.0. Compliant.
 * - 05-02: temp 20 → limit 5: nh3n 6 exceeds by (6 − 5) / 5 = 0.2. Non-compliant.
 * - 05-03: every temp reading flagged C → temperature unknown → the stricter limit 5 and a note. Non-compliant.
 * And one reading set on 2024-06-15 11:00 (1 h before NOW: online).
 */
function plant1(): Reading[] {
  const base = { cod: 40, nh3n: 6, tp: 0.8, ph: 7 };
  return [
    ...hourly('wwtp1-effluent', [2024, 5, 1], { ...base, temp: 10 }),
    ...hourly('wwtp1-effluent', [2024, 5, 2], { ...base, temp: 20 }),
    ...hourly('wwtp1-effluent', [2024, 5, 3], { ...base, temp: 20 }).map((x) =>
      x.parameter === 'temp' ? { ...x, flag: 'C' as const } : x,
    ),
    ...Object.entries({ ...base, temp: 18 }).map(([p, v]) =>
      r('wwtp1-effluent', p as ParameterCode, sh(2024, 6, 15, 11), v),
    ),
  ];
}

/**
 * Plant 2 effluent (1A, built 2012: TP 0.5), min_valid_share 0.5 in the catalog: 05-01 00:00–12:00 only
 * (13 of 24 readings; 12 needed — with the default 0.75 it would be 18). tp 0.8 exceeds by 0.6. Non-compliant.
 * 05-02 and 05-03: nothing → insufficient data.
 */
function plant2(): Reading[] {
  return [
    ...hourly('wwtp2-effluent', [2024, 5, 1], { cod: 30, nh3n: 2, tp: 0.8, ph: 7.2, temp: 22 }, 13),
    ...hourly('wwtp2-influent', [2024, 5, 1], { cod: 300, nh3n: 30 }),
  ];
}

/**
 * control (hourly, target III): one nh3n reading at 2024-05-31 23:30 (1.0) and one at 2024-06-01 00:30 (3.0),
 * local time. Monthly buckets in Asia/Shanghai: May mean 1.0, June mean 3.0; in UTC both are in May (mean 2.0).
 */
function control(): Reading[] {
  return [r('control', 'nh3n', sh(2024, 5, 31, 23, 30), 1.0), r('control', 'nh3n', sh(2024, 6, 1, 0, 30), 3.0)];
}

/** inbound (4h, target II): 2024-06-15 08:00 (4 h before NOW: online) — ph 7.2, do 8 (I), codmn 1.5 (I), nh3n 0.3 (II), tp 0.05 (II) → II, compliant. */
function inbound(): Reading[] {
  return Object.entries({ ph: 7.2, do: 8, codmn: 1.5, nh3n: 0.3, tp: 0.05 }).map(([p, v]) =>
    r('inbound', p as ParameterCode, sh(2024, 6, 15, 8), v),
  );
}

/** creek (black-odorous, depth 80 cm), 05-01: transparency 30, do 3, orp 100, nh3n 2 → none of the light ranges → not black-odorous. */
function creek(): Reading[] {
  return hourly('creek', [2024, 5, 1], { transparency: 30, do: 3, orp: 100, nh3n: 2 });
}

export function seedReadings(): Reading[] {
  return [...outbound(), ...plant1(), ...plant2(), ...control(), ...inbound(), ...creek()];
}

export const DEAD_LETTERS: DeadLetter[] = [
  {
    receivedAt: sh(2024, 6, 14, 10),
    stationId: 'outbound',
    topic: 'wq/outbound/data',
    reason: 'malformed_json',
    detail: 'Unexpected token',
    payload: '{"ph": 7.',
  },
  {
    receivedAt: sh(2024, 6, 14, 11),
    stationId: 'ghost',
    topic: 'wq/ghost/data',
    reason: 'unknown_station',
    detail: 'no station "ghost" in the catalog',
    payload: '=cmd|calc',
  },
  {
    receivedAt: sh(2024, 6, 14, 11),
    stationId: 'ghost',
    topic: 'wq/ghost/data',
    reason: 'unknown_station',
    detail: 'second in the same ms',
    payload: '{}',
  },
];

export async function seed(store: ReadingStore): Promise<void> {
  await store.write(seedReadings());
  // Dead letters one at a time: letters of the same millisecond keep the order they were written in.
  for (const letter of DEAD_LETTERS) await store.writeDeadLetters([letter]);
}

export const OPERATOR_B_KEY = 'test-operator-b-key-0123456789abcdef';

export type Caller = 'admin' | 'bureau' | 'operatorA' | 'operatorB' | 'viewer';

export function authorization(caller: Caller): string {
  const key = caller === 'operatorA' ? TEST_KEYS.operator : caller === 'operatorB' ? OPERATOR_B_KEY : TEST_KEYS[caller];
  return `Bearer ${key}`;
}

/** The real HTTP app with the data routes over `store`, keys for every role (operator A: wwtp1, B: wwtp2). */
export function dataTestApp(
  store: ReadingStore,
  catalog: Catalog = testCatalog(),
  extra: Pick<DataRouteDeps, 'alertStore'> = {},
) {
  const t = createTestApp({
    startAt: NOW,
    routes: [
      registerDataRoutes({
        store,
        catalog: () => catalog,
        now: () => NOW,
        timeZone: 'Asia/Shanghai',
        maxRangeDays: 366,
        ...extra,
      }),
    ],
    extraKeys: [
      { id: 'test-operator-b', name: '第二污水处理厂', role: 'operator', plants: ['wwtp2'], key: OPERATOR_B_KEY },
    ],
  });
  async function get(path: string, caller: Caller = 'admin', headers: Record<string, string> = {}): Promise<Response> {
    return t.app.request(path, { headers: { authorization: authorization(caller), ...headers } });
  }
  async function json<T = Record<string, unknown>>(path: string, caller: Caller = 'admin'): Promise<T> {
    const res = await get(path, caller);
    if (res.status !== 200) throw new Error(`GET ${path} as ${caller}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
  return { ...t, get, json };
}
