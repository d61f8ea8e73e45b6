/**
 * Live alert events across instances sharing PostgreSQL (src/alerts/pg-alert-events.ts): what one instance's
 * alert service does reaches the subscribers (the SSE stream) of another, once, with the alert as stored — and
 * again after the database restarted. Two createAlerts wirings on their own pools, as two processes have; a real
 * PostgreSQL from the harness.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertCatalog } from '../../src/alerts/alert-catalog.js';
import type { AlertEvent } from '../../src/alerts/alert-service.js';
import { createAlerts, type Alerts } from '../../src/alerts/create-alerts.js';
import { loadConfig } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { openPostgres, type Postgres } from '../../src/db/postgres.js';
import { silentLogger } from '../../src/logger.js';
import { startPostgres, type Postgres as Server } from '../harness/postgres.js';
import { catalogData, HOUR, MIN, T0 } from './helpers/fixtures.js';
import { createRig, type Rig } from './helpers/setup.js';

const W = 4 * HOUR;
const BAD = { ph: 7.5, do: 6.5, codmn: 4, nh3n: 1.8, tp: 0.1 };

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('alert events between instances on one PostgreSQL', () => {
  let server: Server;
  let rig: Rig;
  const pools: Postgres[] = [];
  /** [0]: the alerts leader, [1]: an API-only instance. */
  const instances: Alerts[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-alert-events-'));

  beforeAll(async () => {
    server = await startPostgres();
    rig = await createRig({ hookUrl: 'http://127.0.0.1:9/unit' });
    for (let i = 0; i < 2; i++) pools.push(openPostgres({ url: server.url, logger: silentLogger(), max: 4 }));
    await migrate(pools[0]!, silentLogger());
    for (const db of pools) {
      instances.push(
        createAlerts({
          config: loadConfig({ DATA_DIR: dir }),
          catalog: createAlertCatalog(catalogData('http://127.0.0.1:9/unit')),
          readings: rig.readings,
          logger: silentLogger(),
          now: rig.clock.now,
          db,
        }),
      );
    }
  }, 60_000);
  afterAll(async () => {
    for (const alerts of instances) await alerts.stop();
    await Promise.all(pools.map((p) => p.close()));
    await rig?.close();
    await server?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("hands one instance's events to the other's subscribers once, with the stored alert; its own once too", async () => {
    const [leader, api] = instances as [Alerts, Alerts];
    const heardByApi: AlertEvent[] = [];
    const heardByLeader: AlertEvent[] = [];
    const offApi = api.service.subscribe((e) => heardByApi.push(e));
    const offLeader = leader.service.subscribe((e) => heardByLeader.push(e));
    // Both LISTEN connections are up (createAlerts starts them in the background).
    const listening = async () =>
      Number(
        (
          await pools[0]!.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE '%:alert-events' AND query LIKE 'LISTEN %'`,
          )
        )[0]!.n,
      );
    const deadline = Date.now() + 15_000;
    while ((await listening()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await listening()).toBe(2);

    await rig.write('out-1', T0, 8, BAD);
    rig.clock.set(T0 + 2 * W + 5 * MIN);
    for (const start of [T0, T0 + W])
      await leader.service.evaluateWindow({ stationId: 'out-1', rule: 'section_compliance', start, end: start + W });
    await until(() => heardByApi.length >= 2, 'the API instance to hear the two events');
    expect(heardByApi.map((e) => e.type)).toEqual(['opened', 'updated']);
    const stored = (await api.service.list({ stationId: 'out-1' }))[0]!;
    expect(heardByApi[0]!.alert).toMatchObject({ id: stored.id, rule: 'section_compliance', stationId: 'out-1' });
    expect(heardByApi[1]!.alert.count).toBe(2);

    // An acknowledgement on the API instance reaches the leader's subscribers.
    await api.service.acknowledge(stored.id, 'bureau-duty', '已通知现场');
    await until(() => heardByLeader.some((e) => e.type === 'acknowledged'), 'the leader to hear the acknowledgement');
    // Nobody hears an event twice (its own through the database as well).
    await new Promise((r) => setTimeout(r, 300));
    expect(heardByLeader.map((e) => e.type)).toEqual(['opened', 'updated', 'acknowledged']);
    expect(heardByApi.map((e) => e.type)).toEqual(['opened', 'updated', 'acknowledged']);
    offApi();
    offLeader();
  });

  it('listens again after the database restarted', async () => {
    const [leader, api] = instances as [Alerts, Alerts];
    const heard: AlertEvent[] = [];
    const off = api.service.subscribe((e) => heard.push(e));
    await server.restart();
    // What happens before the relay listens again is not replayed (a live view): the leader judges one window
    // after another until the API instance hears one — within seconds of the restart.
    let start = T0 + 2 * W;
    await rig.write('out-1', start, 30 * 4, BAD);
    const deadline = Date.now() + 30_000;
    while (!heard.some((e) => e.type === 'updated') && Date.now() < deadline) {
      rig.clock.set(start + W + 5 * MIN);
      try {
        await leader.service.evaluateWindow({ stationId: 'out-1', rule: 'section_compliance', start, end: start + W });
        start += W;
      } catch {
        // the leader's pool meets the restarted server too; the next attempt gets a fresh connection
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(heard.some((e) => e.type === 'updated')).toBe(true);
    const id = (await leader.service.list({ stationId: 'out-1' }))[0]!.id;
    await leader.service.resolve(id, 'bureau-duty', '现场已处置');
    await until(() => heard.some((e) => e.type === 'resolved'), 'the resolution');
    expect(heard.filter((e) => e.type === 'resolved')).toHaveLength(1);
    off();
  }, 60_000);
});
