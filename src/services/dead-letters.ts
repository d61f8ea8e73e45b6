/**
 * Rejected messages, newest first, a page at a time. The store answers "the newest N before `to`"; the cursor
 * is the receivedAt of the page's last letter plus how many letters with that same millisecond were already
 * returned, so letters sharing a millisecond are neither lost nor repeated across pages.
 */
import type { DeadLetter } from '../domain/reading.js';
import type { ReadingStore } from '../store/reading-store.js';
import { DEAD_LETTER_PAGE_MAX } from '../store/limits.js';

export interface DeadLetterCursor {
  /** receivedAt of the last letter returned. */
  at: number;
  /** Letters with that receivedAt already returned. */
  seen: number;
}

export interface DeadLetterPageQuery {
  stationId?: string | undefined;
  from: number;
  to: number;
  limit: number;
  cursor?: DeadLetterCursor | undefined;
}

export interface DeadLetterPage {
  items: DeadLetter[];
  next: DeadLetterCursor | null;
}

export async function deadLetterPage(deps: { store: ReadingStore }, q: DeadLetterPageQuery): Promise<DeadLetterPage> {
  const skip = q.cursor?.seen ?? 0;
  const to = q.cursor ? Math.min(q.to, q.cursor.at + 1) : q.to;
  // One more than the page, to know whether another follows; the store caps a request at DEAD_LETTER_PAGE_MAX.
  const fetch = Math.min(DEAD_LETTER_PAGE_MAX, skip + q.limit + 1);
  const rows = await deps.store.deadLetters({
    ...(q.stationId !== undefined ? { stationId: q.stationId } : {}),
    from: q.from,
    to,
    limit: fetch,
  });
  const fresh = rows.slice(skip);
  const items = fresh.slice(0, q.limit);
  const last = items[items.length - 1];
  if (!last || fresh.length <= q.limit) return { items, next: null };
  // Letters of the page sharing the last one's millisecond, plus those of earlier pages when it is the same one.
  let seen = 0;
  for (let i = items.length - 1; i >= 0 && items[i]!.receivedAt === last.receivedAt; i--) seen++;
  if (q.cursor && q.cursor.at === last.receivedAt) seen += skip;
  return { items, next: { at: last.receivedAt, seen } };
}
