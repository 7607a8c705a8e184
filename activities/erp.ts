import { asc, eq } from 'drizzle-orm';
import { appendOrderEvent } from '../db/events';
import { orderLines, orders, shipments } from '../db/schema';
import { stepKeys } from '../workflows/order/ids';
import type { ActivityDeps } from './deps';
import { unexpected } from './vendorClient';

export function erpActivities({ db, vendors }: ActivityDeps) {
  return {
    /** Records the final order in the system of record, exactly once (by idempotency key and by order id). */
    async recordOrderInErp(input: { orderId: string; shipmentIds: string[] }): Promise<{ erpOrderId: string }> {
      const [order] = await db.select().from(orders).where(eq(orders.id, input.orderId));
      if (!order) throw new Error(`order ${input.orderId} is not in the database`);
      const lines = await db.select().from(orderLines).where(eq(orderLines.orderId, input.orderId)).orderBy(asc(orderLines.lineNo));
      const parcels = await db.select().from(shipments).where(eq(shipments.orderId, input.orderId)).orderBy(asc(shipments.id));
      const key = stepKeys.erp(input.orderId);
      const res = await vendors.erp.post<{ id: string }>(
        '/orders',
        {
          reference: input.orderId,
          customerId: order.customerId,
          currency: order.currency,
          totalCents: order.totalCents,
          lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
          shipments: parcels.map((s) => ({ warehouse: s.warehouse, trackingNumber: s.trackingNumber, lines: s.lines })),
        },
        key,
      );
      // The ERP refuses a second record of the same order: that is success, not failure.
      const erpOrderId = res.status === 409 && res.body.error?.code === 'already_recorded' ? (res.body as { id?: string }).id : res.body.id;
      if (!erpOrderId || (res.status >= 400 && res.status !== 409)) throw unexpected('erp', res);
      await appendOrderEvent(db, { orderId: input.orderId, type: 'erp.recorded', detail: { erpOrderId }, dedupeKey: key });
      return { erpOrderId };
    },
  };
}
