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
 * Whether the batch is of the station's record stream (`reading`): only the stream the catalog names
 * (docs/adr/0012-logger-aggregates.md), so a pollutant sent as real-time and as hourly data is counted once.
 */
function isRecordStream(batch: Hj212Batch, directory: DeviceDirectory): boolean {
  return (directory.byMn(batch.mn)?.record ?? 'realtime') === batch.stream;
}

/** A value with what `reading` has no place for: Min/Max/Cou. */
const hasExtremes = (v: Hj212Batch['values'][number]) =>
  v.min !== undefined || v.max !== undefined || v.cou !== undefined;

const NO_READINGS: readonly Reading[] = [];
const NO_LETTERS: readonly DeadLetter[] = [];
const NO_LOGGER_DATA: readonly LoggerValue[] = [];

/**
 * The values of a batch kept as logger data: every value of a stream that is not the station's record, and of the
 * record stream only what `reading` has no place for — Min/Max/Cou, or the late mark of back-filled data. Writing
 * the record stream twice halved what the store could take (docs/adr/0012-logger-aggregates.md, amendment). The
 * common packet (a record stream on time, no extremes) makes no array (bench:hj212).
 */
export function loggerValues(batch: Hj212Batch, record: boolean): readonly LoggerValue[] {
  let kept = batch.values;
  if (record && !batch.late) {
    if (!kept.some(hasExtremes)) return NO_LOGGER_DATA;
    kept = kept.filter(hasExtremes);
  }
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

export function createPipelineSink(options: PipelineSinkOptions): Hj212Sink {
  const { pipeline, directory } = options;
  return {
    // The record stream goes to the spool as a series (its values, the station and the time once): no Reading
    // object per value, no logger data array when there is none — the common packet (bench:hj212).
    accept: (batch) => {
      const record = isRecordStream(batch, directory);
      const loggerData = loggerValues(batch, record);
      return pipeline.submit({
        format: HJ212_FORMAT,
        readings: NO_READINGS,
        ...(record && { series: batch }),
        deadLetters: NO_LETTERS,
        ...(loggerData.length > 0 && { loggerData }),
      });
    },
    deadLetter: (letter) => pipeline.submit({ format: HJ212_FORMAT, readings: [], deadLetters: [letter] }),
  };
}
