/**
 * Hostile payloads from issue 12 (items 2, 6, 10), built the same way for the decoder tests, the end-to-end test
 * through mosquitto and the ingester, and the benchmark figures in the report.
 */

/** `count` distinct spellings of NH3-N that all fold to `nh3n` (case and separators vary). */
export function nh3nSpellings(count: number): string[] {
  const out: string[] = [];
  const seps = ['', '-', '_', ' ', '--', '-_', '_ '];
  for (let i = 0; out.length < count; i++) {
    const [a, b, c] = [i % 7, Math.floor(i / 7) % 7, Math.floor(i / 49) % 7];
    const caseBits = Math.floor(i / 343) % 16;
    const letters = ['n', 'h', '3', 'n'].map((ch, k) => ((caseBits >> k) & 1 ? ch.toUpperCase() : ch));
    const spelling = `${letters[0]}${seps[a]}${letters[1]}${seps[b]}${letters[2]}${seps[c]}${letters[3]}`;
    if (i >= 343 * 16) throw new Error('not enough spellings');
    if (!out.includes(spelling)) out.push(spelling);
  }
  return out;
}

/**
 * Item 2: ~2,500 spellings of one parameter in `values` and 5,000 keys in `flags` (≈ 216 KB): every value's flag
 * lookup used to walk every flag key, while the spelling cache kept clearing.
 */
export function spellingFlood(ts: string, spellings = 2500, flagKeys = 5000): string {
  const values: Record<string, number> = { ph: 7.2 };
  for (const s of nh3nSpellings(spellings)) values[s] = 0.5;
  const flags: Record<string, string> = {};
  for (let i = 0; i < flagKeys; i++) flags[`flag-key-${i.toString(36).padStart(6, '0')}-x`] = 'N';
  return JSON.stringify({ ts, values, flags });
}

/** Item 6: one unknown key of `bytes` characters (unique per `seed`) beside a valid reading. */
export function hugeUnknownKey(ts: string, bytes: number, seed: number): string {
  const key = `${seed.toString(36)}-${'k'.repeat(bytes)}`;
  return JSON.stringify({ ts, values: { ph: 7.2, [key]: 1 } });
}

/** Item 10: a value nested `depth` levels deep beside valid readings. */
export function deeplyNested(ts: string, depth = 50_000): string {
  return `{"ts":"${ts}","values":{"ph":7.3,"nh3n":${'['.repeat(depth)}${']'.repeat(depth)},"do":8.1}}`;
}
