import { eq } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { dispatchUnstartedOrders } from '../../api/orders/dispatcher';
import { orders } from '../../db/schema';
import { expectMoneyBalanced } from '../support/invariants';
import { api, newSku, nextOrder, orderRequest, placeOrder, sim, temporalClient, testDb, waitForStatus } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';

/**
 * The chaos run once found an order `completed` with the reason `cancelled_by_staff`: its saga had run a second
 * time under the same workflow id after the first run ended (the API died between starting the saga and marking
 * it started, so the dispatcher started it again). An order's saga must run once, whatever starts it again.
 */
describe("an order's saga runs once", () => {
  it('a dispatcher that starts an already finished order again changes nothing', async () => {
    const sku = await newSku({ 'wh-east': 2 });
    const { key, orderId } = nextOrder();
    await sim('/_sim/carrier/behavior', { scope: orderId, latencyMs: 1500 });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 600 }] }), key);
    await waitForStatus(orderId, ['processing']);
    expect((await api(`/orders/${orderId}/cancel`, { body: { reason: 'changed mind' }, headers: { authorization: `Bearer ${STAFF_TOKEN}` } })).status).toBe(202);
    const ended = await waitForStatus(orderId);
    expect(ended).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });

    // As if the API had crashed before recording the start: the dispatcher finds the order and starts it.
    await testDb().update(orders).set({ workflowStartedAt: null }).where(eq(orders.id, orderId));
    const client = await temporalClient();
    await dispatchUnstartedOrders(testDb(), { client, taskQueue: inject('taskQueue') }, { olderThanMs: 0, batch: 500 });

    const runs: string[] = [];
    for await (const execution of client.workflow.list({ query: `WorkflowId = "order-${orderId}"` })) runs.push(execution.runId);
    expect(runs).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1500));
    const after = (await api(`/orders/${orderId}`)).body;
    expect(after).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    await expectMoneyBalanced(orderId);
  });
});
