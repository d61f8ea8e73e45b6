/**
 * The benchmarks run the real service as production does (`node dist/main.js` in the Docker image): src/main.ts
 * and what it imports compiled to JavaScript (no type check) into node_modules/.cache, where Node finds
 * node_modules. Shared by bench:ingest and bench:hj212.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '..');

/** Compiles src/main.ts into node_modules/.cache/<name>; returns the compiled entry point. */
export function compileMain(name = 'qingliu-bench'): string {
  const outDir = path.join(REPO, 'node_modules/.cache', name);
  fs.rmSync(outDir, { recursive: true, force: true });
  const tsc = path.join(REPO, 'node_modules/typescript/bin/tsc');
  const flags = [
    '--outDir',
    outDir,
    '--rootDir',
    REPO,
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
    '--target',
    'ES2022',
  ];
  execFileSync(
    process.execPath,
    [
      tsc,
      path.join(REPO, 'src/main.ts'),
      ...flags,
      '--skipLibCheck',
      '--esModuleInterop',
      '--resolveJsonModule',
      '--noCheck',
    ],
    {
      stdio: 'inherit',
    },
  );
  return path.join(outDir, 'src/main.js');
}
