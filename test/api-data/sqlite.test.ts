import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { describeDataRoutes } from './data-routes.case.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-api-data-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeDataRoutes('SQLite (a file in a temp dir)', () =>
  createSqliteStore({ file: path.join(dir, 'qingliu.db'), logger: silentLogger() }),
);
