/**
 * One logger connection (shaped like aedes' Client: every field set in the constructor, one idempotent close).
 * Bytes → framer → decode → device checks → reassembly → interpretation → sink / events → answer.
 *
 * - Packets of a connection are handled one at a time, in order; when more than a few wait behind the one in hand
 *   (a logger that does not wait for its answers), the socket is paused, so a slow spool turns into TCP
 *   backpressure instead of memory. A stop-and-wait logger is never paused: pausing and resuming a socket costs
 *   two system calls, per packet.
 * - 9014 (and every answer) is written only after `sink.accept` resolved: the readings are durable (ADR 0011).
 * - Every refused packet is a dead letter with its reason and the raw packet (PW masked, hex when binary).
 */
import type { Duplex } from 'node:stream';
import type { Logger } from '../../logger.js';
import type { DeadLetter } from '../../domain/reading.js';
import type { Zone } from '../../domain/time-window.js';
import { ST_INTERACTION, DATA_COMMANDS, KNOWN_COMMANDS, ANSWER_COMMANDS, STATUS_COMMANDS } from './commands.js';
import type { DeviceDirectory, DeviceEvents, Hj212Device, Hj212Sink } from './contracts.js';
import type { DeadLetterBudget, Suppressed } from './dead-letter-budget.js';
import { duplicateOutcome } from './duplicate-mn.js';
import { formatHj212Time, formatQn } from './data-time.js';
import { answerEncoder, encodePacket } from './encode.js';
import { createFramer, type Discard, type Frame, type Framer } from './framer.js';
import { missingHours, type GapFillOptions, type GapFillTracker } from './gap-fill.js';
import {
  answerFlag,
  checkDevice,
  interpret,
  protocolDisagrees,
  protocolSeen,
  type InterpretContext,
} from './interpret.js';
import type { Hj212Metrics } from './metrics.js';
import { decodeFrame, FLAG_ANSWER, type DecodeOptions, type Hj212Packet } from './packet.js';
import type { Hj212Problem } from './reasons.js';
import { createReassembler, type Part, type Reassembler } from './reassembler.js';

/** What every session shares (built once by the server). */
export interface SessionContext {
  devices: DeviceDirectory;
  sink: Hj212Sink;
  events: DeviceEvents;
  logger: Logger;
  metrics: Hj212Metrics;
  now: () => number;
  zone: Zone;
  limits: SessionLimits;
  /** The first dead letters per device and reason in each period are kept, the rest counted (dead-letter-budget.ts). */
  deadLetters: DeadLetterBudget<DeadLetter>;
  /** Which connection holds each MN (one per logger, duplicate-mn.ts); maintained by the sessions. */
  owners: Map<string, Session>;
  gapFill: {
    tracker: GapFillTracker;
    options: GapFillOptions;
    /** The last hourly record as stored (outlives a restart); asked when this process has seen none. */
    storedLastRecord?: (mn: string) => Promise<number | undefined>;
  };
}

export interface SessionLimits {
  maxFrameBytes: number;
  /** Garbage tolerated per connection before it is closed. */
  maxDiscardBytes: number;
  /** Silence after which a connection is closed: longer than any heartbeat or reporting interval. */
  idleTimeoutMs: number;
  /** The first valid packet must come within this. */
  firstPacketTimeoutMs: number;
  /** Answers a peer leaves unread before it is dropped as a slow reader. */
  maxWriteBufferBytes: number;
  splitTimeoutMs: number;
  maxFutureSkewMs: number;
  /** A connection that delivered a packet of its MN this recently is live: a second one for the MN is refused. */
  duplicateAliveMs: number;
  /** Dead letters kept per device and reason in each `deadLetterPeriodMs`; the rest are counted and summarised. */
  deadLettersPerPeriod: number;
  deadLetterPeriodMs: number;
}

const ANSWER_DATA = '9014';
/** Frames waiting behind the one in hand before the socket is paused (one read can bring many more: bounded too). */
const MAX_WAITING_FRAMES = 4;
const ANSWER_NOTICE = '9013';
const SET_TIME = '1012';

export class Session {
  readonly remote: string;
  /** MNs seen on this connection (a DTU may carry several loggers). */
  readonly mns = new Set<string>();
  /** When each MN's last valid packet arrived on this connection. */
  private readonly lastPacket = new Map<string, number>();
  private readonly framer: Framer;
  private readonly reassembler: Reassembler;
  private readonly queue: Frame[] = [];
  private readonly log: Logger;
  private working = false;
  private closed = false;
  private discarded = 0;
  private validSeen = false;
  private mismatchWarned = false;
  private firstTimer: NodeJS.Timeout | undefined;
  /** True while the socket is paused because frames wait (MAX_WAITING_FRAMES). */
  private paused = false;
  /**
   * Idle timeout, checked coarsely by the server's sweep rather than by a socket timer: `socket.setTimeout` re-arms
   * its timer on every read and every write, two timer-list inserts per packet (bench:hj212). Bytes arrived since
   * the last sweep (`heard`) count as activity at that sweep; minutes of timeout make a sweep's lateness irrelevant.
   */
  private heard = false;
  private lastHeardAt: number;
  /** Told when the packets in hand are done (a graceful stop waits for it). */
  private settle: (() => void) | undefined;
  private readonly decodeOptions: DecodeOptions = { keysFor: (mn) => keysOf(this.ctx.devices.byMn(mn)) };
  /** One per connection, its `now` set for each packet (interpret is synchronous): no object and closure per packet. */
  private readonly interpretContext: InterpretContext;
  /** The answer encoder used last, by device and CN: a stop-and-wait logger gets the same answer every time. */
  private lastAnswer: { device: Hj212Device; cn: string; encode: (qn: string) => Buffer } | undefined;

  constructor(
    private readonly socket: Duplex & {
      remoteAddress?: string;
      remotePort?: number;
    },
    private readonly ctx: SessionContext,
    private readonly onClose: (session: Session) => void,
  ) {
    this.remote = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort ?? ''}` : 'local';
    this.log = ctx.logger.child({ component: 'hj212', remote: this.remote });
    this.framer = createFramer({ maxFrameBytes: ctx.limits.maxFrameBytes });
    this.reassembler = createReassembler({ maxAgeMs: ctx.limits.splitTimeoutMs });
    const interpretContext: InterpretContext = {
      now: 0,
      zone: ctx.zone,
      maxFutureSkewMs: ctx.limits.maxFutureSkewMs,
      // The packet's MN is its device's (the directory found the device by it).
      requested: (p, ts) => p.cn === '2061' && ctx.gapFill.tracker.answers(p.mn, ts, interpretContext.now),
    };
    this.interpretContext = interpretContext;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.close('peer'));
    socket.on('close', () => this.close('peer'));
    socket.on('error', (err: Error) => {
      this.log.debug({ err }, 'connection error');
      this.close('error');
    });
    this.lastHeardAt = ctx.now();
    this.firstTimer = setTimeout(() => {
      if (!this.validSeen) this.close('no_valid_packet');
    }, ctx.limits.firstPacketTimeoutMs);
    this.firstTimer.unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Gives up split packets that did not complete in time and closes the connection when it has been silent for
   * `idleTimeoutMs` (the server calls this from one shared sweep).
   */
  sweep(now: number): void {
    if (this.heard) {
      this.heard = false;
      this.lastHeardAt = now;
    } else if (!this.closed && now - this.lastHeardAt >= this.ctx.limits.idleTimeoutMs) {
      this.close('idle');
      return;
    }
    for (const parts of this.reassembler.expire(now)) {
      const mn = parts[0]?.packet.mn;
      void this.deadLetter(
        {
          reason: 'split_incomplete',
          detail: `${parts.length} of ${parts[0]?.packet.pnum ?? '?'} parts of a split ${parts[0]?.packet.cn ?? ''} packet arrived; not answered, the logger resends`,
        },
        Buffer.concat(parts.map((p) => p.raw)),
        mn,
        parts[0]?.packet.cn,
      );
    }
  }

  /** Waits for the packet in hand, then closes. */
  async shutdown(deadline: number): Promise<void> {
    this.socket.pause();
    this.queue.length = 0;
    if (this.working) {
      const idle = new Promise<void>((resolve) => (this.settle = resolve));
      await Promise.race([idle, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref())]);
    }
    this.close('shutdown');
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.firstTimer) clearTimeout(this.firstTimer);
    this.queue.length = 0;
    for (const event of this.framer.end()) if (event.type === 'discard') this.onDiscard(event.discard);
    this.ctx.metrics.closed.inc({ reason });
    const at = this.ctx.now();
    for (const mn of this.mns) {
      if (this.ctx.owners.get(mn) === this) this.ctx.owners.delete(mn);
      this.ctx.events.disconnected(mn, at, reason);
    }
    this.log.debug({ reason, mns: [...this.mns] }, 'connection closed');
    this.socket.destroy();
    this.onClose(this);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.heard = true;
    for (const event of this.framer.push(chunk)) {
      if (event.type === 'frame') this.queue.push(event.frame);
      else this.onDiscard(event.discard);
    }
    if (this.closed) return;
    if (!this.working && this.queue.length > 0) void this.work();
    else if (this.working && this.queue.length > MAX_WAITING_FRAMES && !this.paused) {
      // Backpressure: no more bytes from this logger until what it sent is durable and answered.
      this.paused = true;
      this.socket.pause();
    }
  }

  private onDiscard(discard: Discard): void {
    this.ctx.metrics.discardedBytes.inc({ reason: discard.reason }, discard.bytes);
    this.discarded += discard.bytes;
    // A stray CR LF or NUL keep-alive byte is noise, not a packet anyone sent: counted, not kept.
    if (discard.bytes > 2)
      void this.deadLetter(
        { reason: discard.reason, detail: `${discard.bytes} bytes skipped (first ${discard.sample.length} kept)` },
        discard.sample,
        [...this.mns][0],
        undefined,
      );
    if (this.discarded > this.ctx.limits.maxDiscardBytes && !this.closed) {
      this.log.warn({ bytes: this.discarded }, 'too many bytes that are not HJ 212 packets: closing the connection');
      this.close('garbage');
    }
  }

  private async work(): Promise<void> {
    this.working = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const frame = this.queue.shift()!;
        try {
          await this.handle(frame, performance.now());
        } catch (err) {
          this.log.error({ err }, 'handling a packet failed; it is not answered, the logger resends');
        }
      }
    } finally {
      this.working = false;
      this.settle?.();
      this.settle = undefined;
      if (this.paused && !this.closed) {
        this.paused = false;
        this.socket.resume();
      }
    }
  }

  private async handle(frame: Frame, started: number): Promise<void> {
    const ctx = this.ctx;
    const decoded = decodeFrame(frame, this.decodeOptions);
    if (!decoded.ok) {
      await this.deadLetter(decoded.problem, frame.raw, decoded.mn, decoded.cn);
      return;
    }
    const packet = decoded.packet;
    const device = ctx.devices.byMn(packet.mn);
    const refused = checkDevice(packet, device);
    if (refused || !device) {
      const kept = await this.deadLetter(refused!, frame.raw, packet.mn, packet.cn);
      if (kept && refused?.reason === 'wrong_password')
        this.log.warn({ mn: packet.mn }, 'wrong access password (PW): packet refused');
      return;
    }
    const now = ctx.now();
    if (!this.mns.has(device.mn) && !this.holdMn(device, now)) {
      await this.deadLetter(
        {
          reason: 'duplicate_connection',
          detail: `MN ${device.mn} is live on another connection (${ctx.owners.get(device.mn)?.remote ?? '?'}); refused, not answered`,
        },
        frame.raw,
        packet.mn,
        packet.cn,
        device,
      );
      this.close('duplicate_mn');
      return;
    }
    this.markValid();
    this.lastPacket.set(device.mn, now);
    ctx.metrics.packets.inc(cnLabel(packet.cn));
    if (!this.mns.has(device.mn)) await this.deviceArrived(device, packet, now);
    const seen = protocolSeen(packet);
    ctx.events.packet(device.mn, now, packet.cn, seen ?? device.protocol);
    if (!this.mismatchWarned && protocolDisagrees(device, seen)) {
      this.mismatchWarned = true;
      ctx.metrics.protocolMismatch.inc();
      this.log.warn(
        { mn: device.mn, catalog: device.protocol, flag: packet.flag },
        'Flag version bits disagree with the catalog protocol; the catalog wins',
      );
    }

    let whole = packet;
    // The packets answered: this one, or every part of a split packet (no array for the common whole packet).
    let parts: Hj212Packet | Part[] = packet;
    let raw = frame.raw;
    if (packet.pnum !== undefined && packet.pnum > 1) {
      const done = this.reassembler.add({ packet, raw: frame.raw, receivedAt: now });
      if (!done) return;
      whole = done.packet;
      parts = done.parts;
      raw = Buffer.concat(parts.map((p) => p.raw));
    }

    this.interpretContext.now = now;
    const outcome = interpret(whole, device, this.interpretContext);
    switch (outcome.kind) {
      case 'reject':
        await this.deadLetter(outcome.problem, raw, device.mn, whole.cn, device);
        // Decoded and kept as a dead letter: resending cannot change it, so an upload is answered (ADR 0011).
        if (DATA_COMMANDS[whole.cn] || STATUS_COMMANDS.has(whole.cn))
          this.answerParts(parts, device, ANSWER_DATA, started);
        return;
      case 'data': {
        if (outcome.batch) {
          await ctx.sink.accept(outcome.batch); // throws → not answered: the logger resends
          ctx.metrics.readingsAccepted.inc(outcome.batch.values.length);
          if (outcome.batch.stream === 'hourly') {
            ctx.gapFill.tracker.recorded(device.mn, outcome.batch.ts);
            ctx.events.hourlyRecord?.(device.mn, outcome.batch.ts);
          }
        }
        for (const problem of outcome.problems) await this.deadLetter(problem, raw, device.mn, whole.cn, device);
        this.answerParts(parts, device, ANSWER_DATA, started);
        return;
      }
      case 'status':
        await ctx.events.status(device.mn, now, whole.cn, outcome.fields); // throws → not answered: resent
        this.answerParts(parts, device, ANSWER_DATA, started);
        return;
      case 'heartbeat':
        ctx.events.heartbeat(device.mn, now);
        this.answerParts(parts, device, ANSWER_NOTICE, started);
        return;
      case 'time_request':
        this.answerParts(parts, device, ANSWER_NOTICE, started);
        this.send(device, {
          st: whole.st,
          cn: SET_TIME,
          cp: `SystemTime=${formatHj212Time(ctx.now(), ctx.zone)}`,
          wantAnswer: true,
        });
        return;
      case 'answer':
        return; // 9011/9012/9013/9014 from the logger: counted in packets_total{cn}
    }
  }

  /** When this logger's packet arrived on this connection, e.g. for a duplicate's decision. */
  lastPacketOf(mn: string): number | undefined {
    return this.lastPacket.get(mn);
  }

  /**
   * Takes the MN for this connection, unless another connection holds it and is live (docs/hj212.md §5): then
   * false. A silent holder is taken to be half-open and closed. Either way: a warning, a count, a device event.
   */
  private holdMn(device: Hj212Device, now: number): boolean {
    const ctx = this.ctx;
    const holder = ctx.owners.get(device.mn);
    if (holder && holder !== this && !holder.isClosed) {
      const last = holder.lastPacketOf(device.mn) ?? Number.NEGATIVE_INFINITY;
      const outcome = duplicateOutcome(last, now, ctx.limits.duplicateAliveMs);
      ctx.metrics.duplicateConnections.inc({ outcome });
      ctx.events.duplicate?.(device.mn, now, this.remote, outcome);
      const silentS = Math.round((now - last) / 1000);
      if (outcome === 'refused') {
        this.log.warn(
          { mn: device.mn, station: device.stationId, live: holder.remote, silentS },
          'a second connection for an MN that is live on another one: refused (two loggers with the same MN?)',
        );
        return false;
      }
      this.log.warn(
        { mn: device.mn, station: device.stationId, old: holder.remote, silentS },
        'a logger reconnected while its old connection was still open: the new connection takes over',
      );
      holder.close('superseded');
    }
    ctx.owners.set(device.mn, this);
    return true;
  }

  private markValid(): void {
    if (this.validSeen) return;
    this.validSeen = true;
    if (this.firstTimer) clearTimeout(this.firstTimer);
  }

  /** First packet of a logger on this connection: report it, and ask for the hours it missed while away. */
  private async deviceArrived(device: Hj212Device, packet: Hj212Packet, now: number): Promise<void> {
    this.mns.add(device.mn);
    this.ctx.events.connected(device.mn, now, this.remote);
    const gap = this.ctx.gapFill;
    let last = gap.tracker.lastRecord(device.mn);
    if (last === undefined && gap.storedLastRecord !== undefined) {
      try {
        last = await gap.storedLastRecord(device.mn);
      } catch (err) {
        this.log.warn({ err, mn: device.mn }, 'could not read the last record time; no gap fill this time');
      }
    }
    const hours = missingHours(last, now, gap.options);
    if (!hours) return;
    const qn = formatQn(now, this.ctx.zone);
    // 2017 examples separate the two times with ',', HJ 212-2025 with ';' (hj212-2025.md §2 row 17).
    const sep = device.protocol === 'hj212-2017' ? ',' : ';';
    const cp = `BeginTime=${formatHj212Time(hours.begin, this.ctx.zone)}${sep}EndTime=${formatHj212Time(hours.end, this.ctx.zone)}`;
    gap.tracker.requested(device.mn, { ...hours, qn, sentAt: now });
    this.ctx.metrics.gapFillRequests.inc();
    this.log.info(
      { mn: device.mn, from: hours.begin, to: hours.end },
      'logger back after an outage: asking for the missing hourly records (2061)',
    );
    this.send(device, { st: packet.st === ST_INTERACTION ? '32' : packet.st, cn: '2061', cp, wantAnswer: true, qn });
  }

  private answerParts(parts: Hj212Packet | Part[], device: Hj212Device, cn: string, started: number): void {
    let answered = false;
    if (Array.isArray(parts))
      for (const part of parts) answered = this.answerPacket(part.packet, device, cn) || answered;
    else answered = this.answerPacket(parts, device, cn);
    if (answered && cn === ANSWER_DATA) this.ctx.metrics.answerLatency.observe((performance.now() - started) / 1000);
  }

  /** Writes the `cn` answer to one packet when its Flag asks for one; true when it did. */
  private answerPacket(packet: Hj212Packet, device: Hj212Device, cn: string): boolean {
    const flag = packet.flag;
    // No Flag at all: 2017-era loggers that send none still expect an answer to data (HJ/T 212-2005 habit).
    if (flag !== undefined && (flag & FLAG_ANSWER) === 0) return false;
    let last = this.lastAnswer;
    if (last?.device !== device || last.cn !== cn)
      this.lastAnswer = last = { device, cn, encode: answerTo(device, cn) };
    this.write(last.encode(packet.qn ?? formatQn(this.ctx.now(), this.ctx.zone)), cn);
    return true;
  }

  private send(
    device: Hj212Device,
    m: { st: string; cn: string; cp: string; qn?: string; wantAnswer?: boolean },
  ): void {
    if (this.closed) return;
    const encrypt = device.sm4Key && device.protocol !== 'hj212-2017' && m.cn.startsWith('2') && m.cp !== '';
    const bytes = encodePacket(
      {
        qn: m.qn ?? formatQn(this.ctx.now(), this.ctx.zone),
        st: m.st,
        cn: m.cn,
        ...sender(device, m.wantAnswer),
        cp: m.cp,
      },
      encrypt ? { key: device.sm4Key! } : {},
    );
    this.write(bytes, m.cn);
  }

  private write(bytes: Buffer, cn: string): void {
    if (this.closed) return;
    this.socket.write(bytes);
    this.ctx.metrics.answers.inc(cn);
    if (((this.socket as { writableLength?: number }).writableLength ?? 0) > this.ctx.limits.maxWriteBufferBytes) {
      this.log.warn('the logger does not read our answers: closing the connection');
      this.close('slow_reader');
    }
  }

  /**
   * Counts the refused packet and keeps it as a dead letter, unless its device already had its share of letters of
   * this reason in the period (dead-letter-budget.ts). Resolves with whether it was kept.
   */
  private async deadLetter(
    problem: Hj212Problem,
    raw: Buffer,
    mn: string | undefined,
    cn: string | undefined,
    device?: Hj212Device,
  ): Promise<boolean> {
    const ctx = this.ctx;
    const owner = device ?? (mn === undefined ? undefined : ctx.devices.byMn(mn));
    const now = ctx.now();
    const letter: DeadLetter = {
      receivedAt: now,
      stationId: owner?.stationId ?? '_unknown',
      topic: `hj212/${mn ?? '_unknown'}/${cn ?? '_'}`,
      reason: problem.reason,
      detail: `${problem.detail} (from ${this.remote})`,
      payload: letterPayload(raw),
    };
    ctx.metrics.rejected.inc({ reason: problem.reason });
    // Without an MN (framing errors) the sender is its address; a reconnecting logger keeps its IP, not its port.
    const sender = mn ?? `address ${this.socket.remoteAddress ?? this.remote}`;
    const admitted = ctx.deadLetters.admit(sender, problem.reason, now, letter);
    if (admitted.summary) await writeSummary(ctx, admitted.summary, this.log);
    if (!admitted.keep) {
      ctx.metrics.deadLettersSuppressed.inc({ reason: problem.reason });
      return false;
    }
    this.log.info({ mn, cn, reason: problem.reason, detail: problem.detail }, 'HJ 212 packet refused');
    try {
      await ctx.sink.deadLetter(letter);
    } catch (err) {
      this.log.error({ err, reason: problem.reason }, 'could not store a dead letter');
    }
    return true;
  }
}

/**
 * The dead letter that stands for the letters of one device and reason not kept in a period: how many, from when to
 * when, and the last of them as its payload. Written when the period ends (the server's sweep) or when the device's
 * next letter of the reason starts a new one.
 */
export async function writeSummary(
  ctx: Pick<SessionContext, 'sink'>,
  s: Suppressed<DeadLetter>,
  log: Logger,
): Promise<void> {
  const summary: DeadLetter = {
    ...s.last,
    detail:
      `${s.count} more ${s.reason} packet(s) from ${s.device} between ${new Date(s.from).toISOString()} and ` +
      `${new Date(s.to).toISOString()} were counted (qingliu_hj212_rejected_total) but not kept; the last of them ` +
      `is this payload. Its own detail: ${s.last.detail}`,
  };
  log.warn({ device: s.device, reason: s.reason, count: s.count }, 'HJ 212 dead letters not kept, summarised');
  try {
    await ctx.sink.deadLetter(summary);
  } catch (err) {
    log.error({ err, reason: s.reason }, 'could not store a dead-letter summary');
  }
}

/** The header fields of what we send to a logger: its PW and MN, and the Flag of its protocol version. */
function sender(device: Hj212Device, wantAnswer?: boolean): { pw?: string; mn: string; flag: number } {
  return {
    ...(device.password === undefined ? {} : { pw: device.password }),
    mn: device.mn,
    flag: answerFlag(device.protocol, wantAnswer),
  };
}

/** Each logger's answer encoders by CN (answers are in the device's own protocol: catalog, not Flag bits). */
const answerEncoders = new WeakMap<Hj212Device, Map<string, (qn: string) => Buffer>>();

/** The encoder of `cn` answers (9014, 9013: ST=91, no CP, no answer asked) to this logger. */
function answerTo(device: Hj212Device, cn: string): (qn: string) => Buffer {
  let byCn = answerEncoders.get(device);
  if (!byCn) answerEncoders.set(device, (byCn = new Map()));
  let encode = byCn.get(cn);
  if (!encode) {
    encode = answerEncoder({ st: ST_INTERACTION, cn, ...sender(device) });
    byCn.set(cn, encode);
  }
  return encode;
}

function keysOf(device: Hj212Device | undefined): Buffer[] {
  return device?.sm4Key ? [device.sm4Key] : [];
}

function cnLabel(cn: string): string {
  return DATA_COMMANDS[cn] ||
    STATUS_COMMANDS.has(cn) ||
    KNOWN_COMMANDS.has(cn) ||
    ANSWER_COMMANDS.has(cn) ||
    cn === '9015' ||
    cn === '1013'
    ? cn
    : 'other';
}

/**
 * The raw packet for the dead-letter store: the access password masked (it must never be stored or logged), as text
 * when printable, else `hex:` and the bytes (encrypted or binary packets).
 */
export function letterPayload(raw: Buffer): string {
  const text = raw.toString('latin1');
  const masked = text.replace(/;PW=[^;]*;/, ';PW=***;');
  const bytes = Buffer.from(masked, 'latin1');
  const utf8 = bytes.toString('utf8');
  let printable = !utf8.includes('\uFFFD');
  for (const b of bytes) if ((b < 0x20 && b !== 0x0d && b !== 0x0a) || b === 0x7f) printable = false;
  return printable ? utf8 : `hex:${bytes.toString('hex')}`;
}
