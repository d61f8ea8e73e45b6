import { describe, expect, it } from 'vitest';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import { parseWindow, TimeWindowError } from '../../src/domain/time-window.js';
import { dueWindows, ruleKind, ruleWindow, windowOfDuration } from '../../src/jobs/window-plan.js';

const HOUR = 3_600_000;
const MIN = 60_000;
const DAY = 86_400_000;
const TZ = 'Asia/Shanghai';
/** 2026-11-28 00:00 in Shanghai (16:00 UTC the day before). */
const T0 = Date.parse('2026-11-28T00:00:00+08:00');
const W4 = parseWindow('4h');

const at = (iso: string) => Date.parse(iso);

describe('window plan', () => {
  it('aligns 4-hour windows to local time and waits the delay after a window closes', () => {
    const base = { window: W4, timeZone: TZ, delayMs: 10 * MIN, maxCatchUpMs: 7 * DAY, catchUp: true };
    // 04:05 local: the 00:00–04:00 window closed 5 minutes ago, within the 10-minute grace: the previous one is due.
    expect(dueWindows({ ...base, lastEnd: null, now: T0 + 4 * HOUR + 5 * MIN }).windows).toEqual([
      { start: T0 - 4 * HOUR, end: T0 },
    ]);
    // 04:10 local: now 00:00–04:00 (16:00–20:00 UTC), whatever the UTC hour says.
    expect(dueWindows({ ...base, lastEnd: null, now: T0 + 4 * HOUR + 10 * MIN }).windows).toEqual([
      { start: T0, end: T0 + 4 * HOUR },
    ]);
    expect(new Date(T0).toISOString()).toBe('2026-11-27T16:00:00.000Z');
    // Nothing new once that window is judged.
    expect(dueWindows({ ...base, lastEnd: T0 + 4 * HOUR, now: T0 + 7 * HOUR }).windows).toEqual([]);
  });

  it('catches up every completed window since the last one judged, oldest first, back to the limit', () => {
    const base = { window: W4, timeZone: TZ, delayMs: 10 * MIN, catchUp: true };
    const plan = dueWindows({ ...base, lastEnd: T0 + 4 * HOUR, now: T0 + 17 * HOUR + 10 * MIN, maxCatchUpMs: 7 * DAY });
    expect(plan).toEqual({
      windows: [
        { start: T0 + 4 * HOUR, end: T0 + 8 * HOUR },
        { start: T0 + 8 * HOUR, end: T0 + 12 * HOUR },
        { start: T0 + 12 * HOUR, end: T0 + 16 * HOUR },
      ],
      skipped: 0,
    });
    const capped = dueWindows({ ...base, lastEnd: T0 - 3 * DAY, now: T0 + 10 * MIN, maxCatchUpMs: DAY });
    expect(capped.windows).toHaveLength(6);
    expect(capped.windows[0]).toEqual({ start: T0 - DAY, end: T0 - DAY + 4 * HOUR });
    expect(capped.skipped).toBe(12);
  });

  it('judges only the latest window of an instant rule, and only the latest one for a new (rule, station)', () => {
    const w15 = parseWindow('15m');
    const instant = dueWindows({
      window: w15,
      timeZone: TZ,
      delayMs: 10 * MIN,
      maxCatchUpMs: 7 * DAY,
      catchUp: false,
      lastEnd: T0,
      now: T0 + 13 * HOUR,
    });
    expect(instant.windows).toEqual([{ start: T0 + 12 * HOUR + 30 * MIN, end: T0 + 12 * HOUR + 45 * MIN }]);
  });

  it('aligns day windows to local midnight', () => {
    const plan = dueWindows({
      window: parseWindow('1d'),
      timeZone: TZ,
      delayMs: 10 * MIN,
      maxCatchUpMs: 7 * DAY,
      catchUp: true,
      lastEnd: at('2026-11-26T00:00:00+08:00'),
      now: at('2026-11-28T00:30:00+08:00'),
    });
    expect(plan.windows).toEqual([
      { start: at('2026-11-26T00:00:00+08:00'), end: at('2026-11-27T00:00:00+08:00') },
      { start: at('2026-11-27T00:00:00+08:00'), end: at('2026-11-28T00:00:00+08:00') },
    ]);
  });

  it('skips a window cut by a changed window length rather than judging a partial one', () => {
    const plan = dueWindows({
      window: W4,
      timeZone: TZ,
      delayMs: 0,
      maxCatchUpMs: 7 * DAY,
      catchUp: true,
      lastEnd: T0 + 2 * HOUR,
      now: T0 + 12 * HOUR,
    });
    expect(plan.windows.map((w) => (w.start - T0) / HOUR)).toEqual([4, 8]);
  });

  it('gives each rule its window: the station compliance window, hours and days for effluent, the instant window', () => {
    const settings = defaultAlertSettings({ sectionWindow: '6h' });
    const instant = parseWindow('15m');
    expect(ruleWindow('section_compliance', settings, instant).spec).toBe('6h');
    expect(ruleWindow('threshold', settings, instant).spec).toBe('6h');
    expect(ruleWindow('effluent_hourly', settings, instant).spec).toBe('1h');
    expect(ruleWindow('effluent_daily', settings, instant).spec).toBe('1d');
    expect(ruleWindow('station_offline', settings, instant).spec).toBe('15m');
    expect(ruleKind('effluent_daily')).toBe('window');
    expect(ruleKind('early_warning')).toBe('instant');
    expect(windowOfDuration(DAY).spec).toBe('1d');
    expect(windowOfDuration(30 * MIN).spec).toBe('30m');
    expect(() => windowOfDuration(5 * HOUR)).toThrow(TimeWindowError);
  });
});
