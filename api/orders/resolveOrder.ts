import type { Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { orders } from '../../db/schema';
import { resolveParkedOrderSignal, type ResolveRequest } from '../../workflows/order/messages';
import { Problem } from '../problem';

/** A human's decision on a parked order, delivered to its saga as a signal. */
export async function resolveParkedOrder(deps: { db: Database; client: Client }, orderId: string, request: ResolveRequest) {
  const [order] = await deps.db.select({ status: orders.status, workflowId: orders.workflowId }).from(orders).where(eq(orders.id, orderId));
  if (!order) throw new Problem(404, 'Order not found', `no order ${orderId}`);
  if (order.status !== 'needs_attention') throw new Problem(409, 'Not parked', `the order is ${order.status}, not needs_attention`);
  await deps.client.workflow.getHandle(order.workflowId).signal(resolveParkedOrderSignal, request);
  return { orderId, action: request.action };
}
