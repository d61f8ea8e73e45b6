/**
 * The demo's HJ 212 data loggers (数采仪): the catalog's stations with an `hj212` block report through the real
 * gateway on the demo's HJ 212 port, as the plants' loggers do in production — real-time data (2011) at each of the
 * station's reporting instants and the hourly record (2061) after each hour, each waiting for its 9014, and their
 * history as back-filled uploads before that. Their values come from the same simulator as the MQTT stations. Used
 * only in demo mode.
 */
import type { Catalog } from '../catalog/index.js';
import type { LoggerSecrets } from '../catalog/logger-secrets.js';
import { parameter } from '../domain/parameters.js';
import { zone } from '../domain/time-window.js';
import type { Logger } from '../logger.js';
import { SimLogger } from '../../sensors/hj212/logger.js';
import type { Sample, Simulator } from '../../sensors/simulator/index.js';

const HOUR = 3_600_000;
/** Back-filled uploads in flight per logger. */
const BACKFILL_IN_FLIGHT = 32;

/**
 * The demo catalog's logger secrets, used only in demo mode for a variable that is unset: the embedded demo
 * then runs without setup. They are public (they are in this file), so production never reads them: outside demo
 * mode an unset variable still stops start-up (src/catalog/logger-secrets.ts).
 */
export const DEMO_HJ212_SECRETS: Readonly<Record<string, string>> = {
  WWTP1_HJ212_PW: 'demo-only-pw-wwtp1',
  WWTP2_HJ212_PW: 'demo-only-pw-wwtp2',
  WWTP2_HJ212_SM4_KEY: 'de30de30de30de30de30de30de30de30',
};

/** The environment with the demo's values for the demo catalog's logger variables that are unset. */
export function withDemoHj212Secrets(
  env: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string | undefined>> {
  const filled: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(DEMO_HJ212_SECRETS)) if (!filled[name]) filled[name] = value;
  return filled;
}

export interface DemoLoggersOptions {
  catalog: Catalog;
  /** Resolved from the same environment the gateway read (resolveLoggerSecrets). */
  secrets: ReadonlyMap<string, LoggerSecrets>;
  simulator: Simulator;
  address: { host: string; port: number };
  timeZone: string;
  /** The end of the history published over MQTT: each logger starts with its last reporting instant up to here. */
  historyTo: number;
  logger: Logger;
  now?: () => number;
}

export interface DemoLoggers {
  /** The stations reporting over HJ 212: the MQTT feed leaves them out. */
  readonly stations: readonly string[];
  /** Real-time packets answered (9014) so far. */
  readonly answered: number;
  /**
   * The loggers' history (from, historyTo), sent through the gateway as back-filled uploads — the real-time
   * values (2011) of every reporting instant before the first live one and the hourly records (2061) of every
   * hour before the first live one, `RF=1` for HJ 212-2025 (HJ 212-2017 has no RF) — a window of uploads in
   * flight per logger, each answered once durable. Resolves when all are answered (or on `signal`).
   */
  backfill(from: number, signal: AbortSignal): Promise<{ packets: number }>;
  start(): void;
  stop(): void;
}

export function createDemoLoggers(options: DemoLoggersOptions): DemoLoggers {
  const log = options.logger.child({ component: 'demo-hj212' });
  const now = options.now ?? Date.now;
  const tz = zone(options.timeZone);
  const { simulator } = options;
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;

  const loggers = options.catalog.stations.flatMap((station) => {
    const h = station.hj212;
    const secret = options.secrets.get(station.id);
    if (!h || !secret || !simulator.stations.some((s) => s.id === station.id)) return [];
    // One HJ 212 code per parameter (HJ 212-2017 Table B.1); their units are Qingliu's canonical ones for the
    // demo plants' parameters (mg/L, pH, °C, L/s), so the simulator's values go out as they are.
    const codeToParam = new Map(
      station.parameters.flatMap((p) =>
        parameter(p)
          .hj212.slice(0, 1)
          .map((code) => [code, parameter(p).code] as const),
      ),
    );
    // The last sample asked for, per instant: upload() asks for every code of one packet in turn.
    let cached: { ts: number; sample: Sample | undefined } | undefined;
    const sampleAt = (ts: number) => {
      if (cached?.ts !== ts) cached = { ts, sample: simulator.sample(station.id, ts) };
      return cached.sample;
    };
    // The hour's mean of the station's samples, for its hourly record (2061, DataTime = the hour's start).
    const hourly = new Map<number, Map<string, number>>();
    const hourMean = (start: number, code: string): number | undefined => {
      let means = hourly.get(start);
      if (!means) {
        const sums = new Map<string, { sum: number; n: number }>();
        for (const s of simulator.samples(station.id, start - 1, start + HOUR - 1))
          for (const [p, v] of Object.entries(s.values)) {
            const acc = sums.get(p) ?? { sum: 0, n: 0 };
            sums.set(p, { sum: acc.sum + v, n: acc.n + 1 });
          }
        means = new Map([...sums].map(([p, { sum, n }]) => [p, Number((sum / n).toPrecision(4))]));
        hourly.clear();
        hourly.set(start, means);
      }
      return means.get(codeToParam.get(code)!);
    };
    const sim = new SimLogger({
      host: options.address.host,
      port: options.address.port,
      mn: h.mn,
      pw: secret.password ?? '',
      st: '32', // water pollution source (地表水体环境污染源), HJ 212-2017 Table 5: a plant's outfall
      protocol: h.protocol,
      ...(secret.sm4Key ? { key: secret.sm4Key } : {}),
      codes: [...codeToParam.keys()],
      values: (code, ts, stream) =>
        stream === 'hourly'
          ? hourMean(ts, code)
          : sampleAt(ts)?.values[codeToParam.get(code) as keyof Sample['values']],
      flags: (code, ts, stream) =>
        stream === 'realtime' ? sampleAt(ts)?.flags[codeToParam.get(code) as keyof Sample['flags']] : undefined,
      zone: tz,
      now,
      reconnectMs: 5_000,
      onError: (err) => log.warn({ station: station.id, err: err.message }, 'demo HJ 212 logger: connection failed'),
    });
    // A reporting instant without a sample is a dropout: the logger sends nothing then.
    return [{ station: station.id, sim, protocol: h.protocol, hasSample: (ts: number) => sampleAt(ts) !== undefined }];
  });

  let answered = 0;
  const send = (station: string, p: Promise<void>, counts: boolean) =>
    void p.then(
      () => void (counts && answered++),
      (err: unknown) => log.warn({ station, err }, 'demo HJ 212 upload failed'),
    );

  /** Runs `fn` at each instant from `first` on, `step` apart, on the wall clock. */
  const every = (first: number, step: number, fn: (ts: number) => void) => {
    let next = first;
    const tick = () => {
      if (stopped) return;
      while (next <= now()) {
        fn(next);
        next += step;
      }
      const timer = setTimeout(tick, Math.min(Math.max(next - now(), 1), 60_000));
      timer.unref();
      timers.push(timer);
      if (timers.length > 64) timers.splice(0, timers.length - 1);
    };
    tick();
  };

  /** The first live real-time instant of a station and the first live hour: history ends before them. */
  const firstLive = (station: string) => ({
    realtime: simulator.nextSlot(station, options.historyTo - simulator.intervalMs(station)),
    hour: Math.floor(options.historyTo / HOUR) * HOUR,
  });

  return {
    stations: loggers.map((l) => l.station),
    get answered() {
      return answered;
    },
    async backfill(from, signal) {
      let packets = 0;
      await Promise.all(
        loggers.map(async ({ station, sim, protocol }) => {
          const live = firstLive(station);
          const rf = protocol !== 'hj212-2017';
          const uploads: (() => Promise<void>)[] = [];
          for (const sample of simulator.samples(station, from, live.realtime - 1))
            uploads.push(() => sim.upload('realtime', sample.ts, { rf }));
          for (let hour = Math.ceil(from / HOUR) * HOUR; hour < live.hour; hour += HOUR)
            uploads.push(() => sim.upload('hourly', hour, { rf }));
          sim.connect().catch(() => undefined); // uploads wait in its queue until it is connected
          // A window in flight: the gateway handles a connection's packets in order, and a logger whose answers
          // take longer than its timeout would resend.
          let next = 0;
          const worker = async () => {
            while (next < uploads.length && !signal.aborted) {
              await uploads[next++]!();
              packets++;
            }
          };
          await Promise.all(Array.from({ length: BACKFILL_IN_FLIGHT }, worker));
        }),
      );
      log.info({ packets, from, to: options.historyTo }, 'demo HJ 212 loggers sent their history');
      return { packets };
    },
    start() {
      for (const { station, sim, hasSample } of loggers) {
        sim.connect().catch(() => undefined); // it reconnects by itself, and uploads wait in its queue
        const live = firstLive(station);
        every(live.realtime, simulator.intervalMs(station), (ts) => {
          if (hasSample(ts)) send(station, sim.upload('realtime', ts), true);
        });
        // The hour's record after the hour, stamped with its start (HJ 212-2017: DataTime = start of the period).
        every(live.hour + HOUR, HOUR, (end) => send(station, sim.upload('hourly', end - HOUR), false));
      }
      log.info({ stations: loggers.map((l) => l.station), ...options.address }, 'demo HJ 212 loggers started');
    },
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const { sim } of loggers) sim.stop();
    },
  };
}
