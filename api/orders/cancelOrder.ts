import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { orders, shipments } from '../../db/schema';
import { cancelOrderUpdate } from '../../workflows/order/messages';
import { isTerminalStatus } from '../../workflows/order/types';
import { Problem } from '../problem';
import { mayAccess, type Viewer } from './ownership';

/**
 * Cancellation by staff, or by the checkout service that placed the order: sent to the saga as a Temporal update, so the answer says whether the saga took it.
 * Refusals (already ended, already shipped, the warehouse said no) are 409s with the saga's reason.
 */
export async function cancelOrder(deps: { db: Database; client: Client; legacyOwner?: string }, orderId: string, viewer: Viewer, reason: string) {
  const by = viewer.principal;
  const [order] = await deps.db
    .select({ status: orders.status, workflowId: orders.workflowId, startedAt: orders.workflowStartedAt, owner: orders.owner })
    .from(orders)
    .where(eq(orders.id, orderId));
  // A checkout credential cancels only its own orders; another's is answered as unknown.
  if (!order || !mayAccess(viewer, order.owner, deps.legacyOwner)) throw new Problem(404, 'Order not found', `no order ${orderId}`);
  if (isTerminalStatus(order.status)) {
    throw new Problem(409, 'Cannot cancel', `the order is already ${order.status}`, { orderStatus: order.status });
  }
  const shipped = await deps.db.select({ id: shipments.id }).from(shipments).where(and(eq(shipments.orderId, orderId), eq(shipments.status, 'shipped')));
  if (shipped.length > 0) throw new Problem(409, 'Cannot cancel', 'the order has already shipped; start a return instead');
  try {
    const result = await deps.client.workflow.getHandle(order.workflowId).executeUpdate(cancelOrderUpdate, { args: [{ by, reason }] });
    return { orderId, status: result.status };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const why = err.cause?.message ?? err.message;
      throw new Problem(409, 'Cannot cancel', why);
    }
    if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === 5) {
      // The order is committed but its saga is still being started (just placed, or Temporal was down).
      if (!order.startedAt) throw new Problem(409, 'Cannot cancel yet', 'the order was accepted but its processing has not started yet; try again in a few seconds');
      throw new Problem(409, 'Cannot cancel', 'the order has already finished processing');
    }
    throw err;
  }
}
