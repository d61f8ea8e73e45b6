/**
 * Cuts a TCP byte stream into HJ 212 packets: `##` + 4-digit data length + data segment + 4 hex CRC + CR LF
 * (HJ 212-2017 §6.3.1, Table 2). Pure: no I/O, no timers; the session feeds it chunks as they arrive.
 *
 * - Several packets per chunk and a packet split across chunks both work: an incomplete tail is kept (copied,
 *   so the chunk can be freed) and completed by the next push.
 * - The length field normally delimits the frame exactly; this is the only way to frame a raw SM4 ciphertext,
 *   which may hold CR LF, `#` or NUL (hj212-2025.md §2 row 8). When CRC + CR LF are not where the length says,
 *   the frame ends at the first CR LF after four hex digits instead (`lengthMatched: false`): HJ 212-2025 prints
 *   ciphertext as `{0xE4,…}` text with the plaintext's length, and some loggers count characters, not UTF-8
 *   bytes. The codec decides whether such a frame is acceptable.
 * - Garbage is skipped up to the next `##` and reported as a discard, so a line-noise burst costs only itself.
 * - Nothing grows without bound: a frame is at most `maxFrameBytes`, and the kept tail is at most one frame.
 */
import { hexDigit } from './crc.js';

export interface Frame {
  /** The data segment as on the wire (possibly with an encrypted CP area). */
  data: Buffer;
  /** The CRC digits as sent, parsed (either case). */
  crc: number;
  /** The 4-digit length field. */
  declaredLength: number;
  /** True when the length field pointed exactly at the CRC and CR LF. */
  lengthMatched: boolean;
  /** The whole packet, `##` through CR LF. */
  raw: Buffer;
}

export type DiscardReason = 'garbage' | 'bad_length_field' | 'frame_too_large' | 'truncated';

export interface Discard {
  reason: DiscardReason;
  bytes: number;
  /** The first bytes discarded (at most 256), for the dead letter. */
  sample: Buffer;
}

export type FramerEvent = { type: 'frame'; frame: Frame } | { type: 'discard'; discard: Discard };

export interface FramerOptions {
  /**
   * Largest frame accepted, `##` to CR LF. The length field allows 9999 bytes of data; a `{0x..}` ciphertext takes
   * about five characters per byte on the wire, so the default leaves room for a 1,024-byte encrypted segment
   * (HJ 212-2025 splits anything larger) and for a plain 9999-byte one.
   */
  maxFrameBytes?: number;
}

export interface Framer {
  push(chunk: Buffer): FramerEvent[];
  /** The stream ended: whatever is buffered is a truncated packet. */
  end(): FramerEvent[];
  /** Bytes kept from earlier chunks (an incomplete packet). */
  readonly bufferedBytes: number;
}

export const DEFAULT_MAX_FRAME_BYTES = 12 + 9999 + 4 * 1024 + 64;
const HEADER = 6; // "##" + 4 digits
const TRAILER = 6; // 4 hex CRC + CR LF
const SAMPLE_BYTES = 256;
const HASH = 0x23;
const CR = 0x0d;
const LF = 0x0a;

export function createFramer(options: FramerOptions = {}): Framer {
  const maxFrame = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  let tail: Buffer | undefined;

  function discard(out: FramerEvent[], reason: DiscardReason, buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    const last = out[out.length - 1];
    // Consecutive discards of one push are one event (a garbage burst is one thing to report).
    if (last?.type === 'discard' && last.discard.reason === reason) {
      last.discard.bytes += to - from;
      return;
    }
    out.push({
      type: 'discard',
      discard: { reason, bytes: to - from, sample: Buffer.from(buf.subarray(from, Math.min(to, from + SAMPLE_BYTES))) },
    });
  }

  function frameAt(buf: Buffer, start: number, dataEnd: number, matched: boolean, declared: number): Frame | undefined {
    const crc = parseHex4(buf, dataEnd);
    if (crc === undefined) return undefined;
    const raw = buf.subarray(start, dataEnd + TRAILER);
    return { data: buf.subarray(start + HEADER, dataEnd), crc, declaredLength: declared, lengthMatched: matched, raw };
  }

  function scan(buf: Buffer): FramerEvent[] {
    const out: FramerEvent[] = [];
    let pos = 0;
    while (pos < buf.length) {
      // A packet usually starts where the last one ended: no search then.
      const start = buf[pos] === HASH && buf[pos + 1] === HASH ? pos : buf.indexOf('##', pos, 'latin1');
      if (start < 0) {
        // Keep a trailing '#': it may be the first half of the next header.
        const keep = buf[buf.length - 1] === HASH ? 1 : 0;
        discard(out, 'garbage', buf, pos, buf.length - keep);
        pos = buf.length - keep;
        break;
      }
      discard(out, 'garbage', buf, pos, start);
      pos = start;
      if (buf.length - start < HEADER) break;
      const declared = parseDigits4(buf, start + 2);
      if (declared === undefined) {
        // One byte only: in "###0292…" the real header starts at the second '#'.
        discard(out, 'bad_length_field', buf, start, start + 1);
        pos = start + 1;
        continue;
      }
      const exactEnd = start + HEADER + declared + TRAILER;
      if (exactEnd > start + maxFrame) {
        discard(out, 'frame_too_large', buf, start, start + 1);
        pos = start + 1;
        continue;
      }
      const complete = buf.length >= exactEnd;
      if (complete && buf[exactEnd - 2] === CR && buf[exactEnd - 1] === LF) {
        const frame = frameAt(buf, start, exactEnd - TRAILER, true, declared);
        if (frame) {
          out.push({ type: 'frame', frame });
          pos = exactEnd;
          continue;
        }
      }
      // Shorter than its length field says, and the next packet has begun: frame it by its CR LF now rather than
      // wait for bytes that belong to the next packet (a stop-and-wait logger would never send them).
      if (!complete && indexOfNextPacket(buf, start + HEADER) < 0) break; // wait for the rest
      // Not where the length says: the first CR LF after four hex digits, unless another header comes first.
      const limit = Math.min(buf.length, start + maxFrame);
      const crlf = indexOfCrlf(buf, start + HEADER, limit);
      const nextHeader = buf.indexOf('##', start + 2, 'latin1');
      if (crlf >= 0 && (nextHeader < 0 || nextHeader > crlf)) {
        const frame = crlf - 4 >= start + HEADER ? frameAt(buf, start, crlf - 4, false, declared) : undefined;
        if (frame) {
          out.push({ type: 'frame', frame });
        } else {
          discard(out, 'garbage', buf, start, crlf + 2);
        }
        pos = crlf + 2;
        continue;
      }
      if (nextHeader >= 0 && nextHeader < limit) {
        discard(out, 'garbage', buf, start, nextHeader);
        pos = nextHeader;
        continue;
      }
      if (buf.length - start >= maxFrame) {
        discard(out, 'frame_too_large', buf, start, start + 2);
        pos = start + 2;
        continue;
      }
      break; // a frame longer than its length field says, still arriving
    }
    tail = pos < buf.length ? Buffer.from(buf.subarray(pos)) : undefined;
    return out;
  }

  return {
    push(chunk) {
      if (chunk.length === 0) return [];
      return scan(tail ? Buffer.concat([tail, chunk]) : chunk);
    },
    end() {
      const rest = tail;
      tail = undefined;
      if (!rest) return [];
      const out: FramerEvent[] = [];
      discard(out, 'truncated', rest, 0, rest.length);
      return out;
    },
    get bufferedBytes() {
      return tail?.length ?? 0;
    },
  };
}

function parseDigits4(buf: Buffer, at: number): number | undefined {
  let value = 0;
  for (let i = at; i < at + 4; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) return undefined;
    value = value * 10 + (c - 0x30);
  }
  return value;
}

/** Four hex digits in either case (project decision 7: accept either); undefined otherwise. */
function parseHex4(buf: Buffer, at: number): number | undefined {
  let value = 0;
  for (let i = at; i < at + 4; i++) {
    const d = hexDigit(buf[i]);
    if (d < 0) return undefined;
    value = (value << 4) | d;
  }
  return value;
}

/** Where `CR LF ## dddd` (the end of one packet and the header of the next) occurs from `from`, else -1. */
function indexOfNextPacket(buf: Buffer, from: number): number {
  let i = from;
  for (;;) {
    i = buf.indexOf('\r\n##', i, 'latin1');
    if (i < 0 || i + 8 > buf.length) return -1;
    if (parseDigits4(buf, i + 4) !== undefined) return i;
    i += 2;
  }
}

function indexOfCrlf(buf: Buffer, from: number, to: number): number {
  let i = from;
  for (;;) {
    i = buf.indexOf(CR, i);
    if (i < 0 || i + 1 >= to) return -1;
    if (buf[i + 1] === LF) return i;
    i++;
  }
}
