/**
 * `npm run bench:scaleout`: issue 25's scale-out, measured on this machine. A real Temporal server on Postgres
 * persistence (scripts/bench/temporal-postgres.sh, on the run's embedded Postgres), two API replicas behind a small
 * round-robin proxy (./proxy.ts), three workers and the one dispatcher, each its own OS process; the simulators in
 * this process (their books are read directly, as the chaos run reads them). Three phases:
 *   1. throughput against one worker (the other two stopped), then 2. the same load against three;
 *   3. the chaos load (scripts/chaos/load.ts: mixed orders, declines, staff cancellations) against three workers and
 *      two APIs, SIGKILLing one worker and one API mid-run; every accepted order must end and the chaos run's
 *      invariants (scripts/chaos/invariants.ts) must hold.
 * How the sagas spread over the workers is read from their histories (the identity of every workflow and activity
 * task) and from each worker's own /metrics. `--write` puts the section in docs/benchmarks.md between the scale-out
 * markers (which scripts/bench/report.ts keeps) and the result file in bench-results/scaleout/.
 *   npm run bench:scaleout [-- --orders 480 --rate 12 --kill-orders 400 --kill-rate 10 --kill-at 0.5 --seed 7 --write]
 *   npm run bench:scaleout -- --render bench-results/scaleout/<time>.json   (the docs section again, from a result file)
 */
import { execSync } from 'node:child_process';
import { cpus, hostname } from 'node:os';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time';
import { sql } from 'drizzle-orm';
import { importNewStock } from '../../../activities/inventory/stockImport';
import { simErp } from '../../../activities/erp/adapters/simErp';
import { VendorClient } from '../../../activities/vendorClient';
import { freePort } from '../../../db/embedded';
import { terminalStatusList } from '../../../db/terminalStatuses';
import { ManagedProcess } from '../../../lib/childProcess/managed';
import { vendorUrlsFor } from '../../../lib/config';
import { SEARCH_ATTRIBUTES } from '../../../lib/searchAttributes';
import { orderWorkflowId } from '../../../workflows/order/contract';
import { chaosStockRows } from '../../chaos/catalog';
import { checkInvariants, type Violation } from '../../chaos/invariants';
import { driveOrders } from '../../chaos/load';
import { seededRandom } from '../../chaos/random';
import { REPO_ROOT, Stack } from '../../stack/stack';
import { machineBusyCpuMs, treeCpuMs, foreignLoad } from '../procstat';
import { startRoundRobinProxy, type UpstreamStats } from './proxy';

const { values } = parseArgs({
  options: {
    // Offered above what the machine completes (about 8 sagas/s here), so the phases measure capacity.
    orders: { type: 'string', default: '480' },
    rate: { type: 'string', default: '12' },
    // Above capacity too: a backlog of sagas is in flight when the kill comes.
    'kill-orders': { type: 'string', default: '400' },
    'kill-rate': { type: 'string', default: '10' },
    'kill-at': { type: 'string', default: '0.5' },
    'drain-seconds': { type: 'string', default: '240' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    write: { type: 'boolean', default: false },
    // Re-render the docs section from a result file (after an edit of renderScaleOut), without a run.
    render: { type: 'string' },
  },
});
const ORDERS = Number(values.orders);
const RATE = Number(values.rate);
const KILL_ORDERS = Number(values['kill-orders']);
const KILL_RATE = Number(values['kill-rate']);
const KILL_AT = Number(values['kill-at']);
const DRAIN_MS = Number(values['drain-seconds']) * 1000;
const SEED = Number(values.seed);

/** The section's markers in docs/benchmarks.md, which scripts/bench/report.ts keeps across bench runs. */
const SCALE_OUT_START = '<!-- scale-out:start -->';
const SCALE_OUT_END = '<!-- scale-out:end -->';

const t0 = Date.now();
const log = (line: string) => console.log(`[scaleout +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;
const CORES = cpus().length;

/** One-line orders of SKUs nobody else orders, stocked far beyond the run: the throughput phases measure sagas, not stock. */
const SCALE_SKUS = Array.from({ length: 10 }, (_, i) => `SCALE-${String(i).padStart(2, '0')}`);
const scaleStockRows = () => SCALE_SKUS.flatMap((sku) => [{ sku, warehouse: 'wh-east', onHand: 100_000 }]);

const secrets = { checkout: 'scaleout-checkout-token-0123456789', staff: 'scaleout-staff-token-0123456789', webhook: 'scaleout-wms-webhook-secret', stripeWebhook: 'whsec_scaleout' };

/** Ports the Temporal server takes besides its frontend (temporal-postgres.sh: services at +1, +2, +6, HTTP +10, membership −300…−294). */
const temporalPorts = (base: number) => [base, base + 1, base + 2, base + 6, base + 10, base - 300, base - 299, base - 298, base - 294];

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function temporalBasePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    // Below the ephemeral range (32768+), where nothing else binds at random; and the membership ports (base − 300…)
    // must fit Temporal's cluster_membership.rpc_port, a smallint: a base above 33067 kills the server at start.
    const base = 15_000 + Math.floor(Math.random() * 17_000);
    if ((await Promise.all(temporalPorts(base).map(portIsFree))).every(Boolean)) return base;
  }
  throw new Error('no free range of ports for the Temporal server');
}

/** The server answers, the namespace exists and knows Hotpath's search attributes (a fresh database has neither). */
async function prepareTemporal(address: string, server: ManagedProcess): Promise<void> {
  const deadline = Date.now() + 180_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!server.running) throw new Error(`the Temporal server exited:\n${server.recentOutput()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        await connection.workflowService
          .registerNamespace({ namespace: 'default', workflowExecutionRetentionPeriod: msToTs('1 day') })
          .catch((err: { code?: number }) => {
            if (err.code !== 6) throw err; // ALREADY_EXISTS
          });
        const existing = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
        const missing = Object.keys(SEARCH_ATTRIBUTES).filter((name) => !(name in (existing.customAttributes ?? {})));
        if (missing.length > 0) {
          await connection.operatorService.addSearchAttributes({ namespace: 'default', searchAttributes: Object.fromEntries(missing.map((n) => [n, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])) });
          continue;
        }
        // A new namespace reaches the history service's cache within seconds: describe until it answers.
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await sleep(1_000);
    }
  }
  throw new Error(`Temporal at ${address} was not ready in 180 s: ${(lastError as Error)?.message}\n${server.recentOutput()}`);
}

interface WorkerSpread {
  /** Sagas whose first workflow task this worker ran. */
  sagasStarted: number;
  workflowTasks: number;
  activityTasks: number;
  /** Sagas it ran any task of, and of those, sagas that also ran on another worker. */
  sagasTouched: number;
  sagasShared: number;
}

interface PhaseThroughput {
  workers: number;
  offeredRate: number;
  orders: number;
  accepted: number;
  ended: number;
  completed: number;
  seconds: number;
  sagasPerSecond: number;
  endToEndP50Ms: number | null;
  endToEndP95Ms: number | null;
  machineBusyShare: number | null;
  foreignShare: number | null;
  cpuMsPerSaga: Record<string, number>;
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : null);

if (values.render) {
  const result = JSON.parse(await readFile(path.resolve(values.render), 'utf8')) as Result;
  await writeBlock(renderScaleOut(result, await otherRuns(result.at)));
  console.log(`rendered the scale-out section of docs/benchmarks.md from ${values.render}`);
  process.exit(0);
}

let exitCode = 1;
const stack = await Stack.create('scaleout', log);
try {
  const pg = await stack.postgres();
  const database = stack.database(pg.url, { max: 5 });
  const pgUrl = new URL(pg.url);

  // Temporal on Postgres: the repository's script, against the run's own Postgres (two databases of its own).
  const temporalPort = await temporalBasePort();
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const temporal = new ManagedProcess(
    'temporal',
    {
      command: 'bash',
      args: [path.join(REPO_ROOT, 'scripts/bench/temporal-postgres.sh')],
      cwd: REPO_ROOT,
      env: { ...process.env, TEMPORAL_PORT: String(temporalPort), TEMPORAL_PG_HOST: '127.0.0.1', TEMPORAL_PG_PORT: pgUrl.port, TEMPORAL_PG_USER: decodeURIComponent(pgUrl.username), TEMPORAL_PG_PASSWORD: decodeURIComponent(pgUrl.password), TEMPORAL_RUN_DIR: path.join(stack.dir, 'temporal'), TEMPORAL_PG_RESET: '1' },
      dieWith: 'pdeathsig',
    },
    'temporal-postgres: server',
    600_000,
  );
  stack.onStop('temporal', () => temporal.stop(15_000));
  await temporal.start();
  await prepareTemporal(temporalAddress, temporal);
  log(`temporal 1.29.1 on postgres up at ${temporalAddress}`);

  // The proxy first: its port is what the simulators call back (the WMS's and Stripe's webhooks) and what clients use.
  const apiPorts = [await freePort(), await freePort()];
  const proxy = await startRoundRobinProxy(apiPorts);
  stack.onStop('proxy', () => proxy.close());
  const proxyPort = Number(new URL(proxy.url).port);
  const sim = await stack.simulators({ apiPort: proxyPort, stripeWebhookSecret: secrets.stripeWebhook, initialStock: [...chaosStockRows(), ...scaleStockRows()] });
  await importNewStock(database.db, simErp(new VendorClient('erp', `${sim.url}/erp`, 5000)));
  const initialStock = new Map([...chaosStockRows(), ...scaleStockRows()].map((r) => [`${r.sku}@${r.warehouse}`, r.onHand]));

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOTPATH_ENV: 'development',
    API_HOST: '127.0.0.1',
    ...vendorUrlsFor(sim.url),
    DATABASE_URL: pg.url,
    LEGACY_ORDER_OWNER: 'checkout',
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TASK_QUEUE: 'orders-scaleout',
    LOG_LEVEL: 'warn',
    CHECKOUT_TOKENS: `checkout:${secrets.checkout}`,
    STAFF_TOKENS: `staff:${secrets.staff}`,
    RECONCILE_EVERY_MINUTES: '1440',
    API_METRICS_PORT: '0',
    WORKER_METRICS_PORT: '0',
    DISPATCHER_METRICS_PORT: '0',
    API_DB_POOL_MAX: '10',
    WORKER_DB_POOL_MAX: '8',
    // The dispatcher starts the sagas of orders an API committed but did not start (the one killed mid-start).
    DISPATCH_AFTER_MS: '3000',
    DISPATCH_INTERVAL_MS: '1000',
  };
  const ready = { worker: /worker polling/, api: /api listening/, dispatcher: /dispatcher running/ };
  const infoLogs = { LOG_LEVEL: 'info' };
  const dispatcher = await stack.process('dispatcher', 'worker/dispatcher.ts', { ...env, ...infoLogs, DISPATCHER_METRICS_PORT: String(await freePort()) }, ready.dispatcher);
  const workerMetricsPorts = [await freePort(), await freePort(), await freePort()];
  const workers: ManagedProcess[] = [];
  for (const [i, port] of workerMetricsPorts.entries()) {
    workers.push(await stack.process(`worker-${i + 1}`, 'worker/main.ts', { ...env, ...infoLogs, WORKER_BACKGROUND_DUTIES: 'false', WORKER_METRICS_PORT: String(port), PGAPPNAME: `hotpath-worker-${i + 1}` }, ready.worker));
  }
  const apis: ManagedProcess[] = [];
  for (const [i, port] of apiPorts.entries()) {
    apis.push(await stack.process(`api-${i + 1}`, 'api/server.ts', { ...env, ...infoLogs, API_PORT: String(port), WMS_WEBHOOK_SECRET: secrets.webhook, STRIPE_WEBHOOK_SECRET: secrets.stripeWebhook, RATE_LIMIT_PER_MINUTE: '1000000', CHECKOUT_RATE_LIMIT_PER_MINUTE: '1000000' }, ready.api));
  }
  log(`stack up: 2 APIs behind ${proxy.url}, 3 workers, 1 dispatcher, simulators in-process`);

  const connection = await Connection.connect({ address: temporalAddress });
  stack.onStop('temporal client', () => connection.close());
  const client = new Client({ connection, namespace: 'default' });

  /** Worker identity (the SDK's default: pid@host) → name, for every incarnation of a worker. */
  const identities = new Map<string, string>();
  const noteIdentities = () => workers.forEach((w, i) => w.pid && identities.set(`${w.pid}@${hostname()}`, `worker-${i + 1}`));
  noteIdentities();

  const activityAttemptsOf = async (port: number): Promise<number | null> => {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text(), () => null);
    if (text === null) return null;
    return [...text.matchAll(/^hotpath_saga_step_duration_seconds_count\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  };

  async function waitEnded(ids: string[], deadlineMs: number): Promise<number> {
    for (;;) {
      const [row] = await database.db.execute<{ open: number }>(sql`select count(*)::int as open from orders where id in ${ids.length ? ids : ['']} and status not in ${terminalStatusList()}`);
      if (row!.open === 0 || Date.now() > deadlineMs) return row!.open;
      await sleep(500);
    }
  }

  /** Open loop: `count` one-line orders at `rate`/s through the proxy, each retried with its key until answered. */
  async function placeOneLineOrders(tag: string, count: number, rate: number): Promise<string[]> {
    const accepted: string[] = [];
    const started = Date.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = started + (i * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      inFlight.push(
        (async () => {
          const body = JSON.stringify({ customerId: `scale-${i % 50}`, email: `scale${i}@example.com`, currency: 'USD', lines: [{ sku: SCALE_SKUS[i % SCALE_SKUS.length], quantity: 1, unitPriceCents: 1500 }], shippingAddress: { name: `Scale ${i}`, line1: `${i} Main St`, city: 'Boston', postalCode: '02110', country: 'US' }, paymentToken: 'tok_visa' });
          for (let attempt = 0; attempt < 60; attempt++) {
            const res = await fetch(`${proxy.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `scale-${SEED}-${tag}-${i}`, authorization: `Bearer ${secrets.checkout}` }, body, signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
            const answer = res ? ((await res.json().catch(() => ({}))) as { orderId?: string }) : {};
            if (res?.status === 202 && answer.orderId) return void accepted.push(answer.orderId);
            await sleep(500);
          }
        })(),
      );
    }
    await Promise.all(inFlight);
    return accepted;
  }

  const processPids = () => ({ workers: workers.map((w) => w.pid), apis: apis.map((a) => a.pid), dispatcher: dispatcher.pid, temporal: temporal.pid, postgres: pg.pid });

  async function throughputPhase(workerCount: number): Promise<{ result: PhaseThroughput; ids: string[] }> {
    const running = workers.slice(0, workerCount);
    const pids = { ...processPids(), workers: running.map((w) => w.pid) };
    const cpuBefore = Object.fromEntries(Object.entries({ api: pids.apis, worker: pids.workers, temporal: [pids.temporal], postgres: [pids.postgres], dispatcher: [pids.dispatcher] }).map(([k, list]) => [k, (list as (number | undefined)[]).reduce<number>((n, p) => n + (treeCpuMs(p) ?? 0), 0)]));
    const busyBefore = machineBusyCpuMs();
    const foreign = foreignLoad();
    const wallStart = Date.now();
    const ids = await placeOneLineOrders(`w${workerCount}`, ORDERS, RATE);
    const open = await waitEnded(ids, Date.now() + DRAIN_MS);
    const seconds = (Date.now() - wallStart) / 1000;
    const busyAfter = machineBusyCpuMs();
    const cpuAfter = Object.fromEntries(Object.entries({ api: pids.apis, worker: pids.workers, temporal: [pids.temporal], postgres: [pids.postgres], dispatcher: [pids.dispatcher] }).map(([k, list]) => [k, (list as (number | undefined)[]).reduce<number>((n, p) => n + (treeCpuMs(p) ?? 0), 0)]));
    const [span] = await database.db.execute<{ first: number; last: number; ended: number; completed: number }>(sql`
      select extract(epoch from min(o.created_at))::float8 as first, extract(epoch from max(e.at))::float8 as last,
        count(distinct o.id)::int as ended, count(distinct o.id) filter (where o.status = 'completed')::int as completed
      from orders o join order_events e on e.order_id = o.id and e.type = 'status' and e.status in ${terminalStatusList()}
      where o.id in ${ids.length ? ids : ['']}`);
    const e2e = (
      await database.db.execute<{ ms: number }>(sql`
        select extract(epoch from (select min(e.at) from order_events e where e.order_id = o.id and e.type = 'status' and e.status in ${terminalStatusList()}) - o.created_at)::float8 * 1000 as ms
        from orders o where o.id in ${ids.length ? ids : ['']}`)
    )
      .map((r) => r.ms)
      .filter((v) => Number.isFinite(v))
      .sort((a, b) => a - b);
    const sagaSeconds = span!.last - span!.first;
    const f = foreign();
    const result: PhaseThroughput = {
      workers: workerCount,
      offeredRate: RATE,
      orders: ORDERS,
      accepted: ids.length,
      ended: span!.ended,
      completed: span!.completed,
      seconds: round(sagaSeconds, 1),
      sagasPerSecond: round(span!.ended / sagaSeconds),
      endToEndP50Ms: pct(e2e, 50) === null ? null : round(pct(e2e, 50)!, 0),
      endToEndP95Ms: pct(e2e, 95) === null ? null : round(pct(e2e, 95)!, 0),
      machineBusyShare: busyBefore === null || busyAfter === null ? null : round((busyAfter - busyBefore) / (seconds * 1000 * CORES), 3),
      foreignShare: f?.shareOfMachine ?? null,
      cpuMsPerSaga: Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, round((cpuAfter[k]! - cpuBefore[k]!) / Math.max(1, span!.ended), 1)])),
    };
    if (open > 0) log(`${open} orders of the ${workerCount}-worker phase still open after the drain`);
    log(`${workerCount} worker(s): ${result.ended} of ${result.accepted} ended in ${result.seconds} s: ${result.sagasPerSecond} sagas/s; machine ${result.machineBusyShare === null ? '?' : Math.round(result.machineBusyShare * 100)} % busy`);
    return { result, ids };
  }

  /** Who ran each saga's tasks, from its history: the worker that ran its first workflow task, every workflow and activity task. */
  async function spreadOf(ids: string[]) {
    const perWorker: Record<string, WorkerSpread> = {};
    let onSeveral = 0;
    let unreadable = 0;
    const touchedBy: Record<string, { id: string; shared: boolean }[]> = {};
    const row = (name: string) => (perWorker[name] ??= { sagasStarted: 0, workflowTasks: 0, activityTasks: 0, sagasTouched: 0, sagasShared: 0 });
    const queue = [...ids];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          const history = await client.workflow.getHandle(orderWorkflowId(id)).fetchHistory().catch(() => undefined);
          if (!history) {
            unreadable += 1;
            continue;
          }
          const touched = new Set<string>();
          let first: string | undefined;
          for (const e of history.events ?? []) {
            const wft = e.workflowTaskStartedEventAttributes?.identity;
            const act = e.activityTaskStartedEventAttributes?.identity;
            if (wft) {
              const name = identities.get(wft) ?? wft;
              first ??= name;
              row(name).workflowTasks += 1;
              touched.add(name);
            }
            if (act) {
              const name = identities.get(act) ?? act;
              row(name).activityTasks += 1;
              touched.add(name);
            }
          }
          if (first) row(first).sagasStarted += 1;
          for (const name of touched) {
            row(name).sagasTouched += 1;
            if (touched.size > 1) row(name).sagasShared += 1;
            (touchedBy[name] ??= []).push({ id, shared: touched.size > 1 });
          }
          if (touched.size > 1) onSeveral += 1;
        }
      }),
    );
    return { perWorker: Object.fromEntries(Object.entries(perWorker).sort(([a], [b]) => a.localeCompare(b))), sagasOnSeveralWorkers: onSeveral, historiesRead: ids.length - unreadable, touchedBy };
  }

  // --- 1. One worker: the other two stop (SIGTERM: they drain), the same two APIs.
  await workers[1]!.stop();
  await workers[2]!.stop();
  const one = await throughputPhase(1);

  // --- 2. Three workers.
  await workers[1]!.start();
  await workers[2]!.start();
  noteIdentities();
  await sleep(3_000);
  const metricsBefore = await Promise.all(workerMetricsPorts.map(activityAttemptsOf));
  const three = await throughputPhase(3);
  const metricsAfter = await Promise.all(workerMetricsPorts.map(activityAttemptsOf));
  const threeSpread = await spreadOf(three.ids);
  const activityAttemptsByWorker = Object.fromEntries(workerMetricsPorts.map((_, i) => [`worker-${i + 1}`, metricsBefore[i] === null || metricsAfter[i] === null ? null : metricsAfter[i]! - metricsBefore[i]!]));

  // --- 3. The chaos load against three workers and two APIs; one of each SIGKILLed mid-run.
  const proxyBefore = proxy.stats();
  const random = seededRandom(SEED);
  const killDelayMs = (KILL_ORDERS / KILL_RATE) * 1000 * KILL_AT;
  let kill: { atSecond: number; at: string; worker: string; api: string; openOrdersAtKill: number } | undefined;
  const killPhaseStarted = Date.now();
  const killer = (async () => {
    await sleep(killDelayMs);
    const [open] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from orders where status not in ${terminalStatusList()}`);
    // Both at once, as a node failure would: a worker with sagas in flight, an API with requests in flight.
    await Promise.all([workers[0]!.kill9(), apis[1]!.kill9()]);
    kill = { atSecond: round((Date.now() - killPhaseStarted) / 1000, 1), at: new Date().toISOString(), worker: 'worker-1', api: 'api-2', openOrdersAtKill: open!.n };
    log(`SIGKILLed worker-1 and api-2 at +${kill.atSecond} s of the phase, ${open!.n} orders open`);
  })();
  const load = await driveOrders({ apiUrl: () => proxy.url, count: KILL_ORDERS, perSecond: KILL_RATE, random, checkoutToken: secrets.checkout, staffToken: secrets.staff, runId: `scaleout-${SEED}` });
  await killer;
  log(`drive done: ${load.accepted.length} accepted, ${load.refused} refused, ${load.retriedRequests} requests retried`);
  const stillOpen = await waitEnded(load.accepted, Date.now() + DRAIN_MS);
  const drainedAtSecond = round((Date.now() - killPhaseStarted) / 1000, 1);
  const proxyAfter = proxy.stats();
  const checked = await checkInvariants(database.db, sim.state, load.accepted, initialStock);
  // Orders of every phase: an order of the first two that never ended is a loss too.
  const allAccepted = [...one.ids, ...three.ids, ...load.accepted];
  const [allOpen] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from orders where id in ${allAccepted} and status not in ${terminalStatusList()}`);
  const [inDb] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from orders where id in ${allAccepted}`);
  const { touchedBy, ...killSpread } = await spreadOf(load.accepted);
  // The killed worker's sagas: those that had ended before it died, and those it held then (still open): did they go on elsewhere?
  let killedWorkerSagas: { ranOnIt: number; endedBeforeKill: number; openAtKill: number; openAtKillThenOnAnotherWorker: number } | undefined;
  if (kill) {
    const mine = touchedBy['worker-1'] ?? [];
    const ids = mine.map((m) => m.id);
    const endedBefore = new Set(
      (
        await database.db.execute<{ id: string }>(sql`
          select o.id from orders o where o.id in ${ids.length ? ids : ['']} and exists (select 1 from order_events e where e.order_id = o.id and e.type = 'status' and e.status in ${terminalStatusList()} and e.at < ${kill.at}::timestamptz)`)
      ).map((r) => r.id),
    );
    const open = mine.filter((m) => !endedBefore.has(m.id));
    killedWorkerSagas = { ranOnIt: mine.length, endedBeforeKill: endedBefore.size, openAtKill: open.length, openAtKillThenOnAnotherWorker: open.filter((m) => m.shared).length };
  }
  const threeSpreadOut = { perWorker: threeSpread.perWorker, sagasOnSeveralWorkers: threeSpread.sagasOnSeveralWorkers, historiesRead: threeSpread.historiesRead };
  const violations: Violation[] = [...checked.violations];
  if (inDb!.n !== allAccepted.length) violations.push({ invariant: 'no accepted order is lost', detail: `${allAccepted.length - inDb!.n} accepted orders are not in the database` });
  if (allOpen!.n > 0) violations.push({ invariant: 'every accepted order ends', detail: `${allOpen!.n} orders of the run never ended` });

  const dirty = execSync('git status --porcelain', { cwd: REPO_ROOT, encoding: 'utf8' }).trim() !== '';
  const commit = `${execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT, encoding: 'utf8' }).trim()}${dirty ? ' plus uncommitted changes' : ''}`;
  const result = {
    at: new Date().toISOString(),
    commit,
    machine: `${CORES} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`,
    seed: SEED,
    layout: { temporal: 'temporal server v1.29.1 (scripts/bench/temporal-postgres.sh), 4 history shards, on the run\'s embedded Postgres', apis: 2, proxy: 'round robin (scripts/bench/scaleout/proxy.ts)', workers: 3, dispatcher: 1, simulators: 'in the bench process, no added latency' },
    throughput: { oneWorker: one.result, threeWorkers: three.result, ratio: round(three.result.sagasPerSecond / one.result.sagasPerSecond) },
    spread: { threeWorkerPhase: { ...threeSpreadOut, activityAttemptsFromMetrics: activityAttemptsByWorker }, killPhase: { ...killSpread, killedWorkerSagas } },
    kill: {
      orders: { requested: KILL_ORDERS, rate: KILL_RATE, accepted: load.accepted.length, refused: load.refused, retriedRequests: load.retriedRequests, cancellations: load.cancellations },
      killed: kill,
      stillOpenAfterDrain: stillOpen,
      drainedAtSecond,
      outcomes: checked.outcomes,
      proxy: proxyAfter.map((u, i): UpstreamStats & { api: string } => ({ api: `api-${i + 1}`, port: u.port, answered: u.answered - proxyBefore[i]!.answered, refused: u.refused - proxyBefore[i]!.refused, lostInFlight: u.lostInFlight - proxyBefore[i]!.lostInFlight })),
    },
    allPhases: { accepted: allAccepted.length, inDatabase: inDb!.n, neverEnded: allOpen!.n },
    violations: violations.length,
    violationDetails: violations.slice(0, 30),
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  console.log(JSON.stringify(result, null, 2));
  const block = renderScaleOut(result, await otherRuns(result.at));
  console.log(block);
  if (values.write) {
    await mkdir(path.join(REPO_ROOT, 'bench-results/scaleout'), { recursive: true });
    const file = `bench-results/scaleout/${result.at.replace(/[:.]/g, '-')}.json`;
    await writeFile(path.join(REPO_ROOT, file), `${JSON.stringify(result, null, 2)}\n`);
    await writeBlock(block);
    log(`wrote docs/benchmarks.md (scale-out block) and ${file}`);
  }
  exitCode = violations.length === 0 ? 0 : 1;
  if (exitCode) log(`${violations.length} violation(s): ${violations.slice(0, 5).map((v) => `${v.invariant}: ${v.detail}`).join('; ')}`);
} catch (err) {
  console.error('[scaleout] run failed:', err);
} finally {
  await stack.stop();
}
process.exit(exitCode);

type Result = {
  at: string;
  commit: string;
  machine: string;
  seed: number;
  layout: Record<string, string | number>;
  throughput: { oneWorker: PhaseThroughput; threeWorkers: PhaseThroughput; ratio: number };
  spread: {
    threeWorkerPhase: { perWorker: Record<string, WorkerSpread>; sagasOnSeveralWorkers: number; historiesRead: number; activityAttemptsFromMetrics: Record<string, number | null> };
    killPhase: { perWorker: Record<string, WorkerSpread>; sagasOnSeveralWorkers: number; historiesRead: number; killedWorkerSagas?: { ranOnIt: number; endedBeforeKill: number; openAtKill: number; openAtKillThenOnAnotherWorker: number } };
  };
  kill: {
    orders: { requested: number; rate: number; accepted: number; refused: number; retriedRequests: number; cancellations: { accepted: number; refused: number; unanswered: number } };
    killed?: { atSecond: number; at: string; worker: string; api: string; openOrdersAtKill: number };
    stillOpenAfterDrain: number;
    drainedAtSecond: number;
    outcomes: Record<string, number>;
    proxy: (UpstreamStats & { api: string })[];
  };
  allPhases: { accepted: number; inDatabase: number; neverEnded: number };
  violations: number;
  violationDetails: Violation[];
  seconds: number;
};

/** The other runs' result files (bench-results/scaleout/*.json), oldest first, for the section's line of earlier runs. */
async function otherRuns(except: string): Promise<Result[]> {
  const dir = path.join(REPO_ROOT, 'bench-results/scaleout');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  const runs = await Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as Result));
  return runs.filter((r) => r.at !== except);
}

function renderScaleOut(r: Result, earlier: Result[] = []): string {
  const L: string[] = [];
  const { oneWorker: a, threeWorkers: b } = r.throughput;
  const share = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v * 100)} %`);
  L.push(SCALE_OUT_START, '### Scale-out on this machine (`npm run bench:scaleout`)', '');
  L.push(
    `Run ${r.at.slice(0, 16).replace('T', ' ')} UTC at ${r.commit}, ${r.machine}, seed ${r.seed}, ${Math.round(r.seconds / 60)} min. Layout: ${r.layout.temporal}; 2 API replicas behind a round-robin proxy (\`scripts/bench/scaleout/proxy.ts\`: a refused connection goes to the other replica, a request lost in flight answers 502 and the client retries it with its Idempotency-Key); 3 workers and the one dispatcher, each its own process; the vendor simulators in the bench process with no added latency, so a saga is CPU only. **Everything shares the machine's ${r.machine.split(' ')[0]} cores: they are the limit**, not the number of workers.`,
    '',
  );
  L.push('**Throughput, one worker against three** (the same load: one-line orders at an offered rate above what the machine completes, through the proxy to both APIs; sagas/s over first order → last order ended, from Postgres):', '');
  L.push('| Workers | Orders ended / accepted | Seconds | **Sagas/s** | End to end p50 / p95 ms | Machine CPU busy | Of it, other users | CPU ms per saga (worker, temporal, postgres, api) |', '|---|---|---|---|---|---|---|---|');
  for (const p of [a, b]) {
    const c = p.cpuMsPerSaga;
    L.push(`| ${p.workers} | ${p.ended} / ${p.accepted} (offered ${p.offeredRate}/s) | ${p.seconds} | **${p.sagasPerSecond}** | ${p.endToEndP50Ms ?? 'n/a'} / ${p.endToEndP95Ms ?? 'n/a'} | ${share(p.machineBusyShare)} | ${share(p.foreignShare)} | ${c.worker}, ${c.temporal}, ${c.postgres}, ${c.api} |`);
  }
  L.push('');
  const busy = Math.max(a.machineBusyShare ?? 0, b.machineBusyShare ?? 0);
  L.push(
    `Three workers complete **${r.throughput.ratio}×** the sagas/s of one. ${busy >= 0.9 ? `With one worker the machine was already ${share(a.machineBusyShare)} busy: a worker more only shares the same ${CORES} cores with Temporal, Postgres and the APIs, so it cannot add throughput here${b.cpuMsPerSaga.worker! > a.cpuMsPerSaga.worker! ? `, and it costs some: CPU per saga went from ${a.cpuMsPerSaga.worker} to ${b.cpuMsPerSaga.worker} ms in the workers and from ${a.cpuMsPerSaga.temporal} to ${b.cpuMsPerSaga.temporal} ms in Temporal (three sets of pollers and workflow caches, likely; not profiled)` : ''}. What workers on machines of their own add, this machine cannot show.` : `The machine was at most ${share(busy)} busy: the limit in this run was not CPU alone.`}`,
    '',
  );
  const spread = r.spread.threeWorkerPhase;
  L.push(`**Sagas spread over the workers** (three-worker phase: ${spread.historiesRead} histories read; "started on" is the worker that ran a saga's first workflow task, the identity Temporal records on every task; activity attempts are each worker's own \`hotpath_saga_step_duration_seconds_count\`):`, '');
  L.push('| Worker | Sagas started on it | Sagas it ran a task of | Workflow tasks | Activity tasks | Activity attempts (its /metrics) |', '|---|---|---|---|---|---|');
  for (const [name, w] of Object.entries(spread.perWorker)) L.push(`| ${name} | ${w.sagasStarted} | ${w.sagasTouched} | ${w.workflowTasks} | ${w.activityTasks} | ${spread.activityAttemptsFromMetrics[name] ?? 'n/a'} |`);
  L.push('', `${spread.sagasOnSeveralWorkers} of ${spread.historiesRead} sagas had tasks on more than one worker: a saga's workflow tasks stay on the worker that has it cached (its sticky queue), and its activities run there too (eager activity execution, on in lib/temporal-dynamic-config.yaml). The spread is by saga, not by step.`, '');
  const k = r.kill;
  L.push(`**Killing one worker and one API replica** (the chaos run's load, \`scripts/chaos/load.ts\`: 1–5 lines over three warehouses, 5 % declined cards, 5 % cancelled by staff at a random moment; ${k.orders.requested} orders at ${k.orders.rate}/s through the proxy):`, '');
  L.push('| Measure | Value |', '|---|---|');
  L.push(`| SIGKILL | ${k.killed ? `${k.killed.worker} and ${k.killed.api} together, ${k.killed.atSecond} s into the load, ${k.killed.openOrdersAtKill} orders open` : 'did not happen'} |`);
  L.push(`| orders accepted (202) / refused / requests retried by the client | ${k.orders.accepted} / ${k.orders.refused} / ${k.orders.retriedRequests} |`);
  L.push(`| staff cancellations accepted / refused (409, 400) / unanswered | ${k.orders.cancellations.accepted} / ${k.orders.cancellations.refused} / ${k.orders.cancellations.unanswered} |`);
  L.push(`| requests through the proxy in the phase (orders, staff calls, the simulated WMS's and Stripe's callbacks) | ${k.proxy.map((p) => `${p.api}: answered ${p.answered}, connections refused ${p.refused}, lost in flight ${p.lostInFlight}`).join('; ')} |`);
  L.push(`| every accepted order ended | ${k.stillOpenAfterDrain === 0 ? `yes, all by ${k.drainedAtSecond} s` : `**no: ${k.stillOpenAfterDrain} still open** after the drain`} |`);
  L.push(`| outcomes | ${Object.entries(k.outcomes).sort(([x], [y]) => x.localeCompare(y)).map(([o, n]) => `${o} ${n}`).join(', ')} |`);
  L.push(`| invariants (scripts/chaos/invariants.ts: money, stock, vendors, ERP, gapless webhook events) over every accepted order, and every order of all three phases in the database and ended | **${r.violations} violations**${r.violations ? `: ${r.violationDetails.slice(0, 3).map((v) => `${v.invariant}: ${v.detail}`).join('; ')}` : ''} |`);
  L.push(`| all phases | ${r.allPhases.accepted} orders accepted, ${r.allPhases.inDatabase} in the database, ${r.allPhases.neverEnded} never ended |`);
  L.push('');
  const ks = r.spread.killPhase;
  const killed = ks.killedWorkerSagas;
  L.push(
    `Who ran the kill phase's ${ks.historiesRead} sagas (a task of it, and how many of those also ran on another worker): ${Object.entries(ks.perWorker).map(([name, w]) => `${name} ${w.sagasTouched} (${w.sagasShared} shared)`).join(', ')}; ${ks.sagasOnSeveralWorkers} sagas had tasks on more than one worker.${killed && k.killed ? ` The killed ${k.killed.worker} ran a task of ${killed.ranOnIt} sagas: ${killed.endedBeforeKill} had ended before it died; of the ${killed.openAtKill} still open then, **${killed.openAtKillThenOnAnotherWorker} went on on another worker** (Temporal gives a dead worker's workflow tasks to the live ones once its sticky queue's schedule-to-start, 5 s, runs out, and retries its activities in flight after their start-to-close timeout, 5 s).` : ''}`,
    '',
  );
  if (earlier.length > 0) {
    L.push(
      `Other runs (their result files are beside this one): ${earlier.map((e) => `${e.at.slice(0, 16).replace('T', ' ')} (${e.commit}, seed ${e.seed}): ${e.throughput.oneWorker.sagasPerSecond} sagas/s with one worker, ${e.throughput.threeWorkers.sagasPerSecond} with three; kill with ${e.kill.killed?.openOrdersAtKill ?? '?'} orders open, ${e.kill.orders.accepted - e.kill.stillOpenAfterDrain} of ${e.kill.orders.accepted} ended, ${e.violations} violations`).join('; ')}.`,
      '',
    );
  }
  L.push(`Result file: \`bench-results/scaleout/${r.at.replace(/[:.]/g, '-')}.json\`.`, SCALE_OUT_END);
  return L.join('\n');
}

async function writeBlock(block: string): Promise<void> {
  const doc = path.join(REPO_ROOT, 'docs/benchmarks.md');
  const text = await readFile(doc, 'utf8');
  const start = text.indexOf(SCALE_OUT_START);
  const end = text.indexOf(SCALE_OUT_END);
  const next = start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + SCALE_OUT_END.length) : text.replace('\n## Orchestration overhead', `\n${block}\n\n## Orchestration overhead`);
  await writeFile(doc, next);
}
