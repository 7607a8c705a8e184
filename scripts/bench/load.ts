import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { summarize, type Summary } from './stats';

/**
 * Open-loop load: request i is due at t0 + i/rate whatever happened to earlier requests, and its latency is
 * measured from that due time to the end of the response. A server that stalls therefore shows the stall in
 * every request that should have been sent meanwhile (no coordinated omission), and a generator that falls
 * behind its schedule shows it too (`sendLag`).
 */
export interface OpenLoopOptions {
  pool: Pool;
  path: string;
  headers: (i: number) => Record<string, string>;
  body: (i: number) => string;
  rate: number;
  warmupSeconds: number;
  seconds: number;
  okStatus: (status: number) => boolean;
  timeoutMs?: number;
  /** Called with the request index when the request is sent (e.g. to remember order ids). */
  onSend?: (i: number) => void;
}

export interface StepResult {
  rate: number;
  warmupSeconds: number;
  seconds: number;
  /** Latency of the measured (post-warm-up) requests that got an expected status, ms from their due time. */
  latencyMs: Summary;
  sent: number;
  measured: number;
  errors: number;
  errorExamples: string[];
  /** How late the generator sent requests relative to their schedule (ms): large values mean the generator itself was starved. */
  sendLagMs: Summary;
  /** Wall-clock start of the measured part (epoch ms) and its end (last due time). */
  measuredFromEpochMs: number;
  measuredToEpochMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function loadPool(origin: string): Pool {
  return new Pool(origin, { connections: 1024, pipelining: 1, keepAliveTimeout: 60_000 });
}

export async function openLoop(options: OpenLoopOptions): Promise<StepResult> {
  const { rate } = options;
  const warmupCount = Math.round(rate * options.warmupSeconds);
  const total = warmupCount + Math.round(rate * options.seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const lags: number[] = [];
  const errorExamples: string[] = [];
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now() + 20;
  const epochAtT0 = performance.timeOrigin + t0;

  const fire = async (i: number, due: number) => {
    const measured = i >= warmupCount;
    try {
      const { statusCode, body } = await options.pool.request({
        method: 'POST',
        path: options.path,
        headers: options.headers(i),
        body: options.body(i),
        headersTimeout: options.timeoutMs ?? 30_000,
        bodyTimeout: options.timeoutMs ?? 30_000,
      });
      const text = await body.text();
      const latency = performance.now() - due;
      if (options.okStatus(statusCode)) {
        if (measured) latencies.push(latency);
      } else if (measured) {
        errors += 1;
        if (errorExamples.length < 5) errorExamples.push(`${statusCode}: ${text.slice(0, 200)}`);
      }
    } catch (err) {
      if (measured) {
        errors += 1;
        if (errorExamples.length < 5) errorExamples.push((err as Error).message);
      }
    }
  };

  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(Math.floor(wait));
    if (i >= warmupCount) lags.push(Math.max(0, performance.now() - due));
    options.onSend?.(i);
    inFlight.push(fire(i, due));
  }
  await Promise.all(inFlight);
  return {
    rate,
    warmupSeconds: options.warmupSeconds,
    seconds: options.seconds,
    latencyMs: summarize(latencies),
    sent: total,
    measured: total - warmupCount,
    errors,
    errorExamples,
    sendLagMs: summarize(lags),
    measuredFromEpochMs: Math.round(epochAtT0 + warmupCount * interval),
    measuredToEpochMs: Math.round(epochAtT0 + (total - 1) * interval),
  };
}
