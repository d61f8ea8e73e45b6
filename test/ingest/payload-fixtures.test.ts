/** The sample payloads of test/fixtures/payloads (quoted in docs/mqtt.md) decode as documented in expected.json. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decoder, NOW } from './helpers.js';

const DIR = path.resolve(import.meta.dirname, '../fixtures/payloads');
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<
  string,
  { format: 'data' | 'senml'; readings: number; reasons: string[] } | string
>;

describe('sample payloads', () => {
  const files = fs.readdirSync(DIR).filter((f) => f !== 'expected.json' && !f.endsWith('.md'));

  it('every sample has an expectation', () => {
    expect(files.sort()).toEqual(Object.keys(expected).filter((k) => k !== '//').sort());
  });

  for (const file of files) {
    it(file, () => {
      const want = expected[file];
      if (typeof want !== 'object') throw new Error(`no expectation for ${file}`);
      const out = decoder().decode(`wq/demo-01/${want.format}`, fs.readFileSync(path.join(DIR, file)), NOW);
      expect(out.readings).toHaveLength(want.readings);
      expect(out.deadLetters.map((d) => d.reason)).toEqual(want.reasons);
    });
  }
});
