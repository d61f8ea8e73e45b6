/**
 * Debian's influxd for the benchmarks, configured as the test harness runs it (test/harness/influxd.ts) except
 * that cold shards are written out and compacted within seconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../test/harness/free-port.js';
import { managedProcess, type ManagedProcess } from '../test/harness/process.js';

export interface BenchInfluxd {
  url: string;
  dir: string;
  process: ManagedProcess;
}

/**
 * The harness's configuration (test/harness/influxd.ts) with two differences: a shard's cache is written to TSM
 * after 2 s without writes instead of 10 min, and fully compacted after 5 s instead of 4 h. So the queries see
 * the 90 days the way a production server holds last quarter's data — compacted — not half of it still in the
 * write cache minutes after a bulk load.
 */
export async function startBenchInfluxd(): Promise<BenchInfluxd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-bench-influxd-'));
  const port = await freePort();
  const rpcPort = await freePort();
  const conf = path.join(dir, 'influxdb.conf');
  fs.writeFileSync(
    conf,
    `reporting-enabled = false
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
  logging-enabled = false
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
  index-version = "inmem"
  cache-snapshot-write-cold-duration = "2s"
  compact-full-write-cold-duration = "5s"
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
  max-body-size = 0
[logging]
  level = "warn"
  suppress-logo = true
[continuous_queries]
  enabled = false
`,
  );
  const url = `http://127.0.0.1:${port}`;
  const proc = managedProcess({
    command: '/usr/bin/influxd',
    args: ['run', '-config', conf],
    logFile: path.join(dir, 'influxd.log'),
    ready: async () => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          if ((await fetch(`${url}/ping`)).status === 204) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`influxd at ${url} did not answer /ping`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  });
  await proc.start();
  return { url, dir, process: proc };
}

/** Waits until every shard's cache is on disk and no compaction is queued or running (eight polls in a row, 1 s apart). */
export async function waitForCompactions(url: string, db: string): Promise<number> {
  const started = performance.now();
  let quiet = 0;
  // Longer than compact-full-write-cold-duration, so a full compaction that is about to start is waited for too.
  while (quiet < 8) {
    await new Promise((r) => setTimeout(r, 1000));
    const res = await fetch(`${url}/query?${new URLSearchParams({ q: 'SHOW STATS' })}`);
    const body = (await res.json()) as {
      results: { series?: { name: string; tags?: Record<string, string>; columns: string[]; values: number[][] }[] }[];
    };
    let busy = 0;
    for (const series of body.results[0]?.series ?? []) {
      if (series.tags?.database !== db) continue;
      series.columns.forEach((column, i) => {
        const v = series.values[0]?.[i] ?? 0;
        if (series.name === 'tsm1_engine' && /(Active|Queue)$/.test(column)) busy += v;
        if (series.name === 'tsm1_cache' && column === 'memBytes') busy += v;
      });
    }
    quiet = busy === 0 ? quiet + 1 : 0;
    if (performance.now() - started > 15 * 60_000) throw new Error('influxd is still compacting after 15 minutes');
  }
  return (performance.now() - started) / 1000;
}
