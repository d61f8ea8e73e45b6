/**
 * Durations written the way people write them in catalogs and configuration: `30m`, `4h`, `1d`, `1h30m`.
 * Parsed into milliseconds. Months and years are refused: they have no fixed length, so a "1mo" window
 * is a calendar matter (see the time-window module), not a duration.
 */
import { z } from 'zod';

/** Milliseconds per unit, longest first (the order `formatDuration` uses). */
export const DURATION_UNITS = {
  w: 7 * 24 * 3_600_000,
  d: 24 * 3_600_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
} as const;

export type DurationUnit = keyof typeof DURATION_UNITS;

export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

const PART = /(\d+(?:\.\d+)?)\s*(ms|[wdhms])/y;
const HINT = 'write a number and a unit (ms, s, m, h, d, w), e.g. "30m", "4h", "1d" or "1h30m"';

/** Parses `4h`, `30m`, `1.5h`, `1h 30m` into milliseconds. Throws DurationError with a readable reason. */
export function parseDuration(text: string): number {
  const input = text.trim();
  if (input === '') throw new DurationError(`empty duration: ${HINT}`);
  if (/^[+-]?\d+(\.\d+)?$/.test(input)) throw new DurationError(`"${text}" has no unit: ${HINT}`);
  if (/^\d+(\.\d+)?\s*(mo|mon|month|months|y|yr|year|years|M|Y)$/.test(input)) {
    throw new DurationError(`"${text}": months and years have no fixed length and are not durations; ${HINT}`);
  }
  let total = 0;
  let pos = 0;
  const seen = new Set<string>();
  while (pos < input.length) {
    PART.lastIndex = pos;
    const match = PART.exec(input);
    if (!match) throw new DurationError(`"${text}" is not a duration: ${HINT}`);
    const amount = Number(match[1]);
    const unit = match[2] as DurationUnit;
    if (seen.has(unit)) throw new DurationError(`"${text}" gives the unit "${unit}" twice`);
    seen.add(unit);
    total += amount * DURATION_UNITS[unit];
    pos = PART.lastIndex;
    while (input[pos] === ' ') pos += 1;
  }
  // Fractions are fine ("1.5h") as long as they land on whole milliseconds.
  const rounded = Math.round(total);
  if (Math.abs(rounded - total) > 1e-6) throw new DurationError(`"${text}" is not a whole number of milliseconds`);
  if (!Number.isSafeInteger(rounded)) throw new DurationError(`"${text}" is too long`);
  return rounded;
}

/** Like parseDuration, but returns undefined instead of throwing. */
export function tryParseDuration(text: string): number | undefined {
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

/** Formats milliseconds in the same notation, largest units first: 5_400_000 → "1h30m", 0 → "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new DurationError(`cannot format ${ms} ms as a duration`);
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of Object.entries(DURATION_UNITS) as [DurationUnit, number][]) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

/** A zod schema for a duration string; its output is milliseconds. Zero and negative durations are refused. */
export const durationSchema = z.string({ error: `expected a duration string: ${HINT}` }).transform((text, ctx) => {
  try {
    const ms = parseDuration(text);
    if (ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `"${text}" must be longer than zero` });
      return z.NEVER;
    }
    return ms;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
    return z.NEVER;
  }
});
