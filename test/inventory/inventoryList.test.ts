import { beforeAll, describe, expect, it } from 'vitest';
import { newSku, typedClient } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';

describe('GET /inventory', () => {
  let prefix = '';
  let skus: string[] = [];
  beforeAll(async () => {
    prefix = `LIST${process.pid}${Date.now().toString(36)}`.toUpperCase();
    skus = [
      await newSku({ 'wh-east': 5, 'wh-west': 7 }, prefix),
      await newSku({ 'wh-east': 3 }, prefix),
      await newSku({ 'wh-west': 2 }, prefix),
    ].sort();
  });

  it('pages through the SKUs of a prefix in SKU order, with availability per warehouse and in total', async () => {
    const client = typedClient();
    const first = await client.GET('/inventory', { params: { query: { skuPrefix: prefix, limit: '2' } } });
    expect(first.response.status).toBe(200);
    expect(first.data!.items.map((i) => i.sku)).toEqual(skus.slice(0, 2));
    expect(first.data!.nextCursor).toEqual(expect.any(String));
    const second = await client.GET('/inventory', { params: { query: { skuPrefix: prefix, limit: '2', cursor: first.data!.nextCursor! } } });
    expect(second.data!.items.map((i) => i.sku)).toEqual(skus.slice(2));
    expect(second.data!.nextCursor).toBeNull();
    const all = await client.GET('/inventory', { params: { query: { skuPrefix: prefix } } });
    const both = all.data!.items.find((i) => i.warehouses.length === 2)!;
    expect(both).toMatchObject({ available: 12, onHand: 12, reserved: 0 });
    expect(both.warehouses).toEqual([
      { warehouse: 'wh-east', onHand: 5, reserved: 0, available: 5 },
      { warehouse: 'wh-west', onHand: 7, reserved: 0, available: 7 },
    ]);
  });

  it('filters by warehouse: only SKUs stocked there, only its figures', async () => {
    const west = await typedClient(STAFF_TOKEN).GET('/inventory', { params: { query: { skuPrefix: prefix, warehouse: 'wh-west' } } });
    expect(west.data!.items).toHaveLength(2);
    for (const item of west.data!.items) {
      expect(item.warehouses.map((w) => w.warehouse)).toEqual(['wh-west']);
      expect(item.available).toBe(item.warehouses[0]!.available);
    }
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ limit: '0' }, /^limit:/],
    [{ limit: '201' }, /^limit:/],
    [{ limit: 'ten' }, /^limit:/],
    [{ skuPrefix: 'lower' }, /^skuPrefix:/],
    [{ cursor: '!!' }, /^cursor:/],
    [{ cursor: Buffer.from('not a sku').toString('base64url') }, /^cursor:/],
    [{ colour: 'red' }, /^colour: is not a parameter/],
  ])('refuses %o with a 400 naming it', async (query, detail) => {
    const res = await typedClient().GET('/inventory', { params: { query: query as never } });
    expect(res.response.status).toBe(400);
    expect(res.error?.detail).toMatch(detail);
  });
});
