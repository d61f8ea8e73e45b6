import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { bundleDashboard, readDashboard, writeDashboard } from '../../src/web/bundle.js';
import { DASHBOARD_CSP, mountDashboard } from '../../src/web/serve.js';
import { childCpuMs } from '../harness/cpu-time.js';

function appWith(options: Partial<Parameters<typeof mountDashboard>[1]> = {}) {
  const app = new Hono();
  const dashboard = mountDashboard(app, { logger: silentLogger(), ...options });
  return { app, dashboard };
}

async function assetPaths(app: Hono): Promise<{ script: string; style: string }> {
  const html = await (await app.request('/')).text();
  const script = /src="(assets\/[^"]+\.js)"/.exec(html)?.[1];
  const style = /href="(assets\/[^"]+\.css)"/.exec(html)?.[1];
  if (!script || !style) throw new Error(`no asset links in ${html}`);
  return { script, style };
}

describe('the dashboard bundle', () => {
  it('is one script and one stylesheet, hashed, small, and built in well under a second of CPU after warm-up', async () => {
    await bundleDashboard(); // the first call starts esbuild's service
    // CPU time (esbuild's service process and this one), not wall time: 45-75 ms of wall alone became 115-450 ms
    // beside busy processes, while the CPU stayed 60-110 ms.
    const service = [...childCpuMs('esbuild')];
    expect(service, "esbuild's service process").toHaveLength(1);
    const [pid, serviceBefore] = service[0]!;
    const ours = process.cpuUsage();
    const files = await bundleDashboard();
    const oursUsed = process.cpuUsage(ours);
    const cpuMs = childCpuMs('esbuild').get(pid)! - serviceBefore + (oursUsed.user + oursUsed.system) / 1000;
    expect(files.map((f) => f.path.replace(/-[A-Z0-9]{8}\./, '-HASH.')).sort()).toEqual([
      'assets/main-HASH.css',
      'assets/main-HASH.js',
      'index.html',
    ]);
    const js = files.find((f) => f.path.endsWith('.js'))!;
    // uPlot is ~50 KiB minified; the dashboard itself must stay small (no framework, no chart giant).
    expect(js.contents.length).toBeLessThan(200 * 1024);
    expect(cpuMs).toBeLessThan(1000);
  });

  it('contains nothing that would fetch from elsewhere (no CDN, no web fonts)', async () => {
    const files = await bundleDashboard();
    for (const f of files) {
      const text = new TextDecoder().decode(f.contents);
      expect(text).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)[a-z0-9.-]+\.[a-z]{2,}\//i);
      expect(text).not.toMatch(/@import|@font-face/);
    }
  });

  it('round-trips through a folder (npm run build:web → dist/src/web/public)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-web-'));
    try {
      const files = await bundleDashboard();
      await writeDashboard(dir, files);
      const back = await readDashboard(dir);
      expect(back?.map((f) => f.path).sort()).toEqual(files.map((f) => f.path).sort());
      expect(await readDashboard(path.join(dir, 'nothing-here'))).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mountDashboard', () => {
  const { app, dashboard } = appWith();
  beforeAll(async () => {
    expect(await dashboard.warm()).toBe(true);
  });

  it('serves the page at / with a CSP, revalidated on every load', async () => {
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(res.headers.get('etag')).toMatch(/^".+"$/);
    const html = await res.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('name="viewport"');
    expect((await app.request('/index.html')).status).toBe(200);
  });

  it("writes the server's settings into the page: its time zone, demo mode, how keys are made here", async () => {
    const { app: withPage } = appWith({
      page: { timeZone: 'Europe/Berlin', demo: true, keysCommand: 'npm run -s qingliu -- keys add --name "x" <y>' },
    });
    const html = await (await withPage.request('/')).text();
    expect(html).toContain('<meta name="qingliu-time-zone" content="Europe/Berlin">');
    expect(html).toContain('<meta name="qingliu-demo" content="on">');
    expect(html).toContain(
      '<meta name="qingliu-keys-command" content="npm run -s qingliu -- keys add --name &quot;x&quot; &lt;y&gt;">',
    );
    // Still no inline script: settings are data, read by the bundle.
    expect(html).not.toMatch(/<script(?![^>]*src=)/);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const etag = (await app.request('/')).headers.get('etag')!;
    const res = await app.request('/', { headers: { 'If-None-Match': etag } });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe('');
  });

  it('serves hashed assets for a year, immutable, gzipped when accepted', async () => {
    const { script, style } = await assetPaths(app);
    const plain = await app.request(`/${script}`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.get('content-encoding')).toBeNull();
    const body = new Uint8Array(await plain.arrayBuffer());

    const gz = await app.request(`/${script}`, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toBe('Accept-Encoding');
    const zipped = new Uint8Array(await gz.arrayBuffer());
    expect(zipped.length).toBeLessThan(body.length / 2);
    expect(new Uint8Array(gunzipSync(zipped))).toEqual(body);

    const css = await app.request(`/${style}`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('404s for anything the bundle did not produce, and never reads a path from the request', async () => {
    expect((await app.request('/assets/nope.js')).status).toBe(404);
    expect((await app.request('/assets/..%2Fserve.ts')).status).toBe(404);
    expect((await app.request('/assets/%2e%2e%2f%2e%2e%2fpackage.json')).status).toBe(404);
  });
});

describe('a prebuilt bundle (the Docker image, without esbuild)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-web-'));
    await writeDashboard(dir, await bundleDashboard());
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is served from the folder', async () => {
    const { app } = appWith({ source: 'prebuilt', prebuiltDir: dir });
    const { script } = await assetPaths(app);
    expect((await app.request(`/${script}`)).status).toBe(200);
  });

  it('is missing: / is a 503 page saying how to build it, in both languages', async () => {
    const { app, dashboard } = appWith({ source: 'prebuilt', prebuiltDir: path.join(dir, 'missing') });
    expect(await dashboard.warm()).toBe(false);
    const res = await app.request('/');
    expect(res.status).toBe(503);
    const html = await res.text();
    expect(html).toContain('npm run build:web');
    expect(html).toContain('看板尚未构建');
  });
});
