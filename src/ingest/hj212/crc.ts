/**
 * The HJ 212 CRC16 (HJ 212-2017 Appendix A; unchanged in HJ 212-2025 A.1). It is NOT CRC-16/MODBUS: each byte is
 * XORed into the register after shifting it right by 8 (`(reg >> 8) ^ byte`), so no generic CRC library fits.
 * Computed over the data segment's bytes only (QN… through the closing `&&`).
 */

/**
 * After `(reg >> 8) ^ byte` the register holds 8 bits, so the eight shift-and-XOR steps that follow depend on
 * those 8 bits alone: one table lookup per byte does them (the standard's bit loop, precomputed).
 */
const STEPS = Uint16Array.from({ length: 256 }, (_, value) => {
  let reg = value;
  for (let j = 0; j < 8; j++) {
    const check = reg & 1;
    reg >>= 1;
    if (check) reg ^= 0xa001;
  }
  return reg;
});

/** CRC16 of `bytes[start, end)` per HJ 212-2017 Appendix A. */
export function hj212Crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let reg = 0xffff;
  for (let i = start; i < end; i++) reg = STEPS[(reg >> 8) ^ bytes[i]!]!;
  return reg;
}

/** Four upper-case hex digits, high byte first, as the standard prints them (project decision 7: upper case out). */
export function formatCrc(crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** The value of one hex digit byte (either case), -1 when it is not one. */
export function hexDigit(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}
