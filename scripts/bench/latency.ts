import { request } from 'undici';
import type { BenchContext, Endpoint } from './context';
import type { StepResult } from './load';
import { driveOrders, sagaStats, settleSagas, type SettleResult } from './saga';
import { round, summarize, type Summary } from './stats';

export interface LatencyPlan {
  rates: number[];
  warmupSeconds: number;
  seconds: number;
  /** Also measure Hotpath with the worker process stopped (sagas wait in Temporal): the API without saga CPU next to it. */
  workerPausedVariant: boolean;
}

export type LatencyEndpoint = 'hotpath' | 'insert-only' | 'chain' | 'hotpath-worker-paused';

export interface LatencyStep extends StepResult {
  endpoint: LatencyEndpoint;
  /** Hotpath only: sagas still running after the step, terminated before the next step. */
  settle?: SettleResult;
  /** Hotpath only: sagas started later than 1 s after their order committed (by the dispatcher instead of the request). */
  sagasStartedLate?: number;
  /** Hotpath only: sagas of the step that had completed when the step ended. */
  sagasCompleted?: number;
}

export interface LatencyResult {
  status: 'ok';
  plan: LatencyPlan;
  steps: LatencyStep[];
}

function drive(ctx: BenchContext, endpoint: Endpoint, rate: number, warmupSeconds: number, seconds: number, tagPrefix: string = endpoint) {
  return driveOrders(ctx, endpoint, `${tagPrefix}${rate}`, rate, warmupSeconds, seconds);
}

/**
 * Create-order latency at fixed arrival rates for the three endpoints. Per rate: the insert-only floor, the
 * synchronous chain, then Hotpath (its sagas run on the worker meanwhile, as in production); after a Hotpath
 * step the sagas still running are terminated so the next step does not compete with a backlog. Optionally
 * Hotpath once more with the worker stopped.
 */
export async function createOrderLatency(ctx: BenchContext, plan: LatencyPlan): Promise<LatencyResult> {
  const steps: LatencyStep[] = [];
  const endpoints: LatencyEndpoint[] = ['insert-only', 'chain', 'hotpath', ...(plan.workerPausedVariant ? (['hotpath-worker-paused'] as const) : [])];
  for (const rate of plan.rates) {
    for (const endpoint of endpoints) {
      ctx.log(`latency: ${endpoint} at ${rate} orders/s (${plan.warmupSeconds} s warm-up + ${plan.seconds} s)`);
      const paused = endpoint === 'hotpath-worker-paused';
      if (paused) await ctx.stack.pauseWorker();
      let driven;
      try {
        driven = await drive(ctx, (paused ? 'hotpath' : endpoint) as Endpoint, rate, plan.warmupSeconds, plan.seconds, paused ? 'hotpath-paused' : endpoint);
      } finally {
        if (paused) await ctx.stack.resumeWorker();
      }
      const { step, ids } = driven;
      const result: LatencyStep = { endpoint, ...step };
      if (endpoint === 'hotpath' || paused) {
        const sagas = await sagaStats(ctx, ids);
        result.sagasStartedLate = sagas.startedLate;
        result.sagasCompleted = sagas.completed;
        result.settle = await settleSagas(ctx, ids);
      }
      steps.push(result);
      const l = step.latencyMs;
      ctx.log(`latency: ${endpoint} ${rate}/s p50 ${l.p50} p95 ${l.p95} p99 ${l.p99} ms, ${step.errors} errors${result.settle ? `, ${result.settle.terminated} sagas still running terminated` : ''}`);
    }
  }
  return { status: 'ok', plan, steps };
}

export interface BreakdownVariant {
  variant: 'worker running' | 'worker paused';
  clientLatencyMs: Summary;
  phasesMs: Record<string, Summary>;
  settle: SettleResult;
  /** Of the measured requests' Temporal starts, how many ended before the handler answered (the start is on the response path). */
  startsInsideTheRequest: number;
  starts: number;
  errors: number;
}

export interface BreakdownResult {
  status: 'ok';
  rate: number;
  warmupSeconds: number;
  seconds: number;
  how: string;
  variants: BreakdownVariant[];
}

/**
 * The hot path's time split into its phases, measured in the bench baselines process around the real
 * placeOrder() (wired as the API wires it): validation, the order transaction, the rest of placeOrder() outside
 * the transaction, and the Temporal start, in the request or after it. Once with the worker running (its sagas
 * compete for the machine), and, if asked, once with the worker stopped.
 */
export async function hotPathBreakdown(ctx: BenchContext, plan: { rate: number; warmupSeconds: number; seconds: number; workerPausedVariant: boolean }): Promise<BreakdownResult> {
  const { rate, warmupSeconds, seconds } = plan;
  const stats = async () => {
    const res = await request(`${ctx.stack.baselinesUrl}/breakdown-stats`);
    return ((await res.body.json()) as { phases: ({ key: string } & Record<string, number | string>)[] }).phases;
  };
  const variants: BreakdownVariant[] = [];
  for (const variant of ['worker running', ...(plan.workerPausedVariant ? ['worker paused'] : [])] as BreakdownVariant['variant'][]) {
    ctx.log(`breakdown: placeOrder() phases at ${rate} orders/s, ${variant}`);
    await stats();
    const paused = variant === 'worker paused';
    if (paused) await ctx.stack.pauseWorker();
    let driven;
    try {
      driven = await drive(ctx, 'breakdown', rate, warmupSeconds, seconds, paused ? 'breakdown-paused' : 'breakdown');
    } finally {
      if (paused) await ctx.stack.resumeWorker();
    }
    const { step, ids } = driven;
    // Background starts of these requests end within the start timeout: wait for them to write their timings.
    await new Promise((r) => setTimeout(r, 2500));
    const all = await stats();
    const settle = await settleSagas(ctx, ids);
    // The phases of the measured requests only: the request index is the last part of its Idempotency-Key.
    const warmupCount = Math.round(rate * warmupSeconds);
    const phases = all.filter((p) => Number(p.key.split('-').at(-1)) >= warmupCount) as unknown as Record<string, number | undefined>[];
    const pick = (name: string) => summarize(phases.map((p) => p[name]).filter((v): v is number => typeof v === 'number'));
    const both = (a: string, b: string) => phases.filter((p) => typeof p[a] === 'number' && typeof p[b] === 'number');
    variants.push({
      variant,
      clientLatencyMs: step.latencyMs,
      phasesMs: {
        validate: pick('validateMs'),
        orderTransaction: pick('txMs'),
        placeOrderOutsideTransaction: summarize(both('placeOrderMs', 'txMs').map((p) => p.placeOrderMs! - p.txMs!)),
        placeOrderHandler: pick('handlerMs'),
        temporalStart: pick('temporalStartMs'),
        commitToSagaStarted: summarize(both('startEndAt', 'txEndAt').map((p) => p.startEndAt! - p.txEndAt!)),
      },
      startsInsideTheRequest: both('startEndAt', 'handlerEndAt').filter((p) => p.startEndAt! <= p.handlerEndAt!).length,
      starts: both('startEndAt', 'handlerEndAt').length,
      settle,
      errors: step.errors,
    });
  }
  return {
    status: 'ok',
    rate,
    warmupSeconds,
    seconds,
    how: 'bench baselines process, POST /breakdown-orders → the real placeOrder() with timers around db.transaction and client.workflow.start (AsyncLocalStorage per request); the API process itself is not instrumented',
    variants,
  };
}

export { round };
