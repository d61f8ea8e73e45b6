/** docs/hj212.md quotes every sample packet of test/fixtures/hj212 exactly. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../e2e.js';

describe('docs/hj212.md', () => {
  it('shows each text fixture as it is', () => {
    const doc = fs.readFileSync(path.join(REPO, 'docs/hj212.md'), 'utf8');
    const dir = path.join(REPO, 'test/fixtures/hj212');
    const names = fs.readdirSync(dir).filter((n) => n.endsWith('.txt'));
    expect(names.length).toBeGreaterThan(8);
    for (const name of names) {
      const text = fs.readFileSync(path.join(dir, name), 'utf8').replace(/\r\n$/, '');
      expect(doc, name).toContain(text);
    }
  });
});
