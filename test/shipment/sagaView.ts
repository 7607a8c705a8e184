import type { OrderState } from '../../workflows/order/contract';
import { temporalClient } from '../support/stack';

/** A shipment as the order's saga sees it (its `orderState` query), not as Postgres records it. */
export async function sagaShipment(orderId: string, shipmentId: string) {
  const state = await (await temporalClient()).workflow.getHandle(`order-${orderId}`).query<OrderState>('orderState');
  return state.shipments?.find((s) => s.shipmentId === shipmentId);
}

/**
 * How many times the saga asked the WMS to cancel any of the order's shipments: the scheduled activities in its
 * history (their inputs are encrypted there, so per order, not per shipment).
 */
export async function sagaAsksToCancel(orderId: string): Promise<number> {
  const history = await (await temporalClient()).workflow.getHandle(`order-${orderId}`).fetchHistory();
  return (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'requestShipmentCancellation').length;
}
