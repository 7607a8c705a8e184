/**
 * The one way a whole Hotpath stack is booted outside `npm start`: for the tests (test/support/globalSetup.ts),
 * the walks (scripts/walk), chaos (scripts/chaos/run.ts) and the bench (scripts/bench/stack.ts). Each caller
 * composes the steps it needs, in order, with its own ports, policy and environment:
 *
 *   const stack = await Stack.create('chaos', log);
 *   const temporal = await stack.temporal({ persist: true });      // a dev server, or `external` for TEMPORAL_ADDRESS
 *   const pg = await stack.postgres();                              // DATABASE_URL when given, else embedded; migrated
 *   const sim = await stack.simulators({ ... });                    // in this process (or stack.process for its own)
 *   const worker = await stack.process('worker', 'worker/main.ts', env, 'worker polling');   // or stack.inProcessWorker
 *   const api = await stack.process('api', 'api/server.ts', apiEnv, 'api listening');       // or stack.inProcessApi
 *   await stack.stop();                                            // everything, last started first
 *
 * Every child dies with the caller, even when the caller is SIGKILLed (lib/childProcess). To add a service
 * add one step below beside `simulators` and `mailpit` and call it from the callers that need it.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startApi, type RunningApi } from '../../api/server';
import { openDatabase } from '../../db/client';
import { startEmbeddedPostgres } from '../../db/embedded';
import { migrateDatabase } from '../../db/migrate';
import { ManagedProcess } from '../../lib/childProcess/managed';
import type { Config } from '../../lib/config';
import { startTemporalDevServer, type DevServerOptions, type RunningTemporal } from '../../lib/temporalServer';
import { startSimServer, type SimServer, type SimServerOptions } from '../../sim/start';
import { createWorker, startBackgroundDuties, workflowsPath } from '../../worker/createWorker';
import type { SagaPolicy } from '../../workflows/order/contract';
import { startMailpit, type RunningMailpit } from '../../lib/mailpit';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A Temporal the stack uses: `restart` stops the dev server and starts it again on the same port and file. */
export interface StackTemporal {
  readonly address: string;
  readonly uiUrl?: string;
  restart(): Promise<void>;
  /** The dev server's pid (undefined for an external server or the SDK's download). */
  readonly pid?: number;
}

export interface StackPostgres {
  url: string;
  source: 'embedded' | 'DATABASE_URL';
  /** The embedded postmaster's pid. */
  pid?: number;
}

export class Stack {
  private readonly stops: { name: string; stop: () => Promise<unknown> }[] = [];
  private stopped = false;

  private constructor(
    /** A folder of this stack's own (Temporal's file, Postgres's data, anything else): removed on stop. */
    readonly dir: string,
    readonly log: (line: string) => void,
  ) {}

  /** A stack with a temporary folder named after `name` (hotpath-<name>-…). */
  static async create(name: string, log: (line: string) => void = () => {}): Promise<Stack> {
    const dir = await mkdtemp(path.join(tmpdir(), `hotpath-${name}-`));
    // As root, the postmaster runs as an unprivileged user, who must be able to enter the folder.
    await chmod(dir, 0o755);
    const stack = new Stack(dir, log);
    stack.onStop('folder', () => rm(dir, { recursive: true, force: true }));
    return stack;
  }

  /** Runs `stop` when the stack stops (last registered, first run). */
  onStop(name: string, stop: () => Promise<unknown>): void {
    this.stops.push({ name, stop });
  }

  /** Stops everything, last started first; a step that fails is logged and the rest still stop. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const { name, stop } of this.stops.reverse()) {
      await stop().catch((err) => this.log(`stopping ${name} failed: ${(err as Error).message}`));
    }
  }

  /** Boots with `steps`, stopping whatever started if a step fails. */
  async boot<T>(steps: (stack: Stack) => Promise<T>): Promise<T> {
    try {
      return await steps(this);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /**
   * A Temporal dev server (`persist`: history in a SQLite file in the stack's folder; in memory otherwise), or the
   * server at `external` (nothing is started or stopped).
   */
  async temporal(options: DevServerOptions & { persist?: boolean; external?: string } = {}): Promise<StackTemporal> {
    if (options.external) return { address: options.external, restart: async () => {} };
    const { persist, external: _, ...devOptions } = options;
    const start = (port?: number) => startTemporalDevServer({ ...devOptions, port, dbFilename: persist ? path.join(this.dir, 'temporal.db') : options.dbFilename });
    let current: RunningTemporal = await start(options.port);
    const port = Number(current.address.split(':').at(-1));
    this.onStop('temporal', () => current.stop());
    return {
      get address() {
        return current.address;
      },
      get uiUrl() {
        return current.uiUrl;
      },
      get pid() {
        return current.pid;
      },
      restart: async () => {
        await current.stop();
        current = await start(port);
      },
    };
  }

  /** Postgres at `url` when given, else an embedded one in the stack's folder; migrated either way. */
  async postgres(options: { url?: string; port?: number } = {}): Promise<StackPostgres> {
    let result: StackPostgres;
    if (options.url) result = { url: options.url, source: 'DATABASE_URL' };
    else {
      const pg = await startEmbeddedPostgres(path.join(this.dir, 'pg'), options.port);
      this.onStop('postgres', () => pg.stop());
      result = { url: pg.url, source: 'embedded', pid: pg.pid };
    }
    await migrateDatabase(result.url);
    return result;
  }

  /** A connection pool for the caller's own checks and setup. */
  database(url: string, options: { max?: number } = {}): ReturnType<typeof openDatabase> {
    const database = openDatabase(url, options);
    this.onStop('database pool', () => database.close());
    return database;
  }

  /**
   * The vendor simulators in this process (their state readable directly). The WMS and the Stripe simulator call
   * back the API's webhooks, so the API's port is chosen first.
   */
  async simulators(options: SimServerOptions & { port?: number; apiPort: number; stripeWebhookSecret: string }): Promise<SimServer> {
    const { port, apiPort, ...simOptions } = options;
    const sim = await startSimServer(port ?? 0, {
      wmsCallbackUrl: `http://127.0.0.1:${apiPort}/webhooks/wms`,
      stripeWebhookUrl: `http://127.0.0.1:${apiPort}/webhooks/stripe`,
      ...simOptions,
    });
    this.onStop('simulators', () => sim.close());
    return sim;
  }

  /** Mailpit, the SMTP server customer e-mail goes to (its smtpUrl is the workers' SMTP_URL). */
  async mailpit(options: Parameters<typeof startMailpit>[0] = {}): Promise<RunningMailpit> {
    const mailpit = await startMailpit({ log: this.log, ...options });
    this.onStop('mailpit', () => mailpit.stop());
    return mailpit;
  }

  /** A Hotpath entry point (worker, API, dispatcher, a bench helper) as its own OS process, started and ready. */
  async process(name: string, entry: string, env: NodeJS.ProcessEnv, ready: string | RegExp): Promise<ManagedProcess> {
    const child = ManagedProcess.node(name, REPO_ROOT, entry, env, ready);
    this.onStop(name, () => child.stop());
    await child.start();
    return child;
  }

  /**
   * A worker in this process, with the dispatcher's and the reconciliation and retention schedules' duties when `duties` is given
   * (with those settings overriding the worker's config).
   */
  async inProcessWorker(config: Config, db: ReturnType<typeof openDatabase>['db'], duties?: Partial<Config>): Promise<void> {
    const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } });
    const { worker, connection } = await createWorker({ config, db, workflowBundle });
    const running = worker.run();
    if (duties) this.onStop('background duties', await startBackgroundDuties({ ...config, ...duties }, db));
    this.onStop('worker', async () => {
      // The SDK also stops workers on SIGINT by itself; only ask a worker that is still running.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    });
  }

  /** The API in this process. */
  async inProcessApi(config: Config, options: { port?: number; sagaPolicy?: Partial<SagaPolicy> } = {}): Promise<RunningApi> {
    const api = await startApi(config, options);
    this.onStop('api', () => api.close());
    return api;
  }
}
