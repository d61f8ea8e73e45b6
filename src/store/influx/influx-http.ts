/**
 * HTTP to InfluxDB through the client library's node transport (`InfluxDB#transport`): one request per call,
 * gzip above a threshold, a timeout, and no retries — the client's WriteApi always posts to /api/v2/write
 * (absent on 1.x) and retries from memory, and we want neither (docs/adr/0002). Failures become StoreErrors
 * that say whether retrying can help.
 */
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { HttpError, InfluxDB, type Transport } from '@influxdata/influxdb-client';
import { StoreError } from '../store-error.js';
import type { StatementResult } from './influxql.js';

export interface InfluxHttpOptions {
  url: string;
  /** How errors name this database (StoreError.target), e.g. `INFLUX_URL=http://influxdb:8086`. */
  target: string;
  /** Request timeout, ms. */
  timeoutMs: number;
  /** Bodies larger than this many bytes are gzipped; Infinity never. */
  gzipThreshold: number;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, unknown>;
  body: unknown;
}

export interface InfluxHttp {
  /** GET, or POST with a body. Rejects with a StoreError unless 2xx. */
  request(
    method: 'GET' | 'POST',
    pathAndQuery: string,
    options?: { body?: string; contentType?: string; authorization?: string; timeoutMs?: number },
  ): Promise<HttpAnswer>;
  /** Posts line protocol (text, or its UTF-8 bytes); resolves only on 204 No Content (the write is acknowledged). */
  writeLines(pathAndQuery: string, lines: string | Buffer, authorization: string | undefined): Promise<void>;
  /** InfluxQL on /query; one result per statement, or the first statement error as a StoreError. */
  query(
    params: Record<string, string>,
    statements: string[],
    authorization: string | undefined,
  ): Promise<StatementResult[]>;
  close(): void;
}

// Rejections the database will repeat forever for the same points or statement: the caller must not retry them.
const PERMANENT_400 =
  /partial write|unable to parse|type conflict|invalid field|beyond retention|bad timestamp|max-values-per-tag|max-series-per-database|error parsing query/i;

function describe(body: unknown): string {
  if (typeof body === 'string') return body.trim().slice(0, 500);
  if (body && typeof body === 'object') {
    const b = body as { error?: unknown; message?: unknown };
    return String(b.error ?? b.message ?? JSON.stringify(body)).slice(0, 500);
  }
  return '';
}

export function toStoreError(err: unknown, what: string, target: string): StoreError {
  if (err instanceof StoreError) return err;
  if (err instanceof HttpError) {
    const detail = describe(err.json ?? err.body);
    const permanent = err.statusCode === 413 || (err.statusCode === 400 && PERMANENT_400.test(detail));
    return new StoreError(`InfluxDB (${target}) ${what}: HTTP ${err.statusCode}${detail ? ` ${detail}` : ''}`, {
      retryable: !permanent,
      status: err.statusCode,
      cause: err,
      target,
    });
  }
  // Connection refused or reset, DNS, timeouts: the database is unreachable for now.
  const e = err as Error & { code?: string };
  return new StoreError(`InfluxDB (${target}) ${what}: ${e.code ? `${e.code} ` : ''}${e.message}`, {
    retryable: true,
    cause: err,
    target,
  });
}

const gzipAsync = promisify(zlib.gzip);

export function createInfluxHttp(options: InfluxHttpOptions): InfluxHttp {
  const secure = new URL(options.url).protocol === 'https:';
  // Our own keep-alive agent, so stop() can close its sockets.
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 16 })
    : new http.Agent({ keepAlive: true, maxSockets: 16 });
  const transport: Transport = new InfluxDB({
    url: options.url,
    timeout: options.timeoutMs,
    transportOptions: { agent },
  }).transport;

  const send = async (
    method: 'GET' | 'POST',
    pathAndQuery: string,
    body: string,
    headers: Record<string, string>,
    gzip: boolean,
    timeoutMs?: number,
  ): Promise<HttpAnswer> => {
    let status = 0;
    let responseHeaders: Record<string, unknown> = {};
    const answer: unknown = await transport.request(
      pathAndQuery,
      body,
      {
        method,
        headers,
        gzipThreshold: gzip && Number.isFinite(options.gzipThreshold) ? options.gzipThreshold : undefined,
        signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
      },
      (h, statusCode) => {
        status = statusCode ?? 0;
        responseHeaders = h ?? {};
      },
    );
    return { status, headers: responseHeaders, body: answer };
  };

  /**
   * A POST of bytes, on our agent without the transport: the transport's `request` would JSON-encode anything
   * but a string, and its `send` copies the body. The body is written as it is (gzipped above the threshold);
   * it is not referenced any more once this settles, so the caller may reuse it.
   */
  const base = new URL(options.url);
  const sendBytes = async (
    pathAndQuery: string,
    bytes: Buffer,
    headers: Record<string, string>,
  ): Promise<HttpAnswer> => {
    const gzip = bytes.length > options.gzipThreshold;
    const body = gzip ? await gzipAsync(bytes) : bytes;
    return new Promise((resolve, reject) => {
      // Settled on 'close' only: by then the request has let go of the body (an early answer, say a 413, can
      // come while the body is still being written).
      let outcome: { answer: HttpAnswer } | { error: Error } | undefined;
      const url = new URL(base.pathname.replace(/\/$/, '') + pathAndQuery, base);
      const req = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': String(body.length), ...(gzip && { 'content-encoding': 'gzip' }) },
          timeout: options.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error) => (outcome ??= { error }));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            const header = (name: string) => {
              const value = res.headers[name];
              return Array.isArray(value) ? value[0] : value;
            };
            outcome ??=
              status >= 300
                ? {
                    error: new HttpError(
                      status,
                      res.statusMessage,
                      text || header('x-influxdb-error'),
                      header('retry-after'),
                      header('content-type'),
                    ),
                  }
                : { answer: { status, headers: res.headers, body: text } };
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`request timed out after ${options.timeoutMs} ms`)));
      req.on('error', (error) => (outcome ??= { error }));
      req.on('close', () => {
        if (outcome && 'answer' in outcome) resolve(outcome.answer);
        else reject(outcome?.error ?? new Error('the connection closed before an answer'));
      });
      req.end(body);
    });
  };

  const authHeaders = (authorization: string | undefined, extra: Record<string, string>) =>
    authorization ? { ...extra, authorization } : extra;

  return {
    async request(method, pathAndQuery, opts = {}) {
      try {
        const headers = authHeaders(opts.authorization, { 'content-type': opts.contentType ?? 'application/json' });
        return await send(method, pathAndQuery, opts.body ?? '', headers, false, opts.timeoutMs);
      } catch (err) {
        throw toStoreError(err, `${method} ${pathAndQuery.split('?')[0]}`, options.target);
      }
    },

    async writeLines(pathAndQuery, lines, authorization) {
      let answer: HttpAnswer;
      try {
        const headers = authHeaders(authorization, { 'content-type': 'text/plain; charset=utf-8' });
        answer =
          typeof lines === 'string'
            ? await send('POST', pathAndQuery, lines, headers, true)
            : await sendBytes(pathAndQuery, lines, headers);
      } catch (err) {
        throw toStoreError(err, 'write', options.target);
      }
      if (answer.status !== 204) {
        throw new StoreError(
          `InfluxDB (${options.target}) write: expected 204 No Content, got HTTP ${answer.status} ${describe(answer.body)}`,
          { retryable: true, status: answer.status, target: options.target },
        );
      }
    },

    async query(params, statements, authorization) {
      const q = statements.join(';\n');
      const search = new URLSearchParams(params);
      // GET is what every generation accepts for SELECT; very long statement lists go in a form body.
      const long = q.length > 6_000;
      if (!long) search.set('q', q);
      let answer: HttpAnswer;
      try {
        answer = long
          ? await send(
              'POST',
              `/query?${search}`,
              new URLSearchParams({ q }).toString(),
              authHeaders(authorization, {
                'content-type': 'application/x-www-form-urlencoded',
                accept: 'application/json',
              }),
              false,
            )
          : await send(
              'GET',
              `/query?${search}`,
              '',
              authHeaders(authorization, { accept: 'application/json' }),
              false,
            );
      } catch (err) {
        throw toStoreError(err, 'query', options.target);
      }
      const body = answer.body as { results?: StatementResult[]; error?: string } | undefined;
      if (!body || typeof body !== 'object')
        throw new StoreError(`InfluxDB (${options.target}) query: unexpected answer ${describe(answer.body)}`, {
          retryable: true,
          target: options.target,
        });
      if (body.error)
        throw new StoreError(`InfluxDB (${options.target}) query: ${body.error}`, {
          retryable: true,
          target: options.target,
        });
      const results = body.results ?? [];
      const failed = results.find((r) => r.error);
      if (failed) {
        const notFound = /database not found/i.test(failed.error!);
        throw new StoreError(`InfluxDB (${options.target}) query: ${failed.error}`, {
          retryable: notFound,
          status: notFound ? 404 : 400,
          target: options.target,
        });
      }
      return results;
    },

    close() {
      agent.destroy();
    },
  };
}
