/**
 * The README's test command starts with scripts/setup-debian.sh: it must install what `npm ci` needs to compile
 * better-sqlite3 when no prebuilt binary can be fetched, and the README's prerequisites must say so.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const script = fs.readFileSync(`${ROOT}scripts/setup-debian.sh`, 'utf8');
const readme = fs.readFileSync(`${ROOT}README.md`, 'utf8');

function installedPackages(): string[] {
  const line = script.split('\n').find((l) => /apt-get install/.test(l));
  if (!line) throw new Error('no apt-get install line in scripts/setup-debian.sh');
  return line
    .replace(/>.*$/, '')
    .split(/\s+/)
    .filter((word) => /^[a-z0-9][a-z0-9+.-]*$/.test(word) && !['apt-get', 'install'].includes(word));
}

describe('scripts/setup-debian.sh', () => {
  it('is valid bash', () => {
    execFileSync('bash', ['-n', `${ROOT}scripts/setup-debian.sh`]);
  });

  it('installs the services the tests start and the toolchain that builds better-sqlite3 from source', () => {
    expect(installedPackages()).toEqual(
      expect.arrayContaining(['mosquitto', 'influxdb', 'chromium', 'docker-compose', 'g++', 'make', 'python3']),
    );
  });

  it('is what the README prerequisites point to, and they name the toolchain', () => {
    const prerequisites = readme.slice(readme.indexOf('Prerequisites:'), readme.indexOf('**1.'));
    for (const tool of ['C++ compiler', '`make`', '`python3`', 'better-sqlite3', 'scripts/setup-debian.sh'])
      expect(prerequisites).toContain(tool);
  });
});
