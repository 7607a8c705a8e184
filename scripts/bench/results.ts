import type { FlashResult } from './flashSale';
import type { BreakdownResult, LatencyResult } from './latency';
import type { OverheadResult, ThroughputResult } from './saga';
import { round } from './stats';

export const SECTIONS = ['latency', 'breakdown', 'throughput', 'overhead', 'flash'] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface Failed {
  status: 'failed';
  error: string;
}

export interface Goal {
  id: string;
  goal: string;
  target: string;
  measured: string;
  /** null: not measured in this run. */
  met: boolean | null;
  margin: string;
}

export interface BenchResult {
  schema: 1;
  mode: 'smoke' | 'full';
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  command: string;
  git: { commit: string | null; dirty: boolean | null; changedFiles: string[] };
  machine: { cpus: number; cpuModel: string; memoryGiB: number; os: string; node: string; clockTicksPerSecond: number };
  config: Record<string, unknown>;
  bootSeconds: number | null;
  sections: {
    latency?: LatencyResult | Failed;
    breakdown?: BreakdownResult | Failed;
    throughput?: ThroughputResult | Failed;
    overhead?: OverheadResult | Failed;
    flash?: FlashResult | Failed;
  };
  sectionSeconds: Partial<Record<SectionName, number>>;
  /** CPU used by processes outside the bench's tree during each section (others' tests, builds): disturbance. */
  foreignLoad: Partial<Record<SectionName | 'run', { foreignCpuSeconds: number; shareOfMachine: number } | null>>;
  goals: Goal[];
  /** Harness failures (boot, a section that threw): the run's exit code is non-zero when there is any. */
  failures: string[];
}

export const ok = <T extends { status: string }>(s: T | Failed | undefined): s is T => !!s && s.status === 'ok';

const ms = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${v} ms`);

/** The issue's goals, evaluated against what this run measured. */
export function evaluateGoals(r: BenchResult): Goal[] {
  const goals: Goal[] = [];
  const latency = ok(r.sections.latency) ? r.sections.latency : undefined;
  const find = (endpoint: string, rate: number) => latency?.steps.find((s) => s.endpoint === endpoint && s.rate === rate);

  const at50 = find('hotpath', 50);
  const p99 = at50?.latencyMs.p99 ?? null;
  goals.push({
    id: 'hotpath-p99-at-50',
    goal: 'create-order p99 at 50 orders/s',
    target: '≤ 25 ms',
    measured: at50 ? `${ms(p99)} (n = ${at50.latencyMs.n}, ${at50.errors} errors)` : 'not measured',
    met: p99 === null ? null : p99 <= 25 && at50!.errors === 0,
    margin: p99 === null ? '' : p99 <= 25 ? `met by ${round(25 - p99)} ms` : `missed by ${round(p99 - 25)} ms`,
  });

  for (const rate of latency?.plan.rates ?? []) {
    const hp = find('hotpath', rate);
    const chain = find('chain', rate);
    const floor = find('insert-only', rate);
    const ratio = hp?.latencyMs.p95 && chain?.latencyMs.p95 ? chain.latencyMs.p95 / hp.latencyMs.p95 : null;
    goals.push({
      id: `p95-vs-chain-at-${rate}`,
      goal: `p95 at least 20× lower than the synchronous chain, ${rate} orders/s`,
      target: 'chain p95 / Hotpath p95 ≥ 20',
      measured: ratio === null ? 'not measured' : `${round(ratio, 1)}× (chain ${ms(chain!.latencyMs.p95)}, Hotpath ${ms(hp!.latencyMs.p95)})`,
      met: ratio === null ? null : ratio >= 20,
      margin: ratio === null ? '' : ratio >= 20 ? `met with ${round(ratio / 20, 2)}× the required factor` : `missed: ${round(ratio / 20, 2)}× of the required factor`,
    });
    const floorRatio = hp?.latencyMs.p50 && floor?.latencyMs.p50 ? hp.latencyMs.p50 / floor.latencyMs.p50 : null;
    goals.push({
      id: `p50-vs-floor-at-${rate}`,
      goal: `p50 at most 2× the insert-only control, ${rate} orders/s`,
      target: 'Hotpath p50 / insert-only p50 ≤ 2',
      measured: floorRatio === null ? 'not measured' : `${round(floorRatio, 2)}× (Hotpath ${ms(hp!.latencyMs.p50)}, insert-only ${ms(floor!.latencyMs.p50)})`,
      met: floorRatio === null ? null : floorRatio <= 2,
      margin:
        floorRatio === null
          ? ''
          : floorRatio <= 2
            ? `met by ${round(2 * floor!.latencyMs.p50! - hp!.latencyMs.p50!)} ms`
            : `missed by ${round(hp!.latencyMs.p50! - 2 * floor!.latencyMs.p50!)} ms`,
    });
  }

  const overhead = ok(r.sections.overhead) ? r.sections.overhead : undefined;
  const op95 = overhead?.saga.orchestrationOverheadMs.p95 ?? null;
  goals.push({
    id: 'orchestration-overhead-p95',
    goal: `order → WMS handoff minus the simulated critical path, p95${overhead ? ` (${overhead.rate} orders/s)` : ''}`,
    target: '≤ 100 ms',
    measured: overhead ? `${ms(op95)} (p50 ${ms(overhead.saga.orchestrationOverheadMs.p50)}, n = ${overhead.saga.orchestrationOverheadMs.n})` : 'not measured',
    met: op95 === null ? null : op95 <= 100,
    margin: op95 === null ? '' : op95 <= 100 ? `met by ${round(100 - op95)} ms` : `missed by ${round(op95 - 100)} ms`,
  });

  const flash = ok(r.sections.flash) ? r.sections.flash : undefined;
  if (flash) {
    const bad = [...flash.runs, ...flash.sellouts].reduce((n, x) => n + x.oversold + x.heldMismatch, 0);
    goals.push({
      id: 'flash-sale-oversold',
      goal: 'flash sale: nothing oversold, holds match reservations (both implementations)',
      target: '0',
      measured: String(bad),
      met: bad === 0,
      margin: bad === 0 ? 'met' : `${bad} units wrong`,
    });
  } else {
    goals.push({ id: 'flash-sale-oversold', goal: 'flash sale: nothing oversold', target: '0', measured: 'not measured', met: null, margin: '' });
  }
  return goals;
}
