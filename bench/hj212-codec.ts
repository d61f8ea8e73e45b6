/**
 * `npm run bench:hj212:codec` — the HJ 212 gateway's pure per-packet work, in this process, without sockets, spool
 * or store: framing, decoding, interpreting (CP values to readings) and encoding the 9014 answer of the packets
 * `bench:hj212` sends (2011, nine pollutants, 2,000 loggers). CPU µs per packet for each step (user + system time
 * of this process, so the load of a shared machine moves it less than a wall-clock rate). Compare two builds by
 * running this file from each checkout, alternately. Options: --rounds N (default 5).
 */
import { zone } from '../src/domain/time-window.js';
import type { Hj212Device } from '../src/ingest/hj212/contracts.js';
import { cachedZone, formatHj212Time } from '../src/ingest/hj212/data-time.js';
import { answerEncoder, encodePacket } from '../src/ingest/hj212/encode.js';
import { createFramer, type Frame } from '../src/ingest/hj212/framer.js';
import { checkDevice, interpret } from '../src/ingest/hj212/interpret.js';
import { decodeFrame, type Hj212Packet } from '../src/ingest/hj212/packet.js';
import { defaultValues } from '../sensors/hj212/logger.js';
import { positiveOption } from './bench-kit.js';

const LOGGERS = 2000;
const PACKETS_PER_LOGGER = 5;
const CODES = ['w01018', 'w21003', 'w21011', 'w21001', 'w01001', 'w00000', 'w01010', 'w01012', 'w01017'];
const ROUNDS = Math.round(positiveOption('rounds', 5));
const ZONE = cachedZone(zone('Asia/Shanghai'));
const now = Date.now();

const devices = new Map<string, Hj212Device>();
const answers = new Map<string, (qn: string) => Buffer>();
const packets: Buffer[] = [];
for (let i = 0; i < LOGGERS; i++) {
  const mn = `BENCH${String(i).padStart(6, '0')}`;
  const device: Hj212Device = {
    mn,
    stationId: `hj-${i}`,
    protocol: 'hj212-2017',
    password: '123456',
    units: {},
    record: 'realtime',
  };
  devices.set(mn, device);
  answers.set(mn, answerEncoder({ st: '91', cn: '9014', pw: '123456', mn, flag: 4 }));
  for (let k = 0; k < PACKETS_PER_LOGGER; k++) {
    const ts = Math.floor((now - 600_000 + k * 15_000) / 1000) * 1000;
    const values = CODES.map((c) => `${c}-Rtd=${defaultValues(c, ts, 'realtime')},${c}-Flag=N`);
    const cp = [`DataTime=${formatHj212Time(ts, ZONE)}`, ...values].join(';');
    const qn = `${formatHj212Time(ts, ZONE)}${String(i % 1000).padStart(3, '0')}`;
    packets.push(encodePacket({ qn, st: '32', cn: '2011', pw: '123456', mn, flag: 5, cp }));
  }
}

const framers = Array.from({ length: LOGGERS }, () => createFramer());
const frames: Frame[] = [];
for (let j = 0; j < packets.length; j++)
  for (const e of framers[j % LOGGERS]!.push(packets[j]!)) if (e.type === 'frame') frames.push(e.frame);
const decodeOptions = { keysFor: () => [] };
const decoded: Hj212Packet[] = frames.map((f) => {
  const d = decodeFrame(f, decodeOptions);
  if (!d.ok) throw new Error(d.problem.detail);
  return d.packet;
});

let sink = 0;
function cpuUsPerPacket(step: () => void): number {
  for (let r = 0; r < 3; r++) step(); // warm up
  const before = process.cpuUsage();
  for (let r = 0; r < ROUNDS; r++) step();
  const used = process.cpuUsage(before);
  return Number(((used.user + used.system) / (ROUNDS * packets.length)).toFixed(2));
}

const result = {
  bench: 'hj212-codec',
  date: new Date().toISOString(),
  packets: packets.length,
  frame_us: cpuUsPerPacket(() => {
    for (let j = 0; j < packets.length; j++) sink += framers[j % LOGGERS]!.push(packets[j]!).length;
  }),
  decode_us: cpuUsPerPacket(() => {
    for (const f of frames) sink += decodeFrame(f, decodeOptions).ok ? 1 : 0;
  }),
  interpret_us: cpuUsPerPacket(() => {
    for (const p of decoded) {
      const device = devices.get(p.mn)!;
      if (checkDevice(p, device)) throw new Error('refused');
      const out = interpret(p, device, { now, zone: ZONE, maxFutureSkewMs: 600_000 });
      if (out.kind !== 'data' || out.batch?.values.length !== CODES.length) throw new Error(JSON.stringify(out));
    }
  }),
  answer_us: cpuUsPerPacket(() => {
    for (const p of decoded) sink += answers.get(p.mn)!(p.qn!).length;
  }),
};
process.stdout.write(`${JSON.stringify({ ...result, checked: sink > 0 })}\n`);
