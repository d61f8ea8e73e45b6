/**
 * `GET /api/v1/reports/{kind}?period=…&format=json|xlsx|pdf|csv`: the monthly, quarterly or annual water-quality
 * report (月报 / 季报 / 年报) — sections, rivers and basins, jurisdictions, CWQI rankings, plants and black-odorous
 * water bodies with 环比 and 同比 (src/domain/report/). Every role gets its part (access-policy.ts
 * `reportScopeOf`): bureau and admin everything, an operator its own plants, a viewer the public sections.
 * Language from Accept-Language (zh-CN by default).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { reportScopeOf } from '../auth/access-policy.js';
import { PERIOD_KINDS, PeriodError, parsePeriod, periodBounds, type PeriodKind } from '../../domain/report/period.js';
import { renderPdf, PDF_MEDIA_TYPE } from '../../reports/render/pdf.js';
import { reportCsv, reportFilename } from '../../reports/render/report-csv.js';
import { renderXlsx, XLSX_MEDIA_TYPE } from '../../reports/render/xlsx.js';
import type { ReportService } from '../../reports/report-service.js';
import { contentDisposition, CSV_MEDIA_TYPE } from '../csv.js';
import { principalOf, type ApiApp } from '../env.js';
import { text } from '../i18n.js';
import { problemResponses } from '../problem.js';
import { validationProblem } from '../validation.js';
import { serviceCall } from './service-call.js';

export interface ReportRouteDeps {
  reports: ReportService;
  now: () => number;
  timeZone: string;
  /** REPORT_FONT: the CJK font file for PDFs (default: the first Debian CJK font found). */
  font?: string;
}

const FORMATS = ['json', 'xlsx', 'pdf', 'csv'] as const;
const TABLES = [
  'summary',
  'sections',
  'ranking',
  'rivers',
  'jurisdictions',
  'plants',
  'black-odorous',
  'basis',
] as const;

const Name = z.object({ zh: z.string(), en: z.string() });
const Row = z.looseObject({}).openapi({ description: 'See docs/reports.md for every field' });

export const WaterReportSchema = z
  .object({
    kind: z.enum(PERIOD_KINDS),
    period: z.string().openapi({ example: '2026-11' }),
    title: Name,
    period_label: Name,
    compared_with: z.object({ previous: z.string().nullable(), last_year: z.string().nullable() }),
    time_zone: z.string(),
    range: z.object({ from: z.number().int(), to: z.number().int() }).openapi({ description: 'epoch ms, [from, to)' }),
    generated_at: z.number().int(),
    scope: z.object({ id: z.enum(['all', 'operator', 'public']), name: Name }),
    city: Row,
    basins: z.array(Row),
    rivers: z.array(Row),
    jurisdictions: z.array(Row),
    sections: z.array(Row),
    plants: z.array(Row),
    black_odorous: z.object({ points: z.array(Row), water_bodies: z.array(Row) }),
    data_basis: Row.openapi({
      description: 'Valid-data rule, flag source, data marks applied, windows re-judged since the last issue',
    }),
    methods: z.array(
      z.object({
        id: z.string(),
        zh: z.string(),
        en: z.string(),
        source: z.string(),
        confidence: z.enum(['C', 'C2', 'S', 'I', 'U']),
      }),
    ),
  })
  .openapi('WaterReport');

export function register(app: ApiApp, deps: ReportRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/reports/{kind}',
      tags: ['reports'],
      summary: 'Monthly, quarterly or annual water-quality report (月报/季报/年报) as JSON, XLSX, PDF or CSV',
      request: {
        params: z.object({ kind: z.enum(PERIOD_KINDS).openapi({ description: 'monthly, quarterly or annual' }) }),
        query: z.object({
          period: z
            .string()
            .openapi({ description: 'monthly 2026-11, quarterly 2026-Q4, annual 2026', example: '2026-11' }),
          format: z.enum(FORMATS).default('json').openapi({ description: 'json (default), xlsx, pdf or csv' }),
          table: z
            .enum(TABLES)
            .optional()
            .openapi({ description: 'CSV only: which table (default: sections, or plants for an operator)' }),
        }),
      },
      responses: {
        200: {
          description: 'The report, in the scope of the caller’s role',
          content: {
            'application/json': { schema: WaterReportSchema },
            [XLSX_MEDIA_TYPE]: { schema: z.string().openapi({ format: 'binary' }) },
            [PDF_MEDIA_TYPE]: { schema: z.string().openapi({ format: 'binary' }) },
            'text/csv': { schema: z.string().openapi({ description: 'One table, UTF-8 with BOM' }) },
          },
        },
        ...problemResponses(400, 401, 429, 503),
      },
    }),
    async (c) => {
      const { kind } = c.req.valid('param');
      const q = c.req.valid('query');
      const lang = c.get('lang');
      let period;
      try {
        period = parsePeriod(kind as PeriodKind, q.period);
      } catch (err) {
        if (!(err instanceof PeriodError)) throw err;
        throw validationProblem([
          { in: 'query', name: 'period', code: err.code, detail: text(err.messageZh, err.message) },
        ]);
      }
      if (periodBounds(period, deps.timeZone).from >= deps.now()) {
        throw validationProblem([
          {
            in: 'query',
            name: 'period',
            code: 'future_period',
            detail: text(`报告期 ${q.period} 尚未开始`, `the period ${q.period} has not started yet`),
          },
        ]);
      }
      const report = await serviceCall(c, () => deps.reports.build(period, reportScopeOf(principalOf(c))));
      const headers = new Headers({
        'Content-Language': lang,
        'Cache-Control': 'private, no-cache',
        Vary: 'Accept-Language',
      });
      const send = (body: string | Buffer, type: string, ext?: string) => {
        headers.set('Content-Type', type);
        if (ext) headers.set('Content-Disposition', contentDisposition(reportFilename(report, ext)));
        return new Response(typeof body === 'string' ? body : new Uint8Array(body), { status: 200, headers });
      };
      switch (q.format) {
        case 'xlsx':
          return send(await renderXlsx(report, lang), XLSX_MEDIA_TYPE, 'xlsx');
        case 'pdf':
          return send(await renderPdf(report, lang, deps.font ? { font: deps.font } : {}), PDF_MEDIA_TYPE, 'pdf');
        case 'csv': {
          const csv = reportCsv(report, lang, q.table);
          if (!csv) {
            throw validationProblem([
              {
                in: 'query',
                name: 'table',
                code: 'invalid_value',
                detail: text(`此报告没有“${q.table}”表`, `this report has no "${q.table}" table`),
              },
            ]);
          }
          headers.set('Content-Disposition', contentDisposition(reportFilename(report, `${csv.table}.csv`)));
          return send(csv.text, CSV_MEDIA_TYPE);
        }
        default:
          return send(JSON.stringify(report), 'application/json');
      }
    },
  );
}
