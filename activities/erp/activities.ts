import { asc, eq, inArray } from 'drizzle-orm';
import { appendOrderEvent } from '../../db/events';
import { orderLines, orders, shipments } from '../../db/schema';
import { stepKeys } from '../../workflows/order/contract';
import type { ActivityDeps } from '../deps';
import { viaPort } from '../vendorErrors';
import type { ErpRecord } from './contract';

export function erpActivities({ db, erp }: ActivityDeps) {

  return {
    /**
     * Records the final order in the system of record, exactly once (by idempotency key and by order id): the
     * named shipments only, each with its units at the prices they were sold at.
     */
    async recordOrderInErp(input: { orderId: string; shipmentIds: string[] }): Promise<{ erpOrderId: string }> {
      const [order] = await db.select().from(orders).where(eq(orders.id, input.orderId));
      if (!order) throw new Error(`order ${input.orderId} is not in the database`);
      const parcels = await db.select().from(shipments).where(inArray(shipments.id, input.shipmentIds)).orderBy(asc(shipments.id));
      const priced = parcels.every((s) => s.pricedLines);
      // Shipments of the first saga type carry no prices: the order's own lines stand for them (it recorded every shipment).
      const lines = priced
        ? parcels.flatMap((s) => s.pricedLines!)
        : (await db.select().from(orderLines).where(eq(orderLines.orderId, input.orderId)).orderBy(asc(orderLines.lineNo))).map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents }));
      const key = stepKeys.erp(input.orderId);
      const { erpOrderId } = await viaPort(() =>
        erp.recordOrder({
          key,
          orderId: input.orderId,
          customerId: order.customerId,
          currency: order.currency,
          totalCents: priced ? parcels.reduce((n, s) => n + s.amountCents, 0) : order.totalCents,
          lines,
          shipments: parcels.map((s) => ({ shipmentId: s.id, warehouse: s.warehouse, trackingNumber: s.trackingNumber, lines: s.lines })),
        }),
      );
      await appendOrderEvent(db, { orderId: input.orderId, type: 'erp.recorded', detail: { erpOrderId, shipmentIds: input.shipmentIds }, dedupeKey: key });
      return { erpOrderId };
    },

    /**
     * Asks the ERP what it holds for the order before the saga decides anything that depends on it (a recording
     * whose answer was lost still counts). A record found this way is noted in the order's timeline once.
     */
    async lookUpErpRecord(input: { orderId: string }): Promise<ErpRecord | null> {
      const record = await viaPort(() => erp.findRecord(input.orderId));
      if (!record) return null;
      await appendOrderEvent(db, { orderId: input.orderId, type: 'erp.recorded', detail: { erpOrderId: record.erpOrderId, shipmentIds: record.shipmentIds, foundBy: 'lookup' }, dedupeKey: stepKeys.erp(input.orderId) });
      return record;
    },

    /**
     * Reverses one recorded shipment in the ERP, exactly once: a credit keyed like the recording. A cancelled
     * parcel's units are back on hand, so the credit restocks them in the ERP's books too.
     */
    async creditShipmentInErp(input: { orderId: string; shipmentId: string; reason: 'cancelled' | 'refunded' }): Promise<{ creditId: string }> {
      const [shipment] = await db.select().from(shipments).where(eq(shipments.id, input.shipmentId));
      if (!shipment) throw new Error(`shipment ${input.shipmentId} is not in the database`);
      const key = stepKeys.erpCredit(input.orderId, input.shipmentId);
      const { creditId } = await viaPort(() =>
        erp.creditShipment({
          key,
          orderId: input.orderId,
          shipmentId: input.shipmentId,
          warehouse: shipment.warehouse,
          reason: input.reason,
          amountCents: shipment.amountCents,
          lines: shipment.pricedLines ?? shipment.lines.map((l) => ({ ...l, unitPriceCents: 0 })),
          restock: input.reason === 'cancelled',
        }),
      );
      await appendOrderEvent(db, { orderId: input.orderId, type: 'erp.credited', detail: { creditId, shipmentId: input.shipmentId, reason: input.reason }, dedupeKey: key });
      return { creditId };
    },
  };
}
