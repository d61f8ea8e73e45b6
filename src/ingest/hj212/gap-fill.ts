/**
 * Gap fill (issue 13 §5): when a logger reconnects after an outage, ask it for the hourly records it holds for the
 * missing hours (2061 with BeginTime/EndTime, HJ 212-2017 Table 9), so an outage leaves no permanent hole. Its
 * answers come back as 2061 uploads, which are stored as late data. Pure apart from the clock passed in.
 */
const HOUR = 3_600_000;

export interface GapFillOptions {
  /** A silence longer than this is an outage worth asking about (default 2 h: one missed hourly record or more). */
  minGapMs?: number;
  /** At most this many hours are asked for in one request (a logger keeps months; we ask for a week). */
  maxHours?: number;
  /** An unanswered request is forgotten after this long. */
  requestTtlMs?: number;
}

export interface GapRequest {
  /** First and last missing hour starts, epoch ms. */
  begin: number;
  end: number;
  qn: string;
  sentAt: number;
}

/**
 * The hours to ask for, or undefined when there is no gap: from the hour after `lastRecord` to the last complete
 * hour before `now` (that hour's own record may not have been sent yet, so it is asked for too, harmlessly).
 */
export function missingHours(
  lastRecord: number | undefined,
  now: number,
  options: GapFillOptions = {},
): { begin: number; end: number } | undefined {
  if (lastRecord === undefined) return undefined;
  const minGap = options.minGapMs ?? 2 * HOUR;
  const maxHours = options.maxHours ?? 7 * 24;
  if (now - lastRecord <= minGap) return undefined;
  // Hour boundaries are the same instants in every zone whose offset is whole hours (all of China's).
  const end = Math.floor(now / HOUR) * HOUR - HOUR;
  let begin = Math.floor(lastRecord / HOUR) * HOUR + HOUR;
  if (end < begin) return undefined;
  if ((end - begin) / HOUR + 1 > maxHours) begin = end - (maxHours - 1) * HOUR;
  return { begin, end };
}

/** Per MN: the last hourly record seen, and the requests sent and not yet answered. */
export interface GapFillTracker {
  lastRecord(mn: string): number | undefined;
  recorded(mn: string, ts: number): void;
  requested(mn: string, request: GapRequest): void;
  /** True when an hourly record at `ts` answers a pending request of this MN (late data). */
  answers(mn: string, ts: number, now: number): boolean;
}

export function createGapFillTracker(options: GapFillOptions = {}): GapFillTracker {
  const ttl = options.requestTtlMs ?? 2 * HOUR;
  const last = new Map<string, number>();
  const pending = new Map<string, GapRequest[]>();
  return {
    lastRecord: (mn) => last.get(mn),
    recorded(mn, ts) {
      const before = last.get(mn);
      if (before === undefined || ts > before) last.set(mn, ts);
    },
    requested(mn, request) {
      const list = (pending.get(mn) ?? []).filter((r) => r.sentAt + ttl > request.sentAt);
      list.push(request);
      pending.set(mn, list);
    },
    answers(mn, ts, now) {
      const list = pending.get(mn);
      if (!list) return false;
      return list.some((r) => r.sentAt + ttl > now && ts >= r.begin && ts <= r.end);
    },
  };
}
