/** Memory of the product's processes as Linux reports it (/proc), for the benches' RSS figures. */
import fs from 'node:fs';

/** A `/proc/<pid>/status` memory field in MB (VmRSS: resident now; VmHWM: the process's peak); 0 once it has exited. */
export function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** `pid` and every process below it (workers, helpers the product starts). */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name, which may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const siblings = parents.get(ppid) ?? [];
      siblings.push(Number(entry));
      parents.set(ppid, siblings);
    } catch {
      // the process ended
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]) ?? []));
  return tree;
}

/** Resident memory of `pid` and all its descendants now, MB. */
export function treeRssMb(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + procStatusMb(p, 'VmRSS'), 0);
}

/**
 * Samples treeRssMb(pid) every `everyMs` until stopped: `max` is the largest sum seen (the product's peak as a whole;
 * the sum of each process's own peak could overstate it), `last` the latest.
 */
export function sampleTreeRss(pid: number, everyMs = 250): { stop(): { max: number; last: number } } {
  let max = 0;
  let last = 0;
  const sample = () => {
    last = treeRssMb(pid);
    max = Math.max(max, last);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { max, last };
    },
  };
}
