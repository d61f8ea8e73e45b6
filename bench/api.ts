/**
 * `npm run bench:api` — the data API against a real influxd (Debian's 1.6.7 from the test harness).
 *
 * 1. Seeds 60 stations × 9 parameters × 90 days at 5-minute resolution (≈ 14 M points) as large line-protocol
 *    batches, a few requests in flight, and reports how long that took. Then computes the hourly rollups of
 *    those readings as an ingest process would have (docs/adr/0006), and reports how long that took.
 * 2. Measures p50/p99 of representative API calls over HTTP — a 90-day hourly series of 3 parameters, one
 *    month of daily quality for one section, one month of daily compliance for every section — and, in the same
 *    run and interleaved with them, the bare InfluxQL queries that answer the same questions over HTTP.
 *    The bare queries read the raw readings (what an analyst would type); the same questions asked of the
 *    rollups are timed too ("bare rollup").
 * 3. Prints one JSON line per figure (stdout) and a summary against the targets (stderr).
 *
 * Also the station list (latest readings of every station), for information.
 *
 * Options: --stations N (60) --days N (90) --runs N (40) --keep (leave the influxd data dir for inspection).
 * See docs/benchmarks.md for the figures recorded on the reference machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { serve, type ServerType } from '@hono/node-server';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createKeyStore } from '../src/api/auth/key-store.js';
import { createHttpApp } from '../src/api/http.js';
import { registerDataRoutes } from '../src/api/routes/index.js';
import { parseCatalog, type Catalog } from '../src/catalog/index.js';
import type { ParameterCode } from '../src/domain/parameters.js';
import { createInfluxStore } from '../src/store/influx/influx-store.js';
import { freePort } from '../test/harness/free-port.js';
import { postLines, startBenchInfluxd, waitForCompactions } from './bench-influxd.js';

// ---- options -----------------------------------------------------------------------------------------------

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} expects a positive integer`);
  return n;
}
const STATIONS = option('stations', 60);
const DAYS = option('days', 90);
const RUNS = option('runs', 40);
const KEEP = process.argv.includes('--keep');

const MIN5 = 300_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const TZ = 'Asia/Shanghai';
const TZ_OFFSET = 8 * HOUR;
const DB = 'bench';
const KEY = 'bench-admin-key-0123456789abcdef';

/** Local midnight (Asia/Shanghai) of 2024-03-01: the data run from here for DAYS days. */
const T0 = Date.UTC(2024, 2, 1) - TZ_OFFSET;
const T_END = T0 + DAYS * DAY;

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'api', ...record })}\n`);
}
function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

// ---- catalog: sections on one long river, plants' effluent between them ------------------------------------

const SECTION_PARAMS: ParameterCode[] = ['temp', 'ph', 'do', 'conductivity', 'turbidity', 'codmn', 'nh3n', 'tp', 'tn'];
const PLANT_PARAMS: ParameterCode[] = ['cod', 'bod5', 'ss', 'nh3n', 'tp', 'tn', 'ph', 'temp', 'flow'];

interface BenchStation {
  id: string;
  params: ParameterCode[];
}

function benchCatalog(): { catalog: Catalog; stations: BenchStation[] } {
  const plants = Math.round(STATIONS / 5);
  const sections = STATIONS - plants;
  const stations: unknown[] = [];
  const list: BenchStation[] = [];
  for (let i = 1; i <= sections; i++) {
    const id = `s${String(i).padStart(2, '0')}`;
    const role = i === 1 ? 'inbound' : i === sections ? 'outbound' : 'control';
    stations.push({
      id,
      name: { zh: `断面${i}`, en: `Section ${i}` },
      kind: 'river_section',
      location: { lat: 30 + i / 100, lon: 120 },
      river: 'bench',
      river_km: i * 10,
      section: { role, level: 'provincial', target_class: 'III' },
      jurisdiction: 'city',
      maintainer: 'om',
      parameters: SECTION_PARAMS,
      interval: '5m',
      public: true,
    });
    list.push({ id, params: SECTION_PARAMS });
  }
  const plantList: unknown[] = [];
  for (let i = 1; i <= plants; i++) {
    const plant = `p${String(i).padStart(2, '0')}`;
    plantList.push({
      id: plant,
      name: { zh: `污水厂${i}`, en: `Plant ${i}` },
      type: 'wwtp',
      discharge_standard: 'gb18918-1a',
      built: '2010-01-01',
      operator_unit: 'op',
      river: 'bench',
      river_km: i * 40 + 5,
    });
    const id = `${plant}-effluent`;
    stations.push({
      id,
      name: { zh: `污水厂${i}出水`, en: `Plant ${i} effluent` },
      kind: 'plant_effluent',
      plant,
      location: { lat: 31, lon: 120 + i / 100 },
      jurisdiction: 'city',
      maintainer: 'om',
      parameters: PLANT_PARAMS,
      interval: '5m',
    });
    list.push({ id, params: PLANT_PARAMS });
  }
  const file = {
    version: 1,
    city: { zh: '基准市', en: 'Bench City' },
    units: [
      { id: 'city', name: { zh: '市局', en: 'City bureau' }, level: 'city' },
      { id: 'op', name: { zh: '运营公司', en: 'Operator' }, level: 'operator' },
      { id: 'om', name: { zh: '运维公司', en: 'O&M' }, level: 'maintainer' },
    ],
    rivers: [
      { id: 'bench', name: { zh: '基准河', en: 'Bench River' }, length_km: sections * 10 + 50, flow_speed_kmh: 2 },
    ],
    plants: plantList,
    stations,
  };
  return { catalog: parseCatalog(JSON.stringify(file), 'bench-catalog.json'), stations: list };
}

// ---- seeding -------------------------------------------------------------------------------------------------

/** Typical level and daily swing per parameter, so that the data look like water and not like noise. */
const SHAPE: Partial<Record<ParameterCode, [number, number, number]>> = {
  // [level, diurnal amplitude, noise]
  temp: [18, 2, 0.2],
  ph: [7.6, 0.3, 0.05],
  do: [7, 1.5, 0.2],
  conductivity: [420, 20, 5],
  turbidity: [15, 3, 2],
  codmn: [3.5, 0.5, 0.3],
  nh3n: [0.6, 0.2, 0.08],
  tp: [0.15, 0.03, 0.02],
  tn: [1.8, 0.3, 0.1],
  cod: [30, 6, 3],
  bod5: [6, 1, 0.5],
  ss: [8, 2, 1],
  flow: [900, 300, 30],
};

/** A series' points as line protocol; 1 % flagged M (maintenance), 0.5 % C (calibration). */
function* seedBatches(stations: BenchStation[], linesPerBatch: number): Generator<{ body: string; points: number }> {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const stepsPerDay = DAY / MIN5;
  let lines: string[] = [];
  // Day by day across all series, so each batch covers a short time span (cheap for the WAL and the cache).
  for (let day = 0; day < DAYS; day++) {
    for (const station of stations) {
      for (const param of station.params) {
        const [level, swing, noise] = SHAPE[param] ?? [1, 0.1, 0.05];
        const prefix = `reading,param=${param},station=${station.id} value=`;
        const dayStart = T0 + day * DAY;
        for (let step = 0; step < stepsPerDay; step++) {
          const ts = dayStart + step * MIN5;
          const phase = ((ts + TZ_OFFSET) % DAY) / DAY;
          const v = Math.max(0, level + swing * Math.sin(2 * Math.PI * (phase - 0.3)) + noise * (random() * 2 - 1));
          const u = random();
          const flag = u < 0.01 ? 'M' : u < 0.015 ? 'C' : 'N';
          lines.push(`${prefix}${v.toFixed(3)},flag="${flag}" ${ts / 1000}`);
          if (lines.length >= linesPerBatch) {
            yield { body: lines.join('\n'), points: lines.length };
            lines = [];
          }
        }
      }
    }
  }
  if (lines.length > 0) yield { body: lines.join('\n'), points: lines.length };
}


async function seedInflux(influxUrl: string, stations: BenchStation[]): Promise<void> {
  const total = stations.reduce((n, s) => n + s.params.length, 0) * DAYS * (DAY / MIN5);
  note(
    `seeding ${total.toLocaleString('en')} points (${stations.length} stations × 9 parameters × ${DAYS} days at 5 min)…`,
  );
  const writeUrl = `${influxUrl}/write?db=${DB}&precision=s`;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let written = 0;
  let lastReport = started;
  for (const batch of seedBatches(stations, 50_000)) {
    const p = postLines(writeUrl, batch.body).then(() => {
      written += batch.points;
      inFlight.delete(p);
    });
    inFlight.add(p);
    if (inFlight.size >= 3) await Promise.race(inFlight);
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      note(`  ${((written / total) * 100).toFixed(0)} % after ${((lastReport - started) / 1000).toFixed(0)} s`);
    }
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  emit({
    phase: 'seed',
    points: written,
    seconds: Number(seconds.toFixed(1)),
    points_per_second: Math.round(written / seconds),
    lines_per_request: 50_000,
    requests_in_flight: 3,
  });
}

/**
 * The seeding wrote around the ingester, so it does what an ingest process does for what it writes (and what
 * `qingliu store rollup` does after an upgrade): computes the rollups of every station-hour, then publishes a
 * writer state saying they are current.
 */
async function rollUp(influxUrl: string, stations: BenchStation[], now: number, stateFile: string): Promise<void> {
  const writer = createInfluxStore({
    url: influxUrl,
    bucket: DB,
    version: 'auto',
    logger: pino({ level: 'silent' }),
    rollups: { now: () => now, writer: { instance: 'bench-seed', stateFile } },
  });
  await writer.start();
  note('computing the hourly rollups of every station-hour…');
  const started = performance.now();
  const done = await writer.rollups.backfill(
    stations.map((s) => s.id),
    T0,
    now,
  );
  await writer.rollups.pass();
  const seconds = (performance.now() - started) / 1000;
  const status = await writer.rollups.status();
  await writer.stop();
  if (!status.trusted || status.trusted.from > T0 || status.trusted.to < T_END) {
    throw new Error(`the rollups do not cover the data: ${JSON.stringify(status)}`);
  }
  const points = stations.reduce((n, s) => n + s.params.length, 0) * DAYS * (DAY / MIN5);
  emit({
    phase: 'rollup',
    station_hours: done.hours,
    rollups: done.rollups,
    queries: done.queries,
    seconds: Number(seconds.toFixed(1)),
    readings_per_second: Math.round(points / seconds),
  });
}

// ---- measuring ---------------------------------------------------------------------------------------------

interface Call {
  name: string;
  api: () => Promise<unknown>;
  bare: () => Promise<unknown>;
  /** The bare query without the excluded-by-flag counts (one statement): the smallest possible answer. */
  bareMinimal: () => Promise<unknown>;
  /** The same question asked of the hourly rollups (reading_1h), where they can answer it. */
  bareRollup?: () => Promise<unknown>;
  /** Issue 4: the 90-day hourly series must answer within 200 ms at p99. */
  p99TargetMs?: number;
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function measure(call: Call): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await call.api();
    await call.bare();
    await call.bareMinimal();
    await call.bareRollup?.();
  }
  const api: number[] = [];
  const bare: number[] = [];
  const minimal: number[] = [];
  const rollup: number[] = [];
  // Interleaved, so that background compaction or a GC pause hits both sides alike.
  for (let i = 0; i < RUNS; i++) {
    api.push(await time(call.api));
    bare.push(await time(call.bare));
    minimal.push(await time(call.bareMinimal));
    if (call.bareRollup) rollup.push(await time(call.bareRollup));
  }
  for (const list of [api, bare, minimal, rollup]) list.sort((a, b) => a - b);
  const r = (x: number) => Number(x.toFixed(2));
  emit({
    call: call.name,
    runs: RUNS,
    api_p50_ms: r(percentile(api, 50)),
    api_p99_ms: r(percentile(api, 99)),
    bare_p50_ms: r(percentile(bare, 50)),
    bare_p99_ms: r(percentile(bare, 99)),
    bare_minimal_p50_ms: r(percentile(minimal, 50)),
    ratio_p50: r(percentile(api, 50) / percentile(bare, 50)),
    ratio_p50_vs_minimal: r(percentile(api, 50) / percentile(minimal, 50)),
    ...(rollup.length > 0
      ? { bare_rollup_p50_ms: r(percentile(rollup, 50)), ratio_p50_vs_rollup: r(percentile(api, 50) / percentile(rollup, 50)) }
      : {}),
    meets_ratio_target: percentile(api, 50) <= 1.5 * percentile(bare, 50),
    ...(call.p99TargetMs !== undefined ? { meets_p99_target: percentile(api, 99) < call.p99TargetMs } : {}),
  });
}

// ---- main ------------------------------------------------------------------------------------------------------

const VALID = `("flag" = 'N' OR "flag" = 'T')`;
const iso = (ms: number) => new Date(ms + TZ_OFFSET).toISOString().slice(0, 19) + '+08:00';

async function main(): Promise<void> {
  const { catalog, stations } = benchCatalog();
  const influx = await startBenchInfluxd();
  let server: ServerType | undefined;
  // The API's clock: half past the hour after the data end. The store reads the rollup writers' state with it.
  const now = T_END + HOUR + 30 * 60_000;
  const store = createInfluxStore({
    url: influx.url,
    bucket: DB,
    version: 'auto',
    logger: pino({ level: 'silent' }),
    rollups: { now: () => now },
  });
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-bench-rollups-'));
  try {
    await store.start(); // creates the database
    await seedInflux(influx.url, stations);
    note('waiting for influxd to write its caches and compact the shards…');
    emit({ phase: 'compaction', seconds: Number((await waitForCompactions(influx.url, DB)).toFixed(1)) });
    await rollUp(influx.url, stations, now, path.join(stateDir, 'rollup-dirty.json'));
    emit({ phase: 'compaction', after: 'rollups', seconds: Number((await waitForCompactions(influx.url, DB)).toFixed(1)) });

    const keys = createKeyStore({
      now: () => now,
      bootstrap: [{ id: 'bench', name: 'bench', role: 'admin', key: KEY }],
    });
    const app = createHttpApp({
      logger: pino({ level: 'silent' }),
      keys,
      now: () => now,
      rateLimit: { perMinute: 0, burst: 1 },
      metrics: new Registry(),
      routes: [registerDataRoutes({ store, catalog: () => catalog, now: () => now, timeZone: TZ, maxRangeDays: 366 })],
      openapi: { version: 'bench' },
    });
    const port = await freePort();
    server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
    const base = `http://127.0.0.1:${port}/api/v1`;

    const api = (path: string) => async () => {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    };
    const bare = (statements: string[]) => async () => {
      const q = new URLSearchParams({ db: DB, epoch: 'ms', q: statements.join(';') });
      const res = await fetch(`${influx.url}/query?${q}`);
      if (res.status !== 200) throw new Error(`bare query: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    };
    const range = (from: number, to: number) => `time >= ${from}ms AND time < ${to}ms`;
    // Local-day buckets in InfluxQL 1.x: GROUP BY time(1d, 16h) starts days at 16:00 UTC = 00:00 in Shanghai.
    const dayGroup = 'time(1d, 16h)';

    const section = stations[0]!;
    // The last 30 days of data (all of it in a shorter run).
    const monthTo = T_END;
    const monthFrom = Math.max(T0, T_END - 30 * DAY);
    const sectionIds = stations.filter((s) => s.id.startsWith('s')).map((s) => s.id);
    const sectionRegex = `/^(${sectionIds.join('|')})$/`;
    const threeParams = `("param" = 'nh3n' OR "param" = 'tp' OR "param" = 'do')`;

    const calls: Call[] = [
      {
        name: `series_${DAYS}d_1h_3_parameters`,
        api: api(
          `/stations/${section.id}/series?params=nh3n,tp,do&window=1h&from=${encodeURIComponent(iso(T0))}&to=${encodeURIComponent(iso(T_END))}`,
        ),
        bare: bare([
          `SELECT mean("value"), min("value"), max("value"), count("value") FROM "reading" WHERE "station" = '${section.id}' AND ${threeParams} AND ${VALID} AND ${range(T0, T_END)} GROUP BY time(1h), "param" fill(none)`,
          `SELECT count("value") FROM "reading" WHERE "station" = '${section.id}' AND ${threeParams} AND ${range(T0, T_END)} GROUP BY time(1h), "param" fill(none)`,
        ]),
        bareMinimal: bare([
          `SELECT mean("value"), min("value"), max("value") FROM "reading" WHERE "station" = '${section.id}' AND ${threeParams} AND ${VALID} AND ${range(T0, T_END)} GROUP BY time(1h), "param" fill(none)`,
        ]),
        bareRollup: bare([
          `SELECT "s", "n", "lo", "hi", "total" FROM "reading_1h" WHERE "station" = '${section.id}' AND ${threeParams} AND ${range(T0, T_END)} GROUP BY "param"`,
        ]),
        p99TargetMs: 200,
      },
      {
        name: 'quality_1_section_30d_1d',
        api: api(
          `/stations/${section.id}/quality?window=1d&from=${encodeURIComponent(iso(monthFrom))}&to=${encodeURIComponent(iso(monthTo))}`,
        ),
        bare: bare([
          `SELECT mean("value"), count("value") FROM "reading" WHERE "station" = '${section.id}' AND ${VALID} AND ${range(monthFrom, monthTo)} GROUP BY ${dayGroup}, "param" fill(none)`,
          `SELECT count("value") FROM "reading" WHERE "station" = '${section.id}' AND ${range(monthFrom, monthTo)} GROUP BY ${dayGroup}, "param" fill(none)`,
        ]),
        bareMinimal: bare([
          `SELECT mean("value") FROM "reading" WHERE "station" = '${section.id}' AND ${VALID} AND ${range(monthFrom, monthTo)} GROUP BY ${dayGroup}, "param" fill(none)`,
        ]),
        bareRollup: bare([
          `SELECT sum("s"), sum("n"), sum("total") FROM "reading_1h" WHERE "station" = '${section.id}' AND ${range(monthFrom, monthTo)} GROUP BY ${dayGroup}, "param" fill(none)`,
        ]),
      },
      {
        name: `compliance_${sectionIds.length}_sections_30d_1d`,
        api: api(
          `/compliance?kind=river_section&window=1d&from=${encodeURIComponent(iso(monthFrom))}&to=${encodeURIComponent(iso(monthTo))}`,
        ),
        bare: bare([
          `SELECT mean("value"), count("value") FROM "reading" WHERE "station" =~ ${sectionRegex} AND ${VALID} AND ${range(monthFrom, monthTo)} GROUP BY ${dayGroup}, "station", "param" fill(none)`,
          `SELECT count("value") FROM "reading" WHERE "station" =~ ${sectionRegex} AND ${range(monthFrom, monthTo)} GROUP BY ${dayGroup}, "station", "param" fill(none)`,
        ]),
        bareMinimal: bare([
          `SELECT mean("value") FROM "reading" WHERE "station" =~ ${sectionRegex} AND ${VALID} AND ${range(monthFrom, monthTo)} GROUP BY ${dayGroup}, "station", "param" fill(none)`,
        ]),
        bareRollup: bare([
          `SELECT sum("s"), sum("n"), sum("total") FROM "reading_1h" WHERE "station" =~ ${sectionRegex} AND ${range(monthFrom, monthTo)} GROUP BY ${dayGroup}, "station", "param" fill(none)`,
        ]),
      },
    ];

    calls.push({
      name: `stations_${stations.length}_latest_and_current`,
      api: api('/stations'),
      bare: bare([
        `SELECT last("value") AS "value", "flag" FROM "reading" GROUP BY "station", "param"`,
        `SELECT last("value") AS "value", "flag" FROM "reading" WHERE ${VALID} GROUP BY "station", "param"`,
      ]),
      bareMinimal: bare([`SELECT last("value") AS "value", "flag" FROM "reading" GROUP BY "station", "param"`]),
    });

    // The API and the bare query must agree before their speeds are compared.
    await checkAgreement(calls[0]!, calls[1]!);

    // Other work on the machine slows both sides alike but widens p99: say how busy it was.
    const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));
    emit({ phase: 'machine', cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg_before: load() });
    for (const call of calls) await measure(call);
    emit({ phase: 'machine', loadavg_after: load() });
  } finally {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await store.stop();
    await influx.process.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
    if (KEEP) note(`influxd data kept in ${influx.dir}`);
    else fs.rmSync(influx.dir, { recursive: true, force: true });
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- comparing JSON answers */
async function checkAgreement(series: Call, quality: Call): Promise<void> {
  const a = (await series.api()) as any;
  const b = (await series.bare()) as any;
  const nh3nApi = a.series.find((s: any) => s.parameter === 'nh3n').points;
  const nh3nBare = b.results[0].series.find((s: any) => s.tags.param === 'nh3n').values;
  if (nh3nApi.length !== nh3nBare.length)
    throw new Error(`series: ${nh3nApi.length} API buckets, ${nh3nBare.length} bare`);
  for (let i = 0; i < nh3nApi.length; i++) {
    const [ts, mean, , , count] = nh3nBare[i];
    if (nh3nApi[i].ts !== ts || nh3nApi[i].count !== count || Math.abs(nh3nApi[i].mean - mean) > 1e-4) {
      throw new Error(
        `series bucket ${i} differs: API ${JSON.stringify(nh3nApi[i])}, bare ${JSON.stringify(nh3nBare[i])}`,
      );
    }
  }
  const q = (await quality.api()) as any;
  const qb = (await quality.bare()) as any;
  const tpDays = qb.results[0].series.find((s: any) => s.tags.param === 'tp').values;
  for (let i = 0; i < q.windows.length; i++) {
    const item = q.windows[i].items.tp;
    if (item.count !== tpDays[i][2] || Math.abs(item.mean - tpDays[i][1]) > 1e-4) {
      throw new Error(`quality day ${i} differs: API ${JSON.stringify(item)}, bare ${JSON.stringify(tpDays[i])}`);
    }
  }
  note(`API and bare InfluxQL agree (${nh3nApi.length} hourly buckets, ${q.windows.length} days)`);
}

main().catch((err: unknown) => {
  note(`bench:api failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
