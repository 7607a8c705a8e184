import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server';
import { reservations } from '../../db/schema';
import { orderStateQuery } from '../../workflows/order/contract';
import { expectMoneyBalanced, expectStockBalanced, stockOf, vendorArtifacts } from '../support/invariants';
import { inject } from 'vitest';
import { clientOf, startOwnApi } from '../support/ownApi';
import { newSku, nextOrder,  orderRequest, recordFixture, sim, simUrl, temporalClient, testDb } from '../support/stack';
import { STAFF_CREDENTIAL, STAFF_TOKEN, TEST_SAGA_POLICY } from '../support/testPolicy';

/**
 * Staff decisions on parked orders (issue 21, defect 5): a decision is taken only while a park waits for one, a
 * second one on the same park is refused with who decided what, a shipment that parks while another's resume is
 * carried out keeps its hold and waits for a decision of its own, and a saga that ended or does not answer is a
 * 409 or a 503 with a true message, never a 500.
 *
 * A resume is held open the way a slow database would: the test locks the order's held reservations, so the
 * resume's hold renewal (an UPDATE of those rows) waits until the test lets go.
 */

// Long enough that a step exhausting its retries parks the order before the first hold timer fires, on a busy machine too.
const HOLD_TTL_MS = 4_000;
const BOB_TOKEN = 'test-staff-token-bob';
const asAlice = { authorization: `Bearer ${STAFF_TOKEN}` };
const asBob = { authorization: `Bearer ${BOB_TOKEN}` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let ownApi: RunningApi;
let call: ReturnType<typeof clientOf>['call'];
let statusOf: ReturnType<typeof clientOf>['statusOf'];

const resolve = (orderId: string, action: string, who = asAlice) => call(`/orders/${orderId}/resolve`, { action }, who);
const holdsOf = (orderId: string) =>
  testDb().select({ warehouse: reservations.warehouse, status: reservations.status, expiresAt: reservations.expiresAt }).from(reservations).where(eq(reservations.orderId, orderId));
const carrier = (scope: string, rule: Record<string, unknown> = {}) => sim('/_sim/carrier/behavior', { scope, ...rule });
const carrierBack = (scope: string) => fetch(`${simUrl()}/_sim/carrier/behavior?scope=${scope}`, { method: 'DELETE' });
const sagaState = async (orderId: string) => (await temporalClient()).workflow.getHandle(`order-${orderId}`).query(orderStateQuery);

/** Locks the order's reservations until `release()`: the saga's hold renewal (its resume) waits for it. */
async function holdResumeOpen(orderId: string) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const tx = testDb().transaction(async (tx) => {
    await tx.select({ sku: reservations.sku }).from(reservations).where(eq(reservations.orderId, orderId)).for('update');
    locked();
    await released;
  });
  await Promise.race([isLocked, tx]);
  return {
    async release() {
      release();
      await tx;
    },
  };
}

/** An order of one unit whose label fails until the carrier is back: parked, its hold's expiry suspended. */
async function parkedOrder() {
  const sku = await newSku({ 'wh-east': 2 });
  const { key, orderId } = nextOrder();
  await carrier(orderId, { outage: true });
  expect((await call('/orders', orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1200 }] }), { 'idempotency-key': key })).status).toBe(202);
  const parked = await statusOf(orderId, ['needs_attention']);
  expect(parked.reason).toBe('vendor_unavailable');
  await expect.poll(async () => (await holdsOf(orderId)).map((h) => h.expiresAt), { timeout: 10_000 }).toEqual([null]);
  return { sku, orderId };
}

describe('decisions on parked orders', () => {
  beforeAll(async () => {
    ownApi = await startOwnApi({ policy: { onStepExhausted: 'park', holdTtlMs: HOLD_TTL_MS }, env: { STAFF_TOKENS: `${STAFF_CREDENTIAL},ops-bob:${BOB_TOKEN}` } });
    ({ call, statusOf } = clientOf(ownApi));
  });
  afterAll(async () => ownApi?.close());

  it('a second resolve while the first one is being carried out is refused (409, naming it), and only the first acts', { timeout: 90_000 }, async () => {
    const { sku, orderId } = await parkedOrder();
    await carrierBack(orderId);
    const resume = await holdResumeOpen(orderId);
    let first, second;
    try {
      first = await resolve(orderId, 'retry');
      // The same person clicks again while the order is being resumed (it still says needs_attention).
      second = await resolve(orderId, 'retry');
      expect((await call(`/orders/${orderId}`, undefined, asAlice)).body.status).toBe('needs_attention');
    } finally {
      await resume.release();
    }
    expect(second).toMatchObject({ status: 409, body: { title: 'Already decided', detail: 'the park was already decided: retry by support-alice is being carried out' } });
    expect(first).toMatchObject({ status: 202, body: { orderId, action: 'retry', by: 'support-alice', parks: [{ parkId: 'park-1', reason: 'vendor_unavailable' }] } });

    const order = await statusOf(orderId, ['completed', 'failed', 'cancelled']);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect((await sagaState(orderId)).steps.filter((s) => s.step === 'resolved').map((s) => s.detail)).toEqual([{ action: 'retry', by: 'support-alice', parkIds: ['park-1'] }]);
    expect((await vendorArtifacts(orderId)).labels).toHaveLength(1);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 1, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });

  it("a second person's compensate after a retry was taken is refused with who decided what; the order is not given up", { timeout: 90_000 }, async () => {
    const { sku, orderId } = await parkedOrder();
    await carrierBack(orderId);
    const resume = await holdResumeOpen(orderId);
    let first, second;
    try {
      first = await resolve(orderId, 'retry', asAlice);
      second = await resolve(orderId, 'compensate', asBob);
    } finally {
      await resume.release();
    }
    expect(first!.status).toBe(202);
    expect(second).toMatchObject({ status: 409, body: { title: 'Already decided', detail: 'the park was already decided: retry by support-alice is being carried out' } });

    const order = await statusOf(orderId, ['completed', 'failed', 'cancelled']);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 1, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });

  it("a shipment that parks during the other's resume keeps its hold while staff decide (no hold_expired) and waits for a decision of its own", { timeout: 120_000 }, async () => {
    const sku = await newSku({ 'wh-east': 1, 'wh-west': 1 });
    const { key, orderId } = nextOrder();
    const [s1, s2] = [`${orderId}-s1`, `${orderId}-s2`];
    // Each label fails 3 times (a park), and 3 times again once retried (a second park); then the carrier answers.
    await carrier(s1, { failNext: 6 });
    await carrier(s2, { failNext: 6 });
    const left = async () => Promise.all([s1, s2].map(async (s) => (await carrier(s)).body.failNext as number));
    expect((await call('/orders', orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 900 }, { sku, quantity: 1, unitPriceCents: 400 }] }), { 'idempotency-key': key })).status).toBe(202);
    await expect.poll(async () => (await sagaState(orderId)).steps.some((s) => s.step === 'also waiting for a human'), { timeout: 20_000 }).toBe(true);
    await expect.poll(async () => (await holdsOf(orderId)).map((h) => `${h.status}:${h.expiresAt}`), { timeout: 10_000 }).toEqual(['held:null', 'held:null']);

    const resume = await holdResumeOpen(orderId);
    let first;
    try {
      first = await resolve(orderId, 'retry');
      // The shipment that is not resuming the order retries at once and fails its 3 attempts again: it parks
      // while the resume is still being carried out.
      await expect.poll(async () => Math.min(...(await left())), { timeout: 20_000 }).toBe(0);
      await sleep(2_000);
    } finally {
      await resume.release();
    }
    expect(first!.status).toBe(202);

    // Both shipments wait again; staff take longer than the hold lives, and nothing gives them up.
    await expect.poll(async () => left(), { timeout: 20_000 }).toEqual([0, 0]);
    await statusOf(orderId, ['needs_attention', 'failed', 'cancelled', 'completed']);
    await sleep(HOLD_TTL_MS * 2);
    const waiting = (await call(`/orders/${orderId}`, undefined, asAlice)).body;
    expect(waiting).toMatchObject({ status: 'needs_attention', reason: 'vendor_unavailable' });
    expect(waiting.shipments.map((s: { status: string }) => s.status)).toEqual(['allocated', 'allocated']);
    expect((await holdsOf(orderId)).map((h) => `${h.status}:${h.expiresAt}`)).toEqual(['held:null', 'held:null']);
    expect((await sagaState(orderId)).steps.some((s) => s.step === 'hold expired before the handoff')).toBe(false);

    // The first decision answered the first parks only: these wait for their own.
    const second = await resolve(orderId, 'retry');
    expect(second.status).toBe(202);
    const order = await statusOf(orderId, ['completed', 'failed', 'cancelled']);
    expect(order).toMatchObject({ status: 'completed', reason: null });
    expect(first!.body.parks.map((p: { parkId: string }) => p.parkId)).toEqual(['park-1', 'park-2']);
    expect(second.body.parks.map((p: { parkId: string }) => p.parkId)).toEqual(['park-3', 'park-4']);
    expect(order.shipments.map((s: { status: string }) => s.status)).toEqual(['handed_off', 'handed_off']);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 0, reserved: 0 }, 'wh-west': { onHand: 0, reserved: 0 } });
    await expectMoneyBalanced(orderId);
    await expectStockBalanced([sku]);
    await recordFixture(orderId, 'park-during-resume');
  });

  it('resolve of an order that is not parked, or whose saga has ended, is a 409 that says so, never a 500', { timeout: 90_000 }, async () => {
    // Ended: the saga is gone while Postgres still says needs_attention (the window between a saga's end and
    // its last write, held open here by an operator's terminate).
    const parked = await parkedOrder();
    await (await temporalClient()).workflow.getHandle(`order-${parked.orderId}`).terminate('test: the saga ends while its order still says needs_attention');
    for (const action of ['retry', 'compensate']) {
      expect(await resolve(parked.orderId, action)).toMatchObject({ status: 409, body: { title: 'Not parked', detail: "the order's saga has already ended: nothing waits for a decision" } });
    }
    expect(await call(`/orders/${parked.orderId}/cancel`, { reason: 'too late' }, asAlice)).toMatchObject({ status: 409, body: { detail: 'the order has already finished processing' } });
    await carrierBack(parked.orderId);

    // Not parked: the saga answers for itself (its label is slow), whatever Postgres last wrote.
    const sku = await newSku({ 'wh-east': 2 });
    const { key, orderId } = nextOrder();
    await carrier(orderId, { latencyMs: 2_500 });
    expect((await call('/orders', orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 500 }] }), { 'idempotency-key': key })).status).toBe(202);
    await expect.poll(async () => (await sagaState(orderId)).status, { timeout: 10_000 }).toBe('processing');
    expect(await resolve(orderId, 'retry')).toMatchObject({ status: 409, body: { title: 'Not parked', detail: expect.stringMatching(/^the order is processing/) } });
    await carrierBack(orderId);
    expect(await statusOf(orderId, ['completed', 'failed'])).toMatchObject({ status: 'completed' });
    expect(await resolve(orderId, 'retry')).toMatchObject({ status: 409, body: { title: 'Not parked', detail: 'the order is already completed: nothing waits for a decision' } });
  });

  it('a resolve the saga does not answer in time is a 503 that says nothing was confirmed', { timeout: 90_000 }, async () => {
    // An API whose sagas go to a task queue no worker polls: the saga never runs, so it never answers.
    const silent = await startOwnApi({ taskQueue: `nobody-polls-${process.pid}-${Date.now()}`, policy: { onStepExhausted: 'park' } });
    try {
      const { call: callSilent } = clientOf(silent);
      const sku = await newSku({ 'wh-east': 1 });
      const { key, orderId } = nextOrder();
      expect((await callSilent('/orders', orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 500 }] }), { 'idempotency-key': key })).status).toBe(202);
      const saga = (await temporalClient()).workflow.getHandle(`order-${orderId}`);
      await expect.poll(async () => saga.describe().then(() => true, () => false), { timeout: 10_000 }).toBe(true);
      const started = Date.now();
      const answer = await callSilent(`/orders/${orderId}/resolve`, { action: 'retry' }, asAlice);
      expect(answer).toMatchObject({
        status: 503,
        body: { title: 'Saga did not answer', detail: expect.stringMatching(/^the order's saga did not answer within 10 s .*the decision was not confirmed/) },
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
      await saga.terminate('test: its task queue has no worker');
    } finally {
      await silent.close();
    }
  });

  it('an order of the frozen second type still running finishes on it: parked, resolved by the update, completed', { timeout: 90_000 }, async () => {
    // As for the first type below: the order is committed through an API whose saga never runs, and its saga is
    // started as orderWorkflowV2, as an order placed before orderWorkflowV3 runs on after the deploy.
    const silent = await startOwnApi({ taskQueue: `nobody-polls-${process.pid}-${Date.now()}` });
    const sku = await newSku({ 'wh-east': 2 });
    const { key, orderId } = nextOrder();
    const request = orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 900 }] });
    const client = await temporalClient();
    try {
      await carrier(orderId, { outage: true });
      expect((await clientOf(silent).call('/orders', request, { 'idempotency-key': key })).status).toBe(202);
      const started = client.workflow.getHandle(`order-${orderId}`);
      await expect.poll(async () => started.describe().then(() => true, () => false), { timeout: 10_000 }).toBe(true);
      expect((await started.describe()).type).toBe('orderWorkflowV3');
      await started.terminate('test: the order runs on the frozen second type instead');
    } finally {
      await silent.close();
    }
    await client.workflow.start('orderWorkflowV2', {
      taskQueue: inject('taskQueue'),
      workflowId: `order-${orderId}`,
      args: [{ orderId, customerId: request.customerId, email: request.email, currency: request.currency, totalCents: 900, lines: request.lines, shippingAddress: request.shippingAddress, paymentToken: request.paymentToken, policy: { ...TEST_SAGA_POLICY, onStepExhausted: 'park' } }],
    });
    await statusOf(orderId, ['needs_attention']);
    await carrierBack(orderId);
    const answer = await resolve(orderId, 'retry');
    expect(answer).toMatchObject({ status: 202, body: { orderId, action: 'retry', by: 'support-alice', parks: [expect.objectContaining({ parkId: 'park-1' })] } });
    expect(await statusOf(orderId, ['completed', 'failed', 'cancelled'])).toMatchObject({ status: 'completed' });
    expect((await client.workflow.getHandle(`order-${orderId}`).describe()).type).toBe('orderWorkflowV2');
    await expectMoneyBalanced(orderId);
  });

  it('an order of the first saga type (no update handler) still running is resolved through its signal', { timeout: 90_000 }, async () => {
    // The order is committed through an API whose saga never runs (no worker on its queue); that saga is ended
    // and the order's saga started as the frozen first type, as an order placed before orderWorkflowV2 runs on.
    const silent = await startOwnApi({ taskQueue: `nobody-polls-${process.pid}-${Date.now()}` });
    const sku = await newSku({ 'wh-east': 2 });
    const { key, orderId } = nextOrder();
    const request = orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 700 }] });
    const client = await temporalClient();
    try {
      await carrier(orderId, { outage: true });
      expect((await clientOf(silent).call('/orders', request, { 'idempotency-key': key })).status).toBe(202);
      const v2 = client.workflow.getHandle(`order-${orderId}`);
      await expect.poll(async () => v2.describe().then(() => true, () => false), { timeout: 10_000 }).toBe(true);
      await v2.terminate('test: the order runs on the first saga type instead');
    } finally {
      await silent.close();
    }
    await client.workflow.start('orderWorkflow', {
      taskQueue: inject('taskQueue'),
      workflowId: `order-${orderId}`,
      args: [{ orderId, customerId: request.customerId, email: request.email, currency: request.currency, totalCents: 700, lines: request.lines, shippingAddress: request.shippingAddress, paymentToken: request.paymentToken, policy: { ...TEST_SAGA_POLICY, onStepExhausted: 'park' } }],
    });
    await statusOf(orderId, ['needs_attention']);
    await carrierBack(orderId);
    // The answer names no parks: the first type has no identity for them. (Compensate: the first type completes a
    // retried order with the park's reason still set, which the ledger's checks refuse.)
    const answer = await resolve(orderId, 'compensate');
    expect(answer).toMatchObject({ status: 202, body: { orderId, action: 'compensate', by: 'support-alice' } });
    expect(answer.body.parks).toBeUndefined();
    expect(await statusOf(orderId, ['completed', 'failed', 'cancelled'])).toMatchObject({ status: 'failed', reason: 'vendor_unavailable' });
    expect((await client.workflow.getHandle(`order-${orderId}`).describe()).type).toBe('orderWorkflow');
    await expectMoneyBalanced(orderId);
  });
});
