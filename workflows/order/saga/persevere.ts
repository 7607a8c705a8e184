import { isCancellation } from '@temporalio/workflow';
import { failureMessage, isBusinessFailure } from '../failures';
import type { OrderSaga } from './orderSaga';

/** A parked step given up because a cancellation made it moot (not a failure of the order). */
export class StepAbandoned extends Error {}

/**
 * A step past its retry budget fails the saga or waits for a human, as the policy says (or `mode`). A step a
 * cancellation made moot (`moot`) is given up rather than parked; a decision to compensate fails it.
 */
export async function persevere<T>(saga: OrderSaga, step: string, run: () => Promise<T>, options: { mode?: 'fail' | 'park'; moot?: () => boolean } = {}): Promise<T> {
  const { policy, progress } = saga;
  for (;;) {
    try {
      return await run();
    } catch (err) {
      if ((options.mode ?? policy.onStepExhausted) !== 'park' || isCancellation(err) || isBusinessFailure(err) || err instanceof StepAbandoned) throw err;
      if (options.moot?.()) throw new StepAbandoned(step);
      const decision = await progress.park(`${step} failed after ${policy.maximumAttempts} attempts: ${failureMessage(err)}`, 'vendor_unavailable', options.moot);
      if (decision === 'interrupted') throw new StepAbandoned(step);
      if (decision.action === 'compensate') throw err;
    }
  }
}
