/**
 * Readings that no store can hold (NaN, an empty station id, a fractional timestamp…) are a programming
 * error upstream. Both adapters refuse the whole batch with a non-retryable StoreError before writing
 * anything, so a bad reading is never half-stored and never retried forever.
 */
import { isDataFlag } from '../domain/flags.js';
import { isParameterCode } from '../domain/parameters.js';
import type { DeadLetter, Reading } from '../domain/reading.js';
import { StoreError } from './store-error.js';

// Control characters cannot be stored as InfluxDB tag values (line protocol has no escape for them).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function problem(reading: Reading): string | undefined {
  if (typeof reading.stationId !== 'string' || reading.stationId === '' || CONTROL.test(reading.stationId))
    return 'stationId must be a non-empty string without control characters';
  if (!isParameterCode(reading.parameter)) return `unknown parameter ${JSON.stringify(reading.parameter)}`;
  if (!Number.isSafeInteger(reading.ts)) return 'ts must be an integer number of epoch milliseconds';
  if (typeof reading.value !== 'number' || !Number.isFinite(reading.value)) return 'value must be a finite number';
  if (!isDataFlag(reading.flag)) return `unknown flag ${JSON.stringify(reading.flag)}`;
  return undefined;
}

export function checkReadings(readings: readonly Reading[]): void {
  for (let i = 0; i < readings.length; i++) checkReading(readings[i]!, i);
}

/** `checkReadings` for the reading at `index` of a batch. */
export function checkReading(reading: Reading, index: number): void {
  const why = problem(reading);
  if (why) throw new StoreError(`reading ${index} cannot be stored: ${why}`, { retryable: false });
}

export function checkDeadLetters(letters: readonly DeadLetter[]): void {
  letters.forEach((letter, i) => {
    if (!Number.isFinite(letter.receivedAt) || letter.receivedAt < 0) {
      throw new StoreError(`dead letter ${i} cannot be stored: receivedAt must be epoch milliseconds`, {
        retryable: false,
      });
    }
  });
}
