import { existsSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../harness/free-port.js';
import { fixtureRoutes } from './fixture-routes.js';
import { createTestApp } from './test-app.js';

// Debian's chromium; the test is skipped where it is not installed.
const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('/docs renders in a real browser, with nothing fetched from elsewhere', () => {
  let server: ServerType;
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    const t = createTestApp({ routes: [fixtureRoutes({ now: () => Date.now() })] });
    const port = await freePort();
    await new Promise<void>((resolve) => {
      server = serve({ fetch: t.app.fetch, port, hostname: '127.0.0.1' }, () => resolve());
    });
    base = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('shows every operation and the Authorize button; no external request, no console error', async () => {
    const page = await browser.newPage();
    const external: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) external.push(r.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${base}/docs`);
    await page.waitForSelector('.opblock');
    expect(await page.locator('.opblock').count()).toBe(9);
    expect(await page.locator('.info .title').innerText()).toContain('Qingliu');
    expect(await page.locator('.btn.authorize').count()).toBe(1);
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
  });
});
