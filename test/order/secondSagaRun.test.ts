import { eq } from 'drizzle-orm';
import { dispatchUnstartedOrders, sagaInputFor, startOrderSaga } from '../../db/order/sagaOutbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server';
import { orders } from '../../db/schema';
import { startOwnApi } from '../support/ownApi';
import { startOwnWorker } from '../support/ownWorker';
import { newIdempotencyKey, newSku, orderRequest, sim, temporalClient, testDb } from '../support/stack';
import { CHECKOUT_TOKEN, STAFF_TOKEN } from '../support/testPolicy';

/**
 * Issue 11 (chaos seeds 4242 / 77031): an order `completed` with reason `cancelled_by_staff`.
 *
 * Run 1 of the order's saga is cancelled by staff before it reserved or authorized anything, and ends
 * `cancelled` (transition #3). Its outbox mark (workflow_started_at) is missing, as after a kill -9 of the
 * API between `workflow.start` and the mark, or a start answered after its 1 s deadline. A repeated POST
 * (or the dispatcher) then starts the same workflow id again: the default WorkflowIdReusePolicy allows a
 * new run of a closed id. Run 2 counted its transitions from 1 again, so its #4 (captured) and #5 (completed)
 * passed `status_seq < seq` and overwrote `cancelled`, while the mirror kept run 1's reason.
 *
 * Fixed three ways, each checked here: sagas start with REJECT_DUPLICATE; a repeat or the dispatcher never starts
 * an order whose saga has recorded a transition; the mirror never moves an ended order.
 */
const queue = `race-${process.pid}`;
let ownApi: RunningApi;
let stopWorker: (() => Promise<void>) | undefined;

const post = (path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${ownApi.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('a staff-cancelled order whose saga is started a second time', () => {
  beforeAll(async () => {
    // This API starts sagas on a task queue no worker polls yet: run 1's first workflow task waits.
    ownApi = await startOwnApi({ taskQueue: queue });
  });
  afterAll(async () => {
    await stopWorker?.();
    await ownApi?.close();
  });

  it('stays cancelled: no second run, no capture, nothing in the ERP', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const key = newIdempotencyKey();
    const body = orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 2500 }] });
    const placed = await post('/orders', body, { 'idempotency-key': key, authorization: `Bearer ${CHECKOUT_TOKEN}` });
    expect(placed.status).toBe(202);
    const { orderId } = (await placed.json()) as { orderId: string };
    const workflowId = `order-${orderId}`;
    await expect.poll(async () => (await testDb().select({ s: orders.workflowStartedAt }).from(orders).where(eq(orders.id, orderId)))[0]?.s, { timeout: 10_000 }).not.toBeNull();

    // 1. Staff cancel while run 1 has not run a task: Temporal holds the update for run 1's first workflow task.
    const cancelled = post(`/orders/${orderId}/cancel`, { reason: 'customer changed their mind' }, { authorization: `Bearer ${STAFF_TOKEN}` });
    await new Promise((r) => setTimeout(r, 2_000));
    stopWorker = await startOwnWorker(queue);
    expect((await cancelled).status).toBe(202);
    const client = await temporalClient();
    const run1 = await client.workflow.getHandle(workflowId).describe();
    await client.workflow.getHandle(workflowId, run1.runId).result();
    const [afterRun1] = await testDb().select().from(orders).where(eq(orders.id, orderId));
    expect(afterRun1).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    // Precondition of the symptom: run 1 never reached the payment gateway (nothing voided, no tombstone).
    expect((await sim(`/_sim/payment/records?reference=${orderId}`)).body.records).toEqual([]);

    // 2. The outbox mark is lost (kill -9 of the API between the start and the mark) ...
    await testDb().update(orders).set({ workflowStartedAt: null }).where(eq(orders.id, orderId));
    // 3. ... and the checkout repeats its POST, and a dispatcher finds the order.
    const replay = await post('/orders', body, { 'idempotency-key': key, authorization: `Bearer ${CHECKOUT_TOKEN}` });
    expect(replay.status).toBe(202);
    await dispatchUnstartedOrders(testDb(), { client: await temporalClient(), taskQueue: queue }, { olderThanMs: 0, batch: 500 });
    // Even a start that reaches Temporal finds the closed run and is refused.
    await startOrderSaga(testDb(), { client: await temporalClient(), taskQueue: queue }, workflowId, (await sagaInputFor(testDb(), orderId))!);

    // Wait for whatever run 2 (if any) does, then look at every run and at the books.
    await new Promise((r) => setTimeout(r, 2_000));
    const latest = await client.workflow.getHandle(workflowId).describe();
    if (latest.runId !== run1.runId) await client.workflow.getHandle(workflowId, latest.runId).result();
    const runs: string[] = [];
    for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(`${execution.runId}:${execution.status.name}`);
    const [row] = await testDb().select().from(orders).where(eq(orders.id, orderId));
    const payments = (await sim(`/_sim/payment/records?reference=${orderId}`)).body.records;
    const erp = (await sim(`/_sim/erp/records?reference=${orderId}`)).body.records;

    expect(runs).toHaveLength(1);
    expect(row).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    expect(payments.filter((p: { capturedCents?: number }) => (p.capturedCents ?? 0) > 0)).toEqual([]);
    expect(erp).toEqual([]);
  });
});

describe('an order parked for a human and then completed', () => {
  // Same mirror rule, one run: park() wrote reason vendor_unavailable, the resumed transition carried none, so
  // `completed` kept it. Every transition now states the whole reason.
  it('carries no failure reason once completed', async () => {
    const { api, nextOrder, placeOrder, waitForStatus } = await import('../support/stack');
    const sku = await newSku({ 'wh-east': 3 });
    const { key, orderId } = nextOrder();
    await sim('/_sim/erp/behavior', { scope: orderId, outage: true });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 300 }] }), key);
    const parked = await waitForStatus(orderId, ['needs_attention']);
    expect(parked.reason).toBe('vendor_unavailable');
    await fetch(`${(await import('../support/stack')).simUrl()}/_sim/erp/behavior?scope=${orderId}`, { method: 'DELETE' });
    expect((await api(`/orders/${orderId}/resolve`, { body: { action: 'retry' }, headers: { authorization: `Bearer ${STAFF_TOKEN}` } })).status).toBe(202);
    const order = await waitForStatus(orderId);
    expect(order.status).toBe('completed');
    expect(order.reason ?? null).toBeNull();
  });
});
