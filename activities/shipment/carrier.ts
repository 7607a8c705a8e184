import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import { appendOrderEvent } from '../../db/events';
import { enqueueWebhookEvent } from '../../db/webhooks/contract';
import { shipments } from '../../db/schema';
import { stepKeys, BUSINESS_FAILURES, type Address } from '../../workflows/order/contract';
import type { Label, ShipmentPlan } from '../../workflows/shipment/contract';
import type { ActivityDeps } from '../deps';
import { unexpected } from '../vendorClient';

export function carrierActivities({ db, vendors }: ActivityDeps) {
  const carrier = vendors.carrier;
  return {
    async createLabel(input: { orderId: string; shipment: ShipmentPlan; shipTo: Address }): Promise<Label> {
      const { orderId, shipment } = input;
      const key = stepKeys.label(orderId, shipment.shipmentId);
      const res = await carrier.post<{ id: string; trackingNumber: string }>(
        '/labels',
        { reference: orderId, shipmentId: shipment.shipmentId, warehouse: shipment.warehouse, shipTo: input.shipTo, parcels: shipment.lines },
        key,
      );
      if (res.status === 422) throw ApplicationFailure.nonRetryable(`the carrier rejected the address: ${res.body.error?.message ?? ''}`, BUSINESS_FAILURES.invalidAddress);
      if (res.status !== 201 && res.status !== 200) throw unexpected('carrier', res);
      await db.transaction(async (tx) => {
        await tx
          .update(shipments)
          .set({ labelId: res.body.id, trackingNumber: res.body.trackingNumber, status: 'labelled', updatedAt: sql`now()` })
          .where(and(eq(shipments.id, shipment.shipmentId), eq(shipments.orderId, orderId)));
        if (await appendOrderEvent(tx, { orderId, type: 'label.created', detail: { shipmentId: shipment.shipmentId, trackingNumber: res.body.trackingNumber }, dedupeKey: key })) {
          await enqueueWebhookEvent(tx, { orderId, type: 'shipment.labelled', status: 'labelled', shipmentId: shipment.shipmentId });
        }
      });
      return { shipmentId: shipment.shipmentId, labelId: res.body.id, trackingNumber: res.body.trackingNumber };
    },

    /** Compensation: addressed by the label request's key, so a label created by a timed-out call is cancelled too. */
    async cancelLabel(input: { orderId: string; shipmentId: string }): Promise<void> {
      const key = stepKeys.cancelLabel(input.orderId, input.shipmentId);
      const res = await carrier.post<{ status: string }>('/labels/cancel', { reference: input.orderId, labelKey: stepKeys.label(input.orderId, input.shipmentId) }, key);
      if (res.status !== 200) throw unexpected('carrier', res);
      if (res.body.status === 'cancelled') {
        await db.transaction(async (tx) => {
          await tx.update(shipments).set({ status: 'label_cancelled', updatedAt: sql`now()` }).where(eq(shipments.id, input.shipmentId));
          await appendOrderEvent(tx, { orderId: input.orderId, type: 'label.cancelled', detail: { shipmentId: input.shipmentId }, dedupeKey: key });
        });
      }
    },
  };
}
