/**
 * A test sink over a REAL spool (src/ingest/spool): `accept` resolves only after the spool write returned, i.e. the
 * readings survive a SIGKILL. Stands in for hj212app's pipeline-backed sink until that is on main; the point of the
 * tests using it is the gateway's ordering (answer after durable), which this makes real, not instant.
 *
 * Group commit, as the MQTT pipeline does (src/ingest/ingest-pipeline.ts): the batches accepted while the event
 * loop runs one turn are written with one write(2), then all of them resolve — a write per packet would make the
 * disk, not the gateway, the bench's limit.
 */
import type { DeadLetter, Reading } from '../../../src/domain/reading.js';
import type { Hj212Batch, Hj212Sink } from '../../../src/ingest/hj212/contracts.js';
import { RecordGroup } from '../../../src/ingest/spool/spool-codec.js';
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

export function createSpoolSink(spool: Spool, options: { keep?: boolean } = {}): SpoolSink {
  const keep = options.keep ?? true;
  const group = new RecordGroup();
  let waiting: { resolve: () => void; reject: (err: Error) => void; batch?: Hj212Batch; letter?: DeadLetter }[] = [];

  function flush(): void {
    const done = waiting;
    waiting = [];
    try {
      spool.appendGroup(group);
    } catch (err) {
      for (const w of done) w.reject(err as Error);
      return;
    } finally {
      group.clear();
    }
    for (const w of done) {
      if (keep && w.batch) sink.batches.push(w.batch);
      if (keep && w.letter) sink.letters.push(w.letter);
      w.resolve();
    }
  }

  function write(
    readings: Reading[],
    letters: DeadLetter[],
    item: { batch?: Hj212Batch; letter?: DeadLetter },
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      if (waiting.length === 0) setImmediate(flush);
      group.add(readings, letters);
      waiting.push({ resolve, reject, ...item });
    });
  }

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
      await write(readingsOf(batch), [], { batch });
    },
    async deadLetter(letter) {
      await write([], [letter], { letter });
    },
  };
  return sink;
}
