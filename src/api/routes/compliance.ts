/**
 * `GET /compliance`: the bureau's monthly question in one call — for every section (or plant) the key may see,
 * the compliance rate (达标率) over the period, windows out of compliance, the worst class, the period's class
 * and primary pollutants, and the items that broke the target. Sortable; CSV for the monthly report.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { StationKind } from '../../catalog/index.js';
import { COMPLIANCE_SORT_KEYS, complianceOverview } from '../../services/compliance.js';
import { createTimeFormatter } from '../../services/time-format.js';
import { filterVisibleStations } from '../auth/access-policy.js';
import { codesField, formatField, respondTable, tableContent, type CsvColumn } from '../csv.js';
import { classLabel, parameterLabel, parameterList, roleLabel } from '../labels.js';
import { principalOf, type ApiApp } from '../env.js';
import { problemResponses } from '../problem.js';
import { timeRangeQuery } from '../query/time-range.js';
import { maxSpanMs, type DataRouteDeps } from './data-route-deps.js';
import { standardJson, stationRef, summaryJson } from './present.js';
import {
  flagsHeader,
  flagsResponseHeaders,
  flagsUsed,
  FlagsUsedField,
  judgedIncludeField,
  readingsFor,
} from './flags-source.js';
import { knownQuery, stationFilterFields, windowField } from './query-fields.js';
import { INSUFFICIENT_NOTE, Standard, StationRef, Summary, Time } from './schemas.js';
import { serviceCall } from './service-call.js';
import type { MarkedReadingStore } from '../../marks/marked-reading-store.js';
import { mapLimit } from '../../services/map-limit.js';

const REJUDGED_HEADER = 'Qingliu-Rejudged-Windows';

/** Without `kind`: every station judged for compliance (sections, plant effluent, industrial outfalls). */
const JUDGED_KINDS: readonly StationKind[] = ['river_section', 'plant_effluent', 'industrial_outfall'];

const ComplianceRow = Summary.extend({
  station: StationRef.extend({
    role: z.string().nullable(),
    river: z.string().nullable(),
    plant: z.string().nullable(),
    target_class: z.string().nullable(),
  }),
  standard: Standard,
  min_valid_share: z.number(),
  period_class: z.string().nullable().openapi({ description: "GB 3838 class of the period's valid-reading means" }),
  period_status: z.string().nullable(),
  primary_pollutants: z
    .array(z.string())
    .openapi({ description: "主要污染指标 of the period's means (classes worse than III only)" }),
  readings_under_marks: z.number().int().nullable().openapi({
    description:
      'Stored readings of the period under approved data marks (their marked flags were used); null where marks are not applied (or with include=original)',
  }),
  rejudged_windows: z.number().int().nullable().openapi({
    description:
      "This station's windows re-judged during the period (late or back-filled data, a corrected flag, a mark; every alert rule; ADR 0013); null where this instance has no alert store",
  }),
}).openapi('ComplianceRow');

const ComplianceResponse = z
  .object({
    from: Time,
    to: Time,
    tz: z.string(),
    window: z.string(),
    sort: z.string(),
    order: z.enum(['asc', 'desc']),
    flags: FlagsUsedField,
    count: z.number().int(),
    rejudged_windows: z.number().int().nullable().openapi({
      description:
        "Windows re-judged during the period, the sum of the rows' rejudged_windows (the stations answered, every alert rule; ADR 0013); null where this instance has no alert store",
    }),
    items: z.array(ComplianceRow),
    note: z.string(),
  })
  .openapi('ComplianceResponse');

type Row = z.infer<typeof ComplianceRow>;

const COLUMNS: CsvColumn<Row>[] = [
  { key: 'station', label: { 'zh-CN': '站点编号', en: 'Station id' }, value: (r) => r.station.id, code: true },
  {
    key: 'name',
    label: { 'zh-CN': '站点名称', en: 'Station' },
    value: (r, lang) => (lang === 'en' ? r.station.name.en : r.station.name.zh),
  },
  { key: 'role', label: { 'zh-CN': '断面类型', en: 'Role' }, value: (r, lang) => roleLabel(r.station.role, lang) },
  { key: 'role_code', label: { 'zh-CN': '断面类型代码', en: 'Role code' }, value: (r) => r.station.role, code: true },
  {
    key: 'target_class',
    label: { 'zh-CN': '目标水质', en: 'Target class' },
    value: (r, lang) => classLabel(r.station.target_class, lang),
  },
  {
    key: 'standard',
    label: { 'zh-CN': '评价标准', en: 'Standard' },
    value: (r, lang) => (r.standard.name ? (lang === 'en' ? r.standard.name.en : r.standard.name.zh) : undefined),
  },
  { key: 'windows', label: { 'zh-CN': '时段数', en: 'Windows' } },
  { key: 'compliant', label: { 'zh-CN': '达标时段数', en: 'Compliant' } },
  { key: 'non_compliant', label: { 'zh-CN': '超标时段数', en: 'Non-compliant' } },
  { key: 'insufficient_data', label: { 'zh-CN': '数据不足时段数', en: 'Insufficient data' } },
  {
    key: 'compliance_rate',
    label: { 'zh-CN': '达标率（%）', en: 'Compliance rate (%)' },
    value: (r) => (r.compliance_rate === null ? null : Math.round(r.compliance_rate * 10_000) / 100),
  },
  {
    key: 'worst_class',
    label: { 'zh-CN': '最差类别', en: 'Worst class' },
    value: (r, lang) => classLabel(r.worst_class, lang),
  },
  {
    key: 'period_class',
    label: { 'zh-CN': '时段均值类别', en: 'Class of the period means' },
    value: (r, lang) => classLabel(r.period_class, lang),
  },
  {
    key: 'primary_pollutants',
    label: { 'zh-CN': '主要污染指标', en: 'Primary pollutants' },
    value: (r, lang) => parameterList(r.primary_pollutants, lang),
  },
  {
    key: 'exceeding',
    label: { 'zh-CN': '超标项目（超标时段数）', en: 'Exceeding items (windows)' },
    value: (r, lang) =>
      r.exceeding
        .map((e) =>
          lang === 'en'
            ? `${parameterLabel(e.parameter, lang)} (${e.windows})`
            : `${parameterLabel(e.parameter, lang)}（${e.windows}）`,
        )
        .join(lang === 'en' ? '; ' : '、'),
  },
  {
    key: 'exceeding_codes',
    label: { 'zh-CN': '超标项目代码', en: 'Exceeding item codes' },
    value: (r) => r.exceeding.map((e) => `${e.parameter}(${e.windows})`).join(' '),
    code: true,
  },
  { key: 'excluded_readings', label: { 'zh-CN': '按标记剔除数', en: 'Excluded by flag' } },
];

/** Where the instance has an alert store (where re-judgments are recorded). */
const REJUDGED_COLUMN: CsvColumn<Row> = {
  key: 'rejudged_windows',
  label: { 'zh-CN': '重新评价时段数', en: 'Re-judged windows' },
};

/** Where the store applies data marks (always, in the service). */
const MARKS_COLUMN: CsvColumn<Row> = {
  key: 'readings_under_marks',
  label: { 'zh-CN': '数据标记覆盖数据条数', en: 'Readings under data marks' },
};

export function register(app: ApiApp, deps: DataRouteDeps): void {
  const query = timeRangeQuery(
    { now: deps.now, defaultTimeZone: deps.timeZone, maxSpanMs: maxSpanMs(deps) },
    {
      ...stationFilterFields,
      window: windowField({
        default: '1d',
        description: 'Window whose compliance is counted: 4h, 1d (default), 1mo …',
      }),
      sort: z
        .enum(COMPLIANCE_SORT_KEYS)
        .default('compliance_rate')
        .openapi({ description: 'Sort key; stations without a value last' }),
      order: z.enum(['asc', 'desc']).default('asc'),
      include: judgedIncludeField,
      format: formatField,
      codes: codesField,
    },
  );
  const known = [
    'from',
    'to',
    'tz',
    'kind',
    'role',
    'level',
    'river',
    'jurisdiction',
    'plant',
    'window',
    'sort',
    'order',
    'include',
    'format',
    'codes',
  ];
  app.openapi(
    createRoute({
      method: 'get',
      path: '/compliance',
      tags: ['data'],
      summary:
        'Compliance over a period for every section or plant: 达标率, windows out of compliance, worst class, primary pollutants',
      middleware: [knownQuery(known)] as const,
      request: { query },
      responses: {
        200: {
          description: 'One row per station',
          content: tableContent(ComplianceResponse),
          headers: flagsResponseHeaders.extend({
            [REJUDGED_HEADER]: z.string().openapi({
              description:
                'rejudged_windows (the sum over the stations answered), for CSV too: a count, or `null` where this instance has no alert store',
            }),
          }),
        },
        ...problemResponses(400, 401, 429, 503),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const catalog = deps.catalog();
      const sectionOnly = q.role !== undefined || q.level !== undefined;
      const found = catalog.findStations({
        kind: q.kind ?? (sectionOnly ? ['river_section'] : JUDGED_KINDS),
        ...(q.role ? { role: q.role } : {}),
        ...(q.level ? { level: q.level } : {}),
        ...(q.river ? { river: q.river } : {}),
        ...(q.jurisdiction ? { jurisdiction: q.jurisdiction } : {}),
        ...(q.plant ? { plants: [q.plant] } : {}),
      });
      const stations = filterVisibleStations(principalOf(c), found);
      const results = await serviceCall(c, () =>
        complianceOverview(
          {
            store: readingsFor(deps.store, q.include),
            catalog,
            now: deps.now,
            ...(deps.minValidShare !== undefined ? { minValidShare: deps.minValidShare } : {}),
          },
          { stations, from: q.from, to: q.to, window: q.window, tz: q.tz, sort: q.sort, order: q.order },
        ),
      );
      // Issue 14: how many readings approved data marks re-flagged, so a recomputed figure never changes silently.
      // With include=original no mark was applied: there is nothing to state (null, as where marks are not applied).
      const marked =
        q.include === 'original' ? undefined : (deps.store as Partial<MarkedReadingStore>).readingsUnderMarks;
      const underMarks = new Map<string, number>();
      if (marked) {
        await mapLimit(results, 8, async (r) => {
          const n = await marked({
            stations: [{ id: r.station.id, parameters: r.station.parameters }],
            from: q.from,
            to: q.to,
          });
          underMarks.set(r.station.id, n);
        });
      }
      // Issue 14: how many of each station's windows were judged again in the period, so that a re-judged figure
      // never changes silently; the total is that of the stations answered.
      const alertStore = deps.alertStore?.();
      const rejudged = alertStore ? await serviceCall(c, () => alertStore.rejudgedByStation(q.from, q.to)) : undefined;
      const rejudgedOf = (id: string) => (rejudged ? (rejudged.get(id) ?? 0) : null);
      const rejudgedWindows = rejudged ? results.reduce((n, r) => n + rejudgedOf(r.station.id)!, 0) : null;
      const fmt = createTimeFormatter(q.tz, q.from, q.to);
      const rows: Row[] = results.map((r) => {
        const s = r.station;
        const period = r.period?.verdict;
        return {
          station: {
            ...stationRef(s),
            role: s.section?.role ?? null,
            river: s.river ?? null,
            plant: s.plant ?? null,
            target_class: s.section?.target_class ?? null,
          },
          standard: standardJson(r.standard),
          min_valid_share: r.minValidShare,
          ...summaryJson(r.summary, fmt),
          period_class: period?.class ?? null,
          period_status: period?.status ?? null,
          primary_pollutants: period?.primary_pollutants ?? [],
          readings_under_marks: underMarks.get(s.id) ?? null,
          rejudged_windows: rejudgedOf(s.id),
        };
      });
      return respondTable(c, {
        rows,
        columns: [...COLUMNS, ...(marked ? [MARKS_COLUMN] : []), ...(rejudged ? [REJUDGED_COLUMN] : [])],
        filename: `compliance-${q.window.spec}`,
        json: () => ({
          from: fmt(q.from),
          to: fmt(q.to),
          tz: q.tz,
          window: q.window.spec,
          sort: q.sort,
          order: q.order,
          flags: flagsUsed(q.include),
          count: rows.length,
          rejudged_windows: rejudgedWindows,
          items: rows,
          note: INSUFFICIENT_NOTE,
        }),
        cache: { range: { to: q.to }, now: deps.now() },
        headers: {
          ...flagsHeader(q.include),
          // CSV has no place for a period-level figure: a header states it (`null` where unknown, as in the JSON; never 0).
          [REJUDGED_HEADER]: String(rejudgedWindows),
        },
      });
    },
  );
}
