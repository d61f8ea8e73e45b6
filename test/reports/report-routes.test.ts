import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createInfluxStore, type InfluxStore } from '../../src/store/influx/influx-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { describeReportRoutes } from './report-routes.case.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-reports-'));
let influx: Influxd;
beforeAll(async () => {
  influx = await startInfluxd();
}, 60_000);
afterAll(async () => {
  await influx?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describeReportRoutes('SQLite', async () =>
  createSqliteStore({ file: path.join(dir, 'qingliu.db'), logger: silentLogger() }),
);

// The InfluxDB store as an ingest process runs it: it keeps hourly rollups, and the report reads them (ADR 0006).
describeReportRoutes(
  'InfluxDB 1.6.7 with hourly rollups',
  async () =>
    createInfluxStore({
      url: influx.url,
      bucket: 'reports',
      version: 'auto',
      logger: silentLogger(),
      rollups: { writer: { instance: 'report-test', stateFile: path.join(dir, 'rollup-dirty.json'), settleMs: 0 } },
    }),
  async (store) => {
    const rollups = (store as InfluxStore).rollups;
    while (rollups.pending > 0) await rollups.pass();
    const status = await rollups.status();
    if (!status.trusted) throw new Error('rollups are not trusted after the passes');
  },
);
