/**
 * The one error type the store adapters throw. `retryable` tells the caller (the ingest pipeline, which
 * spools what `write()` rejects) whether trying the same call again later can succeed: a database that
 * is down or busy can; a reading the database will never accept (a field type conflict, a non-finite value)
 * cannot, and must go to the dead letters instead of being retried forever.
 */
export class StoreError extends Error {
  readonly retryable: boolean;
  /** HTTP status from the database, when there was a response. */
  readonly status: number | undefined;
  /**
   * Which database, as people configured it (`INFLUX_URL=http://influxdb:8086`, credentials masked), so that an
   * answer or a log line saying "unreachable" names what was tried.
   */
  readonly target: string | undefined;

  constructor(message: string, options: { retryable: boolean; status?: number; cause?: unknown; target?: string }) {
    super(message, { cause: options.cause });
    this.name = 'StoreError';
    this.retryable = options.retryable;
    this.status = options.status;
    this.target = options.target;
  }
}

export function isStoreError(err: unknown): err is StoreError {
  return err instanceof StoreError;
}
