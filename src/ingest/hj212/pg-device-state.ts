/**
 * The loggers' state in PostgreSQL (DATABASE_URL; docs/adr/0015, migration 7): written by every ingest instance
 * behind the TCP load balancer, read by every API instance. An update is merged into the recorded state under the
 * row's lock (SELECT … FOR UPDATE, rows taken in MN order so two writers never deadlock), with the same pure merge
 * as the SQLite store: counts add up, "last …" times never go back, the newest connection wins.
 */
import type { Postgres } from '../../db/postgres.js';
import { DEVICE_RECORDS_MAX, type DeviceRecord, type DeviceState, type DeviceStateStore } from './device-state.js';
import { applyUpdate } from './device-state-merge.js';

interface RecordRow {
  mn: string;
  station: string;
  at: number;
  cn: string;
  kind: DeviceRecord['kind'];
  passed: boolean | null;
  failed: string[];
  fields: Record<string, string>;
}

function toRecord(row: RecordRow): DeviceRecord {
  const { station, ...rest } = row;
  return { ...rest, stationId: station };
}

export function createPgDeviceStateStore(db: Postgres): DeviceStateStore {
  return {
    async apply(updates) {
      if (updates.length === 0) return;
      const mns = [...new Set(updates.map((u) => u.mn))].sort();
      await db.transaction(async (client) => {
        // A logger seen for the first time gets a row to lock (two instances may both be first).
        await client.query(
          `INSERT INTO device_state (mn, station, state)
           SELECT mn, '', '{}'::jsonb FROM unnest($1::text[]) AS mn ORDER BY mn ON CONFLICT (mn) DO NOTHING`,
          [mns],
        );
        const { rows } = await client.query<{ mn: string; state: DeviceState | Record<string, never> }>(
          'SELECT mn, state FROM device_state WHERE mn = ANY($1::text[]) ORDER BY mn FOR UPDATE',
          [mns],
        );
        const states = new Map<string, DeviceState | undefined>(
          rows.map((r) => [r.mn, 'mn' in r.state ? (r.state as DeviceState) : undefined]),
        );
        for (const u of updates) states.set(u.mn, applyUpdate(states.get(u.mn), u));
        const merged = mns.map((mn) => states.get(mn)!);
        await client.query(
          `UPDATE device_state d SET station = n.station, state = n.state
           FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS n (mn, station, state) WHERE d.mn = n.mn`,
          [mns, merged.map((s) => s.stationId), merged.map((s) => JSON.stringify(s))],
        );
      });
    },
    async addRecord(r) {
      await db.query(
        `INSERT INTO device_records (mn, station, at, cn, kind, passed, failed, fields)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::json)`,
        [r.mn, r.stationId, r.at, r.cn, r.kind, r.passed, JSON.stringify(r.failed), JSON.stringify(r.fields)],
      );
    },
    async states() {
      const rows = await db.query<{ state: DeviceState }>('SELECT state FROM device_state ORDER BY mn');
      return rows.map((r) => r.state);
    },
    async stateOfStation(stationId) {
      const [row] = await db.query<{ state: DeviceState }>(
        'SELECT state FROM device_state WHERE station = $1 ORDER BY mn LIMIT 1',
        [stationId],
      );
      return row?.state;
    },
    async records(q) {
      const limit = Math.min(Math.max(Math.trunc(q.limit ?? 100), 1), DEVICE_RECORDS_MAX);
      const rows = await db.query<RecordRow>(
        `SELECT mn, station, at, cn, kind, passed, failed, fields FROM device_records
         WHERE station = $1 AND at >= $2 AND at < $3 ORDER BY at DESC, id DESC LIMIT $4`,
        [q.stationId, q.from ?? 0, q.to ?? Number.MAX_SAFE_INTEGER, limit],
      );
      return rows.map(toRecord);
    },
    async recordsBetween(q) {
      if (q.stationIds.length === 0 || !(q.from < q.to)) return [];
      const rows = await db.query<RecordRow>(
        `SELECT mn, station, at, cn, kind, passed, failed, fields FROM device_records
         WHERE station = ANY($1::text[]) AND at >= $2 AND at < $3 ORDER BY at, id`,
        [[...q.stationIds], q.from, q.to],
      );
      return rows.map(toRecord);
    },
    // The pool belongs to the process (it serves other stores too): closed by whoever opened it.
    close: async () => undefined,
  };
}
