import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR, MIN, T0 } from '../alerts/helpers/fixtures.js';
import { startHttpReceiver, type HttpReceiver } from '../alerts/helpers/http-receiver.js';
import { receiverVerifies, SECRETS } from '../alerts/helpers/setup.js';
import { createJobsRig, type JobsRig } from './helpers/jobs-rig.js';

const SECTION = { rule: 'section_compliance' as const };
const GOOD = { ph: 7.5, do: 6.5, codmn: 4, nh3n: 0.5, tp: 0.1 };
const W = 4 * HOUR;

describe('alert jobs on real stores', () => {
  let receiver: HttpReceiver;
  let jr: JobsRig;

  beforeEach(async () => {
    receiver = await startHttpReceiver();
    jr = await createJobsRig({ hookUrl: receiver.url('/unit'), defaultHook: receiver.url('/default') });
  });
  afterEach(async () => {
    await jr.close();
    await receiver.close();
  });

  const sectionCalls = () =>
    jr.calls
      .filter((c) => c.stationId === 'out-1' && c.rule === 'section_compliance')
      .map((c) => (c.start - T0) / HOUR);

  it('an outbound section crossing its target: the window job opens exactly one alert, and the receiver gets the signed webhook', async () => {
    await jr.rig.write('out-1', T0, 4, { ...GOOD, nh3n: 1.8 });
    // 04:05: the 00:00–04:00 window closed, but late readings may still come (ALERT_EVAL_DELAY = 10 min).
    jr.rig.clock.set(T0 + W + 5 * MIN);
    await jr.jobs.scheduler.run('alert-windows', 'schedule');
    expect(sectionCalls()).toEqual([-4]);
    expect(await jr.rig.service.list(SECTION)).toEqual([]);

    jr.rig.clock.set(T0 + W + 10 * MIN);
    const { run } = (await jr.jobs.scheduler.run('alert-windows', 'schedule')) as {
      run: { summary: Record<string, number> };
    };
    expect(sectionCalls()).toEqual([-4, 0]);
    expect(run.summary).toMatchObject({ opened: 1, violations: 1, failed: 0 });
    const alerts = await jr.rig.service.list(SECTION);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: 'section_compliance', stationId: 'out-1', severity: 'critical', count: 1 });

    // The same minute again (a manual run, the next tick): nothing new is judged, nothing opened twice.
    await jr.jobs.scheduler.run('alert-windows', 'manual');
    await jr.jobs.scheduler.run('alert-instant', 'manual');
    expect(await jr.rig.service.list(SECTION)).toHaveLength(1);

    const delivery = (await jr.jobs.scheduler.run('alert-outbox', 'schedule')) as {
      run: { summary: Record<string, number> };
    };
    expect(delivery.run.summary).toMatchObject({ retried: 0, pending: 0 });
    // (The instant run found the two stations without any data offline: their alerts went to the maintainer.)
    const id = alerts[0]!.id;
    expect((await jr.rig.service.get(id))!.notifications.map((n) => n.state)).toEqual(['delivered', 'delivered']);
    const about = receiver.requests.filter((r) => JSON.parse(r.body).alert.id === id);
    expect(about).toHaveLength(2);
    const unit = about.find((r) => r.url.startsWith('/unit'))!;
    const fallback = about.find((r) => r.url.startsWith('/default'))!;
    const nowSeconds = Math.floor(jr.rig.clock.now() / 1000);
    expect(unit.url).toBe('/unit?unit=district');
    expect(receiverVerifies(SECRETS.DISTRICT_SECRET!, unit.headers, unit.body, nowSeconds)).toBe(true);
    expect(receiverVerifies(SECRETS.ALERT_WEBHOOK_SECRET!, fallback.headers, fallback.body, nowSeconds)).toBe(true);
    expect(JSON.parse(unit.body)).toMatchObject({
      event: 'opened',
      alert: { station_id: 'out-1', finding: { class: 'V', target_class: 'III' } },
    });
  });

  it('catches up, in order and without duplicates, the windows completed while the service was down', async () => {
    await jr.rig.write('out-1', T0, 4, { ...GOOD, nh3n: 1.8 });
    const t0 = T0 + W + 10 * MIN;
    jr.rig.clock.set(t0);
    await jr.jobs.scheduler.run('alert-windows', 'schedule');
    const opened = await jr.rig.service.list(SECTION);
    expect(opened).toHaveLength(1);

    // The service stops; readings keep arriving (ingest is another instance) for 13 hours.
    await jr.restart();
    await jr.rig.write('out-1', T0 + W, 4, { ...GOOD, nh3n: 1.8 });
    await jr.rig.write('out-1', T0 + 2 * W, 4, GOOD);
    await jr.rig.write('out-1', T0 + 3 * W, 4, GOOD);
    jr.rig.clock.set(t0 + 13 * HOUR);
    jr.calls.length = 0;

    jr.jobs.start();
    await jr.jobs.scheduler.whenIdle();
    // The three 4-hour windows completed while down, oldest first: 04–08, 08–12, 12–16 (17:10 now).
    expect(sectionCalls()).toEqual([4, 8, 12]);
    const after = await jr.rig.service.list(SECTION);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: opened[0]!.id, count: 2, state: 'resolved', resolvedBy: 'system' });
    expect((await jr.rig.service.get(after[0]!.id))!.timeline.map((t) => t.kind)).toEqual(['opened', 'resolved']);
    const status = (await jr.jobs.scheduler.status()).find((j) => j.name === 'alert-windows')!;
    expect(status.lastRun).toMatchObject({
      trigger: 'start',
      outcome: 'ok',
      summary: expect.objectContaining({ resolved: 1 }),
    });

    // Starting again (or the next tick) judges nothing twice.
    jr.calls.length = 0;
    await jr.restart();
    jr.jobs.start();
    await jr.jobs.scheduler.whenIdle();
    expect(sectionCalls()).toEqual([]);
    expect(
      await jr.rig.service.evaluateWindow({
        stationId: 'out-1',
        rule: 'section_compliance',
        start: T0 + W,
        end: T0 + 2 * W,
      }),
    ).toEqual({ status: 'already_processed' });
    expect(await jr.rig.service.list(SECTION)).toHaveLength(1);
    // Each event was queued once: opened and resolved, to the district unit and the default channel.
    expect((await jr.rig.service.get(after[0]!.id))!.notifications.map((n) => n.event).sort()).toEqual([
      'opened',
      'opened',
      'resolved',
      'resolved',
    ]);
  });

  it('never overlaps the window job with itself: a second trigger while a slow run is judging is skipped', async () => {
    await jr.rig.write('out-1', T0, 4, { ...GOOD, nh3n: 1.8 });
    jr.rig.clock.set(T0 + W + 10 * MIN);
    let release!: () => void;
    jr.hold.until = new Promise<void>((resolve) => (release = resolve));
    jr.hold.rule = 'section_compliance';
    const first = await jr.jobs.scheduler.launch('alert-windows', 'schedule');
    expect(first.status).toBe('started');
    // The next 5-minute tick and an admin's manual run both come while it waits on the store.
    const ticked = await jr.jobs.scheduler.tick(T0 + W + 15 * MIN);
    expect(ticked.find((t) => t.job === 'alert-windows')!.result.status).toBe('already_running');
    expect((await jr.jobs.scheduler.run('alert-windows', 'manual')).status).toBe('already_running');
    release();
    delete jr.hold.until;
    await jr.jobs.scheduler.whenIdle();
    expect(sectionCalls()).toEqual([0]);
    expect(await jr.rig.service.list(SECTION)).toHaveLength(1);
    expect((await jr.jobs.store.history('alert-windows')).map((r) => [r.trigger, r.outcome])).toEqual([
      ['schedule', 'ok'],
    ]);
  });

  it('escalates an unacknowledged alert up the chain on schedule', async () => {
    await jr.rig.write('out-1', T0, 4, { ...GOOD, nh3n: 1.8 });
    jr.rig.clock.set(T0 + W + 10 * MIN);
    await jr.jobs.scheduler.run('alert-windows');
    const alert = (await jr.rig.service.list(SECTION))[0]!;
    // critical: 30 min at the district unit before the city bureau is told.
    jr.rig.clock.advance(29 * MIN);
    expect(await jr.jobs.scheduler.run('alert-escalation')).toMatchObject({ run: { summary: { escalated: 0 } } });
    jr.rig.clock.advance(1 * MIN);
    expect(await jr.jobs.scheduler.run('alert-escalation')).toMatchObject({ run: { summary: { escalated: 1 } } });
    const detail = (await jr.rig.service.get(alert.id))!;
    expect(detail.alert.escalationLevel).toBe(1);
    expect(detail.timeline.map((t) => [t.kind, t.data?.unitId ?? null])).toEqual([
      ['opened', null],
      ['escalated', 'city-bureau'],
    ]);
  });

  it('does not escalate an alert that was acknowledged in time', async () => {
    await jr.rig.write('out-1', T0, 4, { ...GOOD, nh3n: 1.8 });
    jr.rig.clock.set(T0 + W + 10 * MIN);
    await jr.jobs.scheduler.run('alert-windows');
    const alert = (await jr.rig.service.list(SECTION))[0]!;
    jr.rig.clock.advance(10 * MIN);
    await jr.rig.service.acknowledge(alert.id, '值班员 (k1)', '已通知属地排查');
    jr.rig.clock.advance(3 * HOUR);
    expect(await jr.jobs.scheduler.run('alert-escalation')).toMatchObject({ run: { summary: { escalated: 0 } } });
    expect((await jr.rig.service.get(alert.id))!.alert).toMatchObject({ escalationLevel: 0, state: 'acknowledged' });
  });

  it('records a failing station as a partial failure and still judges the others', async () => {
    await jr.rig.write('out-1', T0, 4, { ...GOOD, nh3n: 1.8 });
    jr.rig.clock.set(T0 + W + 10 * MIN);
    jr.failing.stationId = 'eff-1';
    const result = await jr.jobs.scheduler.run('alert-windows', 'schedule');
    expect(result).toMatchObject({ status: 'completed', run: { outcome: 'error' } });
    const run = (result as { run: { error: string; summary: Record<string, number> } }).run;
    // eff-1's hourly and daily windows failed; out-1 was judged and opened its alert.
    expect(run.summary).toMatchObject({ failed: 2, opened: 1 });
    expect(run.error).toMatch(
      /^2 evaluation\(s\) failed: eff-1\/effluent_(hourly|daily): the reading store did not answer/,
    );
    expect(await jr.rig.service.list(SECTION)).toHaveLength(1);
    // Next run, the store answers again: eff-1 resumes where it stopped.
    delete jr.failing.stationId;
    jr.calls.length = 0;
    expect(await jr.jobs.scheduler.run('alert-windows', 'schedule')).toMatchObject({ run: { outcome: 'ok' } });
    expect(jr.calls.map((c) => c.stationId)).toEqual(['eff-1', 'eff-1']);
  });
});
