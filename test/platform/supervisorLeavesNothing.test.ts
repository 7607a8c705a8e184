import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../db/embedded';
import { portHolders, portTaken } from '../../lib/childProcess/portHolder';

// `npm start` itself (scripts/start.ts), on ports of its own, SIGKILLed as a user's `kill -9` would.
const root = fileURLToPath(new URL('../..', import.meta.url));

const alive = (pid: number) => {
  try {
    // A zombie is dead; it only waits for whoever inherited it to reap it.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
};
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
};
/** Every descendant of `pid`, from /proc (children by their parent pid, recursively). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parentOf.set(Number(entry), Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]));
    } catch {
      // gone
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) if (parent === p) (found.push(child), walk(child));
  };
  walk(pid);
  return found;
}
const waitFor = async (what: () => boolean | Promise<boolean>, ms: number, label: string) => {
  const deadline = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${label}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** Ports of its own for every role, so the test never meets a developer's `npm start`. */
async function ownPorts() {
  const names = ['TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'EMBEDDED_PG_PORT', 'API_PORT', 'SIM_PORT', 'WORKER_METRICS_PORT', 'API_METRICS_PORT'] as const;
  const ports: Record<string, string> = {};
  for (const name of names) ports[name] = String(await freePort());
  return ports;
}

function startSupervisor(dataDir: string, ports: Record<string, string>) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...ports, HOTPATH_DATA_DIR: dataDir, WORKERS: '1', NO_COLOR: '1', LOG_LEVEL: 'info' };
  // Its own Temporal and Postgres, not the test run's.
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'PAYLOAD_KEYS']) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-100_000)));
  child.stderr!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-100_000)));
  return { child, output: () => output };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

describe('npm start (the supervisor)', () => {
  it('takes every child with it when it is SIGKILLed: the API, worker, dispatcher, simulators, Temporal and Postgres end, and their ports are free', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hotpath-start-'));
    // As root, the postmaster runs as `postgres`, who must be able to enter the folder.
    await chmod(dataDir, 0o755);
    const ports = await ownPorts();
    const { child, output } = startSupervisor(dataDir, ports);
    let pids: number[] = [];
    cleanup.push(async () => {
      child.kill('SIGKILL');
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    });
    await waitFor(() => output().includes('Hotpath is up') || child.exitCode !== null, 150_000, 'Hotpath is up');
    expect(output(), output().slice(-3000)).toContain('Hotpath is up');

    pids = descendants(child.pid!);
    const commands = pids.map(cmdline);
    for (const role of ['temporal', 'bin/postgres', 'worker/main.ts', 'worker/dispatcher.ts', 'api/server.ts', 'sim/server.ts']) {
      expect(commands.some((c) => c.includes(role)), `a running ${role} among ${commands.join('\n')}`).toBe(true);
    }
    expect(pids.every(alive)).toBe(true);

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    // The Node children stop on their lifeline (5 s grace at most); temporal and the postmaster get SIGKILL from the kernel.
    await waitFor(() => !pids.some(alive), 15_000, `still alive: ${pids.filter(alive).map((p) => `${p} ${cmdline(p)}`).join('; ')}`);
    for (const [name, port] of Object.entries(ports)) {
      expect(portHolders(Number(port)), `${name} ${port} still held`).toEqual([]);
      expect(await portTaken(Number(port)), `${name} ${port} still taken`).toBe(false);
    }
  }, 240_000);

  it('names the process that holds a port it needs, at start-up, and starts nothing', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hotpath-start-'));
    const ports = await ownPorts();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(Number(ports.TEMPORAL_PORT), '127.0.0.1', resolve));
    let child: ChildProcess | undefined;
    cleanup.push(async () => {
      child?.kill('SIGKILL');
      await new Promise((r) => squatter.close(r));
      await rm(dataDir, { recursive: true, force: true });
    });
    const started = startSupervisor(dataDir, ports);
    child = started.child;
    const code = await new Promise<number | null>((resolve) => started.child.once('exit', resolve));
    expect(code).toBe(1);
    expect(started.output()).toContain(`port ${ports.TEMPORAL_PORT} (temporal) is in use by pid ${process.pid}: ${process.execPath}`);
    expect(started.output()).toContain('set TEMPORAL_PORT to another port');
    expect(started.output()).not.toMatch(/started (temporal|postgres)/);
  }, 60_000);
});
