import { describe, expect, it } from 'vitest';
import { paymentIntentsOf, expectMoneyBalanced, expectStockBalanced, stockOf, vendorArtifacts } from '../support/invariants';
import { api, newSku, nextOrder, orderRequest, placeOrder, sim, simUrl, waitForStatus, recordFixture } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';

/** Injects a fault into one vendor for one order only, so tests running side by side do not disturb each other. */
async function fixVendor(system: string, orderId: string) {
  expect((await fetch(`${simUrl()}/_sim/${system}/behavior?scope=${orderId}`, { method: 'DELETE' })).status).toBe(200);
}

function resolve(orderId: string, action: 'retry' | 'compensate') {
  return api(`/orders/${orderId}/resolve`, { body: { action }, headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
}

async function breakVendor(system: string, orderId: string, behavior: Record<string, unknown>) {
  const res = await sim(`/_sim/${system}/behavior`, { scope: orderId, ...behavior });
  expect(res.status).toBe(200);
}

describe('the saga undoes what it did when a step fails', () => {
  it('out of stock: voids the authorization and rejects the order', async () => {
    const sku = await newSku({ 'wh-east': 1, 'wh-west': 0 });
    const placed = await placeOrder(orderRequest({ lines: [{ sku, quantity: 3, unitPriceCents: 1000 }] }));
    const order = await waitForStatus(placed.body.orderId);
    expect(order).toMatchObject({ status: 'rejected', reason: 'out_of_stock' });
    await recordFixture(order.orderId, 'out-of-stock');
    expect(order.payment).toMatchObject({ authorizedCents: 3000, voidedCents: 3000, capturedCents: 0 });
    await expectMoneyBalanced(order.orderId);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 1, reserved: 0 }, 'wh-west': { onHand: 0, reserved: 0 } });
  });

  it('payment declined: releases the hold and rejects the order', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const placed = await placeOrder(orderRequest({ paymentToken: 'tok_chargeDeclined', lines: [{ sku, quantity: 2, unitPriceCents: 700 }] }));
    const order = await waitForStatus(placed.body.orderId);
    expect(order).toMatchObject({ status: 'rejected', reason: 'payment_declined' });
    await recordFixture(order.orderId, 'payment-declined');
    expect(order.history.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['inventory.reserved', 'inventory.released']));
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 5, reserved: 0 } });
    await expectMoneyBalanced(order.orderId);
    await expectStockBalanced([sku]);
  });

  it('invalid address: the carrier refuses the label, everything is released and voided', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const placed = await placeOrder(
      orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 500 }], shippingAddress: { name: 'X', line1: 'Nowhere 1', city: 'Void', postalCode: 'INVALID', country: 'US' } }),
    );
    const order = await waitForStatus(placed.body.orderId);
    expect(order).toMatchObject({ status: 'rejected', reason: 'invalid_address' });
    expect(order.payment).toMatchObject({ voidedCents: 500, capturedCents: 0 });
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 5, reserved: 0 } });
  });

  it('carrier down past the retry budget: fails the step, parks when the label cannot be cancelled either, finishes once the carrier is back', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { key, orderId } = nextOrder();
    await breakVendor('carrier', orderId, { outage: true });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 2, unitPriceCents: 900 }] }), key);
    // The compensation "cancel label" needs the carrier too: it fails, and the order is parked, not forgotten.
    const parked = await waitForStatus(orderId, ['needs_attention']);
    expect(parked.reason).toBe('compensation_failed');
    expect(parked.payment).toMatchObject({ voidedCents: 1800 });
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 5, reserved: 0 } });

    await fixVendor('carrier', orderId);
    expect((await resolve(orderId, 'retry')).status).toBe(202);
    const order = await waitForStatus(orderId);
    expect(order).toMatchObject({ status: 'failed', reason: 'vendor_unavailable' });
    expect(order.history.filter((e: { status: string }) => e.status === 'needs_attention')).toHaveLength(1);
    await expectMoneyBalanced(orderId);
  });

  it('a label created by a call whose response was lost is still cancelled', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { key, orderId } = nextOrder();
    // Every label call succeeds at the carrier but its answer never arrives: the saga gives up on the step,
    // and only a compensation registered before the step knows to cancel the label the carrier did create.
    await breakVendor('carrier', orderId, { lostResponseRate: 1 });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 100 }] }), key);
    await waitForStatus(orderId, ['needs_attention']);
    // Three label attempts with one key made one label; the cancellation's answers are lost too, so the order waits.
    let { labels } = await vendorArtifacts(orderId);
    expect(labels).toHaveLength(1);

    await fixVendor('carrier', orderId);
    await resolve(orderId, 'retry');
    const order = await waitForStatus(orderId);
    expect(order.status).toBe('failed');
    ({ labels } = await vendorArtifacts(orderId));
    expect(labels).toHaveLength(1);
    expect(labels[0].status).toBe('cancelled');
    await expectMoneyBalanced(orderId);
    await expectStockBalanced([sku]);
  });

  it('WMS down past the retry budget: cancels the label, voids, releases once the WMS answers again', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { key, orderId } = nextOrder();
    await breakVendor('wms', orderId, { outage: true });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 100 }] }), key);
    const parked = await waitForStatus(orderId, ['needs_attention']);
    // Everything that did not need the WMS is already undone while the order waits.
    expect(parked.payment).toMatchObject({ voidedCents: 100 });
    expect((await vendorArtifacts(orderId)).labels.map((l: { status: string }) => l.status)).toEqual(['cancelled']);

    await fixVendor('wms', orderId);
    await resolve(orderId, 'retry');
    const order = await waitForStatus(orderId);
    expect(order).toMatchObject({ status: 'failed', reason: 'vendor_unavailable' });
    expect((await vendorArtifacts(orderId)).tasks).toHaveLength(0);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 5, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });

  it('capture keeps failing after the handoff: the WMS task and label are cancelled, units restocked, the authorization voided', async () => {
    const sku = await newSku({ 'wh-east': 4 });
    const { key, orderId } = nextOrder();
    // A slow WMS holds the saga after authorization; meanwhile the next three payment calls (the capture
    // attempts) get a 503 without effect, and the void that compensates goes through.
    await breakVendor('wms', orderId, { latencyMs: 2000 });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 2, unitPriceCents: 250 }] }), key);
    await expect
      .poll(async () => (await paymentIntentsOf(orderId)).some((r: { status: string }) => r.status === 'requires_capture'), { timeout: 60_000, interval: 20 })
      .toBe(true);
    await breakVendor('payment', orderId, { failNext: 3 });
    const order = await waitForStatus(orderId);
    expect(order).toMatchObject({ status: 'failed', reason: 'vendor_unavailable' });
    const { labels, tasks } = await vendorArtifacts(orderId);
    expect(labels.map((l: { status: string }) => l.status)).toEqual(['cancelled']);
    expect(tasks.map((t: { status: string }) => t.status)).toEqual(['cancelled']);
    expect(order.payment).toMatchObject({ capturedCents: 0, voidedCents: 500 });
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 4, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });
});

describe('books that match the gateway when an answer was lost', () => {
  it('an authorization the gateway made but whose answer never came back is recorded when it is voided', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { key, orderId } = nextOrder();
    // The gateway authorizes, then holds its answer past the activity timeout.
    await breakVendor('payment', orderId, { hangMs: 5000 });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1234 }] }), key);
    await expect
      .poll(async () => (await paymentIntentsOf(orderId)).length, { timeout: 60_000, interval: 20 })
      .toBe(1);
    // Staff cancel while the answer is lost: the saga never learns of the authorization from the step itself.
    expect((await api(`/orders/${orderId}/cancel`, { body: { reason: 'lost answer' }, headers: { authorization: `Bearer ${STAFF_TOKEN}` } })).status).toBe(202);
    await fixVendor('payment', orderId);
    const order = await waitForStatus(orderId);
    expect(order.status).toBe('cancelled');
    expect(order.payment).toMatchObject({ authorizedCents: 1234, voidedCents: 1234, capturedCents: 0 });
    await expectMoneyBalanced(orderId);
  });
});
