/**
 * `npm run bench:alerts` (issue 14): 2,000 outbound sections, 1 % of them back-filling 24 h of hourly readings after
 * their windows were judged. Measures the re-judgment of every touched window (the production `rejudgeTouched` on
 * the InfluxDB store, with the touches the store recorded) and its store load (requests), against one grouped
 * InfluxQL query of the same windows (the raw ceiling), in the same run on the same influxd. Prints JSON lines.
 *
 * `--runs` times (default 20), each on other stations of the same number: run 1 is `cold`, the first re-judgment of
 * the process (it also pays for loading the code paths, the time-zone data and the SQLite statements once); the
 * next are `warm`, more back-fills re-judged by the same service — what a long-running alerts role does every run
 * after its first. One JSON line per run, then a `summary` line: the medians of the warm runs 2–10 (while V8 still
 * compiles the path) and of the `settled` runs 11 on — the steady state of an alerts role, whose job re-judges every
 * 5 minutes; the target is judged on the settled median (runs 11 on need `--runs` ≥ 11). `rejudge_cpu_ms` is this
 * process's CPU time (user + system, all its threads) during the re-judgment: on a shared machine the wall time also
 * counts the waits for a CPU, this does not.
 *
 *   npm run bench:alerts [-- --stations 2000 --share 0.01 --runs 20]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createAlertCatalog, type CatalogData } from '../src/alerts/alert-catalog.js';
import { createAlertService } from '../src/alerts/alert-service.js';
import { createAlertStore } from '../src/alerts/alert-store.js';
import { defaultAlertSettings } from '../src/alerts/settings.js';
import { parseWindow } from '../src/domain/time-window.js';
import type { Reading } from '../src/domain/reading.js';
import { silentLogger } from '../src/logger.js';
import { rejudgeTouched } from '../src/jobs/rejudge-touched.js';
import type { JobContext } from '../src/jobs/job.js';
import { createInfluxStore } from '../src/store/influx/influx-store.js';
import { startBenchInfluxd } from './bench-influxd.js';

const HOUR = 3_600_000;
const W = 4 * HOUR;
const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '2000' },
    share: { type: 'string', default: '0.01' },
    runs: { type: 'string', default: '20' },
  },
});
const stations = Number(values.stations);
const backfilling = Math.max(1, Math.round(stations * Number(values.share)));
const PARAMS = ['ph', 'do', 'codmn', 'nh3n', 'tp', 'temp'] as const;
const runs = Math.max(1, Math.trunc(Number(values.runs)));
if (runs * backfilling > stations)
  throw new Error('--runs × --share must be at most 1: each run back-fills other stations');

const influxd = await startBenchInfluxd();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-bench-alerts-'));
try {
  const now = Math.floor(Date.now() / W) * W; // the windows of the last day, on 4-hour (UTC) boundaries
  const from = now - 24 * HOUR;
  const ids = Array.from({ length: stations }, (_, i) => `s${String(i).padStart(4, '0')}`);
  const catalog: CatalogData = {
    // One webhook: each alert opened renders and queues its notification in the transaction, as in production
    // (nothing sends here: no outbox sender runs).
    units: [
      {
        id: 'district',
        name: { zh: '区', en: 'District' },
        channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/qingliu-bench-alerts' }],
      },
    ],
    plants: [],
    discharge_standards: {},
    stations: ids.map((id) => ({
      id,
      name: { zh: id, en: id },
      kind: 'river_section',
      section: { role: 'outbound', target_class: 'III', waterbody: 'river' },
      jurisdiction: 'district',
      maintainer: 'district',
      parameters: [...PARAMS],
      interval: HOUR,
    })),
  };
  /** The touches' clock: each back-fill below is recorded after the cursor the run before it left. */
  let touchClock = now + 30 * 60_000;
  const inner = createInfluxStore({
    url: influxd.url,
    bucket: 'bench_alerts',
    version: 'auto',
    logger: silentLogger(),
    lateData: { evalDelayMs: 10 * 60_000, now: () => touchClock },
    rollups: { read: false },
  });
  await inner.start();
  /** Store requests the re-judgment makes, and the wall time spent waiting for them (overlaps counted once each). */
  let requests = 0;
  let storeMs = 0;
  const timed = async <T>(answer: Promise<T>): Promise<T> => {
    requests++;
    const t = performance.now();
    try {
      return await answer;
    } finally {
      storeMs += performance.now() - t;
    }
  };
  const counted = {
    ...inner,
    aggregate: (q: Parameters<typeof inner.aggregate>[0]) => timed(inner.aggregate(q)),
    aggregateStations: (q: Parameters<NonNullable<typeof inner.aggregateStations>>[0]) =>
      timed(inner.aggregateStations!(q)),
    raw: (q: Parameters<typeof inner.raw>[0]) => timed(inner.raw(q)),
    touches: (q: { after: number; until: number }) => timed(inner.touches!(q)),
  };
  const store = createAlertStore({ file: path.join(dir, 'alerts.db') });
  const service = createAlertService({
    store,
    catalog: createAlertCatalog(catalog),
    readings: counted,
    settings: defaultAlertSettings(),
    now: () => touchClock,
    logger: silentLogger(),
    timeZone: 'UTC',
    lang: 'zh-CN',
  });

  /** Each run's re-judgment ÷ grouped query, for the summary. */
  const ratios: { nth: number; ratio: number; rejudgeMs: number; groupedMs: number }[] = [];
  /** One back-fill of these stations re-judged, against the grouped statement over the same windows. */
  async function measure(nth: number, late: readonly string[]) {
    // The day's windows were judged without data (the links were down).
    for (const id of late)
      for (let s = from; s < now; s += W)
        await store.markProcessed({
          rule: 'section_compliance',
          stationId: id,
          start: s,
          end: s + W,
          outcome: 'insufficient',
          alertId: null,
          at: s + W,
        });
    // The back-fill: 24 h of class-V NH3-N, one batch per station (an MQTT backfill array).
    for (const id of late) {
      const batch: Reading[] = [];
      for (let t = from; t < now; t += HOUR)
        for (const p of PARAMS)
          batch.push({ stationId: id, parameter: p, ts: t, value: p === 'nh3n' ? 1.8 : 7, flag: 'N' });
      await inner.write(batch);
    }
    const ctx = {
      now: touchClock + 2 * 60_000,
      trigger: 'manual',
      attempt: 1,
      signal: new AbortController().signal,
      log: silentLogger(),
    } as unknown as JobContext;
    const queuedBefore = (await store.outboxStats()).pending;
    requests = 0;
    storeMs = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const tally = await rejudgeTouched({
      readings: counted,
      store,
      service,
      horizonMs: 7 * 24 * HOUR,
      windowOf: () => parseWindow('4h'),
      timeZone: 'UTC',
      concurrency: 4,
      ctx,
      errors: [],
    });
    const rejudgeMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    touchClock += 3 * 60_000; // past this run's cursor (ctx.now − TOUCH_SETTLE_MS)
    // The ceiling: the same windows' means in one grouped InfluxQL statement.
    const q = `SELECT mean("value"), count("value") FROM "reading" WHERE (${late.map((id) => `"station" = '${id}'`).join(' OR ')}) AND ("flag" = 'N' OR "flag" = 'T') AND time >= ${from}ms AND time < ${now}ms GROUP BY time(4h), "station", "param"`;
    // Three times, the median: one statement's time swings with the machine's load more than the whole run's.
    const groupedRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t1 = performance.now();
      const res = await fetch(`${influxd.url}/query?${new URLSearchParams({ db: 'bench_alerts', q, epoch: 'ms' })}`);
      await res.json();
      groupedRuns.push(performance.now() - t1);
    }
    const groupedMs = [...groupedRuns].sort((a, b) => a - b)[1]!;
    const ratio = (ms: number) => Math.round((ms / groupedMs) * 100) / 100;
    ratios.push({ nth, ratio: rejudgeMs / groupedMs, rejudgeMs, groupedMs });
    console.log(
      JSON.stringify({
        bench: 'alerts-rejudge',
        run: nth === 1 ? 'cold' : 'warm',
        nth,
        stations,
        backfilling: late.length,
        touches: tally.touches,
        windows: tally.windows,
        opened: tally.opened,
        notifications_queued: (await store.outboxStats()).pending - queuedBefore,
        rejudge_ms: Math.round(rejudgeMs),
        rejudge_cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
        store_requests: requests,
        store_wait_ms: Math.round(storeMs),
        grouped_query_ms: Math.round(groupedMs),
        grouped_query_runs_ms: groupedRuns.map((ms) => Math.round(ms)),
        ratio: ratio(rejudgeMs),
        store_ratio: ratio(storeMs),
        target_ratio: 2,
        target_met: rejudgeMs <= 2 * groupedMs,
      }),
    );
  }

  for (let n = 1; n <= runs; n++) await measure(n, ids.slice((n - 1) * backfilling, n * backfilling));
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const round = (x: number) => Math.round(x * 100) / 100;
  const warm = ratios.filter((r) => r.nth >= 2 && r.nth <= 10).map((r) => r.ratio);
  const settledRuns = ratios.filter((r) => r.nth >= 11);
  const settled = settledRuns.map((r) => r.ratio);
  console.log(
    JSON.stringify({
      bench: 'alerts-rejudge',
      run: 'summary',
      runs,
      cold_ratio: round(ratios[0]!.ratio),
      ...(warm.length > 0
        ? {
            warm_median_ratio: round(median(warm)),
            warm_runs_met: `${warm.filter((r) => r <= 2).length}/${warm.length}`,
          }
        : {}),
      ...(settled.length > 0
        ? {
            settled_median_ratio: round(median(settled)),
            settled_runs_met: `${settled.filter((r) => r <= 2).length}/${settled.length}`,
            settled_median_rejudge_ms: Math.round(median(settledRuns.map((r) => r.rejudgeMs))),
            settled_median_grouped_query_ms: Math.round(median(settledRuns.map((r) => r.groupedMs))),
          }
        : {}),
      target_ratio: 2,
      // The steady state: the settled median (none without runs 11 on).
      target_met: settled.length > 0 ? median(settled) <= 2 : null,
    }),
  );
  await store.close();
  await inner.stop();
} finally {
  await influxd.process.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
