/**
 * Screenshots of a running Qingliu for the README: `npx tsx scripts/screenshots.ts URL API_KEY [OUT_DIR]`.
 * Uses Debian's chromium through playwright-core (no browser download).
 */
import path from 'node:path';
import { chromium } from 'playwright-core';

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
const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
// Sign in through the login screen, as a person would.
await page.goto(base);
await page.fill('input', key);
await page.click('button[type=submit], form button');
await page.waitForLoadState('networkidle');
const shots: [string, string][] = [
  ['overview', '#/'],
  ['station', '#/station/longdukou?range=7d'],
  ['plant', '#/station/wwtp2-effluent?range=7d'],
  ['alerts', '#/alerts'],
  ['compliance', '#/compliance'],
];
for (const [name, hash] of shots) {
  await page.goto(new URL(hash, base).toString());
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: path.join(out, `${name}.png`), fullPage: false });
  process.stderr.write(`${name}.png\n`);
}
await browser.close();
