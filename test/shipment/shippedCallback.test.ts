import { describe, expect, it } from 'vitest';
import { expectMoneyBalanced } from '../support/invariants';
import { api, finishRetryingParks, newSku, nextOrder, orderRequest, placeOrder, recordFixture, sim, simUrl, temporalClient, waitForStatus } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';
import { sagaAsksToCancel, sagaShipment } from './sagaView';

const asStaff = { authorization: `Bearer ${STAFF_TOKEN}` };
const heal = async (system: string, orderId: string) => expect((await fetch(`${simUrl()}/_sim/${system}/behavior?scope=${orderId}`, { method: 'DELETE' })).status).toBe(200);

describe("the WMS's shipped callback reaches the order's saga", () => {
  it('the saga knows the parcel shipped: a staff cancel is refused at once, without asking the warehouse, and the order ends paid', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { key, orderId } = nextOrder();
    const shipmentId = `${orderId}-s1`;
    // Parked at the ERP step after its capture: the saga is live, the shipment handed off.
    expect((await sim('/_sim/erp/behavior', { scope: orderId, outage: true })).status).toBe(200);
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1500 }] }), key);
    const parked = await waitForStatus(orderId, ['needs_attention']);
    const taskId = parked.shipments[0].wmsTaskId as string;
    expect((await sagaShipment(orderId, shipmentId))?.status).toBe('handed_off');

    expect((await sim(`/_sim/wms/tasks/${taskId}/ship`, {})).status).toBe(200);
    await expect.poll(async () => (await sagaShipment(orderId, shipmentId))?.status, { timeout: 10_000, interval: 100 }).toBe('shipped');

    const res = await api(`/orders/${orderId}/cancel`, { body: { reason: 'customer changed their mind' }, headers: asStaff });
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('already shipped');
    expect(await sagaAsksToCancel(orderId)).toBe(0);

    await heal('erp', orderId);
    const order = await finishRetryingParks(orderId);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect(order.payment).toMatchObject({ capturedCents: 1500, refundedCents: 0 });
    expect(order.shipments[0].status).toBe('shipped');
    await expectMoneyBalanced(orderId);
    await recordFixture(orderId, 'shipped-callback');
  });

  it('a repeated or foreign callback changes nothing: another task id is not this shipment', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { key, orderId } = nextOrder();
    const shipmentId = `${orderId}-s1`;
    expect((await sim('/_sim/erp/behavior', { scope: orderId, outage: true })).status).toBe(200);
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 800 }] }), key);
    await waitForStatus(orderId, ['needs_attention']);
    const handle = (await temporalClient()).workflow.getHandle(`order-${orderId}`);
    // A signal naming a task the saga never handed off (a stale or misrouted callback) is ignored.
    await handle.signal('shipmentShipped', { shipmentId, taskId: 'wms_not_this_one', shippedAt: null });
    await handle.signal('shipmentShipped', { shipmentId: `${orderId}-s9`, taskId: 'wms_other', shippedAt: null });
    await new Promise((r) => setTimeout(r, 500));
    expect((await sagaShipment(orderId, shipmentId))?.status).toBe('handed_off');
    // So a cancel still asks the warehouse, which confirms: the order is cancelled and refunded.
    const res = await api(`/orders/${orderId}/cancel`, { body: { reason: 'customer changed their mind' }, headers: asStaff });
    expect(res.status).toBe(202);
    await heal('erp', orderId);
    const order = await finishRetryingParks(orderId);
    expect(order).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    expect(await sagaAsksToCancel(orderId)).toBe(1);
    await expectMoneyBalanced(orderId);
  });
});
