import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderIdFor } from '../../api/order/placeOrder';
import type { RunningApi } from '../../api/server';
import { reservations } from '../../db/schema';
import { clientOf, startOwnApi } from '../support/ownApi';
import { expectMoneyBalanced, expectStockBalanced, stockOf } from '../support/invariants';
import { api, newIdempotencyKey, newSku, orderRequest, sim, simUrl, testDb } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';

// Long enough that a step exhausting its retries parks the order before the hold would expire, on a busy machine too.
const HOLD_TTL_MS = 4_000;
const asStaff = { authorization: `Bearer ${STAFF_TOKEN}` };
let ownApi: RunningApi;
let call: ReturnType<typeof clientOf>['call'];
let statusOf: ReturnType<typeof clientOf>['statusOf'];

const holdsOf = (orderId: string, warehouse?: string) =>
  testDb()
    .select({ warehouse: reservations.warehouse, status: reservations.status, expiresAt: reservations.expiresAt })
    .from(reservations)
    .where(and(eq(reservations.orderId, orderId), warehouse ? eq(reservations.warehouse, warehouse) : undefined));
const reconcile = (sku: string) => api('/admin/reconcile', { body: { skus: [sku] }, headers: asStaff });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Orders of this API park a step that exhausts its retries, and hold their units for four seconds until each shipment's handoff. */
describe('holds wait for a human', () => {
  beforeAll(async () => {
    ownApi = await startOwnApi({ policy: { onStepExhausted: 'park', holdTtlMs: HOLD_TTL_MS } });
    ({ call, statusOf } = clientOf(ownApi));
  });
  afterAll(async () => ownApi?.close());

  it('a parked order keeps its hold past the TTL, the reconciler leaves it alone, and a resumed order gets a fresh TTL', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const key = newIdempotencyKey();
    const orderId = orderIdFor(key);
    await sim('/_sim/carrier/behavior', { scope: orderId, outage: true });
    expect((await call('/orders', orderRequest({ lines: [{ sku, quantity: 2, unitPriceCents: 500 }] }), { 'idempotency-key': key })).status).toBe(202);
    await statusOf(orderId, ['needs_attention']);
    await expect.poll(async () => (await holdsOf(orderId)).map((h) => h.expiresAt), { timeout: 5000 }).toEqual([null]);

    await sleep(HOLD_TTL_MS * 2);
    expect((await call(`/orders/${orderId}`)).body.status).toBe('needs_attention');
    const run = await reconcile(sku);
    expect(run.status).toBe(200);
    expect(run.body.holdsReleased).toBe(0);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 3, reserved: 2 } });

    await fetch(`${simUrl()}/_sim/carrier/behavior?scope=${orderId}`, { method: 'DELETE' });
    const resumedAt = Date.now();
    expect((await call(`/orders/${orderId}/resolve`, { action: 'retry' }, asStaff)).status).toBe(202);
    const order = await statusOf(orderId, ['completed', 'failed', 'cancelled']);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    const [hold] = await holdsOf(orderId);
    expect(hold!.status).toBe('committed');
    expect(hold!.expiresAt!.getTime()).toBeGreaterThanOrEqual(resumedAt + HOLD_TTL_MS - 1000);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 1, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });

  it('once one shipment is handed off, the other one parked keeps its hold until the human resumes the order', async () => {
    const sku = await newSku({ 'wh-east': 1, 'wh-west': 1 });
    const key = newIdempotencyKey();
    const orderId = orderIdFor(key);
    // The carrier is down for the west shipment only: the east one is labelled and handed off.
    await sim('/_sim/carrier/behavior', { scope: `${orderId}-s2`, outage: true });
    expect((await call('/orders', orderRequest({ lines: [{ sku, quantity: 2, unitPriceCents: 500 }] }), { 'idempotency-key': key })).status).toBe(202);
    await statusOf(orderId, ['needs_attention']);
    await expect.poll(async () => (await holdsOf(orderId)).map((h) => `${h.warehouse}:${h.status}`).sort(), { timeout: 10_000 }).toEqual(['wh-east:committed', 'wh-west:held']);

    await sleep(HOLD_TTL_MS * 2);
    expect((await reconcile(sku)).body.holdsReleased).toBe(0);
    expect((await holdsOf(orderId, 'wh-west'))[0]).toMatchObject({ status: 'held', expiresAt: null });

    await fetch(`${simUrl()}/_sim/carrier/behavior?scope=${orderId}-s2`, { method: 'DELETE' });
    expect((await call(`/orders/${orderId}/resolve`, { action: 'retry' }, asStaff)).status).toBe(202);
    const order = await statusOf(orderId, ['completed', 'failed', 'cancelled']);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect(order.shipments.map((s: { status: string }) => s.status)).toEqual(['handed_off', 'handed_off']);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 0, reserved: 0 }, 'wh-west': { onHand: 0, reserved: 0 } });
    await expectMoneyBalanced(orderId);
    await expectStockBalanced([sku]);
  });

  it('two shipments stuck at once park the order once, and one human decision resumes both', async () => {
    const sku = await newSku({ 'wh-east': 1, 'wh-west': 1 });
    const key = newIdempotencyKey();
    const orderId = orderIdFor(key);
    await sim('/_sim/carrier/behavior', { scope: orderId, outage: true });
    expect((await call('/orders', orderRequest({ lines: [{ sku, quantity: 2, unitPriceCents: 500 }] }), { 'idempotency-key': key })).status).toBe(202);
    await statusOf(orderId, ['needs_attention']);
    await expect
      .poll(async () => (await call(`/orders/${orderId}`)).body.history.filter((e: { type: string; status: string }) => e.type === 'status' && e.status === 'needs_attention').length, { timeout: 5000 })
      .toBe(1);
    await fetch(`${simUrl()}/_sim/carrier/behavior?scope=${orderId}`, { method: 'DELETE' });
    expect((await call(`/orders/${orderId}/resolve`, { action: 'retry' }, asStaff)).status).toBe(202);
    const order = await statusOf(orderId, ['completed', 'failed', 'cancelled']);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect(order.shipments.map((s: { status: string }) => s.status)).toEqual(['handed_off', 'handed_off']);
    await expectMoneyBalanced(orderId);
  });

  it('without a human in the way the TTL still applies, shipment by shipment: an expired one is given up and the rest ships', async () => {
    const sku = await newSku({ 'wh-east': 1, 'wh-west': 1 });
    const key = newIdempotencyKey();
    const orderId = orderIdFor(key);
    // The west label takes longer than the hold lives; the east shipment is handed off in time.
    await sim('/_sim/carrier/behavior', { scope: `${orderId}-s2`, latencyMs: HOLD_TTL_MS + 1500 });
    expect((await call('/orders', orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 900 }, { sku, quantity: 1, unitPriceCents: 400 }] }), { 'idempotency-key': key })).status).toBe(202);
    const order = await statusOf(orderId, ['completed', 'failed', 'cancelled']);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect(order.shipments.map((s: { status: string }) => s.status)).toEqual(['handed_off', 'cancelled']);
    expect(order.payment).toMatchObject({ authorizedCents: 1300, capturedCents: 900, voidedCents: 400 });
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 0, reserved: 0 }, 'wh-west': { onHand: 1, reserved: 0 } });
    await fetch(`${simUrl()}/_sim/carrier/behavior?scope=${orderId}-s2`, { method: 'DELETE' });
    await expectMoneyBalanced(orderId);
  });
});
