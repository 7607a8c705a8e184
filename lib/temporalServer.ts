import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { parse } from 'yaml';
import { freePort } from '../db/embedded';
import { spawnChild } from './childProcess/spawn';
import { resolveTemporalCli } from './temporalCli';
import { SEARCH_ATTRIBUTES } from './searchAttributes';

export interface RunningTemporal {
  address: string;
  uiUrl?: string;
  /** The server's pid, when this process started the CLI. */
  pid?: number;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** Persist history in this SQLite file; in-memory when omitted. */
  dbFilename?: string;
  port?: number;
  uiPort?: number;
  ui?: boolean;
  /** Where the Web UI sends payloads to be decoded (Hotpath's codec endpoint). */
  uiCodecEndpoint?: string;
  /** SQLite pragmas of a file-backed server (default WAL with synchronous=normal). */
  sqlitePragmas?: string[];
  /** More `start-dev` arguments, e.g. `--dynamic-config-value key=value`. */
  extraArgs?: string[];
  log?: (line: string) => void;
}

/**
 * The server settings Hotpath is tuned for (eager activities, transfer-task load rate), read from the dynamic config
 * file that docker-compose.yml also mounts, as `--dynamic-config-value key=<json>` arguments for `start-dev`.
 */
export const DEV_DYNAMIC_CONFIG: string[] = dynamicConfigArgs(readFileSync(new URL('./temporal-dynamic-config.yaml', import.meta.url), 'utf8'));

export function dynamicConfigArgs(yamlText: string): string[] {
  const file = (parse(yamlText) ?? {}) as Record<string, unknown>;
  return Object.entries(file).flatMap(([key, entries]) => {
    // start-dev takes one plain value per key: a constrained or second value would exist only in the cluster's copy.
    const only = Array.isArray(entries) && entries.length === 1 ? (entries[0] as { value?: unknown; constraints?: object }) : undefined;
    if (!only || !('value' in only) || (only.constraints && Object.keys(only.constraints).length > 0)) {
      throw new Error(`dynamic config ${key}: expected exactly one value without constraints`);
    }
    return ['--dynamic-config-value', `${key}=${JSON.stringify(only.value)}`];
  });
}

/** The `temporal` CLI arguments of Hotpath's dev server: search attributes, dynamic config, SQLite file and pragmas, UI. */
export function devServerArgs(options: DevServerOptions & { port: number; uiPort: number }): string[] {
  const searchAttributeArgs = Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'error', ...searchAttributeArgs, ...DEV_DYNAMIC_CONFIG, ...(options.extraArgs ?? [])];
  if (options.dbFilename) {
    mkdirSync(path.dirname(options.dbFilename), { recursive: true });
    args.push('--db-filename', options.dbFilename);
    // Without these every history write waits for an fsync in rollback-journal mode: a workflow start took
    // ~300 ms. WAL with synchronous=NORMAL keeps the file consistent across crashes of the dev server.
    for (const pragma of options.sqlitePragmas ?? ['journal_mode=wal', 'synchronous=normal']) args.push('--sqlite-pragma', pragma);
  }
  if (!options.ui) args.push('--headless');
  else {
    args.push('--ui-port', String(options.uiPort));
    if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  }
  return args;
}

/** Starts `temporal server start-dev`, a full Temporal server with SQLite, and waits until it answers. */
export async function startTemporalDevServer(options: DevServerOptions = {}): Promise<RunningTemporal> {
  const log = options.log ?? (() => {});
  const port = options.port ?? (await freePort());
  const cli = resolveTemporalCli({ build: true, log });
  const searchAttributeArgs = Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);

  if (!cli) {
    log('no temporal CLI and no Go toolchain: using the SDK download of the dev server');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip: '127.0.0.1',
        port,
        ui: options.ui ?? false,
        uiPort: options.uiPort,
        dbFilename: options.dbFilename,
        extraArgs: [...searchAttributeArgs, ...DEV_DYNAMIC_CONFIG, ...(options.extraArgs ?? [])],
      },
    });
    return { address: env.address, uiUrl: options.ui ? `http://localhost:${options.uiPort}` : undefined, stop: () => env.teardown() };
  }

  // A port found free may be taken by someone else before the server binds it, and the server picks ports of its
  // own for its internal services: a start that exits before serving is tried again on fresh ports (never when the
  // caller named the ports).
  const attempts = options.port === undefined && options.uiPort === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const serverPort = attempt === 1 ? port : await freePort();
    const uiPort = options.uiPort ?? (await freePort());
    try {
      return await spawnDevServer(cli.path, devServerArgs({ ...options, port: serverPort, uiPort }), `127.0.0.1:${serverPort}`, options.ui ? `http://localhost:${uiPort}` : undefined);
    } catch (err) {
      if (!(err instanceof ExitedBeforeServing) || attempt >= attempts) throw err;
      log(`temporal dev server exited before serving (${err.message.slice(0, 200)}); trying again on other ports`);
    }
  }
}

class ExitedBeforeServing extends Error {}

async function spawnDevServer(command: string, args: string[], address: string, uiUrl: string | undefined): Promise<RunningTemporal> {
  // Under a death signal: the server dies with this process even when it is SIGKILLed.
  const child = spawnChild({ command, args, env: process.env, dieWith: 'pdeathsig' });
  // Whatever way this process ends (a second Ctrl-C, another library's exit hook), the server must not outlive it.
  const orphanGuard = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('exit', orphanGuard);
  child.once('exit', () => process.off('exit', orphanGuard));
  // The CLI writes its fatal errors to either stream: keep the tail of both for the failure message.
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  await waitUntilServing(address, child, () => output);
  return { address, uiUrl, pid: child.pid, stop: () => stopChild(child) };
}

async function waitUntilServing(address: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new ExitedBeforeServing(`temporal dev server exited with ${child.exitCode}: ${stderr()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`temporal dev server did not answer on ${address} within 60 s: ${stderr()}`);
}

export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
