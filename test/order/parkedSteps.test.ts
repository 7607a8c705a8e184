import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderIdFor } from '../../api/order/placeOrder';
import type { RunningApi } from '../../api/server';
import { clientOf, startOwnApi } from '../support/ownApi';
import { expectMoneyBalanced, stockOf, vendorArtifacts } from '../support/invariants';
import { newIdempotencyKey, newSku, orderRequest, sim, simUrl, recordFixture } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';

/** An API whose orders park a step that exhausts its retries instead of failing the order. */
let api: RunningApi;
let call: ReturnType<typeof clientOf>['call'];
let statusOf: ReturnType<typeof clientOf>['statusOf'];

const resolve = (orderId: string, action: string) => call(`/orders/${orderId}/resolve`, { action }, { authorization: `Bearer ${STAFF_TOKEN}` });

describe('a step past its retry budget, with the park policy', () => {
  beforeAll(async () => {
    api = await startOwnApi({ policy: { onStepExhausted: 'park' } });
    ({ call, statusOf } = clientOf(api));
  });
  afterAll(async () => api?.close());

  it('waits in needs_attention, and a human retry completes the order once the carrier is back', async () => {
    const sku = await newSku({ 'wh-east': 4 });
    const key = newIdempotencyKey();
    const orderId = orderIdFor(key);
    await sim('/_sim/carrier/behavior', { scope: orderId, outage: true });
    expect((await call('/orders', orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 800 }] }), { 'idempotency-key': key })).status).toBe(202);

    const parked = await statusOf(orderId, ['needs_attention']);
    expect(parked.reason).toBe('vendor_unavailable');
    // Parked with everything still held: the hold and the authorization wait for the decision.
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 4, reserved: 1 } });
    expect(parked.payment).toMatchObject({ authorizedCents: 800, voidedCents: 0 });
    expect((await resolve(orderId, 'bogus')).status).toBe(400);

    await fetch(`${simUrl()}/_sim/carrier/behavior?scope=${orderId}`, { method: 'DELETE' });
    expect((await resolve(orderId, 'retry')).status).toBe(202);
    const order = await statusOf(orderId, ['completed', 'failed']);
    expect(order.status).toBe('completed');
    expect((await vendorArtifacts(orderId)).labels).toHaveLength(1);
    await recordFixture(orderId, 'vendor-outage-parked');
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 3, reserved: 0 } });
    expect((await resolve(orderId, 'retry')).status).toBe(409);
    await expectMoneyBalanced(orderId);
  });

  it('a human may instead give up: the order is compensated and fails', async () => {
    const sku = await newSku({ 'wh-east': 4 });
    const key = newIdempotencyKey();
    const orderId = orderIdFor(key);
    await sim('/_sim/wms/behavior', { scope: orderId, outage: true });
    await call('/orders', orderRequest({ lines: [{ sku, quantity: 2, unitPriceCents: 100 }] }), { 'idempotency-key': key });
    await statusOf(orderId, ['needs_attention']);

    await fetch(`${simUrl()}/_sim/wms/behavior?scope=${orderId}`, { method: 'DELETE' });
    expect((await resolve(orderId, 'compensate')).status).toBe(202);
    const order = await statusOf(orderId, ['failed', 'completed']);
    expect(order).toMatchObject({ status: 'failed', reason: 'vendor_unavailable' });
    expect((await vendorArtifacts(orderId)).labels.map((l: { status: string }) => l.status)).toEqual(['cancelled']);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 4, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });
});
