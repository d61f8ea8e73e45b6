/**
 * The API keys file (default `DATA_DIR/api-keys.json`): one record per key, with the key's SHA-256 hash and never
 * the key. Written atomically (temp file, fsync, rename) with mode 0600, so a crash or a concurrent reader never
 * sees half a file. `qingliu keys` edits it; the server re-reads it when it changes (see key-store.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../../fs/private-files.js';
import { generateApiKey, hashApiKey, HASH_PATTERN } from './api-key.js';
import { ID_PATTERN, roleSchema, type Role } from './principal.js';

export const keyRecordSchema = z
  .object({
    id: z.string().regex(ID_PATTERN, 'must be lowercase letters, digits and hyphens'),
    name: z.string().trim().min(1).max(200),
    role: roleSchema,
    plants: z.array(z.string().regex(ID_PATTERN, 'plant ids are lowercase letters, digits and hyphens')).default([]),
    hash: z.string().regex(HASH_PATTERN, 'must be sha256:<64 hex digits>'),
    rateLimitPerMinute: z.number().int().nonnegative().optional(),
    createdAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().nullable().default(null),
    /** After this instant the key no longer authenticates (`qingliu keys add --expires 90d`); null: never. */
    expiresAt: z.iso.datetime().nullable().default(null),
  })
  .superRefine((record, ctx) => {
    if (record.role === 'operator' && record.plants.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['plants'], message: 'an operator key needs at least one plant' });
    }
    if (record.role !== 'operator' && record.plants.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['plants'],
        message: `plants apply to operator keys only, not ${record.role}`,
      });
    }
    if (record.expiresAt !== null && Date.parse(record.expiresAt) <= Date.parse(record.createdAt)) {
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be later than createdAt' });
    }
  });

export type KeyRecord = z.infer<typeof keyRecordSchema>;

export const keyFileSchema = z
  .object({ version: z.literal(1), keys: z.array(keyRecordSchema) })
  .superRefine((data, ctx) => {
    const seen = new Set<string>();
    data.keys.forEach((k, i) => {
      if (seen.has(k.id))
        ctx.addIssue({ code: 'custom', path: ['keys', i, 'id'], message: `duplicate key id ${k.id}` });
      seen.add(k.id);
    });
  });

export type KeyFileData = z.infer<typeof keyFileSchema>;

export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

export interface NewKey {
  name: string;
  role: Role;
  plants?: string[];
  rateLimitPerMinute?: number;
  /** How long the key works from now (ms); omitted: until revoked. */
  expiresInMs?: number;
}

/**
 * The keys' repository port: this file, or the `api_keys` table in PostgreSQL with DATABASE_URL
 * (pg-key-repository.ts), shared by every API instance.
 */
export interface KeyFile {
  /** Where the keys are, for messages: the file, or DATABASE_URL (masked) for PostgreSQL. */
  readonly path: string;
  /** Changes whenever a key is added or revoked, so a server re-reads only then. */
  stamp(): Promise<string>;
  /** The file's records; a missing file is an empty list. Throws KeyFileError naming every problem. */
  read(): Promise<KeyFileData>;
  /** Adds a key and returns it: the only time the key exists outside its holder's hands. */
  add(input: NewKey): Promise<{ record: KeyRecord; key: string }>;
  /** Marks a key revoked (idempotent: revoking twice keeps the first time). Throws KeyFileError for an unknown id. */
  revoke(id: string): Promise<{ record: KeyRecord; alreadyRevoked: boolean }>;
}

export function parseKeyFile(text: string, file: string): KeyFileData {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new KeyFileError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const result = keyFileSchema.safeParse(json);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${file}: ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new KeyFileError(lines.join('\n'));
  }
  return result.data;
}

/** The record of a new key (validated: throws KeyFileError naming each problem), for every repository. */
export function newKeyRecord(input: NewKey, generated: { id: string; key: string }, now: number): KeyRecord {
  const parsed = keyRecordSchema.safeParse({
    id: generated.id,
    name: input.name,
    role: input.role,
    plants: input.plants ?? [],
    hash: hashApiKey(generated.key),
    ...(input.rateLimitPerMinute !== undefined && { rateLimitPerMinute: input.rateLimitPerMinute }),
    createdAt: new Date(now).toISOString(),
    revokedAt: null,
    expiresAt: input.expiresInMs === undefined ? null : new Date(now + input.expiresInMs).toISOString(),
  });
  if (!parsed.success) {
    throw new KeyFileError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  return parsed.data;
}

export function createKeyFile(deps: { path: string; now: () => number; random?: (n: number) => Buffer }): KeyFile {
  const file = deps.path;

  async function read(): Promise<KeyFileData> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [] };
      throw new KeyFileError(`${file}: cannot read (${(err as Error).message})`);
    }
    return parseKeyFile(text, file);
  }

  async function write(data: KeyFileData): Promise<void> {
    await writeFileAtomic(file, JSON.stringify(data, null, 2) + '\n');
  }

  return {
    path: file,
    async stamp() {
      try {
        const s = await stat(file);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
        throw err;
      }
    },
    read,
    async add(input) {
      const data = await read();
      let generated = generateApiKey(deps.random);
      while (data.keys.some((k) => k.id === generated.id)) generated = generateApiKey(deps.random);
      const record = newKeyRecord(input, generated, deps.now());
      await write({ version: 1, keys: [...data.keys, record] });
      return { record, key: generated.key };
    },
    async revoke(id) {
      const data = await read();
      const existing = data.keys.find((k) => k.id === id);
      if (!existing) throw new KeyFileError(`no key with id "${id}" in ${file}`);
      if (existing.revokedAt !== null) return { record: existing, alreadyRevoked: true };
      const record = { ...existing, revokedAt: new Date(deps.now()).toISOString() };
      await write({ version: 1, keys: data.keys.map((k) => (k.id === id ? record : k)) });
      return { record, alreadyRevoked: false };
    },
  };
}
