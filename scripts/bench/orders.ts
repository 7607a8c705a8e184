import { inArray, sql } from 'drizzle-orm';
import { orderIdFor } from '../../api/orders/placeOrder';
import { requestHash } from '../../api/orders/canonicalJson';
import type { CreateOrderRequest } from '../../api/validation';
import type { Database } from '../../db/client';
import { appendOrderEvent } from '../../db/events';
import { orderLines, orders, stock } from '../../db/schema';
import { orderWorkflowId } from '../../workflows/order/ids';

/**
 * The bench catalog: 100 SKUs with ample stock in both warehouses, so orders are spread over many stock rows
 * (no hot row outside the flash-sale section) and never run out. Every order is one line shipped from one
 * warehouse (Boston → wh-east), so each saga has exactly one label and one WMS handoff on its critical path.
 */
export const BENCH_SKUS = Array.from({ length: 100 }, (_, i) => `BENCH-${String(i).padStart(3, '0')}`);
export const BENCH_STOCK = BENCH_SKUS.flatMap((sku) => [
  { sku, warehouse: 'wh-east', onHand: 10_000_000 },
  { sku, warehouse: 'wh-west', onHand: 10_000_000 },
]);

export function benchOrder(i: number): CreateOrderRequest {
  return {
    customerId: `bench-customer-${i % 500}`,
    email: `shopper${i}@example.com`,
    currency: 'USD',
    lines: [{ sku: BENCH_SKUS[i % BENCH_SKUS.length]!, quantity: 1, unitPriceCents: 1500 }],
    shippingAddress: { name: 'Bench Shopper', line1: '1 Bench St', city: 'Boston', postalCode: '02110', country: 'US' },
    paymentToken: 'tok_visa',
  };
}

export { orderIdFor };

export class UnknownSkus extends Error {
  constructor(readonly skus: string[]) {
    super(`unknown SKU ${skus.join(', ')}`);
  }
}

/**
 * The hot path's transaction without the saga start, statement for statement as in api/orders/placeOrder.ts:
 * insert the order (ON CONFLICT on the key), check the SKUs exist, insert the lines, append `order.received`.
 * One difference: `workflow_started_at` is set in the INSERT (no extra statement), so the worker's dispatcher
 * (the outbox) does not start sagas for these control orders.
 */
export async function insertOrderRows(db: Database, idempotencyKey: string, request: CreateOrderRequest): Promise<{ orderId: string; created: boolean }> {
  const hash = requestHash(request);
  const orderId = orderIdFor(idempotencyKey);
  const totalCents = request.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
  return db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(orders)
      .values({
        id: orderId,
        idempotencyKey,
        requestHash: hash,
        customerId: request.customerId,
        email: request.email,
        currency: request.currency,
        totalCents,
        shippingAddress: request.shippingAddress,
        paymentToken: request.paymentToken,
        status: 'received',
        workflowId: orderWorkflowId(orderId),
        sagaPolicy: null,
        workflowStartedAt: sql`now()`,
      })
      .onConflictDoNothing({ target: orders.idempotencyKey })
      .returning({ id: orders.id });
    if (!inserted) return { orderId, created: false };
    const skus = [...new Set(request.lines.map((l) => l.sku))];
    const known = await tx.selectDistinct({ sku: stock.sku }).from(stock).where(inArray(stock.sku, skus));
    const unknownSkus = skus.filter((s) => !known.some((k) => k.sku === s));
    if (unknownSkus.length > 0) throw new UnknownSkus(unknownSkus);
    await tx.insert(orderLines).values(request.lines.map((l, i) => ({ orderId, lineNo: i + 1, ...l })));
    await appendOrderEvent(tx, { orderId, type: 'order.received', status: 'received', detail: { lines: request.lines.length, totalCents }, dedupeKey: `${orderId}:received` });
    return { orderId, created: true };
  });
}
