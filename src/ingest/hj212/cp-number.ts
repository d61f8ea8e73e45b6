/**
 * A CP value's number, read in place from the CP text (no string per value: this runs for every value of every
 * packet). Pure. The accepted texts are NUMBER's; the double is exactly `Number(text)`'s.
 */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * At most 15 digits make an integer below 2^53, and 10^0…10^15 are exact doubles: the quotient of two exact
 * doubles is correctly rounded, as Number() is, so both give the same double (Clinger's fast path, 1990).
 */
const EXACT_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: EXACT_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * The number written in `text[from, to)`, NaN when that is not a number (an empty value, `abc`, `NaN`,
 * `Infinity`, ` 1`…: what NUMBER refuses). Plain decimals (`-12.5`, `.5`, `7.`) of up to 15 digits are read from
 * the characters; anything else (exponents, more digits) goes through the slice, NUMBER and Number().
 */
export function numberIn(text: string, from: number, to: number): number {
  let i = from;
  let negative = false;
  if (i < to) {
    const c = text.charCodeAt(i);
    if (c === 0x2d) {
      negative = true;
      i++;
    } else if (c === 0x2b) i++;
  }
  let mantissa = 0;
  let digits = 0;
  let decimals = 0;
  let dot = false;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      if (dot) decimals++;
    } else if (c === 0x2e && !dot) dot = true;
    else break;
  }
  if (i === to && digits > 0 && digits <= EXACT_DIGITS) {
    const value = mantissa / POWERS_OF_TEN[decimals]!;
    return negative ? -value : value;
  }
  const slice = text.slice(from, to);
  return NUMBER.test(slice) ? Number(slice) : NaN;
}
