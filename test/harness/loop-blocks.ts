/**
 * How long this process held its event loop: the CPU time its main thread spent between two turns of a short
 * timer (Linux: /proc/thread-self/stat). The wall-clock delay of the same timer is kept beside it for the log, but
 * is no measure of the code under test on a loaded machine: it also counts the time other processes had the CPU
 * (a busy 2-core CI machine turned a ~1 s hold into 5 s of delay).
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

/** USER_HZ, the unit of the stat file's CPU times: 100 on every Linux the tests run on. */
const MS_PER_TICK = 10;

/** CPU time (user + system) of the calling thread, in ms, at a resolution of 10 ms. */
function threadCpuMs(): number {
  const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

export interface LoopBlocks {
  /** Stops watching; the longest hold seen in main-thread CPU time and in wall-clock delay (both ms). */
  stop(): { maxCpuMs: number; maxWallMs: number };
}

export function watchLoopBlocks(everyMs = 10): LoopBlocks {
  let maxCpuMs = 0;
  let maxWallMs = 0;
  let cpu = threadCpuMs();
  let wall = performance.now();
  const timer = setInterval(() => {
    const nowCpu = threadCpuMs();
    const nowWall = performance.now();
    maxCpuMs = Math.max(maxCpuMs, nowCpu - cpu);
    maxWallMs = Math.max(maxWallMs, nowWall - wall - everyMs);
    cpu = nowCpu;
    wall = nowWall;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { maxCpuMs, maxWallMs };
    },
  };
}
