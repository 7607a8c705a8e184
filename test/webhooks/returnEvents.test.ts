import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, newSku } from '../support/stack';
import { receive, requestReturn, shippedOrder, waitForReturn } from '../returns/support';
import { startReceiver, type Receiver } from './receiver';
import { subscribe } from './support';

const RETURN_EVENTS = ['return.requested', 'return.received', 'return.refunded', 'return.expired', 'return.cancelled'];

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  // Only return events: the order's own are tested in delivery.test.ts. The subscription is deleted when the file ends (./support).
  receiver.setSecrets([(await subscribe(receiver.url(), { events: RETURN_EVENTS })).secret]);
});
afterAll(async () => receiver?.close());

const arrived = async (orderId: string, n: number) => {
  const deadline = Date.now() + 15_000;
  while (receiver.eventsOf(orderId).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return receiver.eventsOf(orderId);
};

describe('return events on the Standard Webhooks list', () => {
  it('a return refunded, and another cancelled, push signed return.* events naming the return', { timeout: 120_000 }, async () => {
    expect((await api('/openapi.json')).body.webhooks).toEqual(expect.objectContaining(Object.fromEntries(RETURN_EVENTS.map((t) => [t, expect.anything()]))));
    const sku = await newSku({ 'wh-east': 5 });
    const { orderId } = await shippedOrder([{ sku, quantity: 2, unitPriceCents: 1500 }]);
    const first = (await requestReturn(orderId, { lines: [{ line: 1, quantity: 1 }], reason: 'r', resolution: 'refund' })).body.returnId as string;
    await waitForReturn(orderId, first, ['awaiting_receipt']);
    await receive(first, [{ sku, quantity: 1, condition: 'resellable' }]);
    await waitForReturn(orderId, first, ['refunded']);
    const second = (await requestReturn(orderId, { lines: [{ line: 1, quantity: 1 }], reason: 'r', resolution: 'refund' })).body.returnId as string;
    await waitForReturn(orderId, second, ['awaiting_receipt']);
    expect((await api(`/orders/${orderId}/returns/${second}/cancel`, { body: { reason: 'kept it' } })).status).toBe(202);
    await waitForReturn(orderId, second, ['cancelled']);

    const events = await arrived(orderId, 5);
    expect(receiver.unverified).toEqual([]);
    expect(events.map((e) => [e.event.type, e.event.data.returnId, e.event.data.status])).toEqual([
      ['return.requested', first, 'requested'],
      ['return.received', first, 'received'],
      ['return.refunded', first, 'refunded'],
      ['return.requested', second, 'requested'],
      ['return.cancelled', second, 'cancelled'],
    ]);
    // They share the order's sequence with its other events: increasing, after the order's own.
    const sequences = events.map((e) => e.event.data.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(sequences[0]).toBeGreaterThan(6);
  });
});
