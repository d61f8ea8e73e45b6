import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** A child process whose output goes to a log file (read it when a test fails), stoppable and restartable. */
export interface ManagedProcess {
  readonly logFile: string;
  start(): Promise<void>;
  /** SIGTERM and wait; SIGKILL after `graceMs`. Safe when already stopped. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a process that hangs without closing its sockets (a frozen broker or database). */
  pause(): void;
  resume(): void;
  readonly running: boolean;
  /** The running child's pid, undefined when stopped. */
  readonly pid: number | undefined;
}

export function managedProcess(opts: {
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  ready: () => Promise<void>;
  /** Run as this user (a server that refuses root, e.g. PostgreSQL, when the tests run as root in CI). */
  user?: { uid: number; gid: number };
  /** The signal of a clean stop (default SIGTERM; PostgreSQL's "fast" shutdown is SIGINT). */
  stopSignal?: NodeJS.Signals;
}): ManagedProcess {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const terminate = async (signal: NodeJS.Signals, graceMs: number) => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    current.kill(signal);
    current.kill('SIGCONT'); // a paused process acts on SIGTERM only once it runs again
    const timer = setTimeout(() => current.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    child = undefined;
  };

  return {
    logFile: opts.logFile,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    get pid() {
      return child !== undefined && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    async start() {
      const out = fs.openSync(opts.logFile, 'a');
      const spawned = spawn(opts.command, opts.args, {
        stdio: ['ignore', out, out],
        env: opts.env ?? process.env,
        ...(opts.user && { uid: opts.user.uid, gid: opts.user.gid }),
      });
      fs.closeSync(out);
      child = spawned;
      exited = new Promise((resolve) => spawned.once('exit', () => resolve()));
      let startError: Error | undefined;
      spawned.once('error', (err) => (startError = err));
      try {
        await opts.ready();
      } catch (err) {
        await terminate('SIGKILL', 0);
        const log = fs.existsSync(opts.logFile) ? fs.readFileSync(opts.logFile, 'utf8').slice(-2000) : '';
        throw new Error(`${opts.command} did not become ready: ${String(startError ?? err)}\n${log}`, { cause: err });
      }
    },
    stop: (graceMs = 10_000) => terminate(opts.stopSignal ?? 'SIGTERM', graceMs),
    kill: () => terminate('SIGKILL', 0),
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
  };
}
