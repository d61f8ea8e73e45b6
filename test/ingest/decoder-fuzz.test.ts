/** Property-based: random and malformed payloads never crash the decoder, and every outcome matches the oracle. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REJECTION_REASON_CODES } from '../../src/ingest/rejection.js';
import { decoder, NOW } from './helpers.js';
import { buildMessage, messageSpecArb } from './payload-model.js';

const MAX_PAYLOAD = 4096;
const byKey = (a: { parameter: string; ts: number }, b: { parameter: string; ts: number }) => a.ts - b.ts || a.parameter.localeCompare(b.parameter);

describe('decoder fuzz', () => {
  it('10,000 generated messages: valid readings kept, every invalid part a dead letter with the right reason', () => {
    const d = decoder({ maxPayloadBytes: MAX_PAYLOAD });
    let slot = 0;
    fc.assert(
      fc.property(messageSpecArb, (spec) => {
        const message = buildMessage(spec, slot++, NOW, MAX_PAYLOAD);
        const out = d.decode(message.topic, message.payload, NOW);
        expect([...out.readings].sort(byKey)).toEqual([...message.readings].sort(byKey));
        for (const letter of out.deadLetters) {
          expect(REJECTION_REASON_CODES).toContain(letter.reason);
          expect(letter.detail.length).toBeGreaterThan(0);
          expect(letter.topic).toBe(message.topic);
        }
        if (message.reasons) expect(new Set(out.deadLetters.map((l) => l.reason))).toEqual(message.reasons);
        else expect(out.deadLetters.length).toBeGreaterThan(0);
      }),
      { numRuns: 10_000, seed: 20261128 },
    );
  });

  it('arbitrary bytes on arbitrary topics never throw', () => {
    const d = decoder({ maxPayloadBytes: MAX_PAYLOAD });
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 300 }), (topic, bytes) => {
        const out = d.decode(topic, bytes, NOW);
        expect(out.readings.length + out.deadLetters.length).toBeGreaterThan(0);
      }),
      { numRuns: 5_000, seed: 7 },
    );
  });

  it('arbitrary JSON values on both formats never throw', () => {
    const d = decoder({ maxPayloadBytes: MAX_PAYLOAD });
    fc.assert(
      fc.property(fc.constantFrom('wq/demo-01/data', 'wq/demo-01/senml'), fc.jsonValue({ maxDepth: 4 }), (topic, json) => {
        const out = d.decode(topic, Buffer.from(JSON.stringify(json) ?? ''), NOW);
        expect(out.readings.length + out.deadLetters.length).toBeGreaterThan(0);
        for (const letter of out.deadLetters) expect(REJECTION_REASON_CODES).toContain(letter.reason);
      }),
      { numRuns: 5_000, seed: 11 },
    );
  });
});
