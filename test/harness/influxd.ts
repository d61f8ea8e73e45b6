import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import { managedProcess, type ManagedProcess } from './process.js';

export interface Influxd extends ManagedProcess {
  port: number;
  url: string;
  dir: string;
  dispose(): Promise<void>;
}

async function waitForPing(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/ping`);
      if (res.status === 204) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`influxd at ${url} did not answer /ping within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface InfluxdOptions {
  /** Extra settings of the `[data]` section, e.g. `cache-snapshot-write-cold-duration = "2s"` (benchmarks). */
  data?: string[];
}

/** Starts Debian's real influxd (1.6.7, v1 HTTP API) on free loopback ports with a temp data directory. */
export async function startInfluxd(options: InfluxdOptions = {}): Promise<Influxd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-influxd-'));
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
${(options.data ?? []).map((line) => `  ${line}\n`).join('')}[monitor]
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
    ready: () => waitForPing(url),
  });
  await proc.start();
  return Object.assign(proc, {
    port,
    url,
    dir,
    async dispose() {
      await proc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}
