import { afterAll, describe, it } from 'vitest';
import { api } from '../support/stack';
import { parseRetrySchedule } from '../../lib/webhooks/retrySchedule';
import { OTHER_CHECKOUT_TOKEN, TEST_WEBHOOK_RETRY_SCHEDULE } from '../support/testPolicy';
import { startReceiver, type Receiver } from './receiver';
import { deliveriesOf, eventsArrive, expectGapless, settledDelivery, shippedOrder, SHIPPED_ORDER_EVENTS, subscribe } from './support';

const schedule = parseRetrySchedule(TEST_WEBHOOK_RETRY_SCHEDULE);
const scheduleSpanMs = schedule.reduce((a, b) => a + b, 0);
const receivers: Receiver[] = [];
afterAll(async () => {
  for (const r of receivers) await r.close();
});

// Both wait out (most of) the compressed retry schedule, so they run side by side.
describe.concurrent('webhook endpoints that go away', () => {
  it('a receiver down for two minutes gets every event of an order placed meanwhile, verified and in sequence', { timeout: 240_000 }, async ({ expect }) => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const sub = await subscribe(receiver.url());
    receiver.setSecrets([sub.secret]);
    await receiver.down();
    const outageStarted = Date.now();

    const { orderId, durationMs } = await shippedOrder();
    console.log(`[webhooks] order completed in ${durationMs} ms while its subscriber was down`);
    await new Promise((r) => setTimeout(r, 120_000 - (Date.now() - outageStarted)));
    // Every order of this checkout client reaches the endpoint: the log of this one order.
    const log = await deliveriesOf(sub.id, undefined, orderId);
    const mine = log.deliveries.filter((d) => d.orderId === orderId);
    expect(log.deliveries).toEqual(mine);
    expect(mine).toHaveLength(SHIPPED_ORDER_EVENTS.length);
    const checkedAt = Date.now();
    for (const d of mine) {
      expect(d.state).toBe('pending');
      // Retried on schedule all along: every attempt due since its first one was made (the one due last may be in
      // flight). Counted from each event's own first attempt: on a busy machine the order's last events are
      // written late in the outage, and fewer of their attempts are due by now.
      const firstAttempt = Date.parse(d.log[0].at);
      const due = schedule.filter((_, i) => firstAttempt + schedule.slice(0, i + 1).reduce((a, b) => a + b, 0) <= checkedAt).length;
      expect(due).toBeGreaterThanOrEqual(4);
      expect(d.attempts).toBeGreaterThanOrEqual(due - 1);
      expect(d.log).toHaveLength(d.attempts);
      expect(d.lastError).toMatch(/ECONNREFUSED/);
    }
    await receiver.up();
    const upAt = Date.now();

    const events = await eventsArrive(receiver, orderId, SHIPPED_ORDER_EVENTS.length, 60_000);
    console.log(`[webhooks] after a ${Math.round((upAt - outageStarted) / 1000)} s outage, every event arrived within ${Math.max(...events.map((e) => e.at)) - upAt} ms of the receiver's return`);
    expectGapless(events);
    expect(events.map((e) => e.event.type)).toEqual(SHIPPED_ORDER_EVENTS);
    expect(receiver.unverified).toEqual([]);
    for (const e of events) expect(await settledDelivery(sub.id, (d) => d.messageId === e.id, undefined, undefined, orderId)).toMatchObject({ state: 'delivered', lastStatus: 204 });
    expect((await deliveriesOf(sub.id)).subscription.disabledAt).toBeNull();
  });

  it('an endpoint that fails every attempt is disabled with its reason; a redelivery enables it again', { timeout: 240_000 }, async ({ expect }) => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const token = OTHER_CHECKOUT_TOKEN;
    const sub = await subscribe(receiver.url(), { events: ['order.completed'], token });
    receiver.setSecrets([sub.secret]);
    receiver.behave((_req, res) => (res.writeHead(503).end(), true));
    const { orderId } = await shippedOrder({ token });

    await expect.poll(async () => (await deliveriesOf(sub.id, token)).subscription.disabledAt, { timeout: scheduleSpanMs + 30_000, interval: 1_000 }).not.toBeNull();
    const log = await deliveriesOf(sub.id, token);
    // The first delivery to use up the schedule disables the endpoint (another order of this client may beat ours).
    const reason = log.subscription.disabledReason!;
    expect(reason).toMatch(new RegExp(`^${schedule.length} attempts to deliver msg_\\w+ failed; the last: answered 503$`));
    const failed = log.deliveries.find((d) => reason.includes(d.messageId))!;
    expect(failed).toMatchObject({ state: 'failed', attempts: schedule.length, lastStatus: 503 });
    expect(failed.log).toHaveLength(schedule.length);
    const listed = (await api('/webhook-subscriptions', { headers: { authorization: `Bearer ${token}` } })).body.subscriptions.find((s: { id: string }) => s.id === sub.id);
    expect(listed.disabledReason).toBe(reason);

    receiver.behave(undefined);
    const redeliver = await api(`/webhook-subscriptions/${sub.id}/deliveries/${failed.id}/redeliver`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(redeliver.status).toBe(202);
    await expect.poll(() => receiver.received.some((r) => r.id === failed.messageId), { timeout: 10_000 }).toBe(true);
    expect((await deliveriesOf(sub.id, token)).subscription).toMatchObject({ disabledAt: null, disabledReason: null });
    // Our order's event arrives too: redelivered above, or by its own last attempt now the endpoint is enabled.
    const [event] = await eventsArrive(receiver, orderId, 1, 45_000);
    expect(event!.event).toMatchObject({ type: 'order.completed', data: { orderId, status: 'completed' } });
  });
});
