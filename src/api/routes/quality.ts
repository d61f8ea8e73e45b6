/**
 * `GET /stations/{id}/quality`: per window (4h, 1d, 1mo …), the valid-reading means judged by the station's
 * standard — for a section its item classes, section class, grade, primary pollutants, exceedance multiples
 * and compliance with the target; for a plant its items against the discharge standard (with the temperature
 * and construction-date rules) — plus the whole period and a summary with the compliance rate (达标率).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { stationQuality } from '../../services/quality.js';
import { createTimeFormatter } from '../../services/time-format.js';
import { visibleStationOr404 } from '../auth/access-policy.js';
import { codesField, formatField, respondTable, tableContent, type CsvColumn } from '../csv.js';
import {
  blackOdorousLabel,
  classLabel,
  parameterHeader,
  parameterLabel,
  parameterList,
  statusLabel,
  yesNo,
} from '../labels.js';
import { principalOf, type ApiApp } from '../env.js';
import { problemResponses } from '../problem.js';
import { stationIdParams } from '../query/station-id.js';
import { timeRangeQuery } from '../query/time-range.js';
import { maxSpanMs, type DataRouteDeps } from './data-route-deps.js';
import { qualityWindowJson, standardJson, stationRef, summaryJson } from './present.js';
import {
  flagsHeader,
  flagsResponseHeaders,
  flagsUsed,
  FlagsUsedField,
  judgedIncludeField,
  readingsFor,
} from './flags-source.js';
import { knownQuery, windowField } from './query-fields.js';
import { INSUFFICIENT_NOTE, QualityWindow, Standard, StationRef, Summary, Time } from './schemas.js';
import { serviceCall } from './service-call.js';

type Row = ReturnType<typeof qualityWindowJson>;

function columns(parameters: readonly string[]): CsvColumn<Row>[] {
  return [
    { key: 'start', label: { 'zh-CN': '时段开始', en: 'Start' } },
    { key: 'end', label: { 'zh-CN': '时段结束', en: 'End' } },
    { key: 'status', label: { 'zh-CN': '评价结果', en: 'Status' }, value: (r, lang) => statusLabel(r.status, lang) },
    { key: 'status_code', label: { 'zh-CN': '评价结果代码', en: 'Status code' }, value: (r) => r.status, code: true },
    { key: 'class', label: { 'zh-CN': '水质类别', en: 'Class' }, value: (r, lang) => classLabel(r.class, lang) },
    { key: 'class_code', label: { 'zh-CN': '水质类别代码', en: 'Class code' }, value: (r) => r.class, code: true },
    {
      key: 'grade',
      label: { 'zh-CN': '水质状况', en: 'Grade' },
      value: (r, lang) => (lang === 'en' ? (r.grade_en ?? r.grade) : r.grade),
    },
    {
      key: 'black_odorous',
      label: { 'zh-CN': '黑臭程度', en: 'Black-odorous' },
      value: (r, lang) => blackOdorousLabel(r.black_odorous, lang),
    },
    { key: 'compliant', label: { 'zh-CN': '是否达标', en: 'Compliant' }, value: (r, lang) => yesNo(r.compliant, lang) },
    {
      key: 'primary_pollutants',
      label: { 'zh-CN': '主要污染指标', en: 'Primary pollutants' },
      value: (r, lang) => parameterList(r.primary_pollutants, lang),
    },
    {
      key: 'lacking',
      label: { 'zh-CN': '有效数据不足项目', en: 'Items lacking data' },
      value: (r, lang) => parameterList(r.lacking, lang),
    },
    { key: 'expected', label: { 'zh-CN': '应有数据数', en: 'Expected' } },
    { key: 'excluded', label: { 'zh-CN': '按标记剔除数', en: 'Excluded by flag' } },
    ...parameters.flatMap((p): CsvColumn<Row>[] => [
      {
        key: `${p}_mean`,
        label: { 'zh-CN': parameterHeader(p, 'zh-CN', '均值'), en: parameterHeader(p, 'en', 'mean') },
        value: (r) => (r.items[p] as { mean?: number | null } | undefined)?.mean,
      },
      {
        key: `${p}_count`,
        label: { 'zh-CN': `${parameterLabel(p, 'zh-CN')} 有效数据数`, en: `${parameterLabel(p, 'en')} valid readings` },
        value: (r) => (r.items[p] as { count?: number } | undefined)?.count,
      },
    ]),
  ];
}

const QualityResponse = z
  .object({
    station: StationRef,
    standard: Standard,
    from: Time,
    to: Time,
    tz: z.string(),
    window: z.string(),
    flags: FlagsUsedField,
    min_valid_share: z
      .number()
      .openapi({
        description: 'Share of expected valid readings an item needs (decision 9; catalog alerts.min_valid_share)',
      }),
    windows: z.array(QualityWindow),
    period: QualityWindow.nullable().openapi({ description: 'The whole range judged on its valid-reading means' }),
    summary: Summary,
    note: z.string(),
  })
  .openapi('QualityResponse');

export function register(app: ApiApp, deps: DataRouteDeps): void {
  const query = timeRangeQuery(
    { now: deps.now, defaultTimeZone: deps.timeZone, maxSpanMs: maxSpanMs(deps) },
    {
      window: windowField({
        default: '1d',
        description: 'Evaluation window: 4h, 1d, 1mo … aligned to local time in tz',
      }),
      include: judgedIncludeField,
      format: formatField,
      codes: codesField,
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations/{id}/quality',
      tags: ['data'],
      summary:
        'Water quality per window: class, grade, primary pollutants and compliance (sections); effluent against the discharge standard (plants)',
      middleware: [knownQuery(['from', 'to', 'tz', 'window', 'include', 'format', 'codes'])] as const,
      request: { params: stationIdParams, query },
      responses: {
        200: {
          description: 'One verdict per window, the period, and a summary',
          content: tableContent(QualityResponse),
          headers: flagsResponseHeaders,
        },
        ...problemResponses(400, 401, 404, 429, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      const catalog = deps.catalog();
      const station = visibleStationOr404(principalOf(c), id, catalog.station);
      const result = await serviceCall(c, () =>
        stationQuality(
          {
            store: readingsFor(deps.store, q.include),
            catalog,
            now: deps.now,
            ...(deps.minValidShare !== undefined ? { minValidShare: deps.minValidShare } : {}),
          },
          { station, from: q.from, to: q.to, window: q.window, tz: q.tz },
        ),
      );
      const fmt = createTimeFormatter(q.tz, q.from, q.to);
      const rows = result.windows.map((w) => qualityWindowJson(w, fmt));
      return respondTable(c, {
        rows,
        columns: columns(station.parameters),
        filename: `${station.id}-quality-${q.window.spec}`,
        json: () => ({
          station: stationRef(station),
          standard: standardJson(result.standard),
          from: fmt(q.from),
          to: fmt(q.to),
          tz: q.tz,
          window: q.window.spec,
          flags: flagsUsed(q.include),
          min_valid_share: result.minValidShare,
          windows: rows,
          period: result.period ? qualityWindowJson(result.period, fmt) : null,
          summary: summaryJson(result.summary, fmt),
          note: INSUFFICIENT_NOTE,
        }),
        cache: { range: { to: q.to }, now: deps.now() },
        headers: flagsHeader(q.include),
      });
    },
  );
}
