/**
 * Builds HJ 212 packets: the gateway's answers (9014, 9013, 1012, 2061 requests) and the simulated logger's
 * uploads. `##` + 4-digit length + data segment + CRC16 (upper case) + CR LF, length and CRC over the UTF-8
 * bytes of the plaintext segment (project decision 7); with a key, the CP area is SM4-encrypted afterwards
 * (HJ 212-2025 A.2: the length and CRC stay those of the plaintext).
 */
import { formatCrc, hj212Crc16 } from './crc.js';
import { formatBracedBytes, sm4EncryptCp } from './sm4.js';

export interface PacketFields {
  qn?: string;
  st: string;
  cn: string;
  pw?: string;
  mn: string;
  flag?: number;
  pnum?: number;
  pno?: number;
  rf?: boolean;
  /** The CP area's content, without `CP=&&` and the closing `&&`. */
  cp: string;
}

export interface EncodeOptions {
  /** Encrypt the CP area with this SM4 key. */
  key?: Buffer;
  /** How ciphertext goes on the wire: raw bytes (default) or the printed `{0xE4,…}` form. */
  cipherForm?: 'raw' | 'braced';
}

export function dataSegment(fields: PacketFields): string {
  let s = '';
  if (fields.qn !== undefined) s += `QN=${fields.qn};`;
  s += `ST=${fields.st};CN=${fields.cn};`;
  if (fields.pw !== undefined) s += `PW=${fields.pw};`;
  s += `MN=${fields.mn};`;
  if (fields.flag !== undefined) s += `Flag=${fields.flag};`;
  if (fields.pnum !== undefined && fields.pno !== undefined) s += `PNUM=${fields.pnum};PNO=${fields.pno};`;
  if (fields.rf) s += 'RF=1;';
  return `${s}CP=&&${fields.cp}&&`;
}

export function encodePacket(fields: PacketFields, options: EncodeOptions = {}): Buffer {
  const segment = Buffer.from(dataSegment(fields), 'utf8');
  if (segment.length > 9999) throw new RangeError(`data segment of ${segment.length} bytes: split it (PNUM/PNO)`);
  const crc = formatCrc(hj212Crc16(segment));
  const length = String(segment.length).padStart(4, '0');
  let wire = segment;
  if (options.key && fields.cp.length > 0) {
    const cpStart = segment.length - Buffer.byteLength(fields.cp, 'utf8') - 2;
    const cipher = sm4EncryptCp(options.key, segment.subarray(cpStart, segment.length - 2));
    const body = options.cipherForm === 'braced' ? Buffer.from(formatBracedBytes(cipher), 'latin1') : cipher;
    wire = Buffer.concat([segment.subarray(0, cpStart), body, Buffer.from('&&')]);
  }
  return Buffer.concat([Buffer.from(`##${length}`, 'latin1'), wire, Buffer.from(`${crc}\r\n`, 'latin1')]);
}

/** Where the QN's digits start in an encoded packet: after `##`, the 4-digit length and `QN=`. */
const QN_AT = 6 + 'QN='.length;
const QN_DIGITS = 17;
const HEX = '0123456789ABCDEF';

/**
 * Answers without a CP area (9014, 9013) to one logger: all alike but for their QN, which echoes the packet's, so
 * the packet is built once (as encodePacket would) and each answer is a copy with its QN and CRC written in, without
 * the strings and buffers encodePacket makes. A QN that is not 17 digits (the codec refuses those) is encoded whole.
 */
export function answerEncoder(fields: Omit<PacketFields, 'qn' | 'cp' | 'pnum' | 'pno' | 'rf'>): (qn: string) => Buffer {
  const template = encodePacket({ ...fields, qn: '0'.repeat(QN_DIGITS), cp: '' });
  const crcAt = template.length - 6;
  return (qn) => {
    if (!isQnDigits(qn)) return encodePacket({ ...fields, qn, cp: '' });
    const out = Buffer.allocUnsafe(template.length);
    template.copy(out);
    out.write(qn, QN_AT, 'latin1');
    const crc = hj212Crc16(out, 6, crcAt);
    for (let i = 0; i < 4; i++) out[crcAt + i] = HEX.charCodeAt((crc >> (12 - 4 * i)) & 0xf);
    return out;
  };
}

function isQnDigits(qn: string): boolean {
  if (qn.length !== QN_DIGITS) return false;
  for (let i = 0; i < QN_DIGITS; i++) {
    const c = qn.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
