/**
 * The InfluxDB store's reading writes on a second core (docs/adr/0018-influx-write-thread.md): a `worker_threads`
 * worker turns a batch's spool bytes into line protocol (`encodedReadingLines`) and posts it (`InfluxHttp`), the
 * same code the store runs in its own thread otherwise. The store's caller keeps everything else — rollup
 * marks, late readings, retries, splitting, the spool's commit — and a write resolves only once InfluxDB
 * answered 204, so "committed after durable" holds as before.
 *
 * This module is both sides: imported, it starts and talks to the thread; run as the thread (its `workerData`
 * carries THREAD_ROLE), it serves writes. One module, so that the compiled service (bench/compile-main.ts, the
 * Docker image) ships the thread's code with the store that starts it.
 *
 * If the thread dies (a crash, out of memory) or stops answering, its writes in flight reject as retryable — their
 * batches stay in the spool and the forwarder writes them again (points are idempotent) — and the next write
 * starts a new thread. After `maxExits` deaths within a minute the store stops using it (`usable` false) and
 * writes in its own thread again: slower, never stuck.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Logger } from '../../logger.js';
import type { EncodedReadings } from '../encoded-readings.js';
import { StoreError } from '../store-error.js';
import { createInfluxHttp, toStoreError } from './influx-http.js';
import { encodedReadingLines, recycleLines } from './line-protocol.js';

const THREAD_ROLE = 'qingliu-influx-write-thread';

interface ThreadOptions {
  url: string;
  /** How errors name the database (StoreError.target). */
  target: string;
  timeoutMs: number;
  gzipThreshold: number;
  /** Readings per HTTP request. */
  maxLines: number;
}

interface WriteRequest {
  id: number;
  /** The batch's reading lines (a copy, transferred). */
  bytes: ArrayBuffer;
  count: number;
  /** The write endpoint of the server's generation and its authorization, as the store's dialect gives them. */
  path: string;
  authorization: string | undefined;
}

interface WriteAnswer {
  id: number;
  error?: { message: string; retryable: boolean; status: number | undefined };
}

export interface WriteThreadOptions extends ThreadOptions {
  logger: Logger;
  /** Called whenever the thread dies (counted on /metrics). */
  onExit?: () => void;
  /** Deaths within a minute after which the store writes in its own thread again (default 3). */
  maxExits?: number;
  /** The clock that dates the deaths (tests inject one). */
  now?: () => number;
  /**
   * The thread's V8 heap, MB (default 32, with a 4 MB young generation): it holds little more than the batches in
   * flight, whose bytes live outside the heap; V8's defaults would let its garbage add ~25 MB to the process.
   */
  heapMb?: number;
}

export interface WriteThread {
  /**
   * Writes the batch's readings as line protocol to `path`; resolves once InfluxDB acknowledged every request
   * (204), rejects with a StoreError (retryable when the thread died or stopped: the batch stays spooled).
   */
  write(batch: EncodedReadings, path: string, authorization: string | undefined): Promise<void>;
  /** False once the thread died `maxExits` times in a minute: write in the calling thread instead. */
  readonly usable: boolean;
  /** How often the thread died. */
  readonly exits: number;
  /** Writes handed to the thread and not answered yet. */
  readonly pending: number;
  /** Ends the thread now, as a crash would (tests; a write that does not answer in time). */
  terminate(): Promise<void>;
  /** Ends the thread for good; writes in flight reject as retryable. */
  close(): Promise<void>;
}

const MINUTE = 60_000;

/** A `.ts` module (tsx, vitest) needs tsx's loader in the thread; the compiled `.js` service does not. */
function startWorker(data: unknown, heapMb: number): Worker {
  const self = new URL(import.meta.url);
  const options = { workerData: data, resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 4 } };
  if (!self.pathname.endsWith('.ts')) return new Worker(self, options);
  // tsx found from this module (not from the working directory, which an eval'd thread would resolve against).
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(self.href)});`;
  return new Worker(code, { ...options, eval: true });
}

export function createWriteThread(options: WriteThreadOptions): WriteThread {
  const log = options.logger.child({ component: 'influx-write-thread' });
  const maxExits = options.maxExits ?? 3;
  const clock = options.now ?? Date.now;
  const data = {
    role: THREAD_ROLE,
    options: {
      url: options.url,
      target: options.target,
      timeoutMs: options.timeoutMs,
      gzipThreshold: options.gzipThreshold,
      maxLines: options.maxLines,
    } satisfies ThreadOptions,
  };
  const pending = new Map<number, { resolve: () => void; reject: (err: StoreError) => void; timer: NodeJS.Timeout }>();
  let worker: Worker | undefined;
  let nextId = 0;
  let exits = 0;
  let recentExits: number[] = [];
  let usable = true;
  let closed = false;

  const failAll = (message: string) => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.reject(new StoreError(message, { retryable: true, target: options.target }));
      pending.delete(id);
    }
  };

  const spawn = (): Worker => {
    const w = startWorker(data, options.heapMb ?? 32);
    w.unref();
    w.on('message', (answer: WriteAnswer) => {
      const p = pending.get(answer.id);
      if (!p) return;
      pending.delete(answer.id);
      clearTimeout(p.timer);
      if (pending.size === 0) w.unref();
      const e = answer.error;
      if (e) p.reject(new StoreError(e.message, { retryable: e.retryable, status: e.status, target: options.target }));
      else p.resolve();
    });
    w.on('error', (err) => log.error({ err }, 'the InfluxDB write thread failed'));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(`the InfluxDB write thread stopped (exit code ${code}); the batch stays in the spool`);
      if (closed) return;
      exits++;
      options.onExit?.();
      const now = clock();
      recentExits = [...recentExits.filter((t) => now - t < MINUTE), now];
      if (recentExits.length >= maxExits) {
        usable = false;
        log.error(
          { exits: recentExits.length },
          'the InfluxDB write thread keeps dying; writing readings in the main thread from now on',
        );
      } else {
        log.error({ code }, 'the InfluxDB write thread stopped; its writes are retried and a new thread starts');
      }
    });
    return w;
  };

  worker = spawn();

  return {
    get usable() {
      return usable && !closed;
    },
    get exits() {
      return exits;
    },
    get pending() {
      return pending.size;
    },

    write(batch, path, authorization) {
      if (closed) return Promise.reject(new StoreError('the InfluxDB write thread is closed', { retryable: true }));
      const w = (worker ??= spawn());
      const id = nextId++;
      // A copy of the batch's bytes (they sit in the spool's reused read buffer), handed over without a second copy.
      const bytes = new Uint8Array(batch.bytes.length);
      bytes.set(batch.bytes);
      // The thread's own HTTP timeout covers each request; this covers a thread that stops answering at all.
      const deadlineMs = options.timeoutMs * (Math.ceil(batch.count / options.maxLines) + 1);
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          log.error({ deadlineMs }, 'the InfluxDB write thread did not answer in time; restarting it');
          void w.terminate();
        }, deadlineMs);
        timer.unref();
        pending.set(id, { resolve, reject, timer });
        if (pending.size === 1) w.ref();
        const request: WriteRequest = { id, bytes: bytes.buffer, count: batch.count, path, authorization };
        w.postMessage(request, [bytes.buffer]);
      });
    },

    async terminate() {
      await worker?.terminate();
    },

    async close() {
      closed = true;
      const w = worker;
      worker = undefined;
      await w?.terminate();
      failAll('the InfluxDB store is stopped');
    },
  };
}

/** The thread's side: serves write requests until it is terminated. */
function serve(options: ThreadOptions): void {
  const port = parentPort!;
  const http = createInfluxHttp({
    url: options.url,
    target: options.target,
    timeoutMs: options.timeoutMs,
    gzipThreshold: options.gzipThreshold,
  });
  const answer = (a: WriteAnswer) => port.postMessage(a);
  port.on('message', async (request: WriteRequest) => {
    let bodies: Buffer[] = [];
    try {
      bodies = encodedReadingLines({ bytes: Buffer.from(request.bytes), count: request.count }, options.maxLines);
      for (const body of bodies) await http.writeLines(request.path, body, request.authorization);
      answer({ id: request.id });
    } catch (err) {
      const e = toStoreError(err, 'write', options.target);
      answer({ id: request.id, error: { message: e.message, retryable: e.retryable, status: e.status } });
    } finally {
      recycleLines(bodies);
    }
  });
}

const thread = workerData as { role?: unknown; options?: ThreadOptions } | null;
if (!isMainThread && thread?.role === THREAD_ROLE && thread.options) serve(thread.options);
