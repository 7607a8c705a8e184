import { describe, expect, it } from 'vitest';
import { expectMoneyBalanced } from '../support/invariants';
import { api, newIdempotencyKey, newSku, nextOrder, orderRequest, placeOrder, sim, temporalClient, waitForStatus } from '../support/stack';
import { OTHER_CHECKOUT_TOKEN } from '../support/testPolicy';
import { asStaff, erpCredits, erpOnHand, onHand, readReturn, receive, requestReturn, shippedOrder, waitForReturn } from './support';

describe('returns on the real stack', () => {
  it('one unit of two returned resellable: exactly its price refunded, the unit back on hand, the ERP agreeing after a reconciliation; two more are a 409 with the numbers', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 10 }, 'TSHIRT');
    const order = await shippedOrder([{ sku, quantity: 2, unitPriceCents: 2500 }]);
    const { orderId } = order;
    const shipmentId = order.shipments[0].shipmentId;
    const before = { local: await onHand(sku, 'wh-east'), erp: await erpOnHand(sku, 'wh-east') };
    expect(before).toEqual({ local: 8, erp: 8 });

    const requested = await requestReturn(orderId, { lines: [{ sku, quantity: 1 }], reason: 'too small', resolution: 'refund' });
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ status: 'requested' });
    const { returnId } = requested.body;
    expect(returnId).toMatch(/^ret_[a-z0-9]{24}$/);

    const waiting = await waitForReturn(orderId, returnId, ['awaiting_receipt']);
    expect(waiting.labels).toHaveLength(1);
    expect(waiting.labels[0]).toMatchObject({ warehouse: 'wh-east' });
    expect(waiting.lines).toEqual([expect.objectContaining({ line: 1, sku, quantity: 1, unitPriceCents: 2500, shipmentId, warehouse: 'wh-east', resellable: null })]);
    // The carrier holds a return label and the WMS an expectation, each under the return's key.
    const labels = (await sim(`/_sim/carrier/records?reference=${orderId}`)).body.records.filter((r: { kind?: string }) => r.kind === 'return');
    expect(labels).toEqual([expect.objectContaining({ returnId, status: 'created', idempotencyKey: `return-${returnId}:label:wh-east` })]);
    const expected = (await sim(`/_sim/wms/records?reference=${orderId}`)).body.records.filter((r: { type: string }) => r.type === 'expected_return');
    expect(expected).toEqual([expect.objectContaining({ returnId, status: 'expected', idempotencyKey: `return-${returnId}:wms-expect`, lines: [{ sku, quantity: 1, warehouse: 'wh-east' }] })]);

    // While it is on its way, the unit is taken: a second return of two more is refused, with the numbers.
    const tooMany = await requestReturn(orderId, { lines: [{ line: 1, quantity: 2 }], reason: 'changed my mind', resolution: 'refund' });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body).toMatchObject({ field: 'lines[0].quantity', line: 1, sku, shipped: 2, returning: 1, requested: 2, returnable: 1 });

    expect((await receive(returnId, [{ sku, quantity: 1, condition: 'resellable' }])).status).toBe(200);
    const done = await waitForReturn(orderId, returnId, ['refunded']);
    expect(done).toMatchObject({ refundedCents: 2500, amountCents: 2500 });
    expect(done.lines[0]).toMatchObject({ resellable: 1, damaged: 0, missing: 0, refundedCents: 2500 });
    expect(done.timeline.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['return.requested', 'return.expected', 'return.labelled', 'return.awaiting_receipt', 'wms.return_received', 'return.received', 'payment.refunded', 'return.restocked', 'erp.credited', 'return.refunded']),
    );

    const after = await api(`/orders/${orderId}`);
    expect(after.body.shipments[0]).toMatchObject({ capturedCents: 5000, refundedCents: 2500 });
    expect(after.body.payment).toMatchObject({ capturedCents: 5000, refundedCents: 2500 });
    expect(after.body.returns).toEqual([expect.objectContaining({ returnId, status: 'refunded', refundedCents: 2500 })]);
    await expectMoneyBalanced(orderId);
    // Stripe's charge.refunded webhook names the return's key: the order's own request, no payment alert.
    await expect.poll(async () => (await api(`/orders/${orderId}`)).body.history.map((e: { type: string }) => e.type), { timeout: 10_000, interval: 200 }).toContain('stripe.charge.refunded');
    expect((await api(`/orders/${orderId}`)).body.history.filter((e: { type: string }) => e.type === 'payment.alert')).toEqual([]);
    // The unit is back on hand here and in the ERP (its credit restocks the line), and a reconciliation changes nothing.
    expect(await onHand(sku, 'wh-east')).toBe(9);
    expect(await erpOnHand(sku, 'wh-east')).toBe(9);
    const credits = await erpCredits(orderId);
    expect(credits).toEqual([expect.objectContaining({ shipmentId, returnId, reason: 'returned', amountCents: 2500, lines: [{ sku, quantity: 1, unitPriceCents: 2500, restock: true }] })]);
    const run = await api('/admin/reconcile', { body: { skus: [sku] }, headers: asStaff });
    expect(run.status).toBe(200);
    expect(run.body.corrections).toEqual([]);
    expect(await onHand(sku, 'wh-east')).toBe(9);

    // Still one unit returnable: two more are refused; the last one is accepted.
    const second = await requestReturn(orderId, { lines: [{ line: 1, quantity: 2 }], reason: 'changed my mind', resolution: 'refund' });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ shipped: 2, returning: 1, requested: 2, returnable: 1 });
    expect(second.body.detail).toContain('at most 1 can be returned, not 2');
  });

  it('a damaged unit is refunded and written off, not restocked, here or at the ERP', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const order = await shippedOrder([{ sku, quantity: 1, unitPriceCents: 1999 }]);
    const { orderId } = order;
    const { returnId } = (await requestReturn(orderId, { lines: [{ line: 1, quantity: 1 }], reason: 'arrived broken', resolution: 'refund' })).body;
    await waitForReturn(orderId, returnId, ['awaiting_receipt']);
    await receive(returnId, [{ sku, quantity: 1, condition: 'damaged' }]);
    const done = await waitForReturn(orderId, returnId, ['refunded']);
    expect(done.refundedCents).toBe(1999);
    expect(done.lines[0]).toMatchObject({ resellable: 0, damaged: 1, missing: 0 });
    const restocked = done.timeline.find((e: { type: string }) => e.type === 'return.restocked');
    expect(restocked.detail).toMatchObject({ restocked: [], writtenOff: [{ sku, warehouse: 'wh-east', quantity: 1 }] });
    expect(await onHand(sku, 'wh-east')).toBe(4);
    expect(await erpOnHand(sku, 'wh-east')).toBe(4);
    expect((await erpCredits(orderId))[0]).toMatchObject({ returnId, lines: [{ sku, quantity: 1, unitPriceCents: 1999, restock: false }] });
    await expectMoneyBalanced(orderId);
  });

  it('a partial receipt refunds what came back; the missing unit is reported and may be returned again', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { orderId } = await shippedOrder([{ sku, quantity: 2, unitPriceCents: 1000 }]);
    const { returnId } = (await requestReturn(orderId, { lines: [{ line: 1, quantity: 2 }], reason: 'not needed', resolution: 'refund' })).body;
    await waitForReturn(orderId, returnId, ['awaiting_receipt']);
    await receive(returnId, [{ sku, quantity: 1, condition: 'resellable' }]);
    const done = await waitForReturn(orderId, returnId, ['refunded']);
    expect(done).toMatchObject({ refundedCents: 1000, amountCents: 2000 });
    expect(done.lines[0]).toMatchObject({ resellable: 1, damaged: 0, missing: 1 });
    expect(done.timeline.find((e: { type: string }) => e.type === 'return.received').detail.missing).toEqual([expect.objectContaining({ missing: 1 })]);
    // A repeated callback changes nothing.
    await receive(returnId, [{ sku, quantity: 1, condition: 'resellable' }]);
    await new Promise((r) => setTimeout(r, 300));
    expect((await readReturn(orderId, returnId)).refundedCents).toBe(1000);
    // The missing unit can still be returned (once).
    const again = await requestReturn(orderId, { lines: [{ line: 1, quantity: 1 }], reason: 'found it', resolution: 'refund' });
    expect(again.status).toBe(202);
    const more = await requestReturn(orderId, { lines: [{ line: 1, quantity: 1 }], reason: 'twice', resolution: 'refund' });
    expect(more.status).toBe(409);
    await waitForReturn(orderId, again.body.returnId, ['awaiting_receipt']);
    await receive(again.body.returnId, [{ sku, quantity: 1, condition: 'resellable' }]);
    await waitForReturn(orderId, again.body.returnId, ['refunded']);
    // Two returns, one shipment: two ERP credits (one per return and shipment), the whole capture refunded once.
    expect(await erpCredits(orderId)).toHaveLength(2);
    const final = await expectMoneyBalanced(orderId);
    expect(final.payment).toMatchObject({ capturedCents: 2000, refundedCents: 2000 });
    expect(await onHand(sku, 'wh-east')).toBe(5);
    expect(await erpOnHand(sku, 'wh-east')).toBe(5);
  });

  it('the owner or staff cancel a return before receipt: the label and the expectation are cancelled, and the units may be returned again', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { orderId } = await shippedOrder([{ sku, quantity: 1, unitPriceCents: 700 }]);
    const { returnId } = (await requestReturn(orderId, { lines: [{ line: 1, quantity: 1 }], reason: 'oops', resolution: 'refund' })).body;
    await waitForReturn(orderId, returnId, ['awaiting_receipt']);
    // Another checkout client does not see it.
    expect((await api(`/orders/${orderId}/returns/${returnId}/cancel`, { body: { reason: 'not mine' }, headers: { authorization: `Bearer ${OTHER_CHECKOUT_TOKEN}` } })).status).toBe(404);
    const cancelled = await api(`/orders/${orderId}/returns/${returnId}/cancel`, { body: { reason: 'customer kept it' } });
    expect(cancelled.status).toBe(202);
    const view = await waitForReturn(orderId, returnId, ['cancelled']);
    expect(view.cancelledBy).toBe('checkout-web');
    const label = (await sim(`/_sim/carrier/records?reference=${orderId}`)).body.records.find((r: { kind?: string }) => r.kind === 'return');
    expect(label.status).toBe('cancelled');
    const expected = (await sim(`/_sim/wms/records?reference=${orderId}`)).body.records.find((r: { type: string }) => r.type === 'expected_return');
    expect(expected.status).toBe('cancelled');
    // The warehouse no longer takes it; a second cancel is a 409; the unit can be returned again.
    expect((await receive(returnId, [{ sku, quantity: 1, condition: 'resellable' }])).status).toBe(404);
    expect((await api(`/orders/${orderId}/returns/${returnId}/cancel`, { body: { reason: 'again' }, headers: asStaff })).status).toBe(409);
    expect((await requestReturn(orderId, { lines: [{ line: 1, quantity: 1 }], reason: 'after all', resolution: 'refund' })).status).toBe(202);
    expect((await api(`/orders/${orderId}`)).body.payment.refundedCents).toBe(0);
  });

  it('a received return cannot be cancelled', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { orderId } = await shippedOrder([{ sku, quantity: 1, unitPriceCents: 700 }]);
    const { returnId } = (await requestReturn(orderId, { lines: [{ line: 1, quantity: 1 }], reason: 'oops', resolution: 'refund' })).body;
    await waitForReturn(orderId, returnId, ['awaiting_receipt']);
    await receive(returnId, [{ sku, quantity: 1, condition: 'resellable' }]);
    await waitForReturn(orderId, returnId, ['received', 'refunded']);
    const res = await api(`/orders/${orderId}/returns/${returnId}/cancel`, { body: { reason: 'too late' }, headers: asStaff });
    expect(res.status).toBe(409);
    expect((await waitForReturn(orderId, returnId, ['refunded'])).refundedCents).toBe(700);
  });

  it('bad requests get a 4xx naming the field: unknown line, a SKU on two lines, an unshipped order, another body under the same key, an exchange', { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 10 });
    const other = await newSku({ 'wh-east': 10 });
    const { orderId } = await shippedOrder([
      { sku, quantity: 1, unitPriceCents: 1000 },
      { sku: other, quantity: 1, unitPriceCents: 500 },
      { sku, quantity: 1, unitPriceCents: 900 },
    ]);
    const ambiguous = await requestReturn(orderId, { lines: [{ sku, quantity: 1 }], reason: 'r', resolution: 'refund' });
    expect(ambiguous.status).toBe(422);
    expect(ambiguous.body).toMatchObject({ field: 'lines[0].sku', choices: [1, 3] });
    const noLine = await requestReturn(orderId, { lines: [{ line: 7, quantity: 1 }], reason: 'r', resolution: 'refund' });
    expect(noLine.status).toBe(422);
    expect(noLine.body.detail).toContain('lines[0].line');
    const noSku = await requestReturn(orderId, { lines: [{ sku: 'NOT-ON-ORDER', quantity: 1 }], reason: 'r', resolution: 'refund' });
    expect(noSku.status).toBe(422);
    const unnamed = await requestReturn(orderId, { lines: [{ quantity: 1 }], reason: 'r', resolution: 'refund' });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.detail).toContain('lines.0.line');
    const exchange = await requestReturn(orderId, { lines: [{ line: 2, quantity: 1 }], reason: 'r', resolution: 'exchange', exchange: { lines: [{ sku: other, quantity: 1, unitPriceCents: 500 }] } });
    expect(exchange.status).toBe(422);
    expect(exchange.body.field).toBe('resolution');

    // The same key: the same body answers the same return, another body is a 409.
    const key = newIdempotencyKey();
    const first = await requestReturn(orderId, { lines: [{ line: 3, quantity: 1 }], reason: 'r', resolution: 'refund' }, { key });
    const repeat = await requestReturn(orderId, { lines: [{ line: 3, quantity: 1 }], reason: 'r', resolution: 'refund' }, { key });
    expect(first.status).toBe(202);
    expect(repeat.status).toBe(202);
    expect(repeat.body.returnId).toBe(first.body.returnId);
    const reused = await requestReturn(orderId, { lines: [{ line: 2, quantity: 1 }], reason: 'r', resolution: 'refund' }, { key });
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ title: 'Idempotency-Key reused', returnId: first.body.returnId });
    // Another checkout client's order is unknown to it.
    expect((await requestReturn(orderId, { lines: [{ line: 2, quantity: 1 }], reason: 'r', resolution: 'refund' }, { headers: { authorization: `Bearer ${OTHER_CHECKOUT_TOKEN}` } })).status).toBe(404);

    // An order that has not shipped (completed, the parcel still in the warehouse).
    const unshipped = nextOrder();
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1000 }] }), unshipped.key);
    await waitForStatus(unshipped.orderId, ['completed']);
    const notShipped = await requestReturn(unshipped.orderId, { lines: [{ line: 1, quantity: 1 }], reason: 'r', resolution: 'refund' });
    expect(notShipped.status).toBe(409);
    expect(notShipped.body).toMatchObject({ title: 'Not shipped', field: 'lines' });
  });

  it("finds the return's workflow in Temporal by its search attributes", { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { orderId } = await shippedOrder([{ sku, quantity: 1, unitPriceCents: 700 }]);
    const { returnId } = (await requestReturn(orderId, { lines: [{ line: 1, quantity: 1 }], reason: 'oops', resolution: 'refund' })).body;
    await waitForReturn(orderId, returnId, ['awaiting_receipt']);
    const client = await temporalClient();
    await expect
      .poll(
        async () => {
          const ids: string[] = [];
          for await (const wf of client.workflow.list({ query: `OrderId = "${orderId}" AND ReturnStatus = "awaiting_receipt"` })) ids.push(wf.workflowId);
          return ids;
        },
        { timeout: 15_000, interval: 500 },
      )
      .toEqual([`return-${returnId}`]);
    expect((await api(`/orders/${orderId}/returns/${returnId}/cancel`, { body: { reason: 'cleanup' }, headers: asStaff })).status).toBe(202);
    await waitForReturn(orderId, returnId, ['cancelled']);
  });
});
