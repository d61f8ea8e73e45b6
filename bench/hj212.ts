/**
 * `npm run bench:hj212` — the HJ 212 gateway benchmark of issue 13 (docs/benchmarks.md).
 *
 * One run, on this machine, with a real influxd from the test harness, in rounds of the same load: a cold one (each
 * process's first: JIT compilation, new series in influxd) and three steady ones on the running processes. Each
 * round measures E, W and the gateway back to back, seconds apart: this machine's speed drifts by a third over a
 * minute, and a ceiling measured a minute before the gateway made single runs swing by as much. The judged figure
 * is the steady round whose ratio is the median of the steady rounds' (a gateway runs for months); every round's
 * figures are printed (`steady_rounds`, `cold`).
 *   1. E: raw TCP ceiling — the same 2,000 connections and the same 2011 packets through loopback to a do-nothing
 *      server (bench/hj212-echo.ts, own process) that frames each packet and writes it back; packets/s with one
 *      packet in flight per connection, as loggers wait for their 9014;
 *   2. W: raw InfluxDB write rate — batched line protocol of the same readings (same schema) to the same influxd,
 *      in the order they arrive; the first round creates the series, the next ones write to them;
 *   3. the gateway — the real service (`src/main.ts`, ROLES=ingest, HJ212_PORT, a catalog of 2,000 plant outfalls
 *      with their loggers, a real mosquitto for its MQTT source) in a child process, compiled to JavaScript as in
 *      production (`--tsx` runs it through tsx, as `npm start` does); 2,000 loggers each sending 2011 packets of 9
 *      pollutants and waiting for the 9014: readings/s from the first packet of a round until every reading of it
 *      is counted in influxd, against that round's C = 1 / (1/E + 9/W);
 *   4. answer latency (packet written → 9014 read) at half the rate of the median steady round, open loop, p50/p99;
 *   5. the gateway's RSS with 2,000 connections open (VmRSS) and at peak (VmHWM).
 * Prints one JSON line on stdout (progress on stderr). Options: --connections N (default 2000), --packets N per
 * connection (default 30), --steady-rounds N (default 3), --latency-seconds S (default 15), --heap-mb N|none
 * (default 192, the V8 heap budget the compose file gives an ingest-only instance), --semi-space-mb N|none
 * (default none: V8's; N fixes the young generation's semi-space at N MB), --write-thread on|off (default on: the
 * InfluxDB writes on the gateway's write thread, INFLUX_WRITE_THREAD), --raw-order arrival|series (default
 * arrival: the order W's readings are written in, step 2), --tsx. HJ212_BENCH_PROF=DIR writes a CPU profile of
 * the gateway process there; HJ212_BENCH_NODE_FLAGS adds Node flags to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { zone } from '../src/domain/time-window.js';
import { formatHj212Time } from '../src/ingest/hj212/data-time.js';
import { encodePacket } from '../src/ingest/hj212/encode.js';
import { createFramer } from '../src/ingest/hj212/framer.js';
import { decodeFrame } from '../src/ingest/hj212/packet.js';
import { defaultValues } from '../sensors/hj212/logger.js';
import { CLOCK_TICKS, processCpuMs } from '../test/harness/cpu-time.js';
import { freePort, waitForPort } from '../test/harness/free-port.js';
import { startInfluxd } from '../test/harness/influxd.js';
import { startMosquitto } from '../test/harness/mosquitto.js';
import { cpuSeconds, memoryMb, percentile, positiveOption, stopChild } from './bench-kit.js';
import { compileMain } from './compile-main.js';

const REPO = path.resolve(import.meta.dirname, '..');
/** Nine pollutants of a plant outfall (HJ 212-2017 Table B.1) and the parameters they become. */
const CODES: Record<string, string> = {
  w01018: 'cod',
  w21003: 'nh3n',
  w21011: 'tp',
  w21001: 'tn',
  w01001: 'ph',
  w00000: 'flow',
  w01010: 'temp',
  w01012: 'ss',
  w01017: 'bod5',
};
const R = Object.keys(CODES).length;
const SHANGHAI = zone('Asia/Shanghai');
const WRITE_BATCH = 5000;

const CONNECTIONS = Math.round(positiveOption('connections', 2000));
const USE_TSX = process.argv.includes('--tsx');
/** `--rollups off` runs the gateway without its hourly rollups (INFLUX_ROLLUPS=off), to see what they cost. */
const ROLLUPS = process.argv.includes('--rollups') ? process.argv[process.argv.indexOf('--rollups') + 1]! : 'on';
/**
 * `--write-thread off` runs the gateway with its InfluxDB writes on its main thread (INFLUX_WRITE_THREAD=off,
 * docs/adr/0018); default on, as in production.
 */
const WRITE_THREAD = process.argv.includes('--write-thread')
  ? process.argv[process.argv.indexOf('--write-thread') + 1]!
  : 'on';
/**
 * `--raw-order series` writes W's readings series by series, as this bench did until 2026-12-07 (see step 2 in
 * main): to compare with figures from before. Default `arrival`.
 */
const RAW_ORDER = process.argv.includes('--raw-order')
  ? process.argv[process.argv.indexOf('--raw-order') + 1]!
  : 'arrival';
if (RAW_ORDER !== 'arrival' && RAW_ORDER !== 'series') throw new Error('--raw-order is arrival or series');
/** The loggers' access password (one variable for all of them: the catalog names it, the gateway checks it). */
const PASSWORD = '123456';
const mnOf = (i: number) => `BENCH${String(i).padStart(6, '0')}`;
const stationOf = (i: number) => `hj-${String(i).padStart(4, '0')}`;
/** 30 packets per logger: a run of several seconds, where the first second's start-up no longer decides the rate. */
const PACKETS = Math.round(positiveOption('packets', 30));
/**
 * The gateway's V8 old-space budget, as docker-compose.yml's ingest-only services set it (NODE_OPTIONS): without
 * one V8 lets garbage grow the heap to ~190 MB under this load, whose live set stays under 100 MB.
 */
const HEAP_OPTION = process.argv.includes('--heap-mb') ? process.argv[process.argv.indexOf('--heap-mb') + 1]! : '192';
const HEAP_MB = HEAP_OPTION === 'none' ? undefined : Math.round(positiveOption('heap-mb', 192));
/**
 * `--semi-space-mb N` fixes the gateway's V8 semi-space (young generation) at N MB (`--min-semi-space-size` and
 * `--max-semi-space-size`): V8 starts it at 1 MB and grows it to 16 MB, and every scavenge copies what the 2,000
 * packets waiting for their group commit hold. Default: V8's, as docker-compose.yml runs the ingest services.
 */
const SEMI_OPTION = process.argv.includes('--semi-space-mb')
  ? process.argv[process.argv.indexOf('--semi-space-mb') + 1]!
  : 'none';
const SEMI_MB = SEMI_OPTION === 'none' ? undefined : Math.round(positiveOption('semi-space-mb', 16));
const LATENCY_SECONDS = positiveOption('latency-seconds', 15);
const say = (text: string) => process.stderr.write(`${text}\n`);
/** Above this share of the machine used by other jobs in a phase, the run says to rerun (`foreignCpuMeter`). */
const FOREIGN_WARN_PERCENT = 10;
const cpuMicros = (u: NodeJS.CpuUsage) => u.user + u.system;

/** `--steady-rounds N` (default 3): the rounds after the cold one; the judged figure is their median. */
const ROUNDS = 1 + Math.round(positiveOption('steady-rounds', 3));
/**
 * Real-time data every few seconds (HJ 212-2017's example sets RtdInterval=30; a shorter one keeps the run's
 * readings live): all rounds' readings fit in 8 minutes, under the 9 minutes after which readings count as late
 * (ALERT_EVAL_DELAY 10 min less a minute, store/touch-log.ts), as a logger's 2011 are, not back-fill. 3 s for
 * the default 4 rounds of 30 packets, never more than 15 s.
 */
const STEP_MS = Math.max(1_000, Math.min(15_000, Math.floor(480_000 / (ROUNDS * PACKETS + 1) / 1000) * 1000));

/**
 * The latency phase's step: its packets follow the last of the main run, one second apart. At 15 s apart, a fast
 * gateway's half rate (≥ ~44 packets per logger in 15 s) took them more than MAX_FUTURE_SKEW_SECONDS (300 s) into
 * the future: refused as dead letters, so the bench waited for readings that would never be stored.
 */
const LATENCY_STEP_MS = 1_000;

/** Packet k of logger i: a 2011 with nine pollutants at `base` + k steps. */
function packet(i: number, k: number, base: number, step = STEP_MS): Buffer {
  const ts = base + k * step;
  const cp = [
    `DataTime=${formatHj212Time(ts, SHANGHAI)}`,
    ...Object.keys(CODES).map((c) => `${c}-Rtd=${defaultValues(c, ts, 'realtime')},${c}-Flag=N`),
  ];
  const qn = `${formatHj212Time(ts, SHANGHAI)}${String(i % 1000).padStart(3, '0')}`;
  return encodePacket({ qn, st: '32', cn: '2011', pw: PASSWORD, mn: mnOf(i), flag: 5, cp: cp.join(';') });
}

/** A catalog of `n` plant outfalls, each with its HJ 212-2017 logger (real-time data is its record). */
function writeCatalog(dir: string, n: number): string {
  const catalog = {
    version: 1,
    city: { zh: '测试市', en: 'Test City' },
    units: [{ id: 'city', name: { zh: '市生态环境局', en: 'City Bureau' }, level: 'city' }],
    plants: [
      {
        id: 'bench-plant',
        name: { zh: '基准污水厂', en: 'Bench plant' },
        type: 'wwtp',
        discharge_standard: 'gb18918-1a',
        operator_unit: 'city',
      },
    ],
    stations: Array.from({ length: n }, (_, i) => ({
      id: stationOf(i),
      name: { zh: `排口${i}`, en: `Outfall ${i}` },
      kind: 'plant_effluent',
      plant: 'bench-plant',
      location: { lat: 30 + i / 10_000, lon: 120 },
      jurisdiction: 'city',
      maintainer: 'city',
      parameters: Object.values(CODES),
      interval: '1h',
      hj212: { mn: mnOf(i), protocol: 'hj212-2017', password_env: 'BENCH_HJ212_PW' },
    })),
  };
  const file = path.join(dir, 'catalog.json');
  fs.writeFileSync(file, JSON.stringify(catalog));
  return file;
}

interface Conn {
  socket: net.Socket;
  /** Resolves the next packet received. */
  waiters: ((qn: string) => void)[];
}

async function openConnections(port: number, n: number): Promise<Conn[]> {
  const conns: Conn[] = [];
  for (let i = 0; i < n; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, n - i) }, async () => {
        const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
        await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
        const conn: Conn = { socket, waiters: [] };
        const framer = createFramer();
        socket.on('data', (chunk: Buffer) => {
          for (const e of framer.push(chunk)) {
            if (e.type !== 'frame') continue;
            const d = decodeFrame(e.frame, { keysFor: () => [] });
            conn.waiters.shift()?.(d.ok ? (d.packet.qn ?? '') : '');
          }
        });
        return conn;
      }),
    );
    conns.push(...batch);
  }
  return conns;
}

const closeAll = (conns: Conn[]) => conns.forEach((c) => c.socket.destroy());
const reply = (conn: Conn) => new Promise<string>((resolve) => conn.waiters.push(resolve));

/** Closed loop: each connection sends its packets one after the other, each after the previous one's answer. */
let answeredCount = 0;
async function closedLoop(conns: Conn[], packets: Buffer[][]): Promise<number> {
  const started = performance.now();
  await Promise.all(
    conns.map(async (conn, i) => {
      for (const p of packets[i]!) {
        const answered = reply(conn);
        conn.socket.write(p);
        await answered;
        answeredCount++;
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

async function influxQuery(url: string, db: string, q: string): Promise<number> {
  const res = await fetch(`${url}/query?db=${db}&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results: { series?: { values: unknown[][] }[] }[] };
  return Number(body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

/** Raw influxd writes of `points`: points/s, and influxd's CPU per point (µs) meanwhile. */
async function measureRawInflux(
  url: string,
  influxdPid: number,
  points: string[],
): Promise<{ rate: number; influxdUsPerPoint: number }> {
  const db = 'bench_raw';
  await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE ${db}` }) });
  const bodies: string[] = [];
  for (let i = 0; i < points.length; i += WRITE_BATCH) bodies.push(points.slice(i, i + WRITE_BATCH).join('\n'));
  const cpuBefore = cpuSeconds(influxdPid);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < bodies.length) {
        const res = await fetch(`${url}/write?db=${db}&precision=ms`, { method: 'POST', body: bodies[next++]! });
        if (res.status !== 204) throw new Error(`raw write failed: ${res.status}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    rate: points.length / seconds,
    influxdUsPerPoint: ((cpuSeconds(influxdPid) - cpuBefore) / points.length) * 1e6,
  };
}

/** The machine's CPU times (/proc/stat: user nice system idle iowait …), to see whether any core was idle. */
function machineCpu(): number[] {
  return fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
}

function idlePercentSince(before: number[]): number {
  const d = machineCpu().map((v, i) => v - before[i]!);
  return Math.round(((d[3]! + d[4]!) / d.reduce((a, b) => a + b, 0)) * 100);
}

/**
 * The share of the machine's CPU (percent of all cores) that processes other than `pids` used since the call, by
 * /proc/stat against the processes' own CPU times: another job's load during a phase moves that phase's figure,
 * and the ratio of two phases measured seconds apart means nothing then. Kernel work on no process's behalf
 * (softirqs the loopback does not charge to the sender) counts as foreign too: a few percent.
 */
function foreignCpuMeter(pids: () => number[]): () => number | null {
  // A process that ended meanwhile (the echo server) keeps its first reading: its last moments count as foreign.
  const cpuOf = (pid: number, otherwise: number) => {
    const ms = processCpuMs(pid);
    return ms === undefined ? otherwise : ms / 1000;
  };
  const start = new Map(pids().map((pid) => [pid, cpuOf(pid, NaN)] as const));
  for (const [pid, seconds] of start) if (Number.isNaN(seconds)) start.delete(pid);
  const machine0 = machineCpu();
  return () => {
    let ours = 0;
    for (const [pid, seconds] of start) ours += cpuOf(pid, seconds) - seconds;
    const d = machineCpu().map((v, i) => v - machine0[i]!);
    const total = d.reduce((a, b) => a + b, 0);
    const busy = total - d[3]! - d[4]!;
    // Under half a second of the machine's time (a smoke run's phases), ticks of 10 ms say nothing.
    if (total < CLOCK_TICKS / 2) return null;
    return Math.max(0, Math.round(((busy / CLOCK_TICKS - ours) / (total / CLOCK_TICKS)) * 100));
  };
}

async function until(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

interface Ceilings {
  /** Raw TCP round trips, packets/s. */
  E: number;
  /** Raw influxd writes, points/s. */
  W: number;
  /** C = 1 / (1/E + R/W), packets/s. */
  C: number;
  /** The CPU the raw runs took: influxd per point (W), this process per packet (E). */
  influxdUsPerPoint: number;
  clientUsPerPacket: number;
  /** Other jobs' share of the machine while E and W were measured (`foreignCpuMeter`). */
  foreignPercent: { rawTcp: number | null; rawInflux: number | null };
}

/** One round of the gateway: 2,000 loggers each sending their packets, until every reading is counted in influxd. */
interface GatewayRound {
  answerSeconds: number;
  e2eSeconds: number;
  cpuUsPerPacket: number;
  influxdUsPerPoint: number;
  clientUsPerPacket: number;
  foreignPercent: number | null;
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0]!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-bench-hj212-'));
  const [influx, broker] = await Promise.all([startInfluxd(), startMosquitto()]);
  let echo: ChildProcess | undefined;
  let gateway: ChildProcess | undefined;
  try {
    const total = CONNECTIONS * PACKETS;
    // Every process of this run, for telling another job's load apart from ours.
    const ourPids = () =>
      [process.pid, influx.pid, broker.pid, echo?.pid, gateway?.pid].filter((pid): pid is number => pid !== undefined);
    const build = (base: number) =>
      Array.from({ length: CONNECTIONS }, (_, i) => Array.from({ length: PACKETS }, (_, k) => packet(i, k, base)));

    // The do-nothing server of E, then the gateway: both up before anything is measured, so that each round
    // measures E, W and the gateway back to back, seconds apart (this machine's speed drifts over a minute).
    echo = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/hj212-echo.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const echoPort = Number(
      await new Promise<string>((resolve) => echo!.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))),
    );
    const port = await freePort();
    const httpPort = await freePort();
    const entry = USE_TSX ? ['--import', 'tsx', path.join(REPO, 'src/main.ts')] : [compileMain()];
    gateway = spawn(
      process.execPath,
      [
        ...(process.env.HJ212_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HJ212_BENCH_PROF}`] : []),
        ...(HEAP_MB ? [`--max-old-space-size=${HEAP_MB}`] : []),
        ...(SEMI_MB ? [`--min-semi-space-size=${SEMI_MB}`, `--max-semi-space-size=${SEMI_MB}`] : []),
        ...(process.env.HJ212_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
        ...entry,
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ROLES: 'ingest',
          MQTT_URL: broker.url,
          MQTT_CLIENT_ID: 'bench-hj212',
          INFLUX_URL: influx.url,
          INFLUX_BUCKET: 'hj212',
          DATA_DIR: path.join(dir, 'data'),
          CATALOG: writeCatalog(dir, CONNECTIONS),
          PORT: String(httpPort),
          HOST: '127.0.0.1',
          HJ212_PORT: String(port),
          HJ212_HOST: '127.0.0.1',
          BENCH_HJ212_PW: PASSWORD,
          // What production logs (info), to the console that the bench discards.
          LOG_LEVEL: 'info',
          INFLUX_ROLLUPS: ROLLUPS,
          INFLUX_WRITE_THREAD: WRITE_THREAD,
          LOG_FORMAT: 'json',
        },
      },
    );
    await until(
      async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined))?.status === 200,
      120_000,
      'the gateway to be ready',
    );
    await waitForPort(port, 60_000);
    const readyRss = memoryMb(gateway.pid!).current;
    const gatewayMetrics = async () => {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      const mb = (name: string) => Math.round(value(name) / 2 ** 20);
      return {
        stored: value('qingliu_ingest_readings_stored_total') || 0,
        pendingBytes: value('qingliu_spool_pending_bytes') || 0,
        writes: value('qingliu_store_write_duration_seconds_count') || 0,
        writeSeconds: value('qingliu_store_write_duration_seconds_sum') || 0,
        memory: `rss ${mb('process_resident_memory_bytes')} heap ${mb('nodejs_heap_size_total_bytes')} ext ${mb('nodejs_external_memory_bytes')} MB`,
      };
    };
    const storedCounter = async () => (await gatewayMetrics()).stored;
    const countStored = () => influxQuery(influx.url, 'hj212', 'SELECT count(value) FROM reading');
    const echoConns = await openConnections(echoPort, CONNECTIONS);
    const gatewayConns = await openConnections(port, CONNECTIONS);

    /** E: the round's packets through loopback to the do-nothing server. */
    const rawTcpRound = async (packets: Buffer[][]) => {
      const cpu = process.cpuUsage();
      const foreign = foreignCpuMeter(ourPids);
      const E = total / (await closedLoop(echoConns, packets));
      return { E, clientUsPerPacket: cpuMicros(process.cpuUsage(cpu)) / total, foreignPercent: foreign() };
    };
    /**
     * W: raw influxd writes of the round's readings, in the order they arrive — packet k of every logger before
     * packet k+1 of any, as loggers that wait for their 9014 send them — so a batch holds one point of each of its
     * series. Series by series (30 points of a series side by side, as this bench wrote them until 2026-12-07)
     * influxd takes 1.5-1.8x as many points per second, a rate no gateway of these loggers can reach: their next
     * packet does not exist yet. The first round creates the series, the next ones write to them.
     */
    const rawInfluxRound = async (base: number) => {
      const lines: string[] = [];
      const line = (i: number, k: number, code: string, param: string) =>
        `reading,param=${param},station=${stationOf(i)} value=${defaultValues(code, base + k * STEP_MS, 'realtime')},flag="N" ${base + k * STEP_MS}`;
      if (RAW_ORDER === 'series') {
        for (let i = 0; i < CONNECTIONS; i++)
          for (let k = 0; k < PACKETS; k++)
            for (const [code, param] of Object.entries(CODES)) lines.push(line(i, k, code, param));
      } else {
        for (let k = 0; k < PACKETS; k++)
          for (let i = 0; i < CONNECTIONS; i++)
            for (const [code, param] of Object.entries(CODES)) lines.push(line(i, k, code, param));
      }
      const foreign = foreignCpuMeter(ourPids);
      const raw = await measureRawInflux(influx.url, influx.pid!, lines);
      return { W: raw.rate, influxdUsPerPoint: raw.influxdUsPerPoint, foreignPercent: foreign() };
    };

    const gatewayRound = async (name: string, packets: Buffer[][], expected: number): Promise<GatewayRound> => {
      const pid = gateway!.pid!;
      const cpuBefore = cpuSeconds(pid);
      const influxdCpuBefore = cpuSeconds(influx.pid!);
      const clientCpu = process.cpuUsage();
      const foreign = foreignCpuMeter(ourPids);
      // Readings of the rounds before: the counter and influxd's count add up over the run.
      const storedBefore = expected - total * R;
      const started = performance.now();
      // Progress each second (stderr): packets answered and readings the gateway has had stored, to see which
      // lags, and the gateway's memory (RSS, V8 heap, buffers outside it).
      answeredCount = 0;
      const timeline: string[] = [];
      let lastCpu = machineCpu();
      const progress = setInterval(() => {
        const at = ((performance.now() - started) / 1000).toFixed(1);
        const idle = idlePercentSince(lastCpu);
        lastCpu = machineCpu();
        const answered = answeredCount;
        void gatewayMetrics()
          .catch(() => ({ stored: NaN, pendingBytes: NaN, memory: '?', writes: NaN, writeSeconds: NaN }))
          .then((m) => {
            // Store writes so far and their mean duration: whether the store is slow to answer or idle.
            const mean = m.writes > 0 ? `${Math.round((m.writeSeconds / m.writes) * 1000)} ms mean` : 'no mean';
            const writes = `${m.writes} writes, ${mean}`;
            timeline.push(
              `${at}s ${answered}p ${Math.round((m.stored - storedBefore) / R)}s (${m.memory}; ${writes}; machine idle ${idle} %)`,
            );
          });
      }, 1000);
      const answerSeconds = await closedLoop(gatewayConns, packets);
      // The backlog when the answers end: what the store still has to take (diagnostics, not part of the figures).
      const cpuAtLastAnswer = machineCpu();
      const atLastAnswer = gatewayMetrics().catch(() => undefined);
      // Counting in influxd is not free (it scans what the gateway is writing): the gateway's own counter says
      // when its writes are acknowledged, then one count confirms. The end is when that count was sent.
      await until(async () => (await storedCounter().catch(() => 0)) >= expected, 300_000, 'the store writes', 50);
      let doneAt = 0;
      await until(
        async () => {
          const askedAt = performance.now();
          if ((await countStored()) < expected) return false;
          doneAt = askedAt;
          return true;
        },
        300_000,
        'every reading stored',
      );
      const e2eSeconds = (doneAt - started) / 1000;
      const idleInTail = idlePercentSince(cpuAtLastAnswer);
      const backlog = await atLastAnswer;
      // The gateway's own CPU per packet (answering, spooling, forwarding): what the machine's load does not move.
      const cpuUsPerPacket = ((cpuSeconds(pid) - cpuBefore) / total) * 1e6;
      // Where the rest of the machine went: influxd (per reading) and this process, the loggers (per packet).
      const influxdUsPerPoint = ((cpuSeconds(influx.pid!) - influxdCpuBefore) / (total * R)) * 1e6;
      const clientUsPerPacket = cpuMicros(process.cpuUsage(clientCpu)) / total;
      const foreignPercent = foreign();
      clearInterval(progress);
      say(
        `${name} round: store done ${(e2eSeconds - answerSeconds).toFixed(2)} s after the last 9014 (machine idle ${idleInTail} %); ` +
          `at the last 9014 ${backlog ? Math.round((backlog.stored - storedBefore) / R) : '?'} packets stored, ` +
          `${backlog ? Math.round(backlog.pendingBytes / 1024) : '?'} KiB of spool not yet stored`,
      );
      say(`${name} round timeline (packets answered, packets stored, gateway memory):\n  ${timeline.join('\n  ')}`);
      say(
        `${name} round: ${Math.round(total / answerSeconds)} packets/s answered, ${Math.round((total / e2eSeconds) * R)} readings/s stored`,
      );
      return { answerSeconds, e2eSeconds, cpuUsPerPacket, influxdUsPerPoint, clientUsPerPacket, foreignPercent };
    };
    // Live data, as loggers send it: each round's packets right after the previous round's in time, the last
    // round's last a step before the first round starts. Readings older than the alert evaluation delay would be
    // back-fill — each write then also records late-data touches for re-judgment (docs/adr/0013) — which a
    // logger's real-time stream is not.
    const first = Math.floor((Date.now() - (ROUNDS * PACKETS + 1) * STEP_MS) / 1000) * 1000;
    const bases = Array.from({ length: ROUNDS }, (_, r) => first + r * PACKETS * STEP_MS);
    // Round 0 is cold: each process's first load (JIT compilation, new series in influxd). The others are steady,
    // the same load on the running processes, what a gateway that has been up for more than a minute gives.
    const rounds: { ceiling: Ceilings; gateway: GatewayRound }[] = [];
    for (const [r, base] of bases.entries()) {
      const name = r === 0 ? 'cold' : `steady ${r}`;
      const packets = build(base);
      const tcp = await rawTcpRound(packets);
      const raw = await rawInfluxRound(base);
      const C = 1 / (1 / tcp.E + R / raw.W);
      say(
        `${name} round: E = ${Math.round(tcp.E)} packets/s, W = ${Math.round(raw.W)} points/s, C = ${Math.round(C)} packets/s`,
      );
      const ceiling: Ceilings = {
        E: tcp.E,
        W: raw.W,
        C,
        influxdUsPerPoint: raw.influxdUsPerPoint,
        clientUsPerPacket: tcp.clientUsPerPacket,
        foreignPercent: { rawTcp: tcp.foreignPercent, rawInflux: raw.foreignPercent },
      };
      rounds.push({ ceiling, gateway: await gatewayRound(name, packets, (r + 1) * total * R) });
    }
    closeAll(echoConns);
    echo.kill();
    const expected = ROUNDS * total * R;
    const stored = await countStored();
    const connectedRss = memoryMb(gateway.pid!);
    // The steady figure: the round whose end-to-end ratio is the median of the steady rounds'.
    const ratioOf = (x: (typeof rounds)[number]) => total / x.gateway.e2eSeconds / x.ceiling.C;
    const steadyRounds = rounds.slice(1).sort((x, y) => ratioOf(x) - ratioOf(y));
    const median = steadyRounds[Math.floor((steadyRounds.length - 1) / 2)]!;
    const packetsPerSecond = total / median.gateway.e2eSeconds;

    // 4. Answer latency at half the steady rate, open loop (each connection on its own schedule).
    const rate = packetsPerSecond / 2;
    const perConnection = Math.max(1, Math.round((rate * LATENCY_SECONDS) / CONNECTIONS));
    const latencies: number[] = [];
    const latencyBase = bases.at(-1)! + PACKETS * STEP_MS;
    const interval = (CONNECTIONS / rate) * 1000;
    await Promise.all(
      gatewayConns.map(async (conn, i) => {
        await new Promise((r) => setTimeout(r, (i / CONNECTIONS) * interval));
        const pending: Promise<void>[] = [];
        for (let k = 0; k < perConnection; k++) {
          const p = packet(i, k, latencyBase, LATENCY_STEP_MS);
          const sent = performance.now();
          pending.push(reply(conn).then(() => void latencies.push(performance.now() - sent)));
          conn.socket.write(p);
          await new Promise((r) => setTimeout(r, interval));
        }
        await Promise.all(pending);
      }),
    );
    latencies.sort((a, b) => a - b);
    const latencyExpected = expected + CONNECTIONS * perConnection * R;
    await until(async () => (await countStored()) >= latencyExpected, 300_000, 'latency readings stored');
    const storedAll = await countStored();
    const rss = memoryMb(gateway.pid!);
    closeAll(gatewayConns);

    const figures = (round: GatewayRound, ceiling: Ceilings) => ({
      e2e_readings_per_s: Math.round((total / round.e2eSeconds) * R),
      e2e_packets_per_s: Math.round(total / round.e2eSeconds),
      answered_packets_per_s: Math.round(total / round.answerSeconds),
      answered_vs_ceiling: Number((total / round.answerSeconds / ceiling.C).toFixed(3)),
      answers_done_s: Number(round.answerSeconds.toFixed(1)),
      store_done_s: Number(round.e2eSeconds.toFixed(1)),
      raw_tcp_packets_per_s: Math.round(ceiling.E),
      raw_influx_points_per_s: Math.round(ceiling.W),
      ceiling_packets_per_s: Math.round(ceiling.C),
      e2e_vs_ceiling: Number((total / round.e2eSeconds / ceiling.C).toFixed(3)),
      gateway_cpu_us_per_packet: Math.round(round.cpuUsPerPacket),
      // The machine's other CPU, in the gateway's round and in the raw runs of the ceiling.
      influxd_cpu_us_per_reading: Number(round.influxdUsPerPoint.toFixed(2)),
      raw_influxd_cpu_us_per_point: Number(ceiling.influxdUsPerPoint.toFixed(2)),
      loggers_cpu_us_per_packet: Math.round(round.clientUsPerPacket),
      raw_tcp_loggers_cpu_us_per_packet: Math.round(ceiling.clientUsPerPacket),
      // Other jobs' share of the machine (percent of all cores) in each phase: more than a few percent in one
      // phase and not the others makes the ratio meaningless (`foreignCpuMeter`).
      foreign_cpu_percent: {
        raw_tcp: ceiling.foreignPercent.rawTcp,
        raw_influx: ceiling.foreignPercent.rawInflux,
        gateway: round.foreignPercent,
      },
    });
    const ratio = ratioOf(median);
    const result = {
      bench: 'hj212',
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        node: process.version,
        load_1m_before: Number(loadBefore.toFixed(2)),
        load_1m_after: Number(os.loadavg()[0]!.toFixed(2)),
      },
      connections: CONNECTIONS,
      readings_per_packet: R,
      packets: total,
      // The steady round whose ratio is the median of the steady rounds' (judged), then each one and the cold one.
      ...figures(median.gateway, median.ceiling),
      steady_e2e_vs_ceiling: rounds.slice(1).map((x) => Number(ratioOf(x).toFixed(3))),
      cold: figures(rounds[0]!.gateway, rounds[0]!.ceiling),
      steady_rounds: rounds.slice(1).map((x) => figures(x.gateway, x.ceiling)),
      latency_rate_packets_per_s: Math.round(rate),
      latency_samples: latencies.length,
      latency_p50_ms: Math.round(percentile(latencies, 50)),
      latency_p99_ms: Math.round(percentile(latencies, 99)),
      gateway_rss_connected_mb: Math.round(readyRss),
      gateway_rss_after_load_mb: Math.round(connectedRss.current),
      gateway_peak_rss_mb: Math.round(rss.peak),
      gateway_runtime: USE_TSX ? 'tsx' : 'compiled',
      rollups: ROLLUPS,
      write_thread: WRITE_THREAD,
      raw_influx_order: RAW_ORDER,
      gateway_heap_limit_mb: HEAP_MB ?? null,
      gateway_semi_space_mb: SEMI_MB ?? null,
      readings_expected: latencyExpected,
      readings_stored: storedAll,
      readings_lost: latencyExpected - storedAll,
      rounds_stored: stored,
      targets_met: {
        e2e_at_least_0_7_ceiling: ratio >= 0.7,
        p99_at_most_1_s: percentile(latencies, 99) <= 1000,
        rss_at_most_250_mb: rss.peak <= 250,
        zero_lost: latencyExpected === storedAll,
      },
    };
    for (const [name, f] of [
      ['cold', result.cold.foreign_cpu_percent],
      ['steady', result.foreign_cpu_percent],
    ] as const) {
      if (Math.max(f.raw_tcp ?? 0, f.raw_influx ?? 0, f.gateway ?? 0) > FOREIGN_WARN_PERCENT)
        say(`warning: another job used the machine during the ${name} round (${JSON.stringify(f)} %): rerun`);
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    echo?.kill();
    await stopChild(gateway);
    await Promise.all([influx.dispose(), broker.dispose()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
