import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert-service.js';
import { TransitionError } from '../../src/alerts/lifecycle.js';
import { HOUR, MIN, T0 } from './helpers/fixtures.js';
import { startHttpReceiver, type HttpReceiver } from './helpers/http-receiver.js';
import { createRig, receiverVerifies, SECRETS, type Rig } from './helpers/setup.js';

const GOOD = { ph: 7.5, do: 6.5, codmn: 4, nh3n: 0.5, tp: 0.1 };
const W = 4 * HOUR;

describe('alert service on real stores', () => {
  let receiver: HttpReceiver;
  let rig: Rig;

  beforeEach(async () => {
    receiver = await startHttpReceiver();
    rig = await createRig({ hookUrl: receiver.url('/unit'), defaultHook: receiver.url('/default') });
  });
  afterEach(async () => {
    await rig.close();
    await receiver.close();
  });

  /** Writes one 4-hour window of hourly readings and evaluates it once its end has passed. */
  async function window(index: number, values: Record<string, number>, flag: 'N' | 'M' | 'C' = 'N') {
    const start = T0 + index * W;
    await rig.write('out-1', start, 4, values, flag);
    rig.clock.set(start + W + 5 * MIN);
    return rig.service.evaluateWindow({ stationId: 'out-1', rule: 'section_compliance', start, end: start + W });
  }

  /** The offline check of out-1's last 15 minutes before T0 + W (the readings and the clock are the caller's). */
  const offlineAtT0PlusW = () =>
    rig.service.evaluateWindow({ stationId: 'out-1', rule: 'station_offline', start: T0 + W - 15 * MIN, end: T0 + W });

  it('opens exactly one alert when the outbound section crosses its target, and a real receiver gets a correctly signed webhook', async () => {
    const first = await window(0, { ...GOOD, nh3n: 1.8 });
    expect(first).toMatchObject({ status: 'processed', decision: 'open' });
    // Re-evaluating the processed window (a catch-up after a restart, a manual run) is a no-op.
    expect(
      await rig.service.evaluateWindow({ stationId: 'out-1', rule: 'section_compliance', start: T0, end: T0 + W }),
    ).toEqual({ status: 'already_processed' });
    const open = await rig.service.list({ state: ['open', 'acknowledged'] });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      rule: 'section_compliance',
      stationId: 'out-1',
      severity: 'critical',
      count: 1,
      category: 'pollution',
    });

    const result = await rig.outbox.dispatchDue();
    expect(result).toEqual({ delivered: 2, retried: 0, failed: 0 });
    const unit = receiver.requests.find((r) => r.url.startsWith('/unit'))!;
    const fallback = receiver.requests.find((r) => r.url.startsWith('/default'))!;
    expect(unit.url).toBe('/unit?unit=district');
    const nowSeconds = Math.floor(rig.clock.now() / 1000);
    expect(receiverVerifies(SECRETS.DISTRICT_SECRET!, unit.headers, unit.body, nowSeconds)).toBe(true);
    expect(receiverVerifies(SECRETS.ALERT_WEBHOOK_SECRET!, fallback.headers, fallback.body, nowSeconds)).toBe(true);
    expect(receiverVerifies('wrong-secret', unit.headers, unit.body, nowSeconds)).toBe(false);
    const body = JSON.parse(unit.body);
    expect(unit.headers['idempotency-key']).toBe(body.id);
    expect(body).toMatchObject({
      event: 'opened',
      lang: 'zh-CN',
      url: 'https://qingliu.example.cn/stations/out-1',
      unit: { id: 'district-env' },
      alert: {
        id: open[0]!.id,
        station_id: 'out-1',
        severity: 'critical',
        finding: { class: 'V', target_class: 'III', primary_pollutants: [{ parameter: 'nh3n', exceedance: 0.8 }] },
      },
    });
    expect(body.title).toContain('清流河出境断面');
    expect(body.text).toContain('Ⅴ类');
    // Nothing more to send: a second pass delivers nothing again.
    expect(await rig.outbox.dispatchDue()).toEqual({ delivered: 0, retried: 0, failed: 0 });
  });

  it('updates the open alert on repeated violations (count, latest values, worst severity)', async () => {
    await window(0, { ...GOOD, nh3n: 1.2 });
    const second = await window(1, { ...GOOD, nh3n: 1.8 });
    const third = await window(2, { ...GOOD, nh3n: 1.3 });
    expect(second.decision).toBe('update');
    expect(third.alert!.id).toBe(second.alert!.id);
    const alert = (await rig.service.get(third.alert!.id))!;
    expect(alert.alert).toMatchObject({ count: 3, severity: 'critical', state: 'open' });
    expect(alert.alert.latest.items[0]).toMatchObject({ parameter: 'nh3n', value: 1.3 });
    expect(alert.timeline.map((t) => t.kind)).toEqual(['opened', 'severity_raised']);
    expect(await rig.service.list({})).toHaveLength(1);
    // The raise is notified to the unit already told (and the default channel).
    expect(alert.notifications.filter((n) => n.event === 'severity_raised')).toHaveLength(2);
  });

  it('resolves by itself after 2 consecutive compliant windows (hysteresis)', async () => {
    const opened = await window(0, { ...GOOD, nh3n: 1.2 });
    expect((await window(1, GOOD)).decision).toBe('streak');
    expect((await rig.service.get(opened.alert!.id))!.alert.state).toBe('open');
    const resolved = await window(2, GOOD);
    expect(resolved.decision).toBe('resolve');
    const detail = (await rig.service.get(opened.alert!.id))!;
    expect(detail.alert).toMatchObject({ state: 'resolved', resolvedBy: 'system' });
    expect(detail.timeline.map((t) => [t.kind, t.actor])).toEqual([
      ['opened', 'system'],
      ['resolved', 'system'],
    ]);
    expect(detail.notifications.filter((n) => n.event === 'resolved')).toHaveLength(2);
    // A later violation opens a new alert.
    const again = await window(3, { ...GOOD, nh3n: 1.2 });
    expect(again.decision).toBe('open');
    expect(again.alert!.id).not.toBe(opened.alert!.id);
  });

  it('does not flap when the value oscillates around the limit', async () => {
    for (let i = 0; i < 8; i++) await window(i, { ...GOOD, nh3n: i % 2 === 0 ? 1.05 : 0.95 });
    const all = await rig.service.list({});
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ state: 'open', count: 4 });
    expect((await rig.service.get(all[0]!.id))!.timeline.map((t) => t.kind)).toEqual(['opened']);
  });

  it('raises no pollution alert for exceedances flagged M or C', async () => {
    const start = T0;
    await rig.write('out-1', start, 4, GOOD);
    // NH3-N readings during maintenance and calibration are far over the limit, and must not count.
    await rig.write('out-1', start + 10 * MIN, 2, { nh3n: 5 }, 'M');
    await rig.write('out-1', start + 2 * HOUR + 10 * MIN, 2, { nh3n: 6 }, 'C');
    rig.clock.set(start + W + MIN);
    const outcome = await rig.service.evaluateWindow({
      stationId: 'out-1',
      rule: 'section_compliance',
      start,
      end: start + W,
    });
    expect(outcome.outcome).toEqual({ kind: 'compliant' });
    const early = await rig.service.evaluateWindow({
      stationId: 'out-1',
      rule: 'early_warning',
      start: start + W - 15 * MIN,
      end: start + W,
    });
    expect(early.outcome?.kind).toBe('compliant');
    // All NH3-N readings flagged: the window cannot be judged, and still no alert.
    await rig.write('out-1', start + W, 4, { ...GOOD, nh3n: 4 }, 'M');
    await rig.write('out-1', start + W, 4, { ph: 7.5, do: 6.5, codmn: 4, tp: 0.1 });
    rig.clock.set(start + 2 * W + MIN);
    const flagged = await rig.service.evaluateWindow({
      stationId: 'out-1',
      rule: 'section_compliance',
      start: start + W,
      end: start + 2 * W,
    });
    expect(flagged.outcome?.kind).toBe('insufficient');
    expect(await rig.service.list({ category: 'pollution' })).toHaveLength(0);
    expect(await rig.service.list({ category: 'early_warning' })).toHaveLength(0);
  });

  it('an offline station raises an offline alert to the maintainer, not a pollution alert', async () => {
    await rig.write('out-1', T0 - 6 * HOUR, 2, GOOD);
    rig.clock.set(T0 + W + MIN);
    const section = await rig.service.evaluateWindow({
      stationId: 'out-1',
      rule: 'section_compliance',
      start: T0,
      end: T0 + W,
    });
    expect(section.outcome?.kind).toBe('insufficient');
    const offline = await offlineAtT0PlusW();
    expect(offline.decision).toBe('open');
    expect(offline.alert).toMatchObject({ rule: 'station_offline', category: 'offline' });
    expect(offline.alert!.latest.lastSeenAt).toBe(T0 - 5 * HOUR);
    expect(await rig.service.list({ category: 'pollution' })).toHaveLength(0);
    await rig.outbox.dispatchDue();
    expect(receiver.requests.map((r) => r.url).sort()).toEqual(['/default', '/unit?unit=ops']);
  });

  it('an offline window judged after the station came back still names its last reading before the gap', async () => {
    await rig.write('out-1', T0 - 6 * HOUR, 2, GOOD);
    // Back after the window's end, before the window is judged.
    await rig.write('out-1', T0 + W + 5 * MIN, 1, GOOD);
    rig.clock.set(T0 + W + 10 * MIN);
    const offline = await offlineAtT0PlusW();
    expect(offline.decision).toBe('open');
    expect(offline.alert!.latest.lastSeenAt).toBe(T0 - 5 * HOUR);
  });

  it('escalates an unacknowledged alert along the responsibility chain after the delay for its severity', async () => {
    const { alert } = await window(0, { ...GOOD, nh3n: 1.8 }); // critical: 30 min at the district office
    const openedAt = alert!.openedAt;
    expect(await rig.service.escalateDue(openedAt + 29 * MIN)).toHaveLength(0);
    const escalated = await rig.service.escalateDue(openedAt + 30 * MIN);
    expect(escalated).toHaveLength(1);
    expect(escalated[0]).toMatchObject({ escalationLevel: 1, escalatedAt: openedAt + 30 * MIN });
    // The city bureau is the top of the chain: nothing further.
    expect(await rig.service.escalateDue(openedAt + 10 * HOUR)).toHaveLength(0);
    await rig.outbox.dispatchDue();
    const city = receiver.requests.filter((r) => r.url === '/unit?unit=city');
    expect(city).toHaveLength(1);
    expect(JSON.parse(city[0]!.body)).toMatchObject({ event: 'escalated', unit: { id: 'city-bureau' } });
    expect(
      receiverVerifies(SECRETS.CITY_SECRET!, city[0]!.headers, city[0]!.body, Math.floor(rig.clock.now() / 1000)),
    ).toBe(true);
    const timeline = (await rig.service.get(alert!.id))!.timeline;
    expect(timeline.map((t) => [t.kind, t.data?.unitId ?? null])).toEqual([
      ['opened', null],
      ['escalated', 'city-bureau'],
    ]);
  });

  it('uses the default delay per severity when the unit sets none, and acknowledging stops escalation', async () => {
    const warning = await window(0, { ...GOOD, nh3n: 1.2 }); // warning: the unit says 2 h
    const at = warning.alert!.openedAt;
    expect(await rig.service.escalateDue(at + HOUR)).toHaveLength(0);
    await rig.service.acknowledge(warning.alert!.id, 'zhang.wei', '已通知污水厂排查');
    expect(await rig.service.escalateDue(at + 5 * HOUR)).toHaveLength(0);
    const detail = (await rig.service.get(warning.alert!.id))!;
    expect(detail.alert).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'zhang.wei',
      acknowledgeNote: '已通知污水厂排查',
      escalationLevel: 0,
    });
    expect(detail.timeline.map((t) => [t.kind, t.actor, t.fromState, t.toState])).toEqual([
      ['opened', 'system', null, 'open'],
      ['acknowledged', 'zhang.wei', 'open', 'acknowledged'],
    ]);
    // An acknowledged alert still counts violations and resolves after the hysteresis.
    expect((await window(1, { ...GOOD, nh3n: 1.2 })).decision).toBe('update');
    await window(2, GOOD);
    expect((await window(3, GOOD)).decision).toBe('resolve');
  });

  it('lets a person resolve with a reason; refuses acknowledging twice and resolving without a reason', async () => {
    const { alert } = await window(0, { ...GOOD, nh3n: 1.2 });
    const id = alert!.id;
    await rig.service.acknowledge(id, 'li.na');
    await expect(rig.service.acknowledge(id, 'someone.else')).rejects.toThrow(TransitionError);
    await expect(rig.service.resolve(id, 'li.na', '  ')).rejects.toThrow(/reason/);
    rig.clock.advance(HOUR);
    const resolved = await rig.service.resolve(id, 'li.na', '上游企业已停产整改');
    expect(resolved).toMatchObject({
      state: 'resolved',
      resolvedBy: 'li.na',
      resolveReason: '上游企业已停产整改',
      resolvedAt: rig.clock.now(),
    });
    await expect(rig.service.resolve(id, 'li.na', 'again')).rejects.toThrow(/already resolved/);
    await expect(rig.service.acknowledge(999, 'x')).rejects.toThrow(/not found/);
    expect((await rig.service.get(id))!.timeline.map((t) => t.kind)).toEqual(['opened', 'acknowledged', 'resolved']);
  });

  it('keeps transitions immutable: the database refuses UPDATE and DELETE', async () => {
    const { alert } = await window(0, { ...GOOD, nh3n: 1.2 });
    await rig.service.acknowledge(alert!.id, 'wang.fang', 'ok');
    const db = new Database(path.join(rig.dir, 'alerts.db'));
    try {
      expect(() => db.prepare("UPDATE alert_transitions SET actor = 'nobody'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM alert_transitions').run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM alerts').run()).toThrow(/never deleted/);
      // Two open alerts for one (rule, station) are refused by the database itself.
      expect(() =>
        db
          .prepare(
            "INSERT INTO alerts (rule, station_id, category, state, severity, opened_at, updated_at, count, latest, escalated_at) VALUES ('section_compliance', 'out-1', 'pollution', 'open', 'warning', 0, 0, 1, '{}', 0)",
          )
          .run(),
      ).toThrow(/UNIQUE/);
    } finally {
      db.close();
    }
    expect((await rig.service.get(alert!.id))!.timeline.map((t) => t.actor)).toEqual(['system', 'wang.fang']);
  });

  it('survives a restart: alerts, history and processed windows are durable', async () => {
    const { alert } = await window(0, { ...GOOD, nh3n: 1.2 });
    await rig.outbox.dispatchDue();
    const sent = receiver.requests.length;
    await rig.restart();
    expect((await rig.service.get(alert!.id))!.alert).toMatchObject({ state: 'open', count: 1 });
    expect(
      await rig.service.evaluateWindow({ stationId: 'out-1', rule: 'section_compliance', start: T0, end: T0 + W }),
    ).toEqual({ status: 'already_processed' });
    expect(await rig.outbox.dispatchDue()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(receiver.requests).toHaveLength(sent);
    expect((await window(1, { ...GOOD, nh3n: 1.2 })).alert!.id).toBe(alert!.id);
  });

  it('catches up on windows missed during downtime, in order, without duplicate alerts', async () => {
    // Readings kept arriving (spooled by ingest) while the alerts role was down for 5 windows.
    for (let i = 0; i < 5; i++) await rig.write('out-1', T0 + i * W, 4, { ...GOOD, nh3n: i < 2 ? 0.5 : 1.2 });
    rig.clock.set(T0 + 5 * W + MIN);
    const catchUp = async () => {
      const from = (await rig.service.lastProcessedEnd('section_compliance', 'out-1')) ?? T0;
      const results = [];
      for (let start = from; start + W <= rig.clock.now(); start += W) {
        results.push(
          await rig.service.evaluateWindow({ stationId: 'out-1', rule: 'section_compliance', start, end: start + W }),
        );
      }
      return results;
    };
    expect((await catchUp()).map((r) => r.decision)).toEqual(['none', 'none', 'open', 'update', 'update']);
    expect(await catchUp()).toEqual([]);
    expect(await rig.service.lastProcessedEnd('section_compliance', 'out-1')).toBe(T0 + 5 * W);
    expect(await rig.service.list({})).toHaveLength(1);
    expect((await rig.service.list({}))[0]!.count).toBe(3);
  });

  it('tells subscribers (the SSE stream) about every change', async () => {
    const events: AlertEvent[] = [];
    const unsubscribe = rig.service.subscribe((e) => events.push(e));
    const { alert } = await window(0, { ...GOOD, nh3n: 1.2 });
    await window(1, { ...GOOD, nh3n: 1.2 });
    await rig.service.acknowledge(alert!.id, 'a');
    unsubscribe();
    await rig.service.resolve(alert!.id, 'a', 'done');
    expect(events.map((e) => e.type)).toEqual(['opened', 'updated', 'acknowledged']);
  });

  it('knows which rules apply to which station, and evaluates plant effluent', async () => {
    expect(rig.service.rulesFor('out-1')).toEqual(
      expect.arrayContaining(['section_compliance', 'early_warning', 'trend_warning', 'station_offline']),
    );
    expect(rig.service.rulesFor('ctl-1')).not.toContain('section_compliance');
    expect(rig.service.rulesFor('eff-1')).toEqual(expect.arrayContaining(['effluent_hourly', 'effluent_daily']));
    expect(
      await rig.service.evaluateWindow({ stationId: 'ctl-1', rule: 'section_compliance', start: T0, end: T0 + W }),
    ).toEqual({ status: 'not_applicable' });
    await expect(
      rig.service.evaluateWindow({ stationId: 'nope', rule: 'section_compliance', start: T0, end: T0 + W }),
    ).rejects.toThrow(/unknown station/);

    await rig.write('eff-1', T0, 1, { cod: 30, nh3n: 7, tp: 0.4, temp: 18, ph: 7 });
    rig.clock.set(T0 + HOUR + MIN);
    const hourly = await rig.service.evaluateWindow({
      stationId: 'eff-1',
      rule: 'effluent_hourly',
      start: T0,
      end: T0 + HOUR,
    });
    expect(hourly.alert).toMatchObject({ rule: 'effluent_hourly', severity: 'warning' });
    expect(hourly.alert!.latest.items).toEqual([
      { parameter: 'nh3n', value: 7, limit: 5, direction: 'max', exceedance: 0.4 },
    ]);
  });

  it('filters the list by state, severity, station, station scope and time', async () => {
    await window(0, { ...GOOD, nh3n: 1.2 });
    rig.clock.set(T0 + 8 * HOUR);
    await rig.write('eff-1', T0, 1, { cod: 80, nh3n: 1, tp: 0.4, temp: 18, ph: 7 });
    await rig.service.evaluateWindow({ stationId: 'eff-1', rule: 'effluent_hourly', start: T0, end: T0 + HOUR });
    expect(await rig.service.list({})).toHaveLength(2);
    expect(await rig.service.list({ stationId: 'eff-1' })).toHaveLength(1);
    expect(await rig.service.list({ stationIds: ['eff-1', 'other'] })).toHaveLength(1);
    expect(await rig.service.list({ stationIds: [] })).toHaveLength(0);
    expect(await rig.service.list({ severity: 'critical' })).toHaveLength(0);
    expect(await rig.service.list({ state: 'resolved' })).toHaveLength(0);
    expect(await rig.service.list({ to: T0 })).toHaveLength(0);
    expect(await rig.service.list({ limit: 1 })).toHaveLength(1);
  });
});

describe('instant rules through the service (early warning, trend, sensor health)', () => {
  let receiver: HttpReceiver;
  let rig: Rig;
  beforeEach(async () => {
    receiver = await startHttpReceiver();
    rig = await createRig({ hookUrl: receiver.url('/unit') });
  });
  afterEach(async () => {
    await rig.close();
    await receiver.close();
  });

  const at = T0 + 12 * HOUR;
  const evaluate = (rule: Parameters<Rig['service']['evaluateWindow']>[0]['rule']) => {
    rig.clock.set(at + MIN);
    return rig.service.evaluateWindow({ stationId: 'out-1', rule, start: at - 15 * MIN, end: at });
  };

  it('opens a pre-alert (预警) on the latest valid reading past the target, before the window closes', async () => {
    await rig.write('out-1', at - 3 * HOUR, 3, { ...GOOD, nh3n: 0.6 });
    await rig.write('out-1', at - 10 * MIN, 1, { nh3n: 1.3 });
    const result = await evaluate('early_warning');
    expect(result.alert).toMatchObject({ rule: 'early_warning', category: 'early_warning', severity: 'warning' });
    expect(result.alert!.latest.items).toEqual([expect.objectContaining({ parameter: 'nh3n', value: 1.3, limit: 1 })]);
  });

  it('opens a trend pre-alert with the projected crossing time', async () => {
    const batch = Array.from({ length: 6 }, (_, i) => ({
      stationId: 'out-1',
      parameter: 'nh3n' as const,
      ts: at - (6 - i) * HOUR,
      value: 0.4 + 0.1 * i,
      flag: 'N' as const,
    }));
    await rig.readings.write(batch);
    const result = await evaluate('trend_warning');
    expect(result.alert?.rule).toBe('trend_warning');
    // 0.4 at at−6h rising 0.1/h reaches 1.0 at at.
    expect(result.alert!.latest.projectedAt).toBe(at);
  });

  it('counts messages ingest rejected as physically impossible (dead letters) as a sensor fault', async () => {
    await rig.write('out-1', at - 3 * HOUR, 3, GOOD);
    await rig.readings.writeDeadLetters([
      {
        receivedAt: at - HOUR,
        stationId: 'out-1',
        topic: 'wq/out-1/data',
        reason: 'implausible_value',
        detail: 'ph 19 outside 0–14',
        payload: '{}',
      },
      {
        receivedAt: at - HOUR,
        stationId: 'out-1',
        topic: 'wq/out-1/data',
        reason: 'malformed_json',
        detail: '',
        payload: '{',
      },
    ]);
    const result = await evaluate('sensor_out_of_range');
    expect(result.alert).toMatchObject({ rule: 'sensor_out_of_range', category: 'maintenance' });
    expect(result.alert!.latest.note).toBe('1 messages refused as physically impossible');
  });

  it('sends maintenance alerts (frequent M/C flags, stuck sensor) to the maintainer', async () => {
    await rig.write('out-1', at - 10 * HOUR, 10, { nh3n: 0.42, tp: 0.1 }, 'N');
    await rig.write('out-1', at - 10 * HOUR + 30 * MIN, 8, { codmn: 4 }, 'M');
    await rig.write('out-1', at - 2 * HOUR + 30 * MIN, 2, { codmn: 4 }, 'C');
    const flags = await evaluate('sensor_flags');
    expect(flags.alert).toMatchObject({ rule: 'sensor_flags', category: 'maintenance' });
    expect(flags.alert!.latest.items.map((i) => i.parameter)).toEqual(['codmn']);
    const stuck = await evaluate('sensor_stuck');
    expect(stuck.alert!.latest.items.map((i) => i.parameter).sort()).toEqual(['nh3n', 'tp']);
    await rig.outbox.dispatchDue();
    expect(new Set(receiver.requests.map((r) => r.url))).toEqual(new Set(['/unit?unit=ops']));
  });
});
