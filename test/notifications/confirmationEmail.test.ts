import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderActivities } from '../../activities';
import { nearestSingleWarehouseFirst } from '../../activities/inventory/allocation';
import { messageIdFor } from '../../activities/notifications/adapters/smtp';
import { orderIdFor } from '../../api/order/placeOrder';
import type { RunningApi } from '../../api/server';
import { loadConfig, vendorUrlsFor } from '../../lib/config';
import { startMailpit, type RunningMailpit } from '../../lib/mailpit';
import { orderStateQuery, orderWorkflowId, stepKeys } from '../../workflows/order/contract';
import { paymentGateway } from '../../worker/createWorker';
import { vendorPorts } from '../../worker/vendors';
import { mailMessage, messagesWithId, setMailChaos, smtpUrl } from '../support/mailpit';
import { clientOf, startOwnApi } from '../support/ownApi';
import { startOwnWorker } from '../support/ownWorker';
import { newIdempotencyKey, newSku, orderRequest, placeOrder, simUrl, temporalClient, testDb, waitForStatus } from '../support/stack';

const confirmationId = (orderId: string) => messageIdFor(stepKeys.notify(orderId, 'order_confirmed'));

/** The attempt number of the last start of each activity type in the order's history (a retried activity records only its last). */
async function activityAttempts(orderId: string, type: string): Promise<{ attempt: number; outcome: string }[]> {
  const history = await (await temporalClient()).workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
  const events = history.events ?? [];
  const scheduled = new Map<string, string>();
  const found: { attempt: number; outcome: string }[] = [];
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes?.activityType?.name) scheduled.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType.name);
    const started = e.activityTaskStartedEventAttributes;
    if (started && scheduled.get(String(started.scheduledEventId)) === type) found.push({ attempt: started.attempt ?? 1, outcome: 'started' });
    const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
    if (done && scheduled.get(String(done.scheduledEventId)) === type) found[found.length - 1]!.outcome = e.activityTaskCompletedEventAttributes ? 'completed' : 'failed';
  }
  return found;
}

describe("the order's confirmation e-mail", () => {
  it('arrives in the mailbox once, with the order id and the tracking number, under the Message-ID of the step', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const placed = await placeOrder(orderRequest({ email: 'ada.confirm@example.com', lines: [{ sku, quantity: 1, unitPriceCents: 1200 }] }));
    expect(placed.status).toBe(202);
    const orderId: string = placed.body.orderId;
    const order = await waitForStatus(orderId);
    expect(order.status).toBe('completed');
    const trackingNumber: string = order.shipments[0].trackingNumber;

    const messageId = confirmationId(orderId);
    await expect.poll(async () => (await messagesWithId(messageId)).length, { timeout: 10_000 }).toBe(1);
    const [summary] = await messagesWithId(messageId);
    expect(summary!.To).toEqual([{ Name: '', Address: 'ada.confirm@example.com' }]);
    const message = await mailMessage(summary!.ID);
    expect(message.Subject).toBe(`Order ${orderId} confirmed`);
    expect(message.Text).toContain(orderId);
    expect(message.Text).toContain(trackingNumber);
    expect(message.HTML).toContain(trackingNumber);
    // The timeline names the message the customer got.
    expect(order.history).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'customer.notified', detail: { template: 'order_confirmed', messageId } })]));

    // The step run again (a retry after the acceptance was recorded) sends nothing and answers the same message.
    const config = loadConfig({ ...vendorUrlsFor(simUrl()), SMTP_URL: smtpUrl() });
    const acts = createOrderActivities({ db: testDb(), payments: paymentGateway(config), ...vendorPorts(config, testDb()), allocation: nearestSingleWarehouseFirst });
    const again = (await new MockActivityEnvironment().run(acts.notifyCustomer, { orderId, email: 'ada.confirm@example.com', template: 'order_confirmed', trackingNumbers: [trackingNumber] })) as { messageId: string };
    expect(again).toEqual({ messageId });
    expect(await messagesWithId(messageId)).toHaveLength(1);
  });
});

describe('confirmation e-mail when the mail server fails (Mailpit chaos)', () => {
  // Its own Mailpit, worker and API (own task queue): the chaos fails only this file's e-mail.
  const taskQueue = `orders-mail-chaos-${process.pid}`;
  let mailpit: RunningMailpit;
  let stopWorker: () => Promise<void>;
  let api: RunningApi;
  let client: ReturnType<typeof clientOf>;
  beforeAll(async () => {
    mailpit = await startMailpit({ chaos: true });
    stopWorker = await startOwnWorker(taskQueue, { SMTP_URL: mailpit.smtpUrl, NOTIFICATIONS_PROVIDER: 'smtp' });
    // Retries far enough apart for the test to see one fail before the server recovers.
    api = await startOwnApi({ taskQueue, policy: { maximumAttempts: 30, initialIntervalMs: 250, backoffCoefficient: 1, maximumIntervalMs: 250 } });
    client = clientOf(api);
  });
  afterAll(async () => {
    await api?.close();
    await stopWorker?.();
    await mailpit?.stop();
  });

  it('a transient refusal (451) is retried, and the customer gets one e-mail once the server accepts again', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const key = newIdempotencyKey();
    const orderId = orderIdFor(key);
    await setMailChaos(mailpit.apiUrl, { Recipient: { ErrorCode: 451, Probability: 100 } });
    try {
      expect((await client.call('/orders', orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 900 }] }), { 'idempotency-key': key })).status).toBe(202);
      // Wait for the send to have failed at least once.
      const handle = (await temporalClient()).workflow.getHandle(orderWorkflowId(orderId));
      await expect
        .poll(async () => ((await handle.describe()).raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'notifyCustomer')?.attempt ?? 0, { timeout: 30_000, interval: 50 })
        .toBeGreaterThanOrEqual(2);
      expect(await messagesWithId(confirmationId(orderId), mailpit.apiUrl)).toHaveLength(0);
    } finally {
      await setMailChaos(mailpit.apiUrl, {});
    }
    const order = await client.statusOf(orderId, ['completed', 'failed']);
    expect(order.status).toBe('completed');
    await expect.poll(async () => (await messagesWithId(confirmationId(orderId), mailpit.apiUrl)).length, { timeout: 10_000 }).toBe(1);
    const [notify] = await activityAttempts(orderId, 'notifyCustomer');
    expect(notify!.attempt).toBeGreaterThanOrEqual(2);
    expect(notify!.outcome).toBe('completed');
  });

  it('a recipient refused for good (550) is not retried and does not fail the order: the timeline says the notification failed', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const key = newIdempotencyKey();
    const orderId = orderIdFor(key);
    await setMailChaos(mailpit.apiUrl, { Recipient: { ErrorCode: 550, Probability: 100 } });
    try {
      expect((await client.call('/orders', orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 900 }] }), { 'idempotency-key': key })).status).toBe(202);
      const order = await client.statusOf(orderId, ['completed', 'failed']);
      expect(order.status).toBe('completed');
      expect(order.payment).toMatchObject({ capturedCents: 900, refundedCents: 0 });
    } finally {
      await setMailChaos(mailpit.apiUrl, {});
    }
    expect(await activityAttempts(orderId, 'notifyCustomer')).toEqual([{ attempt: 1, outcome: 'failed' }]);
    const state = await (await temporalClient()).workflow.getHandle(orderWorkflowId(orderId)).query(orderStateQuery);
    expect(state.steps).toEqual(expect.arrayContaining([expect.objectContaining({ step: 'notification failed', detail: { error: expect.stringMatching(/550/) } })]));
    expect(await messagesWithId(confirmationId(orderId), mailpit.apiUrl)).toHaveLength(0);
  });
});
