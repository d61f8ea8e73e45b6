import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createZone, manualClock, memoryPublisher } from '../../sensors/simulator/index.js';
import {
  loadMapping,
  parseCsv,
  parseInlineMapping,
  parseLocalTime,
  readReplayCsv,
  replay,
  replayMappingSchema,
  shiftFor,
} from '../../sensors/replay/index.js';
import { readRealCsv } from '../fixtures/real/real-data.js';
import { HOUR } from './fixtures.js';

const zone = createZone('Asia/Shanghai');
const WWTP = 'wwtp1_hourly_2024-06-07_to_06-12.csv';
const CNEMC = 'cnemc_4h_2021-04-01_to_04-05_1698stations.csv';

describe('CSV reader', () => {
  it('handles a BOM, CRLF, quoted fields with commas, quotes and line breaks, and blank lines', () => {
    const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n\r\n2,"two\nlines",\n';
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'two\nlines', ''],
    ]);
  });
});

describe('time parsing', () => {
  const ctx = { offsetMs: 8 * HOUR, year: { year: 2021, month: 4 } };
  it('reads the formats of exported monitoring data as Beijing time', () => {
    expect(parseLocalTime('2024-06-07 22:54:32', ctx)).toBe(Date.parse('2024-06-07T22:54:32+08:00'));
    expect(parseLocalTime('2020-01-01 02', ctx)).toBe(Date.parse('2020-01-01T02:00:00+08:00'));
    expect(parseLocalTime('2021/1/1 0:00', ctx)).toBe(Date.parse('2021-01-01T00:00:00+08:00'));
    expect(parseLocalTime('2026-11-28T08:00:00+08:00', ctx)).toBe(Date.parse('2026-11-28T08:00:00+08:00'));
    expect(parseLocalTime('1764288000000', ctx)).toBe(1764288000000);
    expect(parseLocalTime('garbage', ctx)).toBeUndefined();
  });
  it('takes the year of CNEMC MM-DD times from the file, a later month being last year', () => {
    expect(parseLocalTime('04-01 12:00', ctx)).toBe(Date.parse('2021-04-01T12:00:00+08:00'));
    expect(parseLocalTime('02-07 08:00', ctx)).toBe(Date.parse('2021-02-07T08:00:00+08:00'));
    expect(parseLocalTime('12-30 08:00', ctx)).toBe(Date.parse('2020-12-30T08:00:00+08:00'));
    expect(parseLocalTime('04-01 12:00', { offsetMs: 8 * HOUR, year: undefined })).toBeUndefined();
  });
});

describe('mapping', () => {
  it('reads the inline forms', () => {
    expect(parseInlineMapping('wwtp1-effluent').station).toBe('wwtp1-effluent');
    expect(parseInlineMapping('吴淞口=longdukou, 七效港西桥=huangnidu').stations).toEqual({
      吴淞口: 'longdukou',
      七效港西桥: 'huangnidu',
    });
    expect(() => parseInlineMapping('a=,b')).toThrow(/NAME=STATION_ID/);
  });
  it('reads a YAML mapping file and rejects unknown keys', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-map-'));
    const good = path.join(dir, 'map.yaml');
    fs.writeFileSync(good, 'stations: { 吴淞口: longdukou }\ncolumns: { 藻密度: null }\nyear: 2021\n');
    expect(await loadMapping(good)).toMatchObject({
      stations: { 吴淞口: 'longdukou' },
      year: 2021,
      utc_offset: '+08:00',
    });
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ station: 'x', colums: {} }));
    await expect(loadMapping(bad)).rejects.toThrow(/colums/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('generic CSV', () => {
  it('resolves parameter columns by name or alias, converts units, and needs a station', () => {
    const csv =
      'time,氨氮(mg/L),TP,DO (mg/L),叶绿素a(mg/L),remark\n2026-01-01 00:00,0.5,0.1,--,0.004,x\n2026-01-01 01:00,*,0.12,7.5,,y\n';
    const mapping = replayMappingSchema.parse({ station: 'lake-1' });
    const data = readReplayCsv(csv, { mapping });
    expect(data.format).toBe('generic');
    expect(data.messages).toEqual([
      {
        stationId: 'lake-1',
        ts: Date.parse('2026-01-01T00:00:00+08:00'),
        values: { nh3n: 0.5, tp: 0.1, chla: 4 },
        source: { row: 1 },
      },
      {
        stationId: 'lake-1',
        ts: Date.parse('2026-01-01T01:00:00+08:00'),
        values: { tp: 0.12, do: 7.5 },
        source: { row: 2 },
      },
    ]);
    expect(data.ignoredColumns.map((c) => c.column)).toEqual(['remark']);
    expect(() => readReplayCsv(csv, { mapping: replayMappingSchema.parse({}) })).toThrow(/--map STATION_ID/);
  });
});

describe('real data (test/fixtures/real)', () => {
  it('reads the plant file: influent and effluent per row, flow from m³/d to L/s', () => {
    const data = readReplayCsv(readRealCsv(WWTP), {
      mapping: parseInlineMapping('effluent=wwtp1-effluent,influent=wwtp1-influent'),
      fileName: WWTP,
    });
    expect(data.format).toBe('wwtp');
    expect(data.skipped).toEqual({});
    const effluent = data.messages.filter((m) => m.stationId === 'wwtp1-effluent');
    const influent = data.messages.filter((m) => m.stationId === 'wwtp1-influent');
    expect(effluent).toHaveLength(100);
    expect(influent).toHaveLength(100);
    // First row: 2024-06-07 22:54:32, COD 5.21, NH3-N 0.21, TP 0.21, TN 10.34, PH 6.36, Outflow 1854.52 m³/d.
    expect(effluent[0]!.ts).toBe(Date.parse('2024-06-07T22:54:32+08:00'));
    expect(effluent[0]!.values).toMatchObject({ cod: 5.21, nh3n: 0.21, tp: 0.21, tn: 10.34, ph: 6.36 });
    expect(effluent[0]!.values.flow).toBeCloseTo(1854.52 / 86.4, 6);
    expect(influent[0]!.values).toEqual({ cod: 60.4, ss: 774, nh3n: 12.34, tp: 1.62, tn: 16.34, ph: 7.58 });
  });

  it('reads the CNEMC 4-hourly file: mapped sections, -- and * left out, 维护 → M, repeats removed', () => {
    const data = readReplayCsv(readRealCsv(CNEMC), {
      mapping: parseInlineMapping('吴淞口=longdukou,七效港西桥=huangnidu,三沙洪交汇口=xinzha'),
      fileName: CNEMC,
    });
    expect(data.format).toBe('cnemc');
    expect(Object.keys(data.unmappedStations).length).toBeGreaterThan(1600);
    expect(data.skipped.duplicate).toBeGreaterThan(0);
    const keys = data.messages.map((m) => `${m.stationId}@${m.ts}`);
    expect(new Set(keys).size).toBe(keys.length);
    // 吴淞口 04-01 20:00 under 维护: TP "--", every published value flagged M.
    const wusong = data.messages.find(
      (m) => m.stationId === 'longdukou' && m.ts === Date.parse('2021-04-01T20:00:00+08:00'),
    )!;
    expect(wusong.values).toEqual({
      temp: 17.4,
      ph: 7.32,
      do: 5.2,
      conductivity: 591.8,
      turbidity: 171.9,
      codmn: 3.36,
      nh3n: 0.39,
      tn: 6.14,
    });
    expect(new Set(Object.values(wusong.flags!))).toEqual(new Set(['M']));
    expect(Object.keys(wusong.flags!)).toEqual(Object.keys(wusong.values));
    // Normal rows carry no flags; all of 2021.
    expect(data.messages.some((m) => m.flags === undefined)).toBe(true);
    for (const m of data.messages) expect(new Date(m.ts).getUTCFullYear()).toBe(2021);
    for (const m of data.messages) expect(Object.keys(m.values)).not.toContain('chla');
  });

  it('tells apart sections of the same name in different provinces (省份/断面名称)', () => {
    const text = readRealCsv(CNEMC);
    const qualified = readReplayCsv(text, {
      mapping: parseInlineMapping('四川省/南渡=sichuan,湖南省/南渡=hunan'),
      fileName: CNEMC,
    });
    const of = (id: string) => qualified.messages.filter((m) => m.stationId === id);
    expect(of('sichuan').length).toBeGreaterThan(20);
    expect(of('hunan').length).toBeGreaterThan(20);
    // Two different rivers: their readings differ.
    expect(of('sichuan').map((m) => m.values.conductivity)).not.toEqual(of('hunan').map((m) => m.values.conductivity));
  });

  it('replays paced at a speed-up with --shift-to now: ends in the present, never stamped in the future', async () => {
    const data = readReplayCsv(readRealCsv(WWTP), { mapping: parseInlineMapping('wwtp1-effluent'), fileName: WWTP });
    expect(data.messages).toHaveLength(100);
    const start = Date.parse('2026-03-01T10:00:00+08:00');
    const clock = manualClock(start);
    const stamped: { ts: number; at: number }[] = [];
    const result = await replay({
      messages: data.messages,
      zone,
      shiftTo: 'now',
      speed: 600,
      now: clock.now,
      sleep: clock.sleep,
      publisher: {
        async publish(_topic, payload) {
          stamped.push({ ts: Date.parse((JSON.parse(payload) as { ts: string }).ts), at: clock.now() });
        },
      },
    });
    expect(result.messages).toBe(100);
    for (const s of stamped) expect(s.ts).toBeLessThanOrEqual(s.at + 1000);
    // 99 hours of data at 600× ≈ 10 minutes of wall time, ending now.
    expect(Math.abs(stamped.at(-1)!.at - start - (99 * HOUR) / 600)).toBeLessThan(10_000);
    expect(Math.abs(stamped.at(-1)!.ts - stamped.at(-1)!.at)).toBeLessThan(1000);
  });

  it('replays as fast as possible in batches, shifted so the last row is now', async () => {
    const data = readReplayCsv(readRealCsv(WWTP), {
      mapping: parseInlineMapping('effluent=wwtp1-effluent,influent=wwtp1-influent'),
      fileName: WWTP,
    });
    const publisher = memoryPublisher();
    const now = Date.parse('2026-03-01T10:00:00+08:00');
    const result = await replay({
      messages: data.messages,
      zone,
      shiftTo: 'now',
      publisher,
      now: () => now,
      batchSize: 30,
    });
    expect(result.messages).toBe(200);
    expect(result.last).toBe(now);
    expect(publisher.messages).toHaveLength(8);
    expect(shiftFor(data.messages, 'now', now, Infinity)).toBe(result.shiftMs);
    const last = JSON.parse(publisher.messages.at(-1)!.payload) as { ts: string }[];
    expect(last.at(-1)!.ts).toBe('2026-03-01T10:00:00+08:00');
  });
});
