import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { orders, shipments } from '../../db/schema';
import { cancelOrderUpdate } from '../../workflows/order/messages';
import { isTerminalStatus } from '../../workflows/order/types';
import { Problem } from '../problem';

/**
 * Staff cancellation: sent to the saga as a Temporal update, so the answer says whether the saga took it.
 * Refusals (already ended, already shipped, the warehouse said no) are 409s with the saga's reason.
 */
export async function cancelOrder(deps: { db: Database; client: Client }, orderId: string, by: string, reason: string) {
  const [order] = await deps.db.select({ status: orders.status, workflowId: orders.workflowId, startedAt: orders.workflowStartedAt }).from(orders).where(eq(orders.id, orderId));
  if (!order) throw new Problem(404, 'Order not found', `no order ${orderId}`);
  if (isTerminalStatus(order.status)) {
    throw new Problem(409, 'Cannot cancel', `the order is already ${order.status}`, { status: order.status });
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
