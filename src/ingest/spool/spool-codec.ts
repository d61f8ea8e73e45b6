/**
 * The spool's line format. One line per reading, tab-separated (cheap to write and to parse back, which the
 * forwarder does for every reading); one line per dead letter, as JSON (its payload may hold anything;
 * JSON escapes newlines, so a record never spans lines):
 *   R\t{stationId}\t{parameter}\t{ts}\t{value}\t{flag}\n
 *   D\t{"receivedAt":…,"stationId":…,"topic":…,"reason":…,"detail":…,"payload":…}\n
 * A line that does not decode (a write torn by a power loss) is skipped and counted, never fatal.
 */
import { DATA_FLAGS, type DataFlag } from '../../domain/flags.js';
import { PARAMETER_CODES, type ParameterCode } from '../../domain/parameters.js';
import type { DeadLetter, Reading } from '../../domain/reading.js';

export function encodeRecords(readings: readonly Reading[], deadLetters: readonly DeadLetter[]): string {
  let out = '';
  for (const r of readings) out += `R\t${r.stationId}\t${r.parameter}\t${r.ts}\t${r.value}\t${r.flag}\n`;
  for (const d of deadLetters) out += `D\t${JSON.stringify(d)}\n`;
  return out;
}

export interface DecodedRecords {
  readings: Reading[];
  deadLetters: DeadLetter[];
  /** Lines that could not be decoded. */
  corrupt: number;
}

/** Decodes complete lines (the text ends with '\n' or is empty) and appends to `into`. */
export function decodeRecords(text: string, into: DecodedRecords): DecodedRecords {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) decodeLine(text, start, end, into);
    start = end + 1;
  }
  return into;
}

const PARAMETERS = new Set<string>(PARAMETER_CODES);
const FLAGS = new Set<string>(DATA_FLAGS);

function decodeLine(text: string, start: number, end: number, into: DecodedRecords): void {
  const kind = text.charCodeAt(start);
  if (kind === 82 /* R */ && text.charCodeAt(start + 1) === 9) {
    // Hand-rolled split: the forwarder decodes every reading, and slice+split+checks cost ~3x as much.
    const t1 = text.indexOf('\t', start + 2);
    const t2 = t1 < 0 ? -1 : text.indexOf('\t', t1 + 1);
    const t3 = t2 < 0 ? -1 : text.indexOf('\t', t2 + 1);
    const t4 = t3 < 0 ? -1 : text.indexOf('\t', t3 + 1);
    // Four tabs inside this line; a fifth would end up in the flag, which then is not a flag.
    if (t4 > 0 && t4 < end) {
      const stationId = text.slice(start + 2, t1);
      const parameter = text.slice(t1 + 1, t2);
      const ts = Number(text.slice(t2 + 1, t3));
      const valueText = text.slice(t3 + 1, t4);
      const value = Number(valueText);
      const flag = text.slice(t4 + 1, end);
      if (stationId !== '' && PARAMETERS.has(parameter) && Number.isSafeInteger(ts) && valueText !== '' && Number.isFinite(value) && FLAGS.has(flag)) {
        into.readings.push({ stationId, parameter: parameter as ParameterCode, ts, value, flag: flag as DataFlag });
        return;
      }
    }
  } else if (kind === 68 /* D */ && text.charCodeAt(start + 1) === 9) {
    try {
      const d = JSON.parse(text.slice(start + 2, end)) as Partial<DeadLetter>;
      if (
        typeof d === 'object' && d !== null &&
        typeof d.receivedAt === 'number' &&
        typeof d.stationId === 'string' &&
        typeof d.topic === 'string' &&
        typeof d.reason === 'string' &&
        typeof d.detail === 'string' &&
        typeof d.payload === 'string'
      ) {
        into.deadLetters.push({ receivedAt: d.receivedAt, stationId: d.stationId, topic: d.topic, reason: d.reason, detail: d.detail, payload: d.payload });
        return;
      }
    } catch {
      // counted below
    }
  }
  into.corrupt++;
}
