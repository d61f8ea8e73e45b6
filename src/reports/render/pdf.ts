/**
 * The report as a printable PDF (pdfkit): A4 landscape, a CJK font embedded (subset to the glyphs used), the
 * tables of report-tables.ts with their header repeated on every page they run over, and on every page the report's
 * title, "page n of m" and the time it was generated.
 *
 * The font: REPORT_FONT when set, else the first of the CJK fonts Debian's fonts-wqy-microhei and fonts-noto-cjk
 * install (the production image installs fonts-wqy-microhei). Without one, rendering fails with a message naming
 * the packages — a PDF with empty boxes where the Chinese should be would look like a report and say nothing.
 */
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { formatTime } from '../../alerts/messages.js';
import type { WaterReport } from '../../domain/report/report-model.js';
import { cellText, reportTables, type Lang, type Table } from './report-tables.js';

export const PDF_MEDIA_TYPE = 'application/pdf';

/** Fonts tried in order: [file, font name inside a collection (.ttc)]. */
export const CJK_FONT_CANDIDATES: readonly [string, string | undefined][] = [
  ['/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', 'WenQuanYiMicroHei'],
  ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', 'NotoSansCJKsc-Regular'],
  ['/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', 'WenQuanYiZenHei'],
];

export class ReportFontMissingError extends Error {
  constructor() {
    super(
      'no CJK font for PDF reports: install Debian fonts-wqy-microhei (or fonts-noto-cjk), or set REPORT_FONT to a .ttf/.otf/.ttc file',
    );
    this.name = 'ReportFontMissingError';
  }
}

export function findCjkFont(configured?: string): { file: string; family: string | undefined } {
  if (configured) {
    if (!existsSync(configured)) throw new Error(`REPORT_FONT: ${configured} does not exist`);
    return { file: configured, family: undefined };
  }
  for (const [file, family] of CJK_FONT_CANDIDATES) if (existsSync(file)) return { file, family };
  throw new ReportFontMissingError();
}

const MARGIN = 36;

/** `widthOfString` at the document's current font and size, remembered per text (tables repeat most of theirs). */
function memoWidth(doc: PDFKit.PDFDocument): (text: string) => number {
  const known = new Map<string, number>();
  return (text) => {
    let w = known.get(text);
    if (w === undefined) known.set(text, (w = doc.widthOfString(text)));
    return w;
  };
}
const FONT_SIZE = 7.5;
const PAD = 2.5;

function drawTable(doc: PDFKit.PDFDocument, table: Table, lang: Lang, start: number, top: () => number): void {
  const width = doc.page.width - 2 * MARGIN;
  const weights = table.columns.map((c) => c.width ?? 8);
  const total = weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => (w / total) * width);
  const bottom = () => doc.page.height - MARGIN - 18;
  // Laying text out is most of a PDF's cost (a 2,000-station report has ~60,000 cells). A cell that fits on one
  // line (every number, most names) is measured once per distinct text and written at a computed position without
  // pdfkit's line wrapper; only a cell that needs wrapping goes through it. Each row's borders are one path.
  const lineHeight = doc.fontSize(FONT_SIZE).currentLineHeight(true);
  const widthOf = memoWidth(doc);
  const fits = (text: string, i: number) => !text.includes('\n') && widthOf(text) <= widths[i]! - 2 * PAD;
  const cellHeight = (text: string, i: number) =>
    fits(text, i) ? lineHeight : doc.heightOfString(text, { width: widths[i]! - 2 * PAD });
  const rowHeight = (cells: string[]) => Math.max(...cells.map(cellHeight)) + 2 * PAD;

  const drawRow = (cells: string[], y: number, header: boolean, h = rowHeight(cells)) => {
    if (header) doc.rect(MARGIN, y, width, h).fill('#e8f0f7');
    doc.fillColor('#111');
    let x = MARGIN;
    cells.forEach((text, i) => {
      const w = widths[i]!;
      const right = !header && table.columns[i]!.type !== 'text';
      if (fits(text, i)) {
        const left = right ? x + w - PAD - widthOf(text) : x + PAD;
        doc.text(text, left, y + PAD, { lineBreak: false });
      } else {
        doc.text(text, x + PAD, y + PAD, { width: w - 2 * PAD, align: right ? 'right' : 'left' });
      }
      x += w;
    });
    doc.rect(MARGIN, y, width, h);
    x = MARGIN;
    for (const w of widths.slice(0, -1)) {
      x += w;
      doc.moveTo(x, y).lineTo(x, y + h);
    }
    doc.lineWidth(0.3).strokeColor('#999').stroke();
    return h;
  };

  doc.fontSize(11).fillColor('#000').text(table.title, MARGIN, start, { width });
  doc.fontSize(FONT_SIZE);
  const headerCells = table.columns.map((c) => c.label);
  let y = doc.y + 4;
  if (y + rowHeight(headerCells) * 2 > bottom()) {
    doc.addPage();
    y = top();
  }
  y += drawRow(headerCells, y, true);
  for (const row of table.rows) {
    const cells = row.map((v, i) => cellText(v, table.columns[i]!, lang));
    const h = rowHeight(cells);
    if (y + h > bottom()) {
      doc.addPage();
      y = top();
      y += drawRow(headerCells, y, true);
    }
    y += drawRow(cells, y, false, h);
  }
  doc.fontSize(FONT_SIZE).fillColor('#444');
  let noteY = y + 4;
  for (const note of table.notes) {
    const h = doc.heightOfString(note, { width });
    if (noteY + h > bottom()) {
      doc.addPage();
      noteY = top();
    }
    doc.text(note, MARGIN, noteY, { width });
    noteY += h + 2;
  }
  doc.y = noteY + 10;
}

export async function renderPdf(report: WaterReport, lang: Lang, options: { font?: string } = {}): Promise<Buffer> {
  const font = findCjkFont(options.font);
  const title = `${lang === 'en' ? report.title.en : report.title.zh} · ${lang === 'en' ? report.period_label.en : report.period_label.zh}`;
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: { Title: title, Author: 'Qingliu 清流', CreationDate: new Date(report.generated_at) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('cjk', font.file, font.family);
  doc.font('cjk');
  const top = () => MARGIN + 16;

  doc.fontSize(18).text(title, MARGIN, top(), { align: 'center' });
  doc
    .fontSize(10)
    .fillColor('#333')
    .text(lang === 'en' ? report.scope.name.en : report.scope.name.zh, { align: 'center' });
  doc.moveDown(1);
  const tables = reportTables(report, lang);
  tables.forEach((table, i) => {
    // A table starts on a fresh page unless there is room for a good part of it below the one before.
    let start = doc.y;
    if (i > 0 && start > doc.page.height * 0.55) {
      doc.addPage();
      start = top();
    }
    drawTable(doc, table, lang, start, top);
  });

  // Header and footer on every page, now that the page count is known.
  const range = doc.bufferedPageRange();
  const generated = `${lang === 'en' ? 'Generated' : '生成时间'} ${formatTime(report.generated_at, report.time_zone)} (${report.time_zone})`;
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const n = i - range.start + 1;
    const pageText = lang === 'en' ? `Page ${n} of ${range.count}` : `第 ${n} 页 / 共 ${range.count} 页`;
    const w = doc.page.width - 2 * MARGIN;
    const y = doc.page.height - MARGIN - 10;
    // Margins are set to 0 while writing the footer, or pdfkit would start a new page below the bottom margin.
    const margins = doc.page.margins;
    doc.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
    doc.fontSize(7).fillColor('#555');
    doc.text(title, MARGIN, MARGIN - 4, { width: w, align: 'left', lineBreak: false });
    doc.text(generated, MARGIN, y, { width: w, align: 'left', lineBreak: false });
    doc.text(pageText, MARGIN, y, { width: w, align: 'right', lineBreak: false });
    doc.page.margins = margins;
  }
  doc.end();
  return done;
}
