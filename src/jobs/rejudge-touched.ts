/**
 * Re-judgment of touched windows (issue 14, docs/adr/0013-rejudgment.md), run by the `alert-windows` job after the
 * due windows: read the touches the reading store recorded since the last run (late readings, marks), make every
 * window rule's windows that overlap them due again — those that ended within ALERT_REJUDGE_HORIZON; older ones are
 * counted and reported — and judge them again, oldest first per (station, rule).
 *
 * Crash-safe: the cursor moves (with the report of what each touch led to) only when every window was judged, in
 * the transaction of their verdicts; a crash before re-reads the same touches, and re-judging a window whose verdict
 * does not change is a no-op.
 */
import type { AlertService } from '../alerts/alert-service.js';
import type { AlertStore, TouchReport } from '../alerts/alert-store.js';
import type { RuleId } from '../alerts/types.js';
import type { TouchCause } from '../alerts/window-touches.js';
import { bucketsBetween, nextBucketStart, zone, type TimeWindow } from '../domain/time-window.js';
import type { ReadingStore } from '../store/reading-store.js';
import type { JobContext } from './job.js';
import { ruleKind } from './window-plan.js';

/** The touches' source in the cursor table: the reading store's `touched` records. */
const SOURCE = 'readings';
/**
 * Touches are read up to this long before now: a touch is timed when its writer records it (another process, maybe
 * another clock), and its write may still be in flight.
 */
export const TOUCH_SETTLE_MS = 60_000;

/** When one window is touched for several reasons, the record names the most deliberate. */
const CAUSE_RANK: Record<TouchCause, number> = { late_data: 0, flag_correction: 1, mark: 2 };

export interface RejudgeTally {
  touches: number;
  /** Windows judged again. */
  windows: number;
  changed: number;
  opened: number;
  resolved: number;
  beyond_horizon: number;
  failed: number;
}

export interface RejudgeOptions {
  readings: Pick<ReadingStore, 'touches'>;
  store: Pick<AlertStore, 'touchCursor' | 'consumeTouches'>;
  service: Pick<AlertService, 'rulesFor' | 'rejudgeWindows' | 'spanReadings'>;
  horizonMs: number;
  /** The window (station, rule) is judged on, as the due-window plan uses it. */
  windowOf(stationId: string, rule: RuleId): TimeWindow | undefined;
  timeZone: string;
  concurrency: number;
  ctx: JobContext;
  /** Failures are added here (the job's error message names them). */
  errors: string[];
}

interface Due {
  stationId: string;
  rule: RuleId;
  windows: Map<number, { start: number; end: number; cause: TouchCause }>;
}

export async function rejudgeTouched(o: RejudgeOptions): Promise<RejudgeTally> {
  const tally: RejudgeTally = {
    touches: 0,
    windows: 0,
    changed: 0,
    opened: 0,
    resolved: 0,
    beyond_horizon: 0,
    failed: 0,
  };
  if (!o.readings.touches) return tally;
  const { ctx } = o;
  const until = ctx.now - TOUCH_SETTLE_MS;
  // The first run starts at the horizon: what was touched before is beyond it anyway.
  const after = (await o.store.touchCursor(SOURCE)) ?? ctx.now - o.horizonMs;
  if (!(until > after)) return tally;
  const touches = await o.readings.touches({ after, until });
  tally.touches = touches.length;
  const horizon = ctx.now - o.horizonMs;
  const tz = zone(o.timeZone); // once: building a zone's formatter costs more than a window

  const due = new Map<string, Due>();
  const reports: TouchReport[] = touches.map((t) => {
    const report: TouchReport = {
      recordedAt: t.recordedAt,
      stationId: t.stationId,
      from: t.from,
      to: t.to,
      cause: t.cause,
      windows: 0,
      beyondHorizon: 0,
      consumedAt: ctx.now,
    };
    let rules: RuleId[];
    try {
      rules = o.service.rulesFor(t.stationId).filter((r) => ruleKind(r) === 'window');
    } catch {
      return report; // a station no longer in the catalog: nothing to judge
    }
    for (const rule of rules) {
      const window = o.windowOf(t.stationId, rule);
      if (!window) continue;
      // Consecutive buckets: each ends where the next starts (the zone's boundaries are computed once each).
      const starts = bucketsBetween(t.from, t.to, window, tz);
      for (let i = 0; i < starts.length; i++) {
        const start = starts[i]!;
        const end = starts[i + 1] ?? nextBucketStart(start, window, tz);
        if (end > ctx.now) break; // not complete: the scheduled run judges it
        if (end < horizon) {
          report.beyondHorizon += 1;
          continue;
        }
        report.windows += 1;
        const key = `${t.stationId}\u0000${rule}`;
        let d = due.get(key);
        if (!d) due.set(key, (d = { stationId: t.stationId, rule, windows: new Map() }));
        const seen = d.windows.get(start);
        if (!seen || CAUSE_RANK[t.cause] > CAUSE_RANK[seen.cause]) d.windows.set(start, { start, end, cause: t.cause });
      }
    }
    tally.beyond_horizon += report.beyondHorizon;
    return report;
  });
  if (tally.beyond_horizon > 0) {
    ctx.log.warn(
      { windows: tally.beyond_horizon, horizonMs: o.horizonMs },
      'touched windows older than ALERT_REJUDGE_HORIZON are recorded, not re-judged',
    );
  }

  // One read of the stations' data for the span of their touched windows (those sharing a span in one request),
  // every rule's windows judged from it (span-readings.ts): not one store request per window.
  const byStation = new Map<string, Due[]>();
  for (const d of due.values()) byStation.set(d.stationId, [...(byStation.get(d.stationId) ?? []), d]);
  const queue = [...byStation.entries()];
  const readingsOf = o.service.spanReadings(
    queue.map(([stationId, pairs]) => {
      let from = Infinity;
      let to = -Infinity;
      for (const d of pairs)
        for (const w of d.windows.values()) {
          from = Math.min(from, w.start);
          to = Math.max(to, w.end);
        }
      return { stationId, from, to };
    }),
  );
  const pairs = queue.flatMap(([stationId, ofStation]) => {
    const readings = readingsOf(stationId);
    return ofStation.map((d) => ({
      stationId,
      rule: d.rule,
      windows: [...d.windows.values()].sort((a, b) => a.start - b.start),
      readings,
    }));
  });
  let answers: Awaited<ReturnType<AlertService['rejudgeWindows']>>;
  // The touches are consumed in the verdicts' transaction when every window was judged (one commit, not two).
  let consumed = false;
  const consume = async (tx: Pick<AlertStore, 'consumeTouches'>) => {
    if (ctx.signal.aborted) return;
    await tx.consumeTouches(SOURCE, until, reports);
    consumed = true;
  };
  try {
    answers = ctx.signal.aborted ? [] : await o.service.rejudgeWindows(pairs, o.concurrency, consume);
  } catch (err) {
    // Applying the effects failed (the alert database): nothing was applied, every touch is read again.
    answers = pairs.map(() => ({ results: [], failure: err as Error }));
  }
  answers.forEach((answer, i) => {
    const pair = pairs[i]!;
    for (const result of answer.results) {
      if (result.status === 'unchanged' || result.status === 'changed') tally.windows += 1;
      if (result.status === 'changed') tally.changed += 1;
      if (result.decision === 'open') tally.opened += 1;
      if (result.alert?.state === 'resolved' && result.decision !== 'record') tally.resolved += 1;
    }
    const err = answer.failure;
    if (!err) return;
    tally.failed += 1;
    o.errors.push(`re-judging ${pair.stationId}/${pair.rule}: ${err.message}`);
    const at = pair.windows[answer.results.length] ?? pair.windows[0]!;
    ctx.log.error(
      { err, stationId: pair.stationId, rule: pair.rule, start: new Date(at.start).toISOString() },
      're-judging a touched window failed; its touches are read again next run',
    );
  });
  // Consumed only when every window was judged: otherwise the next run reads the same touches again. Here when
  // there was no batch to join (nothing to apply).
  if (tally.failed === 0 && !ctx.signal.aborted && !consumed) await o.store.consumeTouches(SOURCE, until, reports);
  return tally;
}
