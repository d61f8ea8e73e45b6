import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { withDataMarks } from '../../src/marks/marked-reading-store.js';
import { createSqliteMarkStore } from '../../src/marks/sqlite-mark-store.js';
import { describeMarkedStore } from './marked-reading-store.case.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-marked-sqlite-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeMarkedStore('SQLite', async () => {
  const store = createSqliteStore({ file: path.join(dir, 'qingliu.db'), logger: silentLogger() });
  await store.start();
  return { reader: store, write: (readings) => store.write(readings), close: () => store.stop() };
});

describe('the decorator passes through what it does not change', () => {
  it('records touched windows in the inner store (re-judgment reads them there)', async () => {
    const inner = createSqliteStore({ file: path.join(dir, 'touches.db'), logger: silentLogger() });
    await inner.start();
    const marks = createSqliteMarkStore({ file: ':memory:' });
    const store = withDataMarks(inner, marks);
    expect(store.kind).toBe('sqlite');
    await store.recordTouches!([{ stationId: 's1', from: 0, to: 10, cause: 'mark', at: 5 }]);
    expect(await inner.touches!({ after: 0, until: Number.MAX_SAFE_INTEGER })).toHaveLength(1);
    expect(await store.touches!({ after: 0, until: Number.MAX_SAFE_INTEGER })).toHaveLength(1);
    await marks.close();
    await inner.stop();
  });
});
