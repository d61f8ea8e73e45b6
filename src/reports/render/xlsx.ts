/**
 * The report as an Excel workbook (exceljs): one sheet per table with the sheet names in the report's language
 * (Chinese by default), the title and period above a header row that names each unit, frozen so it stays in view,
 * and real number cells (shares as numbers formatted as percentages) that a bureau can sum and chart.
 */
import ExcelJS from 'exceljs';
import type { WaterReport } from '../../domain/report/report-model.js';
import { reportTables, type Lang } from './report-tables.js';

export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Excel's number format for a column: fixed decimals, percentages for shares, General otherwise. */
function numFmt(type: 'text' | 'number' | 'percent', decimals: number | undefined): string | undefined {
  if (type === 'percent') return `0.${'0'.repeat(decimals ?? 1)}%`;
  if (type === 'number' && decimals !== undefined) return decimals === 0 ? '0' : `0.${'0'.repeat(decimals)}`;
  return undefined;
}

export async function renderXlsx(report: WaterReport, lang: Lang): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Qingliu 清流';
  wb.created = new Date(report.generated_at);
  const heading = `${lang === 'en' ? report.title.en : report.title.zh} · ${lang === 'en' ? report.period_label.en : report.period_label.zh}`;
  for (const table of reportTables(report, lang)) {
    // Two rows above the header: the report's title and the table's, then the header row (frozen with them).
    const ws = wb.addWorksheet(table.sheet, {
      views: [{ state: 'frozen', ySplit: 3, xSplit: table.id === 'basis' ? 0 : 1 }],
    });
    ws.addRow([heading]).font = { bold: true, size: 13 };
    ws.addRow([table.title]).font = { bold: true };
    const header = ws.addRow(table.columns.map((c) => c.label));
    header.font = { bold: true };
    header.alignment = { wrapText: true, vertical: 'middle' };
    header.eachCell((cell) => {
      cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8F0F7' } };
      cell.border = { bottom: { style: 'thin' } };
    });
    table.columns.forEach((c, i) => {
      const col = ws.getColumn(i + 1);
      col.width = Math.max(8, Math.min(60, (c.width ?? 8) * 1.6));
      const fmt = numFmt(c.type, c.decimals);
      if (fmt) col.numFmt = fmt;
    });
    for (const row of table.rows) ws.addRow(row.map((v) => (v === null ? null : v)));
    for (const note of table.notes) ws.addRow([note]).font = { italic: true, color: { argb: 'FF555555' } };
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
