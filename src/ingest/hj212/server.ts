/**
 * The HJ 212 TCP receiver (issue 13 §1): wiring only — sockets in, one Session each. Protocol logic lives in
 * session.ts and the pure modules. `handle(duplex)` accepts any stream, so tests can drive a session without a port.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { zone as resolveZone } from '../../domain/time-window.js';
import { IDLE_TIMEOUT_MS } from './connection-view.js';
import { cachedZone } from './data-time.js';
import { DEFAULT_MAX_FRAME_BYTES } from './framer.js';
import { createGapFillTracker, type GapFillOptions } from './gap-fill.js';
import { DeadLetterBudget } from './dead-letter-budget.js';
import { Session, writeSummary, type SessionContext, type SessionLimits } from './session.js';

/** The catalog's devices, the sink (durable before 9014), device events, logger, metrics and clock, plus: */
export interface Hj212ServerOptions extends Pick<
  SessionContext,
  'devices' | 'sink' | 'events' | 'logger' | 'metrics' | 'now'
> {
  /** Zone of the loggers' local times (HJ 212 times carry no offset): TIMEZONE, Asia/Shanghai by default. */
  timeZone: string;
  /** HJ212_PORT (0 = any free port, for tests) and HJ212_HOST. */
  port: number;
  host?: string;
  maxConnections?: number;
  limits?: Partial<SessionLimits>;
  gapFill?: GapFillOptions & {
    /** The last hourly record stored for an MN (device state that outlives a restart); memory is used otherwise. */
    lastRecord?: (mn: string) => Promise<number | undefined>;
  };
  /** How often split packets are checked for their timeout. */
  sweepIntervalMs?: number;
}

export interface Hj212Server {
  start(): Promise<{ port: number; host: string }>;
  /** Stops accepting, lets packets in hand finish (until `graceMs`), closes every connection. Safe twice. */
  stop(graceMs?: number): Promise<void>;
  /** Attaches a session to any duplex stream (tests; a TLS terminator in front). */
  handle(stream: Duplex): void;
  /** Expires split packets now (the sweep timer calls it; tests with an injected clock call it directly). */
  sweep(): void;
  readonly connections: number;
  /** MNs with an open connection. */
  connectedDevices(): string[];
}

export const DEFAULT_LIMITS: SessionLimits = {
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxDiscardBytes: 64 * 1024,
  // What the API also assumes of a connection recorded open (connection-view.ts).
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  firstPacketTimeoutMs: 60_000,
  maxWriteBufferBytes: 64 * 1024,
  splitTimeoutMs: 60_000,
  maxFutureSkewMs: 10 * 60_000,
  // Loggers send real-time data every 30–60 s: one that sent within a minute is live (docs/hj212.md §5).
  duplicateAliveMs: 60_000,
  // A logger resending every 30 s with a wrong PW: 10 letters and one summary an hour instead of 120.
  deadLettersPerPeriod: 10,
  deadLetterPeriodMs: 3_600_000,
};

export function createHj212Server(options: Hj212ServerOptions): Hj212Server {
  const log = options.logger.child({ component: 'hj212' });
  const sessions = new Set<Session>();
  const owners = new Map<string, Session>();
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const ctx: SessionContext = {
    owners,
    deadLetters: new DeadLetterBudget({ perPeriod: limits.deadLettersPerPeriod, periodMs: limits.deadLetterPeriodMs }),
    devices: options.devices,
    sink: options.sink,
    events: options.events,
    logger: options.logger,
    metrics: options.metrics,
    now: options.now,
    zone: cachedZone(resolveZone(options.timeZone)),
    limits,
    gapFill: {
      tracker: createGapFillTracker(options.gapFill),
      options: options.gapFill ?? {},
      ...(options.gapFill?.lastRecord ? { storedLastRecord: options.gapFill.lastRecord } : {}),
    },
  };

  const server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 });
  server.maxConnections = options.maxConnections ?? 10_000;
  server.on('drop', () => options.metrics.connectionsDropped.inc());
  server.on('connection', (socket) => handle(socket));
  server.on('error', (err) => log.error({ err }, 'HJ 212 listener error'));
  options.metrics.observe(() => ({ connections: sessions.size, devices: owners.size }));
  let sweepTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  function handle(stream: Duplex): void {
    if (stopped) {
      stream.destroy();
      return;
    }
    const session = new Session(stream as never, ctx, (s) => sessions.delete(s));
    sessions.add(session);
  }

  function connectedDevices(): string[] {
    return [...owners.keys()];
  }

  function sweep(): void {
    const now = options.now();
    for (const s of sessions) s.sweep(now);
    for (const summary of ctx.deadLetters.expire(now)) void writeSummary(ctx, summary, log);
  }

  return {
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host ?? '0.0.0.0', () => {
          server.off('error', reject);
          resolve();
        });
      });
      sweepTimer = setInterval(sweep, options.sweepIntervalMs ?? 5_000);
      sweepTimer.unref();
      const address = server.address() as net.AddressInfo;
      // Not logged here: the gateway source (gateway-source.ts) logs "listening" once, with the loggers' count.
      return { port: address.port, host: address.address };
    },

    async stop(graceMs = 5_000) {
      if (stopped) return;
      stopped = true;
      if (sweepTimer) clearInterval(sweepTimer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + graceMs;
      await Promise.all([...sessions].map((s) => s.shutdown(deadline)));
      await closed;
    },

    handle,
    sweep,
    get connections() {
      return sessions.size;
    },
    connectedDevices,
  };
}
