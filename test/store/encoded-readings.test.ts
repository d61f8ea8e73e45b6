/**
 * The compact form of readings that the spool keeps and the forwarder hands to a store (src/store/encoded-readings.ts):
 * the byte-level shortcuts (plain lines, the spool's RecordCollector, line protocol from bytes) must give exactly
 * what the string decoder and `readingLines` give.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATA_FLAGS } from '../../src/domain/flags.js';
import { PARAMETER_CODES } from '../../src/domain/parameters.js';
import type { Reading } from '../../src/domain/reading.js';
import { decodeRecords, encodeRecords, RecordCollector, RecordGroup } from '../../src/ingest/spool/spool-codec.js';
import {
  decodeEncodedReadings,
  decodeReadingLine,
  encodeReading,
  encodeReadings,
  lineFields,
  plainReadingLine,
  readingRuns,
  readLineKey,
  type LineKey,
  type ReadingRuns,
} from '../../src/store/encoded-readings.js';
import { encodedReadingLines, readingLines } from '../../src/store/influx/line-protocol.js';
import { StoreError } from '../../src/store/store-error.js';

const T0 = Date.parse('2026-11-28T00:00:00Z');

const station = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,12}$/) },
  // Ids that line protocol must escape, or that are not ASCII: the slow path.
  { weight: 1, arbitrary: fc.constantFrom('st 1', 'a,b', 'x=y', 'back\\slash', '站点-1', 'quo"te', 'ctl\u0001') },
);
const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.constantFrom(0, -0, 5e-7, 0.1 + 0.2, 1e21, 123456789.123, -1e-300),
);
const readingArb: fc.Arbitrary<Reading> = fc.record({
  stationId: station,
  parameter: fc.constantFrom(...PARAMETER_CODES),
  ts: fc.oneof(fc.integer({ min: T0, max: T0 + 1e10 }), fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER)),
  value,
  flag: fc.constantFrom(...DATA_FLAGS),
});

describe('plain reading lines', () => {
  it('decode to the same reading as the string decoder, for every line encodeReading writes', () => {
    const fields = lineFields();
    fc.assert(
      fc.property(readingArb, (r) => {
        const line = encodeReading(r).slice(0, -1);
        const bytes = Buffer.from(line, 'utf8');
        const decoded = decodeReadingLine(line, 0, line.length);
        expect(decoded).toEqual({ ...r, value: r.value === 0 ? 0 : r.value });
        const plain = plainReadingLine(bytes, 0, bytes.length, fields);
        // Station ids that need no escaping, with JavaScript's own number formats, are plain (exponents of
        // three digits are left to the decoder: 1e400 is not finite).
        const plainStation = /^[\x21-\x7e]+$/.test(r.stationId) && !/[,=\\]/.test(r.stationId);
        if (plain) expect(plainStation).toBe(true);
        else expect(!plainStation || /e[+-]?\d{3}/.test(String(r.value))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('are never a line the string decoder refuses or reads differently', () => {
    const fields = lineFields();
    const field = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom('7', '-0', '007', '1e5', '1e400', '0x10', ' 7', '7.', '.5', '+5', 'ph', 'N'),
    );
    fc.assert(
      fc.property(
        fc.tuple(
          field,
          fc.constantFrom(...PARAMETER_CODES, 'PH', 'p h'),
          field,
          field,
          fc.constantFrom(...DATA_FLAGS, 'X', 'NN', ''),
        ),
        ([s, p, ts, v, f]) => {
          const line = `R\t${s}\t${p}\t${ts}\t${v}\t${f}`;
          const bytes = Buffer.from(line, 'utf8');
          if (!plainReadingLine(bytes, 0, bytes.length, fields)) return;
          const decoded = decodeReadingLine(line, 0, line.length);
          expect(decoded).toBeDefined();
          expect(decoded).toMatchObject({ stationId: s, parameter: p, ts: Number(ts), value: Number(v), flag: f });
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('the station and time of a line, without decoding it (readLineKey)', () => {
  const key: LineKey = { stationEnd: 0, ts: 0 };
  const keyOf = (line: string) => {
    const bytes = Buffer.from(line, 'utf8');
    if (!readLineKey(bytes, 0, bytes.length, key)) return undefined;
    return { stationId: bytes.toString('utf8', 2, key.stationEnd), ts: key.ts };
  };

  it('agrees with the string decoder on every line encodeReading writes', () => {
    fc.assert(
      fc.property(readingArb, (r) => {
        expect(keyOf(encodeReading(r).slice(0, -1))).toEqual({ stationId: r.stationId, ts: r.ts });
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the string decoder on any line it reads, whatever form the time takes', () => {
    const field = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom('7', '-0', '-12', '007', '1e3', '0x10', ' 7', '7.', '.5', '+5', '12.0', ''),
    );
    fc.assert(
      fc.property(
        fc.tuple(field, fc.constantFrom(...PARAMETER_CODES), field, field, fc.constantFrom(...DATA_FLAGS)),
        ([s, p, ts, v, f]) => {
          const line = `R\t${s}\t${p}\t${ts}\t${v}\t${f}`;
          const decoded = decodeReadingLine(line, 0, line.length);
          if (decoded) expect(keyOf(line)).toEqual({ stationId: decoded.stationId, ts: decoded.ts });
        },
      ),
      { numRuns: 3000 },
    );
    // Forms JavaScript never writes for an integer are read by the decoder, not skipped.
    expect(keyOf('R\tS1\tph\t1e3\t7\tN')).toEqual({ stationId: 'S1', ts: 1000 });
    expect(keyOf('R\tS1\tph\t-12\t7\tN')).toEqual({ stationId: 'S1', ts: -12 });
  });

  it('is false for what is not a reading line', () => {
    for (const line of ['D\t{}', 'R\tS1', 'R\tS1\tph', 'R\tS1\tph\tsoon\t7\tN', 'X\tS1\tph\t1\t7\tN'])
      expect(keyOf(line)).toBeUndefined();
  });
});

const runList = (runs: ReadingRuns) =>
  Array.from({ length: runs.length }, (_, r) => [
    runs.start[r],
    runs.stationEnd[r],
    runs.end[r],
    runs.ts[r],
    runs.stationHash[r],
  ]);

describe('runs of lines with the same station and time (readingRuns)', () => {
  it('hold every reading line once, with its station and time, in order', () => {
    const key: LineKey = { stationEnd: 0, ts: 0 };
    // Few stations and times, so that neighbours often share them; a stray line now and then.
    const line = fc.oneof(
      { weight: 9, arbitrary: readingArb.map((r) => ({ ...r, stationId: r.stationId.slice(0, 2), ts: r.ts % 3 })) },
      { weight: 1, arbitrary: fc.constantFrom('D\t{}\n', 'R\tS1\tph\n', '\n') },
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
        const bytes = Buffer.from(lines.map((l) => (typeof l === 'string' ? l : encodeReading(l))).join(''), 'utf8');
        const expected: { stationId: string; ts: number; start: number }[] = [];
        for (let start = 0; start < bytes.length;) {
          const end = bytes.indexOf(10, start);
          if (end > start && readLineKey(bytes, start, end, key))
            expected.push({ stationId: bytes.toString('utf8', start + 2, key.stationEnd), ts: key.ts, start });
          start = end + 1;
        }
        const runs = readingRuns(bytes);
        const got: { stationId: string; ts: number; start: number }[] = [];
        for (let r = 0; r < runs.length; r++) {
          const station = bytes.toString('utf8', runs.start[r]! + 2, runs.stationEnd[r]!);
          let hash = 0x811c9dc5;
          for (const b of Buffer.from(station, 'utf8')) hash = Math.imul(hash ^ b, 0x01000193);
          expect(runs.stationHash[r]).toBe(hash);
          if (r > 0) expect(runs.start[r]).toBeGreaterThanOrEqual(runs.end[r - 1]!);
          for (let start = runs.start[r]!; start < runs.end[r]!; start = bytes.indexOf(10, start) + 1)
            if (bytes[start] !== 10) got.push({ stationId: station, ts: runs.ts[r]!, start }); // empty lines: none
        }
        expect(got).toEqual(expected);
        // Neighbouring lines of one station and time share a run.
        for (let r = 1; r < runs.length; r++) {
          if (runs.end[r - 1] !== runs.start[r]) continue;
          const prev = bytes.toString('utf8', runs.start[r - 1]! + 2, runs.stationEnd[r - 1]!);
          const cur = bytes.toString('utf8', runs.start[r]! + 2, runs.stationEnd[r]!);
          expect(prev !== cur || runs.ts[r - 1] !== runs.ts[r]).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the spool read side (RecordCollector)', () => {
  it('yields the records decodeRecords yields, reading lines as bytes', () => {
    const letter = {
      receivedAt: T0,
      stationId: 'x',
      topic: 'wq/x/data',
      reason: 'malformed_json',
      detail: 'd',
      payload: '{"a":\n1}\u2028',
    };
    const junk = fc.constantFrom(
      '\u0000\u0000\u0000',
      'R\tdemo\tnope\t1\t7\tN',
      'D\t{"broken"',
      'R\tdemo\tph\tx\t7\tN',
      'R\tdemo\tph\t1\t\tN',
      'Q',
      'R\tdemo\tph\t007\t7\tN',
      'R\tdemo\tph\t1\t0x10\tN',
    );
    const line = fc.oneof(
      { weight: 6, arbitrary: readingArb.map((r) => encodeRecords([r], [])) },
      { weight: 1, arbitrary: fc.constant(encodeRecords([], [letter])) },
      { weight: 1, arbitrary: junk.map((j) => `${j}\n`) },
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.integer({ min: 1, max: 3 }), (lines, parts) => {
        const text = lines.join('');
        const expected = decodeRecords(text, { readings: [], deadLetters: [], corrupt: 0 });
        // Fed in chunks of whole lines, as the spool reads them.
        const collector = new RecordCollector();
        const bytes = Buffer.from(text, 'utf8');
        let from = 0;
        for (let k = 1; k <= parts; k++) {
          const cut =
            k === parts ? bytes.length : bytes.lastIndexOf(10, Math.floor((bytes.length * k) / parts) - 1) + 1;
          if (cut > from) collector.add(bytes, from, cut);
          from = Math.max(from, cut);
        }
        const encoded = collector.readings();
        expect(encoded.count).toBe(expected.readings.length);
        // The runs it found as it read are those a scan of its bytes finds.
        expect(runList(encoded.runs!)).toEqual(runList(readingRuns(encoded.bytes)));
        expect(decodeEncodedReadings(encoded)).toEqual(expected.readings);
        expect(collector.deadLetters).toEqual(expected.deadLetters);
        expect(collector.corrupt).toBe(expected.corrupt);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the spool write side (RecordGroup)', () => {
  it('writes the bytes encodeRecords writes, for readings given as objects or as a series', () => {
    const letter = { receivedAt: T0, stationId: '站', topic: 't', reason: 'r', detail: 'd', payload: 'p\n' };
    const odd = fc.constantFrom(Number.NaN, Infinity, 5e-7, 1e21, 0.1 + 0.2, -0, 1.005, 2 ** 53 + 2);
    const anyReading = fc.oneof(
      { weight: 4, arbitrary: readingArb },
      { weight: 1, arbitrary: fc.tuple(readingArb, odd).map(([r, v]) => ({ ...r, value: v })) },
      { weight: 1, arbitrary: fc.tuple(readingArb, odd).map(([r, ts]) => ({ ...r, ts })) },
    );
    const message = fc.record({
      readings: fc.array(anyReading, { maxLength: 5 }),
      series: fc.option(
        fc.record({ stationId: station, ts: readingArb.map((r) => r.ts), values: fc.array(anyReading) }),
      ),
      letters: fc.array(fc.constant(letter), { maxLength: 1 }),
    });
    fc.assert(
      fc.property(fc.array(message, { maxLength: 6 }), (messages) => {
        const group = new RecordGroup();
        let expected = '';
        let readings = 0;
        for (const m of messages) {
          group.add(m.readings, m.letters, [], m.series ?? undefined);
          const series = m.series
            ? m.series.values.map((v) => ({ ...v, stationId: m.series!.stationId, ts: m.series!.ts }))
            : [];
          expected += encodeRecords([...m.readings, ...series], m.letters);
          readings += m.readings.length + series.length;
        }
        expect(group.bytes().toString('utf8')).toBe(expected);
        expect(group.readings).toBe(readings);
        expect(group.messages).toBe(messages.length);
      }),
      { numRuns: 500 },
    );
  });
});

describe('line protocol from encoded readings', () => {
  it('is byte for byte what readingLines writes for the same readings, cut into bodies of maxLines', () => {
    // eslint-disable-next-line no-control-regex -- control characters are what is filtered out
    const clean = readingArb.filter((r) => !/[\u0000-\u001f\u007f]/.test(r.stationId));
    fc.assert(
      fc.property(fc.array(clean, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 12 }), (rs, maxLines) => {
        const bodies = encodedReadingLines(encodeReadings(rs), maxLines);
        const expected: string[] = [];
        for (let i = 0; i < rs.length; i += maxLines) expected.push(readingLines(rs.slice(i, i + maxLines)));
        expect(bodies.map((b) => b.toString('utf8'))).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
    expect(encodedReadingLines(encodeReadings([]), 10)).toEqual([]);
  });

  it('refuses a reading no store can hold as write does: a non-retryable StoreError naming it', () => {
    const rs: Reading[] = [
      { stationId: 'ok', parameter: 'ph', ts: T0, value: 7, flag: 'N' },
      { stationId: 'bad\u0001', parameter: 'ph', ts: T0, value: 7, flag: 'N' },
    ];
    const err = (() => {
      try {
        encodedReadingLines(encodeReadings(rs), 100);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).retryable).toBe(false);
    expect((err as StoreError).message).toMatch(/^reading 1 cannot be stored: stationId/);
  });
});
