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

const scratch = new Uint8Array(32);

/**
 * Writes the digits of the integer `n` (0 ≤ n ≤ 2^53) at `pos`, at least `minDigits` of them (leading zeros),
 * with a '.' before the last `fraction` digits; returns the position after them. Right to left into `scratch`, in
 * int32 arithmetic once what is left fits (a timestamp's top digits need doubles).
 */
function putDigits(buf: Buffer, pos: number, n: number, minDigits: number, fraction: number): number {
  let i = scratch.length;
  for (let digits = 0; digits === 0 || n > 0 || digits < minDigits; digits++) {
    if (fraction > 0 && digits === fraction) scratch[--i] = 46; /* . */
    let q: number;
    if (n > 0x7fffffff) q = Math.floor(n / 10);
    else q = ((n | 0) / 10) | 0;
    scratch[--i] = 48 + (n - q * 10);
    n = q;
  }
  for (; i < scratch.length; i++) buf[pos++] = scratch[i]!;
  return pos;
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
