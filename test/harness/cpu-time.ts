/**
 * CPU time from Linux's /proc, for bounds that must hold on a loaded machine: wall time there also counts the time
 * other processes had the CPU. Resolution 10 ms (USER_HZ, 100 on every Linux the tests run on).
 */
import fs from 'node:fs';

/** USER_HZ: the unit of /proc/stat's and /proc/PID/stat's CPU times (100 on Linux for every architecture). */
export const CLOCK_TICKS = 100;
const MS_PER_TICK = 1000 / CLOCK_TICKS;

/** utime + stime of a /proc stat line, in ms; undefined for a process that is gone. */
function statCpuMs(file: string): { ppid: number; name: string; cpuMs: number } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: the fields after it start after its last ')'. There,
  // field 3 (state) is index 0, so ppid (4) is 1, utime (14) is 11 and stime (15) is 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    ppid: Number(fields[1]),
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    cpuMs: (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK,
  };
}

/** CPU time (user + system, all threads) of process `pid` so far; undefined when it is gone. */
export function processCpuMs(pid: number): number | undefined {
  return statCpuMs(`/proc/${pid}/stat`)?.cpuMs;
}

/** CPU time of the calling thread (the event loop's, called from it). */
export function threadCpuMs(): number {
  return statCpuMs('/proc/thread-self/stat')!.cpuMs;
}

/** CPU time of this process's children named `name` (e.g. esbuild's service), by pid; empty when there is none. */
export function childCpuMs(name: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statCpuMs(`/proc/${entry}/stat`);
    if (stat?.ppid === process.pid && stat.name === name) out.set(Number(entry), stat.cpuMs);
  }
  return out;
}
