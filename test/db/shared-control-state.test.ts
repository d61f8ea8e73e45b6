/**
 * With DATABASE_URL, instances on different machines (here: different DATA_DIRs) share the control state through
 * PostgreSQL: real `node src/main.ts` processes against the harness's real server, nothing shared on disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgAlertStore } from '../../src/alerts/pg-alert-store.js';
import { openPostgres } from '../../src/db/postgres.js';
import { createDeviceStateEvents } from '../../src/ingest/hj212/device-state.js';
import { createPgDeviceStateStore } from '../../src/ingest/hj212/pg-device-state.js';
import { silentLogger } from '../../src/logger.js';
import { freePort } from '../harness/free-port.js';
import { startPostgres, type Postgres } from '../harness/postgres.js';
import { startMain, type MainProcess } from '../start/main-process.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies, checked by the assertions
type Json = Record<string, any>;

const ADMIN_KEY = 'qingliu-test-admin-key-0123456789';

interface Instance {
  proc: MainProcess;
  dataDir: string;
  url: string;
}

describe('two API instances on one PostgreSQL share the control state', () => {
  let postgres: Postgres;
  let root: string;
  const started: Instance[] = [];

  beforeAll(async () => {
    postgres = await startPostgres();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-shared-state-'));
  });
  afterAll(async () => {
    for (const i of started) i.proc.kill();
    await Promise.all(started.map((i) => i.proc.exited));
    await postgres?.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  async function start(name: string, env: Record<string, string> = {}): Promise<Instance> {
    const dataDir = path.join(root, name);
    fs.mkdirSync(dataDir, { recursive: true });
    const port = await freePort();
    const proc = startMain({
      ROLES: 'api',
      DATABASE_URL: postgres.url,
      ADMIN_API_KEY: ADMIN_KEY,
      DATA_DIR: dataDir,
      CATALOG: path.resolve('sensors/catalog.yaml'),
      DEMO: 'off',
      PORT: String(port),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      LOG_FILE: 'off',
      ...env,
    });
    const instance = { proc, dataDir, url: `http://127.0.0.1:${port}` };
    started.push(instance);
    await proc.waitFor(/"msg":"started"/, 60_000);
    return instance;
  }

  const call = async (i: Instance, method: string, route: string, body?: unknown) => {
    const res = await fetch(`${i.url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  let a: Instance;
  let b: Instance;
  beforeAll(async () => {
    [a, b] = await Promise.all([start('a'), start('b')]);
  }, 120_000);

  it('a data mark recorded through one instance is in effect, and revocable, through the other', async () => {
    const created = await call(a, 'POST', '/api/v1/stations/huangnidu/marks', {
      parameters: ['nh3n'],
      from: '2026-11-10T10:00:00+08:00',
      to: '2026-11-10T14:00:00+08:00',
      flag: 'M',
      reason: '氨氮分析仪维护 NH3-N analyser serviced',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'approved' });
    const seen = await call(b, 'GET', '/api/v1/stations/huangnidu/marks');
    expect(seen.status).toBe(200);
    expect(seen.body.items.map((m: { id: number }) => m.id)).toEqual([created.body.id]);
    const revoked = await call(b, 'POST', `/api/v1/stations/huangnidu/marks/${created.body.id}/revoke`, {
      note: '误标 marked by mistake',
    });
    expect(revoked.status).toBe(200);
    expect((await call(a, 'GET', `/api/v1/marks?state=revoked`)).body.items).toHaveLength(1);
    // Nothing of it on either instance's disk.
    for (const i of [a, b]) expect(fs.existsSync(path.join(i.dataDir, 'marks.db'))).toBe(false);
    expect(await postgres.admin('SELECT count(*)::int AS n FROM mark_decisions', [], 'qingliu')).toEqual([{ n: 2 }]);
  });

  it('an alert in PostgreSQL is listed by every API instance (without the alerts role), acknowledged through either', async () => {
    // As an alerts instance would have opened it (migrated by the API instances at start).
    const db = openPostgres({ url: postgres.url, logger: silentLogger(), max: 1 });
    const end = Date.parse('2026-11-10T12:00:00+08:00');
    try {
      const alert = await createPgAlertStore(db).transaction(async (tx) => {
        const a = await tx.insertAlert({
          rule: 'section_compliance',
          stationId: 'huangnidu',
          category: 'pollution',
          severity: 'critical',
          at: end + 60_000,
          latest: {
            rule: 'section_compliance',
            stationId: 'huangnidu',
            severity: 'critical',
            windowStart: end - 4 * 3_600_000,
            windowEnd: end,
            items: [{ parameter: 'nh3n', value: 2.3, limit: 1, direction: 'max', class: '劣V', exceedance: 1.3 }],
          },
          windowStart: end - 4 * 3_600_000,
          windowEnd: end,
          detection: null,
        });
        await tx.appendTransition({
          alertId: a.id,
          kind: 'opened',
          at: end + 60_000,
          actor: 'system',
          fromState: null,
          toState: 'open',
        });
        return a;
      });
      for (const i of [a, b]) {
        const list = await call(i, 'GET', '/api/v1/alerts?station=huangnidu');
        expect(list.status).toBe(200);
        expect(list.body.items.map((x: { id: number }) => x.id)).toEqual([alert.id]);
      }
      const acked = await call(b, 'POST', `/api/v1/alerts/${alert.id}/ack`, { note: '已通知属地排查' });
      expect(acked.status).toBe(200);
      const seen = await call(a, 'GET', `/api/v1/alerts/${alert.id}`);
      expect(seen.body.alert).toMatchObject({ id: alert.id, state: 'acknowledged' });
      expect(seen.body.timeline.map((t: { kind: string }) => t.kind)).toEqual(['opened', 'acknowledged']);
      expect(
        await postgres.admin(
          'SELECT kind FROM alert_transitions WHERE alert_id = $1 ORDER BY seq',
          [alert.id],
          'qingliu',
        ),
      ).toEqual([{ kind: 'opened' }, { kind: 'acknowledged' }]);
      for (const i of [a, b]) expect(fs.existsSync(path.join(i.dataDir, 'alerts.db'))).toBe(false);
    } finally {
      await db.close();
    }
  });

  it('the API instances show an HJ 212 logger’s state as the ingest instances record it in PostgreSQL', async () => {
    const MN = '020000A8900016F000169DC1'; // wwtp1-effluent's logger in sensors/catalog.yaml
    const device = {
      mn: MN,
      stationId: 'wwtp1-effluent',
      protocol: 'hj212-2017',
      units: {},
      record: 'hourly',
    } as const;
    const db = openPostgres({ url: postgres.url, logger: silentLogger(), max: 2 });
    try {
      // Two ingest instances behind the load balancer: the logger's connection moves from one to the other.
      const [one, two] = await Promise.all(
        ['ingest-1', 'ingest-2'].map((instance) =>
          createDeviceStateEvents({
            store: createPgDeviceStateStore(db),
            directory: { byMn: (mn) => (mn === MN ? device : undefined) },
            logger: silentLogger(),
            instance,
            flushMs: 60_000,
          }),
        ),
      );
      // Minutes ago on the clock the API instances read: a connection silent for longer would show as lost
      // (src/ingest/hj212/connection-view.ts).
      const t = Date.now() - 5 * 60_000;
      one!.connected(MN, t, '127.0.0.1:40001');
      one!.packet(MN, t + 1_000, '2011', 'hj212-2017');
      await one!.flush();
      two!.connected(MN, t + 60_000, '127.0.0.1:40002');
      two!.packet(MN, t + 61_000, '2061', 'hj212-2017');
      await two!.flush();
      one!.disconnected(MN, t + 90_000, 'timeout');
      await Promise.all([one!.stop(), two!.stop()]);
      for (const i of [a, b]) {
        const res = await call(i, 'GET', '/api/v1/stations/wwtp1-effluent/logger');
        expect(res.status).toBe(200);
        expect(res.body.logger).toMatchObject({ mn: MN, connected: true, packets: 2, last_packet_cn: '2061' });
      }
      for (const i of [a, b]) expect(fs.existsSync(path.join(i.dataDir, 'devices.db'))).toBe(false);
    } finally {
      await db.close();
    }
  });

  it('a report issued through one instance is served, byte for byte, by the other', async () => {
    const issued = await call(a, 'POST', '/api/v1/reports/monthly/issues', {
      period: '2026-11',
      reason: '迟到数据 late data',
    });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ period: '2026-11', version: 1 });
    expect((await call(b, 'GET', '/api/v1/reports/monthly/issues')).body.items).toMatchObject([{ version: 1 }]);
    const fromA = await fetch(`${a.url}/api/v1/reports/monthly/issues/2026-11/1?format=pdf`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    const fromB = await fetch(`${b.url}/api/v1/reports/monthly/issues/2026-11/1?format=pdf`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(fromB.status).toBe(200);
    expect(Buffer.from(await fromB.arrayBuffer()).equals(Buffer.from(await fromA.arrayBuffer()))).toBe(true);
    for (const i of [a, b]) expect(fs.existsSync(path.join(i.dataDir, 'reports.db'))).toBe(false);
  });
});
