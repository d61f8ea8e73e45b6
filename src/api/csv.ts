/**
 * CSV for every tabular response: `?format=csv` or `Accept: text/csv` (the query wins). RFC 4180 (CRLF, quoted
 * fields), UTF-8 with a BOM because Excel — what bureau staff open it with — otherwise reads Chinese as GBK.
 */
import { z } from '@hono/zod-openapi';
import type { ApiContext } from './env.js';
import { localize, text, type Lang, type Localized } from './i18n.js';
import { ApiProblem } from './problem.js';
import { parseAccept, qualityOf } from './content-negotiation.js';
import { respondCached, type CacheOptions } from './cache.js';

export const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8';
const BOM = '\uFEFF';

export type CsvCell = string | number | boolean | Date | null | undefined;

export interface CsvColumn<Row> {
  /** Machine name (used as the header when there is no label). */
  key: string;
  /** Header in zh-CN and en, chosen by Accept-Language. */
  label?: Localized;
  /** Defaults to `row[key]`; gets the request's language for cells people read (labels.ts). */
  value?: (row: Row, lang: Lang) => CsvCell;
  /**
   * A machine code (station id, parameter code, status code): written only when the request asks for codes
   * (`codes=true`). Exports are for people by default — labels in their language — and for programs on request.
   */
  code?: boolean;
}

/** The `codes` query parameter of tabular routes: CSV also carries the machine codes, in columns of their own. */
export const codesField = z.enum(['true', 'false']).optional().openapi({
  description:
    'CSV only: add the machine codes (station ids, parameter codes, kind, role, status, class codes) in columns of their own; by default a CSV has labels in the request language',
  example: 'true',
});

/** The `format` query parameter; spread into a tabular route's query schema. */
export const formatField = z
  .enum(['json', 'csv'])
  .optional()
  .openapi({ description: 'Response format; overrides the Accept header. `csv` is UTF-8 with a BOM.', example: 'csv' });

// A cell whose first visible character is one of these is a formula to Excel or LibreOffice: prefix a quote so
// untrusted text (dead-letter payloads, names, notes) cannot run as one (OWASP "CSV injection"). Spreadsheets skip
// leading blanks and line breaks before they look, and an IME turns the fullwidth forms (＝＋－＠, as typed in
// Chinese) into the ASCII ones, so both count. Numbers are written as numbers and are never touched.
const FORMULA_START = /^[\s\u3000]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r\n]/u;

export function csvCell(value: CsvCell): string {
  let s: string;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') s = value ? 'true' : 'false';
  else if (value instanceof Date) s = Number.isNaN(value.getTime()) ? '' : value.toISOString();
  else s = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * The CSV text, header row first, CRLF line ends, BOM included unless `bom: false`. Code columns are left out
 * unless `codes` is set.
 */
export function toCsv<Row>(
  rows: readonly Row[],
  columns: readonly CsvColumn<Row>[],
  options: { lang: Lang; bom?: boolean; codes?: boolean },
): string {
  const shown = columns.filter((col) => !col.code || options.codes === true);
  const lines = [shown.map((col) => csvCell(col.label ? localize(col.label, options.lang) : col.key)).join(',')];
  for (const row of rows) {
    lines.push(
      shown
        .map((col) => csvCell(col.value ? col.value(row, options.lang) : (row as Record<string, CsvCell>)[col.key]))
        .join(','),
    );
  }
  return (options.bom === false ? '' : BOM) + lines.join('\r\n') + '\r\n';
}

/** Whether this request asked for CSV: `?format=csv`, else `Accept` preferring text/csv to JSON. */
export function wantsCsv(c: ApiContext): boolean {
  const format = c.req.query('format');
  if (format !== undefined) {
    if (format === 'csv') return true;
    if (format === 'json') return false;
    throw new ApiProblem({
      code: 'validation-failed',
      detail: text(
        `查询参数 "format"：应为 json 或 csv，收到 "${format}"`,
        `query parameter "format": expected json or csv, got "${format}"`,
      ),
      errors: [
        {
          in: 'query',
          name: 'format',
          code: 'invalid_value',
          detail: text('应为 json 或 csv', 'expected json or csv'),
        },
      ],
    });
  }
  const ranges = parseAccept(c.req.header('accept'));
  const csv = qualityOf(ranges, 'text/csv');
  return csv > 0 && csv > qualityOf(ranges, 'application/json');
}

/** `attachment` with an ASCII fallback name and the real (possibly Chinese) one in `filename*` (RFC 6266). */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export interface TableResponse<Row> {
  rows: readonly Row[];
  columns: readonly CsvColumn<Row>[];
  /** Without `.csv`; e.g. `compliance-2024-05`. */
  filename: string;
  /** The JSON body; defaults to `{ items: rows }`. */
  json?: () => unknown;
  /** ETag/Cache-Control/304 (cache.ts). */
  cache?: CacheOptions;
  /** Facts about the whole answer, sent with JSON and CSV alike (CSV has nowhere else to say them). */
  headers?: Record<string, string>;
}

/** Answers JSON or CSV from the same rows, as the request asked. */
export function respondTable<Row>(c: ApiContext, table: TableResponse<Row>): Response {
  const csv = wantsCsv(c);
  const headers: Record<string, string> = { ...table.headers, Vary: 'Accept, Accept-Language' };
  const etagExtra = table.headers ? JSON.stringify(table.headers) : undefined;
  if (csv) {
    headers['Content-Disposition'] = contentDisposition(`${table.filename}.csv`);
    const body = toCsv(table.rows, table.columns, { lang: c.get('lang'), codes: c.req.query('codes') === 'true' });
    return respondCached(c, {
      body,
      contentType: CSV_MEDIA_TYPE,
      headers,
      cache: table.cache,
      ...(etagExtra && { etagExtra }),
    });
  }
  const body = JSON.stringify(table.json ? table.json() : { items: table.rows });
  return respondCached(c, {
    body,
    contentType: 'application/json',
    headers,
    cache: table.cache,
    ...(etagExtra && { etagExtra }),
  });
}

/** OpenAPI `content` for a tabular 200 response: JSON with the schema, or CSV. */
export function tableContent<S extends z.ZodType>(schema: S) {
  return {
    'application/json': { schema },
    'text/csv': {
      schema: z.string().openapi({ description: 'The same rows as CSV: UTF-8 with BOM, header row, CRLF (RFC 4180)' }),
    },
  };
}
