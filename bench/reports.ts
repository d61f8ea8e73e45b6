/**
 * `npm run bench:reports` — the monthly report for 2,000 stations on a real influxd (Debian's 1.6.7) with hourly
 * rollups (docs/adr/0006).
 *
 * 1. Seeds 1,800 river sections (9 parameters, every 4 hours) and 200 plant effluents (9 parameters, hourly) over
 *    the three months a November report reads — October and November 2024 (the month and 环比) and November 2023
 *    (同比) — with the hourly rollups of those readings, as the ingest processes would have written them.
 * 2. Times, interleaved run by run: the report as JSON (the report service over the InfluxDB store, JSON.stringify),
 *    the same report rendered to XLSX and to PDF, and the bare InfluxQL the report needs — the valid-reading sums
 *    and counts per station, parameter and local day from the rollups (pH per hour), for the three months, in
 *    requests of 100 stations, 8 in flight, over HTTP to influxd — what the fastest hand-written client would send.
 * 3. Prints one JSON line per figure (stdout) and a summary against the targets (stderr): JSON ≤ 2 × the bare
 *    queries, PDF ≤ 10 s.
 *
 * Options: --stations N (2000) --runs N (5) --check (first compare, on 20 stations, the report from the rollups with
 * the one from the raw readings) --keep. Figures: docs/benchmarks.md.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { parseCatalog, type Catalog } from '../src/catalog/index.js';
import type { ParameterCode } from '../src/domain/parameters.js';
import { parsePeriod, periodBounds, samePeriodLastYear, shiftPeriod } from '../src/domain/report/period.js';
import { renderPdf } from '../src/reports/render/pdf.js';
import { renderXlsx } from '../src/reports/render/xlsx.js';
import { storedFlagReadings } from '../src/reports/effective-readings.js';
import { createReportService } from '../src/reports/report-service.js';
import { mapLimit } from '../src/services/map-limit.js';
import { coverageLine, stateLine } from '../src/store/influx/hourly-rollup.js';
import { createInfluxStore } from '../src/store/influx/influx-store.js';
import { postLines, startBenchInfluxd, waitForCompactions } from './bench-influxd.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} expects a positive integer`);
  return n;
}
const STATIONS = option('stations', 2000);
const RUNS = option('runs', 5);
const KEEP = process.argv.includes('--keep');
/** Compare a report read from the rollups with one from the raw readings (20 stations; slow on a busy influxd). */
const CHECK = process.argv.includes('--check');

const HOUR = 3_600_000;
const DAY = 86_400_000;
const TZ = 'Asia/Shanghai';
const DB = 'bench_reports';
const PERIOD = parsePeriod('monthly', '2024-11');
const RANGES = [PERIOD, shiftPeriod(PERIOD, -1), samePeriodLastYear(PERIOD)].map((p) => periodBounds(p, TZ));

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'reports', ...record })}\n`);
}
function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

const SECTION_PARAMS: ParameterCode[] = ['temp', 'ph', 'do', 'conductivity', 'turbidity', 'codmn', 'nh3n', 'tp', 'tn'];
const PLANT_PARAMS: ParameterCode[] = ['cod', 'bod5', 'ss', 'nh3n', 'tp', 'tn', 'ph', 'temp', 'flow'];
/** Level, diurnal swing and noise per parameter, so sections land in every class. */
const SHAPE: Partial<Record<ParameterCode, [number, number, number]>> = {
  temp: [16, 2, 0.3],
  ph: [7.6, 0.3, 0.05],
  do: [7, 1.5, 0.3],
  conductivity: [480, 30, 10],
  turbidity: [12, 3, 2],
  codmn: [4, 0.8, 0.4],
  nh3n: [0.6, 0.2, 0.3],
  tp: [0.12, 0.03, 0.04],
  tn: [1.6, 0.3, 0.2],
  cod: [30, 6, 3],
  bod5: [6, 1, 0.5],
  ss: [8, 2, 1],
  flow: [900, 300, 30],
};

interface BenchStation {
  id: string;
  params: ParameterCode[];
  intervalH: number;
  /** Scales the pollution of sections, so the report has classes I to 劣V. */
  load: number;
}

function benchCatalog(count = STATIONS): { catalog: Catalog; stations: BenchStation[] } {
  const plants = Math.round(count / 10);
  const sections = count - plants;
  const districts = 12;
  const rivers = 40;
  const units = [
    `  - { id: bureau, name: { zh: 市生态环境局, en: City bureau }, level: city }`,
    ...Array.from(
      { length: districts },
      (_, d) =>
        `  - { id: d${d}, name: { zh: 第${d + 1}区分局, en: District ${d + 1} }, level: district, parent: bureau }`,
    ),
    `  - { id: op, name: { zh: 运营公司, en: Operator }, level: operator }`,
    `  - { id: om, name: { zh: 运维公司, en: O&M }, level: maintainer }`,
  ];
  const riverLines = Array.from({ length: rivers }, (_, r) =>
    r < 10
      ? `  - { id: r${r}, name: { zh: 第${r + 1}河, en: River ${r + 1} }, length_km: 300, flow_speed_kmh: 2 }`
      : `  - { id: r${r}, name: { zh: 第${r + 1}河, en: River ${r + 1} }, length_km: 80, flow_speed_kmh: 1, tributary_of: r${r % 10}, joins_at_km: ${(r * 7) % 250} }`,
  );
  const stations: BenchStation[] = [];
  const stationLines: string[] = [];
  for (let i = 0; i < sections; i++) {
    const id = `s${String(i).padStart(4, '0')}`;
    const river = i % rivers;
    stations.push({ id, params: SECTION_PARAMS, intervalH: 4, load: 0.4 + ((i * 37) % 100) / 40 });
    stationLines.push(
      `  - { id: ${id}, name: { zh: 断面${i}, en: Section ${i} }, kind: river_section, location: { lat: ${30 + (i % 50) * 0.02}, lon: ${119 + Math.floor(i / 50) * 0.02} }, river: r${river}, river_km: ${(i * 3) % 79}, section: { role: ${i % 17 === 0 ? 'outbound' : 'control'}, level: national, target_class: III }, jurisdiction: d${i % districts}, maintainer: om, parameters: [${SECTION_PARAMS.join(', ')}], interval: 4h }`,
    );
  }
  const plantLines: string[] = [];
  for (let i = 0; i < plants; i++) {
    const id = `p${String(i).padStart(4, '0')}`;
    plantLines.push(
      `  - { id: w${i}, name: { zh: 污水厂${i}, en: Plant ${i} }, type: wwtp, discharge_standard: gb18918-1a, built: '2010-01-01', operator_unit: op }`,
    );
    stations.push({ id, params: PLANT_PARAMS, intervalH: 1, load: 1 });
    stationLines.push(
      `  - { id: ${id}, name: { zh: 污水厂${i}出水, en: Plant ${i} effluent }, kind: plant_effluent, plant: w${i}, location: { lat: 31, lon: 120 }, jurisdiction: d${i % districts}, maintainer: om, parameters: [${PLANT_PARAMS.join(', ')}], interval: 1h }`,
    );
  }
  const yaml = [
    'version: 1',
    'city: { zh: 基准市, en: Bench City }',
    'units:',
    ...units,
    'rivers:',
    ...riverLines,
    'plants:',
    ...plantLines,
    'stations:',
    ...stationLines,
  ].join('\n');
  return { catalog: parseCatalog(yaml, 'bench-catalog.yaml'), stations };
}

/**
 * The readings as line protocol, and with them the hourly rollups of exactly those readings (ADR 0006's
 * `reading_1h`: sum, count, min and max of the valid ones, and the count of all), as the ingest processes'
 * rollup passes would have written them — computed here in the same loop, because recomputing 12 million readings
 * through influxd takes longer than the benchmark itself (that cost is bench:ingest's and bench:api's).
 */
function* seedBatches(stations: BenchStation[], linesPerBatch: number): Generator<{ body: string; points: number }> {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let lines: string[] = [];
  let points = 0;
  const flush = () => {
    const batch = { body: lines.join('\n'), points };
    lines = [];
    points = 0;
    return batch;
  };
  for (const range of RANGES.slice().sort((a, b) => a.from - b.from)) {
    for (let day = range.from; day < range.to; day += DAY) {
      for (const st of stations) {
        for (const param of st.params) {
          const [level, swing, noise] = SHAPE[param] ?? [1, 0.1, 0.05];
          const scale = ['nh3n', 'tp', 'codmn'].includes(param) ? st.load : 1;
          const prefix = `reading,param=${param},station=${st.id} value=`;
          for (let hour = day; hour < day + DAY; hour += HOUR) {
            let sum = 0;
            let n = 0;
            let lo = Number.MAX_VALUE;
            let hi = -Number.MAX_VALUE;
            let total = 0;
            for (let t = hour; t < hour + HOUR; t += st.intervalH * HOUR) {
              if ((t - day) % (st.intervalH * HOUR) !== 0) continue;
              const phase = ((t + 8 * HOUR) % DAY) / DAY;
              const v = Number(
                Math.max(
                  0.001,
                  scale * (level + swing * Math.sin(2 * Math.PI * (phase - 0.3)) + noise * (random() * 2 - 1)),
                ).toFixed(3),
              );
              const u = random();
              const flag = u < 0.01 ? 'M' : u < 0.015 ? 'C' : 'N';
              lines.push(`${prefix}${v},flag="${flag}" ${t / 1000}`);
              points++;
              total++;
              if (flag === 'N') {
                sum += v;
                n++;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
              }
            }
            if (total > 0)
              lines.push(
                `reading_1h,param=${param},station=${st.id} s=${sum},n=${n}i,lo=${lo},hi=${hi},total=${total}i ${hour / 1000}`,
              );
            if (lines.length >= linesPerBatch) yield flush();
          }
        }
      }
    }
  }
  if (lines.length > 0) yield flush();
}

async function seed(influxUrl: string, stations: BenchStation[]): Promise<number> {
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let written = 0;
  for (const batch of seedBatches(stations, 50_000)) {
    const p = postLines(`${influxUrl}/write?db=${DB}&precision=s`, batch.body).then(() => {
      written += batch.points;
      inFlight.delete(p);
    });
    inFlight.add(p);
    if (inFlight.size >= 3) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  emit({
    phase: 'seed',
    points: written,
    seconds: Number(seconds.toFixed(1)),
    points_per_second: Math.round(written / seconds),
  });
  return written;
}

/** The coverage mark and a writer state saying every hour before `now` has its rollup (ADR 0006). */
async function publishRollupState(influxUrl: string, now: number): Promise<void> {
  await postLines(
    `${influxUrl}/write?db=${DB}&precision=ms`,
    [coverageLine(0), stateLine('bench-seed', now - (now % HOUR), now, (v) => v)].join('\n'),
  );
}

/** The bare InfluxQL the report needs, as the leanest client would send it (see the header). */
async function bareQueries(influxUrl: string, stations: BenchStation[]): Promise<number> {
  const chunks: string[][] = [];
  for (let i = 0; i < stations.length; i += 100) chunks.push(stations.slice(i, i + 100).map((s) => s.id));
  let rows = 0;
  const statementsOf = (ids: string[]) =>
    RANGES.flatMap(({ from, to }) => {
      const where = `"station" =~ /^(${ids.join('|')})$/ AND time >= ${from}ms AND time < ${to}ms`;
      return [
        `SELECT sum("s") AS "s", sum("n") AS "n", sum("total") AS "total" FROM "reading_1h" WHERE ${where} AND "param" != 'ph' GROUP BY time(1d, 16h), "station", "param" fill(none)`,
        `SELECT "s", "n", "total" FROM "reading_1h" WHERE ${where} AND "param" = 'ph' GROUP BY "station"`,
      ];
    });
  await mapLimit(chunks, 8, async (ids) => {
    const q = new URLSearchParams({ db: DB, epoch: 'ms', q: statementsOf(ids).join(';') });
    const res = await fetch(`${influxUrl}/query`, {
      method: 'POST',
      body: q,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const body = (await res.json()) as { results: { series?: { values: unknown[][] }[]; error?: string }[] };
    for (const r of body.results) {
      if (r.error) throw new Error(r.error);
      for (const s of r.series ?? []) rows += s.values.length;
    }
  });
  return rows;
}

/**
 * The rollups were written by this benchmark, not by the store: check on 20 stations that a report read from them
 * equals the report read from the raw readings (a store that never reads rollups).
 */
async function checkAgreement(influxUrl: string, now: number): Promise<void> {
  const { catalog } = benchCatalog(20);
  const build = async (read: boolean) => {
    const store = createInfluxStore({
      url: influxUrl,
      bucket: DB,
      version: 'auto',
      logger: pino({ level: 'silent' }),
      rollups: { now: () => now, read },
    });
    await store.start();
    try {
      const report = await createReportService({
        readings: storedFlagReadings(store),
        catalog: () => catalog,
        timeZone: TZ,
        now: () => now,
      }).build(PERIOD, { kind: 'all' });
      return report.sections.map((x) => ({
        id: x.id,
        class: x.current.class,
        cwqi: x.current.cwqi?.toFixed(9),
        nh3n: x.current.means.nh3n?.toFixed(9),
        ph: x.current.means.ph?.toFixed(9),
      }));
    } finally {
      await store.stop();
    }
  };
  const [fromRollups, fromRaw] = await Promise.all([build(true), build(false)]);
  if (JSON.stringify(fromRollups) !== JSON.stringify(fromRaw))
    throw new Error(
      `the report from rollups differs from the raw readings:\n${JSON.stringify(fromRollups)}\n${JSON.stringify(fromRaw)}`,
    );
  emit({ phase: 'agreement', stations: 20, sections: fromRaw.length, rollups_equal_raw: true });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { catalog, stations } = benchCatalog();
  const influx = await startBenchInfluxd();
  const now = RANGES[0]!.to + 2 * DAY;
  const store = createInfluxStore({
    url: influx.url,
    bucket: DB,
    version: 'auto',
    logger: pino({ level: 'silent' }),
    // A 2-core machine shared with other work can take longer than the default 30 s to answer.
    timeoutMs: 300_000,
    rollups: { now: () => now },
  });
  try {
    await store.start();
    note(`seeding ${stations.length} stations over Oct–Nov 2024 and Nov 2023, with their hourly rollups…`);
    await seed(influx.url, stations);
    await publishRollupState(influx.url, now);
    const status = await store.rollups.status();
    if (!status.trusted || status.trusted.from > RANGES[2]!.from || status.trusted.to < RANGES[0]!.to)
      throw new Error(`the rollups do not cover the data: ${JSON.stringify(status)}`);
    emit({ phase: 'compaction', seconds: Number((await waitForCompactions(influx.url, DB)).toFixed(1)) });
    if (CHECK) await checkAgreement(influx.url, now);

    const service = createReportService({
      readings: storedFlagReadings(store),
      catalog: () => catalog,
      timeZone: TZ,
      now: () => now,
    });
    const times = { json: [] as number[], bare: [] as number[], xlsx: [] as number[], pdf: [] as number[] };
    let bytes = { json: 0, xlsx: 0, pdf: 0 };
    let bareRows = 0;
    let sections = 0;
    for (let run = 0; run < RUNS; run++) {
      let t = performance.now();
      bareRows = await bareQueries(influx.url, stations);
      times.bare.push(performance.now() - t);
      t = performance.now();
      const report = await service.build(PERIOD, { kind: 'all' });
      const json = JSON.stringify(report);
      times.json.push(performance.now() - t);
      sections = report.sections.filter((s) => s.current.status === 'evaluated').length;
      t = performance.now();
      const xlsx = await renderXlsx(report, 'zh-CN');
      times.xlsx.push(performance.now() - t);
      t = performance.now();
      const pdf = await renderPdf(report, 'zh-CN');
      times.pdf.push(performance.now() - t);
      bytes = { json: json.length, xlsx: xlsx.length, pdf: pdf.length };
      note(
        `run ${run + 1}/${RUNS}: bare ${times.bare.at(-1)!.toFixed(0)} ms, JSON ${times.json.at(-1)!.toFixed(0)} ms, XLSX +${times.xlsx.at(-1)!.toFixed(0)} ms, PDF +${times.pdf.at(-1)!.toFixed(0)} ms`,
      );
    }
    const m = { json: median(times.json), bare: median(times.bare), xlsx: median(times.xlsx), pdf: median(times.pdf) };
    emit({ figure: 'bare_queries', median_ms: Math.round(m.bare), rows: bareRows, runs: RUNS });
    emit({
      figure: 'report_json',
      median_ms: Math.round(m.json),
      ratio_to_bare: Number((m.json / m.bare).toFixed(2)),
      stations: STATIONS,
      sections_evaluated: sections,
      bytes: bytes.json,
    });
    emit({
      figure: 'report_xlsx',
      median_ms: Math.round(m.json + m.xlsx),
      render_ms: Math.round(m.xlsx),
      bytes: bytes.xlsx,
    });
    emit({
      figure: 'report_pdf',
      median_ms: Math.round(m.json + m.pdf),
      render_ms: Math.round(m.pdf),
      bytes: bytes.pdf,
    });
    note(
      `JSON ${(m.json / 1000).toFixed(2)} s = ${(m.json / m.bare).toFixed(2)} × the bare queries (${(m.bare / 1000).toFixed(2)} s; target ≤ 2×)`,
    );
    note(
      `PDF ${((m.json + m.pdf) / 1000).toFixed(2)} s from the data (render ${(m.pdf / 1000).toFixed(2)} s; target ≤ 10 s); XLSX ${((m.json + m.xlsx) / 1000).toFixed(2)} s`,
    );
  } finally {
    await store.stop();
    if (KEEP) note(`influxd data kept in ${influx.dir}`);
    await influx.process.stop();
    if (!KEEP) fs.rmSync(influx.dir, { recursive: true, force: true });
  }
}

await main();
