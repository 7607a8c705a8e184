import { ApplicationFailure } from '@temporalio/activity';
import { eq, sql } from 'drizzle-orm';
import { appendOrderEvent } from '../../db/events';
import { enqueueWebhookEvent } from '../../db/webhooks/contract';
import { shipments } from '../../db/schema';
import { stepKeys, BUSINESS_FAILURES } from '../../workflows/order/contract';
import type { ShipmentPlan, WmsTask } from '../../workflows/shipment/contract';
import type { ActivityDeps } from '../deps';
import { commit, holdIsLive } from '../inventory/contract';
import { unexpected } from '../vendorClient';

export function warehouseActivities({ db, vendors }: ActivityDeps) {
  const wms = vendors.wms;

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
    const res = await wms.post<{ status: string }>('/tasks/cancel', { reference: orderId, taskKey: stepKeys.wmsTask(orderId, shipmentId) }, key);
    if (res.status === 409) {
      const reason = res.body.error?.code ?? 'refused';
      await appendOrderEvent(db, { orderId, type: 'wms.cancel_refused', detail: { shipmentId, reason }, dedupeKey: key });
      return { confirmed: false, reason };
    }
    if (res.status !== 200) throw unexpected('wms', res);
    if (res.body.status === 'cancelled') {
      await db.transaction(async (tx) => {
        await tx.update(shipments).set({ status: 'wms_cancelled', updatedAt: sql`now()` }).where(eq(shipments.id, shipmentId));
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
      const res = await wms.post<{ id: string }>(
        '/tasks',
        { reference: orderId, shipmentId: shipment.shipmentId, warehouse: shipment.warehouse, trackingNumber: input.trackingNumber, lines: shipment.lines },
        key,
      );
      if (res.status !== 201 && res.status !== 200) throw unexpected('wms', res);
      await db.transaction(async (tx) => {
        await tx.update(shipments).set({ wmsTaskId: res.body.id, status: 'handed_off', updatedAt: sql`now()` }).where(eq(shipments.id, shipment.shipmentId));
        if (await appendOrderEvent(tx, { orderId, type: 'shipment.handed_off', detail: { shipmentId: shipment.shipmentId, taskId: res.body.id }, dedupeKey: key })) {
          await commit(tx, orderId, shipment.warehouse);
          await enqueueWebhookEvent(tx, { orderId, type: 'shipment.handed_off', status: 'handed_off', shipmentId: shipment.shipmentId });
        }
      });
      return { shipmentId: shipment.shipmentId, taskId: res.body.id };
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
