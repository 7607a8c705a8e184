import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** A process listening on a TCP port: its pid and command line. */
export interface PortHolder {
  pid: number;
  command: string;
}

/** Listening sockets on `port` (any address, IPv4 or IPv6), by inode, from /proc/net/tcp{,6}. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields: sl, local address (hex ip:hex port), remote address, state (0A is LISTEN), …, inode (10th)
      if (fields.length < 10 || fields[3] !== '0A') continue;
      if (parseInt(fields[1]!.split(':').at(-1)!, 16) === port) inodes.add(fields[9]!);
    }
  }
  return inodes;
}

/** Who listens on `port`: the processes whose open files include one of its listening sockets (Linux /proc). */
export function portHolders(port: number): PortHolder[] {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return [];
  const holders: PortHolder[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    const holds = fds.some((fd) => {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        return target.startsWith('socket:[') && inodes.has(target.slice(8, -1));
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    let command = '?';
    try {
      command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      // gone meanwhile
    }
    holders.push({ pid: Number(entry), command });
  }
  return holders;
}

/** Whether something already listens on 127.0.0.1:`port` (a bind attempt: it sees what /proc may hide). */
export function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/**
 * For each port a stack is about to use, a sentence naming what holds it, e.g.
 * "port 7233 (temporal) is in use by pid 4242: temporal server start-dev …". Empty when all are free.
 */
export async function portConflicts(ports: { port: number; role: string; setting?: string }[]): Promise<string[]> {
  const conflicts: string[] = [];
  for (const { port, role, setting } of ports) {
    if (!port) continue;
    const holders = portHolders(port);
    if (holders.length === 0 && !(await portTaken(port))) continue;
    const who = holders.length > 0 ? holders.map((h) => `pid ${h.pid}: ${h.command.slice(0, 200)}`).join('; ') : 'a process this user cannot see';
    conflicts.push(`port ${port} (${role}) is in use by ${who}${setting ? ` (stop it, or set ${setting} to another port)` : ''}`);
  }
  return conflicts;
}
