/**
 * A checkout service placing an order and following it to its end, with nothing but the generated client:
 *
 *   HOTPATH_URL=http://localhost:3000 HOTPATH_TOKEN=dev-checkout-token npx tsx clients/ts/example.ts
 */
import { randomUUID } from 'node:crypto';
import { createHotpathClient, FINAL_STATUSES, type HotpathClient, type Order, type OrderRequest } from './src/index';

export async function placeAndFollow(client: HotpathClient, order: OrderRequest, options: { timeoutMs?: number; onStatus?: (status: string) => void } = {}): Promise<Order> {
  // One key per checkout attempt: a retry after a timeout sends the same key and gets the same order back.
  const idempotencyKey = `checkout-${randomUUID()}`;
  const placed = await client.POST('/orders', { params: { header: { 'idempotency-key': idempotencyKey } }, body: order });
  if (placed.error) throw new Error(`order refused (${placed.response.status}): ${placed.error.detail}`);
  const { orderId } = placed.data;
  options.onStatus?.(placed.data.status);

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last = placed.data.status as string;
  for (;;) {
    const read = await client.GET('/orders/{id}', { params: { path: { id: orderId } } });
    if (read.error) throw new Error(`cannot read ${orderId} (${read.response.status}): ${read.error.detail}`);
    if (read.data.status !== last) options.onStatus?.((last = read.data.status));
    if (FINAL_STATUSES.includes(read.data.status)) return read.data;
    if (Date.now() > deadline) throw new Error(`order ${orderId} is still ${read.data.status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const client = createHotpathClient({ baseUrl: process.env.HOTPATH_URL ?? 'http://localhost:3000', token: process.env.HOTPATH_TOKEN ?? 'dev-checkout-token' });
  const stock = await client.GET('/inventory', { params: { query: { skuPrefix: 'TSHIRT-', limit: '5' } } });
  if (stock.error) throw new Error(stock.error.detail);
  const sku = stock.data.items.find((item) => item.available > 0)?.sku ?? 'TSHIRT-BLK-M';
  const order = await placeAndFollow(
    client,
    {
      customerId: 'cust-1',
      email: 'ada@example.com',
      currency: 'USD',
      lines: [{ sku, quantity: 1, unitPriceCents: 2500 }],
      shippingAddress: { name: 'Ada Lovelace', line1: '12 Analytical St', city: 'Boston', postalCode: '02110', country: 'US' },
      paymentToken: 'tok_visa',
    },
    { onStatus: (status) => console.log(`status: ${status}`) },
  );
  console.log(`${order.orderId} ended ${order.status}; shipments: ${order.shipments.map((s) => `${s.warehouse} ${s.trackingNumber ?? '-'}`).join(', ')}`);
}
