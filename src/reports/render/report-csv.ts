/**
 * One table of the report as CSV (UTF-8 with BOM, RFC 4180, formula-escaped: src/api/csv.ts), and the file names
 * every download uses: qingliu-monthly-2026-11.xlsx, qingliu-monthly-2026-11-operator.pdf …
 */
import { toCsv, type CsvColumn } from '../../api/csv.js';
import type { WaterReport } from '../../domain/report/report-model.js';
import { cellText, reportTables, type Lang, type Table } from './report-tables.js';

export function reportFilename(report: Pick<WaterReport, 'kind' | 'period' | 'scope'>, ext: string): string {
  const scope = report.scope.id === 'all' ? '' : `-${report.scope.id}`;
  return `qingliu-${report.kind}-${report.period}${scope}.${ext}`;
}

function csvOf(table: Table, lang: Lang): string {
  const columns: CsvColumn<Table['rows'][number]>[] = table.columns.map((col, i) => ({
    key: String(i),
    label: col.label,
    // Shares as percentages with their decimals, like the PDF; other numbers as they are.
    value: (row) => (row[i] === null ? null : col.type === 'percent' ? cellText(row[i]!, col, lang) : row[i]),
  }));
  return toCsv(table.rows, columns, { lang });
}

/**
 * The table `wanted` (default: sections, or plants for a report without sections, else the data basis) as CSV;
 * undefined when the report has no such table.
 */
export function reportCsv(
  report: WaterReport,
  lang: Lang,
  wanted?: string,
): { table: string; text: string } | undefined {
  const tables = reportTables(report, lang);
  const id = wanted ?? (report.sections.length > 0 ? 'sections' : report.plants.length > 0 ? 'plants' : 'basis');
  const table = tables.find((t) => t.id === id);
  return table ? { table: id, text: csvOf(table, lang) } : undefined;
}
