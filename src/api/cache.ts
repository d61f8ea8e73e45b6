/**
 * HTTP caching for data responses: a strong ETag (hash of the exact body) on every cached response, 304 to a
 * matching If-None-Match, and Cache-Control by how settled the data is. Readings can still arrive for a recent
 * range (spooled during an outage, back-filled by a station), so only ranges that ended more than `settleMs`
 * ago are cacheable for long; anything nearer now must be revalidated, which the ETag makes cheap.
 * Always `private`: what a response contains depends on the caller's key.
 */
import { createHash } from 'node:crypto';
import type { ApiContext } from './env.js';

export const DEFAULT_SETTLE_MS = 24 * 3600_000;
export const DEFAULT_SETTLED_MAX_AGE_S = 24 * 3600;

export interface CacheOptions {
  /** The time range the response covers (epoch ms, `to` exclusive); omit for "current state" responses. */
  range?: { to: number } | undefined;
  /** The current time (the injected clock's value). */
  now: number;
  settleMs?: number;
  maxAgeSeconds?: number;
}

export function strongEtag(body: string | Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

export function cacheControlFor(options: CacheOptions): string {
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  if (options.range && options.range.to <= options.now - settleMs) {
    return `private, max-age=${options.maxAgeSeconds ?? DEFAULT_SETTLED_MAX_AGE_S}`;
  }
  return 'private, no-cache';
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` is ignored on both sides. */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => bare(tag) === bare(etag));
}

export interface CachedBody {
  body: string;
  contentType: string;
  status?: number;
  headers?: Record<string, string>;
  /** Without it the body is sent as is, with no caching headers. */
  cache?: CacheOptions | undefined;
  /** Data carried beside the body (a header stating a figure): part of the ETag, so a 304 never keeps it stale. */
  etagExtra?: string;
}

export function respondCached(c: ApiContext, response: CachedBody): Response {
  const headers = new Headers(response.headers);
  headers.set('Content-Type', response.contentType);
  headers.set('Content-Language', c.get('lang'));
  if (!response.cache) return new Response(response.body, { status: response.status ?? 200, headers });

  const etag = strongEtag(response.etagExtra === undefined ? response.body : `${response.body}\n${response.etagExtra}`);
  headers.set('ETag', etag);
  headers.set('Cache-Control', cacheControlFor(response.cache));
  const safe = c.req.method === 'GET' || c.req.method === 'HEAD';
  if (safe && ifNoneMatchMatches(c.req.header('if-none-match'), etag)) {
    headers.delete('Content-Type');
    return new Response(null, { status: 304, headers });
  }
  return new Response(response.body, { status: response.status ?? 200, headers });
}

/** JSON with caching headers: the common case for non-tabular data responses. */
export function respondJson(c: ApiContext, body: unknown, cache?: CacheOptions): Response {
  return respondCached(c, { body: JSON.stringify(body), contentType: 'application/json', cache });
}
