import { describe, expect, it } from 'vitest';
import { createCronSchedule } from '../../src/jobs/cron-schedule.js';

const at = (iso: string) => Date.parse(iso);

describe('cron schedules in a time zone', () => {
  it('reads the digest schedule 30 8 * * * as 08:30 in Asia/Shanghai (00:30 UTC)', () => {
    const s = createCronSchedule('30 8 * * *', 'Asia/Shanghai');
    expect(s.matches(at('2026-11-28T00:30:00Z'))).toBe(true);
    expect(s.matches(at('2026-11-28T00:30:59Z'))).toBe(true);
    expect(s.matches(at('2026-11-28T08:30:00Z'))).toBe(false);
    expect(new Date(s.nextAfter(at('2026-11-28T00:30:00Z'))!).toISOString()).toBe('2026-11-29T00:30:00.000Z');
    expect(new Date(s.nextAfter(at('2026-11-28T09:00:00+08:00'))!).toISOString()).toBe('2026-11-29T00:30:00.000Z');
    expect(new Date(s.nextAfter(at('2026-11-28T08:29:59+08:00'))!).toISOString()).toBe('2026-11-28T00:30:00.000Z');
    const utc = createCronSchedule('30 8 * * *', 'UTC');
    expect(new Date(utc.nextAfter(at('2026-11-28T00:00:00Z'))!).toISOString()).toBe('2026-11-28T08:30:00.000Z');
  });

  it('finds the next minute of frequent, weekday and month-end schedules', () => {
    const every5 = createCronSchedule('*/5 * * * *', 'Asia/Shanghai');
    expect(every5.nextAfter(at('2026-11-28T10:02:30+08:00'))).toBe(at('2026-11-28T10:05:00+08:00'));
    expect(every5.nextAfter(at('2026-11-28T10:05:00+08:00'))).toBe(at('2026-11-28T10:10:00+08:00'));
    // 2026-11-28 is a Saturday: the next weekday 09:00 is Monday.
    const weekdays = createCronSchedule('0 9 * * 1-5', 'Asia/Shanghai');
    expect(weekdays.nextAfter(at('2026-11-28T10:00:00+08:00'))).toBe(at('2026-11-30T09:00:00+08:00'));
    const monthEnd = createCronSchedule('0 18 L * *', 'Asia/Shanghai');
    expect(monthEnd.nextAfter(at('2026-11-28T10:00:00+08:00'))).toBe(at('2026-11-30T18:00:00+08:00'));
    // Leap days only: the next one is four years away, still found.
    const leap = createCronSchedule('0 0 29 2 *', 'Asia/Shanghai');
    expect(leap.nextAfter(at('2026-11-28T10:00:00+08:00'))).toBe(at('2028-02-29T00:00:00+08:00'));
  });

  it('follows daylight saving time where the zone has it', () => {
    // Europe/Berlin springs forward on 2026-03-29: 02:30 does not exist that day.
    const s = createCronSchedule('30 3 * * *', 'Europe/Berlin');
    expect(new Date(s.nextAfter(at('2026-03-28T12:00:00Z'))!).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(new Date(s.nextAfter(at('2026-03-27T12:00:00Z'))!).toISOString()).toBe('2026-03-28T02:30:00.000Z');
  });

  it('refuses expressions with seconds and invalid ones', () => {
    expect(() => createCronSchedule('*/10 * * * * *', 'Asia/Shanghai')).toThrow(/seconds/);
    expect(() => createCronSchedule('61 * * * *', 'Asia/Shanghai')).toThrow();
    expect(() => createCronSchedule('0 0 30 2 *', 'Asia/Shanghai')).toThrow(/impossible day/);
  });
});
