/**
 * Rankings (排名): ascending by a value at its published precision, ties sharing a rank and the next rank
 * skipping ("1, 2, 2, 4" — standard competition ranking, as ranked lists are published). Entries without a value
 * are not ranked. Pure.
 */

export interface Ranked<T> {
  item: T;
  value: number;
  rank: number;
}

/** Ranks by `value` ascending after rounding to `decimals` (the published precision decides ties). */
export function rankAscending<T>(
  items: readonly T[],
  value: (item: T) => number | null,
  decimals: number,
  tieBreak: (a: T, b: T) => number = () => 0,
): Ranked<T>[] {
  const scale = 10 ** decimals;
  const rows = items
    .map((item) => ({ item, raw: value(item) }))
    .filter((r): r is { item: T; raw: number } => r.raw !== null && Number.isFinite(r.raw))
    .map((r) => ({ item: r.item, value: Math.round(r.raw * scale) / scale }))
    .sort((a, b) => a.value - b.value || tieBreak(a.item, b.item));
  let rank = 0;
  return rows.map((r, i) => {
    if (i === 0 || r.value !== rows[i - 1]!.value) rank = i + 1;
    return { ...r, rank };
  });
}
