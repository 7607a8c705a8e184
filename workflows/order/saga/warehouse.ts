import type { ActivityInterfaceFor } from '@temporalio/workflow';
import type { OrderActivities } from '../../../activities';
import type { Shipment } from '../shipment';
import { stepSummary } from '../summaries';
import type { OrderSaga } from './orderSaga';

/**
 * Asks the WMS to cancel a shipment's task. The key depends on the refusals recorded so far, so a question whose
 * answer was lost is asked again as itself.
 */
export const askToCancel = (saga: OrderSaga, shipmentId: string, proxy: ActivityInterfaceFor<OrderActivities> = saga.undo) =>
  proxy.requestShipmentCancellation.executeWithOptions({ summary: stepSummary.askWarehouseToCancelShipment(shipmentId) }, [{ orderId: saga.orderId, shipmentId }]);

/** The WMS reported the parcel shipped: applied once the saga knows the shipment handed off (and only once). */
export function markShipped(saga: OrderSaga, shipment: Shipment): void {
  if (!saga.shippedByWarehouse.has(shipment.id)) return;
  // Before the handoff the table keeps the status (applied again at the handoff); once shipped, nothing changes.
  const before = shipment.status;
  if (shipment.apply('shipped_reported') && shipment.status !== before) saga.progress.stepDone('shipment shipped', { shipmentId: shipment.id });
}

/**
 * Before a handed-off shipment is given up because the order failed, the warehouse is asked to let it go. A
 * refusal means the parcel leaves (or has left): the shipment is kept, and money follows it. A lost answer is
 * not a refusal: the shipment is given up, and its undo log asks again under the same key, parking if it must.
 */
export async function warehouseKeeps(saga: OrderSaga, shipment: Shipment): Promise<boolean> {
  const { progress } = saga;
  if (saga.shippedByWarehouse.has(shipment.id)) {
    shipment.apply('shipped_reported');
    shipment.state.note = 'shipped (the WMS reported it) when the order failed: it is paid for';
    progress.stepDone('shipment kept by the warehouse', { shipmentId: shipment.id, reason: 'already_shipped' });
    return true;
  }
  const answer = await askToCancel(saga, shipment.id).catch(() => undefined);
  if (!answer) return false;
  if (answer.confirmed) {
    shipment.apply('cancel_confirmed');
    return false;
  }
  if (answer.reason === 'already_shipped') shipment.apply('shipped_reported');
  shipment.state.note = `kept by the warehouse (${answer.reason}) when the order failed: it is paid for`;
  progress.stepDone('shipment kept by the warehouse', { shipmentId: shipment.id, reason: answer.reason });
  return true;
}
