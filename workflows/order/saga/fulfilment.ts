import { CancellationScope, condition } from '@temporalio/workflow';
import type { Shipment } from '../shipment';
import { stepSummary } from '../summaries';
import type { OrderSaga } from './orderSaga';
import { paidBeforeHandoff } from './ownAuthorization';
import { persevere, StepAbandoned } from './persevere';
import { markShipped } from './warehouse';

/**
 * Label each shipment and hand it to its warehouse, every shipment at once. Then the hold's timer stops (every
 * shipment still live is at its warehouse) and, once a cancel that interrupted a step has accepted its shipment,
 * the order is handed off.
 */
export async function labelAndHandOffEachShipment(saga: OrderSaga): Promise<void> {
  await saga.ownSteps.parallel(...saga.shipments.map((s) => () => fulfilShipment(saga, s)));
  saga.holdTimer?.cancel();
  if (saga.shipments.some((s) => s.interrupted)) await condition(() => saga.cancellations.inFlight === 0);
  if (saga.anyLive) await saga.progress.moveTo('handed_off');
}

/** One shipment: label, then hand off; each step's compensation registered before it runs, under its lock. */
async function fulfilShipment(saga: OrderSaga, shipment: Shipment): Promise<void> {
  const { act, undo, orderId, order, progress } = saga;
  const plan = shipment.plan;
  const proceed = () => !shipment.stopRequested;
  const moot = () => shipment.stopRequested;
  try {
    const labelled = await shipment.exclusively(async () => {
      if (!proceed()) return false;
      const label = await shipment.saga.step(`cancel label ${plan.shipmentId}`, {
        run: () => persevere(saga, 'create label', () => shipment.interruptible(() => act.createLabel.executeWithOptions({ summary: stepSummary.label(plan) }, [{ orderId, shipment: plan, shipTo: order.shippingAddress }])), { moot }),
        undo: () => undo.cancelLabel.executeWithOptions({ summary: stepSummary.cancelLabel(plan.shipmentId) }, [{ orderId, shipmentId: plan.shipmentId }]),
      });
      shipment.apply('label_created');
      shipment.state.trackingNumber = label.trackingNumber;
      progress.state.labels.push(label);
      return true;
    });
    if (!labelled) return;
    await shipment.exclusively(async () => {
      if (!proceed()) return;
      // The order's authorization was captured early: this parcel leaves only once its own share is authorized.
      if (saga.money.capturedEarly && !shipment.ownAuthorization && !(await persevere(saga, 'own authorization', () => paidBeforeHandoff(saga, shipment), { moot }))) return;
      const task = await shipment.saga.step(`cancel WMS task ${plan.shipmentId}`, {
        run: () =>
          persevere(
            saga,
            'warehouse handoff',
            async () => {
              // Captured early while this handoff was parked: the same rule, on its next attempt.
              if (saga.money.capturedEarly && !shipment.ownAuthorization && !(await paidBeforeHandoff(saga, shipment))) throw new StepAbandoned('warehouse handoff');
              return shipment.interruptible(() =>
                act.handOffShipment.executeWithOptions({ summary: stepSummary.handOff(plan, shipment.state.trackingNumber!) }, [{ orderId, shipment: plan, trackingNumber: shipment.state.trackingNumber! }]),
              );
            },
            { moot },
          ),
        undo: () => undo.cancelWarehouseTask.executeWithOptions({ summary: stepSummary.cancelWarehouseTask(plan.shipmentId) }, [{ orderId, shipmentId: plan.shipmentId }]),
      });
      shipment.apply('handed_off');
      shipment.state.taskId = task.taskId;
      // The WMS may have reported the parcel shipped before the handoff's answer reached the saga.
      markShipped(saga, shipment);
      // The hold's TTL ends at the handoff: a timer that fired while the handoff was in flight no longer applies.
      shipment.holdExpired = false;
      progress.state.tasks.push(task);
    });
  } catch (err) {
    // A step a cancellation interrupted is abandoned, however it ended (cancelled between attempts; an attempt
    // already running ends in its own failure, a timeout, and Temporal retries it no more). The cancellation of
    // the whole fulfilment is not.
    const interrupted = shipment.interrupted && !CancellationScope.current().consideredCancelled;
    if (!(err instanceof StepAbandoned) && !interrupted) throw err;
  } finally {
    if (shipment.holdExpired && shipment.isLive) shipment.accept({ kind: 'hold_expired', by: 'hold timer', reason: 'the hold expired before the handoff' });
  }
}
