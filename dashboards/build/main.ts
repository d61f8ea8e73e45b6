/**
 * Writes the Grafana dashboards to dashboards/json/ (`npx tsx dashboards/build/main.ts`), or with `--check`
 * exits 1 when a committed file differs from what dashboards/build/dashboards.ts builds.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildDashboards } from './dashboards.js';

export const JSON_DIR = fileURLToPath(new URL('../json/', import.meta.url));

export function serialise(dashboard: unknown): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

async function main(check: boolean): Promise<number> {
  let stale = 0;
  for (const [file, dashboard] of Object.entries(buildDashboards())) {
    const target = new URL(file, `file://${JSON_DIR}`);
    const wanted = serialise(dashboard);
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === wanted) continue;
    if (check) {
      process.stderr.write(`dashboards/json/${file} is out of date: run npx tsx dashboards/build/main.ts\n`);
      stale++;
    } else {
      await writeFile(target, wanted);
      process.stdout.write(`wrote dashboards/json/${file}\n`);
    }
  }
  return stale === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.includes('--check'));
}
