import type { Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { orders, shipments } from '../../db/schema';
import { cancelOrderUpdate, isTerminalStatus } from '../../workflows/order/contract';
import { Problem } from '../problem';
import { mayAccess, type Viewer } from './ownership';
import { SAGA_UPDATE_TIMEOUT_MS, updateSaga } from './sagaUpdates';

/**
 * Cancellation of the whole order or of named shipments, by staff or by the checkout service that placed the
 * order: sent to the saga as a Temporal update, so the answer says which shipments the saga cancelled and which
 * were refused (already shipped, the warehouse said no). It is a 409 only when nothing could be cancelled.
 */
export async function cancelOrder(deps: { db: Database; client: Client; legacyOwner?: string; answerWithinMs?: number }, orderId: string, viewer: Viewer, request: { reason: string; shipmentIds?: string[] }) {
  const [order] = await deps.db
    .select({ status: orders.status, workflowId: orders.workflowId, startedAt: orders.workflowStartedAt, owner: orders.owner })
    .from(orders)
    .where(eq(orders.id, orderId));
  // A checkout credential cancels only its own orders; another's is answered as unknown.
  if (!order || !mayAccess(viewer, order.owner, deps.legacyOwner)) throw new Problem(404, 'Order not found', `no order ${orderId}`);
  if (isTerminalStatus(order.status)) {
    throw new Problem(409, 'Cannot cancel', `the order is already ${order.status}`, { orderStatus: order.status });
  }
  if (request.shipmentIds) {
    const known = new Set((await deps.db.select({ id: shipments.id }).from(shipments).where(eq(shipments.orderId, orderId))).map((s) => s.id));
    if (known.size === 0) throw new Problem(409, 'Cannot cancel yet', 'no shipment is allocated yet: cancel the whole order, or try again in a few seconds');
    const unknown = request.shipmentIds.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new Problem(400, 'Invalid input', `shipmentIds: the order has no shipment ${unknown.join(', ')}`);
  }
  const result = await updateSaga(
    deps.client,
    // Bounded (CANCEL_ANSWER_TIMEOUT_MS): a saga no worker runs would otherwise hold the request open for ever.
    deps.answerWithinMs ?? SAGA_UPDATE_TIMEOUT_MS.cancel,
    () => deps.client.workflow.getHandle(order.workflowId).executeUpdate(cancelOrderUpdate, { args: [{ by: viewer.principal, ...request }] }),
    {
      what: 'cancellation',
      refused: ({ message, details }) => {
        const refused = details?.[0] as { shipmentId: string; reason: string }[] | undefined;
        return new Problem(409, 'Cannot cancel', message, refused ? { refused } : undefined);
      },
      // The order is committed but its saga is still being started (just placed, or Temporal was down), or it has ended.
      ended: () =>
        order.startedAt
          ? new Problem(409, 'Cannot cancel', 'the order has already finished processing')
          : new Problem(409, 'Cannot cancel yet', 'the order was accepted but its processing has not started yet; try again in a few seconds'),
    },
  );
  return { orderId, status: result.status, cancelled: result.cancelled ?? [], refused: result.refused ?? [] };
}
