import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { nearestSingleWarehouseFirst } from '../../activities/inventory/allocation';
import { reserve } from '../../activities/inventory/reservations';
import { orders, stock } from '../../db/schema';
import { fixtureOrder, newSku, testDb } from '../support/stack';
import { expectStockBalanced } from '../support/invariants';

describe('a reservation attempt racing its own retry', () => {
  it('reserves the units once: the retry returns the first attempt’s hold', async () => {
    // Found by the flash sale under load: attempt 1 timed out in Temporal while its transaction was still
    // committing, attempt 2 reserved again, and stock.reserved drifted above the holds.
    const sku = await newSku({ 'wh-east': 10 });
    const db = testDb();
    const shipTo = { name: 'n', line1: 'l', city: 'Boston', postalCode: '02110', country: 'US' };
    const order = fixtureOrder(`race-${sku}`);
    const orderId = order.id;
    await db.insert(orders).values(order);
    const attempt = () => reserve(db, { orderId, lines: [{ sku, quantity: 3 }], shipTo, holdTtlMs: 60_000, policy: nearestSingleWarehouseFirst });
    const holds = await Promise.all([attempt(), attempt(), attempt(), attempt()]);
    expect(new Set(holds.map((h) => JSON.stringify(h.shipments))).size).toBe(1);
    const [row] = await db.select().from(stock).where(eq(stock.sku, sku));
    expect(row!.reserved).toBe(3);
    await expectStockBalanced([sku]);
  });
});
