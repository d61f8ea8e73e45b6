import { describe, expect, it } from 'vitest';
import { REJECTION_REASON_CODES } from '../../src/ingest/rejection.js';
import { MAX_KEYS_PER_ENTRY } from '../../src/ingest/raw-entry.js';
import { decode, decoder, NOW, reasons } from './helpers.js';
import { deeplyNested, hugeUnknownKey, nh3nSpellings, spellingFlood } from './hostile-payloads.js';

const TS = '2026-11-28T08:00:00+08:00';
const TS_MS = Date.parse(TS);

describe('JSON data messages', () => {
  it('stores every value of a valid message, with flags (absent = N)', () => {
    const out = decode('wq/demo-01/data', { ts: TS, values: { ph: 7.3, do: 6.8, nh3n: 0.42 }, flags: { nh3n: 'M' } });
    expect(out.deadLetters).toEqual([]);
    expect(out.format).toBe('data');
    expect(out.readings).toEqual([
      { stationId: 'demo-01', parameter: 'ph', ts: TS_MS, value: 7.3, flag: 'N' },
      { stationId: 'demo-01', parameter: 'do', ts: TS_MS, value: 6.8, flag: 'N' },
      { stationId: 'demo-01', parameter: 'nh3n', ts: TS_MS, value: 0.42, flag: 'M' },
    ]);
  });

  it('accepts HJ 212 codes and aliases, and matches flags/units written in another spelling', () => {
    const out = decode('wq/demo-01/data', {
      ts: TS_MS,
      values: { w01001: 7.3, 'NH3-N': 420, 溶解氧: 6.8 },
      units: { nh3n: 'ug/L' },
      flags: { w01009: 'c' },
    });
    expect(out.deadLetters).toEqual([]);
    expect(out.readings).toEqual([
      { stationId: 'demo-01', parameter: 'ph', ts: TS_MS, value: 7.3, flag: 'N' },
      { stationId: 'demo-01', parameter: 'nh3n', ts: TS_MS, value: 0.42, flag: 'N' },
      { stationId: 'demo-01', parameter: 'do', ts: TS_MS, value: 6.8, flag: 'C' },
    ]);
  });

  it('converts units to canonical units without binary noise', () => {
    const out = decode('wq/demo-01/data', {
      ts: TS,
      values: { tp: 81, conductivity: 0.412, temp: 12.5 },
      units: { tp: 'µg/L', conductivity: 'mS/cm', temp: '℃' },
    });
    expect(out.readings.map((r) => [r.parameter, r.value])).toEqual([
      ['tp', 0.081],
      ['conductivity', 412],
      ['temp', 12.5],
    ]);
  });

  it('stores each element of a backfill array on its own; a bad element does not hold back the others', () => {
    const out = decode('wq/demo-01/data', [
      { ts: '2026-11-28T00:00:00+08:00', values: { ph: 7.2 } },
      { ts: 'yesterday', values: { ph: 7.1, do: 6 } },
      'not an object',
      { ts: '2026-11-28T04:00:00+08:00', values: { ph: 7.3 } },
    ]);
    expect(out.readings.map((r) => new Date(r.ts).toISOString())).toEqual([
      '2026-11-27T16:00:00.000Z',
      '2026-11-27T20:00:00.000Z',
    ]);
    expect(reasons(out).sort()).toEqual(['invalid_message', 'invalid_timestamp']);
    const ts = out.deadLetters.find((d) => d.reason === 'invalid_timestamp')!;
    expect(ts.detail).toContain('[1] ts "yesterday"');
    expect(ts.detail).toContain('2 values rejected');
    expect(out.deadLetters.find((d) => d.reason === 'invalid_message')!.detail).toContain('[2]');
  });

  it('keeps the valid parameters of a partly valid message; one dead letter per reason, listing each item', () => {
    const payload = { ts: TS, values: { ph: 7.3, chloride: 3, foo: 1, do: -3, tp: '0.08', nh3n: null } };
    const out = decode('wq/demo-01/data', payload);
    expect(out.readings.map((r) => r.parameter)).toEqual(['ph']);
    expect(reasons(out)).toEqual(['unknown_parameter', 'implausible_value', 'invalid_value']);
    const unknown = out.deadLetters[0]!;
    expect(unknown.detail).toContain('"chloride"');
    expect(unknown.detail).toContain('"foo"');
    expect(out.deadLetters[2]!.detail).toMatch(
      /values\.tp: expected a finite number, got "0\.08"; values\.nh3n: expected a finite number, got null/,
    );
    expect(out.deadLetters[1]!.detail).toContain(
      'values.do: -3 mg/L is physically impossible for do (溶解氧), possible 0…70',
    );
    for (const d of out.deadLetters) {
      expect(d).toMatchObject({
        stationId: 'demo-01',
        topic: 'wq/demo-01/data',
        receivedAt: NOW,
        payload: JSON.stringify(payload),
      });
    }
  });

  it('rejects a parameter the catalog does not list for the station', () => {
    const out = decode('wq/demo-01/data', { ts: TS, values: { ph: 7.3, cod: 25 } });
    expect(out.readings).toHaveLength(1);
    expect(reasons(out)).toEqual(['parameter_not_at_station']);
    expect(out.deadLetters[0]!.detail).toContain('cod (化学需氧量) is not among the parameters of station demo-01');
  });

  it('rejects the same parameter given twice for one time, keeping the first', () => {
    const out = decode('wq/demo-01/data', { ts: TS, values: { nh3n: 0.4, w21003: 0.5 } });
    expect(out.readings).toEqual([expect.objectContaining({ parameter: 'nh3n', value: 0.4 })]);
    expect(reasons(out)).toEqual(['duplicate_parameter']);
  });

  it('rejects bad units: unknown, of another dimension, or not a string', () => {
    const out = decode('wq/demo-01/data', {
      ts: TS,
      values: { nh3n: 1, temp: 12, tp: 0.1 },
      units: { nh3n: 'furlongs', temp: 'mg/L', tp: 3 },
    });
    expect(out.readings).toEqual([]);
    expect(reasons(out)).toEqual(['bad_unit']);
    expect(out.deadLetters[0]!.detail).toContain('unknown unit "furlongs"');
    expect(out.deadLetters[0]!.detail).toContain('unknown unit "mg/L" for a temperature value');
    expect(out.deadLetters[0]!.detail).toContain('unit must be a string');
  });

  it('rejects flags that are not HJ 212 data flags', () => {
    const out = decode('wq/demo-01/data', { ts: TS, values: { ph: 7, do: 6 }, flags: { ph: 'X', do: 3 } });
    expect(out.readings).toEqual([]);
    expect(reasons(out)).toEqual(['invalid_flag']);
  });

  it('rejects an entry whose flags or units object is malformed (a guess would be wrong)', () => {
    expect(reasons(decode('wq/demo-01/data', { ts: TS, values: { ph: 7 }, flags: ['M'] }))).toEqual(['invalid_flag']);
    expect(reasons(decode('wq/demo-01/data', { ts: TS, values: { ph: 7 }, units: 'mg/L' }))).toEqual(['bad_unit']);
  });

  it('checks the possible range after conversion', () => {
    // 0.1 g/L of oxygen is more than pure O2 dissolves (69.7 mg/L at 0 °C).
    const out = decode('wq/demo-01/data', { ts: TS, values: { do: 0.1 }, units: { do: 'g/L' } });
    expect(reasons(out)).toEqual(['implausible_value']);
  });

  it("keeps unusual but possible values: DO supersaturated under an algal bloom, a faulty analyser's NH3-N", () => {
    // National automatic stations published DO 29.95 mg/L as normal; 闸口's NH3-N analyser read 70,765 mg/L in
    // February 2020 (test/fixtures/real): both are stored, and sensor health flags what is outside the usual range.
    const out = decode('wq/demo-01/data', { ts: TS, values: { do: 29.95, nh3n: 70_765, ph: 11.36 } });
    expect(out.deadLetters).toEqual([]);
    expect(out.readings.map((r) => [r.parameter, r.value])).toEqual([
      ['do', 29.95],
      ['nh3n', 70_765],
      ['ph', 11.36],
    ]);
  });

  it('refuses what no water can hold: negative amounts, pH outside 0–14, DO above 70 mg/L, below −5 °C', () => {
    const out = decode('wq/demo-01/data', { ts: TS, values: { nh3n: -0.01, ph: 14.2, do: 75, temp: -8, tp: 0 } });
    expect(out.readings.map((r) => r.parameter)).toEqual(['tp']);
    expect(reasons(out)).toEqual(['implausible_value']);
    for (const code of ['nh3n', 'ph', 'do', 'temp']) expect(out.deadLetters[0]!.detail).toContain(`values.${code}:`);
  });

  it('rejects messages of the wrong shape', () => {
    for (const payload of [
      42,
      'text',
      null,
      [],
      {},
      { ts: TS },
      { ts: TS, values: [] },
      { ts: TS, values: {} },
      { ts: TS, values: 7 },
    ]) {
      const out = decode('wq/demo-01/data', JSON.stringify(payload));
      expect(out.readings, JSON.stringify(payload)).toEqual([]);
      expect(reasons(out), JSON.stringify(payload)).toEqual(['invalid_message']);
    }
  });

  it('ignores unknown top-level keys', () => {
    expect(decode('wq/demo-01/data', { ts: TS, values: { ph: 7 }, seq: 12, firmware: '1.2' }).readings).toHaveLength(1);
  });

  it('accepts a UTF-8 byte-order mark', () => {
    expect(decode('wq/demo-01/data', `\ufeff${JSON.stringify({ ts: TS, values: { ph: 7 } })}`).readings).toHaveLength(
      1,
    );
  });
});

describe('timestamps', () => {
  it.each([
    [undefined, 'invalid_timestamp', 'ts is missing'],
    [null, 'invalid_timestamp', 'ts is missing'],
    ['2026-11-28T08:00:00', 'invalid_timestamp', 'not ISO 8601 with an offset'],
    ['2026-02-30T08:00:00+08:00', 'invalid_timestamp', 'not ISO 8601'],
    ['2026-11-28T24:00:00Z', 'invalid_timestamp', 'not ISO 8601'],
    [1795824000, 'invalid_timestamp', 'before 2000-01-01 (epoch seconds'],
    [1795824000000.5, 'invalid_timestamp', 'not an integer'],
    [true, 'invalid_timestamp', 'got boolean'],
    [NOW + 301_000, 'future_timestamp', '301 s ahead of the server clock (limit 300 s)'],
    ['2030-01-01T00:00:00+08:00', 'future_timestamp', 'ahead of the server clock'],
  ])('ts %j → %s', (ts, reason, detail) => {
    const out = decode('wq/demo-01/data', { ts, values: { ph: 7 } });
    expect(out.readings).toEqual([]);
    expect(reasons(out)).toEqual([reason]);
    expect(out.deadLetters[0]!.detail).toContain(detail);
  });

  it.each([
    ['2026-11-28T08:00:00+08:00', '2026-11-28T00:00:00.000Z'],
    ['2026-11-28T08:00:00+0800', '2026-11-28T00:00:00.000Z'],
    ['2026-11-28T08:00:00+08', '2026-11-28T00:00:00.000Z'],
    ['2026-11-28 08:00:00+08:00', '2026-11-28T00:00:00.000Z'],
    ['2026-11-28T00:00:00Z', '2026-11-28T00:00:00.000Z'],
    ['2026-11-28T08:00+08:00', '2026-11-28T00:00:00.000Z'],
    ['2026-11-28T08:00:00.123456+08:00', '2026-11-28T00:00:00.123Z'],
    ['2026-11-28T08:00:00,5+08:00', '2026-11-28T00:00:00.500Z'],
    ['2026-11-27T19:00:00-05:00', '2026-11-28T00:00:00.000Z'],
  ])('accepts %s', (ts, iso) => {
    const out = decode('wq/demo-01/data', { ts, values: { ph: 7 } });
    expect(out.deadLetters).toEqual([]);
    expect(new Date(out.readings[0]!.ts).toISOString()).toBe(iso);
  });

  it('accepts a timestamp within the future skew', () => {
    expect(decode('wq/demo-01/data', { ts: NOW + 300_000, values: { ph: 7 } }).readings).toHaveLength(1);
  });
});

describe('message-level rejections', () => {
  it('rejects a station not in the catalog', () => {
    const out = decode('wq/nowhere-9/data', { ts: TS, values: { ph: 7 } });
    expect(out.stationId).toBe('nowhere-9');
    expect(reasons(out)).toEqual(['unknown_station']);
  });

  it('rejects malformed JSON with the parser message', () => {
    const out = decode('wq/demo-01/data', '{"ts": 1, "values": {');
    expect(reasons(out)).toEqual(['malformed_json']);
    expect(out.deadLetters[0]!.payload).toBe('{"ts": 1, "values": {');
  });

  it('rejects an oversized payload unread, keeping its first kilobyte', () => {
    const big = JSON.stringify({ ts: TS, values: { ph: 7 }, pad: 'x'.repeat(5000) });
    const out = decoder({ maxPayloadBytes: 4096 }).decode('wq/demo-01/data', Buffer.from(big), NOW);
    expect(reasons(out)).toEqual(['payload_too_large']);
    expect(out.deadLetters[0]!.detail).toContain(`${big.length} bytes, limit 4096`);
    expect(out.deadLetters[0]!.payload).toBe(big.slice(0, 1024));
  });

  it('rejects a topic outside the contract', () => {
    for (const topic of [
      'wq/demo-01/status',
      'wq/demo 01/data',
      'wq/demo-01/data/extra',
      'other/demo-01/data',
      'wq/_x/data',
    ]) {
      const out = decode(topic, { ts: TS, values: { ph: 7 } });
      expect(reasons(out), topic).toEqual(['invalid_topic']);
    }
    expect(decode('wq/demo-01/status', '{}').stationId).toBe('demo-01');
    expect(decode('x/y', '{}').stationId).toBe('_unknown');
  });

  it('never throws and always yields a known reason for garbage bytes', () => {
    const d = decoder();
    for (const bytes of [
      Buffer.from([0xff, 0xfe, 0x00]),
      Buffer.alloc(0),
      Buffer.from('\u0000'),
      Buffer.from('[[[[[['),
    ]) {
      const out = d.decode('wq/demo-01/data', bytes, NOW);
      expect(out.readings).toEqual([]);
      expect(out.deadLetters.length).toBeGreaterThan(0);
      for (const letter of out.deadLetters) expect(REJECTION_REASON_CODES).toContain(letter.reason);
    }
  });

  it('caps a long detail and says how many more items there were', () => {
    const entry = (e: number) => ({
      ts: new Date(Date.parse(TS) - e * 60_000).toISOString(),
      values: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`unknown${i}`, i])),
    });
    const out = decode(
      'wq/demo-01/data',
      Array.from({ length: 5 }, (_, e) => entry(e)),
    );
    expect(out.deadLetters[0]!.detail.length).toBeLessThan(1700);
    expect(out.deadLetters[0]!.detail).toMatch(/… and \d+ more$/);
  });
});

describe('hostile payloads (issue 12, items 2, 6 and 10)', () => {
  it(`refuses an entry of more than ${MAX_KEYS_PER_ENTRY} keys in values, flags or units, at once and whole`, () => {
    const many = (prefix: string, value: unknown) =>
      Object.fromEntries(Array.from({ length: MAX_KEYS_PER_ENTRY + 1 }, (_, i) => [`${prefix}${i}`, value]));
    for (const [payload, name] of [
      [{ ts: TS, values: many('v', 1) }, 'values'],
      [{ ts: TS, values: { ph: 7 }, flags: many('f', 'N') }, 'flags'],
      [{ ts: TS, values: { ph: 7 }, units: many('u', 'mg/L') }, 'units'],
    ] as const) {
      const out = decode('wq/demo-01/data', payload);
      expect(out.readings).toEqual([]);
      expect(reasons(out)).toEqual(['invalid_message']);
      expect(out.deadLetters[0]!.detail).toContain(`"${name}" has 65 keys, at most ${MAX_KEYS_PER_ENTRY}`);
    }
    // A backfill's other entries are kept.
    const mixed = decode('wq/demo-01/data', [
      { ts: TS, values: { ph: 7.1 } },
      { ts: TS, values: many('v', 1) },
    ]);
    expect(mixed.readings.map((r) => r.value)).toEqual([7.1]);
    // The same limit for SenML records of one time.
    const pack = Array.from({ length: MAX_KEYS_PER_ENTRY + 1 }, (_, i) => ({
      n: `x${i}`,
      v: 1,
      t: Date.parse(TS) / 1000,
    }));
    expect(decode('wq/demo-01/senml', pack).deadLetters[0]!.detail).toContain('65 values for one time, at most 64');
  });

  it('decodes the 2,500-spelling, 5,000-flag flood in milliseconds (it took seconds: quadratic lookups, a thrashing memo)', () => {
    const d = decoder();
    const payload = Buffer.from(spellingFlood(TS));
    // CPU time, as below: 5-20 ms here, alone or in a busy suite, whose wall time would count the other workers.
    const t0 = process.cpuUsage();
    const out = d.decode('wq/demo-01/data', payload, NOW);
    const used = process.cpuUsage(t0);
    expect((used.user + used.system) / 1000).toBeLessThan(500);
    expect(reasons(out)).toEqual(['invalid_message']);
  });

  it('decodes a backfill within the limits in time linear in its entries (60 spellings, 64 invented flags each)', () => {
    const spellings = nh3nSpellings(60);
    const entries = (n: number) =>
      Buffer.from(
        JSON.stringify(
          Array.from({ length: n }, (_, e) => ({
            ts: new Date(Date.parse(TS) - e * 60_000).toISOString(),
            values: Object.fromEntries(spellings.map((s) => [s, 0.5])),
            flags: Object.fromEntries(Array.from({ length: 64 }, (_, k) => [`e${e}-flag-${k}`, 'N'])),
          })),
        ),
      );
    // Up to 8 MB: beyond the default payload limit, to show the cost of decoding itself.
    const d = decoder({ maxPayloadBytes: 64 << 20 });
    const best = (payload: Buffer) => {
      let ms = Infinity;
      // CPU time, not wall time: in a busy suite the other workers' load would be measured too.
      for (let run = 0; run < 5; run++) {
        const t0 = process.cpuUsage();
        const out = d.decode('wq/demo-01/data', payload, NOW);
        const used = process.cpuUsage(t0);
        ms = Math.min(ms, (used.user + used.system) / 1000);
        expect(out.readings).toHaveLength(payload === small ? 250 : 4000);
      }
      return ms;
    };
    const small = entries(250);
    const large = entries(4000);
    // Sixteen times the entries: linear is about 16 times the time, quadratic 256 times. The bound leaves room for
    // a busy suite's garbage collections (8 × the entries gave up to 38 × in CPU time there, ~8 × alone).
    expect(best(large) / best(small)).toBeLessThan(100);
    // No memo of what the station invented: the spellings of NH3-N and pH only.
    expect(d.memoStats().spellings).toBeLessThanOrEqual(61);
    // 6 s alone, 118 s beside 4 busy loops of a higher priority: the bound is the ratio of CPU times above, not the
    // wall time this takes (the default 60 s).
  }, 180_000);

  // 100 are enough: an invented name is never remembered, so one kept would show as a second spelling (800 of them
  // took over 60 s of decoding in a loaded suite).
  it('keeps no memory of names a station invents: 100 messages with a 250 KB unknown key', { timeout: 180_000 }, () => {
    const d = decoder();
    for (let i = 0; i < 100; i++) {
      const out = d.decode('wq/demo-01/data', Buffer.from(hugeUnknownKey(TS, 250_000, i)), NOW);
      expect(out.readings).toHaveLength(1);
    }
    for (let i = 0; i < 200; i++) d.decode(`wq/ghost-${i}/data`, Buffer.from('{}'), NOW);
    const stats = d.memoStats();
    expect(stats.spellings).toBe(1); // ph
    expect(stats.topics).toBe(1); // wq/demo-01/data: a catalog station's
    expect(stats.bytes).toBeLessThan(1024);
  });

  it('a value nested 50,000 levels deep costs that value only: the readings beside it are kept', () => {
    const out = decode('wq/demo-01/data', deeplyNested(TS));
    expect(out.readings.map((r) => r.parameter)).toEqual(['ph', 'do']);
    expect(reasons(out)).toEqual(['invalid_value']);
    expect(out.deadLetters[0]!.detail).toBe('values.nh3n: expected a finite number, got an array');
  });
});

describe('SenML (RFC 8428)', () => {
  const BT = Date.parse(TS) / 1000;

  it('resolves base name, time, unit and value; t is seconds; Cel and S/m map to our units', () => {
    const out = decode('wq/demo-01/senml', [
      { bn: 'urn:dev:demo-01:', bt: BT, bu: 'mg/L', n: 'nh3n', v: 0.42 },
      { n: 'do', v: 6.8, t: 60 },
      { n: 'temp', u: 'Cel', v: 12.5, flag: 'C' },
      { n: 'conductivity', u: 'S/m', v: 0.0412 },
      { bv: 7, n: 'ph', u: '/', v: 0.3 },
    ]);
    expect(out.deadLetters).toEqual([]);
    expect(out.format).toBe('senml');
    expect(out.readings).toEqual([
      { stationId: 'demo-01', parameter: 'nh3n', ts: TS_MS, value: 0.42, flag: 'N' },
      { stationId: 'demo-01', parameter: 'temp', ts: TS_MS, value: 12.5, flag: 'C' },
      { stationId: 'demo-01', parameter: 'conductivity', ts: TS_MS, value: 412, flag: 'N' },
      { stationId: 'demo-01', parameter: 'ph', ts: TS_MS, value: 7.3, flag: 'N' },
      { stationId: 'demo-01', parameter: 'do', ts: TS_MS + 60_000, value: 6.8, flag: 'N' },
    ]);
  });

  it('treats times below 2^28 as relative to now, and a missing time as now (RFC 8428 §4.5.3)', () => {
    const out = decode('wq/demo-01/senml', [
      { n: 'ph', v: 7 },
      { n: 'do', v: 6, t: -600 },
    ]);
    expect(out.readings.map((r) => r.ts)).toEqual([NOW, NOW - 600_000]);
  });

  it('takes the parameter from the last segment of the resolved name', () => {
    const out = decode('wq/demo-01/senml', [{ bn: 'demo-01/ph', bt: BT, v: 7.1 }]);
    expect(out.readings).toEqual([expect.objectContaining({ parameter: 'ph', value: 7.1 })]);
  });

  it('rejects non-numeric values, records without a value, and keeps the rest', () => {
    const out = decode('wq/demo-01/senml', [
      { bt: BT, n: 'ph', v: 7 },
      { n: 'do', vs: 'high' },
      { n: 'tp', vb: true },
      { n: 'tn', s: 3 },
      { n: 'nh3n' },
      { n: 'codmn', v: 'x' },
    ]);
    expect(out.readings.map((r) => r.parameter)).toEqual(['ph']);
    expect(reasons(out)).toEqual(['invalid_value']);
    expect(out.deadLetters[0]!.detail.split('; ')).toHaveLength(5);
  });

  it('validates parameters, units, flags, range and time like the JSON format', () => {
    const out = decode('wq/demo-01/senml', [
      { bt: BT, n: 'chloride', v: 3 },
      { n: 'cod', v: 30 },
      { n: 'temp', u: 'furlong', v: 3 },
      { n: 'ph', v: 7, flag: 'Q' },
      { n: 'do', v: 99 },
      { n: 'tp', v: 0.1, t: 10 ** 7 },
      { n: 'tn', v: 1, t: 'soon' },
    ]);
    expect(out.readings).toEqual([]);
    expect(reasons(out).sort()).toEqual(
      [
        'unknown_parameter',
        'parameter_not_at_station',
        'bad_unit',
        'invalid_flag',
        'implausible_value',
        'future_timestamp',
        'invalid_timestamp',
      ].sort(),
    );
  });

  it('rejects a pack that holds no readings at all (never a silent drop)', () => {
    const out = decode('wq/demo-01/senml', [{ bt: BT }, { 'S|%': -2e246, x: false }]);
    expect(out.readings).toEqual([]);
    expect(reasons(out)).toEqual(['invalid_message']);
    expect(out.deadLetters[0]!.detail).toBe('the message holds no readings');
  });

  it('rejects a record that repeats a parameter at the same time', () => {
    const out = decode('wq/demo-01/senml', [
      { bt: BT, n: 'ph', v: 7 },
      { n: 'ph', v: 7.1 },
      { n: 'ph', v: 7.2, t: 1 },
    ]);
    expect(out.readings.map((r) => r.value)).toEqual([7, 7.2]);
    expect(reasons(out)).toEqual(['duplicate_parameter']);
  });

  it('rejects the whole pack for must-understand fields, broken base fields, or a non-array', () => {
    expect(reasons(decode('wq/demo-01/senml', [{ bt: BT, n: 'ph', v: 7, bar_: 1 }]))).toEqual(['invalid_message']);
    expect(reasons(decode('wq/demo-01/senml', [{ bt: 'now', n: 'ph', v: 7 }]))).toEqual(['invalid_message']);
    expect(reasons(decode('wq/demo-01/senml', [{ bt: BT, n: 'ph', v: 7 }, { bn: 5 }]))).toEqual(['invalid_message']);
    expect(decode('wq/demo-01/senml', [{ bt: BT, n: 'ph', v: 7 }, { bn: 5 }]).readings).toEqual([]);
    expect(reasons(decode('wq/demo-01/senml', { n: 'ph', v: 7 }))).toEqual(['invalid_message']);
    expect(reasons(decode('wq/demo-01/senml', []))).toEqual(['invalid_message']);
    expect(reasons(decode('wq/demo-01/senml', [{ bt: BT, n: 'ph', v: 7 }, 3, { n: 5, v: 1 }]))).toEqual([
      'invalid_message',
    ]);
  });
});
