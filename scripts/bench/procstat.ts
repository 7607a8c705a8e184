import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time and memory of processes, from /proc (Linux only; elsewhere every reading is null). */

let ticks: number | undefined;
/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 almost everywhere). */
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

interface Stat {
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks. */
  cpuTicks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields are counted after the last ')'.
    const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    const num = (field: number) => Number(fields[field - 3]);
    return { ppid: num(4), cpuTicks: num(14) + num(15) + num(16) + num(17) };
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  try {
    return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
}

/** The process and every live descendant. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of allPids()) {
    const stat = readStat(p);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(p);
    children.set(stat.ppid, list);
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    tree.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return tree;
}

/** CPU milliseconds (user + system, including reaped children) of a process and its descendants; null if gone. */
export function treeCpuMs(pid: number | undefined): number | null {
  if (!pid || !readStat(pid)) return null;
  let total = 0;
  for (const p of processTree(pid)) total += readStat(p)?.cpuTicks ?? 0;
  return (total * 1000) / clockTicks();
}

/**
 * CPU milliseconds of every thread of a process tree, summed by thread name (`/proc/<pid>/task/<tid>/comm`, digits
 * dropped: "tokio-runtime-w", "V8 DefaultWorke", "libuv-worker"; the main thread is marked). Says
 * which part of a Node process burns its CPU: the JS main thread, a worker_thread, the SDK's Rust core, V8's GC.
 * Threads that ended before the reading are missing (their time is only in the process total).
 */
export function threadCpuMs(pid: number | undefined): Record<string, number> | null {
  if (!pid || !readStat(pid)) return null;
  const byName: Record<string, number> = {};
  for (const p of processTree(pid)) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const raw = readFileSync(`/proc/${p}/task/${tid}/stat`, 'utf8');
        const comm = raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')')).replace(/[\d#-]+$/, '').trim() || 'unnamed';
        const name = Number(tid) === p ? `${comm} (main thread)` : comm;
        const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
        const ticksUsed = Number(fields[11]) + Number(fields[12]);
        byName[name] = (byName[name] ?? 0) + (ticksUsed * 1000) / clockTicks();
      } catch {
        // thread ended between listing and reading
      }
    }
  }
  return byName;
}

/** VmRSS (now) and VmHWM (peak over the process's life) in KiB, summed over the process tree. */
export function treeMemoryKb(pid: number | undefined): { rssKb: number; hwmKb: number } | null {
  if (!pid || !readStat(pid)) return null;
  let rssKb = 0;
  let hwmKb = 0;
  for (const p of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      hwmKb += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // exited between listing and reading
    }
  }
  return { rssKb, hwmKb };
}

/** A direct child of `ppid` whose command line contains every one of `parts`. */
export function findChild(ppid: number, parts: string[]): number | undefined {
  for (const p of allPids()) {
    if (readStat(p)?.ppid !== ppid) continue;
    try {
      const cmdline = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (parts.every((part) => cmdline.includes(part))) return p;
    } catch {
      // gone
    }
  }
  return undefined;
}

/** Samples the tree's RSS every `everyMs` until stopped; returns the peak seen. */
export function sampleRss(pid: number | undefined, everyMs = 500) {
  let peakKb = 0;
  let samples = 0;
  const take = () => {
    const mem = treeMemoryKb(pid);
    if (mem) {
      samples += 1;
      peakKb = Math.max(peakKb, mem.rssKb);
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return { peakRssKb: samples ? peakKb : null, samples };
    },
  };
}

/** Busy CPU milliseconds of the whole machine since boot (all cores), from /proc/stat; null if unreadable. */
export function machineBusyCpuMs(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) / clockTicks();
  } catch {
    return null;
  }
}

/**
 * CPU used on the machine by anything outside the bench's own process tree (other people's tests, builds): when
 * it is not small, the run's numbers were disturbed.
 */
export function foreignLoad() {
  const machineBefore = machineBusyCpuMs();
  const ownBefore = treeCpuMs(process.pid);
  const started = Date.now();
  return () => {
    const machineAfter = machineBusyCpuMs();
    const ownAfter = treeCpuMs(process.pid);
    if (machineBefore === null || machineAfter === null || ownBefore === null || ownAfter === null) return null;
    const seconds = (Date.now() - started) / 1000;
    const foreign = Math.max(0, machineAfter - machineBefore - (ownAfter - ownBefore)) / 1000;
    return { foreignCpuSeconds: Math.round(foreign * 10) / 10, shareOfMachine: Math.round((foreign / (seconds * cpuCount())) * 1000) / 1000 };
  };
}

function cpuCount(): number {
  try {
    return readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+ /.test(l)).length || 1;
  } catch {
    return 1;
  }
}
