import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, inject, it } from 'vitest';
import { dataConverterFor } from '../../lib/codec/dataConverter';
import { api, newSku, nextOrder, orderRequest, placeOrder, sim, temporalClient, waitForStatus } from '../support/stack';
import { PAYLOAD_KEYS, STAFF_TOKEN } from '../support/testPolicy';

const asStaff = { authorization: `Bearer ${STAFF_TOKEN}` };
const codec = dataConverterFor({ PAYLOAD_KEYS })!.payloadCodecs![0]!;

async function decodeSummary(payload: Payload | null | undefined): Promise<string | undefined> {
  if (!payload) return undefined;
  const [plain] = await codec.decode([payload]);
  return defaultPayloadConverter.fromPayload<string>(plain!);
}

describe('the Temporal Web UI answers an engineer’s questions', () => {
  it('finds stuck orders by OrderStatus and CustomerId, with a memo, a summary and readable steps', async () => {
    const client = await temporalClient();
    const customerId = `cust-webui-${Date.now()}`;
    const sku = await newSku({ 'wh-east': 5 });
    const { key, orderId } = nextOrder();
    // The carrier is down for this order: the label step and its compensation exhaust their retries and it parks.
    expect((await sim('/_sim/carrier/behavior', { scope: orderId, outage: true })).status).toBe(200);
    await placeOrder(orderRequest({ customerId, lines: [{ sku, quantity: 2, unitPriceCents: 750 }] }), key);
    await waitForStatus(orderId, ['needs_attention']);

    // The Web UI's filter box takes the same query.
    const query = `OrderStatus = "needs_attention" AND CustomerId = "${customerId}"`;
    await expect
      .poll(
        async () => {
          const ids: string[] = [];
          for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
          return ids;
        },
        { timeout: 15_000, interval: 250 },
      )
      .toEqual([`order-${orderId}`]);

    const handle = client.workflow.getHandle(`order-${orderId}`);
    const description = await handle.describe();
    expect(description.memo).toMatchObject({ customerId, totalCents: 1500, currency: 'USD', lines: 1 });
    expect(await description.staticSummary()).toBe(`Order ${orderId} · 1 line(s), 2 unit(s) · 15.00 USD · customer ${customerId}`);

    // Each activity event carries a one-line summary of what the step does (encrypted like every payload).
    const history = await handle.fetchHistory();
    const scheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes);
    const summaries = await Promise.all(scheduled.map((e) => decodeSummary(e.userMetadata?.summary)));
    expect(summaries).toEqual(
      expect.arrayContaining(['Hold 2 unit(s) of 1 SKU(s) for 15 min', 'Authorize 15.00 USD (authorization #1)', 'Compensate: void authorization #1', expect.stringMatching(/^Create the carrier label for /)]),
    );
    expect(summaries.every((s) => typeof s === 'string' && s.length > 0)).toBe(true);

    // Back to normal: the carrier answers, staff retry, the order finishes its compensation.
    expect((await fetch(`${inject('simUrl')}/_sim/carrier/behavior?scope=${orderId}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api(`/orders/${orderId}/resolve`, { body: { action: 'retry' }, headers: asStaff })).status).toBe(202);
    expect((await waitForStatus(orderId)).status).toBe('failed');
    await expect
      .poll(async () => {
        const ids: string[] = [];
        for await (const wf of client.workflow.list({ query: `OrderStatus = "failed" AND CustomerId = "${customerId}"` })) ids.push(wf.workflowId);
        return ids;
      }, { timeout: 15_000, interval: 250 })
      .toEqual([`order-${orderId}`]);
  });

  it('finds reconciliation runs by workflow type', async () => {
    const client = await temporalClient();
    const run = await api('/admin/reconcile', { body: { skus: [await newSku({ 'wh-east': 1 })] }, headers: asStaff });
    expect(run.status).toBe(200);
    await expect
      .poll(
        async () => {
          const ids: string[] = [];
          for await (const wf of client.workflow.list({ query: `WorkflowType = "reconciliationWorkflow" AND WorkflowId = "${run.body.runId}"` })) ids.push(wf.workflowId);
          return ids;
        },
        { timeout: 15_000, interval: 250 },
      )
      .toEqual([run.body.runId]);
  });
});
