/**
 * How many valid readings a window needs before it is judged at all (standards.md §6, decision 9): a share of
 * the expected count, by default 75 %. The API's quality/compliance services and the alert rules both use
 * this, so they call the same windows "insufficient data".
 */
export const DEFAULT_MIN_VALID_SHARE = 0.75;

/** Valid readings needed: the share of the expected count, rounded up, and never less than one. */
export function requiredCount(expected: number, share: number): number {
  // The epsilon keeps 0.75 × 4 from becoming 3.0000000004 and demanding a fourth reading.
  return Math.max(1, Math.ceil(expected * share - 1e-9));
}
