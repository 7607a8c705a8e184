import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import { appendOrderEvent } from '../../db/events';
import { enqueueWebhookEvent } from '../../db/webhooks/contract';
import { shipments } from '../../db/schema';
import { mayBecome } from '../../db/shipmentStatuses';
import { BUSINESS_FAILURES, type Address, type OrderLine } from '../../workflows/order/contract';
import type { Hold } from '../../workflows/inventory/contract';
import type { ActivityDeps } from '../deps';
import { HoldReleased, OutOfStock, release, reserve, setHoldExpiry } from './reservations';

export function inventoryActivities({ db, allocation }: ActivityDeps) {
  return {
    async reserveInventory(input: { orderId: string; lines: OrderLine[]; shipTo: Address; holdTtlMs: number }): Promise<Hold> {
      try {
        return await reserve(db, { ...input, policy: allocation });
      } catch (err) {
        if (err instanceof OutOfStock) throw ApplicationFailure.nonRetryable(`out of stock: ${err.message}`, BUSINESS_FAILURES.outOfStock);
        // A late attempt (the saga's answer came from another, and the order was undone since): no hold to give it.
        if (err instanceof HoldReleased) throw ApplicationFailure.nonRetryable(`no reservation: ${err.message}`, BUSINESS_FAILURES.holdExpired);
        throw err;
      }
    },

    /**
     * Compensation of the reservation. `heldOnly` (orderWorkflowV2) leaves units handed to a warehouse alone: those
     * come back with their shipment, once the WMS has let go of the task.
     */
    async releaseHold(input: { orderId: string; heldOnly?: boolean }): Promise<{ releasedUnits: number }> {
      const releasedUnits = await release(db, input.orderId, 'saga compensation', undefined, input.heldOnly ? ['held'] : undefined);
      // The order is undone before any of its shipments was labelled (declined, out of stock elsewhere, cancelled
      // during the reservation): those shipments never start, so they are cancelled, not left `allocated`.
      if (input.heldOnly) {
        await db.transaction(async (tx) => {
          const cancelled = await tx
            .update(shipments)
            .set({ status: 'cancelled', updatedAt: sql`now()` })
            // Only the shipments not yet labelled (a labelled one is undone by its own pipeline), and forward, as every write.
            .where(and(eq(shipments.orderId, input.orderId), eq(shipments.status, 'allocated'), mayBecome('cancelled')))
            .returning({ id: shipments.id });
          // Only the call that moved a shipment reports it: a retry finds none still allocated.
          for (const { id } of cancelled) await enqueueWebhookEvent(tx, { orderId: input.orderId, type: 'shipment.cancelled', status: 'cancelled', reason: 'order undone before the label', shipmentId: id });
        });
      }
      return { releasedUnits };
    },

    /**
     * The last step of cancelling one shipment: its units come back (held ones to available, handed-off ones the
     * WMS let go of to on hand) and the shipment is `cancelled`, once.
     */
    async releaseShipment(input: { orderId: string; shipmentId: string; warehouse: string; why: string }): Promise<{ releasedUnits: number }> {
      const releasedUnits = await release(db, input.orderId, `${input.why} (${input.shipmentId})`, input.warehouse);
      await db.transaction(async (tx) => {
        const moved = await tx
          .update(shipments)
          .set({ status: 'cancelled', updatedAt: sql`now()` })
          .where(and(eq(shipments.id, input.shipmentId), eq(shipments.orderId, input.orderId), mayBecome('cancelled')))
          .returning({ id: shipments.id });
        // A shipment that shipped is never written (nor announced) cancelled.
        if (moved.length > 0 && (await appendOrderEvent(tx, { orderId: input.orderId, type: 'shipment.cancelled', detail: { shipmentId: input.shipmentId, why: input.why }, dedupeKey: `${input.shipmentId}:cancelled` }))) {
          await enqueueWebhookEvent(tx, { orderId: input.orderId, type: 'shipment.cancelled', status: 'cancelled', reason: input.why, shipmentId: input.shipmentId });
        }
      });
      return { releasedUnits };
    },

    /** Parked: the hold waits for a human with no expiry. Resumed: a fresh TTL. */
    async suspendHoldExpiry(input: { orderId: string }): Promise<{ holds: number }> {
      return { holds: await setHoldExpiry(db, input.orderId, null) };
    },

    async renewHoldExpiry(input: { orderId: string; holdTtlMs: number }): Promise<{ holds: number }> {
      return { holds: await setHoldExpiry(db, input.orderId, input.holdTtlMs) };
    },
  };
}
