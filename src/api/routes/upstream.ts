/**
 * `GET /stations/{id}/upstream?at=&hours=`: the stations upstream of a section on its river and tributaries
 * (by river position, nearest first), each with its readings over the `hours` before `at` and the water's
 * travel time from there — to trace a non-compliant outbound section to a plant or section upstream.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { ParameterCode } from '../../domain/parameters.js';
import { createTimeFormatter } from '../../services/time-format.js';
import { MAX_UPSTREAM_HOURS, traceUpstream, type TracedStation } from '../../services/upstream.js';
import { canSeeStation, visibleStationOr404 } from '../auth/access-policy.js';
import { codesField, formatField, respondTable, tableContent } from '../csv.js';
import { parameterLabel, parameterUnit } from '../labels.js';
import { principalOf, type ApiApp } from '../env.js';
import { problemResponses } from '../problem.js';
import { parameterListSchema } from '../query/parameter-list.js';
import { stationIdParams } from '../query/station-id.js';
import { resolveTimeInput, timeInputField } from '../query/time-range.js';
import type { DataRouteDeps } from './data-route-deps.js';
import { seriesJson, standardJson, stationRef, type Fmt } from './present.js';
import { tzField, windowField } from './query-fields.js';
import { LimitBand, Series, Standard, StationRef, Time } from './schemas.js';
import { serviceCall } from './service-call.js';

const atField = timeInputField({
  description: 'End of the look-back (default now): ISO 8601, epoch ms or now-6h',
  example: '2024-05-20T14:00:00+08:00',
});

const Traced = z
  .object({
    station: StationRef.extend({ river: z.string().nullable(), river_km: z.number().nullable() }),
    distance_km: z.number(),
    travel_hours: z.number().openapi({ description: 'Time the water takes from this station to the one traced from' }),
    rivers: z.array(z.string()),
    standard: Standard,
    limits: z.record(z.string(), LimitBand),
    series: z.array(Series),
  })
  .openapi('TracedStation');

const UpstreamResponse = z
  .object({
    at: Time,
    from: Time,
    to: Time,
    tz: z.string(),
    window: z.string(),
    origin: Traced,
    upstream: z.array(Traced).openapi({ description: 'Visible stations upstream, nearest first' }),
  })
  .openapi('UpstreamResponse');

function tracedJson(t: TracedStation, fmt: Fmt) {
  return {
    station: { ...stationRef(t.station), river: t.station.river ?? null, river_km: t.station.river_km ?? null },
    distance_km: t.distance_km,
    travel_hours: t.travel_hours,
    rivers: [...t.rivers],
    standard: standardJson(t.standard),
    limits: t.limits,
    series: seriesJson(t.series, ['mean', 'min', 'max'], fmt),
  };
}

export function register(app: ApiApp, deps: DataRouteDeps): void {
  const query = z.strictObject({
    at: atField,
    hours: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_UPSTREAM_HOURS)
      .default(24)
      .openapi({ description: `Hours to look back (1–${MAX_UPSTREAM_HOURS})` }),
    window: windowField({ default: '1h', description: 'Bucket length of the readings' }),
    params: parameterListSchema.optional(),
    include: z.enum(['valid', 'all']).default('valid'),
    tz: tzField(deps.timeZone),
    format: formatField,
    codes: codesField,
  });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations/{id}/upstream',
      tags: ['data'],
      summary: 'Stations upstream by river position, with their readings over the preceding hours',
      request: { params: stationIdParams, query },
      responses: {
        200: { description: 'The station and those upstream of it', content: tableContent(UpstreamResponse) },
        ...problemResponses(400, 401, 404, 429, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      const p = principalOf(c);
      const catalog = deps.catalog();
      const station = visibleStationOr404(p, id, catalog.station);
      const now = deps.now();
      const at = q.at ? resolveTimeInput(q.at, { now, timeZone: q.tz }) : now;
      const result = await serviceCall(c, () =>
        traceUpstream(
          { store: deps.store, catalog },
          {
            station,
            canSee: (s) => canSeeStation(p, s),
            at,
            hours: q.hours,
            window: q.window,
            tz: q.tz,
            parameters: q.params as ParameterCode[] | undefined,
            validOnly: q.include === 'valid',
          },
        ),
      );
      const fmt = createTimeFormatter(q.tz, result.from, result.to);
      const origin = tracedJson(result.origin, fmt);
      const upstream = result.upstream.map((t) => tracedJson(t, fmt));
      const rows = [origin, ...upstream].flatMap((t) =>
        t.series.flatMap((s) =>
          s.points.map((pt) => ({
            station: t.station.id,
            station_name: t.station.name,
            distance_km: t.distance_km,
            travel_hours: t.travel_hours,
            parameter: s.parameter,
            ...pt,
          })),
        ),
      );
      return respondTable(c, {
        rows,
        filename: `${station.id}-upstream`,
        columns: [
          { key: 'station', label: { 'zh-CN': '站点编号', en: 'Station id' }, code: true },
          {
            key: 'station_name',
            label: { 'zh-CN': '站点', en: 'Station' },
            value: (r, lang) => (lang === 'en' ? r.station_name.en : r.station_name.zh),
          },
          { key: 'distance_km', label: { 'zh-CN': '距离（km）', en: 'Distance (km)' } },
          { key: 'travel_hours', label: { 'zh-CN': '流经时间（h）', en: 'Travel time (h)' } },
          {
            key: 'parameter',
            label: { 'zh-CN': '监测项目', en: 'Parameter' },
            value: (r, lang) => parameterLabel(r.parameter, lang),
          },
          {
            key: 'parameter_code',
            label: { 'zh-CN': '项目代码', en: 'Parameter code' },
            value: (r) => r.parameter,
            code: true,
          },
          { key: 'unit', label: { 'zh-CN': '单位', en: 'Unit' }, value: (r) => parameterUnit(r.parameter) },
          { key: 'start', label: { 'zh-CN': '时段开始', en: 'Start' } },
          { key: 'mean', label: { 'zh-CN': '均值', en: 'Mean' } },
          { key: 'min', label: { 'zh-CN': '最小值', en: 'Minimum' } },
          { key: 'max', label: { 'zh-CN': '最大值', en: 'Maximum' } },
          { key: 'count', label: { 'zh-CN': '数据条数', en: 'Count' } },
          { key: 'excluded', label: { 'zh-CN': '按标记剔除数', en: 'Excluded by flag' } },
        ],
        json: () => ({
          at: fmt(at),
          from: fmt(result.from),
          to: fmt(result.to),
          tz: q.tz,
          window: q.window.spec,
          origin,
          upstream,
        }),
        cache: { range: { to: at }, now },
      });
    },
  );
}
