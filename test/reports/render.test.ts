/**
 * The renderers, read back the way a person opens the files: the XLSX with exceljs (sheet names, header cells
 * with units, number cells, frozen header rows), the PDF with Debian's poppler (pdftotext for the Chinese title
 * and the page numbers, pdftoppm for the pages as PNG).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPdf } from '../../src/reports/render/pdf.js';
import { renderXlsx } from '../../src/reports/render/xlsx.js';
import { sampleReport } from './sample-report.js';

const report = sampleReport(40);

describe('XLSX', () => {
  let wb: ExcelJS.Workbook;
  beforeAll(async () => {
    wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await renderXlsx(report, 'zh-CN')) as unknown as ArrayBuffer);
  });

  it('has Chinese sheet names in reading order', () => {
    expect(wb.worksheets.map((ws) => ws.name)).toEqual([
      '概况',
      '断面',
      'CWQI排名',
      '河流流域',
      '辖区排名',
      '排污单位',
      '数据说明',
    ]);
  });

  it('puts the units in the headers and freezes the rows down to the header', () => {
    const ws = wb.getWorksheet('断面')!;
    expect(ws.getCell('A1').value).toBe('水环境质量月报 · 2026年11月');
    const header = (ws.getRow(3).values as unknown[]).slice(1);
    expect(header).toContain('氨氮 (mg/L)');
    expect(header).toContain('pH');
    expect(header).toContain('CWQI');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 3 });
  });

  it('writes figures as number cells, shown at the 2020 decimals', () => {
    const ws = wb.getWorksheet('断面')!;
    const header = (ws.getRow(3).values as unknown[]).slice(1);
    const nh3n = header.indexOf('氨氮 (mg/L)') + 1;
    const cwqi = header.indexOf('CWQI') + 1;
    const first = ws.getRow(4);
    expect(first.getCell(2).value).toBe('测试断面0号');
    expect(first.getCell(nh3n).value).toBe(0.3);
    expect(typeof first.getCell(cwqi).value).toBe('number');
    expect(ws.getColumn(nh3n).numFmt).toBe('0.00');
    // The city summary: the I–III share as a number (percent), and its change in points.
    const summary = wb.getWorksheet('概况')!;
    expect(typeof summary.getRow(4).getCell(2).value).toBe('number');
  });
});

describe('PDF', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-pdf-'));
    file = path.join(dir, 'report.pdf');
    fs.writeFileSync(file, await renderPdf(report, 'zh-CN'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is A4 with the Chinese title, page numbers and generation time as text (pdftotext)', () => {
    const info = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info.status, info.stderr).toBe(0);
    const pages = Number(/Pages:\s+(\d+)/.exec(info.stdout)![1]);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(info.stdout).toMatch(/Page size:\s+841\.89 x 595\.28 pts \(A4\)/);
    const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).stdout;
    expect(text).toContain('水环境质量月报 · 2026年11月');
    // pdftotext drops the spaces between Chinese characters.
    const squeezed = text.replace(/\s+/g, '');
    expect(squeezed).toContain(`第1页/共${pages}页`);
    expect(squeezed).toContain(`第${pages}页/共${pages}页`);
    expect(text).toContain('生成时间 2026-12-01 09:30 (Asia/Shanghai)');
    expect(text).toContain('测试断面39号');
    // The font is embedded (a subset), so the text is the text on any machine.
    const fonts = spawnSync('pdffonts', [file], { encoding: 'utf8' }).stdout;
    expect(fonts).toMatch(/WenQuanYi|NotoSansCJK/);
    expect(
      fonts
        .split('\n')
        .slice(2)
        .filter(Boolean)
        .every((l) => / yes /.test(l)),
    ).toBe(true);
  });

  it('renders every page to PNG (pdftoppm)', () => {
    const r = spawnSync('pdftoppm', ['-r', '40', '-png', file, path.join(dir, 'page')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const pngs = fs.readdirSync(dir).filter((f) => f.endsWith('.png'));
    const pages = Number(/Pages:\s+(\d+)/.exec(spawnSync('pdfinfo', [file], { encoding: 'utf8' }).stdout)![1]);
    expect(pngs).toHaveLength(pages);
    for (const png of pngs) expect(fs.statSync(path.join(dir, png)).size).toBeGreaterThan(2_000);
  });

  it('speaks English when asked', async () => {
    const en = path.join(dir, 'report-en.pdf');
    fs.writeFileSync(en, await renderPdf(report, 'en'));
    const text = spawnSync('pdftotext', [en, '-'], { encoding: 'utf8' }).stdout;
    expect(text).toContain('Monthly water-quality report · November 2026');
    expect(text).toMatch(/Page 1 of \d+/);
  });
});
