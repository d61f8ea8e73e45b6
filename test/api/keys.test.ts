import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, keyIdOf, KEY_PREFIX } from '../../src/api/auth/api-key.js';
import { createKeyFile } from '../../src/api/auth/key-file.js';
import { createKeyStore } from '../../src/api/auth/key-store.js';
import { checkKeysConfigured, DEMO_ADMIN_KEY_FILE, prepareApiKeys } from '../../src/api/auth/startup.js';
import { createHttpApp } from '../../src/api/http.js';
import { runCli } from '../../src/cli/run-cli.js';
import { silentLogger } from '../../src/logger.js';
import { Registry } from 'prom-client';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'qingliu-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c) => out.push(String(c)));
  stderr.on('data', (c) => err.push(String(c)));
  const code = await runCli(args, {
    stdin: Readable.from([]),
    stdout,
    stderr,
    env: { DATA_DIR: dir, CATALOG: path.resolve('sensors/catalog.yaml'), ...env },
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

function appWith(store: ReturnType<typeof createKeyStore>, now: () => number) {
  return createHttpApp({
    logger: silentLogger(),
    keys: store,
    now,
    rateLimit: { perMinute: 0, burst: 1 },
    metrics: new Registry(),
    openapi: { version: 'test' },
  });
}

describe('API key format and hashing', () => {
  it('generates prefixed, high-entropy keys with an embedded id', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    expect(keys.size).toBe(200);
    for (const key of keys) {
      expect(key).toMatch(/^qlk_[a-z0-9]{8}_[A-Za-z0-9]{40}$/);
      expect(keyIdOf(key)).toBe(key.slice(KEY_PREFIX.length, KEY_PREFIX.length + 8));
    }
    expect(keyIdOf('not-a-key')).toBeUndefined();
  });

  it('hashes with SHA-256 into a fixed format', () => {
    expect(hashApiKey('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('the keys file holds hashes only, never a key, and is written atomically with mode 0600', async () => {
    const file = path.join(dir, 'sub', 'api-keys.json');
    const keyFile = createKeyFile({ path: file, now: () => Date.parse('2024-06-01T00:00:00Z') });
    const a = await keyFile.add({ name: 'bureau dashboard', role: 'bureau' });
    const b = await keyFile.add({ name: '一厂运维', role: 'operator', plants: ['wwtp1'] });
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(a.key);
    expect(text).not.toContain(b.key);
    expect(text).not.toContain(a.key.slice(13)); // not even the secret part
    expect(text).toContain(hashApiKey(a.key));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const data = await keyFile.read();
    expect(data.keys.map((k) => [k.id, k.role, k.plants, k.createdAt])).toEqual([
      [a.record.id, 'bureau', [], '2024-06-01T00:00:00.000Z'],
      [b.record.id, 'operator', ['wwtp1'], '2024-06-01T00:00:00.000Z'],
    ]);
  });

  it('rejects an operator without plants, and plants on other roles', async () => {
    const keyFile = createKeyFile({ path: path.join(dir, 'k.json'), now: Date.now });
    await expect(keyFile.add({ name: 'x', role: 'operator' })).rejects.toThrow(/at least one plant/);
    await expect(keyFile.add({ name: 'x', role: 'viewer', plants: ['wwtp1'] })).rejects.toThrow(/operator keys only/);
  });

  it('names every problem of a damaged keys file', async () => {
    const file = path.join(dir, 'k.json');
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        keys: [{ id: 'Bad', name: '', role: 'root', hash: 'md5:x', createdAt: 'yesterday' }],
      }),
    );
    const err = await createKeyFile({ path: file, now: Date.now })
      .read()
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    for (const field of ['keys.0.id', 'keys.0.name', 'keys.0.role', 'keys.0.hash', 'keys.0.createdAt'])
      expect((err as Error).message).toContain(field);
  });
});

describe('the key store: authentication and live reload', () => {
  it('authenticates file keys, rejects revoked ones once the file changes, without a restart', async () => {
    const file = path.join(dir, 'api-keys.json');
    const clock = { now: Date.parse('2024-06-01T00:00:00Z') };
    const keyFile = createKeyFile({ path: file, now: () => clock.now });
    const { record, key } = await keyFile.add({ name: 'script', role: 'viewer' });
    const store = createKeyStore({ file, now: () => clock.now, reloadIntervalMs: 2000 });
    await store.load();
    const app = appWith(store, () => clock.now);

    const ok = await app.request('/api/v1/me', { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ keyId: record.id, role: 'viewer' });

    await keyFile.revoke(record.id);
    clock.now += 2000; // the store looks at the file again only after reloadIntervalMs on its clock
    const revoked = await app.request('/api/v1/me', { headers: { authorization: `Bearer ${key}` } });
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({ code: 'invalid-api-key', detail: '该 API 密钥已被吊销' });
  });

  it('keeps the previous keys when the file is broken by a bad edit', async () => {
    const file = path.join(dir, 'api-keys.json');
    const clock = { now: 0 };
    const { key } = await createKeyFile({ path: file, now: Date.now }).add({ name: 'a', role: 'admin' });
    const store = createKeyStore({ file, now: () => clock.now, reloadIntervalMs: 10, logger: silentLogger() });
    await store.load();
    await writeFile(file, '{ broken');
    clock.now += 10;
    expect(await store.authenticate(key)).toMatchObject({ ok: true });
  });
});

describe('qingliu keys (CLI)', () => {
  it('add prints the key once; list never shows it; revoke marks it', async () => {
    const added = await cli(['keys', 'add', '--name', '第一污水厂运维', '--role', 'operator', '--plants', 'wwtp1']);
    expect(added.code).toBe(0);
    const key = added.stdout.trim();
    expect(key).toMatch(/^qlk_[a-z0-9]{8}_[A-Za-z0-9]{40}$/);
    expect(added.stderr).toContain('only time the key is shown');
    const id = keyIdOf(key)!;

    const listed = await cli(['keys', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('第一污水厂运维');
    expect(listed.stdout).toContain('wwtp1');
    expect(listed.stdout).not.toContain(key.slice(13));

    const json = await cli(['keys', 'list', '--json']);
    const records = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(records[0]).toMatchObject({ id, role: 'operator', plants: ['wwtp1'], revokedAt: null });
    expect(records[0]).not.toHaveProperty('hash');

    const revoked = await cli(['keys', 'revoke', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked key ${id}`);
    expect((await cli(['keys', 'revoke', id])).stdout).toContain('already revoked');
    expect((await cli(['keys', 'list', '--json'])).stdout).toMatch(/"revokedAt": "\d{4}-/);

    const text = await readFile(path.join(dir, 'api-keys.json'), 'utf8');
    expect(text).not.toContain(key);
  });

  it('a key added by the CLI authenticates against the server, and stops after revoke', async () => {
    const key = (await cli(['keys', 'add', '--name', 'bureau', '--role', 'bureau'])).stdout.trim();
    const prepared = await prepareApiKeys({
      keysFile: path.join(dir, 'api-keys.json'),
      dataDir: dir,
      demo: false,
      now: () => 0,
      reloadIntervalMs: 0,
    });
    if (!prepared.ok) throw new Error(prepared.error);
    const app = appWith(prepared.store, () => 0);
    expect((await app.request('/api/v1/me', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    await cli(['keys', 'revoke', keyIdOf(key)!]);
    expect((await app.request('/api/v1/me', { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });

  it('refuses bad input with exit code 2 and a precise message', async () => {
    expect(await cli(['keys', 'add', '--role', 'admin'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--name is required'),
    });
    expect(await cli(['keys', 'add', '--name', 'x', '--role', 'root'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('admin, bureau, operator, viewer'),
    });
    expect(await cli(['keys', 'add', '--name', 'x', '--role', 'operator'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--plants'),
    });
    expect(await cli(['keys', 'add', '--name', 'x', '--role', 'operator', '--plants', 'no-such-plant'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown plant no-such-plant'),
    });
    expect(await cli(['keys', 'revoke'])).toMatchObject({ code: 2 });
    expect(await cli(['keys', 'revoke', 'zzzzzzzz'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no key with id "zzzzzzzz"'),
    });
    expect(await cli(['keys', 'frobnicate'])).toMatchObject({ code: 2 });
    expect(await cli(['keys', '--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('qingliu keys add'),
    });
  });

  it('add --expires sets an expiry that list shows and the server enforces (issue 12, also noticed)', async () => {
    const before = Date.now();
    const added = await cli(['keys', 'add', '--name', 'contractor', '--role', 'viewer', '--expires', '90d']);
    expect(added.code).toBe(0);
    expect(added.stderr).toMatch(/valid until \d{4}-\d\d-\d\dT/);
    const key = added.stdout.trim();
    const [record] = JSON.parse((await cli(['keys', 'list', '--json'])).stdout) as { expiresAt: string }[];
    const expiresAt = Date.parse(record!.expiresAt);
    expect(expiresAt - before).toBeGreaterThanOrEqual(90 * 86_400_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(90 * 86_400_000);
    expect((await cli(['keys', 'list'])).stdout).toMatch(/EXPIRES[\s\S]*\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);

    const clock = { now: expiresAt - 1 };
    const prepared = await prepareApiKeys({
      keysFile: path.join(dir, 'api-keys.json'),
      dataDir: dir,
      demo: false,
      now: () => clock.now,
      reloadIntervalMs: 0,
    });
    if (!prepared.ok) throw new Error(prepared.error);
    const app = appWith(prepared.store, () => clock.now);
    const me = () => app.request('/api/v1/me', { headers: { authorization: `Bearer ${key}` } });
    expect((await me()).status).toBe(200);
    clock.now = expiresAt;
    const expired = await me();
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ code: 'invalid-api-key', detail: '该 API 密钥已过期' });
    expect(prepared.store.activeCount()).toBe(0);
    clock.now = Date.now();
    expect((await cli(['keys', 'list'])).stdout).not.toContain('(expired)');

    expect(await cli(['keys', 'add', '--name', 'x', '--role', 'viewer', '--expires', '90'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--expires: "90" has no unit'),
    });
    expect(await cli(['keys', 'add', '--name', 'x', '--role', 'viewer', '--expires', '3mo'])).toMatchObject({
      code: 2,
    });
  });

  it('honours API_KEYS_FILE and --file', async () => {
    const elsewhere = path.join(dir, 'elsewhere.json');
    await cli(['keys', 'add', '--name', 'a', '--role', 'admin'], { API_KEYS_FILE: elsewhere });
    await cli(['keys', 'add', '--name', 'b', '--role', 'viewer', '--file', path.join(dir, 'other.json')]);
    expect((await createKeyFile({ path: elsewhere, now: Date.now }).read()).keys.map((k) => k.name)).toEqual(['a']);
    expect(
      (await createKeyFile({ path: path.join(dir, 'other.json'), now: Date.now }).read()).keys.map((k) => k.name),
    ).toEqual(['b']);
  });
});

describe('start-up rule and bootstrap keys', () => {
  const keysFile = () => path.join(dir, 'api-keys.json');

  it('refuses to start outside demo mode with no keys, saying what to do', async () => {
    const prepared = await prepareApiKeys({ keysFile: keysFile(), dataDir: dir, demo: false, now: () => 0 });
    expect(prepared.ok).toBe(false);
    if (!prepared.ok) {
      expect(prepared.error).toContain('npm run -s qingliu -- keys add --name NAME --role admin');
      expect(prepared.error).toContain('ADMIN_API_KEY');
      expect(prepared.error).toContain('未配置任何 API 密钥');
    }
    expect(checkKeysConfigured({ activeKeys: 0, demo: false, keysFile: 'f' })).toBeDefined();
    expect(checkKeysConfigured({ activeKeys: 1, demo: false, keysFile: 'f' })).toBeUndefined();
  });

  it('counts only unrevoked keys: a file of revoked keys still refuses', async () => {
    const keyFile = createKeyFile({ path: keysFile(), now: Date.now });
    const { record } = await keyFile.add({ name: 'a', role: 'admin' });
    await keyFile.revoke(record.id);
    expect((await prepareApiKeys({ keysFile: keysFile(), dataDir: dir, demo: false, now: () => 0 })).ok).toBe(false);
  });

  it('an invalid keys file is a clear start-up error', async () => {
    await writeFile(keysFile(), '{"version": 2}');
    const prepared = await prepareApiKeys({ keysFile: keysFile(), dataDir: dir, demo: false, now: () => 0 });
    expect(prepared).toMatchObject({ ok: false, error: expect.stringContaining('version') });
  });

  it('ADMIN_API_KEY bootstraps one admin key, never written anywhere', async () => {
    const adminApiKey = 'automation-key-with-enough-entropy-123';
    const prepared = await prepareApiKeys({
      keysFile: keysFile(),
      adminApiKey,
      dataDir: dir,
      demo: false,
      now: () => 0,
    });
    if (!prepared.ok) throw new Error(prepared.error);
    const app = appWith(prepared.store, () => 0);
    const res = await app.request('/api/v1/me', { headers: { authorization: `Bearer ${adminApiKey}` } });
    expect(await res.json()).toMatchObject({ keyId: 'env-admin', role: 'admin' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('demo mode generates an admin key, keeps it in DATA_DIR (0600) and reuses it on the next start', async () => {
    const first = await prepareApiKeys({ keysFile: keysFile(), dataDir: dir, demo: true, now: () => 0 });
    if (!first.ok) throw new Error(first.error);
    expect(first.demoAdminKey).toMatch(/^qlk_/);
    const file = path.join(dir, DEMO_ADMIN_KEY_FILE);
    expect(first.demoAdminKeyFile).toBe(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const second = await prepareApiKeys({ keysFile: keysFile(), dataDir: dir, demo: true, now: () => 0 });
    expect(second.ok && second.demoAdminKey).toBe(first.demoAdminKey);
    const app = appWith(first.store, () => 0);
    expect(
      await (await app.request('/api/v1/me', { headers: { authorization: `Bearer ${first.demoAdminKey}` } })).json(),
    ).toMatchObject({ role: 'admin' });
  });

  it('demo mode with ADMIN_API_KEY set uses that key and generates none', async () => {
    const prepared = await prepareApiKeys({
      keysFile: keysFile(),
      adminApiKey: 'x'.repeat(30),
      dataDir: dir,
      demo: true,
      now: () => 0,
    });
    expect(prepared.ok && prepared.demoAdminKey).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });
});
