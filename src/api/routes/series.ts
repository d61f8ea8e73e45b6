/**
 * `GET /stations/{id}/series`: trends in time buckets (`window=1h`, `1d`, `1mo` …, aligned in `tz`), of valid
 * readings unless `include=all`, with each bucket's count and flag-excluded count; coarsened to `max_points`
 * per parameter rather than refused. `window=raw`: every reading with its flag, a page at a time.
 */
import { displayValue } from '../../domain/display-precision.js';
import { EARLIEST_TIME, LATEST_TIME } from '../../store/limits.js';
import { createRoute, z } from '@hono/zod-openapi';
import { DATA_FLAGS } from '../../domain/flags.js';
import { PARAMETER_CODES } from '../../domain/parameters.js';
import { parseWindow, TimeWindowError, type TimeWindow } from '../../domain/time-window.js';
import {
  DEFAULT_MAX_POINTS,
  MAX_MAX_POINTS,
  querySeries,
  rawSeriesPage,
  stationParameters,
  type RawPage,
} from '../../services/series.js';
import { createTimeFormatter } from '../../services/time-format.js';
import type { Reading } from '../../domain/reading.js';
import { type MarkedReading, type MarkedReadingStore } from '../../marks/marked-reading-store.js';
import type { ReadingStore } from '../../store/reading-store.js';
import { visibleStationOr404 } from '../auth/access-policy.js';
import { codesField, formatField, respondTable, tableContent } from '../csv.js';
import { flagLabel, parameterLabel, parameterUnit } from '../labels.js';
import { principalOf, type ApiApp } from '../env.js';
import { problemResponses } from '../problem.js';
import { cursorField, encodeCursor, limitField } from '../query/pagination.js';
import { parameterListSchema } from '../query/parameter-list.js';
import { stationIdParams } from '../query/station-id.js';
import { timeRangeQuery } from '../query/time-range.js';
import { bilingualIssue } from '../validation.js';
import { maxSpanMs, type DataRouteDeps } from './data-route-deps.js';
import { seriesJson, stationRef, type Aggregate } from './present.js';
import { flagsHeader, readingsFor, seriesIncludeField } from './flags-source.js';
import { knownQuery } from './query-fields.js';
import { Series, StationRef, Time } from './schemas.js';
import { withNextLink } from './next-link.js';
import { serviceCall } from './service-call.js';

const AGGREGATES = ['mean', 'min', 'max', 'count'] as const;

const windowOrRaw = z
  .string()
  .default('1h')
  .transform((raw, ctx): TimeWindow | 'raw' => {
    if (raw.trim() === 'raw') return 'raw';
    try {
      return parseWindow(raw);
    } catch (err) {
      if (!(err instanceof TimeWindowError)) throw err;
      bilingualIssue(ctx, {
        reason: 'invalid_window',
        zh: `${err.messageZh}或 raw（原始数据）`,
        en: `${err.message} Or raw (every reading).`,
      });
      return z.NEVER;
    }
  })
  .openapi({
    description: 'Bucket length (5m, 1h, 4h, 1d, 1mo …) or `raw` for every reading with its flag',
    example: '1h',
  });

const aggregateList = z
  .string()
  .default('mean,min,max')
  .transform((raw, ctx): Aggregate[] => {
    const names = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const unknown = names.filter((n) => !(AGGREGATES as readonly string[]).includes(n));
    if (unknown.length > 0 || names.length === 0) {
      bilingualIssue(ctx, {
        reason: 'invalid_value',
        zh: `应为 ${AGGREGATES.join(', ')} 中的一个或多个（逗号分隔）`,
        en: `expected one or more of ${AGGREGATES.join(', ')}, comma-separated`,
      });
      return z.NEVER;
    }
    // count (and the excluded count) is always there: every bucket says how many readings it stands for.
    return names.filter((n): n is Aggregate => n !== 'count');
  })
  .openapi({
    description: 'Aggregates per bucket: mean, min, max (count and excluded are always given)',
    example: 'mean,min,max,count',
  });

const cursorPosition = z.object({ ts: z.number().int().min(EARLIEST_TIME).max(LATEST_TIME), p: z.enum(PARAMETER_CODES) });

const AggregatedSeries = z
  .object({
    station: StationRef,
    from: Time,
    to: Time,
    tz: z.string(),
    window: z.string().openapi({ description: 'The window used (coarser than asked when downsampled)' }),
    requested_window: z.string(),
    downsampled: z
      .boolean()
      .openapi({
        description: 'True when the range held more than max_points buckets per parameter at the requested window',
      }),
    max_points: z.number().int(),
    include: z.enum(['valid', 'all', 'original']),
    series: z.array(Series),
  })
  .openapi('SeriesResponse');

const RawSeries = z
  .object({
    station: StationRef,
    from: Time,
    to: Time,
    tz: z.string(),
    window: z.literal('raw'),
    items: z.array(
      z.object({
        ts: z.number().int(),
        time: Time,
        parameter: z.string(),
        value: z.number(),
        flag: z
          .enum(DATA_FLAGS)
          .openapi({
            description: "The effective flag: the device's, unless an approved data mark covers the reading",
          }),
        original_flag: z
          .enum(DATA_FLAGS)
          .optional()
          .openapi({ description: 'With include=original: the flag the device sent' }),
        mark_id: z
          .number()
          .int()
          .nullable()
          .optional()
          .openapi({ description: 'With include=original: the data mark that set the flag' }),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi('RawSeriesPage');

export function register(app: ApiApp, deps: DataRouteDeps): void {
  const query = timeRangeQuery(
    { now: deps.now, defaultTimeZone: deps.timeZone, maxSpanMs: maxSpanMs(deps) },
    {
      params: parameterListSchema.optional(),
      window: windowOrRaw,
      agg: aggregateList,
      include: seriesIncludeField,
      max_points: z.coerce
        .number()
        .int()
        .min(10)
        .max(MAX_MAX_POINTS)
        .default(DEFAULT_MAX_POINTS)
        .openapi({ description: 'Most buckets per parameter before the window is coarsened' }),
      limit: limitField({ default: 1000, max: 5000 }),
      cursor: cursorField(cursorPosition),
      format: formatField,
      codes: codesField,
    },
  );
  const known = ['from', 'to', 'tz', 'params', 'window', 'agg', 'include', 'max_points', 'limit', 'cursor', 'format', 'codes'];

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations/{id}/series',
      tags: ['data'],
      summary: 'Trends: time-bucketed aggregates, or raw readings with flags (window=raw, paginated)',
      middleware: [knownQuery(known)] as const,
      request: { params: stationIdParams, query },
      responses: {
        200: {
          description: 'Buckets per parameter, or a page of raw readings',
          content: tableContent(z.union([AggregatedSeries, RawSeries])),
        },
        ...problemResponses(400, 401, 404, 429, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      const catalog = deps.catalog();
      const station = visibleStationOr404(principalOf(c), id, catalog.station);
      const parameters = await serviceCall(c, async () => stationParameters(station, q.params));
      const fmt = createTimeFormatter(q.tz, q.from, q.to);
      const head = { station: stationRef(station), from: fmt(q.from), to: fmt(q.to), tz: q.tz };
      const cache = { range: { to: q.to }, now: deps.now() };

      if (q.window === 'raw') {
        const after = q.cursor ? { ts: q.cursor.ts, parameter: q.cursor.p } : undefined;
        const rawQuery = { station, parameters, from: q.from, to: q.to, limit: q.limit, after };
        const marked = q.include === 'original' ? markedView(deps.store) : undefined;
        const page: RawPage<Reading & Partial<Pick<MarkedReading, 'originalFlag' | 'markId'>>> = await serviceCall(
          c,
          () =>
            marked
              ? rawSeriesPage({ store: { raw: (rq) => marked.rawMarked(rq) } }, rawQuery)
              : rawSeriesPage(deps, rawQuery),
        );
        const nextCursor = page.next ? encodeCursor({ ts: page.next.ts, p: page.next.parameter }) : null;
        const rows = page.items.map((r) => ({
          ts: r.ts,
          time: fmt(r.ts),
          parameter: r.parameter,
          value: displayValue(r.parameter, r.value),
          flag: r.flag,
          ...(q.include === 'original' && { original_flag: r.originalFlag ?? r.flag, mark_id: r.markId ?? null }),
        }));
        const res = respondTable(c, {
          rows,
          filename: `${station.id}-raw`,
          columns: [
            { key: 'time', label: { 'zh-CN': '时间', en: 'Time' } },
            {
              key: 'parameter',
              label: { 'zh-CN': '监测项目', en: 'Parameter' },
              value: (r, lang) => parameterLabel(r.parameter, lang),
            },
            { key: 'parameter_code', label: { 'zh-CN': '项目代码', en: 'Parameter code' }, value: (r) => r.parameter, code: true },
            { key: 'value', label: { 'zh-CN': '数值', en: 'Value' } },
            { key: 'unit', label: { 'zh-CN': '单位', en: 'Unit' }, value: (r) => parameterUnit(r.parameter) },
            { key: 'flag', label: { 'zh-CN': '数据标记', en: 'Flag' }, value: (r, lang) => flagLabel(r.flag, lang) },
            { key: 'flag_code', label: { 'zh-CN': '标记代码', en: 'Flag code' }, value: (r) => r.flag, code: true },
            ...(q.include === 'original'
              ? [
                  {
                    key: 'original_flag',
                    label: { 'zh-CN': '设备原始标记', en: 'Flag sent by the device' },
                    value: (r: (typeof rows)[number], lang: 'zh-CN' | 'en') =>
                      flagLabel(r.original_flag ?? r.flag, lang),
                  },
                  { key: 'mark_id', label: { 'zh-CN': '数据标记编号', en: 'Data mark' } },
                ]
              : []),
          ],
          json: () => ({ ...head, window: 'raw', items: rows, nextCursor }),
          cache,
        });
        return withNextLink(c, res, nextCursor);
      }

      const result = await serviceCall(c, () =>
        querySeries({ store: readingsFor(deps.store, q.include) }, {
          station,
          parameters,
          from: q.from,
          to: q.to,
          tz: q.tz,
          window: q.window as TimeWindow,
          validOnly: q.include !== 'all',
          maxPoints: q.max_points,
          extremes: q.agg.includes('min') || q.agg.includes('max'),
        }),
      );
      const series = seriesJson(result.series, q.agg, fmt);
      const rows = series.flatMap((s) => s.points.map((p) => ({ parameter: s.parameter, unit: s.unit, ...p })));
      return respondTable(c, {
        rows,
        filename: `${station.id}-${result.window.spec}`,
        columns: [
          { key: 'start', label: { 'zh-CN': '时段开始', en: 'Start' } },
          {
            key: 'parameter',
            label: { 'zh-CN': '监测项目', en: 'Parameter' },
            value: (r, lang) => parameterLabel(r.parameter, lang),
          },
          { key: 'parameter_code', label: { 'zh-CN': '项目代码', en: 'Parameter code' }, value: (r) => r.parameter, code: true },
          { key: 'unit', label: { 'zh-CN': '单位', en: 'Unit' } },
          ...q.agg.map((a) => ({
            key: a,
            label: { 'zh-CN': { mean: '均值', min: '最小值', max: '最大值' }[a], en: { mean: 'Mean', min: 'Minimum', max: 'Maximum' }[a] },
          })),
          { key: 'count', label: { 'zh-CN': '数据条数', en: 'Count' } },
          { key: 'excluded', label: { 'zh-CN': '按标记剔除数', en: 'Excluded by flag' } },
        ],
        json: () => ({
          ...head,
          window: result.window.spec,
          requested_window: result.requested.spec,
          downsampled: result.downsampled,
          max_points: q.max_points,
          include: q.include,
          series,
        }),
        cache,
        headers: flagsHeader(q.include),
      });
    },
  );
}

/** The store's mark-aware raw view (original flag and mark of each reading), when it applies marks. */
function markedView(store: ReadingStore): Pick<MarkedReadingStore, 'rawMarked'> {
  const marked = store as Partial<MarkedReadingStore>;
  return marked.rawMarked
    ? { rawMarked: (q) => marked.rawMarked!(q) }
    : { rawMarked: async (q) => (await store.raw(q)).map((r) => ({ ...r, originalFlag: r.flag, markId: null })) };
}
