/** docs/mqtt.md is the contract integrators read: keep its tables true to the code. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARAMETERS } from '../../src/domain/parameters.js';
import { REJECTION_REASONS, REJECTION_REASON_CODES } from '../../src/ingest/rejection.js';

const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/mqtt.md'), 'utf8');

describe('docs/mqtt.md', () => {
  it('lists every parameter with its HJ 212 codes, canonical unit and plausible range', () => {
    for (const p of PARAMETERS) {
      const hj212 = p.hj212.map((c) => `\`${c}\``).join(', ') || '—';
      const row = `| \`${p.code}\` | ${p.nameZh} | ${p.nameEn} | ${hj212} | ${p.unit || '(none)'} | ${p.range.min} … ${p.range.max} |`;
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
