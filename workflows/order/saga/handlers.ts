import { setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { cancelOrderUpdate, orderStateQuery, paymentAlertSignal, resolveParkedOrderSignal, resolveParkedOrderUpdate, shipmentShippedSignal } from '../contract';
import { failureMessage } from '../failures';
import { StaffCancellations } from '../staffCancellation';
import { compensateRefusal } from './decisions';
import { keepTheHoldWhileParked } from './holdTimer';
import type { OrderSaga } from './orderSaga';
import { askToCancel, markShipped } from './warehouse';

/**
 * What the saga answers while it runs: its state (query); staff decisions on a park and staff cancels (updates with
 * validators, so a refused one leaves no history); the WMS's shipped callback and the gateway's payment alerts
 * (signals). Handlers only record and accept; the saga's own steps act on what they recorded.
 */
export function listenToStaffAndVendors(saga: OrderSaga): void {
  const { progress, policy } = saga;
  upsertSearchAttributes({ CustomerId: [saga.order.customerId] });
  setHandler(orderStateQuery, () => progress.state);

  // A decision on a park: refused unless a park waits undecided; the signal stays for an API of the previous deploy.
  setHandler(resolveParkedOrderUpdate, (request) => progress.decide(request), { validator: (request) => progress.validateDecision(request) });
  setHandler(resolveParkedOrderSignal, (request) => progress.resolveBySignal(request));
  progress.compensateRefusal = () => compensateRefusal(saga.shipments.filter((s) => s.status === 'shipped').map((s) => s.id));

  setHandler(shipmentShippedSignal, (event) => {
    const shipment = saga.shipments.find((s) => s.id === event.shipmentId);
    // Only the task the saga handed off: a callback for another task (or another order's) says nothing of this one.
    if (!shipment || (shipment.state.taskId !== undefined && shipment.state.taskId !== event.taskId)) return;
    saga.shippedByWarehouse.add(shipment.id);
    markShipped(saga, shipment);
  });
  setHandler(paymentAlertSignal, (alert) => {
    saga.paymentAlerts.push(alert);
    progress.stepDone('payment alert', { ...alert });
  });

  saga.cancellations = new StaffCancellations({
    progress,
    shipments: () => saga.shipments,
    stopBeforeAllocation: () => saga.fulfilment.cancel(),
    // Asked briefly: no answer by then is an unknown answer, never a refusal.
    askWarehouse: (shipmentId) => askToCancel(saga, shipmentId, saga.ask).catch((err) => ({ confirmed: false, unknown: true, reason: failureMessage(err) })),
    interruptStep: (shipment) => shipment.interrupt(),
    askUntilAnswered: async (shipmentId) => {
      for (;;) {
        try {
          return await askToCancel(saga, shipmentId);
        } catch {
          // The WMS stays silent: wait as long as a retry would at most, then ask again (same key).
          await sleep(policy.maximumIntervalMs);
        }
      }
    },
    closing: () => saga.closing,
    failing: () => saga.failure !== undefined,
    wholeCancelPartlyRefused: true,
  });
  setHandler(cancelOrderUpdate, (request) => saga.cancellations.handle(request), { validator: (request) => saga.cancellations.validate(request) });

  keepTheHoldWhileParked(saga);
}
