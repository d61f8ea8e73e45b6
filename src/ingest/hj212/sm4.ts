/**
 * SM4-ECB over the CP area of HJ 212-2025 packets (hj212-2025.md §2 row 7): 16-byte key, no padding, 16-byte
 * blocks; a remainder shorter than a block stays plaintext. Node's built-in crypto has `sm4-ecb` (OpenSSL), so no
 * dependency is needed. Keys and plaintext are never logged here or by the callers.
 */
import crypto from 'node:crypto';

const BLOCK = 16;

function transform(mode: 'encrypt' | 'decrypt', key: Buffer, input: Uint8Array): Buffer {
  if (key.length !== BLOCK) throw new RangeError(`an SM4 key has 16 bytes, got ${key.length}`);
  const whole = input.length - (input.length % BLOCK);
  const out = Buffer.from(input);
  if (whole === 0) return out;
  const cipher =
    mode === 'encrypt' ? crypto.createCipheriv('sm4-ecb', key, null) : crypto.createDecipheriv('sm4-ecb', key, null);
  cipher.setAutoPadding(false);
  const done = Buffer.concat([cipher.update(input.subarray(0, whole)), cipher.final()]);
  done.copy(out, 0);
  return out;
}

export function sm4EncryptCp(key: Buffer, plaintext: Uint8Array): Buffer {
  return transform('encrypt', key, plaintext);
}

export function sm4DecryptCp(key: Buffer, ciphertext: Uint8Array): Buffer {
  return transform('decrypt', key, ciphertext);
}

/** True when the platform's OpenSSL offers SM4-ECB (checked at start-up before a 2025 device is registered). */
export function sm4Available(): boolean {
  return crypto.getCiphers().includes('sm4-ecb');
}

const BRACED = /^\{\s*0x[0-9a-fA-F]{2}(?:\s*,\s*0x[0-9a-fA-F]{2})*\s*\}$/;

/** The bytes of the printed form `{0xE4,0x3E,…}` (HJ 212-2025 A.2); undefined when the text is not that form. */
export function parseBracedBytes(text: string): Buffer | undefined {
  if (!BRACED.test(text)) return undefined;
  const hex = text.match(/0x([0-9a-fA-F]{2})/g) ?? [];
  return Buffer.from(hex.map((h) => parseInt(h.slice(2), 16)));
}

/** The printed form of ciphertext bytes: `{0xE4,0x3E,…}` (upper-case digits as the standard prints them). */
export function formatBracedBytes(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (const b of bytes) parts.push(`0x${b.toString(16).toUpperCase().padStart(2, '0')}`);
  return `{${parts.join(',')}}`;
}
