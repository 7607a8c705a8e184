import { describe, expect, it } from 'vitest';
import { isTerminalStatus } from '../../workflows/order/contract';
import { expectMoneyBalanced, expectStockBalanced, stockOf, vendorArtifacts } from '../support/invariants';
import { api, newSku, nextOrder, orderRequest, placeOrder, recordFixture, sim, simUrl, waitForStatus } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';
import { mailMessage, messagesWithId } from '../support/mailpit';
import { messageIdFor } from '../../activities/notifications/adapters/smtp';
import { stepKeys } from '../../workflows/order/ids';

const asStaff = { authorization: `Bearer ${STAFF_TOKEN}` };
const cancel = (orderId: string, body: Record<string, unknown> = { reason: 'customer changed their mind' }) => api(`/orders/${orderId}/cancel`, { body, headers: asStaff });
const resolve = (orderId: string) => api(`/orders/${orderId}/resolve`, { body: { action: 'retry' }, headers: asStaff });
const heal = (system: string, orderId: string) => fetch(`${simUrl()}/_sim/${system}/behavior?scope=${orderId}`, { method: 'DELETE' });
const shipmentsOf = async (orderId: string) => (await api(`/orders/${orderId}`)).body.shipments as { shipmentId: string; status: string; warehouse: string; amountCents: number; capturedCents: number; refundedCents: number; wmsTaskId: string }[];
const erpRecords = async (orderId: string) => (await sim(`/_sim/erp/records?reference=${orderId}`)).body.records as { type: string; lines: { sku: string; quantity: number; unitPriceCents: number }[]; shipments: { shipmentId: string }[]; shipmentId?: string; totalCents?: number }[];
const erpStock = async (sku: string) => Object.fromEntries(((await sim(`/erp/stock?sku=${sku}`)).body.stock as { warehouse: string; onHand: number }[]).map((r) => [r.warehouse, r.onHand]));

/** Heals the ERP and sees the order to its end, retrying it whenever it waits for a human. */
async function healErpAndFinish(orderId: string) {
  await heal('erp', orderId);
  const deadline = Date.now() + 45_000;
  for (;;) {
    const order = (await api(`/orders/${orderId}`)).body;
    if (isTerminalStatus(order.status)) return order;
    if (Date.now() > deadline) throw new Error(`order ${orderId} is still ${order.status}`);
    if (order.status === 'needs_attention') await resolve(orderId);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One SKU on two lines at different prices, one unit in each of two warehouses: two shipments, 1000 and 700. */
async function twoShipmentOrder() {
  const sku = await newSku({ 'wh-east': 1, 'wh-west': 1 });
  const { key, orderId } = nextOrder();
  const lines = [
    { sku, quantity: 1, unitPriceCents: 1000 },
    { sku, quantity: 1, unitPriceCents: 700 },
  ];
  return { sku, key, orderId, lines, east: `${orderId}-s1`, west: `${orderId}-s2` };
}

describe('every shipment settles on its own', () => {
  it('a two-warehouse order: each shipment carries its units at the prices of their lines; the capture is their sum; the ERP gets both', async () => {
    const { sku, key, orderId, lines, east, west } = await twoShipmentOrder();
    await placeOrder(orderRequest({ lines }), key);
    const order = await waitForStatus(orderId);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect(order.shipments).toEqual([
      expect.objectContaining({ shipmentId: east, warehouse: 'wh-east', amountCents: 1000, capturedCents: 1000, refundedCents: 0 }),
      expect.objectContaining({ shipmentId: west, warehouse: 'wh-west', amountCents: 700, capturedCents: 700, refundedCents: 0 }),
    ]);
    expect(order.amounts).toEqual({ shippedOrOpenCents: 1700, capturedCents: 1700, refundedCents: 0, cancelledCents: 0 });
    const [record] = await erpRecords(orderId);
    expect(record!.shipments.map((s) => s.shipmentId)).toEqual([east, west]);
    expect(record!.lines).toEqual([
      { sku, quantity: 1, unitPriceCents: 1000 },
      { sku, quantity: 1, unitPriceCents: 700 },
    ]);
    await expectMoneyBalanced(orderId);
    await recordFixture(orderId, 'two-shipments');
  });

  it('a staff cancel after the handoff cancels what the WMS confirms, the rest ships, and only what ships is captured', async () => {
    const { sku, key, orderId, lines, east, west } = await twoShipmentOrder();
    // The east WMS task is created at once but its answer takes 2 s, so the cancel below lands while the east
    // handoff is in flight (and before the capture, which waits for it); the west warehouse has started picking.
    // (Cancelling as soon as both were labelled raced the worker: when the east handoff had not left yet, no WMS
    // task ever existed to cancel.)
    await sim('/_sim/wms/behavior', { scope: east, hangMs: 2000 });
    await sim('/_sim/wms/cancellations', { mode: 'refuse', scope: west });
    await placeOrder(orderRequest({ lines }), key);
    await expect.poll(async () => (await vendorArtifacts(orderId)).tasks.map((t: { shipmentId: string }) => t.shipmentId), { timeout: 20_000, interval: 25 }).toContain(east);

    const res = await cancel(orderId);
    expect(res.status).toBe(202);
    expect(res.body.cancelled).toEqual([east]);
    expect(res.body.refused).toEqual([{ shipmentId: west, reason: expect.stringMatching(/warehouse refused: cancellation_refused/) }]);

    const order = await waitForStatus(orderId);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect(order.shipments).toEqual([
      expect.objectContaining({ shipmentId: east, status: 'cancelled', amountCents: 1000, capturedCents: 0, refundedCents: 0 }),
      expect.objectContaining({ shipmentId: west, status: 'handed_off', amountCents: 700, capturedCents: 700 }),
    ]);
    // Money is never taken for the cancelled shipment: one capture of 700, the rest of the authorization released.
    expect(order.payment).toMatchObject({ authorizedCents: 1700, capturedCents: 700, voidedCents: 1000, refundedCents: 0 });
    const { labels, tasks } = await vendorArtifacts(orderId);
    expect(Object.fromEntries(labels.map((l: { shipmentId: string; status: string }) => [l.shipmentId, l.status]))).toEqual({ [east]: 'cancelled', [west]: expect.not.stringMatching('cancelled') });
    expect(Object.fromEntries(tasks.map((t: { shipmentId: string; status: string }) => [t.shipmentId, t.status]))).toEqual({ [east]: 'cancelled', [west]: 'accepted' });
    // The east unit is back on hand; the west one left with its parcel. The ERP took the west shipment only.
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 1, reserved: 0 }, 'wh-west': { onHand: 0, reserved: 0 } });
    const [record, ...more] = await erpRecords(orderId);
    expect(more).toHaveLength(0);
    expect(record!.shipments.map((s) => s.shipmentId)).toEqual([west]);
    expect(record!.lines).toEqual([{ sku, quantity: 1, unitPriceCents: 700 }]);
    expect(await erpStock(sku)).toEqual({ 'wh-east': 1, 'wh-west': 0 });
    // The customer's e-mail names the parcel that ships, not the cancelled one.
    const [mail, ...moreMail] = await messagesWithId(messageIdFor(stepKeys.notify(orderId, 'order_confirmed')));
    expect(moreMail).toHaveLength(0);
    const text = (await mailMessage(mail!.ID)).Text;
    expect(text.match(/1Z[0-9A-Z]+/g)).toEqual([order.shipments[1].trackingNumber]);
    await expectMoneyBalanced(orderId);
    await expectStockBalanced([sku]);
    await recordFixture(orderId, 'partial-cancel-after-handoff');
  });

  it('staff may name shipments; one cancelled after the capture is refunded its share, and the ERP records the other', async () => {
    const { sku, key, orderId, lines, east, west } = await twoShipmentOrder();
    await sim('/_sim/erp/behavior', { scope: orderId, outage: true });
    await placeOrder(orderRequest({ lines }), key);
    const parked = await waitForStatus(orderId, ['needs_attention']);
    expect(parked.payment.capturedCents).toBe(1700);

    expect((await cancel(orderId, { reason: 'out of the gift wrap', shipmentIds: ['ord_nope-s1'] })).status).toBe(400);
    const res = await cancel(orderId, { reason: 'customer keeps only the first', shipmentIds: [west] });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ cancelled: [west], refused: [] });
    await expect.poll(async () => (await shipmentsOf(orderId)).find((s) => s.shipmentId === west)?.refundedCents, { timeout: 20_000 }).toBe(700);

    const order = await healErpAndFinish(orderId);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect(order.payment).toMatchObject({ capturedCents: 1700, refundedCents: 700 });
    expect(order.shipments.map((s: { status: string }) => s.status)).toEqual(['handed_off', 'cancelled']);
    expect(order.amounts).toMatchObject({ shippedOrOpenCents: 1000, cancelledCents: 700, capturedCents: 1700, refundedCents: 700 });
    const [record] = await erpRecords(orderId);
    expect(record!.shipments.map((s) => s.shipmentId)).toEqual([east]);
    expect(record!.totalCents).toBe(1000);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 0, reserved: 0 }, 'wh-west': { onHand: 1, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });

  it('a shipped parcel does not block the cancellation of the others', async () => {
    const { key, orderId, lines, east, west } = await twoShipmentOrder();
    await sim('/_sim/erp/behavior', { scope: orderId, outage: true });
    await placeOrder(orderRequest({ lines }), key);
    const parked = await waitForStatus(orderId, ['needs_attention']);
    const eastTask = parked.shipments.find((s: { shipmentId: string }) => s.shipmentId === east).wmsTaskId;
    expect((await sim(`/_sim/wms/tasks/${eastTask}/ship`, {})).status).toBe(200);
    await expect.poll(async () => (await shipmentsOf(orderId))[0]!.status, { timeout: 5000 }).toBe('shipped');

    // Giving the order up would try to undo a parcel that left: refused, and the order still waits for a human.
    const givenUp = await api(`/orders/${orderId}/resolve`, { body: { action: 'compensate' }, headers: asStaff });
    expect(givenUp.status).toBe(409);
    expect(givenUp.contentType).toContain('application/problem+json');
    expect(givenUp.body.detail).toContain(`${east} shipped`);
    expect((await api(`/orders/${orderId}`)).body.status).toBe('needs_attention');

    const res = await cancel(orderId);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ cancelled: [west], refused: [{ shipmentId: east, reason: 'already shipped' }] });
    const order = await healErpAndFinish(orderId);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect(order.shipments.map((s: { status: string }) => s.status)).toEqual(['shipped', 'cancelled']);
    expect(order.payment).toMatchObject({ capturedCents: 1700, refundedCents: 700 });
    await expectMoneyBalanced(orderId);
  });

  it('a cancel that no shipment accepts is a 409 naming each refusal, and changes nothing', async () => {
    const { sku, key, orderId, lines, east, west } = await twoShipmentOrder();
    await sim('/_sim/wms/cancellations', { mode: 'refuse', scope: orderId });
    await sim('/_sim/erp/behavior', { scope: orderId, outage: true });
    await placeOrder(orderRequest({ lines }), key);
    await waitForStatus(orderId, ['needs_attention']);
    const res = await cancel(orderId);
    expect(res.status).toBe(409);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body.refused).toEqual([
      { shipmentId: east, reason: expect.stringMatching(/refused/) },
      { shipmentId: west, reason: expect.stringMatching(/refused/) },
    ]);
    const order = await healErpAndFinish(orderId);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect(order.payment).toMatchObject({ capturedCents: 1700, refundedCents: 0 });
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 0, reserved: 0 }, 'wh-west': { onHand: 0, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });

  it('a refusal answers for its moment: once the warehouse lets go, the same cancellation asked again is accepted', async () => {
    const { sku, key, orderId, lines, east, west } = await twoShipmentOrder();
    await sim('/_sim/wms/cancellations', { mode: 'refuse', scope: orderId });
    await sim('/_sim/erp/behavior', { scope: orderId, outage: true });
    await placeOrder(orderRequest({ lines }), key);
    await waitForStatus(orderId, ['needs_attention']);
    expect((await cancel(orderId)).status).toBe(409);

    await sim('/_sim/wms/cancellations', { mode: 'confirm', scope: orderId });
    const again = await cancel(orderId);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ cancelled: [east, west], refused: [] });
    const order = await healErpAndFinish(orderId);
    expect(order.status).toBe('cancelled');
    expect(order.shipments.map((s: { status: string }) => s.status)).toEqual(['cancelled', 'cancelled']);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 1, reserved: 0 }, 'wh-west': { onHand: 1, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });

  it('every shipment cancelled after the capture: the order ends cancelled with everything refunded and nothing in the ERP', async () => {
    const { sku, key, orderId, lines } = await twoShipmentOrder();
    await sim('/_sim/erp/behavior', { scope: orderId, outage: true });
    await placeOrder(orderRequest({ lines }), key);
    await waitForStatus(orderId, ['needs_attention']);
    expect((await cancel(orderId)).status).toBe(202);
    // The ERP never answered the recording (an outage, not a lost answer): nothing was recorded, so nothing to credit.
    const order = await healErpAndFinish(orderId);
    expect(order).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    expect(order.payment).toMatchObject({ capturedCents: 1700, refundedCents: 1700 });
    expect(await erpRecords(orderId)).toHaveLength(0);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 1, reserved: 0 }, 'wh-west': { onHand: 1, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });
});
