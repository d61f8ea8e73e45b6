/**
 * A clone must test itself with nothing beside it: no code, test, benchmark, script or simulator file may reach
 * outside the repository for data (the real data the tests use is vendored in test/fixtures/real/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FOLDERS = ['src', 'test', 'bench', 'scripts', 'sensors'];
/** Where the reference material lived beside the repository while Qingliu was written. */
const OUTSIDE = /\.\.\/shared\b|\bshared\/data\//;

function* files(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (/\.(ts|js|mjs|json|ya?ml|sh)$/.test(entry.name)) yield full;
  }
}

describe('the repository is self-contained', () => {
  it(`nothing in ${FOLDERS.join(', ')} refers to data beside the repository`, () => {
    const offenders: string[] = [];
    for (const folder of FOLDERS)
      for (const file of files(path.join(ROOT, folder))) {
        if (file === fileURLToPath(import.meta.url)) continue;
        fs.readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (OUTSIDE.test(line)) offenders.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
          });
      }
    expect(offenders).toEqual([]);
  });
});
