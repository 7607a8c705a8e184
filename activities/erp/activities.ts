import { asc, eq, inArray } from 'drizzle-orm';
import { appendOrderEvent } from '../../db/events';
import { orderLines, orders, shipments } from '../../db/schema';
import { stepKeys } from '../../workflows/order/contract';
import type { ActivityDeps } from '../deps';
import { unexpected } from '../vendorClient';
import type { ErpRecord } from './contract';

interface ErpOrderBody {
  id: string;
  shipments: { shipmentId?: string }[];
}

export function erpActivities({ db, vendors }: ActivityDeps) {
  const erp = vendors.erp;

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
      const res = await erp.post<{ id: string }>(
        '/orders',
        {
          reference: input.orderId,
          customerId: order.customerId,
          currency: order.currency,
          totalCents: priced ? parcels.reduce((n, s) => n + s.amountCents, 0) : order.totalCents,
          lines,
          shipments: parcels.map((s) => ({ shipmentId: s.id, warehouse: s.warehouse, trackingNumber: s.trackingNumber, lines: s.lines })),
        },
        key,
      );
      // The ERP refuses a second record of the same order: that is success, not failure.
      const erpOrderId = res.status === 409 && res.body.error?.code === 'already_recorded' ? (res.body as { id?: string }).id : res.body.id;
      if (!erpOrderId || (res.status >= 400 && res.status !== 409)) throw unexpected('erp', res);
      await appendOrderEvent(db, { orderId: input.orderId, type: 'erp.recorded', detail: { erpOrderId, shipmentIds: input.shipmentIds }, dedupeKey: key });
      return { erpOrderId };
    },

    /**
     * Asks the ERP what it holds for the order before the saga decides anything that depends on it (a recording
     * whose answer was lost still counts). A record found this way is noted in the order's timeline once.
     */
    async lookUpErpRecord(input: { orderId: string }): Promise<ErpRecord | null> {
      const found = await erp.get<{ orders: ErpOrderBody[] }>(`/orders?reference=${encodeURIComponent(input.orderId)}`);
      if (found.status !== 200) throw unexpected('erp', found);
      const [record] = found.body.orders;
      if (!record) return null;
      const credits = await erp.get<{ credits: { shipmentId: string }[] }>(`/credits?reference=${encodeURIComponent(input.orderId)}`);
      if (credits.status !== 200) throw unexpected('erp', credits);
      const shipmentIds = record.shipments.map((s) => s.shipmentId).filter((id): id is string => id !== undefined);
      await appendOrderEvent(db, { orderId: input.orderId, type: 'erp.recorded', detail: { erpOrderId: record.id, shipmentIds, foundBy: 'lookup' }, dedupeKey: stepKeys.erp(input.orderId) });
      return { erpOrderId: record.id, shipmentIds, creditedShipmentIds: credits.body.credits.map((c) => c.shipmentId) };
    },

    /**
     * Reverses one recorded shipment in the ERP, exactly once: a credit keyed like the recording. A cancelled
     * parcel's units are back on hand, so the credit restocks them in the ERP's books too.
     */
    async creditShipmentInErp(input: { orderId: string; shipmentId: string; reason: 'cancelled' | 'refunded' }): Promise<{ creditId: string }> {
      const [shipment] = await db.select().from(shipments).where(eq(shipments.id, input.shipmentId));
      if (!shipment) throw new Error(`shipment ${input.shipmentId} is not in the database`);
      const key = stepKeys.erpCredit(input.orderId, input.shipmentId);
      const res = await erp.post<{ id: string }>(
        '/credits',
        {
          reference: input.orderId,
          shipmentId: input.shipmentId,
          warehouse: shipment.warehouse,
          reason: input.reason,
          amountCents: shipment.amountCents,
          lines: shipment.pricedLines ?? shipment.lines.map((l) => ({ ...l, unitPriceCents: 0 })),
          restock: input.reason === 'cancelled',
        },
        key,
      );
      const creditId = res.status === 409 && res.body.error?.code === 'already_credited' ? (res.body as { id?: string }).id : res.body.id;
      if (!creditId || (res.status >= 400 && res.status !== 409)) throw unexpected('erp', res);
      await appendOrderEvent(db, { orderId: input.orderId, type: 'erp.credited', detail: { creditId, shipmentId: input.shipmentId, reason: input.reason }, dedupeKey: key });
      return { creditId };
    },
  };
}
