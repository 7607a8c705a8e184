import { condition, patched } from '@temporalio/workflow';
import { failureMessage, outcomeOf } from '../failures';
import { beginCompensating, allCancelledOutcome } from './compensating';
import { finalOutcome } from './decisions';
import { FAILURE_WAITS_FOR_EARLY_CAPTURE } from './patches';
import type { OrderSaga } from './orderSaga';
import { settle } from './settlement';
import { warehouseKeeps } from './warehouse';

/** The saga failed (a Temporal failure: a step, a decline, a staff cancel, a payment alert given up): say how. */
export function sagaFailed(saga: OrderSaga, err: unknown): void {
  saga.failure = outcomeOf(err, { cancelledByStaff: saga.progress.state.cancellation !== undefined, holdExpired: false });
  saga.failedWith = err;
}

/**
 * The saga failed: every shipment is given up, except a parcel the warehouse keeps after its handoff (shipped, or
 * picking under way): that one is paid for, recorded in the ERP and notified, and the order ends with it. Runs
 * non-cancellable.
 */
export async function undoAfterFailure(saga: OrderSaga): Promise<void> {
  // The early capture may still be at the gateway: its answer comes first, so the refunds below know what it took.
  if (saga.money.capturing && patched(FAILURE_WAITS_FOR_EARLY_CAPTURE)) await condition(() => !saga.money.capturing);
  await beginCompensating(saga, saga.failure!, failureMessage(saga.failedWith));
  const askFirst = saga.shipments.some((s) => s.isLive && s.isHandedOff);
  if (askFirst) await condition(() => saga.cancellations.inFlight === 0);
  for (const shipment of saga.shipments) {
    if (!shipment.isLive) continue;
    if (askFirst && shipment.isHandedOff && (await warehouseKeeps(saga, shipment))) continue;
    shipment.accept({ kind: 'order_failed', by: 'saga', reason: saga.failure!.reason });
  }
  saga.keptAfterFailure = askFirst && saga.anyLive;
  await settle(saga, { shipping: saga.keptAfterFailure });
}

/** The order's story ends: completed with what ships, or the failure, or the end of an order given up whole. */
export async function tellTheEnd(saga: OrderSaga): Promise<void> {
  const end = finalOutcome({ anyLive: saga.anyLive, keptAfterFailure: saga.keptAfterFailure, failure: saga.failure, allCancelled: () => allCancelledOutcome(saga) });
  if (saga.keptAfterFailure) {
    // The parcels the warehouse kept are the order's story now: the note says what failed and what was kept.
    const kept = saga.live.map((s) => s.id);
    await saga.progress.moveTo(end.status, {
      note: `${kept.join(', ')} kept by the warehouse and ${saga.money.captureGivenUp ? 'not paid (capture given up)' : 'paid for'}; the rest undone after: ${failureMessage(saga.failedWith)}`,
    });
  } else {
    await saga.progress.moveTo(end.status, { reason: end.reason });
  }
}
