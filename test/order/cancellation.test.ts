import { describe, expect, it } from 'vitest';
import { expectMoneyBalanced, expectStockBalanced, stockOf, vendorArtifacts } from '../support/invariants';
import { orderStateQuery } from '../../workflows/order/contract';
import { api, newSku, nextOrder, orderRequest, placeOrder, sim, simUrl, temporalClient, waitForStatus, recordFixture } from '../support/stack';
import { OTHER_CHECKOUT_TOKEN, PAYLOAD_KEYS, STAFF_TOKEN, WMS_WEBHOOK_SECRET } from '../support/testPolicy';
import { dataConverterFor } from '../../lib/codec/dataConverter';
import { SIGNATURE_HEADER, signPayload } from '../../lib/shipment/wmsSignature';

const asStaff = { authorization: `Bearer ${STAFF_TOKEN}` };
const fixErp = (orderId: string) => fetch(`${simUrl()}/_sim/erp/behavior?scope=${orderId}`, { method: 'DELETE' });
const resolve = (orderId: string) => api(`/orders/${orderId}/resolve`, { body: { action: 'retry' }, headers: asStaff });

/** Delivers a WMS callback signed as the WMS would sign it. */
const deliver = (body: string) => api('/webhooks/wms', { body, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload(WMS_WEBHOOK_SECRET, body) } });

const cancel = (orderId: string, reason = 'customer changed their mind', headers: Record<string, string> = asStaff) =>
  api(`/orders/${orderId}/cancel`, { body: { reason }, headers });

describe('support staff cancel an order', () => {
  it('before the WMS handoff: full compensation, no capture, who and why recorded', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const { key, orderId } = nextOrder();
    await sim('/_sim/carrier/behavior', { scope: orderId, latencyMs: 2500 });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 2, unitPriceCents: 1200 }] }), key);
    await waitForStatus(orderId, ['processing']);

    const res = await cancel(orderId);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ orderId, status: 'compensating' });

    const order = await waitForStatus(orderId);
    expect(order).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    await recordFixture(orderId, 'staff-cancel');
    expect(order.payment).toMatchObject({ authorizedCents: 2400, voidedCents: 2400, capturedCents: 0 });
    const compensating = order.history.find((e: { status: string }) => e.status === 'compensating');
    expect(compensating.detail).toMatchObject({ reason: 'cancelled_by_staff', cancelledBy: 'support-alice', cancelReason: 'customer changed their mind' });
    const { labels, tasks } = await vendorArtifacts(orderId);
    expect(labels.every((l: { status: string }) => l.status === 'cancelled')).toBe(true);
    expect(tasks).toHaveLength(0);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 3, reserved: 0 } });
    await expectMoneyBalanced(orderId);
    await expectStockBalanced([sku]);

    // Temporal's own history carries the same: the update's input and the saga's final state.
    const handle = (await temporalClient()).workflow.getHandle(`order-${orderId}`);
    const state = await handle.query(orderStateQuery);
    expect(state.cancellation).toEqual({ by: 'support-alice', reason: 'customer changed their mind' });
    const history = await handle.fetchHistory();
    const accepted = history.events!.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    const sealed = accepted!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads![0]!;
    const [input] = await dataConverterFor({ PAYLOAD_KEYS })!.payloadCodecs![0]!.decode([sealed]);
    expect(JSON.parse(Buffer.from(input!.data!).toString())).toEqual({ by: 'support-alice', reason: 'customer changed their mind' });
  });

  it('after the handoff: the WMS confirms, the capture is refunded and the units go back on hand', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const { key, orderId } = nextOrder();
    // The ERP is down for this order: after handoff and capture the saga parks, waiting for it, and the
    // cancellation arrives in that after-handoff window however slow the machine is.
    await sim('/_sim/erp/behavior', { scope: orderId, outage: true });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 4000 }] }), key);
    const parked = await waitForStatus(orderId, ['needs_attention']);
    expect(parked.payment.capturedCents).toBe(4000);

    const res = await cancel(orderId);
    expect(res.status).toBe(202);
    const order = await waitForStatus(orderId);
    expect(order).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    const { labels, tasks } = await vendorArtifacts(orderId);
    expect(tasks.map((t: { status: string }) => t.status)).toEqual(['cancelled']);
    expect(labels.map((l: { status: string }) => l.status)).toEqual(['cancelled']);
    expect(order.payment).toMatchObject({ capturedCents: 4000, refundedCents: 4000 });
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 3, reserved: 0 } });
    expect((await sim(`/_sim/erp/records?reference=${orderId}`)).body.records).toHaveLength(0);
    await expectMoneyBalanced(orderId);
    await fixErp(orderId);
  });

  it('after the handoff, refused when the warehouse will not let go; the order completes', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const { key, orderId } = nextOrder();
    await sim('/_sim/wms/cancellations', { mode: 'refuse', scope: orderId });
    await sim('/_sim/erp/behavior', { scope: orderId, outage: true });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 300 }] }), key);
    await waitForStatus(orderId, ['needs_attention']);

    const res = await cancel(orderId);
    expect(res.status).toBe(409);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body.detail).toMatch(/warehouse refused/);
    await fixErp(orderId);
    expect((await resolve(orderId)).status).toBe(202);
    const order = await waitForStatus(orderId);
    expect(order.status).toBe('completed');
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 2, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });

  it('refused once the order has completed', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const placed = await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 300 }] }));
    await waitForStatus(placed.body.orderId, ['completed']);
    const res = await cancel(placed.body.orderId);
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/already completed/);
  });

  it('needs staff or the checkout credential that placed it, and a reason', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const placed = await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 300 }] }));
    const orderId = placed.body.orderId;
    expect((await cancel(orderId, 'x', { authorization: '' })).status).toBe(401);
    // Another checkout service cannot cancel it: to it, the order does not exist.
    const foreign = await cancel(orderId, 'x', { authorization: `Bearer ${OTHER_CHECKOUT_TOKEN}` });
    expect(foreign.status).toBe(404);
    expect(foreign.contentType).toContain('application/problem+json');
    expect((await cancel(orderId, 'x', { authorization: 'Bearer wrong-token' })).status).toBe(401);
    const empty = await cancel(orderId, '');
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/^reason:/);
    expect((await cancel('ord_doesnotexist')).status).toBe(404);
    await waitForStatus(orderId);
  });
});

describe('after the parcel has shipped', () => {
  it('the WMS callback marks it shipped once, however often it is delivered, and cancellation is refused', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const { key, orderId } = nextOrder();
    await sim('/_sim/erp/behavior', { scope: orderId, outage: true });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 300 }] }), key);
    const handedOff = await waitForStatus(orderId, ['needs_attention']);
    const { shipmentId, wmsTaskId } = handedOff.shipments[0];

    // The WMS ships the parcel and calls our webhook; then the same callback arrives twice more.
    expect((await sim(`/_sim/wms/tasks/${wmsTaskId}/ship`, {})).status).toBe(200);
    await expect.poll(async () => (await api(`/orders/${orderId}`)).body.shipments[0].status, { timeout: 5000 }).toBe('shipped');
    const callback = JSON.stringify({ event: 'task.shipped', taskId: wmsTaskId, reference: orderId, shipmentId, trackingNumber: handedOff.shipments[0].trackingNumber, shippedAt: new Date().toISOString() });
    const repeats = [await deliver(callback), await deliver(callback)];
    expect(repeats.map((r) => r.status)).toEqual([200, 200]);
    expect(repeats.every((r) => r.body.duplicate === true)).toBe(true);

    const res = await cancel(orderId);
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/already shipped/);
    await fixErp(orderId);
    await resolve(orderId);
    const order = await waitForStatus(orderId);
    expect(order.status).toBe('completed');
    expect(order.shipments[0].status).toBe('shipped');
    expect(order.history.filter((e: { type: string }) => e.type === 'shipment.shipped')).toHaveLength(1);
    await expectMoneyBalanced(orderId);
  });

  it('a callback for a shipment we do not know is a 404 and a malformed one a 400', async () => {
    expect((await deliver(JSON.stringify({ event: 'task.shipped', taskId: 'task_x', reference: 'ord_x', shipmentId: 's' }))).status).toBe(404);
    expect((await deliver(JSON.stringify({ event: 'task.shipped' }))).status).toBe(400);
  });

  it('forged, tampered, unsigned and old replayed callbacks are refused with 401', async () => {
    const body = JSON.stringify({ event: 'task.shipped', taskId: 'task_x', reference: 'ord_x', shipmentId: 's' });
    const now = Math.floor(Date.now() / 1000);
    const forged = await api('/webhooks/wms', { body, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload('not-the-secret', body) } });
    const tampered = await api('/webhooks/wms', { body: body.replace('task_x', 'task_y'), headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload(WMS_WEBHOOK_SECRET, body) } });
    const unsigned = await api('/webhooks/wms', { body, headers: { 'content-type': 'application/json' } });
    const replayed = await api('/webhooks/wms', { body, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload(WMS_WEBHOOK_SECRET, body, now - 3600) } });
    for (const res of [forged, tampered, unsigned, replayed]) {
      expect(res.status).toBe(401);
      expect(res.contentType).toContain('application/problem+json');
    }
    expect(replayed.body.detail).toMatch(/tolerance/);
  });
});
