/** The pure core: CRC, framing, data segment, SM4, measurements — the standards' worked examples and every rule. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { zone } from '../../../src/domain/time-window.js';
import { formatCrc, hj212Crc16 } from '../../../src/ingest/hj212/crc.js';
import { answerEncoder, dataSegment, encodePacket } from '../../../src/ingest/hj212/encode.js';
import { createFramer, type Frame, type FramerEvent } from '../../../src/ingest/hj212/framer.js';
import { checkDevice, interpret, statusFields } from '../../../src/ingest/hj212/interpret.js';
import { decodeFrame, type Hj212Packet } from '../../../src/ingest/hj212/packet.js';
import { parseCp } from '../../../src/ingest/hj212/cp.js';
import { createReassembler } from '../../../src/ingest/hj212/reassembler.js';
import { daysInMonth } from '../../../src/domain/time-window.js';
import { cachedZone, parseHj212Time, formatHj212Time } from '../../../src/ingest/hj212/data-time.js';
import { sm4EncryptCp, sm4DecryptCp, parseBracedBytes } from '../../../src/ingest/hj212/sm4.js';
import { DEVICES, fixture, KEY_A2, keysFor } from './fixtures.js';

const SHANGHAI = zone('Asia/Shanghai');
const NOW = Date.parse('2026-12-06T12:00:00+08:00');

const frames = (events: FramerEvent[]): Frame[] => events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
const frameOf = (bytes: Buffer): Frame => {
  const got = frames(createFramer().push(bytes));
  expect(got).toHaveLength(1);
  return got[0]!;
};
const decode = (bytes: Buffer) => decodeFrame(frameOf(bytes), { keysFor });
const packetOf = (bytes: Buffer): Hj212Packet => {
  const result = decode(bytes);
  if (!result.ok) throw new Error(`${result.problem.reason}: ${result.problem.detail}`);
  return result.packet;
};

describe('CRC16 (HJ 212-2017 Appendix A)', () => {
  it('reproduces the worked examples 1C80 (2017) and 2200 (2025 A.1), and is not CRC-16/MODBUS', () => {
    const a = 'QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&';
    expect(a.length).toBe(101);
    expect(formatCrc(hj212Crc16(Buffer.from(a)))).toBe('1C80');
    const b = 'QN=20240601085857223;ST=32;CN=1011;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&&&';
    expect(b.length).toBe(87);
    expect(formatCrc(hj212Crc16(Buffer.from(b)))).toBe('2200');
    expect(formatCrc(hj212Crc16(Buffer.from(b)))).not.toBe('CCF4'); // what MODBUS would give
  });

  it("computes with its table exactly what the standard's bit loop computes, for any bytes and any range", () => {
    // Appendix A as printed: the register shifted right by 8, XORed with the byte, then 8 shift-and-XOR steps.
    const bitLoop = (bytes: Uint8Array, start: number, end: number) => {
      let reg = 0xffff;
      for (let i = start; i < end; i++) {
        reg = (reg >> 8) ^ bytes[i]!;
        for (let j = 0; j < 8; j++) reg = reg & 1 ? (reg >> 1) ^ 0xa001 : reg >> 1;
      }
      return reg;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % bytes.length;
        const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1));
        expect(hj212Crc16(bytes, start, end)).toBe(bitLoop(bytes, start, end));
        expect(hj212Crc16(bytes)).toBe(bitLoop(bytes, 0, bytes.length));
      }),
      { numRuns: 500 },
    );
  });

  it('writes upper case and accepts either case on input', () => {
    expect(formatCrc(0x1c80)).toBe('1C80');
    expect(formatCrc(0x0a)).toBe('000A');
    const lower = Buffer.from(
      fixture('std2017-1062-crc-1c80.txt').toString('latin1').replace('1C80\r\n', '1c80\r\n'),
      'latin1',
    );
    expect(packetOf(lower).cn).toBe('1062');
  });

  it('the encoder reproduces the standard packets byte for byte', () => {
    expect(
      encodePacket({
        qn: '20160801085857223',
        st: '32',
        cn: '1062',
        pw: '100000',
        mn: '010000A8900016F000169DC0',
        flag: 5,
        cp: 'RtdInterval=30',
      }),
    ).toEqual(fixture('std2017-1062-crc-1c80.txt'));
    expect(fixture('std2025-1011-crc-2200.txt').toString('latin1')).toBe(
      encodePacket({
        qn: '20240601085857223',
        st: '32',
        cn: '1011',
        pw: '123456',
        mn: '010000A8900016F000169DC0',
        flag: 9,
        cp: '',
      }).toString('latin1'),
    );
  });
});

describe('framer', () => {
  const a = fixture('plant-2017-2011-realtime.txt');
  const b = fixture('national-2061-hourly.txt');

  it('several packets in one chunk, a packet split across chunks', () => {
    const framer = createFramer();
    const glued = Buffer.concat([a, b, a]);
    const first = frames(framer.push(glued.subarray(0, a.length + 10)));
    expect(first.map((f) => f.raw)).toEqual([a]);
    expect(framer.bufferedBytes).toBe(10);
    const rest = frames(framer.push(glued.subarray(a.length + 10)));
    expect(rest.map((f) => f.raw)).toEqual([b, a]);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('resynchronises after garbage at the next ##, keeping a trailing #', () => {
    const framer = createFramer();
    const events = framer.push(Buffer.concat([Buffer.from('\x00\xffnoise#', 'latin1'), a.subarray(0, 1)]));
    expect(events).toEqual([{ type: 'discard', discard: expect.objectContaining({ reason: 'garbage', bytes: 7 }) }]);
    expect(frames(framer.push(a.subarray(1))).map((f) => f.raw)).toEqual([a]);
  });

  it('a bad length field or an oversized frame costs only itself', () => {
    const framer = createFramer({ maxFrameBytes: 400 });
    const events = framer.push(Buffer.concat([Buffer.from('##12x4'), Buffer.from('##9999QN=1'), a]));
    expect(frames(events).map((f) => f.raw)).toEqual([a]);
    expect(events.filter((e) => e.type === 'discard').map((e) => e.type === 'discard' && e.discard.reason)).toEqual([
      'bad_length_field',
      'garbage',
      'frame_too_large',
      'garbage',
    ]);
  });

  it('never holds more than one frame', () => {
    const framer = createFramer({ maxFrameBytes: 500 });
    for (let i = 0; i < 20; i++) framer.push(Buffer.from('##0300' + 'x'.repeat(100)));
    expect(framer.bufferedBytes).toBeLessThanOrEqual(500);
    framer.push(Buffer.alloc(10_000, 0x41));
    expect(framer.bufferedBytes).toBeLessThanOrEqual(500);
  });

  it('a packet shorter than its length field is framed at its CR LF once the next packet begins', () => {
    const header = `##${String(a.length - 12).padStart(4, '0')}`;
    expect(a.toString('latin1').startsWith(header)).toBe(true);
    const short = Buffer.from(
      a.toString('latin1').replace(header, `##${String(a.length - 8).padStart(4, '0')}`),
      'latin1',
    );
    const framer = createFramer();
    const got = frames(framer.push(Buffer.concat([short, a])));
    expect(got.map((f) => f.lengthMatched)).toEqual([false, true]);
    expect(decodeFrame(got[0]!, { keysFor })).toMatchObject({ ok: false, problem: { reason: 'length_mismatch' } });
  });

  it('end() reports a truncated packet', () => {
    const framer = createFramer();
    framer.push(a.subarray(0, 50));
    expect(framer.end()).toEqual([
      { type: 'discard', discard: expect.objectContaining({ reason: 'truncated', bytes: 50 }) },
    ]);
  });
});

describe('data segment', () => {
  it('decodes the header fields, Flag bits and CP', () => {
    const p = packetOf(fixture('plant-2017-2011-realtime.txt'));
    expect(p).toMatchObject({
      qn: '20261206101500123',
      st: '32',
      cn: '2011',
      pw: '123456',
      mn: '020000A8900016F000169DC1',
      flag: 5,
      rf: false,
      cipher: 'none',
    });
    expect(p.cp.startsWith('DataTime=20261206101500;w01018-Rtd=23.5')).toBe(true);
  });

  it('PNUM/PNO and RF', () => {
    const bytes = encodePacket({
      qn: '20261206101500123',
      st: '32',
      cn: '2061',
      mn: 'M',
      flag: 11,
      pnum: 2,
      pno: 1,
      rf: true,
      cp: 'DataTime=20261206090000',
    });
    expect(packetOf(bytes)).toMatchObject({ flag: 11, pnum: 2, pno: 1, rf: true });
    const missing = Buffer.from(dataSegment({ st: '32', cn: '2061', mn: 'M', flag: 7, cp: '' }));
    expect(decode(wrap(missing))).toMatchObject({ ok: false, problem: { reason: 'malformed_segment' } });
  });

  it('refuses a changed byte by its CRC, and malformed fields with a reason', () => {
    expect(decode(fixture('bad-crc.txt'))).toMatchObject({
      ok: false,
      problem: { reason: 'crc_mismatch' },
      mn: '020000A8900016F000169DC1',
    });
    for (const [segment, reason] of [
      ['QN=1;ST=32;CN=2011;MN=M;CP=&&&&', 'malformed_segment'],
      ['ST=32;CN=20x1;MN=M;CP=&&&&', 'malformed_segment'],
      ['ST=32;CN=2011;MN=M;Flag=300;CP=&&&&', 'malformed_segment'],
      ['ST=32;CN=2011;MN=M;CP=&&DataTime', 'malformed_segment'],
      ['ST=32;CN=2011;MN=M;RtdInterval;CP=&&&&', 'malformed_segment'],
      ['ST=32;CN=2011;PW=1;CP=&&&&', 'malformed_segment'],
    ] as const) {
      expect(decode(wrap(Buffer.from(segment))), segment).toMatchObject({ ok: false, problem: { reason } });
    }
  });

  it('tolerates a length counted in characters when the CRC matches (UTF-8 text)', () => {
    const segment = Buffer.from('ST=32;CN=3020;MN=M;CP=&&DataTime=20261206090000,Info=维护中&&');
    const chars = [...segment.toString('utf8')].length;
    const bytes = Buffer.concat([
      Buffer.from(`##${String(chars).padStart(4, '0')}`),
      segment,
      Buffer.from(`${formatCrc(hj212Crc16(segment))}\r\n`),
    ]);
    expect(packetOf(bytes).cp).toContain('维护中');
  });
});

describe('answers', () => {
  it('an answer encoder gives what encodePacket gives, for any QN, password and MN', () => {
    expect(
      answerEncoder({ st: '91', cn: '9014', pw: '123456', mn: '020000A8900016F000169DC1', flag: 4 })(
        '20261206101500123',
      ),
    ).toEqual(fixture('answer-9014-2017.txt'));
    fc.assert(
      fc.property(
        fc.oneof(fc.stringMatching(/^\d{17}$/), fc.string({ maxLength: 20 })),
        fc.option(
          fc.string({ maxLength: 12 }).filter((s) => !s.includes(';')),
          { nil: undefined },
        ),
        fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !s.includes(';')),
        fc.constantFrom('9013', '9014'),
        fc.constantFrom(4, 8),
        (qn, pw, mn, cn, flag) => {
          const fields = { st: '91', cn, ...(pw === undefined ? {} : { pw }), mn, flag };
          expect(answerEncoder(fields)(qn)).toEqual(encodePacket({ ...fields, qn, cp: '' }));
        },
      ),
    );
  });
});

describe('SM4 (HJ 212-2025 A.2)', () => {
  it('GB/T 32907 test vector through Node crypto', () => {
    const k = Buffer.from('0123456789abcdeffedcba9876543210', 'hex');
    expect(sm4EncryptCp(k, k).toString('hex')).toBe('681edf34d206965e86b3e94f536e4246');
  });

  it('the A.2 example: ciphertext E4 3E 15 9A … BF 8B 41, length 0295 and CRC 2200 of the plaintext, in both forms', () => {
    const plain = packetOf(fixture('std2025-2051-plain.txt'));
    const braced = fixture('std2025-2051-braced.txt');
    expect(braced.toString('latin1')).toMatch(/^##0295.*CP=&&\{0xE4,0x3E,0x15,0x9A,.*0xBF,0x8B,0x41\}&&2200\r\n$/);
    const raw = fixture('std2025-2051-raw.bin');
    expect(raw.subarray(raw.indexOf('CP=&&') + 5, raw.indexOf('CP=&&') + 9).toString('hex')).toBe('e43e159a');
    expect(raw.subarray(0, 6).toString()).toBe('##0295');
    expect(packetOf(braced)).toEqual({ ...plain, cipher: 'braced' });
    expect(packetOf(raw)).toEqual({ ...plain, cipher: 'raw' });
  });

  it('a remainder shorter than a block stays plaintext', () => {
    const text = Buffer.from('0123456789abcdefXYZ');
    const enc = sm4EncryptCp(KEY_A2, text);
    expect(enc.subarray(16).toString()).toBe('XYZ');
    expect(sm4DecryptCp(KEY_A2, enc)).toEqual(text);
    expect(parseBracedBytes('{0x01, 0xab}')).toEqual(Buffer.from([1, 0xab]));
    expect(parseBracedBytes('{0x1}')).toBeUndefined();
  });

  it('raw ciphertext whose CRC happens to be the plaintext’s is still decrypted (HJ 212 CRC: 8 bits of state)', () => {
    let collisions = 0;
    for (let i = 0; i < 2000; i++) {
      const cp = `DataTime=20261206101500;w01018-Rtd=${(20 + i / 7).toFixed(2)},w01018-Flag=N;w21003-Rtd=0.${i},w21003-Flag=N`;
      const bytes = encodePacket(
        { qn: '20261206101500123', st: '32', cn: '2011', pw: '123456', mn: 'M', flag: 9, cp },
        { key: KEY_A2, cipherForm: 'raw' },
      );
      const frame = frameOf(bytes);
      if (hj212Crc16(frame.data) === frame.crc) collisions++;
      const decoded = decodeFrame(frame, { keysFor: () => [KEY_A2] });
      expect(decoded.ok && decoded.packet.cp, `packet ${i}`).toBe(cp);
    }
    expect(collisions).toBeGreaterThan(0); // the case this test is about did occur
  });

  it('encrypted without a key, or with the wrong key: refused with a reason', () => {
    const braced = frameOf(fixture('std2025-2051-braced.txt'));
    expect(decodeFrame(braced, { keysFor: () => [] })).toMatchObject({
      ok: false,
      problem: { reason: 'encrypted_no_key' },
    });
    expect(decodeFrame(frameOf(fixture('std2025-2051-raw.bin')), { keysFor: () => [] })).toMatchObject({
      ok: false,
      problem: { reason: 'encrypted_no_key' },
    });
    const wrong = decodeFrame(braced, { keysFor: () => [Buffer.alloc(16, 1)] });
    expect(wrong).toMatchObject({ ok: false, problem: { reason: 'crc_mismatch' } });
    // The old key still works during a rollover.
    expect(decodeFrame(braced, { keysFor: () => [Buffer.alloc(16, 1), KEY_A2] })).toMatchObject({ ok: true });
  });
});

describe('times and values', () => {
  it('days in a month: what Date.UTC says, for every year 0–9999 and month (leap years, 1900, 2000, years 0–99)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        expect(daysInMonth(year, month)).toBe(new Date(Date.UTC(year, month, 0)).getUTCDate());
      }),
      {
        numRuns: 2000,
        examples: [
          [1900, 2],
          [2000, 2],
          [2024, 2],
          [0, 2],
          [4, 2],
          [2026, 2],
        ],
      },
    );
  });

  it('DataTime is local time in the device zone', () => {
    expect(parseHj212Time('20261206100000', SHANGHAI)).toBe(Date.parse('2026-12-06T02:00:00Z'));
    expect(parseHj212Time('20261206100000123', SHANGHAI)).toBe(Date.parse('2026-12-06T02:00:00.123Z'));
    expect(parseHj212Time('20260230100000', SHANGHAI)).toBeUndefined();
    expect(parseHj212Time('2026120610000', SHANGHAI)).toBeUndefined();
    expect(formatHj212Time(Date.parse('2026-12-06T02:00:00Z'), zone('UTC'))).toBe('20261206020000');
    // The cached zone gives the same instants across a DST change (America/New_York, 2026-03-08 02:00 → 03:00).
    const ny = zone('America/New_York');
    const cached = cachedZone(ny, 4);
    for (let t = Date.parse('2026-03-08T05:00:00Z'); t < Date.parse('2026-03-08T09:00:00Z'); t += 7 * 60_000)
      expect(cached.offsetAt(t)).toBe(ny.offsetAt(t));
  });

  const ctx = { now: NOW, zone: SHANGHAI, maxFutureSkewMs: 600_000 };

  it('a 2017 plant: real-time values with flags, flow in L/s', () => {
    const p = packetOf(fixture('plant-2017-2011-realtime.txt'));
    const out = interpret(p, DEVICES[0]!, ctx);
    expect(out).toMatchObject({ kind: 'data', problems: [] });
    if (out.kind !== 'data') return;
    expect(out.batch).toMatchObject({
      stationId: 'wwtp1-effluent',
      cn: '2011',
      stream: 'realtime',
      ts: Date.parse('2026-12-06T10:15:00+08:00'),
      late: false,
    });
    expect(out.batch!.values).toContainEqual({ parameter: 'cod', value: 23.5, flag: 'N' });
    expect(out.batch!.values).toContainEqual({ parameter: 'flow', value: 125.4, flag: 'N' });
    expect(out.batch!.values).toHaveLength(6);
  });

  it('hourly aggregates: -Avg with -Min/-Max/-Cou, per-value flags', () => {
    const out = interpret(packetOf(fixture('plant-2017-2061-hourly.txt')), DEVICES[0]!, ctx);
    if (out.kind !== 'data') throw new Error(out.kind);
    expect(out.batch!.stream).toBe('hourly');
    expect(out.batch!.values).toContainEqual({ parameter: 'nh3n', value: 1.18, min: 1.02, max: 1.4, flag: 'M' });
    expect(out.batch!.values).toContainEqual({
      parameter: 'flow',
      value: 124.8,
      min: 110,
      max: 139.2,
      cou: 449.3,
      flag: 'N',
    });
  });

  it('a national station: DataTime …0001 is the hour, lead in mg/L per the catalog', () => {
    const out = interpret(packetOf(fixture('national-2061-hourly.txt')), DEVICES[2]!, ctx);
    if (out.kind !== 'data') throw new Error(out.kind);
    expect(out.batch!.ts).toBe(Date.parse('2026-12-06T09:00:00+08:00'));
    expect(out.batch!.values).toContainEqual({ parameter: 'pb', value: 0.00011, flag: 'N' });
    expect(out.batch!.values).toHaveLength(10);
    // Without the catalog's unit, the code table's µg/L applies.
    const tableUnits = interpret(packetOf(fixture('national-2061-hourly.txt')), { ...DEVICES[2]!, units: {} }, ctx);
    if (tableUnits.kind !== 'data') throw new Error(tableUnits.kind);
    expect(tableUnits.batch!.values).toContainEqual({ parameter: 'pb', value: 1.1e-7, flag: 'N' });
  });

  it('unknown codes, bad numbers and flags are reported, the rest kept', () => {
    const p = packetOf(
      encodePacket({
        st: '32',
        cn: '2011',
        mn: 'M',
        flag: 5,
        cp: 'DataTime=20261206101500;w01018-Rtd=23.5;x99999-Rtd=1;w21003-Rtd=abc;w21011-Rtd=0.2,w21011-Flag=Q;w01001-Rtd=15',
      }),
    );
    const out = interpret(p, { ...DEVICES[0]!, mn: 'M' }, ctx);
    if (out.kind !== 'data') throw new Error(out.kind);
    expect(out.batch!.values).toEqual([{ parameter: 'cod', value: 23.5, flag: 'N' }]);
    expect(out.problems.map((x) => x.reason).sort()).toEqual([
      'implausible_value',
      'invalid_flag',
      'invalid_value',
      'unknown_parameter',
    ]);
  });

  it('RF=1 is late data; a missing or future DataTime rejects the values', () => {
    const rf = packetOf(
      encodePacket({ st: '32', cn: '2061', mn: 'M', flag: 9, rf: true, cp: 'DataTime=20261206090000;w01018-Avg=20' }),
    );
    const out = interpret(rf, { ...DEVICES[1]!, mn: 'M' }, ctx);
    expect(out.kind === 'data' && out.batch?.late).toBe(true);
    const future = packetOf(
      encodePacket({ st: '32', cn: '2061', mn: 'M', flag: 9, cp: 'DataTime=20271206090000;w01018-Avg=20' }),
    );
    expect(interpret(future, DEVICES[1]!, ctx)).toMatchObject({
      kind: 'data',
      batch: undefined,
      problems: [{ reason: 'future_timestamp' }],
    });
    const none = packetOf(encodePacket({ st: '32', cn: '2061', mn: 'M', flag: 9, cp: 'w01018-Avg=20' }));
    expect(interpret(none, DEVICES[1]!, ctx)).toMatchObject({
      kind: 'data',
      batch: undefined,
      problems: [{ reason: 'invalid_timestamp' }],
    });
  });

  it('status packets: several PolId groups (national 3020 capture)', () => {
    const p = packetOf(fixture('national-3020-status.txt'));
    expect(checkDevice(p, DEVICES[2])).toBeUndefined();
    expect(interpret(p, DEVICES[2]!, ctx)).toEqual({
      kind: 'status',
      fields: expect.objectContaining({
        DataTime: '20190430101750',
        'w01019/i12001-Info': '0',
        'w21011/i12002-Info': '0',
      }),
    });
    expect(statusFields(parseCp('SB1-RS=1;SB2-RS=3') as never)).toEqual({ 'SB1-RS': '1', 'SB2-RS': '3' });
  });

  it('device checks: unknown MN, wrong PW (without the password in the detail), unknown ST; unknown and unsupported CN', () => {
    const p = packetOf(fixture('plant-2017-2011-realtime.txt'));
    expect(checkDevice(p, undefined)?.reason).toBe('unknown_device');
    const wrong = checkDevice(p, { ...DEVICES[0]!, password: 'secret-pw' });
    expect(wrong?.reason).toBe('wrong_password');
    expect(wrong?.detail).not.toContain('123456');
    expect(checkDevice({ ...p, st: '99' }, DEVICES[0])?.reason).toBe('unknown_system');
    expect(interpret({ ...p, cn: '1001' }, DEVICES[0]!, ctx)).toMatchObject({
      kind: 'reject',
      problem: { reason: 'unsupported_command' },
    });
    expect(interpret({ ...p, cn: '5555' }, DEVICES[0]!, ctx)).toMatchObject({
      kind: 'reject',
      problem: { reason: 'unknown_command' },
    });
    expect(interpret({ ...p, cn: '9015' }, DEVICES[0]!, ctx)).toEqual({ kind: 'heartbeat' });
    expect(interpret({ ...p, cp: 'DataTime=1;;x' }, DEVICES[0]!, ctx)).toMatchObject({
      kind: 'reject',
      problem: { reason: 'malformed_cp' },
    });
  });
});

function wrap(segment: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`##${String(segment.length).padStart(4, '0')}`),
    segment,
    Buffer.from(`${formatCrc(hj212Crc16(segment))}\r\n`),
  ]);
}

describe('reassembly (PNUM/PNO)', () => {
  const part = (pno: number, cp: string, receivedAt = 0) => ({
    packet: packetOf(
      encodePacket({ qn: `2026120610000000${pno}`, st: '32', cn: '2061', mn: 'M', flag: 7, pnum: 3, pno, cp }),
    ),
    raw: Buffer.from('x'),
    receivedAt,
  });

  it('joins the CP areas in PNO order whatever the arrival order; answers every part', () => {
    const r = createReassembler({ maxAgeMs: 60_000 });
    expect(r.add(part(2, 'w21003-Avg=1.1;'))).toBeUndefined();
    expect(r.add(part(1, 'DataTime=20261206090000;w01018-Avg=20'))).toBeUndefined();
    const whole = r.add(part(3, 'w21011-Avg=0.2'));
    expect(whole?.packet).toMatchObject({ flag: 5, pnum: undefined, pno: undefined, qn: '20261206100000001' });
    expect(whole?.packet.cp).toBe('DataTime=20261206090000;w01018-Avg=20;w21003-Avg=1.1;w21011-Avg=0.2');
    expect(whole?.parts.map((p) => p.packet.pno)).toEqual([1, 2, 3]);
    expect(r.pending).toBe(0);
  });

  it('gives up an incomplete group after the timeout (injected clock)', () => {
    const r = createReassembler({ maxAgeMs: 60_000 });
    r.add(part(1, 'DataTime=20261206090000', 1000));
    expect(r.expire(60_999)).toEqual([]);
    const expired = r.expire(61_000);
    expect(expired).toHaveLength(1);
    expect(expired[0]!.map((p) => p.packet.pno)).toEqual([1]);
    expect(r.pending).toBe(0);
  });

  it('limits groups and bytes', () => {
    const r = createReassembler({ maxAgeMs: 60_000, maxGroups: 1, maxBytes: 10 });
    r.add(part(1, 'a=1'));
    r.add({ ...part(1, 'a=1'), packet: { ...part(1, 'a=1').packet, cn: '2051' } });
    expect(r.expire(0)).toHaveLength(1);
    expect(r.add({ ...part(2, 'b=1'), raw: Buffer.alloc(20) })).toBeUndefined();
    expect(r.expire(0)).toHaveLength(2);
  });
});
