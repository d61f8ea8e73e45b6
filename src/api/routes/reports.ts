/**
 * `GET /api/v1/reports/{kind}?period=…&format=json|xlsx|pdf|csv`: the monthly, quarterly or annual water-quality
 * report (月报 / 季报 / 年报) — sections, rivers and basins, jurisdictions, CWQI rankings, plants and black-odorous
 * water bodies with 环比 and 同比 (src/domain/report/). Every role gets its part (access-policy.ts
 * `reportScopeOf`): bureau and admin everything, an operator its own plants, a viewer the public sections.
 * Language from Accept-Language (zh-CN by default).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { can, forbidden, reportScopeOf } from '../auth/access-policy.js';
import {
  PERIOD_KINDS,
  PeriodError,
  parsePeriod,
  periodBounds,
  periodKey,
  type PeriodKind,
} from '../../domain/report/period.js';
import { renderPdf, PDF_MEDIA_TYPE } from '../../reports/render/pdf.js';
import { reportCsv, reportFilename } from '../../reports/render/report-csv.js';
import { renderXlsx, XLSX_MEDIA_TYPE } from '../../reports/render/xlsx.js';
import type { ReportArchive } from '../../reports/report-archive.js';
import type { ReportService } from '../../reports/report-service.js';
import { contentDisposition, CSV_MEDIA_TYPE } from '../csv.js';
import { principalOf, type ApiApp } from '../env.js';
import { text } from '../i18n.js';
import { ApiProblem, problemResponses } from '../problem.js';
import { validationProblem } from '../validation.js';
import { serviceCall } from './service-call.js';

export interface ReportRouteDeps {
  reports: ReportService;
  /** The archive of issued reports (DATA_DIR/reports.db); without it the issues routes answer 503. */
  archive?: () => ReportArchive | undefined;
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

const IssueSchema = z
  .object({
    kind: z.enum(PERIOD_KINDS),
    period: z.string().openapi({ description: '2026-11, or 2026-11@unit for an operator unit’s own part' }),
    version: z.number().int(),
    issued_at: z.number().int().openapi({ description: 'epoch ms' }),
    reason: z.string(),
    issued_by: z.string(),
    lang: z.enum(['zh-CN', 'en']),
  })
  .openapi('ReportIssue');

/** A period of `kind` that has started, or a 400 naming where it came from (`in`: query or body). */
function startedPeriod(deps: ReportRouteDeps, kind: PeriodKind, value: string, where: 'query' | 'body') {
  let period;
  try {
    period = parsePeriod(kind, value);
  } catch (err) {
    if (!(err instanceof PeriodError)) throw err;
    throw validationProblem([{ in: where, name: 'period', code: err.code, detail: text(err.messageZh, err.message) }]);
  }
  if (periodBounds(period, deps.timeZone).from >= deps.now()) {
    throw validationProblem([
      {
        in: where,
        name: 'period',
        code: 'future_period',
        detail: text(`报告期 ${value} 尚未开始`, `the period ${value} has not started yet`),
      },
    ]);
  }
  return period;
}

function archiveOf(deps: ReportRouteDeps): ReportArchive {
  const archive = deps.archive?.();
  if (!archive)
    throw new ApiProblem({
      code: 'not-ready',
      detail: text('报告存档尚未打开，请稍后重试', 'The report archive is not open yet; try again shortly'),
      headers: { 'Retry-After': '5' },
    });
  return archive;
}

/** Issued reports (immutable, every version): the list, and each version's PDF, XLSX or JSON. Bureau and admin. */
function registerIssues(app: ApiApp, deps: ReportRouteDeps): void {
  const kind = z.enum(PERIOD_KINDS);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/reports/{kind}/issues',
      tags: ['reports'],
      summary: 'Issued reports of a kind, newest first (every version, with its reason)',
      request: { params: z.object({ kind }), query: z.object({ period: z.string().optional() }) },
      responses: {
        200: {
          description: 'Issues',
          content: { 'application/json': { schema: z.object({ items: z.array(IssueSchema) }) } },
        },
        ...problemResponses(401, 403, 429, 503),
      },
    }),
    async (c) => {
      const principal = principalOf(c);
      if (!can(principal, 'reports:issues')) throw forbidden(principal, 'reports:issues');
      const q = c.req.valid('query');
      const items = await archiveOf(deps).list({
        kind: c.req.valid('param').kind,
        ...(q.period ? { period: q.period } : {}),
      });
      return c.json({ items }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/reports/{kind}/issues',
      tags: ['reports'],
      summary: 'Re-issue the city report of a period: a new immutable version with its reason (late data, data marks)',
      description:
        'Builds the report from the data as it is now, renders its XLSX and PDF, and archives them as the next ' +
        'version of the period with the reason and who asked; earlier versions stay as they were sent. ' +
        'It is not sent to the units by this call. Bureau and admin.',
      request: {
        params: z.object({ kind }),
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({
                period: z.string().openapi({ example: '2026-11' }),
                reason: z
                  .string()
                  .trim()
                  .min(4)
                  .max(500)
                  .openapi({ example: '11月12日补传数据与审核通过的数据标记 / back-filled data and approved marks' }),
              }),
            },
          },
        },
      },
      responses: {
        201: { description: 'The new version', content: { 'application/json': { schema: IssueSchema } } },
        ...problemResponses(400, 401, 403, 429, 503),
      },
    }),
    async (c) => {
      const principal = principalOf(c);
      if (!can(principal, 'reports:issues')) throw forbidden(principal, 'reports:issues');
      const { kind: k } = c.req.valid('param');
      const body = c.req.valid('json');
      const archive = archiveOf(deps);
      const period = startedPeriod(deps, k, body.period, 'body');
      const key = periodKey(period);
      const at = deps.now();
      // The language of the versions already issued, so that a re-issue reads like what the units received.
      const lang = (await archive.latest(k, key))?.lang ?? c.get('lang');
      const report = await serviceCall(c, () => deps.reports.build(period, { kind: 'all' }, { now: at }));
      const [xlsx, pdf] = await Promise.all([
        renderXlsx(report, lang),
        renderPdf(report, lang, deps.font ? { font: deps.font } : {}),
      ]);
      const issue = await archive.issue({
        kind: k,
        period: key,
        issuedAt: at,
        reason: body.reason,
        issuedBy: principal.name,
        lang,
        report,
        xlsx,
        pdf,
      });
      return c.json(issue, 201);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/reports/{kind}/issues/{period}/{version}',
      tags: ['reports'],
      summary: 'One issued version as it was sent: PDF, XLSX or the report JSON',
      request: {
        params: z.object({ kind, period: z.string(), version: z.coerce.number().int().positive() }),
        query: z.object({ format: z.enum(['json', 'xlsx', 'pdf']).default('pdf') }),
      },
      responses: {
        200: {
          description: 'The issued file',
          content: {
            [PDF_MEDIA_TYPE]: { schema: z.string().openapi({ format: 'binary' }) },
            [XLSX_MEDIA_TYPE]: { schema: z.string().openapi({ format: 'binary' }) },
            'application/json': { schema: WaterReportSchema },
          },
        },
        ...problemResponses(401, 403, 404, 429, 503),
      },
    }),
    async (c) => {
      const principal = principalOf(c);
      if (!can(principal, 'reports:issues')) throw forbidden(principal, 'reports:issues');
      const { kind: k, period, version } = c.req.valid('param');
      const { format } = c.req.valid('query');
      const archive = archiveOf(deps);
      const notFound = () =>
        new ApiProblem({
          code: 'not-found',
          detail: text(
            `没有 ${period} 的第 ${version} 版报告`,
            `There is no version ${version} of the ${period} report`,
          ),
        });
      if (format === 'json') {
        const report = await archive.report(k, period, version);
        if (!report) throw notFound();
        return c.json(report, 200);
      }
      const file = await archive.file(k, period, version, format);
      if (!file) throw notFound();
      const name = `qingliu-${k}-${period.replace('@', '-')}-v${version}.${format}`;
      return new Response(new Uint8Array(file), {
        status: 200,
        headers: {
          'Content-Type': format === 'pdf' ? PDF_MEDIA_TYPE : XLSX_MEDIA_TYPE,
          'Content-Disposition': contentDisposition(name),
          // An issued version never changes.
          'Cache-Control': 'private, max-age=31536000, immutable',
        },
      });
    },
  );
}

export function register(app: ApiApp, deps: ReportRouteDeps): void {
  registerIssues(app, deps);
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
      const period = startedPeriod(deps, kind as PeriodKind, q.period, 'query');
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
