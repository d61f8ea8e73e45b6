/**
 * API keys in PostgreSQL (DATABASE_URL; docs/adr/0015): the same port as the keys file, shared by every API
 * instance and by `qingliu keys`. Two administrators adding keys at once both get theirs (the file could lose one).
 * The table (migration 3) refuses deletes and every change but a first revocation.
 */
import type { Postgres } from '../../db/postgres.js';
import { generateApiKey } from './api-key.js';
import { KeyFileError, keyRecordSchema, newKeyRecord, type KeyFile, type KeyRecord } from './key-file.js';

interface Row {
  id: string;
  name: string;
  role: string;
  plants: string[];
  hash: string;
  rate_limit_per_minute: number | null;
  created_at: Date;
  revoked_at: Date | null;
  expires_at: Date | null;
}

function toRecord(row: Row): KeyRecord {
  return keyRecordSchema.parse({
    id: row.id,
    name: row.name,
    role: row.role,
    plants: row.plants,
    hash: row.hash,
    ...(row.rate_limit_per_minute !== null && { rateLimitPerMinute: row.rate_limit_per_minute }),
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
  });
}

const UNIQUE_VIOLATION = '23505';

export function createPgKeyRepository(deps: {
  db: Postgres;
  now: () => number;
  random?: (n: number) => Buffer;
}): KeyFile {
  const { db } = deps;
  const path = `DATABASE_URL=${db.shownUrl} (table api_keys)`;
  return {
    path,
    async stamp() {
      // Records are only ever added or revoked once (the table's trigger): these two counts change with every edit.
      const [row] = await db.query<{ n: number; revoked: number }>(
        'SELECT count(*)::int AS n, count(revoked_at)::int AS revoked FROM api_keys',
      );
      return `${row!.n}:${row!.revoked}`;
    },
    async read() {
      const rows = await db.query<Row>('SELECT * FROM api_keys ORDER BY created_at, id');
      return { version: 1, keys: rows.map(toRecord) };
    },
    async add(input) {
      for (let attempt = 1; ; attempt++) {
        const generated = generateApiKey(deps.random);
        const r = newKeyRecord(input, generated, deps.now());
        try {
          await db.query(
            `INSERT INTO api_keys (id, name, role, plants, hash, rate_limit_per_minute, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [r.id, r.name, r.role, r.plants, r.hash, r.rateLimitPerMinute ?? null, r.createdAt, r.expiresAt],
          );
          return { record: r, key: generated.key };
        } catch (err) {
          // An id taken by a key added meanwhile: draw another.
          if ((err as { code?: string }).code === UNIQUE_VIOLATION && attempt < 5) continue;
          throw err;
        }
      }
    },
    async revoke(id) {
      const revokedAt = new Date(deps.now()).toISOString();
      const [updated] = await db.query<Row>(
        'UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING *',
        [id, revokedAt],
      );
      if (updated) return { record: toRecord(updated), alreadyRevoked: false };
      const [existing] = await db.query<Row>('SELECT * FROM api_keys WHERE id = $1', [id]);
      if (!existing) throw new KeyFileError(`no key with id "${id}" in ${path}`);
      return { record: toRecord(existing), alreadyRevoked: true };
    },
  };
}
