import { allHandlersFinished, CancellationScope, condition, TemporalFailure } from '@temporalio/workflow';
import type { OrderInput, OrderState } from './contract';
import { undoAfterFailure, sagaFailed, tellTheEnd } from './saga/ending';
import { labelAndHandOffEachShipment } from './saga/fulfilment';
import { listenToStaffAndVendors } from './saga/handlers';
import { OrderSaga } from './saga/orderSaga';
import { reserveStockWhileAuthorizingPayment } from './saga/reservation';
import { settle } from './saga/settlement';

/**
 * The order saga (the third type: the second's patches are its rules from the start). Reserve stock while
 * authorizing payment; label each shipment and hand it to its warehouse; once every shipment is handed off or
 * given up, capture what ships, notify, and record it in the ERP. Staff cancel the order or single shipments and
 * decide parked steps meanwhile. On any failure every shipment is given up and the order's own steps undone, in
 * reverse, except a parcel the warehouse kept: that one is paid for. See docs/saga.md.
 */
export async function orderWorkflowV3(order: OrderInput): Promise<OrderState> {
  const saga = new OrderSaga(order);
  listenToStaffAndVendors(saga);
  try {
    await saga.fulfilment.run(async () => {
      await saga.progress.moveTo('processing');
      await reserveStockWhileAuthorizingPayment(saga);
      await labelAndHandOffEachShipment(saga);
    });
    await settle(saga, { shipping: true });
  } catch (err) {
    // Anything but a Temporal failure is a bug: let the workflow task fail and retry until it is fixed.
    if (!(err instanceof TemporalFailure)) throw err;
    sagaFailed(saga, err);
  }
  await CancellationScope.nonCancellable(async () => {
    saga.holdTimer?.cancel();
    if (saga.failure) await undoAfterFailure(saga);
    await tellTheEnd(saga);
  });
  await condition(allHandlersFinished);
  return saga.progress.state;
}
