/**
 * Mounts the dashboard on the HTTP app: `/` (and `/index.html`) and the hashed files under `/assets/`.
 *
 * Where the files come from: with the sources beside this module (running from `src/` with tsx: `npm start`,
 * `npm test`), they are bundled in memory with esbuild on first use (well under a second), so a fresh clone
 * needs no build step and never serves a stale bundle. Without them (the compiled `dist/` of the Docker image,
 * where esbuild is not installed), the bundle written at build time by `npm run build:web` is served.
 *
 * Caching: asset names carry a content hash, so assets are cached for a year (`immutable`); the page itself is
 * revalidated on every load (`no-cache` + ETag), so a new version is picked up at once. Everything is held
 * gzipped in memory and sent gzipped to clients that accept it.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Context, Env, Hono, Schema } from 'hono';
import type { Logger } from '../logger.js';
import { bundleDashboard, defaultSourceDir, readDashboard, type DashboardFile } from './bundle.js';

export interface DashboardOptions {
  logger: Logger;
  /**
   * `auto` (default): bundle the sources when present, else serve the prebuilt folder. `sources` / `prebuilt`
   * force one (tests use `prebuilt` to check what the image serves).
   */
  source?: 'auto' | 'sources' | 'prebuilt';
  /** Folder of the prebuilt bundle; default `public/` beside this module (`dist/src/web/public`). */
  prebuiltDir?: string;
  /** Folder of the sources; default `app/` beside this module. */
  sourceDir?: string;
  /**
   * What the page needs to know about this server before it asks the API anything, written into the page as
   * `<meta name="qingliu-…">`: the zone times are shown in (TIMEZONE — the API's too), whether this is the demo,
   * and how a key is created here (the login screen says so).
   */
  page?: PageSettings;
}

export interface PageSettings {
  timeZone: string;
  demo?: boolean;
  keysCommand?: string;
}

const escapeAttribute = (v: string) =>
  v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The page with the server's settings in meta tags (read by app/settings.ts). */
function withSettings(index: DashboardFile, page: PageSettings | undefined): DashboardFile {
  if (!page) return index;
  const meta = [
    ['qingliu-time-zone', page.timeZone],
    ['qingliu-demo', page.demo ? 'on' : 'off'],
    ...(page.keysCommand ? [['qingliu-keys-command', page.keysCommand]] : []),
  ]
    .map(([name, content]) => `  <meta name="${name}" content="${escapeAttribute(content!)}">\n`)
    .join('');
  const html = new TextDecoder().decode(index.contents).replace('</head>', `${meta}</head>`);
  return { ...index, contents: new TextEncoder().encode(html) };
}

export interface Dashboard {
  /** Builds or loads the bundle now instead of on the first request (e.g. during start-up); never rejects. */
  warm(): Promise<boolean>;
}

interface ServedFile {
  contentType: string;
  body: Uint8Array;
  gzip: Uint8Array;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

// Scripts and styles from this server only; uPlot sets inline styles on its elements, hence 'unsafe-inline' for
// styles. connect-src 'self': the dashboard talks to this API and nothing else (no CDN, no tiles, no telemetry).
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const ASSET_CACHE = 'public, max-age=31536000, immutable';
const PAGE_CACHE = 'no-cache';

/** `public/` beside this module: `dist/src/web/public` once compiled. */
export function defaultPrebuiltDir(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');
}

function toServed(file: DashboardFile): ServedFile {
  const ext = path.extname(file.path);
  return {
    contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
    body: file.contents,
    gzip: new Uint8Array(gzipSync(file.contents, { level: 9 })),
    etag: `"${createHash('sha256').update(file.contents).digest('base64url').slice(0, 27)}"`,
  };
}

const UNAVAILABLE_HTML = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>清流 · Qingliu</title>
<p>看板尚未构建：请运行 <code>npm run build:web</code>，或从源码运行（<code>npm start</code>）。</p>
<p>The dashboard is not built: run <code>npm run build:web</code>, or run from the sources (<code>npm start</code>).</p>
<p>API: <a href="docs">/docs</a></p></html>`;

export function mountDashboard<E extends Env, S extends Schema, B extends string>(
  app: Hono<E, S, B>,
  options: DashboardOptions,
): Dashboard {
  const log = options.logger.child({ component: 'dashboard' });
  const sourceDir = options.sourceDir ?? defaultSourceDir();
  const prebuiltDir = options.prebuiltDir ?? defaultPrebuiltDir();
  let loading: Promise<Map<string, ServedFile> | undefined> | undefined;

  async function load(): Promise<Map<string, ServedFile> | undefined> {
    const mode = options.source ?? 'auto';
    const useSources = mode === 'sources' || (mode === 'auto' && existsSync(path.join(sourceDir, 'main.ts')));
    try {
      const started = performance.now();
      const files = useSources ? await bundleDashboard({ sourceDir }) : await readDashboard(prebuiltDir);
      if (!files) {
        log.error({ dir: prebuiltDir }, 'the dashboard is not built (npm run build:web); / answers 503');
        return undefined;
      }
      const served = new Map(
        files.map((f) => [f.path, toServed(f.path === 'index.html' ? withSettings(f, options.page) : f)]),
      );
      log.debug(
        { from: useSources ? 'sources' : prebuiltDir, ms: Math.round(performance.now() - started) },
        'dashboard ready',
      );
      return served;
    } catch (err) {
      log.error({ err }, 'building the dashboard failed; / answers 503');
      return undefined;
    }
  }

  const files = () => (loading ??= load());

  function send(c: Context<E>, file: ServedFile, cacheControl: string, extra: Record<string, string> = {}): Response {
    const headers: Record<string, string> = {
      'Content-Type': file.contentType,
      'Cache-Control': cacheControl,
      ETag: file.etag,
      Vary: 'Accept-Encoding',
      ...extra,
    };
    const inm = c.req.header('if-none-match');
    if (inm !== undefined && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === file.etag)) {
      return c.body(null, 304, headers);
    }
    const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    const body = gzip ? file.gzip : file.body;
    if (gzip) headers['Content-Encoding'] = 'gzip';
    return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
  }

  async function page(c: Context<E>): Promise<Response> {
    const index = (await files())?.get('index.html');
    if (!index) return c.html(UNAVAILABLE_HTML, 503, { 'Cache-Control': 'no-store', 'Retry-After': '60' });
    return send(c, index, PAGE_CACHE, {
      'Content-Security-Policy': DASHBOARD_CSP,
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
    });
  }

  app.get('/', page);
  app.get('/index.html', page);
  app.get('/assets/:file', async (c) => {
    // Only names the bundle produced are looked up: nothing from the request reaches the file system.
    const file = (await files())?.get(`assets/${c.req.param('file')}`);
    if (!file) return c.notFound();
    return send(c, file, ASSET_CACHE);
  });

  return {
    async warm() {
      return (await files()) !== undefined;
    },
  };
}
