import { describe, expect, it } from 'vitest';
import { CatalogError, parseCatalog } from '../../src/catalog/index.js';
import { parseSm4Key, resolveLoggerSecrets } from '../../src/catalog/logger-secrets.js';
import { catalogJsonSchema } from '../../src/catalog/json-schema.js';
import { createCatalogDevices } from '../../src/ingest/hj212/catalog-devices.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli } from '../harness/cli.js';

/** Two plant stations; `one` and `two` are appended to each (their `hj212` blocks). */
function catalogText(one: string, two = ''): string {
  return `version: 1
city: { zh: 测试市, en: Test City }
units:
  - { id: city, name: { zh: 市局, en: City Bureau }, level: city, channels: [{ type: mqtt }] }
  - { id: op, name: { zh: 水务公司, en: Water Co }, level: operator, parent: city }
plants:
  - { id: p1, name: { zh: 一厂, en: Plant 1 }, type: wwtp, discharge_standard: gb18918-1a, operator_unit: op }
stations:
  - id: p1-out
    name: { zh: 一厂出水, en: Plant 1 effluent }
    kind: plant_effluent
    plant: p1
    location: { lat: 30.1, lon: 120.1 }
    jurisdiction: city
    maintainer: op
    parameters: [cod, nh3n, tp, pb]
    interval: 1h
${one}
  - id: p1-in
    name: { zh: 一厂进水, en: Plant 1 influent }
    kind: plant_influent
    plant: p1
    location: { lat: 30.1, lon: 120.1 }
    jurisdiction: city
    maintainer: op
    parameters: [cod, nh3n]
    interval: 1h
${two}`;
}

const block = (fields: string) =>
  `    hj212:\n${fields
    .trim()
    .split('\n')
    .map((l) => `      ${l.trim()}`)
    .join('\n')}`;

function errorOf(text: string): CatalogError {
  try {
    parseCatalog(text, 'catalog.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return err as CatalogError;
  }
  throw new Error('expected a CatalogError');
}

const issues = (err: CatalogError) => err.issues.map((i) => `${i.path}: ${i.message}`);

describe('the hj212 block of a station', () => {
  it('is optional, and read with its defaults: record = realtime, hourly for a national water station', () => {
    const catalog = parseCatalog(
      catalogText(
        block(`mn: "010000A8900016F000169DC0"
               protocol: hj212-2017
               password_env: PLANT1_PW`),
        block(`mn: A140100_2006
               protocol: surface-water`),
      ),
      'catalog.yaml',
    );
    expect(catalog.station('p1-out')!.hj212).toEqual({
      mn: '010000A8900016F000169DC0',
      protocol: 'hj212-2017',
      password_env: 'PLANT1_PW',
      units: {},
      record: 'realtime',
    });
    expect(catalog.station('p1-in')!.hj212).toMatchObject({ mn: 'A140100_2006', record: 'hourly' });
    expect(parseCatalog(catalogText(''), 'catalog.yaml').station('p1-out')!.hj212).toBeUndefined();
  });

  it('keeps the record stream the catalog names', () => {
    const catalog = parseCatalog(
      catalogText(block(`mn: M1\nprotocol: hj212-2025\nsm4_key_env: K1\nrecord: daily`)),
      'catalog.yaml',
    );
    expect(catalog.station('p1-out')!.hj212?.record).toBe('daily');
  });

  it('refuses an MN used by two stations, naming the other one', () => {
    const err = errorOf(
      catalogText(block('mn: SAME-MN\nprotocol: hj212-2017'), block('mn: SAME-MN\nprotocol: hj212-2025')),
    );
    expect(issues(err)).toEqual([
      'stations[1].hj212.mn: MN "SAME-MN" is already the logger of p1-out (stations[0]): one MN, one logger',
    ]);
    expect(err.issues[0]!.line).toBeGreaterThan(20);
  });

  it('refuses an unknown HJ 212 code in units, a unit of the wrong kind, and a code given as a name', () => {
    const err = errorOf(
      catalogText(
        block('mn: M1\nprotocol: surface-water\nunits: { w20120: mg/L, w99999: mg/L, w21003: NTU, nh3n: mg/L }'),
      ),
    );
    expect(issues(err)).toEqual([
      expect.stringMatching(/^stations\[0\]\.hj212\.units\.w99999: unknown HJ 212 pollutant code "w99999"/),
      expect.stringMatching(/^stations\[0\]\.hj212\.units\.w21003: unknown unit "NTU" for a concentration value/),
      expect.stringMatching(/^stations\[0\]\.hj212\.units\.nh3n: unknown HJ 212 pollutant code "nh3n"/),
    ]);
  });

  it('refuses a bad protocol, record, MN, secret written in place of a variable name, and a key for 2017', () => {
    const err = errorOf(
      catalogText(
        block(`mn: "A;B"
               protocol: hj212-2005
               password_env: "s3cret!"
               record: weekly
               colour: red`),
        block(`mn: M2
               protocol: hj212-2017
               sm4_key_env: K2`),
      ),
    );
    expect(issues(err)).toEqual([
      expect.stringMatching(/^stations\[0\]\.hj212\.mn: an MN cannot contain ";"/),
      expect.stringMatching(
        /^stations\[0\]\.hj212\.protocol: expected a protocol: hj212-2017, hj212-2025, surface-water/,
      ),
      expect.stringMatching(/^stations\[0\]\.hj212\.password_env: expected the NAME of an environment variable/),
      expect.stringMatching(/^stations\[0\]\.hj212\.record: expected a stream: realtime, minute, hourly, daily/),
      'stations[0].hj212.colour: unknown field "colour"',
      expect.stringMatching(/^stations\[1\]\.hj212\.sm4_key_env: HJ 212-2017 has no encryption/),
    ]);
  });

  it('warns when an HJ 212-2025 logger has no SM4 key', () => {
    const catalog = parseCatalog(catalogText(block('mn: M1\nprotocol: hj212-2025')), 'catalog.yaml');
    expect(catalog.warnings.map((w) => `${w.path}: ${w.message}`)).toContainEqual(
      expect.stringMatching(/^stations\[0\]\.hj212: no sm4_key_env: encrypted packets from p1-out's logger/),
    );
  });

  it("warns when the interval is shorter than the record stream's period", () => {
    const catalog = parseCatalog(catalogText(block('mn: M1\nprotocol: hj212-2017\nrecord: daily')), 'catalog.yaml');
    expect(catalog.warnings.map((w) => `${w.path}: ${w.message}`)).toContainEqual(
      expect.stringMatching(
        /^stations\[0\]\.interval: the record stream is daily data, one value per 1d, but the interval is 1h/,
      ),
    );
    const hourly = parseCatalog(catalogText(block('mn: M1\nprotocol: hj212-2017\nrecord: hourly')), 'catalog.yaml');
    expect(hourly.warnings.filter((w) => w.path.endsWith('interval'))).toEqual([]);
  });

  it('is described by the JSON Schema', () => {
    const schema = JSON.stringify(catalogJsonSchema());
    expect(schema).toContain('"surface-water"');
    expect(schema).toContain('"sm4_key_env"');
  });
});

describe('SM4 keys', () => {
  it('are 32 hex digits or 16 characters taken as bytes', () => {
    expect(parseSm4Key('0123456789abcdeffedcba9876543210')!.toString('hex')).toBe('0123456789abcdeffedcba9876543210');
    expect(parseSm4Key('0000000000000000')).toEqual(Buffer.from('0000000000000000', 'ascii'));
    expect(parseSm4Key(' 0123456789ABCDEFFEDCBA9876543210\n')!.toString('hex')).toBe(
      '0123456789abcdeffedcba9876543210',
    );
    for (const bad of [
      '',
      'short',
      '0123456789abcdeffedcba987654321',
      '0123456789abcdeffedcba98765432100',
      '密钥密钥密钥密钥密钥密钥密钥密钥',
    ])
      expect(parseSm4Key(bad)).toBeUndefined();
  });
});

describe('the device directory', () => {
  const text = catalogText(
    block(`mn: "010000A8900016F000169DC0"
           protocol: hj212-2025
           password_env: P1_PW
           sm4_key_env: P1_KEY
           units: { W20120: mg/L }
           record: hourly`),
    block(`mn: A140100_2006
           protocol: surface-water`),
  );
  const catalog = parseCatalog(text, 'sensors/catalog.yaml');

  it('finds each logger by its MN, with the secrets its variables hold', () => {
    const devices = createCatalogDevices(catalog, {
      P1_PW: '123456',
      P1_KEY: '0123456789abcdeffedcba9876543210',
    });
    expect(devices.byMn('010000A8900016F000169DC0')).toEqual({
      mn: '010000A8900016F000169DC0',
      stationId: 'p1-out',
      protocol: 'hj212-2025',
      password: '123456',
      sm4Key: Buffer.from('0123456789abcdeffedcba9876543210', 'hex'),
      units: { w20120: 'mg/L' },
      record: 'hourly',
    });
    expect(devices.byMn('A140100_2006')).toEqual({
      mn: 'A140100_2006',
      stationId: 'p1-in',
      protocol: 'surface-water',
      units: {},
      record: 'hourly',
    });
    expect(devices.byMn('a140100_2006')).toBeUndefined();
    expect(devices.byMn('nobody')).toBeUndefined();
    expect(devices.byStation('p1-in')?.mn).toBe('A140100_2006');
    expect(devices.devices).toHaveLength(2);
  });

  it('stops start-up naming the catalog file, the field and the variable when a variable is unset or wrong', () => {
    let err: unknown;
    try {
      createCatalogDevices(catalog, { P1_PW: '', P1_KEY: 'not-a-key' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CatalogError);
    expect((err as CatalogError).message.split('\n')).toEqual([
      "sensors/catalog.yaml: stations[0].hj212.password_env: environment variable P1_PW is not set (the access password PW of p1-out's logger)",
      'sensors/catalog.yaml: stations[0].hj212.sm4_key_env: environment variable P1_KEY is not an SM4 key: expected 32 hex digits or 16 characters',
    ]);
    // The wrong value itself is never part of the message.
    expect((err as CatalogError).message).not.toContain('not-a-key');
  });

  it('lists the same findings for catalog check', () => {
    expect(resolveLoggerSecrets(catalog, {}).issues.map((i) => i.path)).toEqual([
      'stations[0].hj212.password_env',
      'stations[0].hj212.sm4_key_env',
    ]);
  });
});

describe('qingliu catalog check', () => {
  it('warns about a logger variable that is unset here, and exits 0', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'qingliu-hj212-'));
    try {
      const file = path.join(dir, 'catalog.yaml');
      await writeFile(file, catalogText(block('mn: M1\nprotocol: hj212-2017\npassword_env: P1_PW')));
      const unset = await cli(['catalog', 'check', file], { LANG_UI: 'en' });
      expect(unset.code).toBe(0);
      expect(unset.stderr).toContain(
        `warning: ${file}: stations[0].hj212.password_env: environment variable P1_PW is not set`,
      );
      const set = await cli(['catalog', 'check', file], { LANG_UI: 'en', P1_PW: 'secret' });
      expect(set.code).toBe(0);
      expect(set.stderr).not.toContain('P1_PW');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails on a duplicate MN', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'qingliu-hj212-'));
    try {
      const file = path.join(dir, 'catalog.yaml');
      await writeFile(file, catalogText(block('mn: X\nprotocol: hj212-2017'), block('mn: X\nprotocol: hj212-2017')));
      const out = await cli(['catalog', 'check', file], { LANG_UI: 'en' });
      expect(out.code).toBe(1);
      expect(out.stderr).toContain('stations[1].hj212.mn: MN "X" is already the logger of p1-out');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
