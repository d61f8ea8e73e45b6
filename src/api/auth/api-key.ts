/**
 * API key format and hashing (ADR 0004). A key is `qlk_<id>_<secret>`: the `qlk_` prefix lets secret scanners
 * and people recognise it, the 8-character id names the key in `qingliu keys list` and in logs, and the secret
 * is 40 base62 characters (≈238 random bits). Only SHA-256 of the whole key is stored: with that much entropy a
 * fast hash cannot be brute-forced, and a slow password hash would cost every request tens of milliseconds.
 */
import { createHash, randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'qlk_';
const ID_LENGTH = 8;
const SECRET_LENGTH = 40;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}([a-z0-9]{${ID_LENGTH}})_([A-Za-z0-9]{${SECRET_LENGTH}})$`);

/** Uniform random characters: bytes ≥ the largest multiple of the alphabet size are dropped (no modulo bias). */
function randomString(alphabet: string, length: number, random: (n: number) => Buffer): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte < limit) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

export interface GeneratedKey {
  id: string;
  key: string;
}

/** A new key; `random` is injectable so tests can be deterministic. */
export function generateApiKey(random: (n: number) => Buffer = randomBytes): GeneratedKey {
  const id = randomString(ID_ALPHABET, ID_LENGTH, random);
  return { id, key: `${KEY_PREFIX}${id}_${randomString(SECRET_ALPHABET, SECRET_LENGTH, random)}` };
}

/** The id embedded in a well-formed key, or undefined for anything else (e.g. an ADMIN_API_KEY of any shape). */
export function keyIdOf(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/** What is stored: `sha256:<hex>`. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

export const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;
