/**
 * The alert evaluation jobs: for every station and every rule that applies to it (`service.rulesFor`), judge
 * the windows that are due (window-plan.ts), oldest first, through `service.evaluateWindow` — which records each
 * window as processed in the same transaction as its effect, so a window is never judged twice: catch-up after
 * downtime and a manual run during a scheduled one open no duplicate alerts.
 *
 * Two jobs share this module: `alert-windows` (compliance windows, with catch-up) and `alert-instant` (early
 * warning, offline and sensor health, on a short cadence). One station failing (its readings cannot be read)
 * does not stop the others; the run then ends as a PartialFailure naming how many failed.
 */
import type { AlertCatalog } from '../alerts/alert-catalog.js';
import type { AlertService } from '../alerts/alert-service.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { ReadingStore } from '../store/reading-store.js';
import { rejudgeTouched, type RejudgeTally } from './rejudge-touched.js';
import { settingsForStation, type AlertSettings } from '../alerts/settings.js';
import type { RuleId } from '../alerts/types.js';
import { TimeWindowError, type TimeWindow } from '../domain/time-window.js';
import { PartialFailure, type Job, type JobContext, type JobSummary, type StartPolicy } from './job.js';
import { dueWindows, ruleKind, ruleWindow, windowOfDuration, type RuleKind, type Window } from './window-plan.js';

export interface WindowEvaluationOptions {
  name: string;
  title: { zh: string; en: string };
  schedule: string;
  kind: RuleKind;
  service: Pick<AlertService, 'rulesFor' | 'evaluateWindow' | 'lastProcessedEnd' | 'rejudgeWindows' | 'spanReadings'>;
  catalog: Pick<AlertCatalog, 'stations'>;
  settings: AlertSettings;
  timeZone: string;
  /** ALERT_EVAL_DELAY. */
  delayMs: number;
  /** ALERT_CATCHUP_MAX (window rules only). */
  maxCatchUpMs: number;
  /** ALERT_INSTANT_WINDOW. */
  instantWindow: TimeWindow;
  /** (station, rule) pairs evaluated at once; windows of one pair are always judged in order. */
  concurrency?: number;
  /**
   * Window rules: after the due windows, judge again the windows whose data changed since (ADR 0013), read from
   * the touches the reading store recorded. Absent: no re-judgment (a store that records no touches).
   */
  rejudge?: {
    readings: Pick<ReadingStore, 'touches'>;
    store: Pick<AlertStore, 'touchCursor' | 'consumeTouches'>;
    /** ALERT_REJUDGE_HORIZON: windows that ended longer ago are reported, not re-judged. */
    horizonMs: number;
  };
  onStart?: StartPolicy;
}

interface Pair {
  stationId: string;
  rule: RuleId;
  window: TimeWindow;
}

/** A window judged this much later than it was due was caught up after downtime: its alert says it was found late. */
const CATCH_UP_SLACK_MS = 30 * 60_000;

interface Tally {
  pairs: number;
  windows: number;
  processed: number;
  already_processed: number;
  not_applicable: number;
  violations: number;
  insufficient: number;
  opened: number;
  resolved: number;
  skipped_old: number;
  failed: number;
}

export function createWindowEvaluationJob(options: WindowEvaluationOptions): Job {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const defaultWindow = windowOfDuration(options.settings.sectionWindow);

  function pairsFor(ctx: JobContext, tally: Tally, errors: string[]): Pair[] {
    const pairs: Pair[] = [];
    for (const station of options.catalog.stations()) {
      let rules: RuleId[];
      try {
        rules = options.service.rulesFor(station.id).filter((r) => ruleKind(r) === options.kind);
      } catch (err) {
        tally.failed += 1;
        errors.push(`${station.id}: ${(err as Error).message}`);
        continue;
      }
      const settings = settingsForStation(options.settings, station.alerts);
      for (const rule of rules) {
        let window: TimeWindow;
        try {
          window = ruleWindow(rule, settings, options.instantWindow);
        } catch (err) {
          if (!(err instanceof TimeWindowError)) throw err;
          // A catalog window that does not divide a day cannot be aligned to local time: use the default.
          ctx.log.warn(
            { stationId: station.id, rule, window: settings.sectionWindow, err: err.message },
            'station alert window cannot be aligned to local time; using the default window',
          );
          window = defaultWindow;
        }
        pairs.push({ stationId: station.id, rule, window });
      }
    }
    return pairs;
  }

  async function evaluatePair(ctx: JobContext, pair: Pair, tally: Tally, errors: string[]): Promise<void> {
    const plan = dueWindows({
      window: pair.window,
      timeZone: options.timeZone,
      lastEnd: await options.service.lastProcessedEnd(pair.rule, pair.stationId),
      now: ctx.now,
      delayMs: options.delayMs,
      maxCatchUpMs: options.maxCatchUpMs,
      catchUp: options.kind === 'window',
    });
    if (plan.skipped > 0) {
      tally.skipped_old += plan.skipped;
      ctx.log.warn(
        { stationId: pair.stationId, rule: pair.rule, skipped: plan.skipped, maxCatchUpMs: options.maxCatchUpMs },
        'windows older than ALERT_CATCHUP_MAX are not caught up',
      );
    }
    for (const w of plan.windows) {
      if (ctx.signal.aborted) return;
      if (!(await evaluateOne(ctx, pair, w, tally, errors))) return;
    }
  }

  /** Judges one window; false stops this pair (its later windows wait for the next run, to stay in order). */
  async function evaluateOne(ctx: JobContext, pair: Pair, w: Window, tally: Tally, errors: string[]) {
    tally.windows += 1;
    try {
      const late = ctx.now - w.end > options.delayMs + CATCH_UP_SLACK_MS;
      const result = await options.service.evaluateWindow({
        stationId: pair.stationId,
        rule: pair.rule,
        ...w,
        ...(late ? { detection: 'catch_up' as const } : {}),
      });
      tally[result.status] += 1;
      if (result.outcome?.kind === 'violation') tally.violations += 1;
      if (result.outcome?.kind === 'insufficient') tally.insufficient += 1;
      if (result.decision === 'open') tally.opened += 1;
      if (result.decision === 'resolve') tally.resolved += 1;
      return true;
    } catch (err) {
      tally.failed += 1;
      const message = (err as Error).message;
      errors.push(`${pair.stationId}/${pair.rule}: ${message}`);
      ctx.log.error(
        { err, stationId: pair.stationId, rule: pair.rule, start: new Date(w.start).toISOString() },
        'window evaluation failed; later windows of this station and rule wait for the next run',
      );
      return false;
    }
  }

  return {
    name: options.name,
    title: options.title,
    schedule: options.schedule,
    onStart: options.onStart ?? 'always',
    async run(ctx): Promise<JobSummary> {
      const tally: Tally = {
        pairs: 0,
        windows: 0,
        processed: 0,
        already_processed: 0,
        not_applicable: 0,
        violations: 0,
        insufficient: 0,
        opened: 0,
        resolved: 0,
        skipped_old: 0,
        failed: 0,
      };
      const errors: string[] = [];
      const pairs = pairsFor(ctx, tally, errors);
      tally.pairs = pairs.length;
      let next = 0;
      const worker = async () => {
        while (next < pairs.length && !ctx.signal.aborted) {
          const pair = pairs[next++]!;
          await evaluatePair(ctx, pair, tally, errors);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, pairs.length) }, worker));
      let rejudged: RejudgeTally | undefined;
      const windows = new Map(pairs.map((p) => [`${p.stationId}\u0000${p.rule}`, p.window]));
      if (options.kind === 'window' && options.rejudge && !ctx.signal.aborted) {
        rejudged = await rejudgeTouched({
          ...options.rejudge,
          service: options.service,
          windowOf: (stationId, rule) => windows.get(`${stationId}\u0000${rule}`),
          timeZone: options.timeZone,
          concurrency,
          ctx,
          errors,
        });
        tally.failed += rejudged.failed;
      }
      const summary: JobSummary = {
        ...tally,
        ...(rejudged ? Object.fromEntries(Object.entries(rejudged).map(([k, v]) => [`rejudge_${k}`, v])) : {}),
        aborted: ctx.signal.aborted,
      };
      if (tally.failed > 0) {
        const shown = errors.slice(0, 3).join('; ');
        throw new PartialFailure(
          `${tally.failed} evaluation(s) failed: ${shown}${errors.length > 3 ? `; and ${errors.length - 3} more` : ''}`,
          summary,
        );
      }
      return summary;
    },
  };
}
