import { z } from '@hono/zod-openapi';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldErrors } from '../../src/api/validation.js';
import { parameterListSchema, resolveParameterList } from '../../src/api/query/parameter-list.js';
import { cursorField, decodeCursor, encodeCursor } from '../../src/api/query/pagination.js';
import { stationIdSchema } from '../../src/api/query/station-id.js';
import { parseTimeInput, timeRangeQuery } from '../../src/api/query/time-range.js';
import { formatInZone, wallClockToEpoch, zoneOffsetMs } from '../../src/api/query/zoned-time.js';
import { fixtureRoutes } from './fixture-routes.js';
import { createTestApp } from './test-app.js';

const NOW = Date.parse('2024-06-15T04:00:00Z');
const DAY = 86_400_000;
const range = timeRangeQuery({ now: () => NOW, defaultTimeZone: 'Asia/Shanghai', maxSpanMs: 31 * DAY });

function errorsOf(schema: z.ZodType, input: Record<string, string>) {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`expected a failure for ${JSON.stringify(input)}`);
  return fieldErrors(result.error, 'query', input).map((e) => ({
    name: e.name,
    code: e.code,
    en: typeof e.detail === 'string' ? e.detail : e.detail.en,
    zh: typeof e.detail === 'string' ? e.detail : e.detail['zh-CN'],
  }));
}

describe('time range: from/to', () => {
  it('reads ISO 8601 with an offset or Z, and local times in tz (default Asia/Shanghai)', () => {
    expect(range.parse({ from: '2024-05-01T00:00:00+08:00', to: '2024-05-01T12:00:00Z' })).toEqual({
      from: Date.parse('2024-04-30T16:00:00Z'),
      to: Date.parse('2024-05-01T12:00:00Z'),
      tz: 'Asia/Shanghai',
    });
    expect(range.parse({ from: '2024-05-01', to: '2024-05-02T08:30' })).toEqual({
      from: Date.parse('2024-04-30T16:00:00Z'),
      to: Date.parse('2024-05-02T00:30:00Z'),
      tz: 'Asia/Shanghai',
    });
    expect(range.parse({ from: '2024-05-01', to: '2024-05-02', tz: 'UTC' })).toMatchObject({ from: Date.parse('2024-05-01T00:00:00Z'), tz: 'UTC' });
    expect(range.parse({ from: '2024-05-01T00:00:00.250-0130', to: '2024-05-02' }).from).toBe(Date.parse('2024-05-01T01:30:00.250Z'));
  });

  it('reads an unencoded "+" offset (a space after URL decoding) as "+"', () => {
    expect(range.parse({ from: '2024-05-01T08:00:00 08:00', to: '2024-05-02' }).from).toBe(Date.parse('2024-05-01T00:00:00Z'));
  });

  it('reads epoch milliseconds and relative times', () => {
    expect(range.parse({ from: '1714521600000', to: '1714608000000' })).toMatchObject({ from: 1714521600000, to: 1714608000000 });
    expect(range.parse({ from: 'now-1d', to: 'now' })).toMatchObject({ from: NOW - DAY, to: NOW });
    expect(range.parse({ from: 'now-7d', to: 'now-12h' })).toMatchObject({ from: NOW - 7 * DAY, to: NOW - DAY / 2 });
    expect(range.parse({ from: 'now-90m', to: 'now' }).from).toBe(NOW - 90 * 60_000);
  });

  it('400s a missing bound, naming it', () => {
    expect(errorsOf(range, { from: 'now-1d' })).toEqual([expect.objectContaining({ name: 'to', code: 'required', en: expect.stringContaining('bounded') })]);
    expect(errorsOf(range, {}).map((e) => e.name)).toEqual(['from', 'to']);
  });

  it('400s a reversed or empty range on `to`, showing both times in the zone', () => {
    const [err] = errorsOf(range, { from: '2024-05-02', to: '2024-05-01' });
    expect(err).toMatchObject({ name: 'to', code: 'range_reversed' });
    expect(err!.en).toContain('2024-05-01T00:00:00+08:00');
    expect(err!.en).toContain('2024-05-02T00:00:00+08:00');
    expect(err!.zh).toContain('必须晚于');
    expect(errorsOf(range, { from: 'now', to: 'now' })[0]).toMatchObject({ code: 'range_reversed' });
  });

  it('400s a range longer than the maximum span, naming both spans', () => {
    const [err] = errorsOf(range, { from: '2024-01-01', to: '2024-03-01' });
    expect(err).toMatchObject({ name: 'to', code: 'range_too_long' });
    expect(err!.en).toContain('60 days');
    expect(err!.en).toContain('31 days');
    expect(err!.zh).toContain('60 天');
  });

  it('400s malformed times with what was expected', () => {
    for (const bad of ['yesterday', '2024-13-01', '2024-02-30', '2024-05-01T25:00', '2024/05/01', '2024-05-01T00:00:00+19:00']) {
      const [err] = errorsOf(range, { from: bad, to: 'now' });
      expect(err).toMatchObject({ name: 'from', code: 'invalid_format' });
      expect(err!.en).toContain(bad.slice(0, 10));
    }
    const [secs] = errorsOf(range, { from: '1714521600', to: 'now' });
    expect(secs!.en).toContain('epoch seconds');
    expect(errorsOf(range, { from: 'now-1d', to: 'now', tz: 'Mars/Olympus' })[0]).toMatchObject({ name: 'tz', code: 'invalid_value' });
  });

  it('keeps extra fields of the route', () => {
    const withExtra = timeRangeQuery({ now: () => NOW, defaultTimeZone: 'Asia/Shanghai', maxSpanMs: DAY * 2 }, { window: z.enum(['1h', '1d']) });
    expect(withExtra.parse({ from: 'now-1d', to: 'now', window: '1h' })).toEqual({ window: '1h', from: NOW - DAY, to: NOW, tz: 'Asia/Shanghai' });
  });

  it('parses a date-only value as local midnight in the zone, whatever the zone', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2037-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom('Asia/Shanghai', 'UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'),
        (date, tz) => {
          const day = date.toISOString().slice(0, 10);
          const parsed = parseTimeInput(day);
          if (!parsed.ok || parsed.value.kind !== 'local') return false;
          const ms = wallClockToEpoch(parsed.value, tz);
          // formatting back in the zone gives the same day at midnight (DST gaps at midnight are rare enough to skip)
          const formatted = formatInZone(ms, tz);
          return formatted.startsWith(`${day}T00:00:00`) || formatted.slice(11, 13) === '01';
        },
      ),
    );
  });

  it('knows the zone offsets', () => {
    expect(zoneOffsetMs(NOW, 'Asia/Shanghai')).toBe(8 * 3600_000);
    expect(zoneOffsetMs(Date.parse('2024-01-15T12:00:00Z'), 'Europe/Berlin')).toBe(3600_000);
    expect(zoneOffsetMs(Date.parse('2024-07-15T12:00:00Z'), 'Europe/Berlin')).toBe(7200_000);
    expect(formatInZone(Date.parse('2024-04-30T16:00:00Z'), 'Asia/Shanghai')).toBe('2024-05-01T00:00:00+08:00');
    expect(formatInZone(Date.parse('2024-04-30T16:00:00.5Z'), 'UTC')).toBe('2024-04-30T16:00:00.500+00:00');
  });
});

describe('station id', () => {
  it('accepts catalog ids and rejects the rest with the rule spelled out', () => {
    for (const ok of ['cj-outbound', 'wwtp1', 'a1', '0-9', 'x'.repeat(63)]) expect(stationIdSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['A1', 'a', '-a', 'a_b', 'a/b', 'a+b', 'x'.repeat(64), '站点']) {
      const r = stationIdSchema.safeParse(bad);
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toContain('lowercase letters, digits or hyphens');
    }
  });
});

describe('parameter list', () => {
  it('resolves codes and aliases, collapsing duplicates, from one or repeated params', () => {
    expect(parameterListSchema.parse('nh3n,tp')).toEqual(['nh3n', 'tp']);
    expect(parameterListSchema.parse('NH3-N, 氨氮 ,w21011,TP')).toEqual(['nh3n', 'tp']);
    expect(parameterListSchema.parse(['do', 'ph,codmn'])).toEqual(['do', 'ph', 'codmn']);
    expect(resolveParameterList(['x', 'nh3n', 'y'])).toEqual({ codes: ['nh3n'], unknown: ['x', 'y'] });
  });

  it('400s unknown names, naming every one of them', () => {
    const schema = z.object({ params: parameterListSchema });
    const [err] = errorsOf(schema, { params: 'nh3n,foo,bar' });
    expect(err).toMatchObject({ name: 'params', code: 'unknown_parameter' });
    expect(err!.en).toContain('"foo", "bar"');
    expect(err!.zh).toContain('未知的监测项目');
    expect(errorsOf(schema, { params: ' , ' })[0]).toMatchObject({ code: 'required' });
    expect(errorsOf(schema, {})[0]).toMatchObject({ code: 'required' });
  });
});

describe('cursor pagination', () => {
  const position = z.object({ after: z.number().int() });

  it('round-trips a position through an opaque base64url cursor', () => {
    const cursor = encodeCursor({ after: 41 });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, position)).toEqual({ after: 41 });
  });

  it('rejects tampered, foreign or versionless cursors with a 400 that says to restart', () => {
    const field = z.object({ cursor: cursorField(position) });
    for (const bad of ['!!!', Buffer.from('{"after":1}').toString('base64url'), encodeCursor({ after: 'x' }), 'e30']) {
      const [err] = errorsOf(field, { cursor: bad });
      expect(err).toMatchObject({ name: 'cursor', code: 'invalid_cursor' });
      expect(err!.en).toContain('first page');
    }
  });

  it('walks every page through the API with nextCursor and Link', async () => {
    const t = createTestApp({ routes: [fixtureRoutes({ now: () => NOW })] });
    const seen: number[] = [];
    let url: string | null = '/api/v1/numbers?limit=7';
    let pages = 0;
    while (url) {
      const res = await t.request(url);
      const page = (await res.json()) as { items: number[]; nextCursor: string | null };
      seen.push(...page.items);
      pages++;
      const link = res.headers.get('link');
      expect(link === null).toBe(page.nextCursor === null);
      url = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1]! : null;
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect((await t.request('/api/v1/numbers?limit=21')).status).toBe(400);
  });
});
