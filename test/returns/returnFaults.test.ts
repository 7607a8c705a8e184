import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server';
import { signPayload, SIGNATURE_HEADER } from '../../lib/shipment/wmsSignature';
import { expectMoneyBalanced, paymentIntentsOf } from '../support/invariants';
import { clientOf, startOwnApi } from '../support/ownApi';
import { api, apiUrl, newIdempotencyKey, newSku, sim, simUrl } from '../support/stack';
import { WMS_WEBHOOK_SECRET } from '../support/testPolicy';
import { erpCredits, erpOnHand, onHand, receive, requestReturn, shippedOrder, waitForReturn } from './support';

const heal = async (system: string, orderId: string) => expect((await fetch(`${simUrl()}/_sim/${system}/behavior?scope=${orderId}`, { method: 'DELETE' })).status).toBe(200);

// An API whose returns wait 3 s for their receipt (RETURN_RECEIPT_WINDOW), on the run's worker and database.
let shortWindow: RunningApi | undefined;
beforeAll(async () => {
  shortWindow = await startOwnApi({ env: { RETURN_RECEIPT_WINDOW: '3s' } });
});
afterAll(async () => shortWindow?.close());

describe('returns when things go wrong', () => {
  it('a refund whose answer is lost is asked again under the same key, never assumed refused: refunded once', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { orderId } = await shippedOrder([{ sku, quantity: 2, unitPriceCents: 2500 }]);
    const { returnId } = (await requestReturn(orderId, { lines: [{ line: 1, quantity: 1 }], reason: 'too big', resolution: 'refund' })).body;
    await waitForReturn(orderId, returnId, ['awaiting_receipt']);
    // Every answer of the gateway for this order is lost from now on: the refund happens, its answer never arrives.
    expect((await sim('/_sim/payment/behavior', { scope: orderId, lostResponseRate: 1 })).status).toBe(200);
    await receive(returnId, [{ sku, quantity: 1, condition: 'resellable' }]);
    await expect.poll(async () => (await paymentIntentsOf(orderId))[0]?.amount_refunded, { timeout: 20_000, interval: 200 }).toBe(2500);
    await new Promise((r) => setTimeout(r, 1_000));
    // Still waiting for the answer: not refunded in the books, not given up.
    expect((await waitForReturn(orderId, returnId, ['received'])).refundedCents).toBe(0);
    await heal('payment', orderId);
    const done = await waitForReturn(orderId, returnId, ['refunded']);
    expect(done.refundedCents).toBe(2500);
    const [intent] = await paymentIntentsOf(orderId);
    expect(intent.amount_refunded).toBe(2500);
    expect(intent.refunds.map((r: { idempotencyKey: string }) => r.idempotencyKey)).toEqual([`return-${returnId}:refund:${orderId}-s1`]);
    await expectMoneyBalanced(orderId);
  });

  it('an ERP that is down holds the credit back, and a reconciliation meanwhile counts the restocked unit in flight instead of correcting it away', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { orderId } = await shippedOrder([{ sku, quantity: 1, unitPriceCents: 1200 }]);
    const { returnId } = (await requestReturn(orderId, { lines: [{ line: 1, quantity: 1 }], reason: 'no', resolution: 'refund' })).body;
    await waitForReturn(orderId, returnId, ['awaiting_receipt']);
    expect((await sim('/_sim/erp/behavior', { scope: orderId, outage: true })).status).toBe(200);
    await receive(returnId, [{ sku, quantity: 1, condition: 'resellable' }]);
    await expect.poll(async () => onHand(sku, 'wh-east'), { timeout: 20_000, interval: 200 }).toBe(5);
    expect(await erpOnHand(sku, 'wh-east')).toBe(4);
    const run = await api('/admin/reconcile', { body: { skus: [sku] }, headers: { authorization: 'Bearer test-staff-token' } });
    expect(run.status).toBe(200);
    expect(run.body.corrections).toEqual([]);
    expect(await onHand(sku, 'wh-east')).toBe(5);
    await heal('erp', orderId);
    await waitForReturn(orderId, returnId, ['refunded']);
    expect(await erpOnHand(sku, 'wh-east')).toBe(5);
    expect((await api('/admin/reconcile', { body: { skus: [sku] }, headers: { authorization: 'Bearer test-staff-token' } })).body.corrections).toEqual([]);
  });

  it('a return spanning two shipments: a label per warehouse, each shipment refunded from its own capture and credited on its own', { timeout: 120_000 }, async () => {
    const east = await newSku({ 'wh-east': 5 });
    const west = await newSku({ 'wh-west': 5 });
    const order = await shippedOrder([
      { sku: east, quantity: 1, unitPriceCents: 1400 },
      { sku: west, quantity: 1, unitPriceCents: 5900 },
    ]);
    expect(order.shipments).toHaveLength(2);
    const { returnId } = (await requestReturn(order.orderId, { lines: [{ sku: east, quantity: 1 }, { sku: west, quantity: 1 }], reason: 'all wrong', resolution: 'refund' })).body;
    const waiting = await waitForReturn(order.orderId, returnId, ['awaiting_receipt']);
    expect(waiting.labels.map((l: { warehouse: string }) => l.warehouse).sort()).toEqual(['wh-east', 'wh-west']);
    await receive(returnId, [
      { sku: east, quantity: 1, condition: 'resellable' },
      { sku: west, quantity: 1, condition: 'damaged' },
    ]);
    const done = await waitForReturn(order.orderId, returnId, ['refunded']);
    expect(done.refundedCents).toBe(7300);
    const after = (await api(`/orders/${order.orderId}`)).body;
    expect(after.shipments.map((s: { refundedCents: number }) => s.refundedCents).sort((a: number, b: number) => a - b)).toEqual([1400, 5900]);
    const credits = await erpCredits(order.orderId);
    expect(credits).toHaveLength(2);
    expect(credits.map((c: { lines: { restock: boolean }[] }) => c.lines[0]!.restock).sort()).toEqual([false, true]);
    expect(await onHand(east, 'wh-east')).toBe(5);
    expect(await onHand(west, 'wh-west')).toBe(4);
    await expectMoneyBalanced(order.orderId);
  });

  it('expires after RETURN_RECEIPT_WINDOW: the return label and the expectation are cancelled, nothing refunded', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { orderId } = await shippedOrder([{ sku, quantity: 1, unitPriceCents: 900 }]);
    const own = clientOf(shortWindow!);
    const res = await fetch(`${shortWindow!.url}/orders/${orderId}/returns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-checkout-token', 'idempotency-key': newIdempotencyKey() },
      body: JSON.stringify({ lines: [{ line: 1, quantity: 1 }], reason: 'meh', resolution: 'refund' }),
    });
    expect(res.status).toBe(202);
    const { returnId } = (await res.json()) as { returnId: string };
    const view = (await own.call(`/orders/${orderId}/returns/${returnId}`)).body;
    expect(Date.parse(view.expiresAt) - Date.parse(view.createdAt)).toBe(3_000);
    const expired = await waitForReturn(orderId, returnId, ['expired'], 20_000);
    expect(expired.refundedCents).toBe(0);
    const label = (await sim(`/_sim/carrier/records?reference=${orderId}`)).body.records.find((r: { kind?: string }) => r.kind === 'return');
    expect(label.status).toBe('cancelled');
    const expected = (await sim(`/_sim/wms/records?reference=${orderId}`)).body.records.find((r: { type: string }) => r.type === 'expected_return');
    expect(expected.status).toBe('cancelled');
    // A parcel arriving after the window is not taken; the unit may be returned again.
    expect((await receive(returnId, [{ sku, quantity: 1, condition: 'resellable' }])).status).toBe(404);
    expect((await requestReturn(orderId, { lines: [{ line: 1, quantity: 1 }], reason: 'again', resolution: 'refund' })).status).toBe(202);
  });

  it('a return.received callback is signed like task.shipped: forged or unsigned is 401 and changes nothing', async () => {
    const body = JSON.stringify({ event: 'return.received', returnId: 'ret_000000000000000000000000', reference: 'ord_000000000000000000000000', lines: [{ sku: 'X', quantity: 1, condition: 'resellable' }] });
    const unsigned = await fetch(`${apiUrl()}/webhooks/wms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(unsigned.status).toBe(401);
    const forged = await fetch(`${apiUrl()}/webhooks/wms`, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload('not-the-secret', body) }, body });
    expect(forged.status).toBe(401);
    const signed = await fetch(`${apiUrl()}/webhooks/wms`, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload(WMS_WEBHOOK_SECRET, body) }, body });
    // Signed, but for a return Hotpath does not have.
    expect(signed.status).toBe(404);
    const badCondition = body.replace('resellable', 'lost');
    const refused = await fetch(`${apiUrl()}/webhooks/wms`, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload(WMS_WEBHOOK_SECRET, badCondition) }, body: badCondition });
    expect(refused.status).toBe(400);
  });
});
