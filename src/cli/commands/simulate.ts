/**
 * `qingliu simulate`: realistic simulated stations publishing over MQTT (live, backfill, load test), or a replay
 * of a CSV of real readings. The model and runners live in sensors/simulator and sensors/replay; this module
 * only turns options into calls and progress into text.
 */
import path from 'node:path';
import type { ReplayCheck } from '../../../sensors/replay/index.js';
import type { Publisher, Zone } from '../../../sensors/simulator/index.js';
import { parseCommandArgs, UsageError, wantsHelp, type CliIo, type Command } from '../command.js';

const HELP = `Usage: qingliu simulate [options]
       qingliu simulate --replay FILE.csv --map MAPPING [options]

Simulated monitoring stations (模拟监测站) publishing over MQTT exactly what real stations send:
topic wq/{stationId}/data, QoS 1, {"ts": …, "values": {…}, "flags": {…}} (see docs/mqtt.md).
Seeded and reproducible. What the model covers: sensors/SIMULATOR.md.

Where to publish:
  --mqtt URL            broker (default MQTT_URL, else mqtt://127.0.0.1:MQTT_PORT — the broker of \`npm start\`)
  --client-id ID        MQTT client id (default qingliu-sim-<pid>-<random>)
  --print               write "topic payload" lines to stdout instead of publishing

Which stations:
  --catalog FILE        station catalog (default CATALOG, ./sensors/catalog.yaml)
  --stations a,b        only these station ids

Modes (live is the default: each station reports at its interval, in real time, until Ctrl-C):
  --backfill D          first publish the last D of history (e.g. 30d) as fast as the broker takes it,
                        in JSON-array batches, with a progress bar; then go live
  --speed X             with --backfill: replay that history at X × real time as live single messages
                        instead (e.g. --backfill 2d --speed 3600), catching up with the present
  --duration D          stop the live phase after D of wall time (0: only the backfill, then exit)
  --rate N[/s]          load test: N messages per second, stations in turn, timestamps in the past
                        ending now; with --duration D or --count N
  --count N             with --rate: stop after N messages

Model:
  --seed N              same seed, same readings (default 1)
  --incident SPEC       schedule an incident (repeatable), e.g.
                          --incident source=wwtp2,at=14:00,for=3h,nh3n=12
                        source: a plant id, a station id or river:KM@RIVER; at: HH:MM today or ISO 8601;
                        for: duration (default 4h); other keys: parameters with the concentration added
                        at the source (mg/L); dilution=0.12 optional (outfall mixing share)
  --incident-rate N     random pollution incidents per source per month (default 0.6)
  --rain-rate N         rain events per month (default 5)
  --fault-rate X        multiply stuck sensors, dropouts, lost messages and spikes by X (0 = none)
  --scenario K=V,…      set any scenario knob (see sensors/SIMULATOR.md), e.g. maintenancePerMonth=4
  --tz ZONE             local time zone of the stations (default TIMEZONE, Asia/Shanghai)

Backfill tuning:
  --batch N             messages per JSON array (default 200)
  --in-flight N         payloads awaiting PUBACK at once (default: 8 for batches, 64 live, 256 at --rate)

HJ 212 data loggers (数采仪) instead of MQTT stations:
  --hj212               simulated loggers on Qingliu's HJ 212 port (see qingliu simulate --hj212 --help)

Replay of real readings:
  --replay FILE.csv     publish the rows of the CSV, gzipped or not (formats: cnemc, wwtp, generic —
                        sensors/SIMULATOR.md)
  --map MAPPING         NAME=STATION_ID,… (CSV station names, or effluent=/influent= for a plant file),
                        a single STATION_ID, '*' for every station of the file under an id of its own
                        (s0001 …), or a .json/.yaml mapping file (stations, columns, year …)
  --format F            auto (default), cnemc, wwtp or generic
  --shift-to T          now: move all timestamps so that the replay ends in the present; or an ISO time
                        for the first row
  --speed X             replay at X × the original spacing (default: as fast as possible, batched)
  --year Y              year for dates without one (CNEMC MM-DD; default from the file name)
  --check               publish nothing: run each message through the ingester's decoder and report what it
                        accepts, refuses (with the reason) and finds unusual, by the file's station status
                        (站点情况), and Qingliu's class against the file's official class (水质类别).
                        Exit 0 when every reading is accepted, 1 when some are refused
  --json                with --check: the report as one JSON object

Examples:
  qingliu simulate --backfill 30d
  qingliu simulate --incident source=wwtp2,at=14:00,for=3h,nh3n=12 --backfill 1d
  qingliu simulate --rate 500/s --duration 60s --print > /dev/null
  qingliu simulate --replay test/fixtures/real/cnemc_4h_2021-04-01_to_04-05_1698stations.csv.gz --map '*' --check
  qingliu simulate --replay test/fixtures/real/wwtp1_hourly_2024-06-07_to_06-12.csv.gz \\
                   --map effluent=wwtp1-effluent,influent=wwtp1-influent --shift-to now
`;

type Lang = 'zh-CN' | 'en';

const OPTIONS = {
  catalog: { type: 'string' },
  mqtt: { type: 'string' },
  'client-id': { type: 'string' },
  print: { type: 'boolean' },
  seed: { type: 'string' },
  backfill: { type: 'string' },
  speed: { type: 'string' },
  rate: { type: 'string' },
  count: { type: 'string' },
  duration: { type: 'string' },
  stations: { type: 'string' },
  incident: { type: 'string', multiple: true },
  'incident-rate': { type: 'string' },
  'rain-rate': { type: 'string' },
  'fault-rate': { type: 'string' },
  scenario: { type: 'string', multiple: true },
  tz: { type: 'string' },
  batch: { type: 'string' },
  'in-flight': { type: 'string' },
  replay: { type: 'string' },
  map: { type: 'string' },
  format: { type: 'string' },
  'shift-to': { type: 'string' },
  year: { type: 'string' },
  check: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parse>;

function parse(args: string[]) {
  return parseCommandArgs({ args, options: OPTIONS, allowPositionals: false, strict: true }).values;
}

function number(
  name: string,
  text: string | undefined,
  check: (n: number) => boolean = Number.isFinite,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name}: "${text}" is not a valid number here`);
  return n;
}

async function duration(name: string, text: string | undefined): Promise<number | undefined> {
  if (text === undefined) return undefined;
  if (text.trim() === '0') return 0;
  const { parseDuration } = await import('../../domain/duration.js');
  try {
    return parseDuration(text);
  } catch (err) {
    throw new UsageError(`--${name}: ${(err as Error).message}`);
  }
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** An abort signal that fires on Ctrl-C while the command runs. */
function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

async function scenarioFrom(v: Values) {
  const { scenarioSchema, scaleFaults } = await import('../../../sensors/simulator/index.js');
  const input: Record<string, number> = {};
  for (const group of v.scenario ?? []) {
    for (const pair of group.split(',')) {
      const [key, value] = pair.split('=').map((s) => s.trim());
      if (!key || value === undefined) throw new UsageError(`--scenario: "${pair}" is not KEY=VALUE`);
      input[key] = number('scenario', value)!;
    }
  }
  const incidentRate = number('incident-rate', v['incident-rate'], (n) => n >= 0);
  const rainRate = number('rain-rate', v['rain-rate'], (n) => n >= 0);
  if (incidentRate !== undefined) input.incidentsPerMonth = incidentRate;
  if (rainRate !== undefined) input.rainEventsPerMonth = rainRate;
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success)
    throw new UsageError(
      `--scenario: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'scenario'}: ${i.message}`).join('; ')}`,
    );
  const faults = number('fault-rate', v['fault-rate'], (n) => n >= 0);
  return faults === undefined ? parsed.data : scaleFaults(parsed.data, faults);
}

export const command: Command = {
  name: 'simulate',
  summary: 'simulated stations over MQTT: live, 30-day backfill, load test, CSV replay (模拟站点)',
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    if (wantsHelp(args) && !args.includes('--hj212')) {
      io.stdout.write(HELP);
      return 0;
    }
    if (args.includes('--hj212')) {
      const { runHj212Simulation } = await import('./simulate-hj212.js');
      return runHj212Simulation(args, io);
    }
    const v = parse(args);
    const { loadConfig } = await import('../../config.js');
    const config = loadConfig(io.env);
    const lang: Lang = config.LANG_UI;
    const say = (zh: string, en: string) => (lang === 'en' ? en : zh);
    const sim = await import('../../../sensors/simulator/index.js');
    const timeZone = v.tz ?? config.TIMEZONE;
    const zone = sim.createZone(timeZone);
    const interrupt = interruptSignal();
    // Connect only once the options are known to be good: a usage error needs no broker.
    let connected: (Publisher & { close(): Promise<void> }) | undefined;
    const connect = async (): Promise<Publisher> => {
      connected = v.print
        ? {
            async publish(topic: string, payload: string) {
              io.stdout.write(`${topic} ${payload}\n`);
            },
            async close() {},
          }
        : await sim.connectMqttPublisher({
            url: v.mqtt ?? config.MQTT_URL ?? `mqtt://127.0.0.1:${config.MQTT_PORT}`,
            ...(v['client-id'] !== undefined ? { clientId: v['client-id'] } : {}),
            username: config.MQTT_USERNAME,
            password: config.MQTT_PASSWORD,
          });
      return connected;
    };
    // Summaries go to stdout, except with --print where stdout carries the messages.
    const report = v.print ? io.stderr : io.stdout;
    const ctx = {
      io,
      report,
      connect,
      zone,
      say,
      signal: interrupt.signal,
      catalogFile: v.catalog ?? config.CATALOG,
      decoderLimits: {
        maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
        maxFutureSkewSeconds: config.MAX_FUTURE_SKEW_SECONDS,
      },
    };
    try {
      if (v.replay !== undefined) return await runReplay(v, ctx);
      return await runSimulation(v, { ...ctx, timeZone });
    } finally {
      interrupt.dispose();
      await connected?.close();
    }
  },
};

interface RunContext {
  /** The ingester's own limits, for --check. */
  decoderLimits: { maxPayloadBytes: number; maxFutureSkewSeconds: number };
  io: CliIo;
  report: NodeJS.WritableStream;
  connect: () => Promise<Publisher>;
  zone: Zone;
  say: (zh: string, en: string) => string;
  signal: AbortSignal;
  catalogFile: string;
}

async function runSimulation(v: Values, ctx: RunContext & { timeZone: string }): Promise<number> {
  const sim = await import('../../../sensors/simulator/index.js');
  const { loadCatalog } = await import('../../catalog/index.js');
  const { io, report, say, signal } = ctx;
  if (v.check || v.json) throw new UsageError(`--${v.check ? 'check' : 'json'} goes with --replay FILE`);
  const catalog = await loadCatalog(ctx.catalogFile);
  const stations = v.stations
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of stations ?? [])
    if (!catalog.station(id)) throw new UsageError(`--stations: "${id}" is not a station of ${ctx.catalogFile}`);
  const now = Date.now();
  let incidents;
  try {
    incidents = (v.incident ?? []).map((text) => sim.parseIncidentOption(text, { zone: ctx.zone, now }));
  } catch (err) {
    throw new UsageError(`--incident: ${(err as Error).message}`);
  }
  const scenario = await scenarioFrom(v);
  let simulator;
  try {
    simulator = sim.createSimulator({ catalog, seed: v.seed ?? 1, scenario, incidents, timeZone: ctx.timeZone });
  } catch (err) {
    // An incident at a place the catalog does not have is a usage mistake.
    if (/incident source/.test((err as Error).message)) throw new UsageError(`--incident: ${(err as Error).message}`);
    throw err;
  }
  const backfillMs = await duration('backfill', v.backfill);
  const durationMs = await duration('duration', v.duration);
  const speed = number('speed', v.speed, (n) => n >= 1);
  const batchSize = number('batch', v.batch, (n) => Number.isInteger(n) && n >= 1);
  const inFlight = number('in-flight', v['in-flight'], (n) => Number.isInteger(n) && n >= 1);
  const ids = stations ?? simulator.stations.map((s) => s.id);

  if (v.rate !== undefined) {
    const rate = number('rate', v.rate.replace(/\/s$/, ''), (n) => n > 0)!;
    const count = number('count', v.count, (n) => Number.isInteger(n) && n >= 1);
    const publisher = await ctx.connect();
    if (count === undefined && durationMs === undefined)
      io.stderr.write(say('按 Ctrl-C 停止。\n', 'Press Ctrl-C to stop.\n'));
    const result = await sim.runAtRate({
      simulator,
      publisher,
      rate,
      stations: ids,
      signal,
      ...(count !== undefined ? { count } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(inFlight !== undefined ? { maxInFlight: inFlight } : {}),
      onProgress: (p) => io.stderr.write(`${fmt(p.messages)} ${say('条消息', 'messages')} (${seconds(p.elapsedMs)})\n`),
    });
    report.write(
      say(
        `负载测试：${fmt(result.messages)} 条消息（${fmt(result.readings)} 个读数），用时 ${seconds(result.elapsedMs)}，${result.perSecond.toFixed(0)} 条/秒\n`,
        `load test: ${fmt(result.messages)} messages (${fmt(result.readings)} readings) in ${seconds(result.elapsedMs)}, ${result.perSecond.toFixed(0)} messages/s\n`,
      ),
    );
    return 0;
  }
  if (v.count !== undefined) throw new UsageError('--count goes with --rate');
  if (speed !== undefined && backfillMs === undefined) {
    throw new UsageError(
      '--speed needs --backfill D: accelerated time replays the past and catches up with the present (timestamps are never in the future)',
    );
  }

  const publisher = await ctx.connect();
  let liveFrom = now;
  if (backfillMs !== undefined && backfillMs > 0 && speed === undefined) {
    const bar = sim.createProgressLine(
      io.stderr as NodeJS.WritableStream & { isTTY?: boolean },
      say('回填历史 backfill', 'backfill'),
    );
    const result = await sim.backfill({
      simulator,
      publisher,
      from: now - backfillMs,
      to: now,
      stations: ids,
      signal,
      ...(batchSize !== undefined ? { batchSize } : {}),
      ...(inFlight !== undefined ? { maxInFlight: inFlight } : {}),
      onProgress: (p) => bar.update(p.done, p.total, `${fmt(p.messages)} ${say('条消息', 'messages')}`),
    });
    bar.finish(
      say(
        `回填完成：${ids.length} 个站点，${fmt(result.messages)} 条消息（${fmt(result.readings)} 个读数，${fmt(result.batches)} 批），缺报 ${fmt(result.dropped)}，用时 ${seconds(result.elapsedMs)}`,
        `backfill done: ${ids.length} stations, ${fmt(result.messages)} messages (${fmt(result.readings)} readings in ${fmt(result.batches)} batches), ${fmt(result.dropped)} dropped, ${seconds(result.elapsedMs)}`,
      ),
    );
  } else if (backfillMs !== undefined && speed !== undefined) {
    liveFrom = now - backfillMs;
  }
  if (durationMs === 0) return 0;

  io.stderr.write(
    say(
      `实时发布 ${ids.length} 个站点${speed ? `（${speed} 倍速追赶至当前时间）` : ''}${durationMs === undefined ? '，按 Ctrl-C 停止' : ''}。\n`,
      `publishing live for ${ids.length} stations${speed ? ` (catching up at ${speed}×)` : ''}${durationMs === undefined ? '; press Ctrl-C to stop' : ''}.\n`,
    ),
  );
  const result = await sim.runRealtime({
    simulator,
    publisher,
    stations: ids,
    from: liveFrom,
    signal,
    ...(speed !== undefined ? { speed } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(inFlight !== undefined ? { maxInFlight: inFlight } : {}),
    onError: (err, sample) => io.stderr.write(`${sample.stationId}: ${(err as Error).message}\n`),
  });
  report.write(
    say(
      `实时发布结束：${fmt(result.messages)} 条消息（${fmt(result.readings)} 个读数），缺报 ${fmt(result.dropped)}，失败 ${fmt(result.failed)}\n`,
      `live run ended: ${fmt(result.messages)} messages (${fmt(result.readings)} readings), ${fmt(result.dropped)} dropped, ${fmt(result.failed)} failed\n`,
    ),
  );
  return result.failed > 0 ? 1 : 0;
}

async function runReplay(v: Values, ctx: RunContext): Promise<number> {
  const fs = await import('node:fs/promises');
  const rp = await import('../../../sensors/replay/index.js');
  const { io, report, zone, say, signal } = ctx;
  const file = v.replay!;
  if (v.json && !v.check) throw new UsageError('--json goes with --check');
  const format = (v.format ?? 'auto') as (typeof rp.REPLAY_FORMATS)[number];
  if (!rp.REPLAY_FORMATS.includes(format))
    throw new UsageError(`--format: expected one of ${rp.REPLAY_FORMATS.join(', ')}`);
  let mapping;
  try {
    mapping = await rp.loadMapping(v.map);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const year = number('year', v.year, (n) => Number.isInteger(n) && n >= 1970 && n <= 2100);
  if (year !== undefined) mapping = { ...mapping, year };
  let text: string;
  try {
    const bytes = await fs.readFile(file);
    // Exported monitoring data often travels gzipped: read FILE.csv.gz as it is.
    text = (isGzip(bytes) ? (await import('node:zlib')).gunzipSync(bytes) : bytes).toString('utf8');
  } catch (err) {
    throw new UsageError(`--replay: cannot read ${file}: ${(err as Error).message}`);
  }
  let data;
  try {
    data = rp.readReplayCsv(text, { mapping, format, fileName: path.basename(file).replace(/\.gz$/i, '') });
  } catch (err) {
    if (err instanceof rp.ReplayError) throw new UsageError(`--replay ${file}: ${err.message}`);
    throw err;
  }
  for (const c of data.ignoredColumns) io.stderr.write(`${say('忽略列', 'ignored column')} ${c.column}: ${c.reason}\n`);
  const skipped = Object.entries(data.skipped).map(([reason, n]) => `${reason} ${fmt(n)}`);
  if (skipped.length > 0) io.stderr.write(`${say('跳过', 'skipped')}: ${skipped.join(', ')}\n`);
  if (data.messages.length === 0) {
    io.stderr.write(
      say(
        '没有可发布的读数：用 --map 把文件中的站点名称映射到目录中的站点 id。\n',
        'nothing to publish: map the station names of the file to catalog station ids with --map.\n',
      ),
    );
    return 1;
  }
  let shiftTo: 'now' | number | undefined;
  if (v['shift-to'] !== undefined) {
    if (v['shift-to'] === 'now') shiftTo = 'now';
    else {
      const t = Date.parse(v['shift-to']);
      if (Number.isNaN(t)) throw new UsageError(`--shift-to: "${v['shift-to']}" is neither now nor an ISO 8601 time`);
      shiftTo = t;
    }
  }
  const speed = number('speed', v.speed, (n) => n > 0);
  const batchSize = number('batch', v.batch, (n) => Number.isInteger(n) && n >= 1);
  const inFlight = number('in-flight', v['in-flight'], (n) => Number.isInteger(n) && n >= 1);
  if (v.check) {
    const now = Date.now();
    const report = rp.checkReplay({
      messages: data.messages,
      zone,
      now,
      shiftMs: rp.shiftFor(data.messages, shiftTo, now, speed ?? Infinity),
      ...ctx.decoderLimits,
      ...(await catalogOrNothing(ctx.catalogFile)),
    });
    io.stdout.write(v.json ? `${JSON.stringify(report)}\n` : checkText(report, data.format, say));
    return Object.keys(report.refused).length > 0 ? 1 : 0;
  }
  await warnUnknownStations(data.messages, ctx);
  const publisher = await ctx.connect();
  const bar = (await import('../../../sensors/simulator/index.js')).createProgressLine(
    io.stderr as NodeJS.WritableStream & { isTTY?: boolean },
    say('回放 replay', 'replay'),
  );
  const result = await rp.replay({
    messages: data.messages,
    publisher,
    zone,
    signal,
    ...(shiftTo !== undefined ? { shiftTo } : {}),
    ...(speed !== undefined ? { speed } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(inFlight !== undefined ? { maxInFlight: inFlight } : {}),
    onProgress: (p) => bar.update(p.done, p.total),
  });
  const span = result.first !== undefined ? `${zone.iso(result.first)} … ${zone.iso(result.last!)}` : '';
  const stations = new Set(data.messages.map((m) => m.stationId)).size;
  bar.finish(
    say(
      `回放完成（${data.format} 格式）：${stations} 个站点，${fmt(result.messages)} 条消息（${fmt(result.readings)} 个读数），${span}`,
      `replay done (${data.format} format): ${stations} stations, ${fmt(result.messages)} messages (${fmt(result.readings)} readings), ${span}`,
    ),
  );
  report.write(`${fmt(result.messages)} ${say('条消息已发布', 'messages published')}\n`);
  return 0;
}

/** The catalog for --check, when one can be loaded (stations it lacks are judged by what they report). */
async function catalogOrNothing(file: string) {
  const { loadCatalog } = await import('../../catalog/index.js');
  try {
    return { catalog: await loadCatalog(file) };
  } catch {
    return {};
  }
}

const pct = (n: number, of: number) => (of === 0 ? '—' : `${((100 * n) / of).toFixed(2)} %`);

/** The --check report for people: the ingester's outcome, by station status, and the official classes. */
function checkText(r: ReplayCheck, format: string, say: (zh: string, en: string) => string): string {
  const reasons = (refused: Record<string, number | undefined>) =>
    Object.entries(refused)
      .map(([reason, n]) => `${reason} ${fmt(n!)}`)
      .join(', ') || '0';
  const refusedTotal = (refused: Record<string, number | undefined>) =>
    Object.values(refused).reduce((a: number, b) => a + (b ?? 0), 0);
  const lines = [
    say(
      `回放检查（${format} 格式，接收端解码器判定，不经过代理和数据库）：${fmt(r.messages)} 条消息，${fmt(r.stations)} 个站点` +
        (r.stationsNotInCatalog > 0 ? `（${fmt(r.stationsNotInCatalog)} 个不在目录中，按其上报的项目判定）` : ''),
      `replay check (${format} format, judged by the ingester's decoder, no broker or store): ${fmt(r.messages)} messages, ${fmt(r.stations)} stations` +
        (r.stationsNotInCatalog > 0
          ? ` (${fmt(r.stationsNotInCatalog)} not in the catalog: judged by what they report)`
          : ''),
    ),
    say(
      `读数 ${fmt(r.readings)}：接收 ${fmt(r.accepted)}（${pct(r.accepted, r.readings)}），拒收 ${fmt(refusedTotal(r.refused))}（${reasons(r.refused)}）`,
      `readings ${fmt(r.readings)}: accepted ${fmt(r.accepted)} (${pct(r.accepted, r.readings)}), refused ${fmt(refusedTotal(r.refused))} (${reasons(r.refused)})`,
    ),
    say(
      `  其中超出常见范围（已接收，由传感器健康告警）：${fmt(r.unusual)}`,
      `  of which unusual (accepted; sensor health flags them): ${fmt(r.unusual)}`,
    ) + (r.unusual > 0 ? ` — ${reasons(r.unusualByParameter)}` : ''),
    say('按站点情况：', 'by station status (站点情况):'),
    ...Object.entries(r.byStatus).map(
      ([status, t]) =>
        `  ${(status || say('（无）', '(none)')).padEnd(8)} ${say('消息', 'messages')} ${fmt(t.messages)}, ${say('读数', 'readings')} ${fmt(t.readings)}, ${say('接收', 'accepted')} ${fmt(t.accepted)}, ${say('拒收', 'refused')} ${fmt(refusedTotal(t.refused))}${refusedTotal(t.refused) > 0 ? ` (${reasons(t.refused)})` : ''}, ${say('超出常见范围', 'unusual')} ${fmt(t.unusual)}`,
    ),
  ];
  if (r.classes) {
    const c = r.classes;
    lines.push(
      say(
        `官方水质类别：${fmt(c.compared)} 条有类别和有效评价项目的消息；按已接收的有效读数计算，河流标准一致 ${fmt(c.river)}（${pct(c.river, c.compared)}），河流或湖库标准一致 ${fmt(c.riverOrLake)}（${pct(c.riverOrLake, c.compared)}）`,
        `official class (水质类别): ${fmt(c.compared)} messages with a class and a valid evaluation item; Qingliu's class from the accepted valid readings agrees for ${fmt(c.river)} (${pct(c.river, c.compared)}) with river limits, ${fmt(c.riverOrLake)} (${pct(c.riverOrLake, c.compared)}) with river or lake limits`,
      ),
    );
  }
  for (const e of r.examples.refused)
    lines.push(
      `  ${say('拒收', 'refused')}: ${say('第', 'row ')}${e.row}${say(' 行', '')} ${e.name ?? e.stationId}: ${e.reason} — ${e.detail}`,
    );
  for (const e of r.examples.unusual)
    lines.push(
      `  ${say('超出常见范围', 'unusual')}: ${say('第', 'row ')}${e.row}${say(' 行', '')} ${e.name ?? e.stationId}: ${e.parameter} ${e.value}`,
    );
  return `${lines.join('\n')}\n`;
}

/** The gzip magic number (RFC 1952 §2.3.1). */
function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Replayed readings for stations the catalog does not know would all be dead-lettered by the ingester: say so. */
async function warnUnknownStations(messages: readonly { stationId: string }[], ctx: RunContext): Promise<void> {
  const { loadCatalog } = await import('../../catalog/index.js');
  let known: (id: string) => boolean;
  try {
    const catalog = await loadCatalog(ctx.catalogFile);
    known = (id) => catalog.station(id) !== undefined;
  } catch {
    return; // No usable catalog here: the broker side decides.
  }
  const unknown = [...new Set(messages.map((m) => m.stationId))].filter((id) => !known(id));
  if (unknown.length > 0) {
    ctx.io.stderr.write(
      ctx.say(
        `警告：目录中没有这些站点，接收端会把它们的读数记为死信：${unknown.join(', ')}\n`,
        `warning: not stations of the catalog, the ingester will dead-letter their readings: ${unknown.join(', ')}\n`,
      ),
    );
  }
}
