import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNice } from '../supervisor/priority';

const LIFELINE = fileURLToPath(new URL('./lifeline.mjs', import.meta.url));
/** The fd of the lifeline pipe in a Node child (stdin, stdout, stderr come first). */
export const LIFELINE_FD = 3;

/** How to start one child process; the one place where a Hotpath process is spawned. */
export interface ChildCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * How the child dies with this process, even on SIGKILL:
   * - `lifeline`: a Node child (see `nodeCommand`) watching a pipe on fd 3;
   * - `pdeathsig`: any binary (temporal, postgres, mailpit), run under `setpriv --pdeathsig KILL`, so the kernel
   *   kills it when the thread that spawned it dies (spawn from the main thread: Node's is).
   * - `none`: only the parent's own stop and exit hooks.
   */
  dieWith?: 'lifeline' | 'pdeathsig' | 'none';
  /** Niceness, set before exec so every thread inherits it (coreutils `nice`; else the main thread only). */
  nice?: number;
  /** Its own process group, so a group signal reaches what it spawned too. */
  detached?: boolean;
  uid?: number;
  gid?: number;
}

/** `node --import tsx <entry>`, with the lifeline loaded first. */
export function nodeCommand(root: string, entry: string, env: NodeJS.ProcessEnv): ChildCommand {
  return { command: process.execPath, args: ['--import', LIFELINE, '--import', 'tsx', path.resolve(root, entry)], cwd: root, env, dieWith: 'lifeline' };
}

let setprivPath: string | undefined | null = null;
/** util-linux's setpriv, when this machine has one. */
export function findSetpriv(): string | undefined {
  if (setprivPath !== null) return setprivPath;
  setprivPath = undefined;
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/bin']) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, 'setpriv'), constants.X_OK);
      setprivPath = path.join(dir, 'setpriv');
      break;
    } catch {
      // not here
    }
  }
  return setprivPath;
}

const niceCommand = findNice();

/** Spawns `spec` with stdout and stderr piped (and, for a lifeline, the pipe on fd 3). */
export function spawnChild(spec: ChildCommand): ChildProcess {
  let [command, args] = [spec.command, spec.args];
  const nice = spec.nice ?? 0;
  if (nice && niceCommand) [command, args] = [niceCommand, ['-n', String(nice), command, ...args]];
  const setpriv = spec.dieWith === 'pdeathsig' ? findSetpriv() : undefined;
  // setpriv outermost: `nice` and the binary exec in place, and the death signal survives exec.
  if (setpriv) [command, args] = [setpriv, ['--pdeathsig', 'KILL', command, ...args]];
  const lifeline = spec.dieWith === 'lifeline';
  const stdio: StdioOptions = lifeline ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'];
  const env = lifeline ? { ...spec.env, HOTPATH_LIFELINE_FD: String(LIFELINE_FD) } : spec.env;
  const child = spawn(command, args, { cwd: spec.cwd, env, stdio, detached: spec.detached, uid: spec.uid, gid: spec.gid });
  // Our end of the lifeline: held for the child's life, never read, never keeping this process alive.
  const ours = child.stdio[LIFELINE_FD] as (NodeJS.ReadableStream & { unref?: () => void }) | null | undefined;
  ours?.unref?.();
  if (nice && !niceCommand && child.pid) {
    try {
      os.setPriority(child.pid, nice);
    } catch {
      // the child may already be gone; its exit is reported elsewhere
    }
  }
  return child;
}
