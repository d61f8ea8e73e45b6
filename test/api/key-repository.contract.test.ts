/**
 * One contract for the API keys' repository, run against the keys file and PostgreSQL (DATABASE_URL, the real
 * server of the test harness); then what only PostgreSQL promises: append-only records, concurrent additions,
 * keys shared by two API instances, and `qingliu keys` against the database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyFile, type KeyFile } from '../../src/api/auth/key-file.js';
import { createKeyStore } from '../../src/api/auth/key-store.js';
import { createPgKeyRepository } from '../../src/api/auth/pg-key-repository.js';
import { migrate } from '../../src/db/migrate.js';
import { openPostgres, type Postgres } from '../../src/db/postgres.js';
import { silentLogger } from '../../src/logger.js';
import { cli } from '../harness/cli.js';
import { startPostgres, type Postgres as Server } from '../harness/postgres.js';

const T = Date.parse('2026-12-01T00:00:00Z');

interface Adapter {
  name: string;
  setup(): Promise<void>;
  fresh(clock: { t: number }): Promise<KeyFile>;
  teardown(): Promise<void>;
}

let server: Server;
const pools: Postgres[] = [];
let dbCount = 0;
async function freshDb(): Promise<{ db: Postgres; url: string }> {
  const url = await server.createDatabase(`keys_${++dbCount}`);
  const db = openPostgres({ url, logger: silentLogger(), max: 4 });
  pools.push(db);
  await migrate(db, silentLogger());
  return { db, url };
}

const file = (): Adapter => {
  let dir: string;
  let n = 0;
  return {
    name: 'keys file',
    setup: async () => void (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-keys-contract-'))),
    fresh: async (clock) => createKeyFile({ path: path.join(dir, `keys-${++n}.json`), now: () => clock.t }),
    teardown: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
};

const postgres = (): Adapter => ({
  name: 'PostgreSQL',
  setup: async () => undefined,
  fresh: async (clock) => createPgKeyRepository({ db: (await freshDb()).db, now: () => clock.t }),
  teardown: async () => undefined,
});

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await server?.dispose();
});

describe.each([file(), postgres()])('API key repository contract: $name', (adapter) => {
  beforeAll(() => adapter.setup());
  afterAll(() => adapter.teardown());

  it('adds keys (hash only), lists them, revokes once, and refuses unknown ids', async () => {
    const clock = { t: T };
    const repo = await adapter.fresh(clock);
    expect(await repo.read()).toEqual({ version: 1, keys: [] });
    const before = await repo.stamp();
    const { record, key } = await repo.add({
      name: '第一污水厂运维',
      role: 'operator',
      plants: ['plant-a', 'plant-b'],
    });
    expect(key).toMatch(/^qlk_[a-z0-9]{8}_[A-Za-z0-9]{40}$/);
    expect(record).toMatchObject({
      role: 'operator',
      plants: ['plant-a', 'plant-b'],
      revokedAt: null,
      expiresAt: null,
    });
    expect(record.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(await repo.read())).not.toContain(key.slice(13));
    const afterAdd = await repo.stamp();
    expect(afterAdd).not.toBe(before);

    clock.t += 60_000;
    const viewer = await repo.add({
      name: 'open data',
      role: 'viewer',
      rateLimitPerMinute: 30,
      expiresInMs: 90 * 86_400_000,
    });
    expect(viewer.record).toMatchObject({
      rateLimitPerMinute: 30,
      createdAt: new Date(T + 60_000).toISOString(),
      expiresAt: new Date(T + 60_000 + 90 * 86_400_000).toISOString(),
    });
    expect((await repo.read()).keys.map((k) => k.id)).toEqual([record.id, viewer.record.id]);
    const afterSecond = await repo.stamp();

    clock.t += 60_000;
    const revoked = await repo.revoke(record.id);
    expect(revoked).toMatchObject({
      alreadyRevoked: false,
      record: { id: record.id, revokedAt: new Date(T + 120_000).toISOString() },
    });
    expect(await repo.stamp()).not.toBe(afterSecond);
    clock.t += 60_000;
    // Revoking twice keeps the first time.
    expect(await repo.revoke(record.id)).toMatchObject({
      alreadyRevoked: true,
      record: { revokedAt: new Date(T + 120_000).toISOString() },
    });
    await expect(repo.revoke('nosuchid')).rejects.toThrow(/no key with id "nosuchid"/);
    await expect(repo.add({ name: 'x', role: 'operator' })).rejects.toThrow(/operator key needs at least one plant/);
    await expect(repo.add({ name: 'x', role: 'viewer', plants: ['plant-a'] })).rejects.toThrow(/operator keys only/);
  });

  it('a key store over it authenticates, and notices a revocation at its next reload without a restart', async () => {
    const clock = { t: T };
    const repo = await adapter.fresh(clock);
    const { record, key } = await repo.add({ name: 'bureau', role: 'bureau' });
    const store = createKeyStore({ repository: repo, now: () => clock.t, reloadIntervalMs: 2_000 });
    await store.load();
    expect(await store.authenticate(key)).toMatchObject({ ok: true, principal: { keyId: record.id, role: 'bureau' } });
    expect(await store.authenticate(`${key}x`)).toEqual({ ok: false, reason: 'unknown' });
    await repo.revoke(record.id);
    clock.t += 2_000;
    expect(await store.authenticate(key)).toEqual({ ok: false, reason: 'revoked' });
    expect(store.activeCount()).toBe(0);
  });
});

describe('API keys in PostgreSQL only', () => {
  it('records are append-only: no delete, no edit, a revocation is final (triggers, tested with raw SQL)', async () => {
    const { db } = await freshDb();
    const repo = createPgKeyRepository({ db, now: () => T });
    const { record } = await repo.add({ name: 'admin', role: 'admin' });
    await expect(db.query('DELETE FROM api_keys WHERE id = $1', [record.id])).rejects.toThrow(/never deleted/);
    await expect(db.query("UPDATE api_keys SET role = 'viewer' WHERE id = $1", [record.id])).rejects.toThrow(
      /changes only once, when it is revoked/,
    );
    await repo.revoke(record.id);
    await expect(db.query('UPDATE api_keys SET revoked_at = NULL WHERE id = $1', [record.id])).rejects.toThrow(
      /changes only once/,
    );
    await expect(db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [record.id])).rejects.toThrow(
      /changes only once/,
    );
    await expect(
      db.query(
        "INSERT INTO api_keys (id, name, role, hash, created_at) VALUES ('abc', 'x', 'operator', 'sha256:' || repeat('0', 64), now())",
      ),
    ).rejects.toThrow(/check constraint/);
  });

  it('administrators adding keys at once all get theirs (the file could lose one)', async () => {
    const { db } = await freshDb();
    const repos = [1, 2, 3, 4].map(() => createPgKeyRepository({ db, now: Date.now }));
    const added = await Promise.all(
      repos.flatMap((r, i) => [0, 1, 2].map((j) => r.add({ name: `k${i}-${j}`, role: 'viewer' }))),
    );
    expect((await repos[0]!.read()).keys.map((k) => k.name).sort()).toEqual(added.map((a) => a.record.name).sort());
    expect(added).toHaveLength(12);
  });

  it('`qingliu keys` with DATABASE_URL writes where both API instances read: added and revoked keys apply to both', async () => {
    const { url } = await freshDb();
    await server.admin("CREATE ROLE keys_admin LOGIN SUPERUSER PASSWORD 'pg-secret-for-keys'").catch(() => undefined);
    const withPassword = url.replace('postgres@', 'keys_admin:pg-secret-for-keys@');
    const env = { DATABASE_URL: withPassword, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-keys-pg-')) };
    const added = await cli(['keys', 'add', '--name', '市局 bureau', '--role', 'bureau'], env);
    expect(added.code).toBe(0);
    const key = added.stdout.trim();
    expect(added.stderr).toContain('(table api_keys)');
    expect(added.stderr).not.toContain('pg-secret');
    // Nothing was written to the keys file.
    expect(fs.existsSync(path.join(env.DATA_DIR, 'api-keys.json'))).toBe(false);
    const clock = { t: Date.now() };
    const instances = [0, 1].map(() => {
      const db = openPostgres({ url, logger: silentLogger(), max: 2 });
      pools.push(db);
      return createKeyStore({ repository: createPgKeyRepository({ db, now: () => clock.t }), now: () => clock.t });
    });
    for (const s of instances) await s.load();
    for (const s of instances)
      expect(await s.authenticate(key)).toMatchObject({ ok: true, principal: { role: 'bureau' } });
    const list = await cli(['keys', 'list', '--json'], env);
    const [listed] = JSON.parse(list.stdout) as { id: string; name: string }[];
    expect(listed!.name).toBe('市局 bureau');
    expect(list.stdout).not.toContain('sha256');
    expect((await cli(['keys', 'revoke', listed!.id], env)).code).toBe(0);
    clock.t += 2_000;
    for (const s of instances) expect(await s.authenticate(key)).toEqual({ ok: false, reason: 'revoked' });
    fs.rmSync(env.DATA_DIR, { recursive: true, force: true });
  });
});
