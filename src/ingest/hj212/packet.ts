/**
 * The data segment of one framed packet → a typed packet (HJ 212-2017 §6.3.2, Table 3), or a typed problem.
 * Pure: the SM4 keys come from the caller; nothing is thrown for any input.
 *
 * Order: find the CP area, decrypt it when it is encrypted (HJ 212-2025: the CRC covers the plaintext), check the
 * CRC, then the length, then the header fields. Every packet has the same shape whatever it carried.
 */
import { formatCrc, hj212Crc16 } from './crc.js';
import type { Frame } from './framer.js';
import type { Hj212Problem } from './reasons.js';
import { parseBracedBytes, sm4DecryptCp } from './sm4.js';

export interface Hj212Packet {
  qn: string | undefined;
  st: string;
  cn: string;
  pw: string | undefined;
  mn: string;
  /** The Flag field; undefined when absent (many 2017-era loggers send none). */
  flag: number | undefined;
  pnum: number | undefined;
  pno: number | undefined;
  /** `RF=1`: a back-filled packet (HJ 212-2025). */
  rf: boolean;
  /** The CP area (between `CP=&&` and the closing `&&`), decrypted. */
  cp: string;
  /** Which form the CP area arrived in. */
  cipher: 'none' | 'raw' | 'braced';
}

/** Flag bit 0: the packet must be answered; bit 1: PNUM/PNO present (HJ 212-2017 Table 3; same bits in 2025). */
export const FLAG_ANSWER = 1;
export const FLAG_SPLIT = 2;

/** The standard version from the Flag bits (`Flag >> 2`): 0 HJ/T 212-2005, 1 HJ 212-2017, 2 HJ 212-2025. */
export function flagVersion(flag: number | undefined): number | undefined {
  return flag === undefined ? undefined : flag >> 2;
}

export type DecodeResult =
  { ok: true; packet: Hj212Packet } | { ok: false; problem: Hj212Problem; mn?: string; cn?: string };

export interface DecodeOptions {
  /** The SM4 keys to try for an MN (current first; the old one during a 90-day rollover). */
  keysFor(mn: string): readonly Buffer[];
}

const CP_OPEN = 'CP=&&';
const MAX_FIELD = 64;

export function decodeFrame(frame: Frame, options: DecodeOptions): DecodeResult {
  const data = frame.data;
  const cpAt = data.indexOf(CP_OPEN, 0, 'latin1');
  if (cpAt < 0) return fail('malformed_segment', 'no "CP=&&" in the data segment');
  if (data.length < cpAt + CP_OPEN.length + 2 || data[data.length - 1] !== 0x26 || data[data.length - 2] !== 0x26)
    return fail('malformed_segment', 'the data segment does not end with the "&&" that closes CP');
  const headerText = data.toString('utf8', 0, cpAt);
  const header = parseHeader(headerText);
  if ('reason' in header) return fail(header.reason, header.detail);
  const mn = header.fields.get('MN');
  const cn = header.fields.get('CN');
  const failAt = (reason: Hj212Problem['reason'], detail: string): DecodeResult => ({
    ok: false,
    problem: { reason, detail },
    ...(mn === undefined ? {} : { mn }),
    ...(cn === undefined ? {} : { cn }),
  });

  const body = data.subarray(cpAt + CP_OPEN.length, data.length - 2);
  const opened = openCp(data, cpAt, body, frame.crc, mn === undefined ? [] : options.keysFor(mn));
  if ('reason' in opened) return failAt(opened.reason, opened.detail);
  const { plain, cipher } = opened;

  if (!frame.lengthMatched) {
    // The length field is the plaintext's (HJ 212-2025 A.2), in bytes (project decision 1), or, tolerated when the
    // CRC matched, in characters.
    const chars = [...plain.toString('utf8')].length;
    if (frame.declaredLength !== plain.length && frame.declaredLength !== chars)
      return failAt(
        'length_mismatch',
        `length field ${frame.declaredLength}, data segment ${plain.length} bytes (${chars} characters)`,
      );
  }

  if (mn === undefined || mn === '') return failAt('malformed_segment', 'MN is missing');
  if (cn === undefined || !/^\d{4}$/.test(cn)) return failAt('malformed_segment', `CN ${describe(cn)} is not 4 digits`);
  const st = header.fields.get('ST');
  if (st === undefined || !/^[0-9A-Z]{2}$/.test(st))
    return failAt('malformed_segment', `ST ${describe(st)} is not 2 characters`);
  const flag = optionalInt(header.fields.get('Flag'), 0, 255);
  if (flag === null) return failAt('malformed_segment', `Flag ${describe(header.fields.get('Flag'))} is not 0–255`);
  const pnum = optionalInt(header.fields.get('PNUM'), 1, 9999);
  const pno = optionalInt(header.fields.get('PNO'), 1, 9999);
  if (pnum === null || pno === null) return failAt('malformed_segment', 'PNUM/PNO are not numbers 1–9999');
  const split = flag !== undefined && (flag & FLAG_SPLIT) !== 0;
  if (split && (pnum === undefined || pno === undefined))
    return failAt('malformed_segment', 'Flag says split (bit 1) but PNUM/PNO are missing');
  if (pnum !== undefined && pno !== undefined && pno > pnum)
    return failAt('malformed_segment', `PNO ${pno} is greater than PNUM ${pnum}`);
  const qn = header.fields.get('QN');
  if (qn !== undefined && !/^\d{17}$/.test(qn))
    return failAt('malformed_segment', `QN ${describe(qn)} is not 17 digits`);
  const rf = header.fields.get('RF');
  if (rf !== undefined && rf !== '0' && rf !== '1')
    return failAt('malformed_segment', `RF ${describe(rf)} is not 0 or 1`);

  const cpBytes = plain.subarray(cpAt + CP_OPEN.length, plain.length - 2);
  const cp = cpBytes.toString('utf8');
  if (!isText(cpBytes, cp)) return failAt('malformed_cp', 'the CP area holds bytes that are not text');
  return {
    ok: true,
    packet: {
      qn,
      st,
      cn,
      pw: header.fields.get('PW'),
      mn,
      flag,
      pnum: split || pnum !== undefined ? pnum : undefined,
      pno: split || pno !== undefined ? pno : undefined,
      rf: rf === '1',
      cp,
      cipher,
    },
  };

  function fail(reason: Hj212Problem['reason'], detail: string): DecodeResult {
    return { ok: false, problem: { reason, detail } };
  }
}

/**
 * The plaintext segment: as sent when its CRC matches; else the CP area decrypted with the MN's key(s). The CRC
 * always covers the plaintext (HJ 212-2025 A.2), so a matching CRC is also how the right key is recognised.
 */
function openCp(
  data: Buffer,
  cpAt: number,
  body: Buffer,
  crc: number,
  keys: readonly Buffer[],
): { plain: Buffer; cipher: Hj212Packet['cipher'] } | Hj212Problem {
  const braced = body[0] === 0x7b ? parseBracedBytes(body.toString('latin1')) : undefined;
  // Only a CP area of text can be plaintext: HJ 212's CRC keeps 8 bits of state between bytes, so about one raw
  // ciphertext in 256 has the plaintext's CRC by chance (seen: 22 of 4,000 SM4 packets taken as plaintext).
  if (!braced && hj212Crc16(data) === crc && (keys.length === 0 || isText(body)))
    return { plain: data, cipher: 'none' };
  const cipherBytes = braced ?? body;
  const form = braced ? 'braced' : 'raw';
  if (keys.length === 0) {
    if (braced || !isText(body))
      return {
        reason: 'encrypted_no_key',
        detail: `the CP area is encrypted (${form} form) and no SM4 key is configured for this MN`,
      };
    return crcProblem(data, crc);
  }
  for (const key of keys) {
    const plain = Buffer.concat([
      data.subarray(0, cpAt + CP_OPEN.length),
      sm4DecryptCp(key, cipherBytes),
      Buffer.from('&&'),
    ]);
    if (hj212Crc16(plain) === crc) return { plain, cipher: form };
  }
  if (braced || !isText(body))
    return {
      reason: 'crc_mismatch',
      detail: `CRC ${formatCrc(crc)} does not match the CP area decrypted with the configured key (wrong key?)`,
    };
  return crcProblem(data, crc);
}

function crcProblem(data: Buffer, crc: number): Hj212Problem {
  return { reason: 'crc_mismatch', detail: `CRC ${formatCrc(crc)} sent, ${formatCrc(hj212Crc16(data))} computed` };
}

/** Printable text (ASCII or valid UTF-8, no control characters): a plaintext CP area. `text`: the bytes decoded. */
function isText(bytes: Buffer, text = bytes.toString('utf8')): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x20 || b === 0x7f) return false;
  }
  return !text.includes('\uFFFD');
}

function parseHeader(text: string): { fields: Map<string, string> } | Hj212Problem {
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return { reason: 'malformed_segment', detail: `header field ${describe(part)} is not name=value` };
    const name = part.slice(0, eq);
    if (fields.has(name)) return { reason: 'malformed_segment', detail: `header field ${describe(name)} given twice` };
    fields.set(name, part.slice(eq + 1));
  }
  return { fields };
}

/** undefined when absent, null when not an integer in range. */
function optionalInt(text: string | undefined, min: number, max: number): number | undefined | null {
  if (text === undefined) return undefined;
  if (!/^\d{1,4}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

function describe(value: string | undefined): string {
  if (value === undefined) return 'missing';
  return JSON.stringify(value.length > MAX_FIELD ? `${value.slice(0, MAX_FIELD)}…` : value);
}
