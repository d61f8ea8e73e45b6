/**
 * Route modules used only by tests: each exercises one piece of the frame the way a real route will
 * (time range + params + station id, CSV, caching, a permission, a thrown error, a JSON body).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { canSeeStation, visibleStationOr404, type StationAccess } from '../../src/api/auth/access-policy.js';
import { requirePermission } from '../../src/api/auth/middleware.js';
import { respondJson } from '../../src/api/cache.js';
import { formatField, respondTable, tableContent } from '../../src/api/csv.js';
import { principalOf, type ApiApp } from '../../src/api/env.js';
import { problemResponses } from '../../src/api/problem.js';
import { parameterListSchema } from '../../src/api/query/parameter-list.js';
import { cursorField, encodeCursor, limitField, pageSchema, setNextLink } from '../../src/api/query/pagination.js';
import { stationIdParams } from '../../src/api/query/station-id.js';
import { timeRangeQuery } from '../../src/api/query/time-range.js';

export interface FixtureStation extends StationAccess {
  name: string;
}

/** Like the demo catalog: a public outbound section, plant 1 and plant 2 effluent, a non-public section. */
export const STATIONS: FixtureStation[] = [
  { id: 'cj-outbound', name: '长江口出境断面', public: true },
  { id: 'wwtp1-effluent', name: '第一污水处理厂出水', plant: 'wwtp1', public: false },
  { id: 'wwtp2-effluent', name: '第二污水处理厂出水', plant: 'wwtp2', public: false },
  { id: 'xinzha', name: '新闸控制断面', public: false },
];

export function fixtureRoutes(deps: { now: () => number; maxSpanMs?: number }) {
  const find = (id: string) => STATIONS.find((s) => s.id === id);

  return (app: ApiApp) => {
    const seriesQuery = timeRangeQuery(
      { now: deps.now, defaultTimeZone: 'Asia/Shanghai', maxSpanMs: deps.maxSpanMs ?? 366 * 86_400_000 },
      { params: parameterListSchema, format: formatField },
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: '/stations/{id}/series',
        summary: 'fixture: a station series',
        request: { params: stationIdParams, query: seriesQuery },
        responses: {
          200: { description: 'rows', content: tableContent(z.object({ items: z.array(z.object({ ts: z.string(), parameter: z.string(), value: z.number() })) })) },
          ...problemResponses(400, 401, 404, 429),
        },
      }),
      (c) => {
        const { id } = c.req.valid('param');
        const q = c.req.valid('query');
        const station = visibleStationOr404(principalOf(c), id, find);
        const rows = q.params.map((parameter, i) => ({ ts: new Date(q.from).toISOString(), parameter, value: i + 0.5, station: station.name }));
        return respondTable(c, {
          rows,
          filename: `${station.id}-series`,
          columns: [
            { key: 'ts', label: { 'zh-CN': '时间', en: 'Time' } },
            { key: 'station', label: { 'zh-CN': '站点', en: 'Station' } },
            { key: 'parameter' },
            { key: 'value' },
          ],
          json: () => ({ range: { from: q.from, to: q.to, tz: q.tz }, items: rows }),
          cache: { range: { to: q.to }, now: deps.now() },
        });
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/stations',
        summary: 'fixture: visible stations as a table',
        request: { query: z.object({ format: formatField }) },
        responses: { 200: { description: 'stations', content: tableContent(z.object({ items: z.array(z.object({ id: z.string() })) })) }, ...problemResponses(401, 429) },
      }),
      (c) => {
        const p = principalOf(c);
        const rows = STATIONS.filter((s) => canSeeStation(p, s));
        return respondTable(c, { rows, filename: '站点列表', columns: [{ key: 'id' }, { key: 'name', label: { 'zh-CN': '名称', en: 'Name' } }] });
      },
    );

    const position = z.object({ after: z.number().int() });
    app.openapi(
      createRoute({
        method: 'get',
        path: '/numbers',
        summary: 'fixture: paginated numbers 0..24',
        request: { query: z.strictObject({ cursor: cursorField(position), limit: limitField({ default: 10, max: 20 }) }) },
        responses: { 200: { description: 'page', content: { 'application/json': { schema: pageSchema(z.number()) } } }, ...problemResponses(400) },
      }),
      (c) => {
        const { cursor, limit } = c.req.valid('query');
        const start = cursor ? cursor.after + 1 : 0;
        const items = Array.from({ length: 25 }, (_, i) => i).slice(start, start + limit);
        const last = items.at(-1);
        const nextCursor = last !== undefined && last < 24 ? encodeCursor({ after: last }) : null;
        setNextLink(c, nextCursor);
        return c.json({ items, nextCursor }, 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/jobs/{name}/run',
        summary: 'fixture: admin-only action',
        middleware: [requirePermission('jobs:run')] as const,
        request: { params: z.object({ name: z.string() }) },
        responses: { 202: { description: 'started', content: { 'application/json': { schema: z.object({ started: z.string() }) } } }, ...problemResponses(401, 403) },
      }),
      (c) => c.json({ started: c.req.valid('param').name }, 202),
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/echo',
        summary: 'fixture: JSON body validation',
        request: { body: { required: true, content: { 'application/json': { schema: z.object({ station: z.string(), values: z.array(z.number()).min(1) }) } } } },
        responses: { 200: { description: 'echo', content: { 'application/json': { schema: z.object({ n: z.number() }) } } }, ...problemResponses(400, 415) },
      }),
      (c) => c.json({ n: c.req.valid('json').values.length }, 200),
    );

    app.get('/boom', () => {
      throw new Error('database password is hunter2 at /srv/qingliu/secret.ts:42');
    });

    app.get('/cached', (c) => respondJson(c, { hello: '世界' }, { range: { to: Date.parse('2024-01-01T00:00:00Z') }, now: deps.now() }));
  };
}
