/**
 * The SQLite mark store: marks and decisions are append-only in the database itself (triggers), a mark has one
 * verdict and one revocation at most (unique indexes), states follow from the decisions, and the file is private.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { MarkActor, NewMark } from '../../src/domain/data-marks.js';
import { MarkConflictError, MarkNotFoundError } from '../../src/marks/mark-store.js';
import { createSqliteMarkStore } from '../../src/marks/sqlite-mark-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-marks-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = path.join(dir, `s${++n}`);
  return { dir: d, file: path.join(d, 'marks.db'), store: createSqliteMarkStore({ dataDir: d }) };
};

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

describe('SQLite mark store', () => {
  it('records a pending mark, its approval and its revocation as separate records, and derives the state', async () => {
    const { store } = fresh();
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
    await store.close();
  });

  it('refuses decisions the state does not allow, and unknown marks', async () => {
    const { store } = fresh();
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
    await store.close();
  });

  it('creates a bureau mark approved in the same transaction', async () => {
    const { store } = fresh();
    const m = await store.create(mark({ by: bureau, parameters: 'all' }), {
      by: bureau,
      at: T0 + 10 * H,
      note: '',
      automatic: true,
    });
    expect(m).toMatchObject({ state: 'approved', parameters: 'all', verdict: { automatic: true, by: bureau } });
    expect(await store.list({ parameter: 'tp' })).toHaveLength(1);
    await store.close();
  });

  it('lists with filters, newest first', async () => {
    const { store } = fresh();
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
    await store.close();
  });

  it('is append-only in the database: UPDATE and DELETE of marks and decisions are refused', async () => {
    const { store, file } = fresh();
    const m = await store.create(mark());
    await store.decide({ markId: m.id, kind: 'approved', by: bureau, at: T0, note: 'ok', automatic: false });
    await store.close();
    const db = new Database(file);
    try {
      expect(() => db.prepare("UPDATE marks SET reason = 'changed' WHERE id = 1").run()).toThrow(/append-only/);
      expect(() => db.prepare("UPDATE marks SET flag = 'N'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM marks WHERE id = 1').run()).toThrow(/append-only/);
      expect(() => db.prepare("UPDATE mark_decisions SET by_name = 'someone else'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM mark_decisions').run()).toThrow(/append-only/);
      // A second verdict, even written behind the store's back, is refused by the database.
      expect(() =>
        db
          .prepare(
            "INSERT INTO mark_decisions (mark_id, kind, by_key, by_name, by_role, at, note, automatic) VALUES (1, 'rejected', 'x', 'x', 'bureau', 0, '', 0)",
          )
          .run(),
      ).toThrow(/UNIQUE/);
      // A mark without a reason, or with an empty range, is refused too.
      expect(() =>
        db
          .prepare(
            "INSERT INTO marks (station, parameters, from_ts, to_ts, flag, reason, by_key, by_name, by_role, created_at) VALUES ('s', '\"all\"', 10, 20, 'M', '  ', 'k', 'n', 'bureau', 0)",
          )
          .run(),
      ).toThrow(/CHECK/);
      expect(() =>
        db
          .prepare(
            "INSERT INTO marks (station, parameters, from_ts, to_ts, flag, reason, by_key, by_name, by_role, created_at) VALUES ('s', '\"all\"', 20, 20, 'M', 'r', 'k', 'n', 'bureau', 0)",
          )
          .run(),
      ).toThrow(/CHECK/);
      expect(db.prepare('SELECT reason FROM marks WHERE id = 1').get()).toEqual({ reason: mark().reason });
    } finally {
      db.close();
    }
  });

  it('keeps its file private (0600) and refuses a newer schema', async () => {
    const { store, file } = fresh();
    await store.close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const db = new Database(file);
    db.pragma('user_version = 9');
    db.close();
    expect(() => createSqliteMarkStore({ file })).toThrow(/schema version 9, newer/);
  });
});
