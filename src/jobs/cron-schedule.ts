/**
 * A cron expression in a time zone, as node-cron reads it: whether a minute matches, and the next matching
 * minute after any instant. The scheduler's `tick(now)` and the `next_run` of `GET /api/v1/jobs` use this with
 * the injected clock; node-cron's own timers (scheduler.ts) fire on the same matcher.
 *
 * Matching is node-cron's (`ScheduledTask.match`, so day-of-month and day-of-week combine exactly as node-cron
 * combines them, `L` included); only the search for the next minute is ours, because node-cron computes it from
 * the system clock only.
 */
import { createTask, parse } from 'node-cron';
import { localTimeToUtc, toLocalTime, zone, type Zone } from '../domain/time-window.js';

const MINUTE = 60_000;
/** Beyond this, an expression is treated as never matching again (e.g. 30 February). */
const SEARCH_YEARS = 5;

export interface CronSchedule {
  readonly expression: string;
  readonly timeZone: string;
  /** Whether the whole minute containing `ms` matches. */
  matches(ms: number): boolean;
  /** The first matching minute strictly after `ms`, or null when none comes within five years. */
  nextAfter(ms: number): number | null;
}

/** Throws node-cron's error for an invalid expression. */
export function createCronSchedule(expression: string, timeZone: string): CronSchedule {
  const fields = parse(expression);
  if (fields.second.length !== 1 || fields.second[0] !== 0) {
    throw new Error(`cron expression "${expression}": seconds are not supported, use five fields`);
  }
  // A task that is never started and is removed from node-cron's registry at once: only its matcher is kept.
  const probe = createTask(expression, () => undefined, { timezone: timeZone, name: `probe:${expression}` });
  void probe.destroy();
  const z: Zone = zone(timeZone);
  const hours = new Set(fields.hour);
  const minutes = new Set(fields.minute);
  const floorMinute = (ms: number) => Math.floor(ms / MINUTE) * MINUTE;
  const matches = (ms: number) => probe.match(new Date(floorMinute(ms)));

  return {
    expression,
    timeZone,
    matches,
    nextAfter(ms) {
      let t = floorMinute(ms) + MINUTE;
      const limit = t + SEARCH_YEARS * 366 * 86_400_000;
      while (t < limit) {
        const local = toLocalTime(t, z);
        if (!hours.has(local.hour)) {
          t += (60 - local.minute) * MINUTE;
          continue;
        }
        if (!minutes.has(local.minute)) {
          t += MINUTE;
          continue;
        }
        if (matches(t)) return t;
        // Hour and minute match, so the day (or month) does not: go to the next local midnight.
        t = localTimeToUtc({ year: local.year, month: local.month, day: local.day + 1 }, z);
      }
      return null;
    },
  };
}
