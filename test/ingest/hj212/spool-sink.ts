/**
 * A test sink over a REAL spool (src/ingest/spool): `accept` resolves only after `spool.append` returned, i.e. the
 * readings survive a SIGKILL. Stands in for hj212app's pipeline-backed sink until that is on main; the point of the
 * tests using it is the gateway's ordering (answer after durable), which this makes real, not instant.
 */
import type { DeadLetter, Reading } from '../../../src/domain/reading.js';
import type { Hj212Batch, Hj212Sink } from '../../../src/ingest/hj212/contracts.js';
import type { Spool } from '../../../src/ingest/spool/spool.js';

export interface SpoolSink extends Hj212Sink {
  batches: Hj212Batch[];
  letters: DeadLetter[];
  /** While set, accept waits for it (to hold a packet "in the spool write"). */
  gate: Promise<void> | undefined;
  /** The next accept fails with this (a full or broken disk), once. */
  failNext: Error | undefined;
}

export function readingsOf(batch: Hj212Batch): Reading[] {
  return batch.values.map((v) => ({
    stationId: batch.stationId,
    parameter: v.parameter,
    ts: batch.ts,
    value: v.value,
    flag: v.flag,
  }));
}

export function createSpoolSink(spool: Spool): SpoolSink {
  const sink: SpoolSink = {
    batches: [],
    letters: [],
    gate: undefined,
    failNext: undefined,
    async accept(batch) {
      if (sink.gate) await sink.gate;
      const failure = sink.failNext;
      sink.failNext = undefined;
      if (failure) throw failure;
      spool.append(readingsOf(batch), []);
      sink.batches.push(batch);
    },
    async deadLetter(letter) {
      spool.append([], [letter]);
      sink.letters.push(letter);
    },
  };
  return sink;
}
