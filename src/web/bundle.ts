/**
 * Bundles the dashboard (src/web/app/) with esbuild: one JS file, one CSS file, both named by content hash so the
 * browser may cache them for a year, and the index.html that names them. In memory (`bundleDashboard`) for
 * `npm start`/`npm test` from the sources, or written to a folder (`writeDashboard`) at build time for images
 * that ship without esbuild. esbuild is a dev dependency, so it is imported only when a bundle is made.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexHtml } from './index-html.js';

/** One file of the built dashboard; `path` is relative to the dashboard root (`index.html`, `assets/…`). */
export interface DashboardFile {
  path: string;
  contents: Uint8Array;
}

export interface BundleOptions {
  /** Folder holding `main.ts`; default `app/` beside this module. */
  sourceDir?: string;
  /** Default true; false keeps names and whitespace for debugging. */
  minify?: boolean;
}

export const ASSETS_DIR = 'assets';

/** The dashboard sources beside this module; absent in a compiled `dist/` (tsc emits no `.ts`). */
export function defaultSourceDir(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'app');
}

export async function bundleDashboard(options: BundleOptions = {}): Promise<DashboardFile[]> {
  const sourceDir = options.sourceDir ?? defaultSourceDir();
  const esbuild = await import('esbuild');
  const outdir = path.join(sourceDir, '__out__');
  const result = await esbuild.build({
    entryPoints: [path.join(sourceDir, 'main.ts')],
    bundle: true,
    format: 'esm',
    // ES2020: Chrome/Edge 80+, Firefox 74+, Safari 14+ — every bureau PC and phone we expect; newer syntax is lowered.
    target: 'es2020',
    minify: options.minify ?? true,
    sourcemap: false,
    legalComments: 'none',
    entryNames: '[name]-[hash]',
    outdir,
    write: false,
    logLevel: 'silent',
    // The pure domain modules are shared with the server; nothing from Node may reach the bundle.
    platform: 'browser',
  });
  const files: DashboardFile[] = result.outputFiles.map((f) => ({
    path: `${ASSETS_DIR}/${path.relative(outdir, f.path).split(path.sep).join('/')}`,
    contents: f.contents,
  }));
  const script = files.find((f) => f.path.endsWith('.js'));
  const style = files.find((f) => f.path.endsWith('.css'));
  if (!script || !style) throw new Error('the dashboard bundle lacks its script or its stylesheet');
  const html = indexHtml({ script: script.path, style: style.path });
  return [{ path: 'index.html', contents: new TextEncoder().encode(html) }, ...files];
}

/** Writes a bundle to `outDir`, replacing what was there. */
export async function writeDashboard(outDir: string, files: readonly DashboardFile[]): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  for (const file of files) {
    const target = path.join(outDir, ...file.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.contents);
  }
}

/** Reads a bundle written by `writeDashboard`; undefined when `dir` holds none. */
export async function readDashboard(dir: string): Promise<DashboardFile[] | undefined> {
  let names: string[];
  try {
    names = await readdir(path.join(dir, ASSETS_DIR));
  } catch {
    return undefined;
  }
  const files: DashboardFile[] = [];
  try {
    files.push({ path: 'index.html', contents: new Uint8Array(await readFile(path.join(dir, 'index.html'))) });
  } catch {
    return undefined;
  }
  for (const name of names) {
    files.push({ path: `${ASSETS_DIR}/${name}`, contents: new Uint8Array(await readFile(path.join(dir, ASSETS_DIR, name))) });
  }
  return files;
}
