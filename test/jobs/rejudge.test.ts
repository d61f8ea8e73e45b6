/**
 * Re-judgment of touched windows (issue 14, ADR 0013) through the production job wiring, on the real SQLite stores
 * (reading store recording late data, alert store), a real local webhook receiver, and an injected clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertStore } from '../../src/alerts/alert-store.js';
import { recordedWindowTouches } from '../../src/alerts/recorded-touches.js';
import { silentLogger } from '../../src/logger.js';
import { rejudgeTouched } from '../../src/jobs/rejudge-touched.js';
import type { JobContext } from '../../src/jobs/job.js';
import { parseWindow } from '../../src/domain/time-window.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { HOUR, MIN, T0 } from '../alerts/helpers/fixtures.js';
import { startHttpReceiver, type HttpReceiver } from '../alerts/helpers/http-receiver.js';
import { createJobsRig, type JobsRig } from './helpers/jobs-rig.js';

const GOOD = { ph: 7.5, do: 6.5, codmn: 4, nh3n: 0.5, tp: 0.1, temp: 15 };
/** NH3-N 1.8 mg/L: class V against a target of III (GB 3838-2002 Table 1: IV ≤ 1.5, V ≤ 2.0) → critical. */
const CLASS_V = { ...GOOD, nh3n: 1.8 };
const W = 4 * HOUR;
const SECTION = { rule: 'section_compliance' as const, stationId: 'out-1' };

/** A reading store that records late data, on the rig's clock (set once the rig exists). */
function lateRecordingStore(): { store: ReadingStore; bind(now: () => number): void } {
  let now = () => T0;
  const store = createSqliteStore({
    file: ':memory:',
    logger: silentLogger(),
    lateData: { evalDelayMs: 10 * MIN, now: () => now() },
  });
  return { store, bind: (n) => (now = n) };
}

describe('re-judging touched windows', () => {
  let receiver: HttpReceiver;
  let jr: JobsRig;

  beforeEach(async () => {
    receiver = await startHttpReceiver();
    const readings = lateRecordingStore();
    jr = await createJobsRig({ hookUrl: receiver.url('/unit'), readings: readings.store });
    readings.bind(jr.rig.clock.now);
  });
  afterEach(async () => {
    await jr.close();
    await receiver.close();
  });

  const runWindows = async (at: number) => {
    jr.rig.clock.set(at);
    const { run } = (await jr.jobs.scheduler.run('alert-windows', 'schedule')) as {
      run: { summary: Record<string, number>; outcome: string };
    };
    return run;
  };
  const deliver = async () => {
    await jr.jobs.scheduler.run('alert-outbox', 'schedule');
  };
  const unitRequests = () =>
    receiver.requests
      .filter((r) => r.url === '/unit?unit=district')
      .map((r) => JSON.parse(r.body) as { event: string; text: string; alert: Record<string, unknown> });

  it('12 h back-filled after their windows were judged insufficient: one alert about those windows, found late, told once; a data correction then resolves it "data corrected"', async () => {
    // The link is down: the three windows 00–04, 04–08, 08–12 are judged as they close, without data.
    for (const end of [W, 2 * W, 3 * W]) await runWindows(T0 + end + 10 * MIN);
    const store = jr.rig.store;
    expect(await store.windowVerdict('section_compliance', 'out-1', T0, T0 + W)).toMatchObject({
      outcome: 'insufficient',
    });
    expect(await jr.rig.service.list(SECTION)).toEqual([]);

    // 12:30: the logger back-fills the 12 hours (class V NH3-N) in one batch.
    jr.rig.clock.set(T0 + 12 * HOUR + 30 * MIN);
    await jr.rig.write('out-1', T0, 12, CLASS_V);
    // 12:35: the next run re-judges the touched windows, oldest first.
    const run = await runWindows(T0 + 12 * HOUR + 35 * MIN);
    expect(run.summary).toMatchObject({
      rejudge_touches: 1,
      rejudge_windows: 3,
      rejudge_changed: 3,
      rejudge_opened: 1,
      rejudge_beyond_horizon: 0,
      failed: 0,
    });
    const alerts = await jr.rig.service.list(SECTION);
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert).toMatchObject({
      state: 'open',
      severity: 'critical',
      count: 3,
      windowStart: T0,
      windowEnd: T0 + 3 * W,
      detectedAt: T0 + 12 * HOUR + 35 * MIN,
      detection: 'late_data',
    });
    expect((await jr.rig.service.get(alert.id))!.timeline.map((t) => t.kind)).toEqual([
      'opened',
      'rejudged',
      'rejudged',
    ]);
    // Each window keeps its history: judged insufficient on schedule, then a violation from late data.
    expect(
      (await store.verdictHistory('section_compliance', 'out-1', T0, T0 + W)).map((v) => [
        v.outcome,
        v.cause,
        v.severity,
      ]),
    ).toEqual([
      ['insufficient', 'scheduled', null],
      ['violation', 'late_data', 'critical'],
    ]);

    // The responsible unit's webhook gets it once, with the window's time and the late detection.
    await deliver();
    await runWindows(T0 + 12 * HOUR + 40 * MIN); // nothing new: re-judging again is a no-op
    await deliver();
    const told = unitRequests();
    expect(told.map((n) => n.event)).toEqual(['opened']);
    expect(told[0]!.alert).toMatchObject({
      window_start: new Date(T0).toISOString(),
      detected_at: new Date(T0 + 12 * HOUR + 35 * MIN).toISOString(),
      detection: 'late_data',
    });
    expect(told[0]!.text).toContain('窗口结束8.6小时后根据补传数据发现');
    expect(told[0]!.text).toContain('时段：2026-11-28 00:00 – 2026-11-28 04:00');

    // 13:00: the operator's data mark takes effect — the effective flags of 04:00–12:00 become M (maintenance);
    // the marks record their touch. The windows 04–08 and 08–12 are then insufficient: they leave the alert.
    jr.rig.clock.set(T0 + 13 * HOUR);
    await jr.rig.write('out-1', T0 + W, 8, CLASS_V, 'M');
    await recordedWindowTouches(jr.rig.readings).touch([
      { stationId: 'out-1', from: T0 + W, to: T0 + 3 * W, cause: 'mark', at: T0 + 13 * HOUR },
    ]);
    const second = await runWindows(T0 + 13 * HOUR + 5 * MIN);
    expect(second.summary).toMatchObject({ rejudge_windows: 2, rejudge_changed: 2, rejudge_resolved: 0 });
    // The alert follows its windows: one is left violating.
    expect((await jr.rig.service.get(alert.id))!.alert).toMatchObject({ state: 'open', count: 1 });
    // …and then 00–04 too: no violating window is left, the alert is resolved "data corrected", never deleted.
    jr.rig.clock.set(T0 + 14 * HOUR);
    await jr.rig.write('out-1', T0, 4, CLASS_V, 'M');
    const third = await runWindows(T0 + 14 * HOUR + 5 * MIN);
    expect(third.summary).toMatchObject({ rejudge_windows: 1, rejudge_changed: 1, rejudge_resolved: 1 });
    const detail = (await jr.rig.service.get(alert.id))!;
    expect(detail.alert).toMatchObject({ state: 'resolved', resolvedBy: 'system', resolveReason: 'data corrected' });
    // Opened; 04–08 and 08–12 counted in; each taken out by the mark, with the alert's count that follows.
    expect(detail.timeline.map((t) => t.kind)).toEqual(['opened', ...Array(7).fill('rejudged'), 'resolved']);
    expect(detail.timeline[4]!.data).toMatchObject({ count: { from: 3, to: 2 } });
    expect(detail.timeline[3]!.data).toMatchObject({ from: 'violation', to: 'insufficient', cause: 'mark' });
    expect(detail.timeline.at(-1)!.data).toMatchObject({ reason: 'data_corrected', cause: 'flag_correction' });
    await deliver();
    const resolved = unitRequests().filter((n) => n.event === 'resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]!.text).toContain('数据已更正');
    expect(await store.rejudgeCounts(T0, T0 + 24 * HOUR)).toEqual({ rejudged: 6, changed: 6, beyondHorizon: 0 });
    // The compliance export's per-station figure adds up to the same (the digest's, below).
    expect(await store.rejudgedByStation(T0, T0 + 24 * HOUR)).toEqual(new Map([['out-1', 6]]));

    // The next morning's digest says how many windows of the day were judged again, so the record never changes
    // silently.
    jr.rig.clock.set(T0 + 32 * HOUR + 30 * MIN);
    await jr.jobs.scheduler.run('daily-digest', 'schedule');
    await deliver();
    const digest = receiver.requests
      .filter((r) => r.url === '/unit?unit=city')
      .map((r) => JSON.parse(r.body) as { event: string; text: string; digest?: Record<string, unknown> })
      .find((n) => n.event === 'digest')!;
    expect(digest.digest).toMatchObject({ rejudged: { windows: 6, changed: 6, beyond_horizon: 0 } });
    expect(digest.text).toContain('重新评价：6个评价时段因补传、更正或标记的数据重新评价，其中6个结论改变');
  });

  it('raises the severity of the open alert when late data makes a past window worse', async () => {
    // 00–04 at class IV (NH3-N 1.2 mg/L): a warning, judged on time.
    await jr.rig.write('out-1', T0, 4, { ...GOOD, nh3n: 1.2 });
    await runWindows(T0 + W + 10 * MIN);
    const [alert] = await jr.rig.service.list(SECTION);
    expect(alert).toMatchObject({ severity: 'warning', count: 1, detection: null });
    // 04–08 judged without data; its class V readings come late.
    await runWindows(T0 + 2 * W + 10 * MIN);
    jr.rig.clock.set(T0 + 9 * HOUR);
    await jr.rig.write('out-1', T0 + W, 4, CLASS_V);
    await runWindows(T0 + 9 * HOUR + 5 * MIN);
    const detail = (await jr.rig.service.get(alert!.id))!;
    expect(detail.alert).toMatchObject({ severity: 'critical', count: 2, windowStart: T0, windowEnd: T0 + 2 * W });
    expect(detail.timeline.map((t) => t.kind)).toEqual(['opened', 'rejudged', 'severity_raised']);
  });

  it('lowers the severity when a correction removes the worst part of a violation, and keeps the alert open', async () => {
    // 00–04 class V (critical), 04–08 class IV (warning): one alert, critical, two windows.
    await jr.rig.write('out-1', T0, 4, CLASS_V);
    await runWindows(T0 + W + 10 * MIN);
    await jr.rig.write('out-1', T0 + W, 4, { ...GOOD, nh3n: 1.2 });
    await runWindows(T0 + 2 * W + 10 * MIN);
    const [alert] = await jr.rig.service.list(SECTION);
    expect(alert).toMatchObject({ severity: 'critical', count: 2, state: 'open' });
    // The device re-sends 00–04 flagged D (a fault it found later): that window no longer counts.
    jr.rig.clock.set(T0 + 9 * HOUR);
    await jr.rig.write('out-1', T0, 4, CLASS_V, 'D');
    await runWindows(T0 + 9 * HOUR + 5 * MIN);
    const detail = (await jr.rig.service.get(alert!.id))!;
    expect(detail.alert).toMatchObject({ severity: 'warning', count: 1, state: 'open' });
    expect(detail.timeline.filter((t) => t.kind === 'rejudged').map((t) => t.data)).toContainEqual(
      expect.objectContaining({ severity: { from: 'critical', to: 'warning' }, count: { from: 2, to: 1 } }),
    );
    // The store saw the flag change: the window's new verdict names the cause.
    expect((await jr.rig.store.verdictHistory('section_compliance', 'out-1', T0, T0 + W)).at(-1)).toMatchObject({
      outcome: 'insufficient',
      cause: 'flag_correction',
    });
  });

  it('recomputes the compliant streak when a correction takes away the violation that reset it', async () => {
    // 00–04 V opens; 04–08 compliant (streak 1); 08–12 V resets it; 12–16 compliant (streak 1).
    const days = [CLASS_V, GOOD, CLASS_V, GOOD];
    for (const [i, values] of days.entries()) {
      await jr.rig.write('out-1', T0 + i * W, 4, values);
      await runWindows(T0 + (i + 1) * W + 10 * MIN);
    }
    const [alert] = await jr.rig.service.list(SECTION);
    expect(alert).toMatchObject({ state: 'open', count: 2, compliantStreak: 1 });
    // 08–12 is corrected to maintenance (M): 04–08 and 12–16 are then two compliant windows in a row after the
    // last violation — the hysteresis (2) is met: resolved "data corrected".
    jr.rig.clock.set(T0 + 17 * HOUR);
    await jr.rig.write('out-1', T0 + 2 * W, 4, CLASS_V, 'M');
    await runWindows(T0 + 17 * HOUR + 5 * MIN);
    const after = (await jr.rig.service.get(alert!.id))!.alert;
    expect(after).toMatchObject({ state: 'resolved', resolveReason: 'data corrected', count: 1, compliantStreak: 2 });
  });

  it('records touches beyond ALERT_REJUDGE_HORIZON without re-judging them', async () => {
    await runWindows(T0 + W + 10 * MIN);
    // Eight days later, readings for that first window arrive.
    jr.rig.clock.set(T0 + 8 * 24 * HOUR);
    await jr.rig.write('out-1', T0, 4, CLASS_V);
    const run = await runWindows(T0 + 8 * 24 * HOUR + 5 * MIN);
    expect(run.summary).toMatchObject({ rejudge_touches: 1, rejudge_windows: 0, rejudge_beyond_horizon: 1 });
    expect(await jr.rig.service.list(SECTION)).toEqual([]);
    expect(await jr.rig.store.rejudgeCounts(T0, T0 + 9 * 24 * HOUR)).toMatchObject({ rejudged: 0, beyondHorizon: 1 });
  });

  it('consumes a touch only once its windows are judged: a failure leaves it to the next run, which is then exact', async () => {
    for (const end of [W, 2 * W]) await runWindows(T0 + end + 10 * MIN);
    jr.rig.clock.set(T0 + 9 * HOUR);
    await jr.rig.write('out-1', T0, 8, CLASS_V);
    const store = jr.rig.store;
    const ctx = (now: number): JobContext =>
      ({ now, trigger: 'schedule', attempt: 1, signal: new AbortController().signal, log: silentLogger() }) as never;
    const options = {
      readings: jr.rig.readings,
      store,
      horizonMs: 7 * 24 * HOUR,
      windowOf: () => parseWindow('4h'),
      timeZone: 'Asia/Shanghai',
      concurrency: 1,
    };
    const cursor = await store.touchCursor('readings');
    const crashing = {
      rulesFor: (id: string) => jr.rig.service.rulesFor(id).filter((r) => r === 'section_compliance'),
      spanReadings: jr.rig.service.spanReadings,
      rejudgeWindows: async (pairs: Parameters<typeof jr.rig.service.rejudgeWindows>[0]) => {
        // The first window is judged; the process "dies" on the second.
        const [first] = await jr.rig.service.rejudgeWindows([{ ...pairs[0]!, windows: pairs[0]!.windows.slice(0, 1) }]);
        return [{ results: first!.results, failure: new Error('the reading store did not answer') }];
      },
    };
    const errors: string[] = [];
    const failed = await rejudgeTouched({ ...options, service: crashing, ctx: ctx(T0 + 9 * HOUR + 5 * MIN), errors });
    expect(failed).toMatchObject({ failed: 1, windows: 1 });
    expect(await store.touchCursor('readings')).toBe(cursor);
    expect(await jr.rig.service.list(SECTION)).toMatchObject([{ count: 1 }]);

    const again = await rejudgeTouched({
      ...options,
      service: jr.rig.service,
      ctx: ctx(T0 + 9 * HOUR + 10 * MIN),
      errors,
    });
    expect(again).toMatchObject({ failed: 0, windows: 2, changed: 1 });
    expect(await store.touchCursor('readings')).toBe(T0 + 9 * HOUR + 9 * MIN);
    expect(await jr.rig.service.list(SECTION)).toMatchObject([{ count: 2, windowStart: T0, windowEnd: T0 + 2 * W }]);
  });

  it('migrates an alert database of schema 1: windows from the finding, detected when opened, history from the processed windows', async () => {
    const file = `${jr.rig.dir}/v1-alerts.db`;
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(file);
    db.exec(`CREATE TABLE alerts (id INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL, station_id TEXT NOT NULL,
      category TEXT NOT NULL, state TEXT NOT NULL, severity TEXT NOT NULL, opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
      count INTEGER NOT NULL, compliant_streak INTEGER NOT NULL DEFAULT 0, latest TEXT NOT NULL, escalation_level INTEGER NOT NULL DEFAULT 0,
      escalated_at INTEGER NOT NULL, acknowledged_by TEXT, acknowledged_at INTEGER, acknowledge_note TEXT, resolved_by TEXT,
      resolved_at INTEGER, resolve_reason TEXT);
      CREATE TABLE processed_windows (rule TEXT NOT NULL, station_id TEXT NOT NULL, window_start INTEGER NOT NULL,
      window_end INTEGER NOT NULL, outcome TEXT NOT NULL, alert_id INTEGER, processed_at INTEGER NOT NULL,
      PRIMARY KEY (rule, station_id, window_start, window_end)) WITHOUT ROWID;
      INSERT INTO alerts (rule, station_id, category, state, severity, opened_at, updated_at, count, latest, escalated_at)
      VALUES ('section_compliance', 'out-1', 'pollution', 'open', 'critical', ${T0 + 13 * HOUR}, ${T0 + 13 * HOUR}, 1,
      '{"rule":"section_compliance","stationId":"out-1","severity":"critical","windowStart":${T0},"windowEnd":${T0 + W},"items":[]}', ${T0 + 13 * HOUR});
      INSERT INTO processed_windows VALUES ('section_compliance', 'out-1', ${T0}, ${T0 + W}, 'violation', 1, ${T0 + 13 * HOUR});`);
    db.pragma('user_version = 1');
    db.close();
    const migrated = createAlertStore({ file });
    try {
      expect(await migrated.get(1)).toMatchObject({
        windowStart: T0,
        windowEnd: T0 + W,
        detectedAt: T0 + 13 * HOUR,
        detection: null,
      });
      expect(await migrated.windowVerdict('section_compliance', 'out-1', T0, T0 + W)).toMatchObject({
        outcome: 'violation',
        severity: 'critical',
        alertId: 1,
      });
      expect(await migrated.verdictHistory('section_compliance', 'out-1', T0, T0 + W)).toHaveLength(1);
      expect(await migrated.transaction((tx) => tx.list())).toHaveLength(1);
      expect(await migrated.violatingWindows(1)).toEqual([{ start: T0, end: T0 + W, severity: 'critical' }]);
    } finally {
      await migrated.close();
    }
    // Schema 4: an alert's windows are found by the index, not by scanning every window judged.
    const check = new Database(file, { readonly: true });
    try {
      const plan = check
        .prepare(
          "EXPLAIN QUERY PLAN SELECT window_start FROM processed_windows WHERE alert_id = 1 AND outcome = 'violation'",
        )
        .all() as { detail: string }[];
      expect(plan.map((p) => p.detail).join('; ')).toContain('processed_windows_alert');
      expect(check.pragma('user_version', { simple: true })).toBe(4);
    } finally {
      check.close();
    }
  });
});
