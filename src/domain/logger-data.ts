/**
 * What an HJ 212 data logger (数采仪) sent, stream by stream, kept beside the station's record
 * (docs/adr/0012-logger-aggregates.md): real-time values (2011 `-Rtd`) and the logger's own minute, hourly and
 * daily aggregates (2051/2061/2031 `-Avg/-Min/-Max/-Cou`, `ts` = the start of the period, HJ 212-2017 §6.6).
 */
import type { DataFlag } from './flags.js';
import type { ParameterCode } from './parameters.js';

export const LOGGER_STREAMS = ['realtime', 'minute', 'hourly', 'daily'] as const;
export type LoggerStream = (typeof LOGGER_STREAMS)[number];

/**
 * One value of one stream. Identified by (stationId, parameter, stream, ts): a resent packet replaces itself.
 * `late`: back-filled (RF=1) or an answer to a gap-fill request — stored as late data, never a live reading.
 */
export interface LoggerValue {
  stationId: string;
  parameter: ParameterCode;
  stream: LoggerStream;
  /** Epoch ms: the reading's time, or the start of the aggregate's period. */
  ts: number;
  /** `-Rtd`, or `-Avg` for aggregates; in the parameter's canonical unit like every reading. */
  value: number;
  min?: number;
  max?: number;
  /** `-Cou`: the cumulative amount over the period (e.g. discharge volume), when sent. */
  cou?: number;
  flag: DataFlag;
  late: boolean;
  /** When Qingliu received it, epoch ms. */
  receivedAt: number;
}

export function isLoggerStream(value: unknown): value is LoggerStream {
  return typeof value === 'string' && (LOGGER_STREAMS as readonly string[]).includes(value);
}
