/**
 * Re-judgment of touched windows (issue 14, docs/adr/0013-rejudgment.md), run by the `alert-windows` job after the
 * due windows: read the touches the reading store recorded since the last run (late readings, marks), make every
 * window rule's windows that overlap them due again — those that ended within ALERT_REJUDGE_HORIZON; older ones are
 * counted and reported — and judge them again, oldest first per (station, rule).
 *
 * Crash-safe: the cursor moves (with the report of what each touch led to) only after every window was judged; a
 * crash before re-reads the same touches, and re-judging a window whose verdict does not change is a no-op.
 */
import type { AlertService } from '../alerts/alert-service.js';
import type { AlertStore, TouchReport } from '../alerts/alert-store.js';
import type { RuleId } from '../alerts/types.js';
import type { TouchCause } from '../alerts/window-touches.js';
import { bucketsBetween, nextBucketStart, type TimeWindow } from '../domain/time-window.js';
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
  service: Pick<AlertService, 'rulesFor' | 'rejudgeWindow'>;
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
      for (const start of bucketsBetween(t.from, t.to, window, o.timeZone)) {
        const end = nextBucketStart(start, window, o.timeZone);
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

  const queue = [...due.values()];
  let next = 0;
  const worker = async () => {
    while (next < queue.length && !ctx.signal.aborted) {
      const d = queue[next++]!;
      for (const w of [...d.windows.values()].sort((a, b) => a.start - b.start)) {
        try {
          const result = await o.service.rejudgeWindow({ stationId: d.stationId, rule: d.rule, ...w });
          if (result.status === 'unchanged' || result.status === 'changed') tally.windows += 1;
          if (result.status === 'changed') tally.changed += 1;
          if (result.decision === 'open') tally.opened += 1;
          if (result.alert?.state === 'resolved' && result.decision !== 'record') tally.resolved += 1;
        } catch (err) {
          tally.failed += 1;
          o.errors.push(`re-judging ${d.stationId}/${d.rule}: ${(err as Error).message}`);
          ctx.log.error(
            { err, stationId: d.stationId, rule: d.rule, start: new Date(w.start).toISOString() },
            're-judging a touched window failed; its touches are read again next run',
          );
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, queue.length) }, worker));
  // Consumed only when every window was judged: otherwise the next run reads the same touches again.
  if (tally.failed === 0 && !ctx.signal.aborted) await o.store.consumeTouches(SOURCE, until, reports);
  return tally;
}
