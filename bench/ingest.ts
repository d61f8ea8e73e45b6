/**
 * `npm run bench:ingest` — the ingest benchmark of issue 3 (docs/benchmarks.md).
 *
 * One run, on this machine, with a real mosquitto and a real influxd from the test harness:
 *   1. M: raw MQTT QoS 1 rate — MQTT.js publisher → broker → MQTT.js subscriber (own process) doing nothing;
 *   2. W: raw InfluxDB write rate — batched line protocol (same schema, same series) to the same influxd;
 *   3. the pipeline — the real `src/main.ts` in a child process, 2,000 catalog stations, messages of 9
 *      readings round-robin, QoS 1, published at full speed; readings/s from the first publish until the last
 *      reading is counted in the database (asked once the ingester reports every write acknowledged: the count
 *      is too costly to poll), and the ingester's CPU time per message;
 *   4. latency publish → queryable at half that rate (probe stations' readings polled in the database);
 *   5. the ingester's peak RSS (VmHWM).
 * The ingester runs compiled to JavaScript, as in production (`node dist/main.js` in the Docker image): the
 * bench compiles src/main.ts and what it imports into node_modules/.cache/qingliu-bench first (`--tsx` runs
 * it through tsx instead, as `npm start` does; tsx adds ~20 MB of RSS).
 * The ingester keeps the hourly rollups as in production (docs/adr/0006), with a pass every
 * `--rollup-interval` seconds (default 5 instead of 60, so that the bench does not wait a minute per round);
 * passes wait while the store is busy writing, and for an hour to settle (30 s). After each round the bench
 * waits until the ingester has rolled up the round's readings, and reports how long that took: so the next
 * round's raw ceilings are measured on a machine that is not recomputing rollups. `--rollups off` runs the
 * ingester without them (INFLUX_ROLLUPS=off), to see what they cost.
 * Steps 1–3 run `--rounds` times (default 3) back to back; the figures are the rounds' medians, each round's
 * ratio to C computed within the round (same background load), because a shared machine's load swings.
 * Prints one JSON line on stdout (progress on stderr). Options: --messages N per round (default 100000),
 * --latency-seconds S (default 15), --rounds K, --tsx, --node-options "<flags>" (V8 flags for the ingester;
 * default none: V8's defaults, as the Docker image runs it; e.g. "--max-old-space-size=128" to compare).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type { ParameterCode } from '../src/domain/parameters.js';
import { freePort } from '../test/harness/free-port.js';
import { startInfluxd } from '../test/harness/influxd.js';
import { startMosquitto } from '../test/harness/mosquitto.js';
import { writeCatalog } from '../test/ingest/e2e.js';
import { cpuSeconds, memoryMb, percentile, positiveOption, stopChild } from './bench-kit.js';
import { compileMain } from './compile-main.js';

const REPO = path.resolve(import.meta.dirname, '..');
const STATIONS = 2000;
const PARAMETERS: ParameterCode[] = ['temp', 'ph', 'do', 'conductivity', 'turbidity', 'codmn', 'nh3n', 'tp', 'tn'];
const R = PARAMETERS.length;
const WRITE_BATCH = 5000;
const WRITE_CONCURRENCY = 2;
const PUBLISH_WINDOW = 1000;
const AUTOSAVE_SECONDS = positiveOption('autosave-seconds', 30);
/** Latency probes: the messages of stations st-0000…st-0099 (5 % of all), found by one regex query. */
const PROBE_STATIONS = 100;

const N = Math.round(positiveOption('messages', 100_000));
const USE_TSX = process.argv.includes('--tsx');
const REPEAT = Math.round(positiveOption('rounds', 3));
/** V8 flags for the ingester: none by default, as production runs it (docs/benchmarks.md, "Memory"). */
const NODE_OPTIONS = process.argv.includes('--node-options')
  ? (process.argv[process.argv.indexOf('--node-options') + 1] ?? '')
  : '';
const LATENCY_SECONDS = positiveOption('latency-seconds', 15);
const ROLLUP_INTERVAL_SECONDS = positiveOption('rollup-interval', 5);
/** `--rollups off`: the ingester without hourly rollups (INFLUX_ROLLUPS=off), to see what they cost. */
const ROLLUPS = process.argv.includes('--rollups') ? process.argv[process.argv.indexOf('--rollups') + 1] : 'on';
if (ROLLUPS !== 'on' && ROLLUPS !== 'off') throw new Error('--rollups expects on or off');

const log = (msg: string) => process.stderr.write(`[bench:ingest] ${msg}\n`);
const stationId = (i: number) => `st-${String(i % STATIONS).padStart(4, '0')}`;

function valuesFor(i: number): Record<string, number> {
  return {
    temp: 10 + (i % 150) / 10,
    ph: 6.5 + (i % 200) / 100,
    do: 4 + (i % 60) / 10,
    conductivity: 300 + (i % 400),
    turbidity: (i % 900) / 10,
    codmn: 1 + (i % 80) / 10,
    nh3n: (i % 300) / 100,
    tp: (i % 400) / 1000,
    tn: (i % 500) / 100,
  };
}

/** Messages i = 0…n-1: stations round-robin, each station's messages a minute apart from `base`. */
function payloads(n: number, base: number, spacing: (i: number) => number): Buffer[] {
  return Array.from({ length: n }, (_, i) =>
    Buffer.from(JSON.stringify({ ts: base + spacing(i), values: valuesFor(i) })),
  );
}

interface PublishResult {
  firstAt: number;
  lastAckAt: number;
  publishedAt: Float64Array;
}

/** QoS 1 at full speed (or `perSecond`), `window` unacknowledged at a time. */
async function publish(
  url: string,
  topicOf: (i: number) => string,
  messages: Buffer[],
  options: { window: number; perSecond?: number },
): Promise<PublishResult> {
  const client = await mqtt.connectAsync(url, { clientId: `bench-pub-${process.pid}-${Date.now()}`, clean: true });
  client.on('error', () => undefined);
  const publishedAt = new Float64Array(messages.length);
  let acked = 0;
  let inFlight = 0;
  let next = 0;
  const firstAt = Date.now();
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const pump = () => {
      while (inFlight < options.window && next < messages.length) {
        const due = options.perSecond ? firstAt + (next / options.perSecond) * 1000 : 0;
        if (due > Date.now()) {
          timer ??= setTimeout(
            () => {
              timer = undefined;
              pump();
            },
            Math.max(1, due - Date.now()),
          );
          return;
        }
        const i = next++;
        inFlight++;
        publishedAt[i] = Date.now();
        client.publish(topicOf(i), messages[i]!, { qos: 1 }, () => {
          inFlight--;
          acked++;
          if (acked === messages.length) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  const lastAckAt = Date.now();
  await client.endAsync();
  return { firstAt, lastAckAt, publishedAt };
}

async function influxQuery(url: string, db: string, q: string): Promise<{ series?: { values: unknown[][] }[] }> {
  const res = await fetch(`${url}/query?db=${db}&epoch=ms&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results: { series?: { values: unknown[][] }[]; error?: string }[] };
  const result = body.results[0];
  if (!result || result.error) throw new Error(`InfluxQL failed: ${result?.error ?? res.status}`);
  return result;
}

async function countReadings(url: string, db: string, where = ''): Promise<number> {
  const result = await influxQuery(url, db, `SELECT count(value) FROM reading ${where}`);
  return Number(result.series?.[0]?.values[0]?.[1] ?? 0);
}

async function measureRawMqtt(url: string, messages: Buffer[]): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO, 'bench/raw-mqtt-subscriber.ts'), url, 'raw/+/data', String(messages.length)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  try {
    const done = new Promise<{ firstAt: number; lastAt: number }>((resolve, reject) => {
      child.on('message', (m: { done?: boolean; firstAt: number; lastAt: number }) => m.done && resolve(m));
      child.once('exit', (code) => reject(new Error(`raw subscriber exited with ${code}`)));
    });
    await new Promise<void>((resolve) => child.on('message', (m: { ready?: boolean }) => m.ready && resolve()));
    const published = await publish(url, (i) => `raw/${stationId(i)}/data`, messages, { window: PUBLISH_WINDOW });
    const received = await done;
    return messages.length / ((received.lastAt - published.firstAt) / 1000);
  } finally {
    child.disconnect();
  }
}

async function measureRawInflux(url: string, messages: number, base: number, spanMs: number): Promise<number> {
  const db = 'bench_raw';
  await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE ${db}` }) });
  // Same measurement, tags, fields and series as the ingester writes; bodies built before the clock starts.
  const bodies: string[] = [];
  let lines: string[] = [];
  for (let i = 0; i < messages; i++) {
    const values = valuesFor(i);
    const ts = base + Math.floor(i / STATIONS) * 60_000;
    for (const p of PARAMETERS) {
      lines.push(`reading,param=${p},station=${stationId(i)} value=${values[p]},flag="N" ${ts}`);
      if (lines.length === WRITE_BATCH) {
        bodies.push(lines.join('\n'));
        lines = [];
      }
    }
  }
  if (lines.length > 0) bodies.push(lines.join('\n'));
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITE_CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const res = await fetch(`${url}/write?db=${db}&precision=ms`, { method: 'POST', body });
        if (res.status !== 204) throw new Error(`raw write failed: ${res.status} ${await res.text()}`);
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  const stored = await countReadings(url, db, `WHERE time >= ${base}ms AND time < ${base + spanMs}ms`);
  if (stored !== messages * R) throw new Error(`raw write stored ${stored} of ${messages * R} points`);
  return (messages * R) / elapsed;
}

async function until(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs: number,
  what: string,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A query that fails under load (a reset connection, a timeout) is asked again, not fatal.
    if (await condition().catch(() => false)) return Date.now();
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-bench-'));
  // The machine may be shared: record how busy it was, to read the figures with that in mind.
  const loadBefore = os.loadavg()[0]!;
  log(`starting mosquitto and influxd; ${N} messages × ${R} readings, ${STATIONS} stations`);
  // Mosquitto saves its persistence file every autosave interval, with every message queued for a persistent
  // session (the ingester's): the harness's 1 s (for the tests) would bill the pipeline a save per second that
  // the raw MQTT ceiling (a clean session) never pays. The production configuration's 30 s is the fair setting.
  const [broker, influx] = await Promise.all([
    startMosquitto({ autosaveIntervalSeconds: AUTOSAVE_SECONDS }),
    startInfluxd(),
  ]);
  let ingester: ChildProcess | undefined;
  try {
    const day = 86_400_000;
    const port = await freePort();
    const entry = [
      ...NODE_OPTIONS.split(' ').filter(Boolean),
      ...(USE_TSX ? ['--import', 'tsx', path.join(REPO, 'src/main.ts')] : [compileMain()]),
    ];
    const catalog = writeCatalog(
      dir,
      Array.from({ length: STATIONS }, (_, i) => stationId(i)),
      PARAMETERS,
    );
    ingester = spawn(process.execPath, entry, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ROLES: 'ingest',
        MQTT_URL: broker.url,
        MQTT_CLIENT_ID: 'bench-ingest',
        INFLUX_URL: influx.url,
        INFLUX_BUCKET: 'bench',
        DATA_DIR: path.join(dir, 'data'),
        CATALOG: catalog,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        INFLUX_ROLLUPS: ROLLUPS,
        INFLUX_ROLLUP_INTERVAL_SECONDS: String(ROLLUP_INTERVAL_SECONDS),
      },
    });
    const pid = ingester.pid!;
    const http = `http://127.0.0.1:${port}`;
    await until(
      async () => (await fetch(`${http}/readyz`).catch(() => undefined))?.status === 200,
      60_000,
      100,
      'the ingester to be ready',
    );
    const idleRss = memoryMb(pid);
    log(`ingester ready: RSS ${Math.round(idleRss.current)} MB (peak so far ${Math.round(idleRss.peak)} MB)`);
    const stored = async () =>
      Number(
        /^qingliu_ingest_readings_stored_total (\S+)$/m.exec(await (await fetch(`${http}/metrics`)).text())?.[1] ?? 0,
      );

    // Rounds of M, W and the pipeline back to back, so that each round's three figures share the machine's
    // background load; each round writes its own time range (the first one also creates the 18,000 series).
    const expected = N * R;
    const spanMs = Math.ceil(N / STATIONS) * 60_000;
    const rounds: {
      M: number;
      W: number;
      C: number;
      e2e: number;
      ratio: number;
      rollupS: number;
      ingesterCpuUs: number;
    }[] = [];
    // The ingester's rollups are current once it publishes, after doneAt, a clean_before at its current hour:
    // nothing before that hour is dirty (the rounds' readings are 400 days old).
    const rollupsCurrent = async (after: number) => {
      const state = await influxQuery(
        influx.url,
        'bench',
        `SELECT last("clean_before") FROM "rollup_state" WHERE "instance" = 'bench-ingest'`,
      );
      const [time, cleanBefore] = (state.series?.[0]?.values[0] ?? []) as number[];
      return (
        time !== undefined && cleanBefore !== undefined && time > after && cleanBefore >= time - (time % 3_600_000)
      );
    };
    for (let k = 0; k < REPEAT; k++) {
      const base = Date.now() - (400 + 10 * k) * day;
      const messages = payloads(N, base, (i) => Math.floor(i / STATIONS) * 60_000);
      log(`round ${k + 1}/${REPEAT}: raw MQTT ceiling (M)…`);
      const M = await measureRawMqtt(broker.url, messages);
      log(`round ${k + 1}/${REPEAT}: raw InfluxDB write ceiling (W)…`);
      const W = await measureRawInflux(influx.url, N, base, spanMs);
      const C = 1 / (1 / M + R / W);
      log(
        `round ${k + 1}/${REPEAT}: M = ${Math.round(M)} messages/s, W = ${Math.round(W)} points/s, C = ${Math.round(C)} messages/s; pipeline at full speed…`,
      );
      const storedBefore = await stored();
      const cpuBefore = cpuSeconds(pid);
      const run = await publish(broker.url, (i) => `wq/${stationId(i)}/data`, messages, { window: PUBLISH_WINDOW });
      // The database count is the measure, but it is not free: on 900,000 points one takes influxd ~250 ms and
      // ~0.4 CPU-s, from the very writes it waits for. So the ingester's own counter (cheap) says when to ask,
      // and the count is asked only once the ingester has had every write acknowledged — or, should that never
      // come, after 10 s of polling the counter, every 50 ms as before.
      await until(
        async () => (await stored()) - storedBefore >= expected * 0.95,
        600_000,
        100,
        'the ingester to store 95 %',
      );
      await until(
        async () => (await stored()) - storedBefore >= expected,
        10_000,
        20,
        'the ingester to store 100 %',
      ).catch(() => undefined);
      const inRange = `WHERE time >= ${base}ms AND time < ${base + spanMs}ms`;
      // The end is when the count that sees every reading was *sent*, not when it returned (that would add its own
      // ~250 ms to every round). It is still no earlier than the truth: it is sent only after influxd acknowledged
      // the ingester's last write, and an acknowledged write is queryable. (In the fallback it may be early by the
      // few milliseconds between sending a count and its scan.)
      let doneAt = 0;
      await until(
        async () => {
          const askedAt = Date.now();
          if ((await countReadings(influx.url, 'bench', inRange)) < expected) return false;
          doneAt = askedAt;
          return true;
        },
        600_000,
        50,
        'every reading in the database',
      );
      const e2e = expected / ((doneAt - run.firstAt) / 1000);
      const ingesterCpuUs = ((cpuSeconds(pid) - cpuBefore) / N) * 1e6;
      const rolledUpAt =
        ROLLUPS === 'on'
          ? await until(() => rollupsCurrent(doneAt), 600_000, 200, "the round's hourly rollups")
          : doneAt;
      const rollupS = (rolledUpAt - doneAt) / 1000;
      rounds.push({ M, W, C, e2e, ratio: e2e / R / C, rollupS, ingesterCpuUs });
      log(
        `round ${k + 1}/${REPEAT}: end to end ${Math.round(e2e)} readings/s (${Math.round(e2e / R)} messages/s) = ${(e2e / R / C).toFixed(2)} × C; rollups current ${rollupS.toFixed(1)} s later`,
      );
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
    const e2eReadingsPerSecond = median(rounds.map((r) => r.e2e));
    const e2eMessagesPerSecond = e2eReadingsPerSecond / R;
    const M = median(rounds.map((r) => r.M));
    const W = median(rounds.map((r) => r.W));
    const C = median(rounds.map((r) => r.C));
    const ratio = median(rounds.map((r) => r.ratio));

    // Latency at half that rate: unique timestamps (1 ms apart) so each probe reading names its message.
    const rate = e2eMessagesPerSecond / 2;
    const latencyMessages = Math.round(rate * LATENCY_SECONDS);
    const latencyBase = Date.now() - 30 * day;
    const probeMessages = payloads(latencyMessages, latencyBase, (i) => i);
    const seenAt = new Float64Array(latencyMessages);
    let seen = 0;
    let polling = true;
    const probes = `station =~ /^st-00[0-9][0-9]$/`;
    const poller = (async () => {
      let since = latencyBase - 1;
      while (polling) {
        const result = await influxQuery(
          influx.url,
          'bench',
          `SELECT value FROM reading WHERE param='ph' AND (${probes}) AND time > ${since}ms`,
        ).catch(() => ({ series: undefined }));
        const now = Date.now();
        let newest = since;
        for (const row of result.series?.[0]?.values ?? []) {
          const i = Number(row[0]) - latencyBase;
          if (seenAt[i] === 0) {
            seenAt[i] = now;
            seen++;
          }
          newest = Math.max(newest, Number(row[0]));
        }
        // Re-read a short overlap: readings may become queryable slightly out of order.
        since = Math.max(since, newest - Math.ceil(rate));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    log(`latency at ${Math.round(rate)} messages/s for ${LATENCY_SECONDS} s…`);
    const latencyRun = await publish(broker.url, (i) => `wq/${stationId(i)}/data`, probeMessages, {
      window: PUBLISH_WINDOW,
      perSecond: rate,
    });
    const probeCount = Array.from({ length: latencyMessages }, (_, i) => i).filter(
      (i) => i % STATIONS < PROBE_STATIONS,
    ).length;
    await until(async () => seen >= probeCount, 120_000, 50, 'every probe reading');
    polling = false;
    await poller;
    const latencies: number[] = [];
    for (let i = 0; i < latencyMessages; i++)
      if (i % STATIONS < PROBE_STATIONS) latencies.push(seenAt[i]! - latencyRun.publishedAt[i]!);
    latencies.sort((a, b) => a - b);

    const totalExpected = REPEAT * expected + latencyMessages * R;
    await until(
      async () => (await countReadings(influx.url, 'bench')) >= totalExpected,
      120_000,
      200,
      'the latency run stored',
    );
    const totalStored = await countReadings(influx.url, 'bench');
    const rss = memoryMb(pid);

    const result = {
      benchmark: 'ingest',
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        node: process.version,
        load_1m_before: Number(loadBefore.toFixed(2)),
        load_1m_after: Number(os.loadavg()[0]!.toFixed(2)),
      },
      stations: STATIONS,
      readings_per_message: R,
      messages: N,
      e2e_readings_per_s: Math.round(e2eReadingsPerSecond),
      e2e_messages_per_s: Math.round(e2eMessagesPerSecond),
      raw_mqtt_messages_per_s: Math.round(M),
      raw_influx_points_per_s: Math.round(W),
      ceiling_messages_per_s: Math.round(C),
      e2e_vs_ceiling: Number(ratio.toFixed(3)),
      ingester_cpu_us_per_message: Math.round(median(rounds.map((r) => r.ingesterCpuUs))),
      rounds: rounds.map((r) => ({
        raw_mqtt_messages_per_s: Math.round(r.M),
        raw_influx_points_per_s: Math.round(r.W),
        ceiling_messages_per_s: Math.round(r.C),
        e2e_readings_per_s: Math.round(r.e2e),
        e2e_vs_ceiling: Number(r.ratio.toFixed(3)),
        rollups_current_after_s: Number(r.rollupS.toFixed(1)),
        ingester_cpu_us_per_message: Math.round(r.ingesterCpuUs),
      })),
      rollups: ROLLUPS,
      rollup_interval_s: ROLLUP_INTERVAL_SECONDS,
      latency_rate_messages_per_s: Math.round(rate),
      latency_samples: latencies.length,
      latency_p50_ms: Math.round(percentile(latencies, 50)),
      latency_p99_ms: Math.round(percentile(latencies, 99)),
      ingester_peak_rss_mb: Math.round(rss.peak),
      ingester_ready_rss_mb: Math.round(idleRss.current),
      ingester_runtime: USE_TSX ? 'tsx' : 'compiled',
      ingester_node_options: NODE_OPTIONS,
      mosquitto_autosave_interval_s: AUTOSAVE_SECONDS,
      readings_expected: totalExpected,
      readings_stored: totalStored,
      readings_lost: totalExpected - totalStored,
      targets_met: {
        e2e_at_least_0_7_ceiling: ratio >= 0.7,
        p99_at_most_2_s: percentile(latencies, 99) <= 2000,
        rss_at_most_200_mb: rss.peak <= 200,
        zero_lost: totalExpected === totalStored,
      },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await stopChild(ingester);
    await Promise.all([broker.dispose(), influx.dispose()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
