import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import { appendOrderEvent } from '../../db/events';
import { enqueueWebhookEvent } from '../../db/webhooks/contract';
import { shipments } from '../../db/schema';
import { mayBecome } from '../../db/shipmentStatuses';
import { stepKeys, BUSINESS_FAILURES } from '../../workflows/order/contract';
import type { ShipmentPlan, WmsTask } from '../../workflows/shipment/contract';
import type { ActivityDeps } from '../deps';
import { commit, holdIsLive } from '../inventory/contract';
import { viaPort } from '../vendorErrors';

export function warehouseActivities({ db, wms }: ActivityDeps) {
  /**
   * Asks the WMS to cancel one shipment's task. A refusal answers for that moment (picking had started), and a
   * vendor replays the answer stored under an idempotency key: so each question after a recorded refusal gets a key
   * of its own, while a retry whose answer was lost reuses the key of the question it repeats.
   */
  async function cancelTask(orderId: string, shipmentId: string): Promise<{ confirmed: boolean; reason?: string }> {
    const [refusals] = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from order_events where order_id = ${orderId} and type = 'wms.cancel_refused' and detail->>'shipmentId' = ${shipmentId}`,
    );
    const asked = refusals?.n ?? 0;
    const key = asked === 0 ? stepKeys.cancelWmsTask(orderId, shipmentId) : `${stepKeys.cancelWmsTask(orderId, shipmentId)}:ask-${asked + 1}`;
    const answer = await viaPort(() => wms.cancelTask({ key, orderId, taskKey: stepKeys.wmsTask(orderId, shipmentId) }));
    if (answer.outcome === 'refused') {
      const { reason } = answer;
      await appendOrderEvent(db, { orderId, type: 'wms.cancel_refused', detail: { shipmentId, reason }, dedupeKey: key });
      return { confirmed: false, reason };
    }
    if (answer.outcome === 'cancelled') {
      await db.transaction(async (tx) => {
        await tx.update(shipments).set({ status: 'wms_cancelled', updatedAt: sql`now()` }).where(and(eq(shipments.id, shipmentId), mayBecome('wms_cancelled')));
        await appendOrderEvent(tx, { orderId, type: 'wms.task_cancelled', detail: { shipmentId }, dedupeKey: key });
      });
    }
    return { confirmed: true };
  }

  return {
    /** Hands one shipment to the warehouse; the hold becomes a decrement of on hand in the same breath, exactly once. */
    async handOffShipment(input: { orderId: string; shipment: ShipmentPlan; trackingNumber: string }): Promise<WmsTask> {
      const { orderId, shipment } = input;
      const key = stepKeys.wmsTask(orderId, shipment.shipmentId);
      if (!(await holdIsLive(db, orderId, shipment.warehouse))) {
        throw ApplicationFailure.nonRetryable(`the hold for ${shipment.shipmentId} was released before the handoff`, BUSINESS_FAILURES.holdExpired);
      }
      const { taskId } = await viaPort(() =>
        wms.createTask({ key, orderId, shipmentId: shipment.shipmentId, warehouse: shipment.warehouse, trackingNumber: input.trackingNumber, lines: shipment.lines }),
      );
      await db.transaction(async (tx) => {
        // Every attempt writes, but only forward: a repeat after the parcel shipped (or the shipment was undone) leaves
        // it as it is, and only the attempt that moved it commits its units and announces it.
        const moved = await tx
          .update(shipments)
          .set({ wmsTaskId: taskId, status: 'handed_off', updatedAt: sql`now()` })
          .where(and(eq(shipments.id, shipment.shipmentId), mayBecome('handed_off')))
          .returning({ id: shipments.id });
        if (moved.length > 0 && (await appendOrderEvent(tx, { orderId, type: 'shipment.handed_off', detail: { shipmentId: shipment.shipmentId, taskId }, dedupeKey: key }))) {
          await commit(tx, orderId, shipment.warehouse);
          await enqueueWebhookEvent(tx, { orderId, type: 'shipment.handed_off', status: 'handed_off', shipmentId: shipment.shipmentId });
        }
      });
      return { shipmentId: shipment.shipmentId, taskId };
    },

    /** Compensation: the warehouse must let go of the task; a refusal cannot be retried away and parks the order. */
    async cancelWarehouseTask(input: { orderId: string; shipmentId: string }): Promise<void> {
      const answer = await cancelTask(input.orderId, input.shipmentId);
      if (!answer.confirmed) throw ApplicationFailure.nonRetryable(`the warehouse refused to cancel ${input.shipmentId}: ${answer.reason}`, BUSINESS_FAILURES.cancellationRefused);
    },

    /**
     * Staff cancellation of one handed-off shipment: the warehouse confirms (it has not started picking) or
     * refuses with its reason (`cancellation_refused`, `already_shipped`); a refusal is an answer, not a failure.
     */
    async requestShipmentCancellation(input: { orderId: string; shipmentId: string }): Promise<{ confirmed: boolean; reason?: string }> {
      return cancelTask(input.orderId, input.shipmentId);
    },

    /** Staff cancellation after the handoff (first saga type): ask the warehouse to stop every task of the order. */
    async requestWarehouseCancellation(input: { orderId: string; shipmentIds: string[] }): Promise<{ confirmed: boolean; reason?: string }> {
      for (const shipmentId of input.shipmentIds) {
        const answer = await cancelTask(input.orderId, shipmentId);
        if (!answer.confirmed) return answer;
      }
      return { confirmed: true };
    },
  };
}
