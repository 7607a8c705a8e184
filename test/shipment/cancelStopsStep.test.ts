import { describe, expect, it } from 'vitest';
import { expectMoneyBalanced, expectStockBalanced, stockOf } from '../support/invariants';
import { api, finishRetryingParks, newSku, nextOrder, orderRequest, placeOrder, sim, simUrl } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';

const asStaff = { authorization: `Bearer ${STAFF_TOKEN}` };

describe('a staff cancel while the handoff keeps timing out', () => {
  it('stops the handoff: the order ends cancelled by staff, the hold released and the authorization voided', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const { key, orderId } = nextOrder();
    // Every WMS answer comes after the step's timeout (3 s in tests): each handoff attempt times out.
    expect((await sim('/_sim/wms/behavior', { scope: orderId, latencyMs: 8_000 })).status).toBe(200);
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1500 }] }), key);
    await expect.poll(async () => (await api(`/orders/${orderId}`)).body.shipments?.[0]?.status, { timeout: 20_000, interval: 100 }).toBe('labelled');

    const cancelled = await api(`/orders/${orderId}/cancel`, { body: { reason: 'customer changed their mind' }, headers: asStaff });
    expect(cancelled.status).toBe(202);
    // The WMS answers in time again, so undoing the (possibly created) task succeeds.
    expect((await fetch(`${simUrl()}/_sim/wms/behavior?scope=${orderId}`, { method: 'DELETE' })).status).toBe(200);
    const order = await finishRetryingParks(orderId);
    expect(order).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    expect(order.payment).toMatchObject({ capturedCents: 0, voidedCents: 1500 });
    await expectMoneyBalanced(orderId);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 3, reserved: 0 } });
    await expectStockBalanced([sku]);
  });
});
