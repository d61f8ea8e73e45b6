/**
 * The alerts and jobs routes on the real HTTP app (test/api/test-app.ts: a key per role, `app.request()`), over the
 * alert core and jobs on real SQLite (test/jobs/helpers/jobs-rig.ts), with three alerts seeded:
 *   #1 section_compliance at out-1 (the outbound section, no plant), critical;
 *   #2 effluent_hourly at eff-1 (plant wwtp-1), warning;
 *   #3 station_offline at ctl-1 (a control section, maintainer alert), warning.
 * Besides the frame's keys, two operator keys: one for plant wwtp-1 (own), one for wwtp-2 (other).
 */
import { catalogData, HOUR, MIN, T0 } from '../alerts/helpers/fixtures.js';
import type { AlertRouteDeps, AlertRouteService, AlertRouteStation } from '../../src/api/routes/alerts.js';
import { register as registerAlerts } from '../../src/api/routes/alerts.js';
import { register as registerJobs } from '../../src/api/routes/jobs.js';
import { createTestApp, createTestAppWithKeysFile, type TestApp, type TestAppOptions } from '../api/test-app.js';
import { createJobsRig, type JobsRig } from '../jobs/helpers/jobs-rig.js';

export const OWN_KEY = 'test-operator-own-key-0123456789abcdef';
export const OTHER_KEY = 'test-operator-other-key-0123456789abcdef';
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

const GOOD = { ph: 7.5, do: 6.5, codmn: 4, nh3n: 0.5, tp: 0.1 };

export interface AlertApi {
  jr: JobsRig;
  t: TestApp;
  deps: AlertRouteDeps;
  shutdown: AbortController;
  /** Open subscriptions to alert events (one per open stream). */
  subscriptions(): number;
  /** Resolves at the next unsubscription (a stream ended). */
  nextUnsubscribe(): Promise<void>;
  /** The ids of the seeded alerts: section (out-1), effluent (eff-1), offline (ctl-1). */
  ids: { section: number; effluent: number; offline: number };
  close(): Promise<void>;
}

export async function createAlertApi(
  options: Pick<AlertRouteDeps, 'heartbeatMs' | 'recheckMs' | 'maxStreamsPerKey'> & { keysFile?: string } = {},
): Promise<AlertApi> {
  const jr = await createJobsRig();
  const data = catalogData();
  const stations: AlertRouteStation[] = data.stations.map((s) => ({
    id: s.id,
    name: s.name,
    ...(s.plant !== undefined ? { plant: s.plant } : {}),
    public: s.id === 'out-1',
  }));
  const shutdown = new AbortController();
  let subscriptions = 0;
  const waiting: (() => void)[] = [];
  const service: AlertRouteService = {
    ...jr.rig.service,
    subscribe(listener) {
      subscriptions += 1;
      const off = jr.rig.service.subscribe(listener);
      return () => {
        subscriptions -= 1;
        off();
        waiting.splice(0).forEach((resolve) => resolve());
      };
    },
  };
  const deps: AlertRouteDeps = {
    service: () => service,
    catalog: () => ({ stations, station: (id) => stations.find((s) => s.id === id) }),
    now: jr.rig.clock.now,
    timeZone: 'Asia/Shanghai',
    signal: shutdown.signal,
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.recheckMs !== undefined ? { recheckMs: options.recheckMs } : {}),
    ...(options.maxStreamsPerKey !== undefined ? { maxStreamsPerKey: options.maxStreamsPerKey } : {}),
  };
  const appOptions = {
    startAt: T0,
    routes: [(app) => registerAlerts(app, deps), (app) => registerJobs(app, { scheduler: () => jr.jobs.scheduler })],
    extraKeys: [
      { id: 'op-own', name: '第一污水处理厂运维', role: 'operator', plants: ['wwtp-1'], key: OWN_KEY },
      { id: 'op-other', name: '第二污水处理厂运维', role: 'operator', plants: ['wwtp-2'], key: OTHER_KEY },
    ],
  } satisfies TestAppOptions;
  const t: TestApp = options.keysFile
    ? await createTestAppWithKeysFile({ ...appOptions, keysFile: options.keysFile })
    : createTestApp(appOptions);

  const { rig } = jr;
  await rig.write('out-1', T0, 4, { ...GOOD, nh3n: 1.8 });
  await rig.write('eff-1', T0 + 3 * HOUR, 1, { cod: 30, nh3n: 12, tp: 0.3, temp: 20, ph: 7 });
  rig.clock.set(T0 + 4 * HOUR + 10 * MIN);
  const section = await rig.service.evaluateWindow({
    stationId: 'out-1',
    rule: 'section_compliance',
    start: T0,
    end: T0 + 4 * HOUR,
  });
  rig.clock.advance(MIN);
  const effluent = await rig.service.evaluateWindow({
    stationId: 'eff-1',
    rule: 'effluent_hourly',
    start: T0 + 3 * HOUR,
    end: T0 + 4 * HOUR,
  });
  rig.clock.advance(MIN);
  const offline = await rig.service.evaluateWindow({
    stationId: 'ctl-1',
    rule: 'station_offline',
    start: T0 + 3 * HOUR + 45 * MIN,
    end: T0 + 4 * HOUR,
  });
  const ids = { section: section.alert!.id, effluent: effluent.alert!.id, offline: offline.alert!.id };
  return {
    jr,
    t,
    deps,
    shutdown,
    ids,
    subscriptions: () => subscriptions,
    nextUnsubscribe: () => new Promise<void>((resolve) => waiting.push(resolve)),
    async close() {
      shutdown.abort();
      await jr.close();
    },
  };
}
