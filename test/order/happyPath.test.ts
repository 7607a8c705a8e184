import { describe, expect, it } from 'vitest';
import { stockOf } from '../support/invariants';
import { newIdempotencyKey, newSku, orderRequest, sim, typedClient, waitForStatus, recordFixture } from '../support/stack';

describe('an order placed over HTTP', () => {
  it('completes with a tracking number, a captured payment and a record in the ERP', async () => {
    const sku = await newSku({ 'wh-east': 10, 'wh-west': 10 });
    // As a checkout service would, through the typed client (its answers are checked against the contract).
    const client = typedClient();
    const placed = await client.POST('/orders', {
      params: { header: { 'idempotency-key': newIdempotencyKey() } },
      body: orderRequest({ lines: [{ sku, quantity: 2, unitPriceCents: 1500 }] }) as never,
    });
    expect(placed.response.status).toBe(202);
    expect(placed.data).toMatchObject({ orderId: expect.stringMatching(/^ord_/), status: 'received', links: { self: `/orders/${placed.data!.orderId}` } });

    await waitForStatus(placed.data!.orderId);
    const order = (await client.GET('/orders/{id}', { params: { path: { id: placed.data!.orderId } } })).data!;
    expect(order.status).toBe('completed');
    await recordFixture(order.orderId, 'happy');
    expect(order.shipments).toHaveLength(1);
    expect(order.shipments[0]).toMatchObject({ warehouse: 'wh-east', trackingNumber: expect.stringMatching(/^1Z/), wmsTaskId: expect.stringMatching(/^task_/) });
    expect(order.payment).toMatchObject({ authorizedCents: 3000, capturedCents: 3000, voidedCents: 0, refundedCents: 0 });
    const steps = order.history.map((e) => e.status ?? e.type);
    expect(steps).toEqual(expect.arrayContaining(['received', 'processing', 'inventory.reserved', 'payment.authorized', 'label.created', 'shipment.handed_off', 'payment.captured', 'customer.notified', 'erp.recorded', 'completed']));

    const erp = await sim(`/_sim/erp/records?reference=${order.orderId}`);
    expect(erp.body.records).toHaveLength(1);
    // The two units left the east warehouse, in Hotpath's stock and in the ERP's.
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 8, reserved: 0 }, 'wh-west': { onHand: 10, reserved: 0 } });
    expect((await sim(`/erp/stock?sku=${sku}`)).body.stock).toEqual(expect.arrayContaining([{ sku, warehouse: 'wh-east', onHand: 8 }]));
  });
});
