/**
 * Data marks in the dashboard (issue 14), in Debian's chromium: an operator drags across its plant's NH3-N chart,
 * marks the range as maintenance with a reason (pending), the bureau page lists it, the admin approves it with a
 * note, and the chart draws the marked range. Real API, SQLite reading and mark stores. Screenshots go to
 * test-results/marks/ for people to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startDashboardServer, type DashboardServer } from './dashboard-server.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.resolve('test-results/marks');

describe.skipIf(!existsSync(CHROMIUM))('data marks in the dashboard', () => {
  let server: DashboardServer;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDashboardServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function pageAs(key: string, lang: 'zh-CN' | 'en' = 'zh-CN'): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 1400, height: 900 },
      timezoneId: 'Asia/Shanghai',
      locale: lang,
    });
    await context.addInitScript(
      ([k, l]) => {
        localStorage.setItem('qingliu.apiKey', k!);
        localStorage.setItem('qingliu.lang', l!);
      },
      [key, lang],
    );
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    return page;
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  it('an operator marks a range from the chart; it is pending, drawn dashed; the bureau page approves it; then it is drawn filled', async () => {
    const op = await pageAs(KEYS.operator);
    await op.goto(`${server.base}/#/station/wwtp1-effluent?range=24h`);
    const chart = op.locator('.chart-card[data-chart="nh3n"] .chart');
    await chart.locator('.u-over').waitFor();
    await op.waitForSelector('.chart-card[data-chart="nh3n"] .chart[data-drawn]');
    expect(await op.locator('#mark-hint').innerText()).toContain('拖动');
    // Drag across the middle of the plot: a range of a few hours.
    const box = (await chart.locator('.u-over').boundingBox())!;
    await op.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await op.mouse.down();
    await op.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 8 });
    await op.mouse.up();
    const form = op.locator('form[data-mark-form="nh3n"]');
    await form.waitFor();
    expect(await form.innerText()).toContain('标记数据：氨氮');
    // A reason is required.
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.error').innerText()).toContain('请填写原因');
    await form.locator('select[name=flag]').selectOption('M');
    await form.locator('textarea[name=reason]').fill('更换氨氮分析仪电极');
    await shot(op, '01-operator-mark-form');
    await form.locator('button[type=submit]').click();
    await op.waitForSelector('[data-mark-state="pending"]');
    expect(await op.locator('[data-mark-state="pending"]').innerText()).toContain('待生态环境局审核');
    // The view reloads with the mark: a dashed outline on the chart and a line under it.
    await op.waitForSelector('.chart-card[data-chart="nh3n"] .mark-legend');
    await op.waitForSelector('.chart-card[data-chart="nh3n"] .chart[data-marks="1"][data-drawn]');
    expect(await op.locator('.chart-card[data-chart="nh3n"] .mark-legend').innerText()).toContain('M 维护');
    expect(await op.locator('.chart-card[data-chart="nh3n"] .mark-legend').innerText()).toContain('待审核');
    expect(await op.locator('.chart-card[data-chart="tp"] .chart').getAttribute('data-marks')).toBe('0');
    await shot(op, '02-operator-pending-on-chart');
    // The operator sees its own pending mark, without approve buttons.
    await op.goto(`${server.base}/#/marks`);
    await op.waitForSelector('#pending-marks tr[data-mark]');
    expect(await op.locator('#pending-marks [data-action="approve"]').count()).toBe(0);

    const admin = await pageAs(KEYS.admin);
    await admin.goto(`${server.base}/#/marks`);
    await admin.waitForSelector('#pending-marks tr[data-mark]');
    const row = admin.locator('#pending-marks tr[data-mark]').first();
    expect(await row.innerText()).toContain('第一污水处理厂');
    expect(await row.innerText()).toContain('更换氨氮分析仪电极');
    expect(await admin.locator('nav [data-nav="marks"]').innerText()).toBe('数据审核');
    await shot(admin, '03-bureau-pending-page');
    // Rejecting needs a note; approving does not.
    await row.locator('[data-action="reject"]').click();
    await expect.poll(() => admin.locator('#mark-status').innerText()).toContain('驳回时请填写审核意见');
    await row.locator('input.mark-note').fill('已核实运维记录');
    await row.locator('[data-action="approve"]').click();
    await expect.poll(() => admin.locator('#mark-status').innerText()).toContain('已通过');
    await admin.waitForSelector('#no-pending');
    await shot(admin, '04-bureau-approved');

    await admin.goto(`${server.base}/#/station/wwtp1-effluent?range=24h`);
    await admin.waitForSelector('.chart-card[data-chart="nh3n"] .chart[data-marks="1"][data-drawn]');
    expect(await admin.locator('.chart-card[data-chart="nh3n"] .mark-legend').innerText()).toContain('已生效');
    await shot(admin, '05-approved-on-chart');
    const listed = (await (
      await fetch(`${server.base}/api/v1/stations/wwtp1-effluent/marks`, {
        headers: { authorization: `Bearer ${KEYS.admin}` },
      })
    ).json()) as { items: { state: string; verdict: { note: string; by: { name: string } } }[] };
    expect(listed.items[0]).toMatchObject({
      state: 'approved',
      verdict: { note: '已核实运维记录', by: { name: '演示管理员' } },
    });

    // In English.
    const en = await pageAs(KEYS.admin, 'en');
    await en.goto(`${server.base}/#/marks`);
    await en.waitForSelector('#no-pending');
    expect(await en.locator('.card h2, .card h3').first().innerText()).toContain('Data marks awaiting approval');
    await en.goto(`${server.base}/#/station/wwtp1-effluent?range=24h`);
    await en.waitForSelector('.chart-card[data-chart="nh3n"] .mark-legend');
    expect(await en.locator('.chart-card[data-chart="nh3n"] .mark-legend').innerText()).toContain('M maintenance');
    await shot(en, '06-english-chart');
    expect(errors).toEqual([]);
  });
});
