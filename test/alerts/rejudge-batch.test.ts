/**
 * A batch of re-judgments (rejudge-batch.ts: read once per (rule, station), written once at the end) leaves the alert
 * store exactly as re-judging the same windows one call each does: alerts, timelines (sequence numbers included),
 * verdicts with their history, queued notifications. Two real alert stores (SQLite files; PostgreSQL databases of
 * the harness's server) on one real reading store, the same clock; random data before and between rounds of
 * corrections (fast-check).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertCatalog } from '../../src/alerts/alert-catalog.js';
import { createAlertService, type AlertService } from '../../src/alerts/alert-service.js';
import { createAlertStore, type AlertStore } from '../../src/alerts/alert-store.js';
import { createPgAlertStore } from '../../src/alerts/pg-alert-store.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import type { DataFlag } from '../../src/domain/flags.js';
import type { Reading } from '../../src/domain/reading.js';
import { migrate } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres.js';
import { silentLogger } from '../../src/logger.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startPostgres, type Postgres as Server } from '../harness/postgres.js';
import { catalogData, HOUR, T0 } from './helpers/fixtures.js';

const W = 4 * HOUR;
const WINDOWS = 8;
/** NH3-N around the GB 3838-2002 limits (III ≤ 1.0, IV ≤ 1.5, V ≤ 2.0; target III), or no data. */
const NH3N = [null, 0.4, 0.9, 1.2, 1.8, 2.5] as const;
const FLAGS: DataFlag[] = ['N', 'N', 'N', 'M'];
const RULE = 'section_compliance' as const;

/** One window's data: its NH3-N level (or none) and flag. */
const windowData = fc.record({ level: fc.integer({ min: 0, max: NH3N.length - 1 }), flag: fc.constantFrom(...FLAGS) });
type WindowData = typeof windowData extends fc.Arbitrary<infer T> ? T : never;

function readingsOf(i: number, d: WindowData): Reading[] {
  const nh3n = NH3N[d.level];
  const out: Reading[] = [];
  for (let h = 0; h < 4; h++) {
    const ts = T0 + i * W + h * HOUR;
    // No data: the window's readings are all flagged as the logger's fault (D), so none is valid.
    const flag = nh3n === null ? 'D' : d.flag;
    for (const [parameter, value] of Object.entries({ ph: 7.5, do: 6.5, codmn: 4, tp: 0.1, temp: 15, nh3n: nh3n ?? 0 }))
      out.push({ stationId: 'out-1', parameter: parameter as Reading['parameter'], ts, value, flag });
  }
  return out;
}

type Rows = (sql: string) => Promise<Record<string, unknown>[]>;

/** Everything the alert database holds, as rows (notifications without their random ids). */
async function dump(rows: Rows) {
  return {
    alerts: await rows('SELECT * FROM alerts ORDER BY id'),
    transitions: await rows('SELECT * FROM alert_transitions ORDER BY seq'),
    windows: await rows('SELECT * FROM processed_windows ORDER BY rule, station_id, window_start'),
    verdicts: await rows('SELECT * FROM window_verdicts ORDER BY seq'),
    // Notifications queued in one instant have no order but their random ids: compared as a set.
    outbox: (await rows('SELECT alert_id, channel, notification FROM outbox'))
      .map((r) => {
        const { id: _, ...n } = (
          typeof r.notification === 'string' ? JSON.parse(r.notification) : r.notification
        ) as Record<string, unknown>;
        return JSON.stringify({ ...r, notification: n });
      })
      .sort(),
  };
}

/** Two fresh alert databases of one kind, the stores on them, and their rows. */
interface Backend {
  name: string;
  runs: number;
  setup(): Promise<void>;
  pair(): Promise<{ stores: [AlertStore, AlertStore]; rows: [Rows, Rows]; close(): Promise<void> }>;
  teardown(): Promise<void>;
}

const sqlite = (): Backend => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-rejudge-batch-'));
  let n = 0;
  return {
    name: 'SQLite',
    runs: 40,
    setup: async () => undefined,
    async pair() {
      const files = [path.join(dir, `batch-${++n}.db`), path.join(dir, `single-${n}.db`)];
      const stores = files.map((file) => createAlertStore({ file })) as [AlertStore, AlertStore];
      const rows = files.map((file) => async (sql: string) => {
        const db = new Database(file, { readonly: true });
        try {
          return db.prepare(sql).all() as Record<string, unknown>[];
        } finally {
          db.close();
        }
      }) as [Rows, Rows];
      return { stores, rows, close: async () => void (await Promise.all(stores.map((s) => s.close()))) };
    },
    teardown: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
};

const postgres = (): Backend => {
  let server: Server;
  let n = 0;
  return {
    name: 'PostgreSQL',
    runs: 8,
    async setup() {
      server = await startPostgres();
    },
    async pair() {
      const dbs = await Promise.all(
        ['batch', 'single'].map(async (kind) => {
          const db = openPostgres({
            url: await server.createDatabase(`${kind}_${++n}`),
            logger: silentLogger(),
            max: 2,
          });
          await migrate(db, silentLogger());
          return db;
        }),
      );
      return {
        stores: dbs.map(createPgAlertStore) as [AlertStore, AlertStore],
        rows: dbs.map((db) => (sql: string) => db.query<Record<string, unknown>>(sql)) as [Rows, Rows],
        close: async () => void (await Promise.all(dbs.map((db) => db.close()))),
      };
    },
    teardown: async () => server?.dispose(),
  };
};

describe.each([sqlite(), postgres()])('re-judgment batch: $name', (backend) => {
  beforeAll(() => backend.setup(), 60_000);
  afterAll(() => backend.teardown());

  it('leaves the alert store as re-judging each window in its own call does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(windowData, { minLength: WINDOWS, maxLength: WINDOWS }),
        fc.array(
          fc.record({
            changes: fc.array(fc.tuple(fc.integer({ min: 0, max: WINDOWS - 1 }), windowData), { maxLength: 6 }),
            /** The round re-judges the windows from this one on (an alert may have windows before them). */
            from: fc.integer({ min: 0, max: WINDOWS - 1 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        async (initial, rounds) => {
          let now = T0 + WINDOWS * W + 10 * 60_000;
          const readings = createSqliteStore({ file: ':memory:', logger: silentLogger() });
          await readings.start();
          const { stores, rows, close } = await backend.pair();
          const [batch, single] = stores.map((store) =>
            createAlertService({
              store,
              catalog: createAlertCatalog(catalogData('http://127.0.0.1:9/hook')),
              readings,
              settings: defaultAlertSettings(),
              now: () => now,
              logger: silentLogger(),
              timeZone: 'Asia/Shanghai',
              lang: 'zh-CN',
            }),
          ) as [AlertService, AlertService];
          try {
            for (let i = 0; i < WINDOWS; i++) await readings.write(readingsOf(i, initial[i]!));
            for (let i = 0; i < WINDOWS; i++)
              for (const service of [batch, single])
                await service.evaluateWindow({
                  stationId: 'out-1',
                  rule: RULE,
                  start: T0 + i * W,
                  end: T0 + (i + 1) * W,
                });
            for (const { changes, from } of rounds) {
              now += HOUR;
              for (const [i, d] of changes) await readings.write(readingsOf(i, d));
              // Each window once, oldest first (as rejudgeTouched hands them), whether its data changed or not.
              const windows = Array.from({ length: WINDOWS - from }, (_, i) => ({
                start: T0 + (from + i) * W,
                end: T0 + (from + i + 1) * W,
                cause: 'late_data' as const,
              }));
              const [{ results, failure }] = await batch.rejudgeWindows([{ stationId: 'out-1', rule: RULE, windows }]);
              expect(failure).toBeUndefined();
              const one = [];
              for (const w of windows) one.push(await single.rejudgeWindow({ stationId: 'out-1', rule: RULE, ...w }));
              expect(results).toEqual(one);
            }
            const [a, b] = await Promise.all(rows.map(dump));
            expect(a).toEqual(b);
            expect(a.windows).toHaveLength(WINDOWS);
          } finally {
            await readings.stop();
            await close();
          }
        },
      ),
      {
        numRuns: backend.runs,
        examples: [
          // A correction resolves the alert of window 6 ("data corrected"), and window 7 opens another in the batch.
          [
            Array.from({ length: WINDOWS }, (_, i) => ({ level: i === 6 ? 3 : 0, flag: 'N' as DataFlag })),
            [
              {
                changes: [
                  [6, { level: 0, flag: 'N' }],
                  [7, { level: 3, flag: 'N' }],
                ] as [number, WindowData][],
                from: 0,
              },
            ],
          ],
        ],
      },
    );
  }, 120_000);

  it('runs inBatch in the transaction of the verdicts: if it fails, none of them is applied', async () => {
    const readings = createSqliteStore({ file: ':memory:', logger: silentLogger() });
    await readings.start();
    const { stores, close } = await backend.pair();
    const store = stores[0];
    const service = createAlertService({
      store,
      catalog: createAlertCatalog(catalogData('http://127.0.0.1:9/hook')),
      readings,
      settings: defaultAlertSettings(),
      now: () => T0 + 3 * W,
      logger: silentLogger(),
      timeZone: 'Asia/Shanghai',
      lang: 'zh-CN',
    });
    try {
      const windows = [0, 1].map((i) => ({ start: T0 + i * W, end: T0 + (i + 1) * W, cause: 'late_data' as const }));
      for (const w of windows) await service.evaluateWindow({ stationId: 'out-1', rule: RULE, ...w });
      for (const i of [0, 1]) await readings.write(readingsOf(i, { level: 4, flag: 'N' }));
      const pairs = [{ stationId: 'out-1', rule: RULE, windows }];
      await expect(
        service.rejudgeWindows(pairs, 1, async (tx) => {
          await tx.consumeTouches('readings', T0 + 3 * W, []);
          throw new Error('the disk is full');
        }),
      ).rejects.toThrow(/disk is full/);
      expect(await store.list()).toEqual([]);
      expect(await store.verdictHistory(RULE, 'out-1', T0, T0 + W)).toHaveLength(1);
      expect(await store.touchCursor('readings')).toBeNull();

      const [{ results }] = await service.rejudgeWindows(pairs, 1, (tx) =>
        tx.consumeTouches('readings', T0 + 3 * W, []),
      );
      expect(results.map((r) => r.decision)).toEqual(['open', 'count']);
      expect(await store.touchCursor('readings')).toBe(T0 + 3 * W);
    } finally {
      await readings.stop();
      await close();
    }
  });
});
