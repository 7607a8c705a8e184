import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importNewStock } from '../../activities/inventory/stockImport';
import { simErp } from '../../activities/erp/adapters/simErp';
import { VendorClient } from '../../activities/vendorClient';
import { openDatabase } from '../../db/client';
import { freePort } from '../../db/embedded';
import { vendorUrlsFor } from '../../lib/config';
import { reniceAllThreads } from '../../lib/supervisor/priority';
import type { ManagedProcess } from '../../lib/childProcess/managed';
import { Stack as StackBoot } from '../stack/stack';
import { BENCH_STOCK } from './orders';
import { findChild } from './procstat';
import type { SimLatencies } from './sim';

const here = path.dirname(fileURLToPath(import.meta.url));

/** file/memory: a dev server started by the bench; external: TEMPORAL_ADDRESS (a cluster or a dev server you started). */
export type TemporalMode = 'file' | 'memory' | 'external';

export interface StackOptions {
  /** Boot only Postgres (the flash-sale section needs nothing else). */
  postgresOnly: boolean;
  temporal: TemporalMode;
  simLatencies: SimLatencies;
  log: (line: string) => void;
}

export interface Stack {
  databaseUrl: string;
  postgres: 'embedded' | 'DATABASE_URL';
  db: ReturnType<typeof openDatabase>['db'];
  sql: ReturnType<typeof openDatabase>['sql'];
  apiUrl: string;
  baselinesUrl: string;
  simUrl: string;
  temporalAddress: string;
  checkoutToken: string;
  /** Stops the worker process (SIGTERM, as a deploy would) / starts a new one; sagas wait in Temporal meanwhile. */
  pauseWorker(): Promise<void>;
  resumeWorker(): Promise<void>;
  /** The env the worker and the API run with (secrets redacted), the worker's effective options. */
  recordedConfig(): Promise<Record<string, unknown>>;
  pids(): Record<'worker' | 'api' | 'temporal' | 'postgres' | 'sim' | 'baselines', number | undefined> & { temporalDb?: number };
  bootSeconds: number;
  stop(): Promise<void>;
}

const pidOf = (p: ManagedProcess | undefined) => p?.pid;

export const BENCH_TASK_QUEUE = 'orders-bench';

const SECRET = /TOKEN|SECRET|KEY|PASSWORD/i;
const RELEVANT = /^(DATABASE_URL|WORKER_|SESSION_|TEMPORAL_|TASK_QUEUE|API_|SIM_|PAYMENT_PROVIDER|STRIPE_|CARRIER_URL|WMS_URL|ERP_URL|NOTIFICATIONS_URL|VENDOR_|HOLD_|LOG_LEVEL|DISPATCH_|PAYLOAD_|CODEC_|RECONCILE_|CHECKOUT_|STAFF_|WMS_|RATE_LIMIT|SAGA_POLICY|OTEL_|NODE_|UV_|METRICS|TRACING|BENCH_)/;

export function redactEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (v === undefined || !RELEVANT.test(k)) continue;
    out[k] = SECRET.test(k) ? '[set]' : k === 'DATABASE_URL' ? v.replace(/\/\/[^@]*@/, '//') : v;
  }
  return out;
}

export async function bootStack(options: StackOptions): Promise<Stack> {
  const started = Date.now();
  const { log } = options;
  // One stack (scripts/stack), its steps as the bench needs them: Temporal and Postgres start side by side.
  const stack = await StackBoot.create('bench', (line: string) => log(`cleanup: ${line}`));
  const stop = () => stack.stop();
  try {
    const external = process.env.DATABASE_URL;
    const [temporal, pg] = await Promise.all([
      options.postgresOnly
        ? Promise.resolve(undefined)
        : stack.temporal({
            external: options.temporal === 'external' ? process.env.TEMPORAL_ADDRESS! : undefined,
            persist: options.temporal === 'file',
            extraArgs: process.env.BENCH_TEMPORAL_ARGS?.split(' ').filter(Boolean),
            // BENCH_SQLITE_PRAGMAS=journal_mode=delete,synchronous=full: the dev server's own defaults, for comparison.
            sqlitePragmas: process.env.BENCH_SQLITE_PRAGMAS?.split(',').filter(Boolean),
            log,
          }),
      stack.postgres({ url: external }),
    ]);
    const databaseUrl = pg.url;
    const database = stack.database(databaseUrl, { max: 5 });
    // An external Temporal's CPU is measured only when its pid is given (BENCH_TEMPORAL_PID), and its own database's
    // with BENCH_TEMPORAL_DB_PID (the postmaster: every backend is its child).
    const pidFromEnv = (name: string) => (process.env[name] ? Number(process.env[name]) || undefined : undefined);
    const temporalPid = temporal && options.temporal !== 'external' ? (temporal.pid ?? findChild(process.pid, ['start-dev']) ?? findChild(process.pid, ['temporal'])) : pidFromEnv('BENCH_TEMPORAL_PID');
    const temporalDbPid = pidFromEnv('BENCH_TEMPORAL_DB_PID');
    const postgresPid = () => pg.pid;

    const checkoutToken = `bench-${randomBytes(12).toString("hex")}`;
    const base = { postgres: pg.source, databaseUrl, db: database.db, sql: database.sql, checkoutToken };
    if (options.postgresOnly || !temporal) {
      return {
        ...base,
        apiUrl: '',
        baselinesUrl: '',
        simUrl: '',
        temporalAddress: '',
        pauseWorker: async () => {},
        resumeWorker: async () => {},
        recordedConfig: async () => ({}),
        pids: () => ({ worker: undefined, api: undefined, temporal: undefined, postgres: postgresPid(), sim: undefined, baselines: undefined }),
        bootSeconds: (Date.now() - started) / 1000,
        stop,
      };
    }

    // Inherit PATH and friends, but none of the caller's Hotpath or simulator settings: the bench sets its own.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !RELEVANT.test(k) || k.startsWith('NODE_') || k.startsWith('UV_')));
    const [simPort, apiPort, baselinesPort, workerMetricsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const simUrl = `http://127.0.0.1:${simPort}`;
    const sim = await stack.process(
      'sim',
      path.join(here, 'sim.ts'),
      { ...inherited, SIM_PORT: String(simPort), BENCH_SIM_LATENCIES: JSON.stringify(options.simLatencies), BENCH_SIM_STOCK: JSON.stringify(BENCH_STOCK) },
      'bench sim listening',
    );
    await importNewStock(database.db, simErp(new VendorClient('erp', `${simUrl}/erp`, 5000)));

    const workerOptionsFile = path.join(stack.dir, 'worker-options.json');
    const common = {
      ...vendorUrlsFor(simUrl),
      DATABASE_URL: databaseUrl,
      // The bench's checkout credential keeps unscoped order ids: the bench derives them from the keys (orders.ts).
      LEGACY_ORDER_OWNER: 'bench',
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TASK_QUEUE: BENCH_TASK_QUEUE,
      LOG_LEVEL: 'info',
      // Production encrypts Temporal payloads (docs/deploy.md): so does the bench.
      PAYLOAD_KEYS: `bench-1:${randomBytes(32).toString('base64')}`,
      // No scheduled stock reconciliation inside a measurement window.
      RECONCILE_EVERY_MINUTES: '1440',
    };
    const workerEnv = {
      ...common,
      NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${pathToFileURL(path.join(here, 'workerProbe.mjs')).href}`].filter(Boolean).join(' '),
      BENCH_WORKER_OPTIONS_FILE: workerOptionsFile,
      // Worker tuning under test (WORKER_DB_POOL_MAX, WORKER_*_SLOTS, …), passed through and recorded.
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('WORKER_') && k !== 'WORKER_METRICS_PORT')),
      ...(process.env.BENCH_WORKER_CPU_PROFILE ? { BENCH_WORKER_CPU_PROFILE: process.env.BENCH_WORKER_CPU_PROFILE } : {}),
      ...(process.env.BENCH_WORKER_CPU_PROFILE_WINDOW ? { BENCH_WORKER_CPU_PROFILE_WINDOW: process.env.BENCH_WORKER_CPU_PROFILE_WINDOW } : {}),
      // The worker serves /metrics as in production, on a free port (the default 9464 may be taken by another stack).
      WORKER_METRICS_PORT: String(workerMetricsPort),
    };
    const apiEnv = {
      ...common,
      API_PORT: String(apiPort),
      API_HOST: '127.0.0.1',
      CHECKOUT_TOKENS: `bench:${checkoutToken}`,
      // Production settings (lib/deployment.ts): tokens of at least 24 characters.
      STAFF_TOKENS: `bench-staff:${randomBytes(18).toString('base64url')}`,
      WMS_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
      // The bench sends thousands of requests a minute with one credential.
      RATE_LIMIT_PER_MINUTE: '1000000000',
      CHECKOUT_RATE_LIMIT_PER_MINUTE: '1000000000',
      // API tuning under test (API_DB_POOL_MAX), passed through and recorded.
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('API_') && k !== 'API_PORT')),
      // The API's metrics listener is off: the default 9465 may be taken by another stack.
      API_METRICS_PORT: '0',
    };
    const baselinesEnv = { ...common, BASELINES_PORT: String(baselinesPort) };
    const [worker, api, baselines] = await Promise.all([
      stack.process('worker', 'worker/main.ts', { ...inherited, ...workerEnv }, 'worker polling'),
      stack.process('api', 'api/server.ts', { ...inherited, ...apiEnv }, 'api listening'),
      stack.process('baselines', path.join(here, 'baselines.ts'), { ...inherited, ...baselinesEnv }, 'bench baselines listening'),
    ]);
    // BENCH_BACKGROUND_NICE=n lowers the CPU priority of the saga side (worker, Temporal) on this shared box,
    // standing in for production, where the API does not share cores with them.
    const backgroundNice = Number(process.env.BENCH_BACKGROUND_NICE ?? 0);
    const deprioritiseBackground = () => {
      if (!backgroundNice) return;
      // Every thread: os.setPriority(pid) alone reaches only the main thread (Linux niceness is per thread).
      for (const pid of [pidOf(worker), temporalPid]) if (pid) reniceAllThreads(pid, backgroundNice);
    };
    deprioritiseBackground();
    log(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (temporal ${options.temporal}, postgres ${base.postgres})`);

    return {
      ...base,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      baselinesUrl: `http://127.0.0.1:${baselinesPort}`,
      simUrl,
      temporalAddress: temporal.address,
      pauseWorker: () => worker.stop(),
      resumeWorker: async () => {
        await worker.start();
        deprioritiseBackground();
      },
      recordedConfig: async () => ({
        workerEnv: redactEnv(workerEnv),
        apiEnv: redactEnv(apiEnv),
        inheritedEnv: redactEnv(inherited),
        workerOptions: await readFile(workerOptionsFile, 'utf8').then(
          (text) => JSON.parse(text) as unknown,
          () => 'unknown (the worker options probe wrote nothing)',
        ),
      }),
      pids: () => ({ worker: pidOf(worker), api: pidOf(api), temporal: temporalPid, ...(temporalDbPid ? { temporalDb: temporalDbPid } : {}), postgres: postgresPid(), sim: pidOf(sim), baselines: pidOf(baselines) }),
      bootSeconds: (Date.now() - started) / 1000,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
