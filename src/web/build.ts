/**
 * `npm run build:web` (`tsx src/web/build.ts [outDir]`): bundles the dashboard into `dist/src/web/public`, where
 * the compiled server (`dist/src/web/serve.js`, tsconfig.build.json's layout) looks for it. Run at image build
 * time, after `tsc`; running from the sources needs no build (serve.ts bundles in memory).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleDashboard, writeDashboard } from './bundle.js';

export const DEFAULT_OUT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/src/web/public');

export async function buildDashboard(outDir: string = DEFAULT_OUT_DIR): Promise<{ outDir: string; bytes: number; files: number }> {
  const files = await bundleDashboard();
  await writeDashboard(outDir, files);
  return { outDir, files: files.length, bytes: files.reduce((n, f) => n + f.contents.length, 0) };
}

// Run as a script, not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const result = await buildDashboard(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  process.stdout.write(
    `dashboard: ${result.files} files, ${(result.bytes / 1024).toFixed(0)} KiB → ${result.outDir} (${Math.round(performance.now() - started)} ms)\n`,
  );
}
