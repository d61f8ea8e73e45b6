/**
 * The gateway's Hj212Sink on the real ingest pipeline: a decoded batch becomes spool records in the same group
 * commit as MQTT messages, and `accept` resolves only once they are in the spool — the gateway answers 9014
 * then. A spool that refuses them rejects `accept`: the gateway does not answer and the logger resends.
 * The station's record stream becomes readings (late ones reach re-judgment as the store writes them,
 * store/touch-log.ts); logger data keeps only what the readings do not already hold (ADR 0012, amended).
 */
import type { LoggerValue } from '../../domain/logger-data.js';
import type { DeadLetter, Reading } from '../../domain/reading.js';
import type { IngestPipeline } from '../ingest-pipeline.js';
import type { DeviceDirectory, Hj212Batch, Hj212Sink } from './contracts.js';

export interface PipelineSinkOptions {
  pipeline: Pick<IngestPipeline, 'submit'>;
  directory: DeviceDirectory;
}

/** The `format` label of HJ 212 messages in `qingliu_ingest_messages_received_total`. */
export const HJ212_FORMAT = 'hj212';

/**
 * The readings of a batch that belong to the station's record (`reading`): only the stream the catalog names
 * (docs/adr/0012-logger-aggregates.md), so a pollutant sent as real-time and as hourly data is counted once.
 */
export function recordReadings(batch: Hj212Batch, directory: DeviceDirectory): Reading[] {
  const record = directory.byMn(batch.mn)?.record ?? 'realtime';
  if (batch.stream !== record) return [];
  return batch.values.map((v) => ({
    stationId: batch.stationId,
    parameter: v.parameter,
    ts: batch.ts,
    value: v.value,
    flag: v.flag,
  }));
}

/**
 * The values of a batch kept as logger data: every value of a stream that is not the station's record, and of the
 * record stream only what `reading` has no place for — Min/Max/Cou, or the late mark of back-filled data. Writing
 * the record stream twice halved what the store could take (docs/adr/0012-logger-aggregates.md, amendment).
 */
export function loggerValues(batch: Hj212Batch, directory: DeviceDirectory): LoggerValue[] {
  const record = (directory.byMn(batch.mn)?.record ?? 'realtime') === batch.stream;
  const kept =
    record && !batch.late
      ? batch.values.filter((v) => v.min !== undefined || v.max !== undefined || v.cou !== undefined)
      : batch.values;
  return kept.map((v) => ({
    stationId: batch.stationId,
    parameter: v.parameter,
    stream: batch.stream,
    ts: batch.ts,
    value: v.value,
    ...(v.min === undefined ? {} : { min: v.min }),
    ...(v.max === undefined ? {} : { max: v.max }),
    ...(v.cou === undefined ? {} : { cou: v.cou }),
    flag: v.flag,
    late: batch.late,
    receivedAt: batch.receivedAt,
  }));
}

/** True when `loggerValues` keeps none of the batch's values (a record stream on time without Min/Max/Cou). */
function onlyReadings(batch: Hj212Batch, record: boolean): boolean {
  if (!record || batch.late) return false;
  for (const v of batch.values) if (v.min !== undefined || v.max !== undefined || v.cou !== undefined) return false;
  return true;
}

const NO_READINGS: readonly Reading[] = [];
const NO_LETTERS: readonly DeadLetter[] = [];

export function createPipelineSink(options: PipelineSinkOptions): Hj212Sink {
  const { pipeline, directory } = options;
  return {
    // The record stream goes to the spool as a series (its values, the station and the time once): no Reading
    // object per value, no logger data array when there is none — the common packet (bench:hj212).
    accept: (batch) => {
      const record = (directory.byMn(batch.mn)?.record ?? 'realtime') === batch.stream;
      return pipeline.submit({
        format: HJ212_FORMAT,
        readings: NO_READINGS,
        ...(record && { series: batch }),
        deadLetters: NO_LETTERS,
        ...(!onlyReadings(batch, record) && { loggerData: loggerValues(batch, directory) }),
      });
    },
    deadLetter: (letter) => pipeline.submit({ format: HJ212_FORMAT, readings: [], deadLetters: [letter] }),
  };
}
