/**
 * A report's data basis lists the windows re-judged since its last issue (issue 15 via issue 14), read from the
 * alert database's verdict history — the real SQLite file the alerts role writes, opened read-only, or the real
 * PostgreSQL the alerts instances share (DATABASE_URL).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAlertStore, type AlertStore } from '../../src/alerts/alert-store.js';
import { createPgAlertStore } from '../../src/alerts/pg-alert-store.js';
import { rejudgedWindowsFrom, rejudgedWindowsFromPostgres } from '../../src/alerts/rejudged-windows.js';
import { migrate } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres.js';
import { silentLogger } from '../../src/logger.js';
import type { DataMarks } from '../../src/reports/data-marks.js';
import { startPostgres } from '../harness/postgres.js';
import { tempDir } from '../ingest/helpers.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 3, 0, 0);

/** Re-judges a window of s1 after `since`, one of s2 before it, one of s3 (not asked); checks what is listed. */
async function scenario(store: AlertStore, reader: Pick<DataMarks, 'rejudgedSince'>) {
  const q = { stationIds: ['s1', 's2'], from: T0, to: T0 + 30 * 24 * H, since: T0 + 10 * 24 * H };
  const window = (station: string, start: number) => ({
    rule: 'section_compliance' as const,
    stationId: station,
    start,
    end: start + 4 * H,
  });
  for (const [station, start] of [
    ['s1', T0],
    ['s2', T0 + 4 * H],
    ['s3', T0],
  ] as const)
    await store.markProcessed({ ...window(station, start), outcome: 'insufficient', alertId: null, at: start + 5 * H });
  // s1's window re-judged from late data after the last issue; s2's before it; s3 is not in the report.
  await store.rejudged({
    ...window('s1', T0),
    outcome: 'violation',
    severity: 'critical',
    alertId: null,
    cause: 'late_data',
    at: T0 + 12 * 24 * H,
  });
  await store.rejudged({
    ...window('s2', T0 + 4 * H),
    outcome: 'compliant',
    severity: null,
    alertId: null,
    cause: 'mark',
    at: T0 + 5 * 24 * H,
  });
  await store.rejudged({
    ...window('s3', T0),
    outcome: 'violation',
    severity: 'critical',
    alertId: null,
    cause: 'late_data',
    at: T0 + 12 * 24 * H,
  });
  await store.close();

  expect(await reader.rejudgedSince(q)).toEqual([
    {
      station: 's1',
      from: T0,
      to: T0 + 4 * H,
      reason: 'section_compliance：因补传或迟到数据重新评价为超标 / re-judged violation after late or back-filled data',
    },
  ]);
  // A window outside the period is not listed.
  expect(await reader.rejudgedSince({ ...q, from: T0 + 24 * H })).toEqual([]);
}

describe('re-judged windows for a report', () => {
  it('lists the windows of the asked stations and period re-judged after `since`, with why and what they became', async () => {
    const dir = tempDir('qingliu-rejudged-');
    const reader = rejudgedWindowsFrom({ dataDir: dir });
    // No alert database yet: nothing was re-judged.
    expect(await reader.rejudgedSince({ stationIds: ['s1'], from: T0, to: T0 + H, since: 0 })).toEqual([]);
    await scenario(createAlertStore({ dataDir: dir }), reader);
    expect(path.basename(dir)).toMatch(/^qingliu-rejudged-/);
  });

  it('reads the same from PostgreSQL (DATABASE_URL), where every instance finds it', async () => {
    const server = await startPostgres();
    const db = openPostgres({ url: server.url, logger: silentLogger(), max: 2 });
    try {
      await migrate(db, silentLogger());
      await scenario(createPgAlertStore(db), rejudgedWindowsFromPostgres(db));
    } finally {
      await db.close();
      await server.dispose();
    }
  }, 60_000);
});
