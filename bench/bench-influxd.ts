/**
 * Debian's influxd for the benchmarks, configured as the test harness runs it (test/harness/influxd.ts) except
 * that cold shards are written out and compacted within seconds.
 */
import { performance } from 'node:perf_hooks';
import { startInfluxd } from '../test/harness/influxd.js';
import type { ManagedProcess } from '../test/harness/process.js';

export interface BenchInfluxd {
  url: string;
  dir: string;
  process: ManagedProcess;
}

/**
 * The harness's influxd (test/harness/influxd.ts) with two differences: a shard's cache is written to TSM
 * after 2 s without writes instead of 10 min, and fully compacted after 5 s instead of 4 h. So the queries see
 * the 90 days the way a production server holds last quarter's data — compacted — not half of it still in the
 * write cache minutes after a bulk load.
 */
export async function startBenchInfluxd(): Promise<BenchInfluxd> {
  const influxd = await startInfluxd({
    data: ['cache-snapshot-write-cold-duration = "2s"', 'compact-full-write-cold-duration = "5s"'],
  });
  return { url: influxd.url, dir: influxd.dir, process: influxd };
}

/** Waits until every shard's cache is on disk and no compaction is running (eight polls in a row, 1 s apart). */
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
        // Running compactions only: 1.6.7 can report an optimize compaction as queued for good on a shard whose
        // one file is already fully compacted (seen after a busy seed), and never run it.
        if (series.name === 'tsm1_engine' && /Active$/.test(column)) busy += v;
        if (series.name === 'tsm1_cache' && column === 'memBytes') busy += v;
      });
    }
    quiet = busy === 0 ? quiet + 1 : 0;
    if (performance.now() - started > 15 * 60_000) throw new Error('influxd is still compacting after 15 minutes');
  }
  return (performance.now() - started) / 1000;
}

/** POSTs line protocol, resending while a busy 1.x answers 5xx ("cache-max-memory-size exceeded") until its cache is written out. */
export async function postLines(url: string, body: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    if (res.status === 204) return;
    const text = await res.text();
    if (attempt < 20 && res.status >= 500) {
      await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
      continue;
    }
    throw new Error(`write failed: HTTP ${res.status} ${text.slice(0, 300)}`);
  }
}
