import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningApi } from '../../api/server';
import { orderIdFor } from '../../api/order/placeOrder';
import { expectMoneyBalanced, stockOf, vendorArtifacts } from '../support/invariants';
import { clientOf, startOwnApi } from '../support/ownApi';
import { api, newIdempotencyKey, newSku, nextOrder, orderRequest, placeOrder, sim, waitForStatus } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';
import { reconciliationScheduleId } from '../../worker/inventory/reconciliationSchedule';

const asStaff = { authorization: `Bearer ${STAFF_TOKEN}` };

describe('allocation across warehouses', () => {
  it('splits an order no single warehouse can fill into shipments, each with its own label and WMS task', async () => {
    const sku = await newSku({ 'wh-east': 3, 'wh-west': 3 });
    const placed = await placeOrder(orderRequest({ lines: [{ sku, quantity: 5, unitPriceCents: 100 }] }));
    const order = await waitForStatus(placed.body.orderId);
    expect(order.status).toBe('completed');
    expect(order.shipments.map((s: { warehouse: string; lines: unknown }) => [s.warehouse, s.lines])).toEqual([
      ['wh-east', [{ sku, quantity: 3 }]],
      ['wh-west', [{ sku, quantity: 2 }]],
    ]);
    const { labels, tasks } = await vendorArtifacts(order.orderId);
    expect(labels).toHaveLength(2);
    expect(tasks).toHaveLength(2);
    expect(new Set(order.shipments.map((s: { trackingNumber: string }) => s.trackingNumber)).size).toBe(2);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 0, reserved: 0 }, 'wh-west': { onHand: 1, reserved: 0 } });
  });

  it('ships a west-coast order from the west warehouse when it can fill it', async () => {
    const sku = await newSku({ 'wh-east': 5, 'wh-west': 5 });
    const placed = await placeOrder(orderRequest({ lines: [{ sku, quantity: 2, unitPriceCents: 100 }], shippingAddress: { name: 'G', line1: '1 Pike St', city: 'Seattle', postalCode: '98101', country: 'US' } }));
    const order = await waitForStatus(placed.body.orderId);
    expect(order.shipments.map((s: { warehouse: string }) => s.warehouse)).toEqual(['wh-west']);
  });
});

describe('GET /inventory/:sku', () => {
  it('shows a hold the moment it is taken, per warehouse and in total', async () => {
    const sku = await newSku({ 'wh-east': 4, 'wh-west': 1 });
    const { key, orderId } = nextOrder();
    await sim('/_sim/carrier/behavior', { scope: orderId, latencyMs: 2500 });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 3, unitPriceCents: 100 }] }), key);
    await expect.poll(async () => (await api(`/inventory/${sku}`)).body.reserved, { timeout: 60_000, interval: 20 }).toBe(3);
    const inventory = await api(`/inventory/${sku}`);
    expect(inventory.body).toEqual({
      sku,
      available: 2,
      onHand: 5,
      reserved: 3,
      warehouses: [
        { warehouse: 'wh-east', onHand: 4, reserved: 3, available: 1 },
        { warehouse: 'wh-west', onHand: 1, reserved: 0, available: 1 },
      ],
    });
    await waitForStatus(orderId);
    expect((await api(`/inventory/${sku}`)).body).toMatchObject({ available: 2, onHand: 2, reserved: 0 });
    expect((await api('/inventory/NO-SUCH')).status).toBe(404);
  });
});

describe('holds expire', () => {
  let own: RunningApi;
  beforeAll(async () => {
    own = await startOwnApi({ policy: { holdTtlMs: 1000 } });
  });
  afterAll(async () => own?.close());

  it('an order that does not reach the warehouse within the hold TTL gives its units back and fails', async () => {
    const { call, statusOf } = clientOf(own);
    const sku = await newSku({ 'wh-east': 2 });
    const key = newIdempotencyKey();
    const orderId = orderIdFor(key);
    await sim('/_sim/carrier/behavior', { scope: orderId, latencyMs: 2500 });
    await call('/orders', orderRequest({ lines: [{ sku, quantity: 2, unitPriceCents: 100 }] }), { 'idempotency-key': key });
    const order = await statusOf(orderId, ['failed', 'completed', 'rejected']);
    expect(order).toMatchObject({ status: 'failed', reason: 'hold_expired' });
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 2, reserved: 0 } });
    expect((await vendorArtifacts(orderId)).labels.every((l: { status: string }) => l.status === 'cancelled')).toBe(true);
    await expectMoneyBalanced(orderId);
  });
});

describe('reconciliation with the ERP', () => {
  const reconcile = (skus: string[]) => api('/admin/reconcile', { body: { skus }, headers: asStaff });

  it('corrects injected drift, logs the run, and changes nothing when run again', async () => {
    const sku = await newSku({ 'wh-east': 10, 'wh-west': 4 });
    // Shrinkage in the east warehouse, a receipt in the west: the ERP knows, Hotpath does not yet.
    await sim('/_sim/erp/stock', { sku, warehouse: 'wh-east', onHand: 7 }, 'PUT');
    await sim('/_sim/erp/stock', { sku, warehouse: 'wh-west', onHand: 9 }, 'PUT');
    const first = await reconcile([sku]);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ skusChecked: 1, unitsCorrected: 8, holdsReleased: 0 });
    expect(first.body.corrections).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sku, warehouse: 'wh-east', delta: -3, shortfall: 0 }),
        expect.objectContaining({ sku, warehouse: 'wh-west', delta: 5, shortfall: 0 }),
      ]),
    );
    expect(first.body.variancePct).toBeCloseTo((8 / 16) * 100, 1);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 7, reserved: 0 }, 'wh-west': { onHand: 9, reserved: 0 } });

    const second = await reconcile([sku]);
    expect(second.body).toMatchObject({ unitsCorrected: 0, corrections: [] });
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 7, reserved: 0 }, 'wh-west': { onHand: 9, reserved: 0 } });

    const runs = await api('/admin/reconciliations', { headers: asStaff });
    expect(runs.body.runs.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([first.body.runId, second.body.runId]));
    expect((await api(`/admin/reconciliations/${first.body.runId}`, { headers: asStaff })).body).toMatchObject({ trigger: 'staff', unitsCorrected: 8 });
  });

  it('never takes units held by a live order, and counts units in flight to the ERP', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { key, orderId } = nextOrder();
    await sim('/_sim/carrier/behavior', { scope: orderId, latencyMs: 2800 });
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 4, unitPriceCents: 100 }] }), key);
    await expect.poll(async () => (await stockOf(sku))['wh-east']!.reserved, { timeout: 60_000, interval: 20 }).toBe(4);
    // The ERP claims only 1 unit is left: 4 are held by a live order, so on hand stops at 4.
    await sim('/_sim/erp/stock', { sku, warehouse: 'wh-east', onHand: 1 }, 'PUT');
    const run = await reconcile([sku]);
    expect(run.body.corrections).toEqual([expect.objectContaining({ sku, warehouse: 'wh-east', delta: -4, shortfall: 3 })]);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 4, reserved: 4 } });
    const order = await waitForStatus(orderId);
    expect(order.status).toBe('completed');
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 0, reserved: 0 } });
  });

  it('releases holds whose order has ended or never existed', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const { testDb } = await import('../support/stack');
    const { reservations, stock } = await import('../../db/schema');
    const { eq, sql } = await import('drizzle-orm');
    // A hold left behind by an order that does not exist (a crash between two writes, say).
    await testDb().transaction(async (tx) => {
      await tx.insert(reservations).values({ orderId: `ghost-${sku}`, sku, warehouse: 'wh-east', quantity: 2, status: 'held', expiresAt: new Date(Date.now() + 3_600_000) });
      await tx.update(stock).set({ reserved: sql`${stock.reserved} + 2` }).where(eq(stock.sku, sku));
    });
    const run = await reconcile([sku]);
    expect(run.body.holdsReleased).toBe(1);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 5, reserved: 0 } });
  });

  it('is reachable only by staff, and runs on a Temporal schedule', async () => {
    expect((await api('/admin/reconcile', { body: {}, headers: { authorization: '' } })).status).toBe(401);
    expect((await api('/admin/reconcile', { body: {} })).status).toBe(403);
    const { temporalClient } = await import('../support/stack');
    const taskQueue = inject('taskQueue');
    const schedule = await (await temporalClient()).schedule.getHandle(reconciliationScheduleId(taskQueue)).describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconciliationWorkflow', taskQueue });
  });
});
