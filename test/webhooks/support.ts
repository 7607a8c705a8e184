import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect } from 'vitest';
import { orders, webhookEvents } from '../../db/schema';
import { api, fixtureOrder, newIdempotencyKey, newSku, orderRequest, placeOrder, sim, testDb, waitForStatus } from '../support/stack';
import { CHECKOUT_TOKEN } from '../support/testPolicy';
import type { Receiver } from './receiver';

/**
 * Every subscription a file made is deleted when the file ends. A subscription gets every event of its owner's
 * orders: left behind, a file's endpoints (their receivers closed) would take every later file's orders, and
 * their retries would crowd the slots of the host and owner that every other file's receivers share.
 */
const subscribed: { id: string; token: string }[] = [];
afterAll(async () => {
  for (const { id, token } of subscribed.splice(0)) await api(`/webhook-subscriptions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
});

/** Subscribes `url` as the holder of `token`; answers the subscription with its secret. */
export async function subscribe(url: string, options: { token?: string; events?: string[] } = {}) {
  const token = options.token ?? CHECKOUT_TOKEN;
  const res = await api('/webhook-subscriptions', {
    body: { url, ...(options.events ? { events: options.events } : {}) },
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(201);
  subscribed.push({ id: res.body.id, token });
  return res.body as { id: string; secret: string; url: string };
}

export async function deliveriesOf(subscriptionId: string, token = CHECKOUT_TOKEN, orderId?: string) {
  const res = await api(`/webhook-subscriptions/${subscriptionId}/deliveries${orderId ? `?orderId=${orderId}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.body as { subscription: { disabledAt: string | null; disabledReason: string | null }; deliveries: any[] };
}

/**
 * The subscription's delivery of one event once its answer is recorded: the receiver holds an event a moment
 * before the dispatcher writes the answer down.
 */
export async function settledDelivery(subscriptionId: string, find: (d: any) => boolean, token = CHECKOUT_TOKEN, timeout = 10_000, orderId?: string) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const delivery = (await deliveriesOf(subscriptionId, token, orderId)).deliveries.find(find);
    if (delivery && delivery.state !== 'sending') return delivery;
    if (Date.now() > deadline) throw new Error(`delivery still ${delivery?.state ?? 'missing'} after ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Places a one-line order as the checkout client and lets its parcel ship; answers its id and how long it took. */
export async function shippedOrder(options: { token?: string; key?: string } = {}) {
  const sku = await newSku({ 'wh-east': 5 });
  const started = Date.now();
  const res = await api('/orders', {
    body: orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1200 }] }),
    headers: { 'idempotency-key': options.key ?? newIdempotencyKey(), authorization: `Bearer ${options.token ?? CHECKOUT_TOKEN}` },
  });
  expect(res.status).toBe(202);
  const orderId = res.body.orderId as string;
  const done = await waitForStatus(orderId);
  const durationMs = Date.now() - started;
  expect(done.status).toBe('completed');
  expect((await sim(`/_sim/wms/tasks/${done.shipments[0].wmsTaskId}/ship`, {})).status).toBe(200);
  return { orderId, durationMs };
}

/** What a completed single-shipment order that shipped sends, in sequence order. */
export const SHIPPED_ORDER_EVENTS = ['order.received', 'order.processing', 'shipment.labelled', 'shipment.handed_off', 'order.handed_off', 'order.completed', 'shipment.shipped'];

/** Waits until the receiver holds `count` distinct events of the order; answers them in sequence order. */
export async function eventsArrive(receiver: Receiver, orderId: string, count: number, timeout = 30_000) {
  // A plain loop, not expect.poll: this also serves tests that run concurrently.
  const deadline = Date.now() + timeout;
  while (receiver.eventsOf(orderId).length < count) {
    if (Date.now() > deadline) throw new Error(`${receiver.eventsOf(orderId).length} of ${count} events of ${orderId} arrived in ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return receiver.eventsOf(orderId);
}

/** Every event of the order, verified, each once by id, numbered 1..n without a gap. */
export function expectGapless(events: { id: string; event: { data: { sequence: number } } }[]) {
  expect(events.map((e) => e.event.data.sequence)).toEqual(events.map((_, i) => i + 1));
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
}

export { placeOrder };

/**
 * Writes `count` events of a fixture order owned by `owner` straight into the outbox, in one statement, so the
 * dispatcher fans them all out in one pass (in id order): no saga needed when a test wants many events at once.
 * Answers the order id and the events' message ids, in order.
 */
export async function outboxEvents(owner: string, count: number, tag = `${owner}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`) {
  const order = { ...fixtureOrder(tag), owner, webhookSeq: count };
  await testDb().insert(orders).values(order);
  const types = ['order.received', 'order.processing', 'shipment.labelled', 'shipment.handed_off', 'order.handed_off', 'order.completed', 'shipment.shipped'];
  const rows = Array.from({ length: count }, (_, i) => ({
    messageId: `msg_${order.id!.replace(/^ord_/, '')}_${i + 1}`,
    orderId: order.id!,
    owner,
    type: types[i % types.length]!,
    sequence: i + 1,
    payload: { type: types[i % types.length]!, timestamp: new Date().toISOString(), data: { orderId: order.id!, status: 'processing', reason: null, sequence: i + 1 } },
  }));
  await testDb().insert(webhookEvents).values(rows);
  return { orderId: order.id!, messageIds: rows.map((r) => r.messageId) };
}

/** Several owners' events written together, in one statement (one fan-out pass); answers each batch's message ids. */
export async function outboxEventsTogether(batches: { owner: string; count: number }[]) {
  const all: { messageIds: string[]; rows: (typeof webhookEvents.$inferInsert)[] }[] = [];
  for (const [b, batch] of batches.entries()) {
    const order = { ...fixtureOrder(`together-${Date.now()}-${b}-${Math.random().toString(36).slice(2, 8)}`), owner: batch.owner, webhookSeq: batch.count };
    await testDb().insert(orders).values(order);
    const rows = Array.from({ length: batch.count }, (_, i) => ({
      messageId: `msg_${order.id!.replace(/^ord_/, '')}_${i + 1}`,
      orderId: order.id!,
      owner: batch.owner,
      type: 'order.processing',
      sequence: i + 1,
      payload: { type: 'order.processing', timestamp: new Date().toISOString(), data: { orderId: order.id!, status: 'processing', reason: null, sequence: i + 1 } },
    }));
    all.push({ messageIds: rows.map((r) => r.messageId), rows });
  }
  await testDb().insert(webhookEvents).values(all.flatMap((a) => a.rows));
  return all.map((a) => a.messageIds);
}

/**
 * A slow endpoint on one loopback address: holds every request open without answering (the attempt times out,
 * WEBHOOK_TIMEOUT_MS), and counts the requests open at once (on it, and in `together` across several).
 */
export async function holdingEndpoint(host: string, together?: { open: number; max: number }) {
  let open = 0;
  let max = 0;
  let closed = 0;
  let arrived = 0;
  const server = createServer((req, res) => {
    open += 1;
    arrived += 1;
    max = Math.max(max, open);
    if (together) {
      together.open += 1;
      together.max = Math.max(together.max, together.open);
    }
    res.on('close', () => {
      open -= 1;
      closed += 1;
      if (together) together.open -= 1;
    });
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/slow') => `http://${host}:${port}${path}`,
    get open() {
      return open;
    },
    get max() {
      return max;
    },
    get closed() {
      return closed;
    },
    get arrived() {
      return arrived;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type HoldingEndpoint = Awaited<ReturnType<typeof holdingEndpoint>>;
