/**
 * One contract for the data-mark store, run against both adapters: SQLite (DATA_DIR/marks.db) and PostgreSQL
 * (DATABASE_URL, the real server of the test harness). Marks and decisions are append-only in the database itself
 * (triggers), a mark has one verdict and one revocation at most (unique indexes, and a row lock in PostgreSQL),
 * states follow from the decisions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MarkActor, NewMark } from '../../src/domain/data-marks.js';
import { MarkConflictError, MarkNotFoundError, type MarkStore } from '../../src/marks/mark-store.js';
import { createPgMarkStore } from '../../src/marks/pg-mark-store.js';
import { createSqliteMarkStore } from '../../src/marks/sqlite-mark-store.js';
import { storeBackends, type FreshStore } from '../harness/store-backends.js';

const backends = storeBackends<MarkStore>('marks', {
  sqlite: (file) => createSqliteMarkStore({ file }),
  postgres: createPgMarkStore,
});

const H = 3_600_000;
const T0 = Date.UTC(2024, 4, 1, 16);
const operator: MarkActor = { keyId: 'op1', name: '第一污水处理厂', role: 'operator' };
const bureau: MarkActor = { keyId: 'bu1', name: '市生态环境局', role: 'bureau' };
const mark = (over: Partial<NewMark> = {}): NewMark => ({
  stationId: 'wwtp1-effluent',
  parameters: ['nh3n'],
  from: T0,
  to: T0 + 4 * H,
  flag: 'M',
  reason: '更换电极 electrode replaced',
  by: operator,
  at: T0 + 10 * H,
  ...over,
});

describe.each(backends)('data-mark store contract: $name', (adapter) => {
  let store: MarkStore;
  let db: FreshStore<MarkStore>;
  beforeAll(() => adapter.setup());
  afterAll(() => adapter.teardown());
  beforeEach(async () => {
    db = await adapter.fresh();
    store = db.store;
  });

  it('records a pending mark, its approval and its revocation as separate records, and derives the state', async () => {
    const m = await store.create(mark());
    expect(m).toMatchObject({ id: 1, state: 'pending', verdict: null, revocation: null, parameters: ['nh3n'] });
    expect(await store.effective({ from: 0, to: T0 + 24 * H })).toEqual([]);
    const approved = await store.decide({
      markId: m.id,
      kind: 'approved',
      by: bureau,
      at: T0 + 11 * H,
      note: '核实属实',
      automatic: false,
    });
    expect(approved.state).toBe('approved');
    expect(approved.verdict).toEqual({
      kind: 'approved',
      by: bureau,
      at: T0 + 11 * H,
      note: '核实属实',
      automatic: false,
    });
    expect(await store.effective({ stationIds: ['wwtp1-effluent'], from: T0, to: T0 + H })).toEqual([
      {
        id: 1,
        stationId: 'wwtp1-effluent',
        parameters: ['nh3n'],
        from: T0,
        to: T0 + 4 * H,
        flag: 'M',
        reason: mark().reason,
        effectiveAt: T0 + 11 * H,
      },
    ]);
    // Outside the range, or another station: not in effect there.
    expect(await store.effective({ from: T0 + 4 * H, to: T0 + 5 * H })).toEqual([]);
    expect(await store.effective({ stationIds: ['other'], from: 0, to: T0 + 24 * H })).toEqual([]);
    const revoked = await store.decide({
      markId: 1,
      kind: 'revoked',
      by: bureau,
      at: T0 + 12 * H,
      note: '误标',
      automatic: false,
    });
    expect(revoked).toMatchObject({
      state: 'revoked',
      verdict: { kind: 'approved' },
      revocation: { kind: 'revoked', note: '误标' },
    });
    expect(await store.effective({ from: 0, to: T0 + 24 * H })).toEqual([]);
  });

  it('refuses decisions the state does not allow, and unknown marks', async () => {
    const m = await store.create(mark());
    await store.decide({ markId: m.id, kind: 'rejected', by: bureau, at: T0, note: '无运维记录', automatic: false });
    await expect(
      store.decide({ markId: m.id, kind: 'approved', by: bureau, at: T0, note: '', automatic: false }),
    ).rejects.toBeInstanceOf(MarkConflictError);
    await expect(
      store.decide({ markId: m.id, kind: 'revoked', by: bureau, at: T0, note: 'x', automatic: false }),
    ).rejects.toBeInstanceOf(MarkConflictError);
    await expect(
      store.decide({ markId: 99, kind: 'approved', by: bureau, at: T0, note: '', automatic: false }),
    ).rejects.toBeInstanceOf(MarkNotFoundError);
    expect((await store.get(m.id))!.state).toBe('rejected');
  });

  it('creates a bureau mark approved in the same transaction', async () => {
    const m = await store.create(mark({ by: bureau, parameters: 'all' }), {
      by: bureau,
      at: T0 + 10 * H,
      note: '',
      automatic: true,
    });
    expect(m).toMatchObject({ state: 'approved', parameters: 'all', verdict: { automatic: true, by: bureau } });
    expect(await store.list({ parameter: 'tp' })).toHaveLength(1);
  });

  it('lists with filters, newest first', async () => {
    await store.create(mark());
    await store.create(mark({ flag: 'C', parameters: ['tp', 'cod'], stationId: 'wwtp2-effluent' }));
    const third = await store.create(mark({ from: T0 + 48 * H, to: T0 + 50 * H }));
    await store.decide({ markId: third.id, kind: 'approved', by: bureau, at: T0, note: '', automatic: false });
    expect((await store.list({})).map((m) => m.id)).toEqual([3, 2, 1]);
    expect((await store.list({ states: ['pending'] })).map((m) => m.id)).toEqual([2, 1]);
    expect((await store.list({ flags: ['C'] })).map((m) => m.id)).toEqual([2]);
    expect((await store.list({ parameter: 'cod' })).map((m) => m.id)).toEqual([2]);
    expect((await store.list({ stationIds: ['wwtp1-effluent'] })).map((m) => m.id)).toEqual([3, 1]);
    expect((await store.list({ stationIds: [] })).map((m) => m.id)).toEqual([]);
    expect((await store.list({ from: T0 + 24 * H, to: T0 + 72 * H })).map((m) => m.id)).toEqual([3]);
    expect((await store.list({ beforeId: 3, limit: 1 })).map((m) => m.id)).toEqual([2]);
  });

  it('is append-only in the database: UPDATE, DELETE (and TRUNCATE) of marks and decisions are refused', async () => {
    const m = await store.create(mark());
    await store.decide({ markId: m.id, kind: 'approved', by: bureau, at: T0, note: 'ok', automatic: false });
    const { raw } = db;
    await expect(raw(`UPDATE marks SET reason = 'changed' WHERE id = ${m.id}`)).rejects.toThrow(/append-only/);
    await expect(raw("UPDATE marks SET flag = 'N'")).rejects.toThrow(/append-only/);
    await expect(raw(`DELETE FROM marks WHERE id = ${m.id}`)).rejects.toThrow(/append-only/);
    await expect(raw("UPDATE mark_decisions SET by_name = 'someone else'")).rejects.toThrow(/append-only/);
    await expect(raw('DELETE FROM mark_decisions')).rejects.toThrow(/append-only/);
    if (adapter.name === 'PostgreSQL') {
      await expect(raw('TRUNCATE mark_decisions')).rejects.toThrow(/append-only/);
      await expect(raw('TRUNCATE marks CASCADE')).rejects.toThrow(/append-only/);
    }
    // A second verdict, even written behind the store's back, is refused by the database.
    await expect(
      raw(
        `INSERT INTO mark_decisions (mark_id, kind, by_key, by_name, by_role, at, note, automatic) VALUES (${m.id}, 'rejected', 'x', 'x', 'bureau', 0, '', 1 = 0)`,
      ),
    ).rejects.toThrow(/UNIQUE|unique constraint/);
    // A mark without a reason, or with an empty range, is refused too.
    await expect(
      raw(
        `INSERT INTO marks (station, parameters, from_ts, to_ts, flag, reason, by_key, by_name, by_role, created_at) VALUES ('s', '"all"', 10, 20, 'M', '  ', 'k', 'n', 'bureau', 0)`,
      ),
    ).rejects.toThrow(/CHECK|check constraint/);
    await expect(
      raw(
        `INSERT INTO marks (station, parameters, from_ts, to_ts, flag, reason, by_key, by_name, by_role, created_at) VALUES ('s', '"all"', 20, 20, 'M', 'r', 'k', 'n', 'bureau', 0)`,
      ),
    ).rejects.toThrow(/CHECK|check constraint/);
    expect(await raw(`SELECT reason FROM marks WHERE id = ${m.id}`)).toEqual([{ reason: mark().reason }]);
    expect(await store.get(m.id)).toMatchObject({ state: 'approved', verdict: { note: 'ok' } });
  });

  it('lets exactly one of two instances deciding about a mark at once win; the other meets the new state', async () => {
    const other = db.other();
    for (let round = 0; round < 5; round++) {
      const m = await store.create(mark({ at: T0 + round }));
      const outcomes = await Promise.allSettled([
        store.decide({ markId: m.id, kind: 'approved', by: bureau, at: T0, note: 'a', automatic: false }),
        other.decide({ markId: m.id, kind: 'rejected', by: bureau, at: T0, note: 'b', automatic: false }),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(MarkConflictError);
      const final = (await other.get(m.id))!;
      expect(final.state).toBe((won[0] as PromiseFulfilledResult<{ state: string }>).value.state);
      expect((lost[0] as MarkConflictError).state).toBe(final.state);
      // A revocation and a withdrawal at once: one revocation.
      if (final.state === 'approved') {
        const revocations = await Promise.allSettled([
          store.decide({ markId: m.id, kind: 'revoked', by: bureau, at: T0, note: 'x', automatic: false }),
          other.decide({ markId: m.id, kind: 'revoked', by: bureau, at: T0, note: 'y', automatic: false }),
        ]);
        expect(revocations.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      }
    }
  });
});

describe('SQLite mark store file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-marks-file-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps its file private (0600) and refuses a newer schema', async () => {
    const file = path.join(dir, 'marks.db');
    await createSqliteMarkStore({ dataDir: dir }).close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const db = new Database(file);
    db.pragma('user_version = 9');
    db.close();
    expect(() => createSqliteMarkStore({ file })).toThrow(/schema version 9, newer/);
  });
});
