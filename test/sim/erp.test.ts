import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_STOCK } from '../../sim/catalog';
import type { SimServer } from '../../sim/start';
import { erpOrderBody, newReference, startSim, type SimClient } from './sim-client';

let server: SimServer;
let sim: SimClient;

beforeAll(async () => ({ server, sim } = await startSim()));
afterAll(() => server.close());

describe('stock', () => {
  it('starts from the demo catalog', async () => {
    const response = await sim.get('/erp/stock');
    expect(response.status).toBe(200);
    expect(response.body.stock).toEqual(expect.arrayContaining(DEMO_STOCK));
    expect(Date.parse(response.body.asOf)).not.toBeNaN();
  });

  it('filters by SKU', async () => {
    const { stock } = (await sim.get('/erp/stock?sku=MUG-LOGO')).body;
    expect(stock).toEqual([
      { sku: 'MUG-LOGO', warehouse: 'wh-east', onHand: 60 },
      { sku: 'MUG-LOGO', warehouse: 'wh-west', onHand: 0 },
      { sku: 'MUG-LOGO', warehouse: 'wh-central', onHand: 0 },
    ]);
  });

  it('can start from a custom stock', async () => {
    const custom = await startSim({ initialStock: [{ sku: 'ONLY-ONE', warehouse: 'wh-east', onHand: 1 }] });
    try {
      const { stock } = (await custom.sim.get('/erp/stock')).body;
      expect(stock).toEqual([{ sku: 'ONLY-ONE', warehouse: 'wh-east', onHand: 1 }]);
    } finally {
      await custom.server.close();
    }
  });

  it('upserts stock rows through the control routes', async () => {
    const sku = `TEST-${randomUUID()}`;
    const put = await sim.put('/_sim/erp/stock', { sku, warehouse: 'wh-east', onHand: 7 });
    expect(put.status).toBe(200);
    await sim.put('/_sim/erp/stock', { sku, warehouse: 'wh-east', onHand: 3 });
    const batch = await sim.post('/_sim/erp/stock/batch', { rows: [{ sku, warehouse: 'wh-west', onHand: 9 }] });
    expect(batch.status).toBe(200);
    expect((await sim.get(`/erp/stock?sku=${sku}`)).body.stock).toEqual([
      { sku, warehouse: 'wh-east', onHand: 3 },
      { sku, warehouse: 'wh-west', onHand: 9 },
    ]);
  });

  it('refuses invalid stock rows and applies none of a bad batch', async () => {
    const sku = `TEST-${randomUUID()}`;
    expect((await sim.put('/_sim/erp/stock', { sku, warehouse: 'wh-east', onHand: -1 })).status).toBe(400);
    const batch = await sim.post('/_sim/erp/stock/batch', {
      rows: [
        { sku, warehouse: 'wh-east', onHand: 5 },
        { sku, warehouse: 'wh-west', onHand: 1.5 },
      ],
    });
    expect(batch.status).toBe(400);
    expect((await sim.get(`/erp/stock?sku=${sku}`)).body.stock).toEqual([]);
  });
});

describe('orders', () => {
  it('records an order once, and its shipments leave the warehouses', async () => {
    const onHand = async () => (await sim.get('/erp/stock?sku=TSHIRT-BLK-M')).body.stock.find((r: { warehouse: string }) => r.warehouse === 'wh-east').onHand;
    const before = await onHand();
    const reference = newReference();
    const response = await sim.post('/erp/orders', erpOrderBody(reference));
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: expect.stringMatching(/^erp_/), reference });
    expect(await onHand()).toBe(before - 2);
    // The same order again (another key) is refused and moves nothing.
    expect((await sim.post('/erp/orders', erpOrderBody(reference))).status).toBe(409);
    expect(await onHand()).toBe(before - 2);

    const { orders } = (await sim.get(`/erp/orders?reference=${reference}`)).body;
    expect(orders).toMatchObject([{ id: response.body.id, reference, totalCents: 5000, customerId: 'cus_123' }]);
  });

  it('refuses a second recording of the same reference under another key', async () => {
    const reference = newReference();
    const first = await sim.post('/erp/orders', erpOrderBody(reference));
    const duplicate = await sim.post('/erp/orders', erpOrderBody(reference));
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('already_recorded');
    expect(duplicate.body.id).toBe(first.body.id);
    expect((await sim.get(`/erp/orders?reference=${reference}`)).body.orders).toHaveLength(1);
  });

  it('records an overdraw: a shipment of more than the book holds leaves it negative, in the snapshot too', async () => {
    const sku = `TEST-${randomUUID()}`;
    await sim.put('/_sim/erp/stock', { sku, warehouse: 'wh-east', onHand: 1 });
    const reference = newReference();
    const body = { ...erpOrderBody(reference), lines: [{ sku, quantity: 3, unitPriceCents: 100 }], shipments: [{ shipmentId: `${reference}-s1`, warehouse: 'wh-east', trackingNumber: 'TRK-1', lines: [{ sku, quantity: 3 }] }] };
    expect((await sim.post('/erp/orders', body)).status).toBe(201);
    expect((await sim.get(`/erp/stock?sku=${sku}`)).body.stock).toEqual([{ sku, warehouse: 'wh-east', onHand: -2 }]);
    const snapshot = (await sim.get(`/erp/stock/snapshot?recordedSince=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`)).body;
    expect(snapshot.stock).toContainEqual({ sku, warehouse: 'wh-east', onHand: -2 });
    expect(snapshot.orders).toContainEqual(expect.objectContaining({ reference, net: [{ sku, warehouse: 'wh-east', quantity: 3 }] }));

    // Shrinkage takes nothing from an overdrawn row (no units are on the shelf), and never raises it.
    expect((await sim.post('/_sim/erp/stock/adjust', { sku, warehouse: 'wh-east', delta: -1 })).body).toMatchObject({ onHand: -2, applied: 0 });
    // A delivery counts every unit, the overdrawn ones first.
    expect((await sim.post('/_sim/erp/stock/adjust', { sku, warehouse: 'wh-east', delta: 3 })).body).toMatchObject({ onHand: 1, applied: 3 });
    expect((await sim.post('/_sim/erp/stock/adjust', { sku, warehouse: 'wh-east', delta: -5 })).body).toMatchObject({ onHand: 0, applied: -1 });
  });

  it('a credit for an overdrawn shipment brings its units back on top of the negative figure', async () => {
    const sku = `TEST-${randomUUID()}`;
    await sim.put('/_sim/erp/stock', { sku, warehouse: 'wh-east', onHand: 0 });
    const reference = newReference();
    const lines = [{ sku, quantity: 2, unitPriceCents: 100 }];
    await sim.post('/erp/orders', { ...erpOrderBody(reference), lines, shipments: [{ shipmentId: `${reference}-s1`, warehouse: 'wh-east', trackingNumber: 'TRK-1', lines: [{ sku, quantity: 2 }] }] });
    expect((await sim.get(`/erp/stock?sku=${sku}`)).body.stock).toEqual([{ sku, warehouse: 'wh-east', onHand: -2 }]);
    const credit = await sim.post('/erp/credits', { reference, shipmentId: `${reference}-s1`, warehouse: 'wh-east', reason: 'cancelled', amountCents: 200, lines, restock: true });
    expect(credit.status).toBe(201);
    expect((await sim.get(`/erp/stock?sku=${sku}`)).body.stock).toEqual([{ sku, warehouse: 'wh-east', onHand: 0 }]);
  });

  it('refuses a malformed order with 400', async () => {
    const response = await sim.post('/erp/orders', { ...erpOrderBody(newReference()), totalCents: '50.00' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
  });
});
