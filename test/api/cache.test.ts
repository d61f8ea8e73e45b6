import { describe, expect, it } from 'vitest';
import { cacheControlFor, ifNoneMatchMatches, strongEtag } from '../../src/api/cache.js';
import { fixtureRoutes } from './fixture-routes.js';
import { createTestApp } from './test-app.js';

const NOW = Date.parse('2024-06-15T04:00:00Z');
const DAY = 86_400_000;

describe('ETag and Cache-Control', () => {
  it('the ETag is strong and changes with the body', () => {
    expect(strongEtag('a')).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(strongEtag('a')).toBe(strongEtag('a'));
    expect(strongEtag('a')).not.toBe(strongEtag('b'));
  });

  it('If-None-Match: lists, weak prefix and *', () => {
    const tag = '"abc"';
    expect(ifNoneMatchMatches('"abc"', tag)).toBe(true);
    expect(ifNoneMatchMatches('"x", W/"abc"', tag)).toBe(true);
    expect(ifNoneMatchMatches('*', tag)).toBe(true);
    expect(ifNoneMatchMatches('"x"', tag)).toBe(false);
    expect(ifNoneMatchMatches(undefined, tag)).toBe(false);
  });

  it('long max-age only for ranges that ended before the settle time; revalidate otherwise', () => {
    expect(cacheControlFor({ range: { to: NOW - 2 * DAY }, now: NOW })).toBe('private, max-age=86400');
    expect(cacheControlFor({ range: { to: NOW - 2 * 3600_000 }, now: NOW })).toBe('private, no-cache');
    expect(cacheControlFor({ range: { to: NOW + DAY }, now: NOW })).toBe('private, no-cache');
    expect(cacheControlFor({ now: NOW })).toBe('private, no-cache');
    expect(cacheControlFor({ range: { to: NOW - 2 * 3600_000 }, now: NOW, settleMs: 3600_000, maxAgeSeconds: 60 })).toBe('private, max-age=60');
  });
});

describe('through the API', () => {
  const t = createTestApp({ startAt: NOW, routes: [fixtureRoutes({ now: () => NOW })] });

  it('answers 304 without a body to a matching If-None-Match, for JSON and CSV alike', async () => {
    for (const suffix of ['', '&format=csv']) {
      const url = `/api/v1/stations/cj-outbound/series?from=2024-05-01&to=2024-05-02&params=nh3n${suffix}`;
      const first = await t.request(url);
      const etag = first.headers.get('etag')!;
      expect(etag).toBe(strongEtag(new Uint8Array(await first.arrayBuffer()))); // the exact bytes, BOM included
      expect(first.headers.get('cache-control')).toBe('private, max-age=86400');
      const again = await t.request(url, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      expect(again.headers.get('etag')).toBe(etag);
      expect(again.headers.get('cache-control')).toBe('private, max-age=86400');
      const other = await t.request(url, { headers: { 'if-none-match': '"stale"' } });
      expect(other.status).toBe(200);
    }
  });

  it('JSON and CSV of the same data have different ETags', async () => {
    const url = '/api/v1/stations/cj-outbound/series?from=2024-05-01&to=2024-05-02&params=nh3n';
    const json = await t.request(url);
    const csv = await t.request(`${url}&format=csv`);
    expect(json.headers.get('etag')).not.toBe(csv.headers.get('etag'));
  });

  it('a range that touches now must be revalidated', async () => {
    const res = await t.request('/api/v1/stations/cj-outbound/series?from=now-1d&to=now&params=nh3n');
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(res.headers.get('etag')).toBeTruthy();
  });

  it('respondJson caches non-tabular bodies the same way', async () => {
    const res = await t.request('/api/v1/cached');
    expect(await res.json()).toEqual({ hello: '世界' });
    const again = await t.request('/api/v1/cached', { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('errors are never cached', async () => {
    const res = await t.request('/api/v1/stations/cj-outbound/series?from=now&to=now-1d&params=nh3n');
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
