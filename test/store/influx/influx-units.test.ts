import { describe, expect, it } from 'vitest';
import { deadLetterStatement, ident, latestStatement, rawStatement, str } from '../../../src/store/influx/influxql.js';
import { deadLetterLines, readingLines } from '../../../src/store/influx/line-protocol.js';
import { generationOf, versionFromPing } from '../../../src/store/influx/server-version.js';

describe('server generation from /ping', () => {
  it.each([
    ['1.6.7~rc0', '1'],
    ['1.8.10', '1'],
    ['v2.7.11', '2'],
    ['2.0.0-beta.16', '2'],
    ['3.0.1', '3'],
    ['v3.2.0', '3'],
    ['4.0.0', undefined],
    ['unknown', undefined],
    [undefined, undefined],
  ])('%s → %s', (version, generation) => {
    expect(generationOf(version)).toBe(generation);
  });

  it('reads the header, else the JSON body', () => {
    expect(versionFromPing({ 'x-influxdb-version': 'v2.7.11' }, undefined)).toBe('v2.7.11');
    expect(versionFromPing({}, { version: '3.0.1', revision: 'abc' })).toBe('3.0.1');
    expect(versionFromPing({}, '')).toBeUndefined();
  });
});

describe('line protocol', () => {
  it('escapes tag values and writes floats and string flags at ms precision', () => {
    expect(
      readingLines([
        { stationId: 'A 1,x=y', parameter: 'nh3n', ts: 1767196800000, value: 7, flag: 'N' },
        { stationId: 'A 1,x=y', parameter: 'hg', ts: 1767196800001, value: 0.0000005, flag: 'T' },
      ]),
    ).toBe(
      'reading,param=nh3n,station=A\\ 1\\,x\\=y value=7,flag="N" 1767196800000\nreading,param=hg,station=A\\ 1\\,x\\=y value=5e-7,flag="T" 1767196800001',
    );
  });

  it('gives dead letters nanosecond timestamps with a sequence below the millisecond, and quotes their text', () => {
    let seq = 999_999;
    const lines = deadLetterLines(
      [
        {
          receivedAt: 1767196800000,
          stationId: 'S"1',
          topic: 'wq/S"1/data',
          reason: 'malformed_json',
          detail: 'back\\slash',
          payload: 'a\nb',
        },
        { receivedAt: 1767196800000, stationId: 'S1', topic: 't', reason: 'r', detail: 'd', payload: 'p' },
      ],
      () => seq++,
    ).split(/\n(?=dead_letter)/);
    expect(lines[0]).toBe(
      'dead_letter station="S\\"1",topic="wq/S\\"1/data",reason="malformed_json",detail="back\\\\slash",payload="a\nb",received_at=1767196800000i 1767196800000999999',
    );
    expect(lines[1]!.endsWith(' 1767196800000000000')).toBe(true); // the sequence wrapped
  });
});

describe('InfluxQL', () => {
  it('quotes strings and identifiers', () => {
    expect(str("it's \\ ok")).toBe("'it\\'s \\\\ ok'");
    expect(ident('a"b')).toBe('"a\\"b"');
  });

  it('builds the latest, raw and dead-letter statements', () => {
    expect(latestStatement({ stationIds: ['S1', 'S2'], parameters: ['tp'], validOnly: true, since: 1000 })).toBe(
      `SELECT last("value") AS "value", "flag" FROM "reading" WHERE ("station" = 'S1' OR "station" = 'S2') AND "param" = 'tp' AND ("flag" = 'N' OR "flag" = 'T') AND time >= 1000ms GROUP BY "station", "param"`,
    );
    expect(latestStatement({})).toBe(
      'SELECT last("value") AS "value", "flag" FROM "reading" GROUP BY "station", "param"',
    );
    expect(rawStatement({ stationId: 'S1', from: 0, to: 5000, after: { ts: 2000, parameter: 'do' } }, 1066)).toBe(
      `SELECT "value", "flag", "param" FROM "reading" WHERE "station" = 'S1' AND time >= 2000ms AND time < 5000ms ORDER BY time ASC LIMIT 1066`,
    );
    expect(deadLetterStatement({ stationId: 'S1', from: 10 }, 100)).toBe(
      `SELECT "received_at", "station", "topic", "reason", "detail", "payload" FROM "dead_letter" WHERE "station" = 'S1' AND time >= 10ms ORDER BY time DESC LIMIT 100`,
    );
  });
});
