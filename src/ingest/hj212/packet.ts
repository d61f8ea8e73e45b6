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
const NO_KEYS: readonly Buffer[] = [];

export function decodeFrame(frame: Frame, options: DecodeOptions): DecodeResult {
  const data = frame.data;
  const cpAt = data.indexOf(CP_OPEN, 0, 'latin1');
  if (cpAt < 0) return fail('malformed_segment', 'no "CP=&&" in the data segment');
  if (data.length < cpAt + CP_OPEN.length + 2 || data[data.length - 1] !== 0x26 || data[data.length - 2] !== 0x26)
    return fail('malformed_segment', 'the data segment does not end with the "&&" that closes CP');
  const header = parseHeader(data.toString('utf8', 0, cpAt));
  if ('reason' in header) return fail(header.reason, header.detail);
  const mn = header.MN;
  const cn = header.CN;
  // A function declaration, not a closure per packet (this runs for every packet).
  function failAt(reason: Hj212Problem['reason'], detail: string): DecodeResult {
    return {
      ok: false,
      problem: { reason, detail },
      ...(mn === undefined ? {} : { mn }),
      ...(cn === undefined ? {} : { cn }),
    };
  }

  const opened = openCp(data, cpAt, frame.crc, mn, options);
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
  const st = header.ST;
  if (st === undefined || !/^[0-9A-Z]{2}$/.test(st))
    return failAt('malformed_segment', `ST ${describe(st)} is not 2 characters`);
  const flag = optionalInt(header.Flag, 0, 255);
  if (flag === null) return failAt('malformed_segment', `Flag ${describe(header.Flag)} is not 0–255`);
  const pnum = optionalInt(header.PNUM, 1, 9999);
  const pno = optionalInt(header.PNO, 1, 9999);
  if (pnum === null || pno === null) return failAt('malformed_segment', 'PNUM/PNO are not numbers 1–9999');
  const split = flag !== undefined && (flag & FLAG_SPLIT) !== 0;
  if (split && (pnum === undefined || pno === undefined))
    return failAt('malformed_segment', 'Flag says split (bit 1) but PNUM/PNO are missing');
  if (pnum !== undefined && pno !== undefined && pno > pnum)
    return failAt('malformed_segment', `PNO ${pno} is greater than PNUM ${pnum}`);
  const qn = header.QN;
  if (qn !== undefined && !/^\d{17}$/.test(qn))
    return failAt('malformed_segment', `QN ${describe(qn)} is not 17 digits`);
  const rf = header.RF;
  if (rf !== undefined && rf !== '0' && rf !== '1')
    return failAt('malformed_segment', `RF ${describe(rf)} is not 0 or 1`);

  const cpStart = cpAt + CP_OPEN.length;
  const cp = plain.toString('utf8', cpStart, plain.length - 2);
  // `text`: openCp already tested these bytes (a plaintext packet); a decrypted one is tested here.
  if (!(opened.text ?? isText(plain, cpStart, plain.length - 2, cp)))
    return failAt('malformed_cp', 'the CP area holds bytes that are not text');
  return {
    ok: true,
    packet: {
      qn,
      st,
      cn,
      pw: header.PW,
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
  crc: number,
  mn: string | undefined,
  options: DecodeOptions,
): { plain: Buffer; cipher: Hj212Packet['cipher']; text?: boolean } | Hj212Problem {
  const bodyStart = cpAt + CP_OPEN.length;
  const bodyEnd = data.length - 2;
  const braced = data[bodyStart] === 0x7b ? parseBracedBytes(data.toString('latin1', bodyStart, bodyEnd)) : undefined;
  // Only a CP area of text can be plaintext: HJ 212's CRC keeps 8 bits of state between bytes, so about one raw
  // ciphertext in 256 has the plaintext's CRC by chance (seen: 22 of 4,000 SM4 packets taken as plaintext).
  // The keys are looked up only when the text test does not settle it (the common plaintext packet needs none).
  if (!braced && hj212Crc16(data) === crc) {
    const text = isText(data, bodyStart, bodyEnd);
    if (text || keysOf(mn, options).length === 0) return { plain: data, cipher: 'none', text };
  }
  const keys = keysOf(mn, options);
  const body = data.subarray(bodyStart, bodyEnd);
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

function keysOf(mn: string | undefined, options: DecodeOptions): readonly Buffer[] {
  return mn === undefined ? NO_KEYS : options.keysFor(mn);
}

function crcProblem(data: Buffer, crc: number): Hj212Problem {
  return { reason: 'crc_mismatch', detail: `CRC ${formatCrc(crc)} sent, ${formatCrc(hj212Crc16(data))} computed` };
}

/**
 * Printable text (ASCII or valid UTF-8, no control characters): a plaintext CP area. `bytes[from, to)`; `text`:
 * those bytes decoded.
 */
function isText(bytes: Buffer, from = 0, to = bytes.length, text?: string): boolean {
  let ascii = true;
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    if (b < 0x20 || b === 0x7f) return false;
    if (b >= 0x80) ascii = false;
  }
  // Plain ASCII is valid UTF-8: only other bytes need decoding to find an invalid sequence.
  return ascii || !(text ?? bytes.toString('utf8', from, to)).includes('\uFFFD');
}

/** The header fields the codec reads (HJ 212-2017 Table 3, RF from HJ 212-2025); others are allowed, once each. */
interface Header {
  QN: string | undefined;
  ST: string | undefined;
  CN: string | undefined;
  PW: string | undefined;
  MN: string | undefined;
  Flag: string | undefined;
  PNUM: string | undefined;
  PNO: string | undefined;
  RF: string | undefined;
}

const HEADER_FIELDS = new Set<string>(['QN', 'ST', 'CN', 'PW', 'MN', 'Flag', 'PNUM', 'PNO', 'RF']);

/** `name=value;…` before `CP=&&`: each field once, empty parts (`;;`) skipped. Without a split array or a Map. */
function parseHeader(text: string): Header | Hj212Problem {
  const h: Header = {
    QN: undefined,
    ST: undefined,
    CN: undefined,
    PW: undefined,
    MN: undefined,
    Flag: undefined,
    PNUM: undefined,
    PNO: undefined,
    RF: undefined,
  };
  let others: Set<string> | undefined;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf(';', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const eq = text.indexOf('=', start);
      if (eq <= start || eq >= end) {
        const part = text.slice(start, end);
        return { reason: 'malformed_segment', detail: `header field ${describe(part)} is not name=value` };
      }
      const name = text.slice(start, eq);
      if (HEADER_FIELDS.has(name) ? h[name as keyof Header] !== undefined : (others ??= new Set()).has(name))
        return { reason: 'malformed_segment', detail: `header field ${describe(name)} given twice` };
      const value = text.slice(eq + 1, end);
      if (HEADER_FIELDS.has(name)) h[name as keyof Header] = value;
      else others!.add(name);
    }
    start = end + 1;
  }
  return h;
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
