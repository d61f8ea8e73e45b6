/**
 * How long this process held its event loop: the CPU time its main thread spent between two turns of a short
 * timer. The wall-clock delay of the same timer is kept beside it for the log, but is no measure of the code under
 * test on a loaded machine: it also counts the time other processes had the CPU (beside busy processes on 2 cores,
 * a hold of 0.25 s of CPU showed as 5 s of delay).
 */
import { performance } from 'node:perf_hooks';
import { threadCpuMs } from './cpu-time.js';

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
