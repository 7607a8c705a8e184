import type { Client } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { orders, shipments } from '../../db/schema';
import { resolveParkedOrderSignal, type ResolveRequest } from '../../workflows/order/contract';
import { Problem } from '../problem';

/** A human's decision on a parked order, delivered to its saga as a signal. */
export async function resolveParkedOrder(deps: { db: Database; client: Client }, orderId: string, request: ResolveRequest) {
  const [order] = await deps.db.select({ status: orders.status, workflowId: orders.workflowId }).from(orders).where(eq(orders.id, orderId));
  if (!order) throw new Problem(404, 'Order not found', `no order ${orderId}`);
  if (order.status !== 'needs_attention') throw new Problem(409, 'Not parked', `the order is ${order.status}, not needs_attention`);
  if (request.action === 'compensate') await refuseToUndoShippedParcels(deps.db, orderId);
  await deps.client.workflow.getHandle(order.workflowId).signal(resolveParkedOrderSignal, request);
  return { orderId, action: request.action };
}

/**
 * Giving an order up undoes every shipment, and a parcel that left the warehouse cannot be undone: its WMS
 * task refuses to cancel, so the compensation would park again after every decision. Staff retry instead, or
 * cancel the order, which cancels the shipments that have not shipped and keeps the shipped ones.
 */
async function refuseToUndoShippedParcels(db: Database, orderId: string) {
  const shipped = await db.select({ id: shipments.id }).from(shipments).where(and(eq(shipments.orderId, orderId), eq(shipments.status, 'shipped')));
  if (shipped.length === 0) return;
  throw new Problem(409, 'A parcel has shipped', `${shipped.map((s) => s.id).join(', ')} shipped and cannot be undone: resolve with retry, or cancel the order to cancel the shipments that have not shipped`);
}
