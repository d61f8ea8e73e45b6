/**
 * Smallest and largest value of every parameter in every file of real readings, per file and per station status,
 * in canonical units, as a Markdown table (docs/standards.md, "Parameter ranges"):
 *
 *   npx tsx scripts/real-data-ranges.ts test/fixtures/real
 *
 * Reads `*.csv` and `*.csv.gz`; a `<name>.map.yaml` beside a file says how to read it (sensors/SIMULATOR.md,
 * mapping), otherwise every station of the file is read as its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parameter } from '../src/domain/parameters.js';
import { loadMapping, NO_STATUS, parseInlineMapping, valueRanges } from '../sensors/replay/index.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: npx tsx scripts/real-data-ranges.ts DIR\n');
  process.exit(2);
}

const fmt = (n: number) => (Math.abs(n) >= 1e6 ? n.toExponential(3) : String(n));
const lines = ['| file | parameter | status | n | min | max |', '| --- | --- | --- | ---: | ---: | ---: |'];
for (const file of fs
  .readdirSync(dir)
  .filter((f) => /\.csv(\.gz)?$/.test(f))
  .sort()) {
  const name = file.replace(/\.gz$/, '');
  const bytes = fs.readFileSync(path.join(dir, file));
  const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  const mapFile = path.join(dir, name.replace(/\.csv$/, '.map.yaml'));
  const mapping = fs.existsSync(mapFile) ? await loadMapping(mapFile) : parseInlineMapping('*');
  const { ranges } = valueRanges(text, mapping);
  for (const [code, byStatus] of ranges) {
    const p = parameter(code);
    for (const [status, r] of [...byStatus].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(
        `| ${name} | ${code}${p.unit ? ` (${p.unit})` : ''} | ${status === NO_STATUS ? '—' : status} | ${r.count} | ${fmt(r.min)} | ${fmt(r.max)} |`,
      );
    }
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
