import { expect } from 'vitest';
import { api, newIdempotencyKey, nextOrder, orderRequest, placeOrder, sim, waitForStatus } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';

export const asStaff = { authorization: `Bearer ${STAFF_TOKEN}` };

/** Places an order of `lines`, waits for it to complete, and has the WMS ship every shipment (its signed callback). */
export async function shippedOrder(lines: { sku: string; quantity: number; unitPriceCents: number }[]) {
  const { key, orderId } = nextOrder();
  expect((await placeOrder(orderRequest({ lines }), key)).status).toBe(202);
  const order = await waitForStatus(orderId, ['completed']);
  for (const shipment of order.shipments) expect((await sim(`/_sim/wms/tasks/${shipment.wmsTaskId}/ship`, {})).status).toBe(200);
  await expect
    .poll(async () => (await api(`/orders/${orderId}`)).body.shipments.map((s: { status: string }) => s.status), { timeout: 10_000, interval: 100 })
    .toEqual(order.shipments.map(() => 'shipped'));
  return (await api(`/orders/${orderId}`)).body;
}

export async function requestReturn(orderId: string, body: unknown, options: { key?: string; headers?: Record<string, string> } = {}) {
  return api(`/orders/${orderId}/returns`, { body, headers: { 'idempotency-key': options.key ?? newIdempotencyKey(), ...options.headers } });
}

export async function readReturn(orderId: string, returnId: string) {
  return (await api(`/orders/${orderId}/returns/${returnId}`, { headers: asStaff })).body;
}

/** Polls the return until it is in one of `statuses`. */
export async function waitForReturn(orderId: string, returnId: string, statuses: string[], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await readReturn(orderId, returnId);
    if (statuses.includes(view.status)) return view;
    if (Date.now() > deadline) throw new Error(`return ${returnId} is ${view.status}, not ${statuses.join('|')}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The warehouse counts the return's parcel: the simulator records it and calls POST /webhooks/wms, signed. */
export async function receive(returnId: string, lines: { sku: string; quantity: number; condition: 'resellable' | 'damaged' }[]) {
  return sim(`/_sim/wms/returns/${returnId}/receive`, { lines });
}

/** The ERP's credits of an order. */
export async function erpCredits(orderId: string) {
  return (await sim(`/_sim/erp/records?reference=${orderId}`)).body.records.filter((r: { type: string }) => r.type === 'erp_credit');
}

export async function erpOnHand(sku: string, warehouse: string): Promise<number> {
  const { stock } = (await sim(`/erp/stock?sku=${sku}`)).body as { stock: { warehouse: string; onHand: number }[] };
  return stock.find((r) => r.warehouse === warehouse)?.onHand ?? 0;
}

export async function onHand(sku: string, warehouse: string): Promise<number> {
  const item = (await api(`/inventory/${sku}`)).body as { warehouses: { warehouse: string; onHand: number }[] };
  return item.warehouses.find((w) => w.warehouse === warehouse)?.onHand ?? 0;
}
