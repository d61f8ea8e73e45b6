/**
 * A memo for names that repeat in every message (parameter spellings, topics), bounded by the bytes of its keys.
 * It admits only keys of at most `maxKeyLength` characters and, once `maxBytes` is reached, admits nothing more.
 * No eviction: under a stream of names a station invents, evicting would thrash and let the station push out
 * everyone else's names; what is not remembered is still answered, only computed again (issue 12, items 2 and 6).
 */
export interface BoundedMemo<V> {
  get(key: string): V | undefined;
  /** Remembers `value` for `key` when the key is short enough and there is room. */
  remember(key: string, value: V): void;
  readonly size: number;
  /** What the keys cost: two bytes per UTF-16 unit plus an estimate of the entry's own overhead. */
  readonly bytes: number;
}

/** A Map entry's bookkeeping beyond its key (hash table slot, boxed value): an estimate, to count many short keys. */
const ENTRY_OVERHEAD_BYTES = 64;

export function createBoundedMemo<V>(options: { maxBytes: number; maxKeyLength: number }): BoundedMemo<V> {
  const map = new Map<string, V>();
  let bytes = 0;
  return {
    get: (key) => map.get(key),
    remember(key, value) {
      if (key.length > options.maxKeyLength || map.has(key)) return;
      const cost = 2 * key.length + ENTRY_OVERHEAD_BYTES;
      if (bytes + cost > options.maxBytes) return;
      map.set(key, value);
      bytes += cost;
    },
    get size() {
      return map.size;
    },
    get bytes() {
      return bytes;
    },
  };
}
