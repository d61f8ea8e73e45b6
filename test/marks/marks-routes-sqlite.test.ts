import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { describeMarkRoutes } from './marks-routes.case.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-mark-api-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeMarkRoutes('SQLite', () => createSqliteStore({ file: path.join(dir, 'qingliu.db'), logger: silentLogger() }));
