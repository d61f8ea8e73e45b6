/**
 * Two alerts instances on one PostgreSQL: two real alert services, each on its own pool (createPgAlertStore),
 * judging the same windows of the same station at the same time — as during a failover, when a deposed leader
 * finishes a write after the new one started (ADR 0016). One alert, one "opened" per channel, every window once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertCatalog } from '../../src/alerts/alert-catalog.js';
import { createAlertService, type AlertService } from '../../src/alerts/alert-service.js';
import { createPgAlertStore } from '../../src/alerts/pg-alert-store.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import { migrate } from '../../src/db/migrate.js';
import { openPostgres, type Postgres } from '../../src/db/postgres.js';
import { silentLogger } from '../../src/logger.js';
import { startPostgres, type Postgres as Server } from '../harness/postgres.js';
import { catalogData, HOUR, MIN, T0 } from './helpers/fixtures.js';
import { createRig, type Rig } from './helpers/setup.js';

const W = 4 * HOUR;
const BAD = { ph: 7.5, do: 6.5, codmn: 4, nh3n: 1.8, tp: 0.1 };

describe('two alert services on one PostgreSQL', () => {
  let server: Server;
  let rig: Rig;
  const pools: Postgres[] = [];
  let services: AlertService[];

  beforeAll(async () => {
    server = await startPostgres();
    // The rig gives the readings (the embedded store) and the clock; the alert state is PostgreSQL's.
    rig = await createRig({ hookUrl: 'http://127.0.0.1:9/unit' });
    for (let i = 0; i < 2; i++) pools.push(openPostgres({ url: server.url, logger: silentLogger(), max: 4 }));
    await migrate(pools[0]!, silentLogger());
    const catalog = createAlertCatalog(catalogData('http://127.0.0.1:9/unit'));
    services = pools.map((db) =>
      createAlertService({
        store: createPgAlertStore(db),
        catalog,
        readings: rig.readings,
        settings: defaultAlertSettings(),
        now: rig.clock.now,
        logger: silentLogger(),
        timeZone: 'Asia/Shanghai',
        lang: 'zh-CN',
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await rig?.close();
    await server?.dispose();
  });

  it('opens one alert and counts each window once when both judge the same windows at once', async () => {
    const windows = 6;
    await rig.write('out-1', T0, windows * 4, BAD);
    rig.clock.set(T0 + windows * W + 5 * MIN);
    // Both instances judge every window, in order, at the same time.
    const results = await Promise.all(
      services.map(async (service) => {
        const out = [];
        for (let i = 0; i < windows; i++) {
          const start = T0 + i * W;
          out.push(
            await service.evaluateWindow({ stationId: 'out-1', rule: 'section_compliance', start, end: start + W }),
          );
        }
        return out;
      }),
    );
    const statuses = results.flat().map((r) => r.status);
    expect(statuses.filter((s) => s === 'processed')).toHaveLength(windows);
    expect(statuses.filter((s) => s === 'already_processed')).toHaveLength(windows);

    const alerts = await services[1]!.list({ stationId: 'out-1' });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ state: 'open', count: windows, rule: 'section_compliance' });
    const detail = (await services[0]!.get(alerts[0]!.id))!;
    expect(detail.timeline.filter((t) => t.kind === 'opened')).toHaveLength(1);
    // "opened" once per channel of the first unit, whoever opened it.
    expect(detail.notifications.filter((n) => n.event === 'opened')).toHaveLength(1);
    const verdicts = await server.admin<{ n: number }>(
      "SELECT count(*)::int AS n FROM window_verdicts WHERE station_id = 'out-1'",
      [],
      'qingliu',
    );
    expect(verdicts).toEqual([{ n: windows }]);

    // An operator acknowledges through one instance while the other escalates: one of the two wins, cleanly.
    rig.clock.advance(24 * HOUR);
    const [acked, escalated] = await Promise.all([
      services[0]!.acknowledge(alerts[0]!.id, 'li.na', '已通知属地排查'),
      services[1]!.escalateDue(),
    ]);
    expect(acked.state).toBe('acknowledged');
    const timeline = (await services[1]!.get(alerts[0]!.id))!.timeline.map((t) => t.kind);
    // Escalation re-reads the alert under its row lock: after the acknowledgement it no longer escalates.
    expect(timeline.filter((k) => k === 'acknowledged')).toHaveLength(1);
    expect(timeline.filter((k) => k === 'escalated')).toHaveLength(escalated.length);
  });
});
