import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { describeMarkedStore } from './marked-reading-store.case.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-marked-sqlite-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeMarkedStore('SQLite', async () => {
  const store = createSqliteStore({ file: path.join(dir, 'qingliu.db'), logger: silentLogger() });
  await store.start();
  return { reader: store, write: (readings) => store.write(readings), close: () => store.stop() };
});
