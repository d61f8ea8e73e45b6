/**
 * Data marks in PostgreSQL (DATABASE_URL; docs/adr/0014, 0015): the same port, tables and view as the SQLite store
 * (migration 5), shared by every API and alerts instance. Append-only in the database: triggers refuse UPDATE,
 * DELETE and TRUNCATE of marks and decisions. A decision locks its mark's row (SELECT … FOR UPDATE, which fires no
 * UPDATE trigger), so two instances deciding about one mark at once are serialized and the second sees the first's
 * decision; the unique indexes stay as the last word.
 */
import type pg from 'pg';
import type { Postgres } from '../db/postgres.js';
import { decisionRefusal, type NewMark } from '../domain/data-marks.js';
import { effectiveOf, markFilterSql, markOf, parametersJson, type MarkRow } from './mark-rows.js';
import { MarkConflictError, MarkNotFoundError, type MarkStore, type NewDecision } from './mark-store.js';

const UNIQUE_VIOLATION = '23505';

const postgres = {
  placeholder: (n: number) => `$${n}`,
  // jsonb `?`: the array holds this code as an element.
  appliesTo: (p: string) => `(parameters = '"all"'::jsonb OR parameters ? ${p})`,
};

export function createPgMarkStore(db: Postgres): MarkStore {
  type Rows = (sql: string, params: unknown[]) => Promise<MarkRow[]>;
  const inPool: Rows = (sql, params) => db.query<MarkRow>(sql, params);
  const inTransaction =
    (client: pg.ClientBase): Rows =>
    async (sql, params) =>
      (await client.query<MarkRow>(sql, params)).rows;
  const getIn = async (rows: Rows, id: number) => {
    const [row] = await rows('SELECT * FROM mark_view WHERE id = $1', [id]);
    return row ? markOf(row) : undefined;
  };
  const insertDecision = (client: pg.ClientBase, d: NewDecision) =>
    client.query(
      `INSERT INTO mark_decisions (mark_id, kind, by_key, by_name, by_role, at, note, automatic)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [d.markId, d.kind, d.by.keyId, d.by.name, d.by.role, d.at, d.note, d.automatic],
    );

  return {
    kind: 'postgres',
    create: (mark: NewMark, approval) =>
      db.transaction(async (client) => {
        const { rows } = await client.query<{ id: number }>(
          `INSERT INTO marks (station, parameters, from_ts, to_ts, flag, reason, by_key, by_name, by_role, created_at)
           VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
          [
            mark.stationId,
            parametersJson(mark.parameters),
            mark.from,
            mark.to,
            mark.flag,
            mark.reason,
            mark.by.keyId,
            mark.by.name,
            mark.by.role,
            mark.at,
          ],
        );
        const id = rows[0]!.id;
        if (approval) await insertDecision(client, { ...approval, markId: id, kind: 'approved' });
        return (await getIn(inTransaction(client), id))!;
      }),
    async decide(d) {
      try {
        return await db.transaction(async (client) => {
          const locked = await client.query('SELECT id FROM marks WHERE id = $1 FOR UPDATE', [d.markId]);
          if (locked.rowCount === 0) throw new MarkNotFoundError(d.markId);
          const state = (await getIn(inTransaction(client), d.markId))!.state;
          const refusal = decisionRefusal(state, d.kind);
          if (refusal) throw new MarkConflictError(d.markId, state, `mark ${d.markId}: ${refusal}`);
          await insertDecision(client, d);
          return (await getIn(inTransaction(client), d.markId))!;
        });
      } catch (err) {
        // Only a decision written around this store (without the row lock) can get here: name the state it met.
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
        const state = (await getIn(inPool, d.markId))?.state ?? 'pending';
        throw new MarkConflictError(
          d.markId,
          state,
          `mark ${d.markId}: ${decisionRefusal(state, d.kind) ?? 'decided meanwhile'}`,
        );
      }
    },
    get: (id) => getIn(inPool, id),
    async list(filter) {
      const q = markFilterSql(filter, postgres);
      if (!q) return [];
      const rows = await db.query<MarkRow>(
        `SELECT * FROM mark_view${q.where} ORDER BY id DESC LIMIT ${postgres.placeholder(q.args.length + 1)}`,
        [...q.args, q.limit],
      );
      return rows.map(markOf);
    },
    async effective(q) {
      if (q.stationIds && q.stationIds.length === 0) return [];
      const rows = await db.query<MarkRow>(
        `SELECT * FROM mark_view WHERE state = 'approved' AND to_ts > $1 AND from_ts < $2
         ${q.stationIds ? 'AND station = ANY($3::text[])' : ''} ORDER BY v_at, id`,
        q.stationIds ? [q.from, q.to, [...q.stationIds]] : [q.from, q.to],
      );
      return rows.map(effectiveOf);
    },
    // The pool belongs to the process (it serves other stores too): closed by whoever opened it.
    close: async () => undefined,
  };
}
