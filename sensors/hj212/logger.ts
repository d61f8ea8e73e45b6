/**
 * A simulated HJ 212 data logger (数采仪): connects to the gateway over TCP and behaves like the real ones do —
 * uploads real-time (2011), minute (2051), hourly (2061) and daily (2031) data and waits for each 9014, resending on
 * a timeout or after a reconnection (nothing unanswered is forgotten); heartbeats (9015); answers the platform's
 * 2061 requests for missed hours from its memory (late data); HJ 212-2017 or HJ 212-2025 with SM4; packets split
 * across TCP writes or into PNUM/PNO parts. Used by `qingliu simulate --hj212`, the gateway tests and bench:hj212.
 */
import net from 'node:net';
import type { Zone } from '../../src/domain/time-window.js';
import type { Hj212Protocol, Hj212Stream } from '../../src/ingest/hj212/contracts.js';
import { parseCp, cpField } from '../../src/ingest/hj212/cp.js';
import { formatHj212Time, formatQn, parseHj212Time } from '../../src/ingest/hj212/data-time.js';
import { encodePacket } from '../../src/ingest/hj212/encode.js';
import { createFramer } from '../../src/ingest/hj212/framer.js';
import { decodeFrame, type Hj212Packet } from '../../src/ingest/hj212/packet.js';

export const STREAM_CN: Record<Hj212Stream, string> = {
  realtime: '2011',
  minute: '2051',
  hourly: '2061',
  daily: '2031',
};

/** Pollutant code → value at a time (the logger's instruments); undefined: no value, the item is left out. */
export type ValueModel = (code: string, ts: number, stream: Hj212Stream) => number | undefined;
/** Pollutant code → its data flag at a time (HJ 212-2017 Table 4: N, M, D, …); undefined is N. */
export type FlagModel = (code: string, ts: number, stream: Hj212Stream) => string | undefined;

export interface SimLoggerOptions {
  host: string;
  port: number;
  mn: string;
  pw: string;
  /** 32 for a plant outfall, 21 for a surface-water station. */
  st: string;
  protocol: Hj212Protocol;
  key?: Buffer;
  cipherForm?: 'raw' | 'braced';
  codes: readonly string[];
  values?: ValueModel;
  flags?: FlagModel;
  zone: Zone;
  now: () => number;
  /** Resend an unanswered upload after this long (HJ 212-2017 CN 1000: timeout and retries). */
  answerTimeoutMs?: number;
  /** Write each packet in TCP pieces of this many bytes (to exercise the gateway's framer). */
  chunkBytes?: number;
  /** Split data packets into PNUM/PNO parts of at most this many pollutants. */
  itemsPerPart?: number;
  /** Called when a connection attempt fails or drops. */
  onError?: (err: Error) => void;
  /** Reconnect this long after a lost connection or a failed attempt (real loggers do); off when undefined. */
  reconnectMs?: number;
}

export interface SimLoggerStats {
  sent: number;
  answered: number;
  resent: number;
  requestsAnswered: number;
}

interface Waiting {
  qn: string;
  bytes: Buffer[];
  resolve: () => void;
  timer?: NodeJS.Timeout;
}

/** A deterministic, plausible value per code (mg/L unless the code's unit differs). */
export const defaultValues = (code: string, ts: number, stream: Hj212Stream): number => {
  const base: Record<string, number> = {
    w01018: 24,
    w21003: 1.2,
    w21011: 0.18,
    w21001: 8.6,
    w01001: 7.2,
    w00000: 120,
    w01010: 18,
    w01012: 6,
    w01017: 5,
    w01009: 8.2,
    w01014: 420,
    w01003: 12,
    w01019: 3.1,
    w20120: 0.0001,
  };
  const hour = ts / 3_600_000;
  const wave = 1 + 0.15 * Math.sin((2 * Math.PI * hour) / 24 + code.charCodeAt(5));
  const v = (base[code] ?? 1) * wave * (stream === 'realtime' ? 1 + 0.02 * Math.sin(ts / 7_000) : 1);
  return Number(v.toPrecision(4));
};

export class SimLogger {
  readonly stats: SimLoggerStats = { sent: 0, answered: 0, resent: 0, requestsAnswered: 0 };
  private socket: net.Socket | undefined;
  private connecting: Promise<void> | undefined;
  private readonly waiting = new Map<string, Waiting>();
  private lastQn = 0n;
  private stopped = false;
  private offline = false;
  private reconnecting: NodeJS.Timeout | undefined;
  /** Every answer and request received, for tests. */
  readonly received: Hj212Packet[] = [];

  constructor(private readonly o: SimLoggerOptions) {}

  get connected(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  get unanswered(): number {
    return this.waiting.size;
  }

  connect(): Promise<void> {
    if (this.connected) return Promise.resolve();
    this.connecting ??= new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: this.o.host, port: this.o.port, noDelay: true });
      const framer = createFramer();
      socket.once('connect', () => {
        this.socket = socket;
        this.connecting = undefined;
        // Whatever was not answered on the last connection goes again (the logger's resend queue).
        for (const w of this.waiting.values()) this.write(w, true);
        resolve();
      });
      socket.on('data', (chunk: Buffer) => {
        for (const e of framer.push(chunk)) if (e.type === 'frame') this.onFrame(e.frame);
      });
      socket.on('error', (err) => {
        this.o.onError?.(err);
        if (this.connecting && this.socket !== socket) {
          this.connecting = undefined;
          reject(err);
        }
      });
      socket.on('close', () => {
        if (this.socket === socket) this.socket = undefined;
        for (const w of this.waiting.values()) clearTimeout(w.timer);
        this.scheduleReconnect();
      });
    });
    return this.connecting;
  }

  /** An outage: the connection drops and stays down until `goOnline` (uploads meanwhile wait in the queue). */
  goOffline(): void {
    this.offline = true;
    this.disconnect();
  }

  goOnline(): Promise<void> {
    this.offline = false;
    return this.connect();
  }

  get isOffline(): boolean {
    return this.offline;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.offline || this.o.reconnectMs === undefined || this.reconnecting) return;
    this.reconnecting = setTimeout(() => {
      this.reconnecting = undefined;
      if (!this.connected && !this.stopped) this.connect().catch(() => this.scheduleReconnect());
    }, this.o.reconnectMs);
    this.reconnecting.unref();
  }

  /** Drops the connection (an outage); unanswered uploads stay queued for the next connection. */
  disconnect(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnecting);
    this.disconnect();
    for (const w of this.waiting.values()) clearTimeout(w.timer);
  }

  /** Uploads one data packet (split into parts if configured); resolves once every part got its 9014. */
  async upload(stream: Hj212Stream, ts: number, options: { rf?: boolean } = {}): Promise<void> {
    const items = this.o.codes.flatMap((code) => {
      const v = (this.o.values ?? defaultValues)(code, ts, stream);
      if (v === undefined) return [];
      const flag = this.o.flags?.(code, ts, stream) ?? 'N';
      return stream === 'realtime'
        ? [`${code}-Rtd=${v},${code}-Flag=${flag}`]
        : [`${code}-Min=${round(v * 0.9)},${code}-Avg=${v},${code}-Max=${round(v * 1.1)},${code}-Flag=${flag}`];
    });
    const per = this.o.itemsPerPart ?? items.length;
    const parts: string[][] = [];
    for (let i = 0; i < items.length; i += per) parts.push(items.slice(i, i + per));
    const dataTime = `DataTime=${formatHj212Time(ts, this.o.zone)}`;
    await Promise.all(
      parts.map((part, i) =>
        this.request(STREAM_CN[stream], i === 0 ? [dataTime, ...part].join(';') : part.join(';'), {
          ...(options.rf ? { rf: true } : {}),
          ...(parts.length > 1 ? { pnum: parts.length, pno: i + 1 } : {}),
        }),
      ),
    );
  }

  async heartbeat(): Promise<void> {
    await this.request('9015', '', {});
  }

  private version(answer: boolean, split: boolean): number {
    const v = this.o.protocol === 'hj212-2017' ? 4 : 8;
    return v | (answer ? 1 : 0) | (split ? 2 : 0);
  }

  private nextQn(): string {
    let qn = BigInt(formatQn(this.o.now(), this.o.zone));
    if (qn <= this.lastQn) qn = this.lastQn + 1n;
    this.lastQn = qn;
    return qn.toString();
  }

  private request(cn: string, cp: string, extra: { rf?: boolean; pnum?: number; pno?: number }): Promise<void> {
    const qn = this.nextQn();
    const packet = encodePacket(
      {
        qn,
        st: this.o.st,
        cn,
        pw: this.o.pw,
        mn: this.o.mn,
        flag: this.version(true, extra.pnum !== undefined),
        ...extra,
        cp,
      },
      this.o.key && cn.startsWith('2') ? { key: this.o.key, cipherForm: this.o.cipherForm ?? 'raw' } : {},
    );
    const chunk = this.o.chunkBytes ?? packet.length;
    const bytes: Buffer[] = [];
    for (let i = 0; i < packet.length; i += chunk) bytes.push(packet.subarray(i, i + chunk));
    return new Promise<void>((resolve) => {
      const w: Waiting = { qn, bytes, resolve };
      this.waiting.set(qn, w);
      this.stats.sent++;
      if (this.connected) this.write(w, false);
      else if (!this.offline) this.connect().catch(() => undefined); // connect() writes what is waiting
    });
  }

  private write(w: Waiting, resend: boolean): void {
    if (this.stopped || !this.socket) return;
    if (resend) this.stats.resent++;
    for (const b of w.bytes) this.socket.write(b);
    clearTimeout(w.timer);
    w.timer = setTimeout(() => {
      if (this.waiting.has(w.qn)) this.write(w, true);
    }, this.o.answerTimeoutMs ?? 10_000);
    w.timer.unref();
  }

  private onFrame(frame: Parameters<typeof decodeFrame>[0]): void {
    const d = decodeFrame(frame, { keysFor: () => (this.o.key ? [this.o.key] : []) });
    if (!d.ok) return;
    const p = d.packet;
    this.received.push(p);
    if ((p.cn === '9014' || p.cn === '9013') && p.qn) {
      const w = this.waiting.get(p.qn);
      if (!w) return;
      clearTimeout(w.timer);
      this.waiting.delete(p.qn);
      this.stats.answered++;
      w.resolve();
    } else if (p.cn === '2061' && p.st !== '91') {
      void this.answerHistory(p);
    }
  }

  /** The platform asks for hourly records (gap fill): send them from memory, as late (RF=1 in 2025) uploads. */
  private async answerHistory(p: Hj212Packet): Promise<void> {
    const groups = parseCp(p.cp);
    if ('reason' in groups) return;
    const begin = parseHj212Time(cpField(groups, 'BeginTime') ?? '', this.o.zone);
    const end = parseHj212Time(cpField(groups, 'EndTime') ?? '', this.o.zone);
    if (begin === undefined || end === undefined) return;
    const rf = this.o.protocol !== 'hj212-2017';
    const sends: Promise<void>[] = [];
    for (let t = begin; t <= end; t += 3_600_000) sends.push(this.upload('hourly', t, { rf }));
    await Promise.all(sends);
    this.stats.requestsAnswered++;
  }
}

function round(v: number): number {
  return Number(v.toPrecision(4));
}
