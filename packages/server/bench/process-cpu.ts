/** CPU time of the product's processes as Linux reports it (/proc), for the benches' per-event figures. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { processTree } from './process-memory.js';

/** Clock ticks per second, the unit of /proc's CPU times. */
const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User + system CPU seconds of a `/proc/.../stat` file (fields 14 and 15); 0 once it is gone. */
function statCpuS(file: string): number {
  try {
    const stat = fs.readFileSync(file, 'utf8');
    // The fields after the command name, which may hold spaces and parentheses: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far: `all` by `pid` and every process below it (every thread), `main` by `pid`'s main thread
 * (a Node process's JavaScript thread). Resolution: one clock tick (10 ms).
 */
export function cpuSeconds(pid: number): { all: number; main: number } {
  const all = processTree(pid).reduce((sum, p) => sum + statCpuS(`/proc/${p}/stat`), 0);
  return { all, main: statCpuS(`/proc/${pid}/task/${pid}/stat`) };
}
