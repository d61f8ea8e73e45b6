/**
 * One contract for the alert store, run against both adapters: SQLite (DATA_DIR/alerts.db) and PostgreSQL
 * (DATABASE_URL, the real server of the test harness). "Two instances" are two stores on the same database: two
 * connections to one SQLite file, two pools on one PostgreSQL database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAlertStore, type AlertStore, type NewAlert, type NewTransition } from '../../src/alerts/alert-store.js';
import { createChannelFactory } from '../../src/alerts/notify/channels.js';
import { createOutbox } from '../../src/alerts/outbox.js';
import { createPgAlertStore } from '../../src/alerts/pg-alert-store.js';
import type { RuleId } from '../../src/alerts/types.js';
import { migrate } from '../../src/db/migrate.js';
import { openPostgres, type Postgres } from '../../src/db/postgres.js';
import { silentLogger } from '../../src/logger.js';
import { startPostgres, type Postgres as Server } from '../harness/postgres.js';
import { HOUR, T0 } from './helpers/fixtures.js';
import { startHttpReceiver } from './helpers/http-receiver.js';
import { sampleAlert, sampleNotification } from './helpers/sample.js';

interface Adapter {
  name: string;
  setup(): Promise<void>;
  /** A fresh, empty database and a store on it. */
  fresh(): Promise<AlertStore>;
  /**
   * Another instance on the latest fresh database. SQLite has one writing process per file (ADR 0005): there the
   * "other instance" is the same store, and the contract checks that interleaved calls stay safe.
   */
  another(): Promise<AlertStore>;
  /** Runs SQL on the latest fresh database around the store (what a careless operator could do). */
  exec(sql: string): Promise<unknown>;
  teardown(): Promise<void>;
}

const sqlite = (): Adapter => {
  let dir: string;
  let file = '';
  let n = 0;
  const stores: AlertStore[] = [];
  const open = () => {
    const store = createAlertStore({ file });
    stores.push(store);
    return store;
  };
  return {
    name: 'SQLite',
    async setup() {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-alerts-contract-'));
    },
    async fresh() {
      file = path.join(dir, `alerts-${++n}.db`);
      return open();
    },
    another: async () => stores.at(-1)!,
    async exec(sql) {
      const db = new Database(file);
      try {
        return db.exec(sql);
      } finally {
        db.close();
      }
    },
    async teardown() {
      await Promise.all(stores.map((s) => s.close()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};

const postgres = (): Adapter => {
  let server: Server;
  let url = '';
  let n = 0;
  const pools: Postgres[] = [];
  const open = () => {
    const db = openPostgres({ url, logger: silentLogger(), max: 4 });
    pools.push(db);
    return db;
  };
  return {
    name: 'PostgreSQL',
    async setup() {
      server = await startPostgres();
    },
    async fresh() {
      url = await server.createDatabase(`alerts_${++n}`);
      const db = open();
      await migrate(db, silentLogger());
      return createPgAlertStore(db);
    },
    another: async () => createPgAlertStore(open()),
    exec: (sql) => pools.at(-1)!.query(sql),
    async teardown() {
      await Promise.all(pools.map((p) => p.close()));
      await server?.dispose();
    },
  };
};

const RULE: RuleId = 'section_compliance';
const W = 4 * HOUR;

function newAlert(overrides: Partial<NewAlert> = {}): NewAlert {
  const latest = sampleAlert().latest;
  return {
    rule: RULE,
    stationId: 'out-1',
    category: 'pollution',
    severity: 'critical',
    at: T0 + W + 60_000,
    latest,
    windowStart: T0,
    windowEnd: T0 + W,
    detection: null,
    ...overrides,
  };
}

const webhook = { type: 'webhook' as const, url: 'http://127.0.0.1:9/hook' };

describe.each([sqlite(), postgres()])('alert store contract: $name', (adapter) => {
  let store: AlertStore;
  beforeAll(() => adapter.setup(), 60_000);
  afterAll(() => adapter.teardown());
  beforeEach(async () => {
    store = await adapter.fresh();
  });

  it('keeps an alert as written (the finding with its Chinese text too), patches it, lists and pages it', async () => {
    const latest = { ...sampleAlert().latest, note: '氨氮超标 — 劣V类' } as NewAlert['latest'];
    const a = await store.insertAlert(newAlert({ latest, detection: 'late_data' }));
    expect(a).toMatchObject({
      rule: RULE,
      stationId: 'out-1',
      state: 'open',
      severity: 'critical',
      count: 1,
      compliantStreak: 0,
      openedAt: T0 + W + 60_000,
      detectedAt: T0 + W + 60_000,
      windowStart: T0,
      windowEnd: T0 + W,
      detection: 'late_data',
      escalationLevel: 0,
      acknowledgedBy: null,
      resolvedAt: null,
    });
    expect(a.latest).toEqual(latest);
    expect(await store.get(a.id)).toEqual(a);
    expect(await store.openAlert(RULE, 'out-1')).toEqual(a);
    expect(await store.openAlert(RULE, 'out-2')).toBeUndefined();
    expect(await store.get(a.id + 1000)).toBeUndefined();

    const acked = await store.updateAlert(a.id, {
      state: 'acknowledged',
      acknowledgedBy: '李娜',
      acknowledgedAt: T0 + 6 * HOUR,
      acknowledgeNote: null,
      count: 2,
      windowEnd: T0 + 2 * W,
    });
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: '李娜', count: 2, windowEnd: T0 + 2 * W });
    expect(await store.updateAlert(a.id, {})).toEqual(acked);
    await expect(store.updateAlert(a.id + 1000, { count: 3 })).rejects.toThrow(/not found/);

    const b = await store.insertAlert(newAlert({ stationId: 'out-2', windowStart: T0 + W, windowEnd: T0 + 2 * W }));
    const c = await store.insertAlert(
      newAlert({ stationId: 'out-3', severity: 'warning', windowStart: T0 + 2 * W, windowEnd: T0 + 3 * W }),
    );
    await store.updateAlert(c.id, { state: 'resolved', resolvedAt: T0 + 4 * W });
    expect((await store.activeAlerts()).map((x) => x.id)).toEqual([a.id, b.id]);
    // Latest window first, then newest id; `before` pages.
    expect((await store.list()).map((x) => x.id)).toEqual([c.id, b.id, a.id]);
    expect((await store.list({ limit: 2 })).map((x) => x.id)).toEqual([c.id, b.id]);
    expect((await store.list({ before: { windowEnd: T0 + 2 * W, id: b.id } })).map((x) => x.id)).toEqual([a.id]);
    expect((await store.list({ state: ['open', 'acknowledged'] })).map((x) => x.id)).toEqual([b.id, a.id]);
    expect((await store.list({ severity: 'warning' })).map((x) => x.id)).toEqual([c.id]);
    expect((await store.list({ stationIds: ['out-1', 'out-3'] })).map((x) => x.id)).toEqual([c.id, a.id]);
    expect(await store.list({ stationIds: [] })).toEqual([]);
    expect((await store.list({ from: T0 + 2 * W, to: T0 + 3 * W })).map((x) => x.id)).toEqual([c.id]);
    expect((await store.list({ rule: 'threshold' })).length).toBe(0);
  });

  it('patches several alerts in one call as one updateAlert each would, each its own columns, all or none', async () => {
    const a = await store.insertAlert(newAlert());
    const b = await store.insertAlert(newAlert({ stationId: 'out-2' }));
    const c = await store.insertAlert(newAlert({ stationId: 'out-3' }));
    const latest = { ...sampleAlert().latest, note: '氨氮超标' } as NewAlert['latest'];
    const patches = [
      { id: a.id, patch: { count: 3, windowEnd: T0 + 3 * W, latest, updatedAt: T0 + 3 * W } },
      {
        id: b.id,
        patch: {
          state: 'resolved' as const,
          resolvedBy: 'system',
          resolvedAt: T0 + 2 * W,
          resolveReason: '数据已更正',
          compliantStreak: 2,
          acknowledgeNote: null,
        },
      },
    ];
    // What one updateAlert per patch gives, rolled back: the batch call must leave the same rows.
    const expected = await store
      .transaction(async (tx) => {
        const out = [];
        for (const { id, patch } of patches) out.push(await tx.updateAlert(id, patch));
        throw Object.assign(new Error('roll back'), { out });
      })
      .catch((err: { out: unknown[] }) => err.out);
    await store.updateAlerts(patches);
    expect([await store.get(a.id), await store.get(b.id)]).toEqual(expected);
    expect(await store.get(c.id)).toEqual(c);
    await store.updateAlerts([]);
    // An unknown id: nothing of the call is written.
    await expect(
      store.transaction((tx) =>
        tx.updateAlerts([
          { id: c.id, patch: { count: 9 } },
          { id: c.id + 1000, patch: { count: 9 } },
        ]),
      ),
    ).rejects.toThrow(/not found/);
    expect(await store.get(c.id)).toEqual(c);
  });

  it('refuses a second open alert for a (rule, station); a new one opens once the first is resolved', async () => {
    const a = await store.insertAlert(newAlert());
    await expect(store.insertAlert(newAlert())).rejects.toThrow();
    await store.updateAlert(a.id, { state: 'resolved', resolvedAt: T0 + 2 * W });
    const b = await store.insertAlert(newAlert({ windowStart: T0 + 3 * W, windowEnd: T0 + 4 * W }));
    expect(b.id).not.toBe(a.id);
    expect((await store.openAlert(RULE, 'out-1'))?.id).toBe(b.id);
  });

  it('two instances judging one (rule, station) at once: one alert opened, every window counted into it', async () => {
    const other = await adapter.another();
    const judge = (s: AlertStore, i: number) =>
      s.transaction(async (tx) => {
        const open = await tx.openAlert(RULE, 'out-1');
        const alert = open
          ? await tx.updateAlert(open.id, { count: open.count + 1 })
          : await tx.insertAlert(newAlert({ windowStart: T0 + i * W, windowEnd: T0 + (i + 1) * W }));
        await tx.appendTransition({
          alertId: alert.id,
          kind: open ? 'severity_raised' : 'opened',
          at: T0,
          actor: 'system',
          fromState: open ? 'open' : null,
          toState: 'open',
        });
        return alert.id;
      });
    const ids = await Promise.all(Array.from({ length: 16 }, (_, i) => judge(i % 2 ? other : store, i)));
    expect(new Set(ids).size).toBe(1);
    expect(await store.get(ids[0]!)).toMatchObject({ count: 16, state: 'open' });
    expect((await store.timeline(ids[0]!)).filter((t) => t.kind === 'opened')).toHaveLength(1);
  });

  it('a transaction is all or nothing', async () => {
    await expect(
      store.transaction(async (tx) => {
        const a = await tx.insertAlert(newAlert());
        await tx.appendTransition({
          alertId: a.id,
          kind: 'opened',
          at: T0,
          actor: 'system',
          fromState: null,
          toState: 'open',
        });
        await tx.enqueue({ id: 'n-1', alertId: a.id, channel: webhook, notification: sampleNotification(), at: T0 });
        throw new Error('the rule failed after all');
      }),
    ).rejects.toThrow(/after all/);
    expect(await store.list()).toEqual([]);
    expect(await store.notifications(1)).toEqual([]);
    expect(await store.transaction(async (tx) => (await tx.insertAlert(newAlert())).count)).toBe(1);
  });

  it('keeps the timeline, with its data, and nobody can change or remove it; alerts are never deleted', async () => {
    const a = await store.insertAlert(newAlert());
    const opened = await store.appendTransition({
      alertId: a.id,
      kind: 'opened',
      at: T0 + W,
      actor: 'system',
      fromState: null,
      toState: 'open',
      data: { severity: 'critical', 断面: '出境' },
    });
    const acked = await store.appendTransition({
      alertId: a.id,
      kind: 'acknowledged',
      at: T0 + W + 1,
      actor: 'li.na',
      fromState: 'open',
      toState: 'acknowledged',
      note: '已通知属地排查',
    });
    expect(opened).toMatchObject({
      alertId: a.id,
      kind: 'opened',
      data: { severity: 'critical', 断面: '出境' },
      note: null,
    });
    expect(acked).toMatchObject({ note: '已通知属地排查', data: null });
    expect(await store.timeline(a.id)).toEqual([opened, acked]);
    await expect(adapter.exec("UPDATE alert_transitions SET note = 'rewritten'")).rejects.toThrow(/append-only/);
    await expect(adapter.exec('DELETE FROM alert_transitions')).rejects.toThrow(/append-only/);
    await expect(adapter.exec('DELETE FROM alerts')).rejects.toThrow(/never deleted/);
    expect(await store.timeline(a.id)).toEqual([opened, acked]);
  });

  it('judges a window once, keeps every verdict it had (append-only), and counts the re-judgments', async () => {
    const w = { rule: RULE, stationId: 'out-1', start: T0, end: T0 + W };
    expect(await store.isProcessed(RULE, 'out-1', T0, T0 + W)).toBe(false);
    expect(await store.windowVerdict(RULE, 'out-1', T0, T0 + W)).toBeUndefined();
    expect(await store.markProcessed({ ...w, outcome: 'insufficient', alertId: null, at: T0 + W + 1 })).toBe(true);
    expect(await store.markProcessed({ ...w, outcome: 'compliant', alertId: null, at: T0 + W + 2 })).toBe(false);
    expect(await store.isProcessed(RULE, 'out-1', T0, T0 + W)).toBe(true);
    await store.markProcessed({
      ...w,
      start: T0 + W,
      end: T0 + 2 * W,
      outcome: 'compliant',
      alertId: null,
      at: T0 + 2 * W,
    });
    expect(await store.lastProcessedEnd(RULE, 'out-1')).toBe(T0 + 2 * W);
    expect(await store.lastProcessedEnd(RULE, 'out-2')).toBeNull();

    const a = await store.insertAlert(newAlert());
    await store.rejudged({
      ...w,
      outcome: 'violation',
      severity: 'critical',
      alertId: a.id,
      cause: 'late_data',
      at: T0 + 3 * W,
    });
    // The same verdict again (a retry after a crash) is recorded, and does not count as a change.
    await store.rejudged({
      ...w,
      outcome: 'violation',
      severity: 'critical',
      alertId: a.id,
      cause: 'late_data',
      at: T0 + 3 * W + 1,
    });
    await store.rejudged({
      ...w,
      outcome: 'compliant',
      severity: null,
      alertId: a.id,
      cause: 'mark',
      at: T0 + 3 * W + 2,
    });
    await expect(
      store.rejudged({
        ...w,
        start: T0 + 9 * W,
        end: T0 + 10 * W,
        outcome: 'compliant',
        severity: null,
        alertId: null,
        cause: 'mark',
        at: T0,
      }),
    ).rejects.toThrow(/never judged/);

    expect(await store.windowVerdict(RULE, 'out-1', T0, T0 + W)).toEqual({
      ...w,
      outcome: 'compliant',
      severity: null,
      alertId: a.id,
      cause: 'mark',
      judgedAt: T0 + W + 1,
    });
    const history = await store.verdictHistory(RULE, 'out-1', T0, T0 + W);
    expect(history.map((v) => [v.outcome, v.severity, v.cause, v.judgedAt])).toEqual([
      ['insufficient', null, 'scheduled', T0 + W + 1],
      ['violation', 'critical', 'late_data', T0 + 3 * W],
      ['violation', 'critical', 'late_data', T0 + 3 * W + 1],
      ['compliant', null, 'mark', T0 + 3 * W + 2],
    ]);
    expect((await store.verdictsAfter(RULE, 'out-1', T0)).map((v) => [v.start, v.outcome])).toEqual([
      [T0 + W, 'compliant'],
    ]);
    expect(await store.violatingWindows(a.id)).toEqual([]);
    await store.rejudged({
      ...w,
      outcome: 'violation',
      severity: 'warning',
      alertId: a.id,
      cause: 'late_data',
      at: T0 + 3 * W + 3,
    });
    expect(await store.violatingWindows(a.id)).toEqual([{ start: T0, end: T0 + W, severity: 'warning' }]);
    expect(await store.rejudgeCounts(T0 + 3 * W, T0 + 4 * W)).toEqual({ rejudged: 4, changed: 3, beyondHorizon: 0 });
    // Station by station (the compliance export's rows); over every station, the figure above (the digest's).
    const other = { ...w, stationId: 'out-2' };
    await store.markProcessed({ ...other, outcome: 'insufficient', alertId: null, at: T0 + W + 1 });
    await store.rejudged({
      ...other,
      outcome: 'compliant',
      severity: null,
      alertId: null,
      cause: 'mark',
      at: T0 + 4 * W,
    });
    expect(await store.rejudgedByStation(T0 + 3 * W, T0 + 4 * W)).toEqual(new Map([['out-1', 4]]));
    expect(await store.rejudgedByStation(T0 + 3 * W, T0 + 4 * W + 1)).toEqual(
      new Map([
        ['out-1', 4],
        ['out-2', 1],
      ]),
    );
    expect((await store.rejudgeCounts(T0 + 3 * W, T0 + 4 * W + 1)).rejudged).toBe(5);
    expect(await store.rejudgedByStation(T0 + 4 * W + 1, T0 + 5 * W)).toEqual(new Map());

    await expect(adapter.exec("UPDATE window_verdicts SET outcome = 'compliant'")).rejects.toThrow(/append-only/);
    await expect(adapter.exec('DELETE FROM window_verdicts')).rejects.toThrow(/append-only/);
    expect(await store.verdictHistory(RULE, 'out-1', T0, T0 + W)).toHaveLength(5);
  });

  it('writes a batch of timeline rows and of re-judged verdicts as the single calls would, all or none', async () => {
    const a = await store.insertAlert(newAlert());
    const [first, ...batch] = [
      { kind: 'opened', fromState: null, toState: 'open', data: { 断面: '出境', nested: { b: 1, a: [2, 3] } } },
      { kind: 'rejudged', fromState: 'open', toState: 'open', data: { z: 1, a: 2 } },
      { kind: 'resolved', fromState: 'open', toState: 'resolved', note: '数据已更正' },
    ].map((t) => ({ alertId: a.id, at: T0 + 2 * W, actor: 'system', ...t }) as NewTransition);
    const one = await store.appendTransition(first!);
    await store.appendTransitions([]);
    await store.appendTransitions(batch);
    const timeline = await store.timeline(a.id);
    expect(timeline[0]).toEqual(one);
    expect(timeline.slice(1).map(({ seq: _, ...t }) => t)).toEqual(
      batch.map((t) => ({ ...t, note: t.note ?? null, data: t.data ?? null })),
    );
    expect(timeline[1]!.seq).toBeGreaterThan(one.seq);
    expect(timeline[2]!.seq).toBeGreaterThan(timeline[1]!.seq);

    const w = (i: number) => ({ rule: RULE, stationId: 'out-1', start: T0 + i * W, end: T0 + (i + 1) * W });
    for (const i of [0, 1, 2])
      await store.markProcessed({ ...w(i), outcome: 'insufficient', alertId: null, at: T0 + (i + 1) * W });
    const v = (i: number, outcome: 'violation' | 'compliant', at: number) => ({
      ...w(i),
      outcome,
      severity: outcome === 'violation' ? ('warning' as const) : null,
      alertId: a.id,
      cause: 'late_data' as const,
      at,
    });
    await store.rejudgedMany([]);
    // Window 0 twice in one batch: its latest is the last, its history has both.
    await store.rejudgedMany([
      v(0, 'violation', T0 + 9 * W),
      v(2, 'violation', T0 + 9 * W),
      v(0, 'compliant', T0 + 9 * W + 1),
    ]);
    expect(await store.windowVerdict(RULE, 'out-1', T0, T0 + W)).toMatchObject({
      outcome: 'compliant',
      severity: null,
      alertId: a.id,
      cause: 'late_data',
    });
    expect(await store.violatingWindows(a.id)).toEqual([{ start: T0 + 2 * W, end: T0 + 3 * W, severity: 'warning' }]);
    expect((await store.verdictHistory(RULE, 'out-1', T0, T0 + W)).map((h) => [h.outcome, h.judgedAt])).toEqual([
      ['insufficient', T0 + W],
      ['violation', T0 + 9 * W],
      ['compliant', T0 + 9 * W + 1],
    ]);
    expect((await store.verdictHistory(RULE, 'out-1', T0 + W, T0 + 2 * W)).map((h) => h.outcome)).toEqual([
      'insufficient',
    ]);
    expect(await store.rejudgeCounts(T0 + 9 * W, T0 + 10 * W)).toEqual({ rejudged: 3, changed: 3, beyondHorizon: 0 });

    // A window never judged fails the whole batch: nothing of it is written.
    await expect(store.rejudgedMany([v(1, 'violation', T0 + 11 * W), v(7, 'violation', T0 + 11 * W)])).rejects.toThrow(
      /never judged/,
    );
    expect(await store.windowVerdict(RULE, 'out-1', T0 + W, T0 + 2 * W)).toMatchObject({ outcome: 'insufficient' });
    expect(await store.verdictHistory(RULE, 'out-1', T0 + W, T0 + 2 * W)).toHaveLength(1);
  });

  it('moves the touch cursor with the report of what the touches led to', async () => {
    expect(await store.touchCursor('readings')).toBeNull();
    const report = {
      recordedAt: T0 + W,
      stationId: 'out-1',
      from: T0,
      to: T0 + HOUR,
      cause: 'late_data' as const,
      windows: 1,
      beyondHorizon: 2,
      consumedAt: T0 + 2 * W,
    };
    await store.consumeTouches('readings', T0 + 2 * W - 60_000, [report, { ...report, beyondHorizon: 3 }]);
    expect(await store.touchCursor('readings')).toBe(T0 + 2 * W - 60_000);
    await store.consumeTouches('readings', T0 + 3 * W, []);
    expect(await store.touchCursor('readings')).toBe(T0 + 3 * W);
    expect((await store.rejudgeCounts(T0 + 2 * W, T0 + 3 * W)).beyondHorizon).toBe(5);
    expect((await store.rejudgeCounts(T0 + 3 * W, T0 + 4 * W)).beyondHorizon).toBe(0);
  });

  it('queues a notification once per idempotency key and keeps it byte for byte', async () => {
    const n = sampleNotification('zh-CN');
    expect(await store.enqueue({ id: n.id, alertId: 42, channel: webhook, notification: n, at: T0 })).toBe(true);
    expect(await store.enqueue({ id: n.id, alertId: 42, channel: webhook, notification: n, at: T0 + 1 })).toBe(false);
    const [entry] = await store.notifications(42);
    expect(entry).toEqual({
      id: n.id,
      alertId: 42,
      channel: webhook,
      notification: n,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: T0,
      createdAt: T0,
      deliveredAt: null,
      lastError: null,
    });
    expect(JSON.stringify(entry!.notification)).toBe(JSON.stringify(n));
    expect(await store.outboxStats()).toEqual({ pending: 1, delivered: 0, failed: 0, oldestPendingAt: T0 });
  });

  it('queues several notifications in one call as enqueue each would, leaving out ids queued already', async () => {
    const zh = sampleNotification('zh-CN');
    const en = { ...sampleNotification('en'), id: 'n-en' };
    expect(await store.enqueue({ id: zh.id, alertId: 7, channel: webhook, notification: zh, at: T0 })).toBe(true);
    expect(await store.enqueueMany([])).toBe(0);
    expect(
      await store.enqueueMany([
        { id: zh.id, alertId: 7, channel: webhook, notification: zh, at: T0 + 1 },
        { id: en.id, alertId: 7, channel: webhook, notification: en, at: T0 + 2 },
      ]),
    ).toBe(1);
    const entries = await store.notifications(7);
    expect(entries.map((e) => [e.id, e.createdAt, e.nextAttemptAt, e.state, e.attempts])).toEqual([
      [zh.id, T0, T0, 'pending', 0],
      [en.id, T0 + 2, T0 + 2, 'pending', 0],
    ]);
    expect(entries[1]).toMatchObject({ channel: webhook, notification: en, deliveredAt: null, lastError: null });
    expect(JSON.stringify(entries[1]!.notification)).toBe(JSON.stringify(en));
  });

  it('claims due notifications for one sender until marked or until the lease ends', async () => {
    for (let i = 0; i < 5; i++) {
      await store.enqueue({
        id: `n-${i}`,
        alertId: 1,
        channel: webhook,
        notification: sampleNotification(),
        at: T0 + i,
      });
    }
    const other = await adapter.another();
    const lease = 60_000;
    const now = T0 + 10;
    expect((await store.claimDue(now, 2, lease)).map((e) => e.id)).toEqual(['n-0', 'n-1']);
    expect((await other.claimDue(now, 10, lease)).map((e) => e.id)).toEqual(['n-2', 'n-3', 'n-4']);
    expect(await store.claimDue(now + lease - 1, 10, lease)).toEqual([]);

    await store.markDelivered('n-0', now + 5);
    await store.markRetry('n-1', 1, now + 30_000, 'HTTP 503');
    await other.markFailed('n-2', 1, 'HTTP 400');
    // Released by the retry: due again at its next attempt; n-3 and n-4 stay claimed until the lease ends.
    expect((await store.claimDue(now + 30_000, 10, lease)).map((e) => e.id)).toEqual(['n-1']);
    // The other sender died holding n-3 and n-4: they come back when its lease ends.
    expect((await store.claimDue(now + lease, 10, lease)).map((e) => e.id)).toEqual(['n-3', 'n-4']);
    // A late mark by the sender that lost its claim cannot undo a delivery.
    await other.markFailed('n-0', 2, 'timeout');
    await other.markDelivered('n-0', now + 99);
    const entries = new Map((await store.notifications(1)).map((e) => [e.id, e]));
    expect(entries.get('n-0')).toMatchObject({ state: 'delivered', deliveredAt: now + 5, attempts: 1 });
    expect(entries.get('n-1')).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastError: 'HTTP 503',
      nextAttemptAt: now + 30_000,
    });
    expect(entries.get('n-2')).toMatchObject({ state: 'failed', attempts: 1, lastError: 'HTTP 400' });
    expect(await store.outboxStats()).toEqual({ pending: 3, delivered: 1, failed: 1, oldestPendingAt: T0 + 1 });
  });

  it('two senders on one outbox deliver every notification exactly once', async () => {
    const receiver = await startHttpReceiver();
    await receiver.up();
    try {
      const channel = { type: 'webhook' as const, url: receiver.url() };
      const count = 60;
      for (let i = 0; i < count; i++) {
        const n = { ...sampleNotification(), id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` };
        await store.enqueue({ id: n.id, alertId: 7, channel, notification: n, at: T0 });
      }
      const other = await adapter.another();
      const sender = (s: AlertStore) =>
        createOutbox({
          store: s,
          channels: createChannelFactory({ secrets: () => undefined, now: () => T0 + 1_000, timeoutMs: 5_000 }),
          now: () => T0 + 1_000,
          logger: silentLogger(),
          concurrency: 3,
          batchSize: 7,
        });
      const senders = [sender(store), sender(other)];
      // Each sender passes again and again until nothing is due: they race for the same rows all along.
      await Promise.all(
        senders.map(async (o) => {
          for (;;) {
            const r = await o.dispatchDue();
            if (r.delivered + r.retried + r.failed === 0) return;
          }
        }),
      );
      const keys = receiver.requests.map((r) => r.headers['idempotency-key']);
      expect(keys).toHaveLength(count);
      expect(new Set(keys).size).toBe(count);
      expect(await store.outboxStats()).toMatchObject({ pending: 0, delivered: count, failed: 0 });
    } finally {
      await receiver.close();
    }
  });
});
