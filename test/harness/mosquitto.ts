import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './free-port.js';
import { managedProcess, type ManagedProcess } from './process.js';

export interface Mosquitto extends ManagedProcess {
  port: number;
  url: string;
  dir: string;
  /** Stops and starts the broker on the same port and persistence file. */
  restart(): Promise<void>;
  /** Stops the broker and removes its directory. */
  dispose(): Promise<void>;
}

/**
 * Starts Debian's real mosquitto on a free loopback port with a temp directory.
 * Persistence is on so that a restart keeps persistent sessions and queued QoS 1 messages, as in production.
 */
export async function startMosquitto(
  options: {
    maxQueuedMessages?: number;
    /** Mosquitto password_file and acl_file: anonymous clients are then refused. */
    auth?: { passwordFile: string; aclFile: string };
    /** Seconds between persistence saves (default 1; deploy/mosquitto/mosquitto.conf uses 30). */
    autosaveIntervalSeconds?: number;
  } = {},
): Promise<Mosquitto> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-mosquitto-'));
  // Started as root (CI), mosquitto drops to the `mosquitto` user: without this it cannot write its
  // persistence file into the root-owned 0700 temp dir, and a restart silently loses sessions and queues.
  fs.chmodSync(dir, 0o777);
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      ...(options.auth
        ? ['allow_anonymous false', `password_file ${options.auth.passwordFile}`, `acl_file ${options.auth.aclFile}`]
        : ['allow_anonymous true']),
      'persistence true',
      `persistence_location ${dir}/`,
      `autosave_interval ${options.autosaveIntervalSeconds ?? 1}`,
      // The default of 1000 queued messages per offline client would drop readings during an ingester outage.
      `max_queued_messages ${options.maxQueuedMessages ?? 0}`,
      'max_inflight_messages 0',
      'log_dest stdout',
      'log_type error',
      'log_type warning',
      'log_type notice',
      '',
    ].join('\n'),
  );
  const proc = managedProcess({
    command: '/usr/sbin/mosquitto',
    args: ['-c', conf],
    logFile: path.join(dir, 'mosquitto.log'),
    ready: () => waitForPort(port),
  });
  await proc.start();
  return Object.assign(proc, {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    async restart() {
      await proc.stop();
      await proc.start();
    },
    async dispose() {
      await proc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}

const PRODUCTION_CONF = path.resolve(import.meta.dirname, '../../deploy/mosquitto/mosquitto.conf');
/** The files `qingliu mqtt-auth` writes for the two listeners (src/broker/mosquitto-auth.ts LISTENER_FILES). */
const AUTH_FILES = ['passwordfile', 'aclfile', 'service-passwordfile', 'service-aclfile'];

export interface ProductionMosquitto extends ManagedProcess {
  dir: string;
  /** The station listener (1883 in production): client ids are replaced by usernames. */
  stationPort: number;
  stationUrl: string;
  /** Qingliu's own listener (1884 in production). */
  servicePort: number;
  serviceUrl: string;
  /** The TLS station listener (8883 in production), when `tls` was given. */
  tlsPort: number | undefined;
  /** Copies the auth files again (after a regeneration), then stops and starts the broker on the same ports. */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Runs deploy/mosquitto/mosquitto.conf itself — the production broker configuration — with the files that
 * `qingliu mqtt-auth` wrote to `authDir`. Container paths are mapped to a temp directory and each listener moves
 * to a free loopback port. The auth files are copied in, readable by the `mosquitto` user the broker drops to
 * when started as root (the compose service does the same copy). With `tls`, the commented TLS listener block is
 * enabled the way docs/deploy.md tells operators to (server.crt and server.key in `tls.certsDir`).
 */
export async function startProductionMosquitto(options: {
  authDir: string;
  tls?: { certsDir: string };
}): Promise<ProductionMosquitto> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-prod-mosquitto-'));
  fs.chmodSync(dir, 0o755);
  const authCopy = path.join(dir, 'auth');
  fs.mkdirSync(authCopy, { mode: 0o755 });
  fs.mkdirSync(path.join(dir, 'data'));
  fs.chmodSync(path.join(dir, 'data'), 0o777);
  const copyAuth = () => {
    for (const name of AUTH_FILES) {
      fs.copyFileSync(path.join(options.authDir, name), path.join(authCopy, name));
      fs.chmodSync(path.join(authCopy, name), 0o644);
    }
  };
  copyAuth();
  const [stationPort, servicePort] = [await freePort(), await freePort()];
  const tlsPort = options.tls ? await freePort() : undefined;
  const source = fs.readFileSync(PRODUCTION_CONF, 'utf8');
  let conf = source
    .replace(/^listener 1883$/m, `listener ${stationPort} 127.0.0.1`)
    .replace(/^listener 1884$/m, `listener ${servicePort} 127.0.0.1`)
    .replaceAll('/mosquitto/auth/', `${authCopy}/`)
    .replaceAll('/mosquitto/data/', `${dir}/data/`)
    .replaceAll('/mosquitto/certs/', `${options.tls?.certsDir ?? path.join(dir, 'certs')}/`);
  if (conf === source || !conf.includes(`listener ${servicePort} `))
    throw new Error(`${PRODUCTION_CONF}: listeners 1883 and 1884 not found`);
  if (options.tls) {
    // The TLS block: from "#listener 8883" up to its last authentication line (the client-certificate lines stay off).
    conf = conf.replace(
      /^#listener 8883\n(?:#(?:certfile|keyfile|tls_version|allow_anonymous|use_username_as_clientid|password_file|acl_file) .*\n)+/m,
      (block) => block.replace(/^#/gm, '').replace('listener 8883', `listener ${tlsPort} 127.0.0.1`),
    );
    if (!conf.includes(`listener ${tlsPort} `))
      throw new Error(`${PRODUCTION_CONF}: the TLS listener block was not found`);
  }
  const confFile = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(confFile, conf);
  const proc = managedProcess({
    command: '/usr/sbin/mosquitto',
    args: ['-c', confFile],
    logFile: path.join(dir, 'mosquitto.log'),
    ready: async () => {
      await waitForPort(stationPort);
      await waitForPort(servicePort);
      if (tlsPort) await waitForPort(tlsPort);
    },
  });
  await proc.start();
  return Object.assign(proc, {
    dir,
    stationPort,
    stationUrl: `mqtt://127.0.0.1:${stationPort}`,
    servicePort,
    serviceUrl: `mqtt://127.0.0.1:${servicePort}`,
    tlsPort,
    async restart() {
      await proc.stop();
      copyAuth();
      await proc.start();
    },
    async dispose() {
      await proc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}
