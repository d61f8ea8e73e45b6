/**
 * Runs the service as a user does — `npm start` from the checkout, or `node --import tsx src/main.ts` — as a real
 * child process in its own process group (like a terminal's foreground job, so `interrupt()` is a Ctrl-C: SIGINT
 * to the whole group), with a clean environment and its output collected.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface MainProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the output once `pattern` appears in it; rejects after `timeoutMs` or when the process exits. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Ctrl-C at a terminal: SIGINT to every process of the group (npm, the shell, node). */
  interrupt(): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the group, for cleanup. */
  kill(): void;
}

/** The environment a person has at a shell, without anything the test runner set (MQTT_URL from a CI, …). */
function baseEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'NODE_EXTRA_CA_CERTS'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

/**
 * Whether the settings start demo mode (src/config.ts isDemo), whose HJ 212 gateway would take its default port
 * 9212: the tests give it a port the OS picks instead, unless they set one.
 */
function demoMode(env: Record<string, string>): boolean {
  return env.DEMO === 'on' || (env.DEMO !== 'off' && !env.MQTT_URL && !env.INFLUX_URL);
}

export function startMain(
  env: Record<string, string>,
  options: { via: 'npm' | 'node' } = { via: 'node' },
): MainProcess {
  const [command, args] =
    options.via === 'npm' ? ['npm', ['start']] : [process.execPath, ['--import', 'tsx', 'src/main.ts']];
  const child = spawn(command, args as string[], {
    cwd: process.cwd(),
    env: { ...baseEnv(), ...(demoMode(env) && { HJ212_PORT: '0' }), ...env },
    // A process group of its own, as a shell gives a foreground job.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let all = '';
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    all += chunk.toString();
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    all += chunk.toString();
    notify();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      notify();
    }),
  );
  let done = false;
  void exited.then(() => (done = true));

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };

  return {
    child,
    output: () => all,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = all.match(pattern);
          if (match) {
            cleanup();
            resolve(match);
          } else if (done) {
            cleanup();
            reject(new Error(`exited before ${pattern} appeared:\n${all.slice(-3000)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${pattern} did not appear within ${timeoutMs} ms:\n${all.slice(-3000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    interrupt: () => signalGroup('SIGINT'),
    exited,
    kill: () => signalGroup('SIGKILL'),
  };
}

/** The admin key from the start-up banner. */
export function bannerAdminKey(output: string): string {
  const match = output.match(/Admin key: (\S+)/);
  if (!match) throw new Error(`no admin key in the banner:\n${output.slice(-2000)}`);
  return match[1]!;
}
