import { describe, expect, it } from 'vitest';
import { placeAndFollow } from '../../clients/ts/example';
import { newSku, orderRequest, typedClient } from '../support/stack';

describe('clients/ts/example.ts: a checkout service on the generated client alone', () => {
  it('places an order and follows it to completion', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const seen: string[] = [];
    const order = await placeAndFollow(typedClient(), orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 2500 }] }) as never, {
      onStatus: (status) => seen.push(status),
    });
    expect(order.status).toBe('completed');
    expect(seen[0]).toBe('received');
    expect(seen.at(-1)).toBe('completed');
    expect(order.shipments[0]?.warehouse).toBe('wh-east');
    expect(order.payment.capturedCents).toBe(2500);
  });
});
