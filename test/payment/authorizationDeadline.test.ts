import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server';
import { expectMoneyBalanced, expectStockBalanced, paymentIntentsOf, stockOf } from '../support/invariants';
import { clientOf, startOwnApi } from '../support/ownApi';
import { newSku, nextOrder, orderRequest, recordFixture, sim, simUrl } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';

/**
 * Issue 21, defect 4, on the real stack: an authorization that lapses during a long park while a parcel is out.
 * East (1000) is handed off and ships; west (700) parks, its carrier down, for longer than the authorization
 * lives (8 s here: the simulator's card rules for the order); the card network declines off-session payments.
 * Before the fix, the resumed order found the authorization lapsed, its re-authorization declined, and parked with
 * east unpaid. Now east's share is captured before the authorization lapses, west asks for its own authorization
 * before its handoff, is declined and undone, and the order completes with east paid: no human action after the
 * retry.
 */
const AUTHORIZATION_TTL_MS = 8_000;
const asStaff = { authorization: `Bearer ${STAFF_TOKEN}` };

let ownApi: RunningApi;
let call: ReturnType<typeof clientOf>['call'];
let statusOf: ReturnType<typeof clientOf>['statusOf'];

beforeAll(async () => {
  ownApi = await startOwnApi({ policy: { onStepExhausted: 'park' } });
  ({ call, statusOf } = clientOf(ownApi));
});
afterAll(async () => ownApi?.close());

const put = (path: string, body: unknown) => fetch(`${simUrl()}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const erpRecords = async (orderId: string) => (await sim(`/_sim/erp/records?reference=${orderId}`)).body.records as { type: string; shipments: { shipmentId: string }[] }[];

describe('an authorization that would lapse while one shipment is parked and the other has shipped', () => {
  it("captures the shipped parcel's share before it lapses; the parked one's own authorization is declined and it is undone; the order completes", { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 1, 'wh-west': 1 });
    const { key, orderId } = nextOrder();
    const [east, west] = [`${orderId}-s1`, `${orderId}-s2`];
    expect((await put(`/_sim/payment/orders/${orderId}/rules`, { authorizationTtlMs: AUTHORIZATION_TTL_MS, declineOffSession: true })).status).toBe(200);
    expect((await sim('/_sim/carrier/behavior', { scope: west, outage: true })).status).toBe(200);
    const lines = [
      { sku, quantity: 1, unitPriceCents: 1000 },
      { sku, quantity: 1, unitPriceCents: 700 },
    ];
    expect((await call('/orders', orderRequest({ lines }), { 'idempotency-key': key })).status).toBe(202);

    const parked = await statusOf(orderId, ['needs_attention']);
    expect(parked.reason).toBe('vendor_unavailable');
    await expect.poll(async () => (await call(`/orders/${orderId}`)).body.shipments.find((s: { shipmentId: string }) => s.shipmentId === east)?.wmsTaskId ?? null, { timeout: 20_000 }).not.toBeNull();
    const eastTask = (await call(`/orders/${orderId}`)).body.shipments.find((s: { shipmentId: string }) => s.shipmentId === east).wmsTaskId;
    expect((await sim(`/_sim/wms/tasks/${eastTask}/ship`, {})).status).toBe(200);

    // The authorization's lifetime passes while west waits for a human.
    const [first] = await paymentIntentsOf(orderId);
    const lapsesAt = Date.parse(first.createdAt) + AUTHORIZATION_TTL_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, lapsesAt + 1_000 - Date.now())));
    expect((await call(`/orders/${orderId}`)).body.status).toBe('needs_attention');

    await fetch(`${simUrl()}/_sim/carrier/behavior?scope=${west}`, { method: 'DELETE' });
    expect((await call(`/orders/${orderId}/resolve`, { action: 'retry' }, asStaff)).status).toBe(202);
    const order = await statusOf(orderId, ['completed', 'failed', 'cancelled'], 60_000);

    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect(order.shipments).toEqual([
      expect.objectContaining({ shipmentId: east, status: 'shipped', capturedCents: 1000, refundedCents: 0 }),
      expect.objectContaining({ shipmentId: west, status: 'cancelled', capturedCents: 0, refundedCents: 0 }),
    ]);
    // East's 1000 captured on the first authorization, the rest released; west's own authorization declined.
    expect(order.payment).toMatchObject({ authorizedCents: 1700, capturedCents: 1000, voidedCents: 700, refundedCents: 0 });
    const intents = await paymentIntentsOf(orderId);
    expect(intents.map((pi: { id: string; status: string; amount: number }) => [pi.status, pi.amount])).toEqual([
      ['succeeded', 1700],
      ['requires_payment_method', 700],
    ]);
    await expectMoneyBalanced(orderId);
    // The ERP records east alone; west's unit is back on the shelf.
    expect((await erpRecords(orderId)).filter((r) => r.type === 'erp_order').map((r) => r.shipments.map((s) => s.shipmentId))).toEqual([[east]]);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 0, reserved: 0 }, 'wh-west': { onHand: 1, reserved: 0 } });
    await expectStockBalanced([sku]);
    await recordFixture(orderId, 'capture-before-lapse');
  });
});
