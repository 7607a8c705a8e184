import { performance } from 'node:perf_hooks';
import proto from '@temporalio/proto';
import { BENCH_TASK_QUEUE } from './stack';
import { orderWorkflowId } from '../../workflows/order/contract';
import { historyBreakdown, type HistoryBreakdown } from './history';
import { benchOrder } from './orders';
import { criticalPaths, endpointTarget, keyFor, orderIdFor, type BenchContext, type Endpoint } from './context';
import { openLoop, type StepResult } from './load';
import { sampleRss, threadCpuMs, treeCpuMs, treeMemoryKb } from './procstat';
import { round, summarize, type Summary } from './stats';

const TERMINAL = ['completed', 'rejected', 'failed', 'cancelled'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DrainResult {
  settled: boolean;
  open: number;
  waitedSeconds: number;
}

/** Waits until every one of these orders has reached a final status (or the cap passes). */
export async function waitForOrders(ctx: BenchContext, ids: string[], capSeconds: number): Promise<DrainResult> {
  const started = performance.now();
  const { sql } = ctx.stack;
  for (;;) {
    const [row] = await sql<{ open: number; present: number }[]>`
      select count(*) filter (where status <> all(${sql.array(TERMINAL)}))::int as open, count(*)::int as present
      from orders where id = any(${sql.array(ids)})`;
    const waited = (performance.now() - started) / 1000;
    if (row!.open === 0 || waited > capSeconds) return { settled: row!.open === 0, open: row!.open, waitedSeconds: round(waited, 1)! };
    await sleep(500);
  }
}

export interface SettleResult {
  /** Sagas of the step still running when it ended, terminated so the next step starts on an idle stack. */
  terminated: number;
  /** Orders of the step whose saga the API had deferred to the dispatcher, kept from starting later. */
  neverStarted: number;
  seconds: number;
  /** Workflow tasks still queued in Temporal once settled (0 unless the drain cap passed). */
  backlogLeft: number | null;
}

/**
 * Waits until Temporal's workflow task queue has no backlog. Terminating a saga does not remove its workflow
 * task from matching's queue: sagas started while the worker was stopped leave thousands of tasks that Temporal
 * must still pull and discard, and new orders queue behind them (measured: e2e p95 27 s at 2 orders/s).
 */
export async function waitForIdleTaskQueue(ctx: BenchContext, capSeconds: number): Promise<number | null> {
  const client = await ctx.temporal();
  const started = performance.now();
  for (;;) {
    let backlog: number | null = null;
    try {
      const answer = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: BENCH_TASK_QUEUE },
        taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        reportStats: true,
      });
      if (!answer.stats) return null; // a Temporal without task queue stats: nothing to wait for
      backlog = Number(answer.stats.approximateBacklogCount ?? 0);
    } catch {
      return null; // a Temporal without task queue stats: nothing to wait for
    }
    if (backlog === 0 || (performance.now() - started) / 1000 > capSeconds) return backlog;
    await sleep(1000);
  }
}

/**
 * Ends a latency step: terminates its sagas that are still running (a backlog that would otherwise take minutes to
 * drain and compete with the next step), keeps the dispatcher from starting the ones that never started, and
 * waits until Temporal's workflow task queue is empty. Those sagas are part of no measurement; saga throughput and
 * overhead are measured in their own sections on sagas that run to the end.
 */
export async function settleSagas(ctx: BenchContext, orderIds: string[]): Promise<SettleResult> {
  const started = performance.now();
  const client = await ctx.temporal();
  const terminate = async (ids: string[]) => {
    const missed: string[] = [];
    let done = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          try {
            // No describe(): its memo is encrypted and this client has no codec.
            await client.workflow.getHandle(orderWorkflowId(id)).terminate('bench: latency step over');
            done += 1;
          } catch {
            missed.push(id); // not started (yet), or already ended
          }
        }
      }),
    );
    return { done, missed };
  };
  const first = await terminate(orderIds);
  // An overloaded API defers starts to the dispatcher (start deadline 2 s): those orders would start minutes later,
  // in another section. Mark them started so the dispatcher leaves them, let in-flight API starts end, terminate again.
  const { sql } = ctx.stack;
  const marked = await sql<{ id: string }[]>`update orders set workflow_started_at = now() where id = any(${sql.array(first.missed)}) and workflow_started_at is null returning id`;
  await sleep(3000);
  const second = await terminate(first.missed);
  // A start already in flight when the orders were marked still happened: those sagas were terminated, not kept out.
  const secondMissed = new Set(second.missed);
  const neverStarted = marked.filter((row) => secondMissed.has(row.id)).length;
  const backlogLeft = await waitForIdleTaskQueue(ctx, 300);
  return { terminated: first.done + second.done, neverStarted, seconds: round((performance.now() - started) / 1000, 1)!, backlogLeft };
}

interface OrderTiming {
  id: string;
  status: string;
  created: number;
  started: number | null;
  handoff: number | null;
  completed: number | null;
}

/** Timestamps from Postgres (microsecond precision, one clock): order committed, saga started, WMS handoff, completed. */
export async function orderTimings(ctx: BenchContext, ids: string[]): Promise<OrderTiming[]> {
  const { sql } = ctx.stack;
  const rows = await sql<{ id: string; status: string; created: string; started: string | null; handoff: string | null; completed: string | null }[]>`
    select o.id, o.status,
      extract(epoch from o.created_at) * 1000 as created,
      extract(epoch from o.workflow_started_at) * 1000 as started,
      (select extract(epoch from min(e.at)) * 1000 from order_events e where e.order_id = o.id and e.type = 'shipment.handed_off') as handoff,
      (select extract(epoch from min(e.at)) * 1000 from order_events e where e.order_id = o.id and e.type = 'status' and e.status = 'completed') as completed
    from orders o where o.id = any(${sql.array(ids)})`;
  const num = (v: string | null) => (v === null ? null : Number(v));
  return rows.map((r) => ({ id: r.id, status: r.status, created: Number(r.created), started: num(r.started), handoff: num(r.handoff), completed: num(r.completed) }));
}

export interface SagaStats {
  orders: number;
  /** Orders the API accepted that are in the database. */
  found: number;
  completed: number;
  statuses: Record<string, number>;
  /** Order committed → status `completed`. */
  endToEndMs: Summary;
  /** End to end minus the simulated vendor time on the saga's critical path. */
  endToEndOverheadMs: Summary;
  /** Order committed → WMS handoff recorded. */
  toHandoffMs: Summary;
  /** To the handoff minus the simulated vendor time on its critical path: the orchestration overhead. */
  orchestrationOverheadMs: Summary;
  /** Order committed → saga start recorded (the outbox mark); > 1 s means the dispatcher, not the request, started it. */
  startDelayMs: Summary;
  startedLate: number;
}

export async function sagaStats(ctx: BenchContext, ids: string[]): Promise<SagaStats & { timings: OrderTiming[] }> {
  const timings = await orderTimings(ctx, ids);
  const paths = criticalPaths(ctx.simLatencies);
  const statuses: Record<string, number> = {};
  for (const t of timings) statuses[t.status] = (statuses[t.status] ?? 0) + 1;
  const e2e = timings.filter((t) => t.completed !== null).map((t) => t.completed! - t.created);
  const handoff = timings.filter((t) => t.handoff !== null).map((t) => t.handoff! - t.created);
  const start = timings.filter((t) => t.started !== null).map((t) => t.started! - t.created);
  return {
    orders: ids.length,
    found: timings.length,
    completed: e2e.length,
    statuses,
    endToEndMs: summarize(e2e),
    endToEndOverheadMs: summarize(e2e.map((v) => v - paths.toCompletionMs)),
    toHandoffMs: summarize(handoff),
    orchestrationOverheadMs: summarize(handoff.map((v) => v - paths.toHandoffMs)),
    startDelayMs: summarize(start),
    startedLate: start.filter((v) => v > 1000).length,
    timings,
  };
}

/** Places bench orders open-loop on one endpoint; answers the step and the id of every order sent, in order. */
export async function driveOrders(ctx: BenchContext, endpoint: Endpoint, tag: string, rate: number, warmupSeconds: number, seconds: number) {
  const target = endpointTarget(ctx, endpoint);
  const ids: string[] = [];
  const step = await openLoop({
    pool: target.pool,
    path: target.path,
    headers: (i) => target.headers(keyFor(ctx, tag, i)),
    body: (i) => JSON.stringify(benchOrder(i)),
    rate,
    warmupSeconds,
    seconds,
    okStatus: target.okStatus,
    onSend: (i) => ids.push(orderIdFor(keyFor(ctx, tag, i))),
  });
  return { step, ids };
}

/** Places Hotpath orders open-loop and returns the step plus the ids of the measured orders and of all orders. */
export async function driveHotpath(ctx: BenchContext, tag: string, rate: number, warmupSeconds: number, seconds: number) {
  const { step, ids } = await driveOrders(ctx, 'hotpath', tag, rate, warmupSeconds, seconds);
  return { step, all: ids, measured: ids.slice(Math.round(rate * warmupSeconds)) };
}

export interface ThroughputPlan {
  stepRates: number[];
  stepSeconds: number;
  sustainSeconds: number;
  drainCapSeconds: number;
}

export interface ThroughputStep {
  rate: number;
  good: boolean;
  why: string;
  createOrder: StepResult;
  drain: DrainResult;
  saga: SagaStats;
}

export interface ThroughputResult {
  status: 'ok';
  plan: ThroughputPlan;
  criterion: string;
  steps: ThroughputStep[];
  highestGoodRate: number;
  sustain: {
    rate: number;
    seconds: number;
    createOrder: StepResult;
    drain: DrainResult;
    saga: SagaStats;
    /** Sagas completed inside the placement window, per second. */
    completedPerSecond: number | null;
    /** Sagas of the window completed, over first commit → last completion. */
    completedPerSecondIncludingDrain: number | null;
    good: boolean;
    why: string;
    cpuMs: Record<string, number | null>;
    cpuMsPerSaga: Record<string, number | null>;
    /** The worker's CPU per saga by thread (JS main thread, workflow thread, Rust core, V8 helpers). */
    workerThreadCpuMsPerSaga: Record<string, number> | null;
    workerPeakRssMiB: number | null;
    workerRssHighWaterMiB: number | null;
  };
}

const CRITERION =
  'a step is good when every order completed within the drain cap, the p95 of (end to end − vendor critical path) stays ≤ max(2 × the first step\'s, 250 ms), and create-order p99 stays ≤ max(4 × the first step\'s, 100 ms); stepping stops at the first step that is not good';

function judge(step: { createOrder: StepResult; drain: DrainResult; saga: SagaStats }, first?: { createOrder: StepResult; saga: SagaStats }): { good: boolean; why: string } {
  const reasons: string[] = [];
  if (!step.drain.settled || step.saga.completed < step.saga.orders) reasons.push(`${step.saga.orders - step.saga.completed} of ${step.saga.orders} not completed`);
  if (step.createOrder.errors > 0) reasons.push(`${step.createOrder.errors} create-order errors`);
  if (first) {
    const lagLimit = Math.max(2 * (first.saga.endToEndOverheadMs.p95 ?? 0), 250);
    const lag = step.saga.endToEndOverheadMs.p95 ?? Infinity;
    if (lag > lagLimit) reasons.push(`saga overhead p95 ${lag} ms > ${round(lagLimit)} ms`);
    const p99Limit = Math.max(4 * (first.createOrder.latencyMs.p99 ?? 0), 100);
    const p99 = step.createOrder.latencyMs.p99 ?? Infinity;
    if (p99 > p99Limit) reasons.push(`create-order p99 ${p99} ms > ${round(p99Limit)} ms`);
  }
  return { good: reasons.length === 0, why: reasons.join('; ') || 'ok' };
}

const strip = (s: SagaStats & { timings?: unknown }): SagaStats => {
  const { timings: _t, ...rest } = s;
  return rest;
};

export async function sagaThroughput(ctx: BenchContext, plan: ThroughputPlan): Promise<ThroughputResult> {
  await startIdle(ctx, 'throughput');
  const steps: ThroughputStep[] = [];
  for (const rate of plan.stepRates) {
    ctx.log(`throughput: step ${rate} orders/s for ${plan.stepSeconds} s`);
    const { step, all } = await driveHotpath(ctx, `tp${rate}`, rate, 0, plan.stepSeconds);
    const drain = await waitForOrders(ctx, all, plan.drainCapSeconds);
    const saga = strip(await sagaStats(ctx, all));
    const verdict = judge({ createOrder: step, drain, saga }, steps[0] && { createOrder: steps[0].createOrder, saga: steps[0].saga });
    steps.push({ rate, ...verdict, createOrder: step, drain, saga });
    ctx.log(`throughput: ${rate}/s → ${verdict.why}; e2e p95 ${saga.endToEndMs.p95} ms, create p99 ${step.latencyMs.p99} ms, drained in ${drain.waitedSeconds} s`);
    if (!verdict.good) break;
    if (!drain.settled) break;
  }
  const good = steps.filter((s) => s.good);
  const highestGoodRate = good.at(-1)?.rate ?? plan.stepRates[0]!;

  ctx.log(`throughput: sustaining ${highestGoodRate} orders/s for ${plan.sustainSeconds} s`);
  const pids = ctx.stack.pids();
  const cpuBefore = cpuSnapshot(ctx);
  const threadsBefore = threadCpuMs(pids.worker);
  const rss = sampleRss(pids.worker);
  const { step, all } = await driveHotpath(ctx, `sustain${highestGoodRate}`, highestGoodRate, 0, plan.sustainSeconds);
  const drain = await waitForOrders(ctx, all, plan.drainCapSeconds);
  const peak = rss.stop();
  const cpuAfter = cpuSnapshot(ctx);
  const full = await sagaStats(ctx, all);
  const saga = strip(full);
  const { total: cpuMs, perSaga: cpuMsPerSaga } = cpuDelta(cpuBefore, cpuAfter, saga.completed);
  const workerThreadCpuMsPerSaga = threadDelta(threadsBefore, threadCpuMs(pids.worker), saga.completed);
  const windowEnd = step.measuredToEpochMs + 1000 / highestGoodRate;
  const inWindow = full.timings.filter((t) => t.completed !== null && t.completed >= step.measuredFromEpochMs && t.completed <= windowEnd).length;
  const firstCreated = Math.min(...full.timings.map((t) => t.created));
  const lastCompleted = Math.max(...full.timings.filter((t) => t.completed !== null).map((t) => t.completed!));
  const hwm = treeMemoryKb(pids.worker);
  const verdict = judge({ createOrder: step, drain, saga }, steps[0] && { createOrder: steps[0].createOrder, saga: steps[0].saga });
  return {
    status: 'ok',
    plan,
    criterion: CRITERION,
    steps,
    highestGoodRate,
    sustain: {
      rate: highestGoodRate,
      seconds: plan.sustainSeconds,
      createOrder: step,
      drain,
      saga,
      completedPerSecond: round(inWindow / plan.sustainSeconds),
      completedPerSecondIncludingDrain: saga.completed ? round(saga.completed / ((lastCompleted - firstCreated) / 1000)) : null,
      ...verdict,
      cpuMs,
      cpuMsPerSaga,
      workerThreadCpuMsPerSaga,
      workerPeakRssMiB: peak.peakRssKb === null ? null : round(peak.peakRssKb / 1024, 1),
      workerRssHighWaterMiB: hwm ? round(hwm.hwmKb / 1024, 1) : null,
    },
  };
}

export interface OverheadResult {
  status: 'ok';
  rate: number;
  rateSource: string;
  warmupSeconds: number;
  seconds: number;
  criticalPathMs: number;
  criticalPath: string;
  source: string;
  createOrder: StepResult;
  drain: DrainResult;
  saga: SagaStats;
  /** Where the overhead goes, from the workflow histories of a sample of the orders. */
  history: HistoryBreakdown | { error: string };
  /** CPU of each process from the first order to the last saga's end, per completed saga (warm-up included). */
  cpuMsPerSaga: Record<string, number | null>;
  workerThreadCpuMsPerSaga: Record<string, number> | null;
}

function cpuSnapshot(ctx: BenchContext) {
  const pids = ctx.stack.pids();
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, treeCpuMs(pid)])) as Record<string, number | null>;
}

function cpuDelta(before: Record<string, number | null>, after: Record<string, number | null>, sagas: number) {
  const total: Record<string, number | null> = {};
  const perSaga: Record<string, number | null> = {};
  for (const name of Object.keys(before)) {
    const b = before[name];
    const a = after[name];
    total[name] = b === null || a === null || b === undefined || a === undefined ? null : round(a - b, 0);
    perSaga[name] = total[name] === null || sagas === 0 ? null : round(total[name]! / sagas, 2);
  }
  return { total, perSaga };
}

async function startIdle(ctx: BenchContext, section: string) {
  const started = performance.now();
  const backlog = await waitForIdleTaskQueue(ctx, 300);
  ctx.log(`${section}: workflow task backlog ${backlog ?? 'unknown'} after ${round((performance.now() - started) / 1000, 1)} s of waiting for an idle Temporal`);
}

/** Per-saga CPU by thread name between two readings, largest first; threads under 0.5 ms/saga are folded into "other". */
function threadDelta(before: Record<string, number> | null, after: Record<string, number> | null, sagas: number): Record<string, number> | null {
  if (!before || !after || sagas === 0) return null;
  const rows = Object.entries(after).map(([name, ms]) => [name, (ms - (before[name] ?? 0)) / sagas] as const);
  const out: Record<string, number> = {};
  let other = 0;
  for (const [name, perSaga] of rows.sort((a, b) => b[1] - a[1])) {
    if (perSaga >= 0.5) out[name] = Math.round(perSaga * 100) / 100;
    else other += Math.max(0, perSaga);
  }
  if (other > 0) out.other = Math.round(other * 100) / 100;
  return out;
}

export async function orchestrationOverhead(ctx: BenchContext, rate: number, rateSource: string, warmupSeconds: number, seconds: number, drainCapSeconds: number): Promise<OverheadResult> {
  await startIdle(ctx, 'overhead');
  ctx.log(`overhead: ${rate} orders/s for ${warmupSeconds} + ${seconds} s`);
  const cpuBefore = cpuSnapshot(ctx);
  const threadsBefore = threadCpuMs(ctx.stack.pids().worker);
  const { step, all, measured } = await driveHotpath(ctx, `overhead${rate}`, rate, warmupSeconds, seconds);
  const drain = await waitForOrders(ctx, all, drainCapSeconds);
  const cpuAfter = cpuSnapshot(ctx);
  const threadsAfter = threadCpuMs(ctx.stack.pids().worker);
  const completedAll = (await sagaStats(ctx, all)).completed;
  const full = await sagaStats(ctx, measured);
  const saga = strip(full);
  const l = ctx.simLatencies;
  const history = await historyBreakdown(ctx.stack.temporalAddress, full.timings.filter((t) => t.handoff !== null), l).catch((err: Error) => ({ error: err.message }));
  return {
    status: 'ok',
    rate,
    rateSource,
    warmupSeconds,
    seconds,
    criticalPathMs: criticalPaths(l).toHandoffMs,
    criticalPath: `max(reserve, authorize ${l.authorize}) + label ${l.label} + WMS ${l.wms}; reserve is Hotpath's own Postgres transaction (no simulated latency), run in parallel with the authorization`,
    source:
      'orders.created_at (start of the order transaction in the API) to the order_events row `shipment.handed_off` (start of the transaction that records the WMS answer), both Postgres now(): one clock, microseconds',
    createOrder: step,
    drain,
    saga,
    history,
    cpuMsPerSaga: cpuDelta(cpuBefore, cpuAfter, completedAll).perSaga,
    workerThreadCpuMsPerSaga: threadDelta(threadsBefore, threadsAfter, completedAll),
  };
}
