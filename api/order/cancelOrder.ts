import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { orders, shipments } from '../../db/schema';
import { cancelOrderUpdate, isTerminalStatus } from '../../workflows/order/contract';
import { Problem } from '../problem';
import { mayAccess, type Viewer } from './ownership';

/** How long a cancel waits for the saga's answer before it says it could not confirm it (503). */
export const DEFAULT_CANCEL_ANSWER_MS = 30_000;
const answerWithinMsOf = (deps: { answerWithinMs?: number }) => deps.answerWithinMs ?? DEFAULT_CANCEL_ANSWER_MS;

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
  try {
    // Bounded: a saga no worker is running (all of them down) would otherwise hold the request open for ever.
    const result = await deps.client.withDeadline(Date.now() + answerWithinMsOf(deps), () =>
      deps.client.workflow.getHandle(order.workflowId).executeUpdate(cancelOrderUpdate, { args: [{ by: viewer.principal, ...request }] }),
    );
    return { orderId, status: result.status, cancelled: result.cancelled ?? [], refused: result.refused ?? [] };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const why = err.cause?.message ?? err.message;
      const details = err.cause instanceof ApplicationFailure ? (err.cause.details?.[0] as { shipmentId: string; reason: string }[] | undefined) : undefined;
      throw new Problem(409, 'Cannot cancel', why, details ? { refused: details } : undefined);
    }
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      const seconds = Math.ceil(answerWithinMsOf(deps) / 1000);
      throw new Problem(503, 'Cancellation not confirmed', `the order's processing did not answer within ${seconds} s, so the cancellation is not confirmed; it may still take effect when processing resumes. Check the order (GET /orders/${orderId}) and send the cancel again`, { retryAfterSeconds: 5 });
    }
    if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === 5) {
      // The order is committed but its saga is still being started (just placed, or Temporal was down).
      if (!order.startedAt) throw new Problem(409, 'Cannot cancel yet', 'the order was accepted but its processing has not started yet; try again in a few seconds');
      throw new Problem(409, 'Cannot cancel', 'the order has already finished processing');
    }
    throw err;
  }
}
