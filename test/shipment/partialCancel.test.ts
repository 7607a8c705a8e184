import { describe, expect, it } from 'vitest';
import { expectMoneyBalanced, stockOf } from '../support/invariants';
import { api, finishRetryingParks, newSku, nextOrder, orderRequest, placeOrder, sim, simUrl, waitForStatus } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';

const asStaff = { authorization: `Bearer ${STAFF_TOKEN}` };
const cancelAll = (orderId: string) => api(`/orders/${orderId}/cancel`, { body: { reason: 'customer changed their mind' }, headers: asStaff });

describe('a whole-order cancel that one shipment refused', () => {
  it('does not block a later cancel: once the warehouse lets go, cancelling again cancels the rest and the order ends cancelled by staff', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 1, 'wh-west': 1 });
    const { key, orderId } = nextOrder();
    const [east, west] = [`${orderId}-s1`, `${orderId}-s2`];
    expect((await sim('/_sim/wms/cancellations', { mode: 'refuse', scope: east })).status).toBe(200);
    expect((await sim('/_sim/erp/behavior', { scope: orderId, outage: true })).status).toBe(200);
    const lines = [
      { sku, quantity: 1, unitPriceCents: 1000 },
      { sku, quantity: 1, unitPriceCents: 700 },
    ];
    await placeOrder(orderRequest({ lines }), key);
    await waitForStatus(orderId, ['needs_attention']);

    const first = await cancelAll(orderId);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ cancelled: [west], refused: [{ shipmentId: east }] });

    expect((await sim('/_sim/wms/cancellations', { mode: 'confirm', scope: east })).status).toBe(200);
    // Settling the first cancel may still be under way: a second cancel is refused only while one is in flight.
    let again = await cancelAll(orderId);
    for (let i = 0; again.status === 409 && /in progress/.test(again.body.detail) && i < 40; i++) {
      await new Promise((r) => setTimeout(r, 250));
      again = await cancelAll(orderId);
    }
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body).toMatchObject({ cancelled: [east], refused: [{ shipmentId: west, reason: 'already cancelled' }] });

    expect((await fetch(`${simUrl()}/_sim/erp/behavior?scope=${orderId}`, { method: 'DELETE' })).status).toBe(200);
    const order = await finishRetryingParks(orderId);
    expect(order).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    expect(order.payment).toMatchObject({ capturedCents: 1700, refundedCents: 1700 });
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 1, reserved: 0 }, 'wh-west': { onHand: 1, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });
});
