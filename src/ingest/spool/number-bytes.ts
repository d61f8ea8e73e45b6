/**
 * Numbers written as ASCII bytes straight into a buffer, as `String(n)` writes them, without making a string: the
 * spool writes a value and a timestamp per reading, and `String(number)` of a fraction (the shortest round-trip
 * digits) was the costliest part of appending a reading (bench:hj212).
 *
 * Fast path for what sensors send — integers, and decimals with at most MAX_FRACTION digits after the point — where
 * the digits are those of an integer; anything else (5e-7, 0.1 + 0.2, 1e21) is left to `String`.
 */

const MAX_FRACTION = 6;
const POWERS = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

/**
 * Writes the digits of the integer `n` (0 ≤ n ≤ 2^53) at `pos`, at least `minDigits` of them (leading zeros),
 * with a '.' before the last `fraction` digits; returns the position after them.
 */
function putDigits(buf: Buffer, pos: number, n: number, minDigits: number, fraction: number): number {
  let digits = 1;
  for (let q = Math.floor(n / 10); q > 0; q = Math.floor(q / 10)) digits++;
  if (digits < minDigits) digits = minDigits;
  const end = pos + digits + (fraction > 0 ? 1 : 0);
  let i = end - 1;
  for (let k = 0; k < digits; k++) {
    if (fraction > 0 && k === fraction) buf[i--] = 46; /* . */
    const q = Math.floor(n / 10);
    buf[i--] = 48 + (n - q * 10);
    n = q;
  }
  return end;
}

/**
 * Writes `v` as `String(v)` would at `pos` (the caller leaves room for 32 bytes); returns the position after it.
 * `v` is finite.
 */
export function putNumber(buf: Buffer, pos: number, v: number): number {
  const negative = v < 0;
  const abs = negative ? -v : v;
  for (let d = 0; d <= MAX_FRACTION; d++) {
    const m = Math.round(abs * POWERS[d]!);
    if (m > Number.MAX_SAFE_INTEGER) break;
    // m / 10^d is the double nearest to the decimal m·10^-d, as parsing that decimal gives: so it is v's text.
    if (m / POWERS[d]! !== abs) continue;
    if (negative) buf[pos++] = 45; /* - */
    return putDigits(buf, pos, m, d + 1, d);
  }
  return pos + buf.write(String(v), pos, 'latin1');
}
