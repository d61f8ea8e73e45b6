/**
 * fast-check properties of the pure core (issue 13, tests): any valid packet split at any byte boundaries or glued
 * to others (with garbage between) decodes the same; any mutation of a valid packet is refused with a reason or
 * decodes identically — never a throw; random bytes never throw and never grow the buffer beyond one frame.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { zone } from '../../../src/domain/time-window.js';
import { encodePacket, type PacketFields } from '../../../src/ingest/hj212/encode.js';
import { createFramer, type FramerEvent } from '../../../src/ingest/hj212/framer.js';
import { formatCp, parseCp } from '../../../src/ingest/hj212/cp.js';
import { checkDevice, interpret } from '../../../src/ingest/hj212/interpret.js';
import { readMeasurements } from '../../../src/ingest/hj212/measurements.js';
import { decodeFrame, type DecodeResult } from '../../../src/ingest/hj212/packet.js';
import { HJ212_REASONS } from '../../../src/ingest/hj212/reasons.js';
import { directory, KEY_PLANT_2025, keysFor } from './fixtures.js';

const MNS = ['020000A8900016F000169DC1', '030000A8900016F000169DC2', 'A140100_2006'];
const CODES = ['w01018', 'w21003', 'w21011', 'w21001', 'w01001', 'w00000', 'w20120', 'x12345'];
const ctx = { now: Date.parse('2026-12-06T12:00:00+08:00'), zone: zone('Asia/Shanghai'), maxFutureSkewMs: 600_000 };

const valueArb = fc.oneof(
  fc.double({ min: 0, max: 500, noNaN: true }).map((v) => String(Math.round(v * 1000) / 1000)),
  fc.constantFrom('abc', '-1', '1e3', ''),
);
const itemArb = fc.record({
  code: fc.constantFrom(...CODES),
  suffix: fc.constantFrom('Rtd', 'Avg', 'Min', 'Max', 'Cou', 'Flag'),
  value: valueArb,
  flag: fc.constantFrom('N', 'M', 'T', 'Q'),
});
const packetArb: fc.Arbitrary<{ fields: PacketFields; encrypt: 'none' | 'raw' | 'braced' }> = fc
  .record({
    mn: fc.constantFrom(...MNS),
    cn: fc.constantFrom('2011', '2051', '2061', '2031', '9015', '3020', '1013', '1001'),
    flag: fc.constantFrom(4, 5, 8, 9, undefined),
    hour: fc.integer({ min: 0, max: 11 }),
    items: fc.array(itemArb, { maxLength: 12 }),
    rf: fc.boolean(),
    encrypt: fc.constantFrom('none', 'raw', 'braced'),
  })
  .map((r) => ({
    encrypt: r.mn === '030000A8900016F000169DC2' ? r.encrypt : 'none',
    fields: {
      qn: `202612061${r.hour.toString().padStart(2, '0').slice(1)}0000000`.padEnd(17, '0').slice(0, 17),
      st: '32',
      cn: r.cn,
      pw: directory.byMn(r.mn)?.password,
      mn: r.mn,
      flag: r.flag,
      rf: r.rf,
      cp: [
        `DataTime=20261206${String(r.hour).padStart(2, '0')}0000`,
        ...r.items.map((i) => `${i.code}-${i.suffix}=${i.suffix === 'Flag' ? i.flag : i.value}`),
      ].join(';'),
    },
  }));

const encode = (p: { fields: PacketFields; encrypt: 'none' | 'raw' | 'braced' }): Buffer =>
  p.encrypt === 'none'
    ? encodePacket(p.fields)
    : encodePacket(p.fields, { key: KEY_PLANT_2025, cipherForm: p.encrypt });

/** Feeds chunks, returns the decoded frames (as comparable JSON) and the discards. */
function run(chunks: Buffer[]): { decoded: DecodeResult[]; discarded: number; framed: number } {
  const framer = createFramer({ maxFrameBytes: 4096 });
  const events: FramerEvent[] = [];
  for (const chunk of chunks) {
    events.push(...framer.push(chunk));
    expect(framer.bufferedBytes).toBeLessThanOrEqual(4096);
  }
  events.push(...framer.end());
  const decoded: DecodeResult[] = [];
  let discarded = 0;
  let framed = 0;
  for (const e of events) {
    if (e.type === 'discard') {
      expect(HJ212_REASONS).toHaveProperty(e.discard.reason);
      discarded += e.discard.bytes;
    } else {
      framed += e.frame.raw.length;
      const result = decodeFrame(e.frame, { keysFor });
      decoded.push(result);
      if (result.ok) {
        // The rest of the way must not throw either.
        const device = directory.byMn(result.packet.mn);
        if (!checkDevice(result.packet, device) && device) interpret(result.packet, device, ctx);
      } else {
        expect(HJ212_REASONS).toHaveProperty(result.problem.reason);
        expect(result.problem.detail.length).toBeGreaterThan(0);
      }
    }
  }
  return { decoded, discarded, framed };
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}

const garbageArb = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a.filter((b) => b !== 0x23)));

describe('HJ 212 core properties', () => {
  it('valid packets glued with garbage and split anywhere decode the same as each alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(packetArb, garbageArb), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (list, cuts) => {
          const packets = list.map(([p]) => encode(p));
          const alone = packets.map((bytes) => run([bytes]).decoded);
          for (const a of alone) expect(a).toHaveLength(1);
          const stream = Buffer.concat(list.flatMap(([, garbage], i) => [garbage, packets[i]!]));
          const { decoded, discarded, framed } = run(splitAt(stream, cuts));
          expect(decoded).toEqual(alone.flat());
          expect(discarded + framed).toBe(stream.length);
        },
      ),
      { numRuns: 400, seed: 212 },
    );
  });

  it('every split of each sample packet frames it once', () => {
    const bytes = encode({
      fields: {
        st: '21',
        cn: '2061',
        mn: 'A140100_2006',
        pw: '624930',
        flag: 9,
        cp: 'DataTime=20261206090000;w21003-Avg=0.2',
      },
      encrypt: 'none',
    });
    for (let i = 0; i <= bytes.length; i++) {
      const { decoded } = run([bytes.subarray(0, i), bytes.subarray(i)]);
      expect(decoded).toHaveLength(1);
      expect(decoded[0]!.ok).toBe(true);
    }
  });

  it('a mutated packet is refused with a reason or decodes identically, never a throw', () => {
    const mutation = fc.record({
      kind: fc.constantFrom('replace', 'insert', 'delete'),
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(packetArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), (p, mutations) => {
        const original = encode(p);
        const expected = run([original]).decoded[0]!;
        let bytes = Buffer.from(original);
        for (const m of mutations) {
          const at = m.at % (bytes.length + (m.kind === 'insert' ? 1 : 0));
          if (m.kind === 'replace') bytes[at] = m.byte;
          else if (m.kind === 'insert')
            bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([m.byte]), bytes.subarray(at)]);
          else bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
        }
        const { decoded, discarded, framed } = run([bytes]);
        expect(discarded + framed).toBe(bytes.length);
        for (const d of decoded) {
          if (d.ok && expected.ok) expect(d.packet).toEqual(expected.packet);
          else expect(d.ok).toBe(false);
        }
      }),
      { numRuns: 3000, seed: 2025 },
    );
  });

  it("a data upload's values are read from the items parseCp finds: the same refusals, and the same values as its canonical text", () => {
    // readMeasurements splits the CP area itself, in one pass (the hot path); this keeps it parseCp's twin.
    const name = fc.constantFrom(
      ...['DataTime', 'w01018-Rtd', 'w21003-Avg', 'w21003-Flag', 'w01018-Min', 'w01018-Flag', 'w21003-Rtd'],
      ...['x-Max', '-Rtd', 'w01018-ZsRtd', 'w0-1-Rtd', 'w01018-rtd', ''],
    );
    const value = fc.constantFrom(
      ...['20261206115500', 'N', 'D', '7.25', '1e3', 'abc', '', '='],
      // The in-place number and flag reading: odd numbers (signs, dots, exponents, many digits) and flag spellings.
      ...['-0', '+.5', '5.', '.', '-', '1e999', 'NaN', ' 1', '12345678901234567.5', '0.1', 'n', ' t ', 'NN'],
    );
    const item = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(name, value).map(([n, v]) => `${n}=${v}`) },
      { weight: 1, arbitrary: fc.constantFrom('abc', '', '=x', 'w01018-Rtd') },
    );
    const separator = fc.constantFrom(',', ',', ';', ';;', '');
    const options = { stream: 'realtime' as const, units: {}, zone: ctx.zone, now: ctx.now, maxFutureSkewMs: 600_000 };
    fc.assert(
      fc.property(fc.array(fc.tuple(item, separator), { maxLength: 12 }), (parts) => {
        const cp = parts.map(([i, sep]) => i + sep).join('');
        const groups = parseCp(cp);
        const read = readMeasurements(cp, options);
        if ('reason' in groups) expect(read).toEqual(groups);
        else expect(read).toEqual(readMeasurements(formatCp(groups), options));
      }),
      { numRuns: 3000 },
    );
  });

  it('random bytes never throw and never buffer more than one frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 8 }), (chunks) => {
        run(chunks.map((c) => Buffer.from(c)));
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});
