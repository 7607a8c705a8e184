import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, inject, it } from 'vitest';
import { orderWorkflowId } from '../../workflows/order/contract';
import { stripeAt } from '../sim/sim-client';
import { parsePromText, sampleKey } from '../support/promText';
import { expectMoneyBalanced, expectStockBalanced, paymentIntentsOf, stockOf } from '../support/invariants';
import { api, apiUrl, newSku, nextOrder, orderRequest, placeOrder, sim, simUrl, temporalClient, waitForStatus } from '../support/stack';
import { STAFF_TOKEN, STRIPE_WEBHOOK_SECRET } from '../support/testPolicy';

const staff = { authorization: `Bearer ${STAFF_TOKEN}` };

/** Posts a Stripe event to the API's webhook, signed (or not) like Stripe signs it. */
async function deliver(event: Record<string, unknown>, secret: string | null = STRIPE_WEBHOOK_SECRET) {
  const payload = JSON.stringify(event);
  const res = await fetch(`${apiUrl()}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret ? { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }) } : {}) },
    body: payload,
  });
  return { status: res.status, body: (await res.json()) as any };
}

const alertsFor = async (orderId: string) => ((await api('/admin/payment-alerts', { headers: staff })).body.alerts as { orderId: string; detail: Record<string, unknown> }[]).filter((a) => a.orderId === orderId);
const alertCount = async (kind: string, order: string) => parsePromText(await (await fetch(inject('apiMetricsUrl'))).text()).get(sampleKey('hotpath_payment_alerts_total', { kind, order })) ?? 0;

describe('payments on the Stripe adapter, against the Stripe simulator', () => {
  it('an order paid with pm_card_visa completes: one PaymentIntent, captured once, metadata.order_id set', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const placed = await placeOrder(orderRequest({ paymentToken: 'pm_card_visa', lines: [{ sku, quantity: 2, unitPriceCents: 1250 }] }));
    expect(placed.status).toBe(202);
    const order = await waitForStatus(placed.body.orderId);
    expect(order).toMatchObject({ status: 'completed', payment: { authorizedCents: 2500, capturedCents: 2500 } });
    const [intent, ...others] = await paymentIntentsOf(order.orderId);
    expect(others).toEqual([]);
    expect(intent).toMatchObject({ status: 'succeeded', capture_method: 'manual', amount: 2500, amount_received: 2500, amount_capturable: 0, payment_method: 'pm_card_visa', metadata: { order_id: order.orderId, attempt: '1' } });
    expect(order.payment.authorizationId).toBe(intent.id);
    await expectMoneyBalanced(order.orderId);
  });

  it('an order paid with pm_card_chargeDeclined is rejected: nothing captured, the stock hold released', async () => {
    const sku = await newSku({ 'wh-east': 4 });
    const placed = await placeOrder(orderRequest({ paymentToken: 'pm_card_chargeDeclined', lines: [{ sku, quantity: 1, unitPriceCents: 900 }] }));
    const order = await waitForStatus(placed.body.orderId);
    expect(order).toMatchObject({ status: 'rejected', reason: 'payment_declined', payment: { capturedCents: 0 } });
    // The shipment the reservation planned never starts: it ends cancelled, and nothing of the order is still open.
    expect(order.shipments.map((s: { status: string }) => s.status)).toEqual(['cancelled']);
    expect(order.amounts).toMatchObject({ shippedOrOpenCents: 0, capturedCents: 0 });
    expect((await paymentIntentsOf(order.orderId)).map((pi: { status: string; amount_received: number; amount_capturable: number }) => [pi.status, pi.amount_received, pi.amount_capturable])).toEqual([['requires_payment_method', 0, 0]]);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 4, reserved: 0 } });
    await expectStockBalanced([sku]);
  });

  it('refuses card data and anything but a PaymentMethod id or token at the API', async () => {
    for (const paymentToken of ['4242424242424242', 'card_123', 'pm_', 'pm_card visa']) {
      const res = await placeOrder(orderRequest({ paymentToken, lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1, unitPriceCents: 100 }] }));
      expect(res.status, paymentToken).toBe(400);
    }
  });
});

describe('Stripe webhooks', () => {
  it('refuses an unsigned, forged or re-signed-with-another-secret event', async () => {
    const event = { id: `evt_${randomUUID()}`, object: 'event', type: 'charge.dispute.created', created: Math.floor(Date.now() / 1000), data: { object: {} } };
    expect((await deliver(event, null)).status).toBe(401);
    expect((await deliver(event, 'whsec_someone_else')).status).toBe(401);
    const res = await fetch(`${apiUrl()}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=deadbeef' }, body: JSON.stringify(event) });
    expect(res.status).toBe(401);
  });

  it('our own void arrives as payment_intent.canceled and is applied once, with no alert', async () => {
    const sku = await newSku({ 'wh-east': 1 });
    const placed = await placeOrder(orderRequest({ paymentToken: 'pm_card_visa', lines: [{ sku, quantity: 3, unitPriceCents: 500 }] }));
    const order = await waitForStatus(placed.body.orderId);
    expect(order.status).toBe('rejected');
    await expect
      .poll(async () => (await api(`/orders/${order.orderId}`)).body.history.filter((e: { type: string }) => e.type === 'stripe.payment_intent.canceled').length, { timeout: 15_000 })
      .toBe(1);
    expect(await alertsFor(order.orderId)).toEqual([]);
  });

  it('a dispute on an ended order is recorded in its timeline, counted and listed for staff; a repeat changes nothing', async () => {
    const sku = await newSku({ 'wh-east': 2 });
    const placed = await placeOrder(orderRequest({ paymentToken: 'pm_card_visa', lines: [{ sku, quantity: 1, unitPriceCents: 4200 }] }));
    const order = await waitForStatus(placed.body.orderId);
    expect(order.status).toBe('completed');
    const before = await alertCount('dispute', 'ended');
    expect((await sim(`/_sim/payment/payment_intents/${order.payment.authorizationId}/dispute`, { reason: 'fraudulent' })).status).toBe(200);
    await expect.poll(async () => (await alertsFor(order.orderId)).length, { timeout: 15_000 }).toBe(1);
    const [alert] = await alertsFor(order.orderId);
    expect(alert!.detail).toMatchObject({ alert: 'dispute', eventType: 'charge.dispute.created', amountCents: 4200, orderWas: 'completed' });
    expect((await api(`/orders/${order.orderId}`)).body.history.map((e: { type: string }) => e.type)).toContain('payment.alert');
    expect(await alertCount('dispute', 'ended')).toBe(before + 1);

    const again = await deliver({
      id: alert!.detail.eventId,
      object: 'event',
      type: 'charge.dispute.created',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'dp_x', object: 'dispute', amount: 4200, reason: 'fraudulent', payment_intent: order.payment.authorizationId } },
    });
    expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
    expect(await alertsFor(order.orderId)).toHaveLength(1);
    expect(await alertCount('dispute', 'ended')).toBe(before + 1);
  });

  it('a refund made outside Hotpath on an ended order is a books mismatch', async () => {
    const sku = await newSku({ 'wh-east': 2 });
    const placed = await placeOrder(orderRequest({ paymentToken: 'pm_card_visa', lines: [{ sku, quantity: 1, unitPriceCents: 3000 }] }));
    const order = await waitForStatus(placed.body.orderId);
    await stripeAt(simUrl()).refunds.create({ payment_intent: order.payment.authorizationId, amount: 1000 }, { idempotencyKey: `dashboard-${order.orderId}` });
    // Made with a key that is not one of the saga's step keys, as from the Dashboard: the books never show it.
    await expect.poll(async () => (await alertsFor(order.orderId)).length, { timeout: 20_000 }).toBe(1);
    expect((await alertsFor(order.orderId))[0]!.detail).toMatchObject({ alert: 'books_mismatch', refundedAtStripeCents: 1000, refundedInBooksCents: 0 });
  });

  it('a PaymentIntent cancelled outside Hotpath while the order is live signals the saga (paymentAlert)', async () => {
    const sku = await newSku({ 'wh-east': 2 });
    const { key, orderId } = nextOrder();
    // A slow WMS holds the saga after authorization, long enough to cancel the PaymentIntent behind its back.
    await sim('/_sim/wms/behavior', { scope: orderId, latencyMs: 6000 });
    await placeOrder(orderRequest({ paymentToken: 'pm_card_visa', lines: [{ sku, quantity: 1, unitPriceCents: 800 }] }), key);
    let intentId: string | undefined;
    await expect.poll(async () => (intentId = (await paymentIntentsOf(orderId)).find((pi: { status: string }) => pi.status === 'requires_capture')?.id), { timeout: 30_000 }).toBeDefined();
    await stripeAt(simUrl()).paymentIntents.cancel(intentId!, { cancellation_reason: 'requested_by_customer' });
    await expect.poll(async () => (await alertsFor(orderId)).length, { timeout: 20_000 }).toBe(1);
    expect((await alertsFor(orderId))[0]!.detail).toMatchObject({ alert: 'books_mismatch', eventType: 'payment_intent.canceled', orderWas: 'live' });
    const client = await temporalClient();
    const signalled = async () => {
      const history = await client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
      return (history.events ?? []).some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'paymentAlert');
    };
    await expect.poll(signalled, { timeout: 10_000 }).toBe(true);
    await sim(`/_sim/wms/behavior?scope=${orderId}`, undefined, 'DELETE');
    // The saga parks the order before any money moves, and a human decides.
    const parked = await waitForStatus(orderId, ['needs_attention', 'completed', 'rejected', 'failed', 'cancelled']);
    expect(parked).toMatchObject({ status: 'needs_attention', reason: 'payment_alert' });
    expect(parked.payment.capturedCents).toBe(0);
    expect((await api(`/orders/${orderId}/resolve`, { body: { action: 'compensate' }, headers: { authorization: `Bearer ${STAFF_TOKEN}` } })).status).toBe(202);
    const after = await waitForStatus(orderId);
    expect(after).toMatchObject({ status: 'failed', reason: 'payment_alert' });
    expect(after.payment.capturedCents).toBe(0);
  });
});
