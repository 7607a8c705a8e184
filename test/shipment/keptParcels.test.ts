import { describe, expect, it } from 'vitest';
import { isTerminalStatus } from '../../workflows/order/contract';
import { expectMoneyBalanced, expectStockBalanced, stockOf, vendorArtifacts } from '../support/invariants';
import { api, newSku, nextOrder, orderRequest, placeOrder, recordFixture, sim } from '../support/stack';
import { sagaAsksToCancel, sagaShipment } from './sagaView';

type ShipmentView = { shipmentId: string; status: string; capturedCents: number; refundedCents: number; wmsTaskId: string | null };
const orderOf = async (orderId: string) => (await api(`/orders/${orderId}`)).body;
const erpRecords = async (orderId: string) =>
  (await sim(`/_sim/erp/records?reference=${orderId}`)).body.records as { type: string; shipments: { shipmentId: string }[]; lines: { sku: string; quantity: number }[] }[];

/** The order's end, with no human action: a terminal status, never a park (a park fails the test at once). */
async function endWithoutHelp(orderId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const order = await orderOf(orderId);
    if (isTerminalStatus(order.status)) return order;
    if (order.status === 'needs_attention') throw new Error(`order ${orderId} parked (${order.reason}): ${JSON.stringify(order.history?.at(-1))}`);
    if (Date.now() > deadline) throw new Error(`order ${orderId} is still ${order.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * One unit in each of two warehouses: east (1000) and west (700). West's label never comes (the carrier is down
 * for it alone, each attempt slow), so the saga fails; east is labelled and handed off meanwhile.
 */
async function orderWhoseWestLabelNeverComes() {
  const sku = await newSku({ 'wh-east': 1, 'wh-west': 1 });
  const { key, orderId } = nextOrder();
  const east = `${orderId}-s1`;
  const west = `${orderId}-s2`;
  expect((await sim('/_sim/carrier/behavior', { scope: west, outage: true, latencyMs: 2_000 })).status).toBe(200);
  const lines = [
    { sku, quantity: 1, unitPriceCents: 1000 },
    { sku, quantity: 1, unitPriceCents: 700 },
  ];
  return { sku, key, orderId, east, west, place: () => placeOrder(orderRequest({ lines }), key) };
}

async function handedOffTask(orderId: string, shipmentId: string): Promise<string> {
  let taskId: string | null = null;
  await expect
    .poll(
      async () => {
        const s = ((await orderOf(orderId)).shipments as ShipmentView[]).find((x) => x.shipmentId === shipmentId);
        taskId = s?.wmsTaskId ?? null;
        return s?.status;
      },
      { timeout: 20_000, interval: 100 },
    )
    .toBe('handed_off');
  return taskId!;
}

async function expectEastPaidWestUndone(order: { orderId: string; status: string; reason: string | null; shipments: ShipmentView[]; payment: Record<string, number>; history: { detail: { note?: string } }[] }, sku: string, east: string, west: string, eastStatus: string) {
  expect(order).toMatchObject({ status: 'completed', reason: null });
  expect(order.history.at(-1)?.detail.note).toMatch(new RegExp(`^${east} kept by the warehouse and paid for; the rest undone after: `));
  expect(order.shipments).toEqual([
    expect.objectContaining({ shipmentId: east, status: eastStatus, capturedCents: 1000, refundedCents: 0 }),
    expect.objectContaining({ shipmentId: west, status: 'cancelled', capturedCents: 0, refundedCents: 0 }),
  ]);
  // East's share captured; the rest of the authorization released by the gateway, nothing left holding money.
  expect(order.payment).toMatchObject({ authorizedCents: 1700, capturedCents: 1000, refundedCents: 0, voidedCents: 700 });
  await expectMoneyBalanced(order.orderId);
  // The ERP records east alone; west's unit is back on the shelf, east's left with its parcel.
  const records = await erpRecords(order.orderId);
  expect(records.filter((r) => r.type === 'erp_order').map((r) => r.shipments.map((s) => s.shipmentId))).toEqual([[east]]);
  expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 0, reserved: 0 }, 'wh-west': { onHand: 1, reserved: 0 } });
  await expectStockBalanced([sku]);
  // One label and one task each; west's label was never made, east's WMS task was never cancelled.
  const { tasks } = await vendorArtifacts(order.orderId);
  expect(tasks.map((t: { status: string }) => t.status)).toEqual([eastStatus === 'shipped' ? 'shipped' : 'accepted']);
}

describe('a parcel the warehouse keeps while the saga fails is paid for, and the order ends', () => {
  it('shipped before the other label gave up: its share is captured, it is recorded in the ERP, the rest undone, no human needed', { timeout: 120_000 }, async () => {
    const { sku, orderId, east, west, place } = await orderWhoseWestLabelNeverComes();
    await place();
    const taskId = await handedOffTask(orderId, east);
    expect((await sim(`/_sim/wms/tasks/${taskId}/ship`, {})).status).toBe(200);
    // The WMS's shipped callback reaches the saga (WMS_SHIPPED_SIGNAL), long before west's label gives up.
    await expect.poll(async () => (await sagaShipment(orderId, east))?.status, { timeout: 5_000, interval: 100 }).toBe('shipped');

    const order = await endWithoutHelp(orderId);
    await expectEastPaidWestUndone(order, sku, east, west, 'shipped');
    // Known shipped, east is kept without asking the warehouse to let it go (it would only refuse); west never reached it.
    expect(await sagaAsksToCancel(orderId)).toBe(0);
    expect(order.history.map((e: { type: string }) => e.type)).not.toContain('wms.cancel_refused');
    await recordFixture(orderId, 'shipped-parcel-kept');
  });

  it('picking under way (the warehouse refuses to let go): kept and paid for the same way', { timeout: 120_000 }, async () => {
    const { sku, orderId, east, west, place } = await orderWhoseWestLabelNeverComes();
    expect((await sim('/_sim/wms/cancellations', { mode: 'refuse', scope: east })).status).toBe(200);
    await place();
    const order = await endWithoutHelp(orderId);
    await expectEastPaidWestUndone(order, sku, east, west, 'handed_off');
  });
});
