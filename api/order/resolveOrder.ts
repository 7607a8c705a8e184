import type { Client } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { orders, shipments } from '../../db/schema';
import { RESOLVE_REFUSALS, isTerminalStatus, resolveParkedOrderSignal, resolveParkedOrderUpdate, type ParkView, type ResolveRequest } from '../../workflows/order/contract';
import { Problem } from '../problem';
import { SAGA_UPDATE_TIMEOUT_MS, hasEnded, updateSaga } from './sagaUpdates';

export interface ResolveAnswer {
  orderId: string;
  action: ResolveRequest['action'];
  by: string;
  /** The parks the decision answered; absent for an order of the first saga type (sent as a signal). */
  parks?: ParkView[];
}

/**
 * A human's decision on a parked order, sent to its saga as the `resolveParkedOrder` update: the saga takes it
 * only while a park waits undecided (so a second decision on the same park, or one sent while the first is being
 * carried out, is a 409 naming the decision taken), and the answer names the parks it decided. An order of the
 * first saga type (`orderWorkflow`, no update handler) gets the signal it always got.
 */
export async function resolveParkedOrder(deps: { db: Database; client: Client; timeoutMs?: number }, orderId: string, request: ResolveRequest): Promise<ResolveAnswer> {
  const [order] = await deps.db.select({ status: orders.status, workflowId: orders.workflowId, startedAt: orders.workflowStartedAt }).from(orders).where(eq(orders.id, orderId));
  if (!order) throw new Problem(404, 'Order not found', `no order ${orderId}`);
  if (isTerminalStatus(order.status)) throw new Problem(409, 'Not parked', `the order is already ${order.status}: nothing waits for a decision`);
  if (request.action === 'compensate') await refuseToUndoShippedParcels(deps.db, orderId);
  const handle = deps.client.workflow.getHandle(order.workflowId);
  return updateSaga(deps.client, deps.timeoutMs ?? SAGA_UPDATE_TIMEOUT_MS.resolve, async () => {
    const taken = await handle.executeUpdate(resolveParkedOrderUpdate, { args: [request] });
    return { orderId, action: taken.action, by: taken.by, parks: taken.parks };
  }, {
    what: 'decision',
    refused: async ({ message, type }) => {
      if (message.startsWith('No registered handler for update')) return viaSignal();
      if (type === RESOLVE_REFUSALS.parcelShipped) return new Problem(409, 'A parcel has shipped', message);
      if (type === RESOLVE_REFUSALS.alreadyDecided) return new Problem(409, 'Already decided', message);
      return new Problem(409, 'Not parked', message);
    },
    ended: () =>
      order.startedAt
        ? new Problem(409, 'Not parked', "the order's saga has already ended: nothing waits for a decision")
        : new Problem(409, 'Not parked', 'the order was accepted but its processing has not started yet: nothing waits for a decision'),
  });

  /** The first saga type has no update: its signal, when Postgres says the order waits (as before updates). */
  async function viaSignal(): Promise<ResolveAnswer> {
    if (order!.status !== 'needs_attention') throw new Problem(409, 'Not parked', `the order is ${order!.status}, not needs_attention`);
    try {
      await handle.signal(resolveParkedOrderSignal, request);
    } catch (err) {
      if (hasEnded(err)) throw new Problem(409, 'Not parked', "the order's saga has already ended: nothing waits for a decision");
      throw err;
    }
    return { orderId, action: request.action, by: request.by };
  }
}

/**
 * Giving an order up undoes every shipment, and a parcel that left the warehouse cannot be undone: its WMS
 * task refuses to cancel, so the compensation would park again after every decision. Staff retry instead, or
 * cancel the order, which cancels the shipments that have not shipped and keeps the shipped ones. Postgres
 * knows of a shipment the WMS reported shipped; the saga's validator refuses too once it knows.
 */
async function refuseToUndoShippedParcels(db: Database, orderId: string) {
  const shipped = await db.select({ id: shipments.id }).from(shipments).where(and(eq(shipments.orderId, orderId), eq(shipments.status, 'shipped')));
  if (shipped.length === 0) return;
  throw new Problem(409, 'A parcel has shipped', `${shipped.map((s) => s.id).join(', ')} shipped and cannot be undone: resolve with retry, or cancel the order to cancel the shipments that have not shipped`);
}
