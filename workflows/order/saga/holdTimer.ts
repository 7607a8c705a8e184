import { CancellationScope, sleep } from '@temporalio/workflow';
import { stepSummary } from '../summaries';
import type { OrderSaga } from './orderSaga';

/**
 * The hold's time to live: per shipment, until that shipment is handed off; paused while the order is parked (a
 * human deciding must not lose the units), renewed on resume. A shipment whose hold expires is given up.
 */
export const holdsAwaitHandoff = (saga: OrderSaga) => saga.shipments.some((s) => s.isLive && !s.isHandedOff);

export function watchHoldExpiry(saga: OrderSaga): void {
  const timer = new CancellationScope();
  saga.holdTimer = timer;
  timer
    .run(() => sleep(saga.policy.holdTtlMs))
    .then(() => {
      // A park open or waiting to begin keeps the hold; its resume starts a fresh timer.
      if (saga.progress.holdKept) return;
      const expired = saga.shipments.filter((s) => s.isLive && !s.isHandedOff);
      for (const shipment of expired) {
        shipment.holdExpired = true;
        shipment.stopRequested = true;
      }
      if (expired.length > 0) saga.progress.stepDone('hold expired before the handoff', { shipments: expired.map((s) => s.id) });
    })
    .catch(() => {
      // Cancelled: every shipment was handed off, or the order was parked.
    });
}

/** While a human decides, nothing may release the units still waiting for their handoff. */
export function keepTheHoldWhileParked(saga: OrderSaga): void {
  const { books, orderId, policy } = saga;
  saga.progress.parking = {
    beforeWait: async () => {
      saga.holdTimer?.cancel();
      if (holdsAwaitHandoff(saga)) await books.suspendHoldExpiry.executeWithOptions({ summary: stepSummary.suspendHoldExpiry() }, [{ orderId }]);
    },
    afterWait: async () => {
      if (!holdsAwaitHandoff(saga)) return;
      await books.renewHoldExpiry.executeWithOptions({ summary: stepSummary.renewHoldExpiry(policy.holdTtlMs) }, [{ orderId, holdTtlMs: policy.holdTtlMs }]);
      watchHoldExpiry(saga);
    },
  };
}
