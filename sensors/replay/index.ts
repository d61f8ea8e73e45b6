/** Replay of real readings from CSV into MQTT: `qingliu simulate --replay FILE.csv --map …`. */
export { parseCsv } from './csv.js';
export {
  replayMappingSchema,
  parseInlineMapping,
  loadMapping,
  MappingError,
  type ReplayMapping,
  type ReplayMappingInput,
  type ColumnTarget,
} from './mapping.js';
export {
  readReplayCsv,
  parseLocalTime,
  planColumns,
  specialColumns,
  cellValue,
  ReplayError,
  REPLAY_FORMATS,
  type ColumnPlan,
  type ReplayData,
  type ReplayFormat,
  type ReplayMessage,
  type ReplaySource,
  type ReadReplayOptions,
} from './read-replay.js';
export { replay, shiftFor, type ReplayOptions, type ReplayResult } from './replay.js';
export { valueRanges, NO_STATUS, type FileRanges, type ValueRange } from './value-ranges.js';
export {
  checkReplay,
  officialClass,
  type CheckOptions,
  type CheckTally,
  type ClassComparison,
  type ReplayCheck,
} from './check.js';
