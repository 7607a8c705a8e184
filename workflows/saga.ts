import { CancellationScope } from '@temporalio/workflow';

export interface Compensation {
  name: string;
  undo: () => Promise<unknown>;
}

export interface FailedCompensation {
  name: string;
  error: string;
  undo: () => Promise<unknown>;
}

/**
 * The saga's undo log. A step's compensation is registered *before* the step runs, because a step
 * that timed out or was cancelled may still have happened at the vendor; every compensation is
 * therefore idempotent and safe to run for a step that never took effect.
 */
export class Saga {
  private readonly log: Compensation[] = [];

  async step<T>(name: string, step: { run: () => Promise<T>; undo: () => Promise<unknown> }): Promise<T> {
    this.log.push({ name, undo: step.undo });
    return step.run();
  }

  /**
   * Runs steps concurrently and waits for *all* of them to settle before reporting the first failure,
   * so that compensation never races a sibling step that is still in flight.
   */
  async parallel<T extends unknown[]>(...steps: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
    const settled = await Promise.allSettled(steps.map((run) => run()));
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as T;
  }

  get registered(): readonly string[] {
    return this.log.map((c) => c.name);
  }

  /**
   * Undoes every registered step in reverse order, shielded from workflow cancellation. A compensation
   * that fails after its own retries does not stop the others; it is returned so the order can be parked.
   */
  async compensate(onUndone?: (name: string) => void): Promise<FailedCompensation[]> {
    const pending = [...this.log].reverse();
    this.log.length = 0;
    return CancellationScope.nonCancellable(() => runCompensations(pending, onUndone));
  }
}

export async function runCompensations(
  compensations: readonly Compensation[],
  onUndone?: (name: string) => void,
): Promise<FailedCompensation[]> {
  const failed: FailedCompensation[] = [];
  for (const compensation of compensations) {
    try {
      await compensation.undo();
      onUndone?.(compensation.name);
    } catch (err) {
      failed.push({ ...compensation, error: err instanceof Error ? (err.cause as Error | undefined)?.message ?? err.message : String(err) });
    }
  }
  return failed;
}
