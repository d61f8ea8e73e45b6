/**
 * Counter-based randomness: every random number is a hash of (seed, what it is for, which time slot).
 * There is no generator state, so a reading is a pure function of (seed, station, time): a 30-day backfill
 * and the live run that follows it agree, and any instant can be computed on its own, in any order.
 */

/** 32-bit FNV-1a of a string: turns names (station ids, purposes) into hash keys. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser: a cheap mix with full avalanche. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines hash keys and (possibly large, possibly negative) integers into one 32-bit hash. */
export function hashOf(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Split into two 32-bit halves so slot numbers above 2^32 (ms timestamps) still hash fully.
    const lo = part | 0;
    const hi = Math.floor(part / 4294967296) | 0;
    h = fmix(h ^ Math.imul(lo, 0xcc9e2d51));
    h = fmix(h ^ Math.imul(hi + 0x27d4eb2f, 0x1b873593));
  }
  return h;
}

/** A uniform number in [0, 1) determined by the parts. */
export function uniform(...parts: number[]): number {
  return hashOf(...parts) / 4294967296;
}

/** A uniform number in [min, max). */
export function between(min: number, max: number, ...parts: number[]): number {
  return min + (max - min) * uniform(...parts);
}

/** A standard normal number (Box–Muller) determined by the parts. */
export function gaussian(...parts: number[]): number {
  const u1 = Math.max(uniform(...parts, 0x51ed), 1e-12);
  const u2 = uniform(...parts, 0x2f7a);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * Smooth random drift with zero mean and unit variance at the knots: normal values every `periodMs`,
 * joined with a cosine blend. Two octaves give slow wandering with some texture, like a real river.
 */
export function smoothNoise(key: number, t: number, periodMs: number): number {
  const octave = (period: number, salt: number) => {
    const x = t / period;
    const k = Math.floor(x);
    const f = x - k;
    const w = (1 - Math.cos(Math.PI * f)) / 2;
    return gaussian(key, salt, k) * (1 - w) + gaussian(key, salt, k + 1) * w;
  };
  return 0.8 * octave(periodMs, 1) + 0.45 * octave(periodMs / 4, 2);
}
