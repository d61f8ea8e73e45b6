/**
 * Copies the real monitoring data the tests use into test/fixtures/real/, gzipped (node:zlib, level 9, no
 * timestamp in the header: the same input always gives the same bytes), with the provenance file beside it.
 *
 *   npx tsx scripts/vendor-real-data.ts SOURCE_DIR
 *
 * SOURCE_DIR holds the CSV files and their SOURCES.md (origin, licence and sha256 of every file). Each file is
 * checked against that inventory before it is copied, so the repository holds exactly the published bytes.
 * The station list (cnemc_auto_stations_metadata_circa2013.csv) and the original .xlsx files carry no reading
 * the CSVs lack, and are left out.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const OUT = path.resolve(import.meta.dirname, '../test/fixtures/real');
const LEFT_OUT = new Set(['cnemc_auto_stations_metadata_circa2013.csv']);

const source = process.argv[2];
if (!source) {
  process.stderr.write('usage: npx tsx scripts/vendor-real-data.ts SOURCE_DIR\n');
  process.exit(2);
}
const sources = fs.readFileSync(path.join(source, 'SOURCES.md'), 'utf8');
/** `| file.csv | 5145659 | `d49e…` |` rows of the inventory table. */
const inventory = new Map(
  [...sources.matchAll(/^\| (\S+\.csv) \| (\d+) \| `([0-9a-f]{64})` \|$/gm)].map((m) => [m[1]!, m[3]!]),
);

fs.mkdirSync(OUT, { recursive: true });
let failed = false;
for (const name of fs
  .readdirSync(source)
  .filter((f) => f.endsWith('.csv') && !LEFT_OUT.has(f))
  .sort()) {
  const bytes = fs.readFileSync(path.join(source, name));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (inventory.get(name) !== sha256) {
    process.stderr.write(
      `${name}: sha256 ${sha256} is not the one SOURCES.md lists (${inventory.get(name) ?? 'none'})\n`,
    );
    failed = true;
    continue;
  }
  const gz = gzipSync(bytes, { level: 9 });
  fs.writeFileSync(path.join(OUT, `${name}.gz`), gz);
  process.stdout.write(`${name}: ${bytes.length} → ${gz.length} bytes\n`);
}
fs.copyFileSync(path.join(source, 'SOURCES.md'), path.join(OUT, 'SOURCES.md'));
fs.chmodSync(path.join(OUT, 'SOURCES.md'), 0o644);
process.exit(failed ? 1 : 0);
