/**
 * What the benchmarks that run the real service as a child process share: their numeric options, the percentile
 * they report, the child's memory from /proc, and stopping it as production does (SIGTERM, then wait).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { processCpuMs } from '../test/harness/cpu-time.js';

/** `--name N`: a positive number, or `fallback` when the option is absent. */
export function positiveOption(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

/** Nearest-rank percentile of ascending values; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** CPU seconds a process has used so far (user + system); throws when it is gone. */
export function cpuSeconds(pid: number): number {
  const ms = processCpuMs(pid);
  if (ms === undefined) throw new Error(`process ${pid} is gone: no /proc/${pid}/stat`);
  return ms / 1000;
}

/** A process's resident memory in MB: now (VmRSS) and its peak so far (VmHWM). */
export function memoryMb(pid: number): { peak: number; current: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peak: kb('VmHWM') / 1024, current: kb('VmRSS') / 1024 };
}

/** SIGTERM to a child still running, and its exit awaited (the service drains its spool on the way out). */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
