/**
 * The report page in Debian's chromium: the demo catalog with 30 days of simulated readings, the current month
 * (partly elapsed: provisional figures) — period picker, the city's figures, the map coloured by class, the CWQI
 * ranking chart, the report's tables, the downloads, an operator's view, print layout. Screenshots in
 * test-results/report/ for people to look at.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASS_COLORS } from '../../src/web/app/colors.js';
import { KEYS, startDashboardServer, type DashboardServer } from './dashboard-server.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.resolve('test-results/report');

/** This month, YYYY-MM in Asia/Shanghai: the simulated 30 days cover most of it or of the month before. */
function currentMonth(): string {
  const d = new Date(Date.now() + 8 * 3_600_000);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

describe.skipIf(!existsSync(CHROMIUM))('the report page in a real browser', () => {
  let server: DashboardServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDashboardServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    const context = await browser.newContext({
      viewport: { width: 1366, height: 900 },
      timezoneId: 'Asia/Shanghai',
      locale: 'zh-CN',
      acceptDownloads: true,
    });
    await context.addInitScript((key) => localStorage.setItem('qingliu.apiKey', key), KEYS.admin);
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the month: figures, the map coloured by class, the ranking, the tables', async () => {
    const month = currentMonth();
    await page.goto(`${server.base}/#/report?kind=monthly&period=${month}`);
    await page.waitForSelector('#report-title');
    expect(await page.locator('nav a[data-nav="report"]').innerText()).toBe('月报');
    expect(await page.locator('#report-title').innerText()).toMatch(/^水环境质量月报 · \d{4}年\d{1,2}月$/);
    const sections = server.catalog.stations.filter((s) => s.kind === 'river_section').map((s) => s.id);
    const dots = await page
      .locator('#report-map [data-station]')
      .evaluateAll((els) =>
        els.map((e) => ({
          id: e.getAttribute('data-station'),
          cls: e.getAttribute('data-class'),
          fill: e.querySelector('circle')!.getAttribute('fill'),
        })),
      );
    expect(dots.map((d) => d.id).sort()).toEqual([...sections].sort());
    for (const d of dots) {
      if (d.cls !== 'none') expect(d.fill).toBe(CLASS_COLORS[d.cls as keyof typeof CLASS_COLORS]);
    }
    expect(dots.some((d) => d.cls !== 'none')).toBe(true);
    const ranks = await page
      .locator('#report-ranking .report-bar')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-rank'))));
    expect(ranks.length).toBeGreaterThan(0);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    const tables = await page
      .locator('table.report-table')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-table')));
    expect(tables).toEqual([
      'summary',
      'sections',
      'ranking',
      'rivers',
      'jurisdictions',
      'plants',
      'black-odorous',
      'basis',
    ]);
    expect(await page.locator('table[data-table="sections"] tbody tr').count()).toBe(sections.length);
    expect(await page.locator('table[data-table="basis"]').innerText()).toContain('数据标记功能尚未启用');
    await page.screenshot({ path: path.join(SHOTS, '01-report-month.png'), fullPage: true });
    await page.screenshot({ path: path.join(SHOTS, '01-report-month-top.png') });
    await page.locator('table[data-table="sections"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, '01-report-month-sections.png') });
    expect(errors).toEqual([]);
  });

  it('downloads the XLSX and the PDF of the period', async () => {
    const month = currentMonth();
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('#report-xlsx')]);
    expect(xlsx.suggestedFilename()).toBe(`qingliu-monthly-${month}.xlsx`);
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.click('#report-pdf')]);
    expect(pdf.suggestedFilename()).toBe(`qingliu-monthly-${month}.pdf`);
    expect(
      readFileSync((await pdf.path())!)
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  });

  it('switches the kind and the period with the picker, and says what is wrong with a bad period', async () => {
    await page.selectOption('#report-kind', 'quarterly');
    await page.waitForSelector('#report-title');
    expect(await page.locator('#report-title').innerText()).toContain('水环境质量季报');
    expect(page.url()).toContain('kind=quarterly');
    await page.fill('#report-period', '2026-Q9');
    await page.click('#report-show');
    expect(await page.locator('#report-status').innerText()).toContain('季报 2026-Q4');
  });

  it('prints on A4 landscape without the navigation and the controls', async () => {
    await page.goto(`${server.base}/#/report?kind=monthly&period=${currentMonth()}`);
    await page.waitForSelector('#report-title');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.report-controls').isVisible()).toBe(false);
    expect(await page.locator('header.topbar').isVisible()).toBe(false);
    await page.screenshot({ path: path.join(SHOTS, '02-report-print.png'), fullPage: true });
    const pdf = await page.pdf({ landscape: true, format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.emulateMedia({ media: 'screen' });
  });

  it('gives an operator the page of its plant only', async () => {
    const context = await browser.newContext({
      viewport: { width: 1366, height: 900 },
      timezoneId: 'Asia/Shanghai',
      locale: 'zh-CN',
    });
    await context.addInitScript((key) => localStorage.setItem('qingliu.apiKey', key), KEYS.operator);
    const op = await context.newPage();
    await op.goto(`${server.base}/#/report?kind=monthly&period=${currentMonth()}`);
    await op.waitForSelector('#report-title');
    expect(await op.locator('#report-map').count()).toBe(0);
    const tables = await op
      .locator('table.report-table')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-table')));
    expect(tables).toEqual(['plants', 'basis']);
    expect(await op.locator('table[data-table="plants"]').innerText()).toContain('第一污水处理厂');
    expect(await op.locator('table[data-table="plants"]').innerText()).not.toContain('第二污水处理厂');
    await op.screenshot({ path: path.join(SHOTS, '03-report-operator.png'), fullPage: true });
    await context.close();
  });
});
