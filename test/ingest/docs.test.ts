/** docs/mqtt.md is the contract integrators read: keep its tables true to the code. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARAMETERS } from '../../src/domain/parameters.js';
import { REJECTION_REASONS, REJECTION_REASON_CODES } from '../../src/ingest/rejection.js';

/** The doc with its table cells trimmed: Prettier pads columns to align them. */
const doc = fs
  .readFileSync(path.resolve(import.meta.dirname, '../../docs/mqtt.md'), 'utf8')
  .split('\n')
  .map((line) =>
    line.startsWith('|')
      ? line
          .split('|')
          .map((cell) => cell.trim())
          .join(' | ')
          .trim()
      : line,
  )
  .join('\n');

describe('docs/mqtt.md', () => {
  it('lists every parameter with its HJ 212 codes, canonical unit, possible and usual range', () => {
    const n = (x: number) => (Math.abs(x) >= 1e6 ? x.toExponential().replace('e+', 'e') : String(x));
    const range = (r: { min: number; max: number } | undefined) => (r ? `${n(r.min)} … ${n(r.max)}` : '—');
    for (const p of PARAMETERS) {
      const hj212 = p.hj212.map((c) => `\`${c}\``).join(', ') || '—';
      const row = `| \`${p.code}\` | ${p.nameZh} | ${p.nameEn} | ${hj212} | ${p.unit || '(none)'} | ${range(p.possible)} | ${range(p.usual)} |`;
      expect(doc, p.code).toContain(row);
    }
  });

  it('explains every dead-letter reason, with its Chinese label', () => {
    for (const code of REJECTION_REASON_CODES) expect(doc).toContain(`| \`${code}\` | ${REJECTION_REASONS[code].zh} |`);
  });

  it('links only sample payloads that exist', () => {
    for (const [, file] of doc.matchAll(/\(\.\.\/test\/fixtures\/payloads\/([^)]+)\)/g)) {
      expect(fs.existsSync(path.resolve(import.meta.dirname, '../fixtures/payloads', file!)), file).toBe(true);
    }
  });
});
