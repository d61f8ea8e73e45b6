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
