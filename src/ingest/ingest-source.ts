/**
 * A way in besides MQTT (the HJ 212 gateway): it is given the ingest pipeline and feeds it through `submit`, so
 * every source shares one spool, one forwarder, one dead-letter path and one set of metrics.
 */
import type { IngestPipeline } from './ingest-pipeline.js';

export interface IngestSource {
  /** For logs, e.g. `hj212`. */
  readonly name: string;
  /** Starts taking messages (e.g. listens); a failure stops the ingester's start-up. */
  start(): Promise<void>;
  /** Stops taking messages. Called after the pipeline is closed: nothing more is acknowledged. Safe twice. */
  stop(): Promise<void>;
}

/** Builds a source around the pipeline it feeds (the ingester builds the pipeline first). */
export type IngestSourceFactory = (pipeline: Pick<IngestPipeline, 'submit'>) => IngestSource;
