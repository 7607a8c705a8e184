import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { orderIdFor, persistNewOrder } from '../../api/order/placeOrder';
import { requestHash } from '../../api/order/canonicalJson';
import { createOrderSchema } from '../../api/validation';
import { orders } from '../../db/schema';
import { api, newIdempotencyKey, newSku, orderRequest, testDb, typedClient, waitForStatus } from '../support/stack';
import { CHECKOUT_TOKEN, OTHER_CHECKOUT_TOKEN, STAFF_TOKEN } from '../support/testPolicy';

const web = () => typedClient(CHECKOUT_TOKEN); // checkout-web: the first checkout credential, the legacy owner
const app = () => typedClient(OTHER_CHECKOUT_TOKEN); // checkout-app

const place = (client: ReturnType<typeof typedClient>, key: string, body: ReturnType<typeof orderRequest>) =>
  client.POST('/orders', { params: { header: { 'idempotency-key': key } }, body: body as never });
const read = (client: ReturnType<typeof typedClient>, id: string) => client.GET('/orders/{id}', { params: { path: { id } } });

describe('per-client scope', () => {
  it('two checkout clients with the same key get two orders, and neither can read or cancel the other\'s', async () => {
    const sku = await newSku({ 'wh-east': 10 });
    const body = orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 700 }] });
    const key = newIdempotencyKey();
    const [mine, theirs] = await Promise.all([place(web(), key, body), place(app(), key, body)]);
    expect(mine.response.status).toBe(202);
    expect(theirs.response.status).toBe(202);
    const myId = mine.data!.orderId;
    const theirId = theirs.data!.orderId;
    expect(myId).not.toBe(theirId);
    // The legacy owner keeps the derivation from before keys were scoped; the other's id is scoped to it.
    expect(myId).toBe(orderIdFor(key));
    expect(theirId).toBe(orderIdFor(key, 'checkout-app'));

    expect((await read(web(), myId)).data?.owner).toBe('checkout-web');
    expect((await read(app(), theirId)).data?.owner).toBe('checkout-app');
    const foreign = await read(web(), theirId);
    expect(foreign.response.status).toBe(404);
    expect(foreign.error?.detail).toMatch(/no order/);
    expect((await read(app(), myId)).response.status).toBe(404);
    const cancelForeign = await app().POST('/orders/{id}/cancel', { params: { path: { id: myId }, header: {} }, body: { reason: 'not mine' } });
    expect(cancelForeign.response.status).toBe(404);

    // Staff read both.
    expect((await api(`/orders/${myId}`, { headers: { authorization: `Bearer ${STAFF_TOKEN}` } })).body.owner).toBe('checkout-web');
    expect((await api(`/orders/${theirId}`, { headers: { authorization: `Bearer ${STAFF_TOKEN}` } })).body.owner).toBe('checkout-app');

    // Each key still replays to its own client's order.
    expect((await place(app(), key, body)).data?.orderId).toBe(theirId);
    expect((await place(web(), key, body)).data?.orderId).toBe(myId);
    await Promise.all([waitForStatus(myId), waitForStatus(theirId)]);
  });

  it('an order placed before owners were recorded belongs to the legacy owner, keeps its id, and its key still finds it', async () => {
    const sku = await newSku({ 'wh-east': 10 });
    const body = orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 300 }] });
    const request = createOrderSchema.parse(body);
    const key = newIdempotencyKey();
    const legacyId = orderIdFor(key);
    // Written as the code before this change wrote it: no owner, the id from the key alone.
    await testDb().transaction((tx) =>
      persistNewOrder(tx, { orderId: legacyId, idempotencyKey: key, requestHash: requestHash(request), request, totalCents: 300 }),
    );
    expect((await testDb().select({ owner: orders.owner }).from(orders).where(eq(orders.id, legacyId)))[0]!.owner).toBeNull();

    const again = await place(web(), key, body);
    expect(again.response.status).toBe(202);
    expect(again.data?.orderId).toBe(legacyId);
    expect((await read(web(), legacyId)).data?.owner).toBe('checkout-web');
    expect((await read(app(), legacyId)).response.status).toBe(404);
    // The same key from another client is that client's own, new order.
    const other = await place(app(), key, body);
    expect(other.data?.orderId).not.toBe(legacyId);
    // The dispatcher starts the legacy order's saga (it was never started), as after any crash.
    await Promise.all([waitForStatus(legacyId), waitForStatus(other.data!.orderId)]);
  });
});
