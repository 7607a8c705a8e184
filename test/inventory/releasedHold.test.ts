import { ApplicationFailure } from '@temporalio/common';
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createOrderActivities } from '../../activities';
import { nearestSingleWarehouseFirst } from '../../activities/inventory/allocation';
import { release } from '../../activities/inventory/reservations';
import { orders, reservations, shipments } from '../../db/schema';
import { loadConfig, vendorUrlsFor } from '../../lib/config';
import { paymentGateway } from '../../worker/createWorker';
import { vendorPorts } from '../../worker/vendors';
import { expectStockBalanced, stockOf } from '../support/invariants';
import { fixtureOrder, newSku, simUrl, testDb } from '../support/stack';

/** The inventory activities as the worker runs them, against the run's Postgres. */
function activities() {
  const config = loadConfig({ ...vendorUrlsFor(simUrl()), VENDOR_TIMEOUT_MS: '500' });
  return createOrderActivities({ db: testDb(), payments: paymentGateway(config), ...vendorPorts(config, testDb()), allocation: nearestSingleWarehouseFirst });
}

const shipTo = { name: 'n', line1: 'l', city: 'Boston', postalCode: '02110', country: 'US' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function orderOf(tag: string, status = 'processing') {
  const order = { ...fixtureOrder(`${tag}-${Date.now()}`), status };
  await testDb().insert(orders).values(order);
  return order.id;
}

/** What a call ended with: its value, or the error it threw. */
async function outcome<T>(run: () => Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await run() };
  } catch (error) {
    return { error };
  }
}

const heldOf = async (orderId: string) =>
  (await testDb().select().from(reservations).where(and(eq(reservations.orderId, orderId), eq(reservations.status, 'held')))).reduce((n, r) => n + r.quantity, 0);
const shipmentStatusesOf = async (orderId: string) => (await testDb().select({ status: shipments.status }).from(shipments).where(eq(shipments.orderId, orderId))).map((s) => s.status);

/**
 * Issue 21, defect 7: a reservation attempt that timed out in Temporal may still be running; once its order was
 * undone (its hold released, or the order ended) it must not hold the units again.
 */
describe('a late reservation attempt after the hold was released', () => {
  it('is refused (non-retryable HoldExpired): no units held, the shipments stay cancelled', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const orderId = await orderOf('late-reserve');
    const acts = activities();
    const input = { orderId, lines: [{ sku, quantity: 2, unitPriceCents: 500 }], shipTo, holdTtlMs: 60_000 };

    // The retry that answered the saga reserved; the payment was declined; the saga released the hold.
    await acts.reserveInventory(input);
    expect(await acts.releaseHold({ orderId, heldOnly: true })).toEqual({ releasedUnits: 2 });
    expect(await shipmentStatusesOf(orderId)).toEqual(['cancelled']);

    // The first attempt, stalled until now, reaches the lock.
    const late = await outcome(() => acts.reserveInventory(input));
    expect({ held: await heldOf(orderId), stock: await stockOf(sku), shipments: await shipmentStatusesOf(orderId), reservedAgain: late.value !== undefined }).toEqual({
      held: 0,
      stock: { 'wh-east': { onHand: 5, reserved: 0 } },
      shipments: ['cancelled'],
      reservedAgain: false,
    });
    expect(late.error).toBeInstanceOf(ApplicationFailure);
    expect(late.error).toMatchObject({ type: 'HoldExpired', nonRetryable: true });
    await expectStockBalanced([sku]);
  });

  it('is refused once the order has ended, even if it never held anything', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const orderId = await orderOf('late-reserve-ended', 'rejected');
    const late = await outcome(() => activities().reserveInventory({ orderId, lines: [{ sku, quantity: 1, unitPriceCents: 500 }], shipTo, holdTtlMs: 60_000 }));
    expect({ held: await heldOf(orderId), stock: await stockOf(sku), shipments: await shipmentStatusesOf(orderId), reserved: late.value !== undefined }).toEqual({
      held: 0,
      stock: { 'wh-east': { onHand: 5, reserved: 0 } },
      shipments: [],
      reserved: false,
    });
    expect(late.error).toMatchObject({ type: 'HoldExpired', nonRetryable: true });
  });

  it('a release waits for a reservation of the same order in flight (the per-order lock reserve takes)', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const orderId = await orderOf('release-waits');
    const db = testDb();
    await activities().reserveInventory({ orderId, lines: [{ sku, quantity: 1, unitPriceCents: 500 }], shipTo, holdTtlMs: 60_000 });

    // A reservation transaction of this order holds its lock (as reserve() does, first thing) until we let go.
    let letGo!: () => void;
    const gate = new Promise<void>((r) => (letGo = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const inFlight = db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${orderId}))`);
      locked();
      await gate;
    });
    await isLocked;

    let releasedAt = 0;
    const releasing = release(db, orderId, 'test').then((units) => ((releasedAt = Date.now()), units));
    let lettingGoAt: number;
    try {
      await sleep(500);
      lettingGoAt = Date.now();
      expect(releasedAt, 'the release did not wait for the reservation in flight').toBe(0);
    } finally {
      letGo();
      await inFlight;
    }
    expect(await releasing).toBe(1);
    expect(releasedAt).toBeGreaterThanOrEqual(lettingGoAt);
    expect(await heldOf(orderId)).toBe(0);
    await expectStockBalanced([sku]);
  });
});
