import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './free-port.js';
import { managedProcess, type ManagedProcess } from './process.js';

export interface Haproxy extends ManagedProcess {
  /** The frontend port clients connect to. */
  port: number;
  dir: string;
  dispose(): Promise<void>;
}

/**
 * Starts Debian's real haproxy as a TCP load balancer (what sits in front of several HJ 212 receivers) on a free
 * loopback port, round-robin over `backends` (loopback ports), with health checks so a dead backend is skipped
 * within about a second. Configuration and log in a temp directory.
 */
export async function startHaproxy(options: { backends: number[]; checkIntervalMs?: number }): Promise<Haproxy> {
  if (options.backends.length === 0) throw new Error('haproxy needs at least one backend');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-haproxy-'));
  const port = await freePort();
  const inter = options.checkIntervalMs ?? 500;
  const conf = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(
    conf,
    [
      'global',
      '  maxconn 2000',
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 10m',
      '  timeout server 10m',
      // A connection refused by a backend that died is retried on another one.
      '  retries 3',
      '  option redispatch',
      'frontend hj212',
      `  bind 127.0.0.1:${port}`,
      '  default_backend receivers',
      'backend receivers',
      '  balance roundrobin',
      ...options.backends.map((p, i) => `  server r${i + 1} 127.0.0.1:${p} check inter ${inter} fall 2 rise 1`),
      '',
    ].join('\n'),
  );
  const check = spawnSync('/usr/sbin/haproxy', ['-c', '-f', conf], { encoding: 'utf8' });
  if (check.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`haproxy refused its configuration:\n${check.stdout}${check.stderr}`);
  }
  const proc = managedProcess({
    command: '/usr/sbin/haproxy',
    // -db: foreground, no daemon; the process is ours to stop.
    args: ['-db', '-f', conf],
    logFile: path.join(dir, 'haproxy.log'),
    ready: () => waitForPort(port),
  });
  await proc.start();
  return Object.assign(proc, {
    port,
    dir,
    async dispose() {
      await proc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}
