import { runCompensations, type FailedCompensation, type Saga } from '../saga';
import type { OrderProgress } from './progress';

/** One compensation that may need several passes: each run answers what still failed (nothing: done). */
export type CompensationJob = () => Promise<string[]>;

export const describeFailures = (failed: readonly FailedCompensation[]) => failed.map((f) => `${f.name}: ${f.error}`);

/**
 * The saga's compensations as named jobs. One pass runs every pending job, so one vendor that stays down does
 * not hold back the others; if any failed, the order parks (`compensation_failed`) until a human has it fixed,
 * and the next pass re-runs only what failed. A job is registered once under its name and remembers its state.
 */
export class Compensations {
  private readonly jobs = new Map<string, { run: CompensationJob; done: boolean }>();

  constructor(private readonly progress: OrderProgress) {}

  readonly undone = (name: string) => this.progress.stepDone(`undone: ${name}`);

  /** The job's name, registering it on first use. */
  job(name: string, make: () => CompensationJob): string {
    if (!this.jobs.has(name)) this.jobs.set(name, { run: make(), done: false });
    return name;
  }

  /** A job of one compensation activity, with what to note once it succeeded. */
  single(name: string, undo: () => Promise<unknown>, then: () => void = () => {}): CompensationJob {
    return async () => {
      const failed = await runCompensations([{ name, undo }], this.undone);
      if (failed.length === 0) then();
      return describeFailures(failed);
    };
  }

  /** A saga's undo log as one job: the first pass runs it in reverse, later passes retry what failed. */
  undoLog(log: Saga, after?: (failed: readonly FailedCompensation[]) => Promise<string[]>): CompensationJob {
    let failed: FailedCompensation[] | undefined;
    return async () => {
      failed = failed === undefined ? await log.compensate(this.undone) : await runCompensations(failed, this.undone);
      return after ? after(failed) : describeFailures(failed);
    };
  }

  async runAll(names: readonly string[]): Promise<void> {
    let pending = names.filter((name) => !this.jobs.get(name)!.done);
    while (pending.length > 0) {
      const errors: string[] = [];
      for (const name of pending) {
        const entry = this.jobs.get(name)!;
        const failed = await entry.run();
        if (failed.length === 0) entry.done = true;
        else errors.push(...failed);
      }
      pending = pending.filter((name) => !this.jobs.get(name)!.done);
      if (pending.length > 0) await this.progress.park(`compensation failed: ${errors.join('; ')}`, 'compensation_failed');
    }
  }
}
