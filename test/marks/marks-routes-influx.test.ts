import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createInfluxStore } from '../../src/store/influx/influx-store.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { describeMarkRoutes } from './marks-routes.case.js';

let influx: Influxd;
beforeAll(async () => {
  influx = await startInfluxd();
});
afterAll(async () => {
  await influx?.dispose();
});

describeMarkRoutes('InfluxDB 1.6.7 (real influxd)', () =>
  createInfluxStore({ url: influx.url, bucket: 'mark_api', version: 'auto', logger: silentLogger() }),
);
