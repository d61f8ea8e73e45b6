/**
 * `include=original` on the data routes (issue 14, ADR 0014): answer by the flags the devices sent, data marks
 * ignored, by reading through the inner, unmarked store. One query field, one store choice and one way of saying
 * which flags an answer used, shared by series, quality and compliance (and their CSV exports).
 */
import { z } from '@hono/zod-openapi';
import { originalReadings } from '../../marks/marked-reading-store.js';
import type { ReadingStore } from '../../store/reading-store.js';

const VALID = 'valid: readings whose effective flag is N or T (default; approved data marks apply)';
const ORIGINAL = 'original: valid by the flags the devices sent, data marks ignored';

/** `include` on the series: valid (default), all, or original. */
export const seriesIncludeField = z
  .enum(['valid', 'all', 'original'])
  .default('valid')
  .openapi({
    description: `${VALID}; all: every reading; ${ORIGINAL} (window=raw: each reading also shows original_flag and mark_id)`,
  });

/** `include` where readings are judged (quality, compliance): only valid readings count, so valid or original. */
export const judgedIncludeField = z
  .enum(['valid', 'original'])
  .default('valid')
  .openapi({ description: `${VALID}; ${ORIGINAL}` });

export type Include = z.infer<typeof seriesIncludeField>;
export type FlagsUsed = 'effective' | 'original';

/** The store a data route reads through: the inner, unmarked one with include=original. */
export function readingsFor(store: ReadingStore, include: Include): ReadingStore {
  return include === 'original' ? originalReadings(store) : store;
}

export function flagsUsed(include: Include): FlagsUsed {
  return include === 'original' ? 'original' : 'effective';
}

/** The answer's `flags` field (JSON). */
export const FlagsUsedField = z.enum(['effective', 'original']).openapi({
  description:
    'Which flags the answer was computed on: effective (approved data marks applied) or original (as the devices sent them, include=original)',
});

/** The same fact as a response header, so a CSV export states it too. */
export const FLAGS_HEADER = 'Qingliu-Flags';

export function flagsHeader(include: Include): Record<string, string> {
  return { [FLAGS_HEADER]: flagsUsed(include) };
}

/** OpenAPI: the header on a 200 answer. */
export const flagsResponseHeaders = z.object({
  [FLAGS_HEADER]: FlagsUsedField,
});
