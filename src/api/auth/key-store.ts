/**
 * The server's view of the API keys: the keys file (or PostgreSQL's api_keys) plus bootstrap keys that live outside it (ADMIN_API_KEY, the
 * demo admin key, test keys), all held as hashes. The file is re-read when it changes — checked at most every
 * `reloadIntervalMs` by the injected clock — so `qingliu keys revoke` takes effect without a restart.
 */
import type { Logger } from '../../logger.js';
import { hashApiKey } from './api-key.js';
import { createKeyFile, type KeyFile, type KeyRecord } from './key-file.js';
import type { Principal, Role } from './principal.js';

export interface BootstrapKey {
  id: string;
  name: string;
  role: Role;
  plants?: string[];
  /** The key itself; hashed at once and not kept. */
  key: string;
  rateLimitPerMinute?: number;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: 'unknown' | 'revoked' | 'expired' };

export interface KeyStore {
  /** Reads the keys file; throws KeyFileError naming every problem. Call once before serving. */
  load(): Promise<void>;
  authenticate(key: string): Promise<AuthResult>;
  /** How many keys can authenticate now (bootstrap keys and file keys neither revoked nor expired). */
  activeCount(): number;
}

export interface KeyStoreOptions {
  /** The keys file; omit for bootstrap keys only. */
  file?: string;
  /** Or another repository of keys (PostgreSQL with DATABASE_URL); wins over `file`. */
  repository?: KeyFile;
  bootstrap?: BootstrapKey[];
  now: () => number;
  reloadIntervalMs?: number;
  logger?: Logger;
}

interface Entry {
  principal: Principal;
  revoked: boolean;
  /** Epoch ms after which the key no longer authenticates; undefined: never. */
  expiresAt?: number;
}

function toPrincipal(record: Pick<KeyRecord, 'id' | 'name' | 'role' | 'plants' | 'rateLimitPerMinute'>): Principal {
  return {
    keyId: record.id,
    name: record.name,
    role: record.role,
    plants: Object.freeze([...(record.plants ?? [])]),
    ...(record.rateLimitPerMinute !== undefined && { rateLimitPerMinute: record.rateLimitPerMinute }),
  };
}

export function createKeyStore(options: KeyStoreOptions): KeyStore {
  const reloadIntervalMs = options.reloadIntervalMs ?? 2000;
  const bootstrap = new Map<string, Entry>();
  for (const b of options.bootstrap ?? []) {
    bootstrap.set(hashApiKey(b.key), { principal: toPrincipal({ ...b, plants: b.plants ?? [] }), revoked: false });
  }
  const keyFile =
    options.repository ??
    (options.file === undefined ? undefined : createKeyFile({ path: options.file, now: options.now }));

  let fromFile = new Map<string, Entry>();
  let fileStamp = '';
  let lastCheck = Number.NEGATIVE_INFINITY;
  let reloading: Promise<void> | undefined;

  async function readFile(): Promise<void> {
    if (!keyFile) return;
    const stamp = await keyFile.stamp();
    const data = await keyFile.read();
    const next = new Map<string, Entry>();
    for (const record of data.keys) {
      next.set(record.hash, {
        principal: toPrincipal(record),
        revoked: record.revokedAt !== null,
        ...(record.expiresAt !== null && { expiresAt: Date.parse(record.expiresAt) }),
      });
    }
    fromFile = next;
    fileStamp = stamp;
  }

  async function reloadIfChanged(): Promise<void> {
    if (!keyFile) return;
    const now = options.now();
    if (now - lastCheck < reloadIntervalMs) return;
    lastCheck = now;
    reloading ??= (async () => {
      try {
        if ((await keyFile.stamp()) !== fileStamp) {
          await readFile();
          options.logger?.info({ keys: fromFile.size }, 'API keys file reloaded');
        }
      } catch (err) {
        // Keep serving with the keys we had: a broken edit must not lock every client out.
        options.logger?.error({ err, file: keyFile.path }, 'API keys file unreadable; keeping the previous keys');
      } finally {
        reloading = undefined;
      }
    })();
    await reloading;
  }

  return {
    async load() {
      await readFile();
      lastCheck = options.now();
    },
    async authenticate(key) {
      await reloadIfChanged();
      const hash = hashApiKey(key);
      // Looking up by hash leaks timing about the hash, never about the key: the key stays unguessable.
      const entry = bootstrap.get(hash) ?? fromFile.get(hash);
      if (!entry) return { ok: false, reason: 'unknown' };
      if (entry.revoked) return { ok: false, reason: 'revoked' };
      if (entry.expiresAt !== undefined && options.now() >= entry.expiresAt) return { ok: false, reason: 'expired' };
      return { ok: true, principal: entry.principal };
    },
    activeCount() {
      const now = options.now();
      return (
        bootstrap.size +
        [...fromFile.values()].filter((e) => !e.revoked && (e.expiresAt === undefined || now < e.expiresAt)).length
      );
    },
  };
}
