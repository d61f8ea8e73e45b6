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

const PRODUCTION_CONF = path.resolve(import.meta.dirname, '../../deploy/haproxy/haproxy.cfg');

export interface ProductionHaproxy extends ManagedProcess {
  /** The HJ 212 frontend (9212 in production). */
  hj212Port: number;
  /** The API frontend (8080 in production). */
  apiPort: number;
  dir: string;
  dispose(): Promise<void>;
}

/**
 * Runs deploy/haproxy/haproxy.cfg itself — the compose scale profile's load balancer — with its frontends moved
 * to free loopback ports and its servers (`ingest-1:9212`, `api-2:8080` …) pointed at the given loopback ports,
 * in order (servers without a port are left out), without Docker's DNS resolver. Everything else (balancing, health checks, timeouts, redispatch) is the production file's.
 */
export async function startProductionHaproxy(options: { hj212: number[]; api: number[] }): Promise<ProductionHaproxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-prod-haproxy-'));
  const [hj212Port, apiPort] = [await freePort(), await freePort()];
  const source = fs.readFileSync(PRODUCTION_CONF, 'utf8');
  let conf = source
    .replace(/^(\s*bind) :9212$/m, `$1 127.0.0.1:${hj212Port}`)
    .replace(/^(\s*bind) :8080$/m, `$1 127.0.0.1:${apiPort}`)
    // The servers become IP addresses: nothing to ask Docker's DNS (which is not here) about.
    .replace(/^(\s*default-server .*) resolvers docker/m, '$1');
  const servers: [string, number[], number][] = [
    ['ingest', options.hj212, 9212],
    ['api', options.api, 8080],
  ];
  for (const [prefix, ports, production] of servers) {
    const lines = [...conf.matchAll(new RegExp(`^(\\s*server ${prefix}-(\\d+)) ${prefix}-\\d+:${production}$`, 'gm'))];
    if (lines.length < ports.length)
      throw new Error(`${PRODUCTION_CONF} has ${lines.length} ${prefix} servers; ${ports.length} ports were given`);
    // Fewer ports than servers (a benchmark's single instance): the servers left over are left out.
    for (const m of lines) {
      const port = ports[Number(m[2]) - 1];
      conf = conf.replace(m[0], port === undefined ? '' : `${m[1]} 127.0.0.1:${port}`);
    }
  }
  if (!conf.includes(`127.0.0.1:${hj212Port}`) || !conf.includes(`127.0.0.1:${apiPort}`))
    throw new Error(`${PRODUCTION_CONF}: the frontends "bind :9212" and "bind :8080" were not found`);
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, conf);
  const check = spawnSync('/usr/sbin/haproxy', ['-c', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`haproxy refused ${PRODUCTION_CONF}:\n${check.stdout}${check.stderr}`);
  }
  const proc = managedProcess({
    command: '/usr/sbin/haproxy',
    args: ['-db', '-f', file],
    logFile: path.join(dir, 'haproxy.log'),
    ready: async () => {
      await waitForPort(hj212Port);
      await waitForPort(apiPort);
    },
  });
  await proc.start();
  return Object.assign(proc, {
    hj212Port,
    apiPort,
    dir,
    async dispose() {
      await proc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}
