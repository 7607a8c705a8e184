import { describe, expect, it } from 'vitest';
import { expectMoneyBalanced, expectStockBalanced, stockOf } from '../support/invariants';
import { api, newSku, nextOrder, orderRequest, placeOrder, recordFixture, sim, simUrl, waitForStatus } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';

const asStaff = { authorization: `Bearer ${STAFF_TOKEN}` };
const reconcile = (sku: string) => api('/admin/reconcile', { body: { skus: [sku] }, headers: asStaff });
const heal = (orderId: string) => fetch(`${simUrl()}/_sim/erp/behavior?scope=${orderId}`, { method: 'DELETE' });
const erpStock = async (sku: string) => Object.fromEntries(((await sim(`/erp/stock?sku=${sku}`)).body.stock as { warehouse: string; onHand: number }[]).map((r) => [r.warehouse, r.onHand]));
const erpRecords = async (orderId: string) => (await sim(`/_sim/erp/records?reference=${orderId}`)).body.records as { type: string; shipmentId?: string; shipments?: { shipmentId: string }[] }[];

/** An order the ERP records while every answer it sends back is lost: the saga parks at "record in ERP". */
async function recordedButUnanswered(sku: string) {
  const { key, orderId } = nextOrder();
  await sim('/_sim/erp/behavior', { scope: orderId, lostResponseRate: 1 });
  await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 2500 }] }), key);
  const parked = await waitForStatus(orderId, ['needs_attention']);
  expect(parked.reason).toBe('vendor_unavailable');
  expect((await erpRecords(orderId)).filter((r) => r.type === 'erp_order')).toHaveLength(1);
  return orderId;
}

describe('the system of record stays true', () => {
  it('an order the ERP recorded with its answer lost, then cancelled: the saga asks the ERP and posts a credit; reconciliation leaves the units on the shelf', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const orderId = await recordedButUnanswered(sku);
    expect(await erpStock(sku)).toEqual({ 'wh-east': 2 });

    // While it waits, a reconciliation sees the ERP's record and does not subtract the unit a second time.
    const during = await reconcile(sku);
    expect(during.body.corrections).toEqual([]);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 2, reserved: 0 } });

    await heal(orderId);
    const res = await api(`/orders/${orderId}/cancel`, { body: { reason: 'customer changed their mind' }, headers: asStaff });
    expect(res.status).toBe(202);
    const order = await waitForStatus(orderId);
    expect(order).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    expect(order.payment).toMatchObject({ capturedCents: 2500, refundedCents: 2500 });

    // One credit, keyed like the recording, reverses the ERP's stock effect: recorded lines minus credits = 0.
    const records = await erpRecords(orderId);
    expect(records.map((r) => r.type).sort()).toEqual(['erp_credit', 'erp_order']);
    expect(records.find((r) => r.type === 'erp_credit')).toMatchObject({ shipmentId: `${orderId}-s1`, reason: 'cancelled', restock: true });
    expect(await erpStock(sku)).toEqual({ 'wh-east': 3 });
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 3, reserved: 0 } });
    expect(order.history.filter((e: { type: string }) => e.type === 'erp.credited')).toHaveLength(1);

    const after = await reconcile(sku);
    expect(after.body.corrections).toEqual([]);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 3, reserved: 0 } });
    await expectMoneyBalanced(orderId);
    await expectStockBalanced([sku]);
    await recordFixture(orderId, 'erp-answer-lost-then-cancelled');
  });

  it('the same order given up by a human (resolve: compensate) is credited too', async () => {
    const sku = await newSku({ 'wh-east': 2 });
    const orderId = await recordedButUnanswered(sku);
    await heal(orderId);
    expect((await api(`/orders/${orderId}/resolve`, { body: { action: 'compensate' }, headers: asStaff })).status).toBe(202);
    const order = await waitForStatus(orderId);
    expect(order).toMatchObject({ status: 'failed', reason: 'vendor_unavailable' });
    expect((await erpRecords(orderId)).map((r) => r.type).sort()).toEqual(['erp_credit', 'erp_order']);
    expect(await erpStock(sku)).toEqual({ 'wh-east': 2 });
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 2, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });

  it('an order whose ERP answer was lost but which a human retries completes once, with no second record', async () => {
    const sku = await newSku({ 'wh-east': 2 });
    const orderId = await recordedButUnanswered(sku);
    await heal(orderId);
    expect((await api(`/orders/${orderId}/resolve`, { body: { action: 'retry' }, headers: asStaff })).status).toBe(202);
    const order = await waitForStatus(orderId);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect((await erpRecords(orderId)).map((r) => r.type)).toEqual(['erp_order']);
    expect(order.history.filter((e: { type: string }) => e.type === 'erp.recorded')).toHaveLength(1);
    expect(await erpStock(sku)).toEqual({ 'wh-east': 1 });
    await expectMoneyBalanced(orderId);
  });
});
