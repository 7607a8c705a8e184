import { orderIdFor, persistNewOrder } from '../../api/order/placeOrder';
import { requestHash } from '../../api/order/canonicalJson';
import type { CreateOrderRequest } from '../../api/validation';
import type { Database } from '../../db/client';

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

/**
 * The hot path's transaction without the saga start: the same `persistNewOrder` as api/order/placeOrder.ts,
 * with `workflow_started_at` set in the INSERT (no extra statement), so the worker's dispatcher (the outbox)
 * does not start sagas for these control orders. An unknown SKU is the API's 422 Problem.
 */
export async function insertOrderRows(db: Database, idempotencyKey: string, request: CreateOrderRequest): Promise<{ orderId: string; created: boolean }> {
  const orderId = orderIdFor(idempotencyKey);
  const totalCents = request.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
  const created = await db.transaction((tx) => persistNewOrder(tx, { orderId, idempotencyKey, requestHash: requestHash(request), request, totalCents, markStarted: true }));
  return { orderId, created };
}
