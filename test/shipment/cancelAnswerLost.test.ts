import { describe, expect, it } from 'vitest';
import { expectMoneyBalanced, vendorArtifacts } from '../support/invariants';
import { api, finishRetryingParks, newSku, nextOrder, orderRequest, placeOrder, recordFixture, sim, simUrl, waitForStatus } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';

const asStaff = { authorization: `Bearer ${STAFF_TOKEN}` };
const heal = async (system: string, orderId: string) => expect((await fetch(`${simUrl()}/_sim/${system}/behavior?scope=${orderId}`, { method: 'DELETE' })).status).toBe(200);
const erpRecords = async (orderId: string) => (await sim(`/_sim/erp/records?reference=${orderId}`)).body.records as { type: string; shipmentId?: string }[];

describe('a staff cancel whose warehouse answer is lost', () => {
  it('is not taken for a refusal: asked again under the same key, the WMS had cancelled, so nothing is kept and nothing recorded', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { key, orderId } = nextOrder();
    // Parked at the ERP step after its capture, so a cancel meets a handed-off, captured shipment.
    expect((await sim('/_sim/erp/behavior', { scope: orderId, outage: true })).status).toBe(200);
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1999 }] }), key);
    const parked = await waitForStatus(orderId, ['needs_attention']);
    expect(parked.payment.capturedCents).toBe(1999);

    // Every answer of the WMS is lost from now on: it acts (cancels the task) and its answer never arrives.
    expect((await sim('/_sim/wms/behavior', { scope: orderId, lostResponseRate: 1 })).status).toBe(200);
    const res = await api(`/orders/${orderId}/cancel`, { body: { reason: 'customer changed their mind' }, headers: asStaff });
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('the warehouse did not answer');
    expect(res.body.detail).not.toContain('refused');
    expect((await vendorArtifacts(orderId)).tasks.map((t: { status: string }) => t.status)).toEqual(['cancelled']);

    // The WMS answers again: its stored answer (cancelled) is replayed for the same key, and the saga acts on it.
    await heal('wms', orderId);
    await expect.poll(async () => (await api(`/orders/${orderId}`)).body.shipments[0].status, { timeout: 20_000 }).toMatch(/cancelled/);
    await heal('erp', orderId);
    const order = await finishRetryingParks(orderId);
    expect(order).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    expect(order.payment).toMatchObject({ capturedCents: 1999, refundedCents: 1999 });
    await expectMoneyBalanced(orderId);
    // Nothing stands in the ERP for a parcel that never left: no record, or a record and its credit.
    const records = await erpRecords(orderId);
    expect(records.filter((r) => r.type === 'erp_order').length).toBe(records.filter((r) => r.type === 'erp_credit').length);
    // One question, asked again as itself: no refusal was ever recorded.
    expect(order.history.map((e: { type: string }) => e.type)).not.toContain('wms.cancel_refused');
    await recordFixture(orderId, 'cancel-answer-lost');
  });

  it('the WMS was down (nothing done), then refuses once it answers: the parcel ships, is paid for and recorded', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { key, orderId } = nextOrder();
    expect((await sim('/_sim/erp/behavior', { scope: orderId, outage: true })).status).toBe(200);
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1250 }] }), key);
    await waitForStatus(orderId, ['needs_attention']);

    expect((await sim('/_sim/wms/behavior', { scope: orderId, outage: true })).status).toBe(200);
    const res = await api(`/orders/${orderId}/cancel`, { body: { reason: 'customer changed their mind' }, headers: asStaff });
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('the warehouse did not answer');
    // While the question is open, the order cannot close: a second cancel is refused as in progress.
    const again = await api(`/orders/${orderId}/cancel`, { body: { reason: 'again' }, headers: asStaff });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('a cancellation is already in progress');

    await heal('wms', orderId);
    expect((await sim('/_sim/wms/cancellations', { mode: 'refuse', scope: orderId })).status).toBe(200);
    await heal('erp', orderId);
    const order = await finishRetryingParks(orderId);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect(order.payment).toMatchObject({ capturedCents: 1250, refundedCents: 0 });
    await expectMoneyBalanced(orderId);
    expect((await erpRecords(orderId)).map((r) => r.type)).toEqual(['erp_order']);
    expect((await vendorArtifacts(orderId)).tasks.map((t: { status: string }) => t.status)).toEqual(['accepted']);
    await recordFixture(orderId, 'cancel-asked-briefly');
  });
});
