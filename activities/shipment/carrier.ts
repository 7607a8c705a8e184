import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import { appendOrderEvent } from '../../db/events';
import { enqueueWebhookEvent } from '../../db/webhooks/contract';
import { shipments } from '../../db/schema';
import { mayBecome } from '../../db/shipmentStatuses';
import { stepKeys, BUSINESS_FAILURES, type Address } from '../../workflows/order/contract';
import type { Label, ShipmentPlan } from '../../workflows/shipment/contract';
import type { ActivityDeps } from '../deps';
import { vendorWords, viaPort } from '../vendorErrors';

export function carrierActivities({ db, carrier }: ActivityDeps) {
  return {
    async createLabel(input: { orderId: string; shipment: ShipmentPlan; shipTo: Address }): Promise<Label> {
      const { orderId, shipment } = input;
      const key = stepKeys.label(orderId, shipment.shipmentId);
      const answer = await viaPort(() =>
        carrier.createLabel({ key, orderId, shipmentId: shipment.shipmentId, warehouse: shipment.warehouse, shipTo: input.shipTo, parcels: shipment.lines }),
      );
      // The carrier's words quote the address back ("Postal code … is not deliverable"): details, not the message.
      if (answer.outcome === 'address_rejected') {
        const code = answer.code && /^[A-Za-z0-9_.-]{1,64}$/.test(answer.code) ? ` (${answer.code})` : '';
        throw ApplicationFailure.nonRetryable(`the carrier rejected the address${code}`, BUSINESS_FAILURES.invalidAddress, ...vendorWords(answer.message));
      }
      const { labelId, trackingNumber } = answer;
      await db.transaction(async (tx) => {
        // A retried or late attempt never takes a shipment back (handed off, shipped, undone) to labelled.
        const moved = await tx
          .update(shipments)
          .set({ labelId, trackingNumber, status: 'labelled', updatedAt: sql`now()` })
          .where(and(eq(shipments.id, shipment.shipmentId), eq(shipments.orderId, orderId), mayBecome('labelled')))
          .returning({ id: shipments.id });
        if ((await appendOrderEvent(tx, { orderId, type: 'label.created', detail: { shipmentId: shipment.shipmentId, trackingNumber }, dedupeKey: key })) && moved.length > 0) {
          await enqueueWebhookEvent(tx, { orderId, type: 'shipment.labelled', status: 'labelled', shipmentId: shipment.shipmentId });
        }
      });
      return { shipmentId: shipment.shipmentId, labelId, trackingNumber };
    },

    /** Compensation: addressed by the label request's key, so a label created by a timed-out call is cancelled too. */
    async cancelLabel(input: { orderId: string; shipmentId: string }): Promise<void> {
      const key = stepKeys.cancelLabel(input.orderId, input.shipmentId);
      const answer = await viaPort(() => carrier.cancelLabel({ key, orderId: input.orderId, labelKey: stepKeys.label(input.orderId, input.shipmentId) }));
      if (answer.outcome === 'cancelled') {
        await db.transaction(async (tx) => {
          await tx.update(shipments).set({ status: 'label_cancelled', updatedAt: sql`now()` }).where(and(eq(shipments.id, input.shipmentId), mayBecome('label_cancelled')));
          await appendOrderEvent(tx, { orderId: input.orderId, type: 'label.cancelled', detail: { shipmentId: input.shipmentId }, dedupeKey: key });
        });
      }
    },
  };
}
