/** Minimal `Accept` parsing (RFC 9110 §12.5.1): enough to choose between JSON and CSV. */

export interface MediaRange {
  type: string;
  q: number;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.trim().split(';');
      const qParam = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      return { type: type.trim().toLowerCase(), q: Number.isFinite(q) ? q : 0 };
    })
    .filter((r) => r.type !== '');
}

/** The q-value the header gives `mediaType`, by the most specific matching range (0 when none matches). */
export function qualityOf(ranges: MediaRange[], mediaType: string): number {
  const [type] = mediaType.split('/');
  const exact = ranges.find((r) => r.type === mediaType);
  if (exact) return exact.q;
  const partial = ranges.find((r) => r.type === `${type}/*`);
  if (partial) return partial.q;
  return ranges.find((r) => r.type === '*/*')?.q ?? 0;
}
