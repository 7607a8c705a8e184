import { accessSync, constants, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * coreutils' `nice`, which sets the niceness before exec. Linux keeps niceness per thread, and
 * `os.setPriority(pid)` changes only the thread whose id is `pid`: a Node worker's libuv, V8 and Temporal-core
 * threads and every thread of the Go dev server already running would keep their old priority.
 */
export function findNice(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/bin']) {
    if (!dir) continue;
    const file = path.join(dir, 'nice');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Sets the niceness of every thread of a running process (Linux: /proc/<pid>/task; elsewhere the pid alone). */
export function reniceAllThreads(pid: number, nice: number): void {
  let threads: number[] = [pid];
  try {
    threads = readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    // not Linux, or gone
  }
  renice(threads, nice);
}

/** Sets the niceness of each process (Postgres backends are single-threaded); returns how many changed. */
export function renice(pids: number[], nice: number): number {
  let changed = 0;
  for (const pid of pids) {
    try {
      if (os.getPriority(pid) === nice) continue;
      os.setPriority(pid, nice);
      changed += 1;
    } catch {
      // the backend ended meanwhile
    }
  }
  return changed;
}
