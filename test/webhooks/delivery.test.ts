import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { api, newIdempotencyKey, newSku, orderRequest, testDb, waitForStatus } from '../support/stack';
import { OTHER_CHECKOUT_TOKEN, STAFF_TOKEN } from '../support/testPolicy';
import { startReceiver, type Receiver } from './receiver';
import { deliveriesOf, eventsArrive, expectGapless, settledDelivery, shippedOrder, SHIPPED_ORDER_EVENTS, subscribe } from './support';

const receivers: Receiver[] = [];
const receiver = async () => {
  const r = await startReceiver();
  receivers.push(r);
  return r;
};
afterAll(async () => {
  for (const r of receivers) await r.close();
});

describe('signed order-status webhooks', () => {
  let mine: Receiver;
  let theirs: Receiver;
  let staff: Receiver;
  let subscriptionId: string;

  beforeAll(async () => {
    [mine, theirs, staff] = [await receiver(), await receiver(), await receiver()];
    const sub = await subscribe(mine.url());
    subscriptionId = sub.id;
    mine.setSecrets([sub.secret]);
    theirs.setSecrets([(await subscribe(theirs.url(), { token: OTHER_CHECKOUT_TOKEN })).secret]);
    staff.setSecrets([(await subscribe(staff.url(), { token: STAFF_TOKEN })).secret]);
  });

  it('every event of an order arrives verified by the standardwebhooks library, numbered 1..n, to its client and staff only', async () => {
    const { orderId } = await shippedOrder();
    const events = await eventsArrive(mine, orderId, SHIPPED_ORDER_EVENTS.length);
    expectGapless(events);
    expect(events.map((e) => e.event.type)).toEqual(SHIPPED_ORDER_EVENTS);
    expect(mine.unverified).toEqual([]);
    expect(events.at(-1)!.event).toMatchObject({ type: 'shipment.shipped', data: { orderId, status: 'shipped', reason: null, shipmentId: expect.any(String) } });
    expect(events.find((e) => e.event.type === 'order.completed')!.event.data).toEqual({ orderId, status: 'completed', reason: null, sequence: 6 });
    // Latency: from the change (the payload's timestamp, taken in its transaction) to the receiver.
    const latencies = events.map((e) => e.at - Date.parse(e.event.timestamp));
    console.log(`[webhooks] delivery latency after a change: max ${Math.max(...latencies)} ms, median ${latencies.sort((a, b) => a - b)[latencies.length >> 1]} ms`);
    expect(Math.max(...latencies)).toBeLessThan(2_000);

    // Staff see every order's events; the other checkout client sees none of this one.
    const all = await eventsArrive(staff, orderId, SHIPPED_ORDER_EVENTS.length);
    expect(all.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(theirs.received.filter((r) => r.event.data.orderId === orderId)).toEqual([]);
  });

  it('a declined card: the unstarted shipment is cancelled and the order rejected, with the reason', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const res = await api('/orders', { body: orderRequest({ paymentToken: 'tok_chargeDeclined', lines: [{ sku, quantity: 1, unitPriceCents: 700 }] }), headers: { 'idempotency-key': newIdempotencyKey() } });
    expect(res.status).toBe(202);
    const order = await waitForStatus(res.body.orderId);
    expect(order).toMatchObject({ status: 'rejected', reason: 'payment_declined' });
    const events = await eventsArrive(mine, order.orderId, 4);
    expectGapless(events);
    expect(events.map((e) => e.event.type)).toEqual(['order.received', 'order.processing', 'shipment.cancelled', 'order.rejected']);
    expect(events[2]!.event.data).toMatchObject({ status: 'cancelled', shipmentId: order.shipments[0].shipmentId });
    expect(events[3]!.event.data).toEqual({ orderId: order.orderId, status: 'rejected', reason: 'payment_declined', sequence: 4 });
  });

  it('a subscription to some event types receives only those', async () => {
    const picky = await receiver();
    const sub = await subscribe(picky.url(), { events: ['order.completed', 'shipment.shipped'] });
    picky.setSecrets([sub.secret]);
    const { orderId } = await shippedOrder();
    const events = await eventsArrive(picky, orderId, 2);
    expect(events.map((e) => [e.event.type, e.event.data.sequence])).toEqual([
      ['order.completed', 6],
      ['shipment.shipped', 7],
    ]);
  });

  it('an endpoint that loses acknowledgements gets each event again under the same webhook-id, and only so', async () => {
    const lossy = await receiver();
    const sub = await subscribe(lossy.url());
    lossy.setSecrets([sub.secret]);
    const arrivals: { id: string; body: string }[] = [];
    // The endpoint takes every message, but its first answer for each is lost (a 500): it will see it twice.
    lossy.behave((req, res, body) => {
      const id = String(req.headers['webhook-id']);
      arrivals.push({ id, body });
      if (arrivals.filter((a) => a.id === id).length > 1) return false;
      res.writeHead(500).end();
      return true;
    });
    const { orderId } = await shippedOrder();
    const events = await eventsArrive(lossy, orderId, SHIPPED_ORDER_EVENTS.length);
    expectGapless(events);
    const ofOrder = arrivals.filter((a) => JSON.parse(a.body).data.orderId === orderId);
    const ids = new Set(ofOrder.map((a) => a.id));
    expect(ids.size).toBe(SHIPPED_ORDER_EVENTS.length);
    for (const id of ids) {
      const copies = ofOrder.filter((a) => a.id === id);
      expect(copies.length).toBeGreaterThanOrEqual(2);
      // A duplicate is the same message: same id, same body, same sequence.
      expect(new Set(copies.map((c) => c.body)).size).toBe(1);
    }
  });

  it('a failing and a hanging subscriber neither slow the order nor delay the other subscribers', async () => {
    const baseline = await shippedOrder();
    const failing = await receiver();
    const hanging = await receiver();
    failing.behave((_req, res) => (res.writeHead(500).end(), true));
    hanging.behave(() => true); // never answers: each attempt runs into the 2 s timeout
    await subscribe(failing.url());
    await subscribe(hanging.url());
    const withBroken = await shippedOrder();
    const events = await eventsArrive(mine, withBroken.orderId, SHIPPED_ORDER_EVENTS.length);
    const latencies = events.map((e) => e.at - Date.parse(e.event.timestamp));
    console.log(`[webhooks] order duration: ${baseline.durationMs} ms without broken subscribers, ${withBroken.durationMs} ms with a failing and a hanging one; healthy subscriber's max latency ${Math.max(...latencies)} ms`);
    expect(Math.max(...latencies)).toBeLessThan(2_000);
    expect(withBroken.durationMs).toBeLessThan(baseline.durationMs * 2 + 1_000);
    await failing.close();
    await hanging.close();
  });

  it('a rotated secret signs beside the old one for the overlap, then alone', async () => {
    const rotating = await receiver();
    const sub = await subscribe(rotating.url());
    const rotated = await api(`/webhook-subscriptions/${sub.id}/rotate-secret`, { method: 'POST' });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(sub.secret);
    const overlapHours = (Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()) / 3_600_000;
    expect(overlapHours).toBeGreaterThan(23.9);
    expect(overlapHours).toBeLessThanOrEqual(24);

    rotating.setSecrets([sub.secret, newSecret]);
    const during = await shippedOrder();
    for (const e of await eventsArrive(rotating, during.orderId, SHIPPED_ORDER_EVENTS.length)) {
      expect(e.signatures).toHaveLength(2);
      expect(e.verifiedBy).toEqual([0, 1]);
    }
    // A day later (the overlap moved into the past): only the new secret signs.
    await testDb().execute(sql`update webhook_subscriptions set previous_secret_expires_at = now() - interval '1 second' where id = ${sub.id}`);
    const after = await shippedOrder();
    for (const e of await eventsArrive(rotating, after.orderId, SHIPPED_ORDER_EVENTS.length)) {
      expect(e.signatures).toHaveLength(1);
      expect(e.verifiedBy).toEqual([1]);
    }
  });

  it('keeps a delivery log, and redelivers an event under its webhook-id', async () => {
    const { orderId } = await shippedOrder();
    const events = await eventsArrive(mine, orderId, SHIPPED_ORDER_EVENTS.length);
    const completed = await settledDelivery(subscriptionId, (d) => d.orderId === orderId && d.type === 'order.completed', undefined, undefined, orderId);
    expect(completed).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 204, lastError: null, sequence: 6, messageId: events[5]!.id });
    expect(completed.log).toEqual([expect.objectContaining({ status: 204, error: null })]);
    // The log of one order holds that order's deliveries only; a bad filter is a 400 naming it.
    const oneOrder = (await api(`/webhook-subscriptions/${subscriptionId}/deliveries?orderId=${orderId}`)).body.deliveries as { orderId: string; sequence: number }[];
    expect(oneOrder.map((d) => d.sequence).sort((a, b) => a - b)).toEqual(SHIPPED_ORDER_EVENTS.map((_, i) => i + 1));
    expect(new Set(oneOrder.map((d) => d.orderId))).toEqual(new Set([orderId]));
    const badFilter = await api(`/webhook-subscriptions/${subscriptionId}/deliveries?orderId=nope`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.detail).toMatch(/^orderId: /);
    const unknownFilter = await api(`/webhook-subscriptions/${subscriptionId}/deliveries?status=failed`);
    expect(unknownFilter.status).toBe(400);
    expect(unknownFilter.body.detail).toBe('status: is not a parameter of this log (orderId)');

    const res = await api(`/webhook-subscriptions/${subscriptionId}/deliveries/${completed.id}/redeliver`, { method: 'POST' });
    expect(res.status).toBe(202);
    await expect.poll(() => mine.received.filter((r) => r.id === completed.messageId).length, { timeout: 10_000 }).toBe(2);
    // Another client cannot see or redeliver it.
    expect((await api(`/webhook-subscriptions/${subscriptionId}/deliveries`, { headers: { authorization: `Bearer ${OTHER_CHECKOUT_TOKEN}` } })).status).toBe(404);
    expect((await api(`/webhook-subscriptions/${subscriptionId}/deliveries/${completed.id}/redeliver`, { method: 'POST', headers: { authorization: `Bearer ${OTHER_CHECKOUT_TOKEN}` } })).status).toBe(404);
  });

  it("a delivery claimed by a dispatcher that died mid-attempt is taken over when its lease lapses", async () => {
    const { orderId } = await shippedOrder();
    await eventsArrive(mine, orderId, SHIPPED_ORDER_EVENTS.length);
    const completed = await settledDelivery(subscriptionId, (d) => d.orderId === orderId && d.type === 'order.completed', undefined, undefined, orderId);
    // What a SIGKILLed dispatcher leaves behind: a claim (state sending) nobody will record, its lease still running.
    await testDb().execute(sql`update webhook_deliveries set state = 'sending', delivered_at = null, lease_until = now() + interval '2 seconds' where id = ${Number(completed.id)}`);
    const claimedAt = Date.now();
    await expect.poll(() => mine.received.filter((r) => r.id === completed.messageId).length, { timeout: 10_000, interval: 50 }).toBe(2);
    // Not before the lease lapsed: a live claim is never sent twice at once.
    expect(mine.received.filter((r) => r.id === completed.messageId)[1]!.at - claimedAt).toBeGreaterThanOrEqual(1_900);
    expect(await settledDelivery(subscriptionId, (d) => d.id === completed.id)).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('lists (without secrets) and deletes a client’s own subscriptions; refuses bad input', async () => {
    const extra = await subscribe('https://hooks.example.com/hotpath');
    const list = await api('/webhook-subscriptions');
    expect(list.status).toBe(200);
    expect(list.body.subscriptions.map((s: { id: string }) => s.id)).toContain(extra.id);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    expect((await api('/webhook-subscriptions', { headers: { authorization: `Bearer ${OTHER_CHECKOUT_TOKEN}` } })).body.subscriptions.map((s: { id: string }) => s.id)).not.toContain(extra.id);
    expect((await api(`/webhook-subscriptions/${extra.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${OTHER_CHECKOUT_TOKEN}` } })).status).toBe(404);
    expect((await api(`/webhook-subscriptions/${extra.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/webhook-subscriptions/${extra.id}`, { method: 'DELETE' })).status).toBe(404);

    const bad = await api('/webhook-subscriptions', { body: { url: 'ftp://hooks.example.com/x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('url');
    expect((await api('/webhook-subscriptions', { body: { url: 'https://hooks.example.com/x', events: ['order.teleported'] } })).status).toBe(400);
    expect((await api('/webhook-subscriptions', { body: { url: 'https://hooks.example.com/x', secret: 'mine' } })).status).toBe(400);
    expect((await api('/webhook-subscriptions', { body: { url: 'https://hooks.example.com/x' }, headers: { authorization: '' } })).status).toBe(401);
  });
});
