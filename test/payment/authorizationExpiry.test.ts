import { describe, expect, it } from 'vitest';
import { paymentIntentsOf, expectMoneyBalanced } from '../support/invariants';
import { newSku, nextOrder, orderRequest, placeOrder, sim, waitForStatus } from '../support/stack';

/** The gateway's authorization for the order, as soon as it exists (the slow WMS holds the capture back). */
async function authorizationOf(orderId: string): Promise<string> {
  let id: string | undefined;
  await expect
    .poll(async () => {
      id = (await paymentIntentsOf(orderId)).find((r: { status: string }) => r.status === 'requires_capture')?.id;
      return id;
    }, { timeout: 60_000, interval: 20 })
    .toBeDefined();
  return id!;
}

describe('an authorization that lapses before capture', () => {
  it('is re-authorized once and the stale one voided: authorized = captured + voided', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const { key, orderId } = nextOrder();
    await sim('/_sim/wms/behavior', { scope: orderId, latencyMs: 2000 });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1234 }] }), key);
    const payment = { authorizationId: await authorizationOf(orderId) };
    expect((await sim(`/_sim/payment/payment_intents/${payment.authorizationId}/expire`, {})).status).toBe(200);

    const order = await waitForStatus(orderId);
    expect(order.status).toBe('completed');
    expect(order.payment).toMatchObject({ authorizedCents: 2468, capturedCents: 1234, voidedCents: 1234, refundedCents: 0 });
    expect(order.payment.authorizationId).not.toBe(payment.authorizationId);
    await expectMoneyBalanced(orderId);
  });

  it('fails the order cleanly when the re-authorization is declined', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const { key, orderId } = nextOrder();
    await sim('/_sim/wms/behavior', { scope: orderId, latencyMs: 2000 });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 500 }] }), key);
    await sim(`/_sim/payment/payment_intents/${await authorizationOf(orderId)}/expire`, {});
    // The gateway is down for this order from now on: the re-authorization cannot happen.
    await sim('/_sim/payment/behavior', { scope: orderId, failNext: 3 });

    const order = await waitForStatus(orderId);
    expect(order.status).toBe('failed');
    expect(order.payment.capturedCents).toBe(0);
    await expectMoneyBalanced(orderId);
  });
});
