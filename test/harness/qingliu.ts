import fs from 'node:fs';
import path from 'node:path';
import { managedProcess, type ManagedProcess } from './process.js';

const REPO = path.resolve(import.meta.dirname, '../..');

export interface QingliuProcess extends ManagedProcess {
  readonly name: string;
  /** `http://127.0.0.1:PORT` — the same port across restarts. */
  readonly origin: string;
  readonly port: number;
  readonly dataDir: string;
  /** The pid of the running process (undefined when stopped): whom `pg_stat_activity` names. */
  readonly pid: number | undefined;
  /** The log lines (JSON) written since the process was last started. */
  logSinceStart(): string;
  /** Every log line of every run (the log file is appended to across restarts). */
  log(): string;
}

/**
 * The real `src/main.ts` (`node --import tsx`) in a child process with its own DATA_DIR and a fixed loopback HTTP
 * port, logging JSON lines to a file; ready once it logged `started` (every role logs it, whatever its
 * readiness checks need). Restartable on the same port and data directory, as a supervisor (compose, systemd)
 * restarts a container: `kill()` is a `kill -9`, `start()` again replays its spool.
 */
export function qingliuProcess(options: {
  name: string;
  port: number;
  dataDir: string;
  env: Record<string, string>;
  /** How long start-up may take (a loaded 2-core machine starting six of them at once is slow). */
  readyTimeoutMs?: number;
}): QingliuProcess {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const logFile = path.join(options.dataDir, `${options.name}.log`);
  let startOffset = 0;
  const read = (from: number) => {
    try {
      const buffer = fs.readFileSync(logFile);
      return buffer.subarray(from).toString('utf8');
    } catch {
      return '';
    }
  };
  const proc = managedProcess({
    command: process.execPath,
    args: ['--import', 'tsx', path.join(REPO, 'src/main.ts')],
    logFile,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: String(options.port),
      DATA_DIR: options.dataDir,
      DEMO: 'off',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      LOG_FILE: 'off',
      ...options.env,
    },
    ready: async () => {
      const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
      for (;;) {
        const text = read(startOffset);
        if (text.includes('"msg":"started"')) return;
        if (text.includes('start-up failed')) throw new Error(`${options.name} failed to start`);
        if (Date.now() > deadline) throw new Error(`${options.name} did not log "started" in time`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  });
  return {
    name: options.name,
    origin: `http://127.0.0.1:${options.port}`,
    port: options.port,
    dataDir: options.dataDir,
    logFile,
    get running() {
      return proc.running;
    },
    get pid() {
      return proc.pid;
    },
    async start() {
      startOffset = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
      await proc.start();
    },
    stop: (graceMs) => proc.stop(graceMs),
    kill: () => proc.kill(),
    pause: () => proc.pause(),
    resume: () => proc.resume(),
    logSinceStart: () => read(startOffset),
    log: () => read(0),
  };
}
