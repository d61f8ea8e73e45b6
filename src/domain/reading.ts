import type { DataFlag } from './flags.js';
import type { ParameterCode } from './parameters.js';

/**
 * One measured value. A reading is identified by (stationId, parameter, ts): storing the same reading twice
 * (an MQTT redelivery) leaves one reading, so at-least-once delivery is harmless.
 */
export interface Reading {
  stationId: string;
  parameter: ParameterCode;
  /** Epoch milliseconds (UTC). */
  ts: number;
  /** In the parameter's canonical unit. */
  value: number;
  flag: DataFlag;
}

/** A message, or part of one, that could not be accepted; kept with its reason and raw payload. */
export interface DeadLetter {
  /** When it was received, epoch ms. */
  receivedAt: number;
  /** Station id from the topic, or '_unknown' when the topic names none. */
  stationId: string;
  topic: string;
  /** Machine-readable reason code (e.g. `unknown_station`, `malformed_json`, `out_of_range`). */
  reason: string;
  /** Human-readable detail: which field, what was expected. */
  detail: string;
  /** The raw payload as received (UTF-8; truncated for oversized payloads). */
  payload: string;
}
