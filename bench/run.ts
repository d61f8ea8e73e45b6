/**
 * `npm run bench`: every benchmark in turn, each in its own process (they start their own mosquitto and
 * influxd), their JSON lines passed through to stdout. Options after `--` go to each benchmark.
 */
import { spawn } from 'node:child_process';

const BENCHMARKS = ['bench:ingest', 'bench:api', 'bench:hostile'];

let failed = 0;
for (const name of BENCHMARKS) {
  process.stderr.write(`\n== npm run ${name}\n`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn('npm', ['run', '-s', name, '--', ...process.argv.slice(2)], { stdio: 'inherit' });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    failed += 1;
    process.stderr.write(`${name} exited with ${code}\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
