/**
 * `npm run bench:ha` — issue 16's figures for several instances, with real parts on this machine: Debian's
 * PostgreSQL, mosquitto, influxd and haproxy from the test harness, and real `src/main.ts` processes (ROLES,
 * DATABASE_URL) arranged as the compose scale profile runs them (test/ha/topology.ts, deploy/haproxy/haproxy.cfg).
 *
 *   1. Alerts failover: two `ROLES=alerts` instances; kill -9 the leader `--kills` times (default 10) and time
 *      until the standby logs that it leads (its own log line's timestamp), restarting the killed one as the
 *      new standby each time. LEADER_LEASE as in production (15 s) unless `--lease`.
 *   2. Ingest: the same broker and influxd, `--messages` messages (6 readings each) published at full speed to
 *      one ingester on the shared subscription, then to two; readings/s from the first publish until the
 *      ingesters have stored them all (their `readings_stored` counters; the database count is checked once).
 *      Raw ceilings in the same run: the MQTT QoS 1 rate to a subscriber doing nothing (one, then two on a shared
 *      subscription), and the publisher alone.
 *   3. API: the data API's calls of `bench:api` (a long hourly series, a month of daily quality, the station
 *      list), `--clients` concurrent clients for `--seconds` in all, through haproxy to one API instance, to
 *      two, and straight to one instance (what haproxy costs), interleaved in `--rounds` rounds. p50/p99, req/s.
 *
 * One JSON line per figure on stdout; progress on stderr. On 2 cores, two instances of anything share the same
 * two cores with the broker, influxd and the load generator: the lines say how busy the machine was.
 * Options: --kills N (10) --lease D (15s) --messages N (30000) --clients N (8) --seconds N (30) --rounds N (3) --days N (14)
 *          --skip failover,ingest,api
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { startProductionHaproxy, type ProductionHaproxy } from '../test/harness/haproxy.js';
import { startInfluxd, type Influxd } from '../test/harness/influxd.js';
import { startMosquitto, type Mosquitto } from '../test/harness/mosquitto.js';
import { startPostgres, type Postgres } from '../test/harness/postgres.js';
import type { QingliuProcess } from '../test/harness/qingliu.js';
import { ADMIN_KEY, createTopology, isLeading, LOGGER_SECRETS } from '../test/ha/topology.js';
import { SECTION_PARAMETERS, writeChaosCatalog } from '../test/ha/scenario.js';
import { cpuSeconds, percentile } from './bench-kit.js';
import { postLines } from './bench-influxd.js';

const args = process.argv.slice(2);
function option(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}
const KILLS = Number(option('kills', '10'));
const LEASE = option('lease', '15s');
const MESSAGES = Number(option('messages', '30000'));
const CLIENTS = Number(option('clients', '8'));
const SECONDS = Number(option('seconds', '30'));
const ROUNDS = Number(option('rounds', '3'));
const DAYS = Number(option('days', '14'));
const SKIP = new Set(option('skip', '').split(',').filter(Boolean));
const BUCKET = 'ha';
const SECTIONS = 60;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'ha', ...record })}\n`);
}
function note(text: string): void {
  process.stderr.write(`bench:ha ${text}\n`);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').trim();
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

async function until(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The time of the last line of `log` matching `msg` (pino's `time`, epoch ms). */
function lastLogTime(log: string, msg: string): number | undefined {
  const lines = log.split('\n').filter((l) => l.includes(`"msg":"${msg}"`));
  const m = /"time":(\d+)/.exec(lines.at(-1) ?? '');
  return m ? Number(m[1]) : undefined;
}

// ── 1. Failover ────────────────────────────────────────────────────────────────────────────────────────────
async function benchFailover(base: Base): Promise<void> {
  const topo = await createTopology({
    ...base.topology,
    ingesters: 0,
    apis: 0,
    alerts: 2,
    alertsEnv: { LEADER_LEASE: LEASE },
  });
  try {
    await topo.startAlerts();
    const times: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      await until('a leader', 60_000, () => topo.leader() !== undefined);
      const leader = topo.leader()!;
      const standby = topo.alerts.find((a) => a !== leader)!;
      // Kill at a random point of the renewal cycle, as a crash would.
      await sleep(Math.random() * 2_000);
      const killedAt = Date.now();
      await leader.kill();
      await until('the standby leads', 60_000, () => isLeading(standby));
      const elected = lastLogTime(standby.logSinceStart(), 'elected leader')!;
      times.push(elected - killedAt);
      note(`kill ${k + 1}/${KILLS}: ${standby.name} leads ${elected - killedAt} ms after kill -9 of ${leader.name}`);
      await leader.start();
    }
    const sorted = [...times].sort((a, b) => a - b);
    emit({
      phase: 'failover',
      lease: LEASE,
      kills: KILLS,
      p50_ms: percentile(sorted, 50),
      max_ms: sorted.at(-1),
      min_ms: sorted[0],
      target_ms: 30_000,
      bound_ms: 'lease × 4/3',
      loadavg: loadavg(),
    });
  } finally {
    await topo.dispose();
  }
}

// ── 2. Ingest: one ingester against two ──────────────────────────────────────────────────────────────────────
let round_ = 0;
/** Messages of distinct readings: each round its own time range, so no reading overwrites another. */
function* messages(stations: string[], count: number): Generator<{ topic: string; payload: string }> {
  round_++;
  const t0 = Date.now() - 30 * DAY + round_ * DAY;
  for (let i = 0; i < count; i++) {
    const station = stations[i % stations.length]!;
    const ts = t0 + Math.floor(i / stations.length) * 1_000;
    const values = Object.fromEntries(SECTION_PARAMETERS.map((p, j) => [p, round(1 + ((i + j) % 97) / 10, 2)]));
    yield { topic: `wq/${station}/data`, payload: JSON.stringify({ ts, values }) };
  }
}

async function publish(
  url: string,
  batch: Iterable<{ topic: string; payload: string }>,
  inFlight = 500,
): Promise<number> {
  const client = await mqtt.connectAsync(url, { clientId: `bench-ha-pub-${process.pid}-${round_}`, clean: true });
  const pending = new Set<Promise<unknown>>();
  const started = performance.now();
  for (const m of batch) {
    while (pending.size >= inFlight) await Promise.race(pending);
    const p = client.publishAsync(m.topic, m.payload, { qos: 1 }).finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  await client.endAsync();
  return seconds;
}

/** Raw subscribers (MQTT.js acknowledging at once) on a shared subscription: the broker's own ceiling. */
async function rawCeiling(broker: Mosquitto, stations: string[], subscribers: number): Promise<number> {
  const per = Math.floor(MESSAGES / subscribers);
  const children = Array.from({ length: subscribers }, () =>
    fork(path.join(import.meta.dirname, 'raw-mqtt-subscriber.ts'), [broker.url, '$share/raw/wq/#', String(per)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    }),
  );
  const done = children.map(
    (c) =>
      new Promise<{ firstAt: number; lastAt: number }>((resolve) =>
        c.on('message', (m: { done?: boolean; firstAt: number; lastAt: number }) => m.done && resolve(m)),
      ),
  );
  await Promise.all(children.map((c) => new Promise((r) => c.once('message', r))));
  const started = Date.now();
  await publish(broker.url, messages(stations, per * subscribers));
  const results = await Promise.race([Promise.all(done), sleep(120_000).then(() => undefined)]);
  for (const c of children) c.kill();
  if (!results) throw new Error('the raw subscribers did not get every message');
  const last = Math.max(...results.map((r) => r.lastAt));
  return (per * subscribers * SECTION_PARAMETERS.length) / ((last - started) / 1000);
}

async function storedTotal(ingesters: QingliuProcess[]): Promise<number> {
  let total = 0;
  for (const p of ingesters) {
    const text = await (await fetch(`${p.origin}/metrics`)).text();
    const m = /^qingliu_ingest_readings_stored_total (\S+)$/m.exec(text);
    total += m ? Number(m[1]) : 0;
  }
  return total;
}

async function benchIngest(base: Base, broker: Mosquitto, influx: Influxd): Promise<void> {
  const topo = await createTopology({ ...base.topology, ingesters: 2, apis: 0, alerts: 0 });
  const stations = base.sections;
  try {
    const publisherOnly = MESSAGES / (await publish(broker.url, messages(['nobody-subscribes'], MESSAGES)));
    emit({ phase: 'ingest', what: 'publisher alone (no subscriber)', messages_per_s: round(publisherOnly) });
    for (const subscribers of [1, 2]) {
      const rate = await rawCeiling(broker, stations, subscribers);
      emit({
        phase: 'ingest',
        what: `raw MQTT ceiling, ${subscribers} subscriber(s) on $share`,
        readings_per_s: round(rate),
      });
    }
    const results: Record<number, number> = {};
    for (const n of [1, 2]) {
      const running = topo.ingesters.slice(0, n);
      await Promise.all(running.map((p) => p.start()));
      const before = await storedTotal(running);
      const cpuBefore = running.map((p) => cpuSeconds(p.pid!));
      const readings = MESSAGES * SECTION_PARAMETERS.length;
      const started = performance.now();
      await publish(broker.url, messages(stations, MESSAGES));
      await until('every reading stored', 300_000, async () => (await storedTotal(running)) - before >= readings);
      const seconds = (performance.now() - started) / 1000;
      const cpu = running.map((p) => cpuSeconds(p.pid!)).reduce((a, b, i) => a + b - cpuBefore[i]!, 0);
      results[n] = readings / seconds;
      emit({
        phase: 'ingest',
        ingesters: n,
        readings,
        seconds: round(seconds),
        readings_per_s: round(results[n]),
        ingester_cpu_s_per_100k_readings: round((cpu / readings) * 100_000, 2),
        loadavg: loadavg(),
      });
      await Promise.all(running.map((p) => p.stop()));
    }
    const [count] = await (
      await fetch(`${influx.url}/query?db=${BUCKET}&q=${encodeURIComponent('SELECT count("value") FROM "reading"')}`)
    )
      .json()
      .then((b: { results: { series?: { values: number[][] }[] }[] }) => b.results[0]?.series ?? []);
    emit({
      phase: 'ingest',
      two_over_one: round(results[2]! / results[1]!, 2),
      target: 1.6,
      stored_in_influxd: count?.values[0]?.[1],
      cores: os.cpus().length,
    });
  } finally {
    await topo.dispose();
  }
}

// ── 3. API: two instances behind haproxy against one ────────────────────────────────────────────────────────
async function seedApiData(influx: Influxd, stations: string[]): Promise<number> {
  const end = Math.floor(Date.now() / HOUR) * HOUR;
  const from = end - DAYS * DAY;
  let lines: string[] = [];
  let points = 0;
  const flush = async () => {
    if (lines.length === 0) return;
    await postLines(`${influx.url}/write?db=${BUCKET}&precision=ms`, lines.join('\n'));
    lines = [];
  };
  for (const station of stations)
    for (let t = from; t < end; t += 5 * 60_000) {
      for (const [j, p] of SECTION_PARAMETERS.entries()) {
        lines.push(
          `reading,param=${p},station=${station} value=${round(1 + Math.sin(t / HOUR + j) * 0.4, 3)},flag="N" ${t}`,
        );
        points++;
      }
      if (lines.length >= 20_000) await flush();
    }
  await flush();
  return points;
}

/** `CLIENTS` clients calling `calls` in turn for `seconds`: latencies of the 200s, and the errors. */
async function load(base: string, calls: string[], seconds: number): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = c; performance.now() < deadline; i++) {
        const started = performance.now();
        const res = await fetch(`${base}${calls[i % calls.length]}`, {
          headers: { authorization: `Bearer ${ADMIN_KEY}` },
        });
        await res.arrayBuffer();
        if (res.status !== 200) errors++;
        else latencies.push(performance.now() - started);
      }
    }),
  );
  return { latencies, errors };
}

async function benchApi(base: Base, influx: Influxd): Promise<void> {
  note(`seeding ${SECTIONS} sections × ${SECTION_PARAMETERS.length} parameters × ${DAYS} days at 5 min…`);
  const points = await seedApiData(influx, base.sections);
  emit({ phase: 'api', seeded_points: points, days: DAYS });
  const topo = await createTopology({
    ...base.topology,
    ingesters: 0,
    apis: 2,
    alerts: 0,
    apiEnv: { RATE_LIMIT_PER_MINUTE: '0' },
  });
  let single: ProductionHaproxy | undefined;
  try {
    await topo.startApis();
    single = await startProductionHaproxy({ hj212: [], api: [topo.apis[0]!.port] });
    const iso = (t: number) => encodeURIComponent(new Date(t).toISOString());
    const end = Math.floor(Date.now() / HOUR) * HOUR;
    const section = base.sections[0]!;
    const calls = [
      `/api/v1/stations/${section}/series?params=nh3n,tp,do&window=1h&from=${iso(end - DAYS * DAY)}&to=${iso(end)}`,
      `/api/v1/stations/${section}/quality?window=1d&from=${iso(end - Math.min(DAYS, 30) * DAY)}&to=${iso(end)}`,
      '/api/v1/stations',
    ];
    for (const c of calls) {
      const res = await fetch(`${topo.apis[0]!.origin}${c}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      if (res.status !== 200) throw new Error(`${c}: HTTP ${res.status} ${await res.text()}`);
    }
    await until('haproxy sees both instances', 30_000, async () => {
      const statuses = await Promise.all(
        [topo.haproxy.apiPort, single!.apiPort].map(
          async (port) => (await fetch(`http://127.0.0.1:${port}/healthz`)).status,
        ),
      );
      return statuses.every((s) => s === 200);
    });
    await load(topo.apis[0]!.origin, calls, 3); // warm both code paths and influxd's cache
    const runs: [string, string][] = [
      ['one instance, direct (no haproxy)', topo.apis[0]!.origin],
      ['one instance behind haproxy', `http://127.0.0.1:${single.apiPort}`],
      ['two instances behind haproxy', `http://127.0.0.1:${topo.haproxy.apiPort}`],
    ];
    // Interleaved rounds: a shared machine's load drifts, and each configuration should see the same drift.
    const results = runs.map(() => ({ latencies: [] as number[], errors: 0 }));
    for (let r = 0; r < ROUNDS; r++)
      for (const [i, [, url]] of runs.entries()) {
        const { latencies, errors } = await load(url, calls, SECONDS / ROUNDS);
        results[i]!.latencies.push(...latencies);
        results[i]!.errors += errors;
      }
    for (const [i, [what]] of runs.entries()) {
      const sorted = results[i]!.latencies.sort((a, b) => a - b);
      emit({
        phase: 'api',
        what,
        clients: CLIENTS,
        seconds: SECONDS,
        rounds: ROUNDS,
        p50_ms: round(percentile(sorted, 50)),
        p99_ms: round(percentile(sorted, 99)),
        requests_per_s: round(sorted.length / SECONDS),
        errors: results[i]!.errors,
        loadavg: loadavg(),
      });
    }
  } finally {
    await single?.dispose();
    await topo.dispose();
  }
}

interface Base {
  sections: string[];
  topology: Omit<Parameters<typeof createTopology>[0], 'ingesters' | 'apis' | 'alerts'>;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-bench-ha-'));
  let postgres: Postgres | undefined;
  let broker: Mosquitto | undefined;
  let influx: Influxd | undefined;
  try {
    [postgres, broker, influx] = await Promise.all([startPostgres(), startMosquitto(), startInfluxd()]);
    const chaos = writeChaosCatalog(dir, { sections: SECTIONS, interval: '1m' });
    const base: Base = {
      sections: chaos.sections,
      topology: {
        mqttUrl: broker.url,
        influxUrl: influx.url,
        bucket: BUCKET,
        databaseUrl: postgres.url,
        catalog: chaos.file,
        env: { ...LOGGER_SECRETS },
      },
    };
    emit({ phase: 'machine', cores: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg: loadavg() });
    if (!SKIP.has('failover')) await benchFailover(base);
    if (!SKIP.has('ingest')) await benchIngest(base, broker, influx);
    if (!SKIP.has('api')) await benchApi(base, influx);
    emit({ phase: 'machine', loadavg: loadavg() });
  } finally {
    await Promise.all([postgres?.dispose(), broker?.dispose(), influx?.dispose()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
