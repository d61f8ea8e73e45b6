import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWindow } from '../../src/domain/time-window.js';
import { silentLogger } from '../../src/logger.js';
import { createInfluxStore } from '../../src/store/influx/influx-store.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { describeDataRoutes } from './data-routes.case.js';
import { seed, sh } from './fixture.js';

let influx: Influxd;
beforeAll(async () => {
  influx = await startInfluxd();
});
afterAll(async () => {
  await influx?.dispose();
});

describeDataRoutes('InfluxDB 1.6.7 (real influxd)', () =>
  createInfluxStore({ url: influx.url, bucket: 'api_data', version: 'auto', logger: silentLogger() }),
);

describe('aggregate with extremes: false (what quality and compliance ask for)', () => {
  it('gives the same means, counts and excluded counts, without min and max', async () => {
    const store = createInfluxStore({ url: influx.url, bucket: 'extremes', version: 'auto', logger: silentLogger() });
    await store.start();
    try {
      await seed(store);
      const query = {
        stationId: 'outbound',
        parameters: ['nh3n', 'tp'] as const,
        from: sh(2024, 5, 1),
        to: sh(2024, 5, 5),
        window: parseWindow('1d'),
        timeZone: 'Asia/Shanghai',
        validOnly: true,
      };
      const full = await store.aggregate({ ...query, parameters: [...query.parameters] });
      const lean = await store.aggregate({ ...query, parameters: [...query.parameters], extremes: false });
      expect(lean).toEqual(full.map((b) => ({ ...b, min: null, max: null })));
      expect(full[0]).toMatchObject({ parameter: 'nh3n', min: 0.8, max: 0.8, count: 22, excluded: 2 });
      expect(full[0]!.mean).toBeCloseTo(0.8, 9);
    } finally {
      await store.stop();
    }
  });
});
