/**
 * Screenshots of a running Qingliu for the README: `npx tsx scripts/screenshots.ts URL API_KEY [OUT_DIR]`, e.g.
 * against `npm start` (the URL and the admin key are in its banner). Uses Debian's chromium through playwright-core
 * (no browser download). Desktop shots at 1400×900; `overview-phone.png` at a phone's 390 px.
 */
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';

const [base = 'http://127.0.0.1:8080/', key, out = 'docs/screenshots'] = process.argv.slice(2);
if (!key) {
  process.stderr.write('usage: npx tsx scripts/screenshots.ts URL API_KEY [OUT_DIR]\n');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

/** Signs in through the login screen, as a person would. */
async function signIn(page: Page): Promise<void> {
  await page.goto(base);
  await page.fill('#api-key', key!);
  await page.click('.login button[type=submit]');
  await page.waitForSelector('.map svg [data-station]');
}

/** Goes to a page and waits for what it draws (the alerts page keeps an event stream open: no "network idle"). */
async function visit(page: Page, hash: string, ready: string): Promise<void> {
  await page.goto(new URL(hash, base).toString());
  await page.waitForSelector(ready);
  await page.waitForTimeout(800);
}

// A Chinese browser, as at the bureau: date and month inputs follow the browser's locale, not the page's.
const desktop = await browser.newPage({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
await signIn(desktop);
// The newest alert, selected, so the shot shows a finding and its timeline.
const alerts = await (
  await desktop.request.get(new URL('api/v1/alerts?limit=1', base).toString(), {
    headers: { authorization: `Bearer ${key}` },
  })
).json();
const alertId: number | undefined = alerts.items?.[0]?.id;
const shots: [string, string, string][] = [
  ['overview', '#/', '.map svg [data-station]'],
  ['station', '#/station/longdukou?range=7d', '[data-chart="nh3n"] [data-drawn]'],
  ['plant', '#/station/wwtp2-effluent?range=7d', '[data-chart="nh3n"] [data-drawn]'],
  ['alerts', alertId ? `#/alerts?id=${alertId}` : '#/alerts', alertId ? '#alert-detail [data-alert]' : '#alerts-table'],
  ['compliance', '#/compliance', '#compliance-table, #main .card p.muted'],
];
for (const [name, hash, ready] of shots) {
  await visit(desktop, hash, ready);
  await desktop.screenshot({ path: path.join(out, `${name}.png`), fullPage: false });
  process.stderr.write(`${name}.png\n`);
}

const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
await signIn(phone);
await visit(phone, '#/', '.map svg [data-station]');
await phone.screenshot({ path: path.join(out, 'overview-phone.png'), fullPage: false });
process.stderr.write('overview-phone.png\n');
await browser.close();
