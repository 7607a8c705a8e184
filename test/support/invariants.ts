import { and, eq, inArray, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { reservations, stock } from '../../db/schema';
import { isTerminalStatus } from '../../workflows/order/contract';
import { api, sim, testDb } from './stack';


/** An order's PaymentIntents at the gateway (the Stripe simulator's records), without the placeholders a void leaves. */
export async function paymentIntentsOf(orderId: string) {
  const { records } = (await sim(`/_sim/payment/records?reference=${orderId}`)).body;
  return records.filter((r: { type: string; metadata: Record<string, string> }) => r.type === 'payment_intent' && r.metadata.placeholder !== 'true');
}

/**
 * Money balances for an ended order, checked in Hotpath's books and at the gateway itself:
 * authorized = captured + voided, refunded <= captured, and no authorization left open.
 */
export async function expectMoneyBalanced(orderId: string) {
  const order = (await api(`/orders/${orderId}`)).body;
  expect(isTerminalStatus(order.status), `order ${orderId} is ${order.status}`).toBe(true);
  const p = order.payment;
  expect(p.authorizedCents).toBe(p.capturedCents + p.voidedCents);
  expect(p.refundedCents).toBeLessThanOrEqual(p.capturedCents);
  const gateway = await paymentIntentsOf(orderId);
  for (const intent of gateway) {
    expect(intent.status, `PaymentIntent ${intent.id} left holding money`).not.toBe('requires_capture');
    expect(intent.amount_capturable).toBe(0);
    expect(intent.amount_refunded).toBeLessThanOrEqual(intent.amount_received);
  }
  const atGateway = (field: string) => gateway.reduce((n: number, a: Record<string, number>) => n + (a[field] ?? 0), 0);
  expect(atGateway('amount_received')).toBe(p.capturedCents);
  expect(atGateway('amount_refunded')).toBe(p.refundedCents);
  return order;
}

/** Held stock equals the holds of live orders, per SKU and warehouse, and nothing is negative. */
export async function expectStockBalanced(skus: string[]) {
  const db = testDb();
  const rows = await db.select().from(stock).where(inArray(stock.sku, skus));
  for (const row of rows) {
    const [held] = await db
      .select({ units: sql<number>`coalesce(sum(${reservations.quantity}), 0)::int` })
      .from(reservations)
      .where(and(eq(reservations.sku, row.sku), eq(reservations.warehouse, row.warehouse), eq(reservations.status, 'held')));
    expect(row.reserved, `${row.sku}@${row.warehouse} reserved vs live holds`).toBe(held!.units);
    expect(row.onHand).toBeGreaterThanOrEqual(row.reserved);
  }
  return rows;
}

export async function stockOf(sku: string) {
  const rows = await testDb().select().from(stock).where(eq(stock.sku, sku));
  return Object.fromEntries(rows.map((r) => [r.warehouse, { onHand: r.onHand, reserved: r.reserved }]));
}

/** Every label and WMS task the vendors hold for the order, by status. */
export async function vendorArtifacts(orderId: string) {
  const labels = (await sim(`/_sim/carrier/records?reference=${orderId}`)).body.records.filter((r: { type: string }) => r.type === 'label');
  const tasks = (await sim(`/_sim/wms/records?reference=${orderId}`)).body.records.filter((r: { type: string }) => r.type === 'task');
  return { labels, tasks };
}
