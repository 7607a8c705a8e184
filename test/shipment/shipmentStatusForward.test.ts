import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createOrderActivities } from '../../activities';
import { nearestSingleWarehouseFirst } from '../../activities/inventory/allocation';
import { orders, shipments } from '../../db/schema';
import { loadConfig, vendorUrlsFor } from '../../lib/config';
import { paymentGateway } from '../../worker/createWorker';
import { vendorPorts } from '../../worker/vendors';
import { stockOf } from '../support/invariants';
import { fixtureOrder, newSku, sim, simUrl, testDb } from '../support/stack';

/** The activities as the worker runs them, against the run's simulators and Postgres. */
function activities() {
  const config = loadConfig({ ...vendorUrlsFor(simUrl()), VENDOR_TIMEOUT_MS: '2000' });
  return createOrderActivities({ db: testDb(), payments: paymentGateway(config), ...vendorPorts(config, testDb()), allocation: nearestSingleWarehouseFirst });
}

const shipTo = { name: 'n', line1: 'l', city: 'Boston', postalCode: '02110', country: 'US' };
const statusOf = async (shipmentId: string) => (await testDb().select({ status: shipments.status }).from(shipments).where(eq(shipments.id, shipmentId)))[0]?.status;

/** A fixture order of one unit from wh-east, reserved, labelled and handed off with the real activities and simulators. */
async function handedOff(tag: string) {
  const sku = await newSku({ 'wh-east': 3 });
  const order = fixtureOrder(`${tag}-${sku}`);
  await testDb().insert(orders).values(order);
  const orderId = order.id;
  const acts = activities();
  const hold = await acts.reserveInventory({ orderId, lines: [{ sku, quantity: 1, unitPriceCents: 500 }], shipTo, holdTtlMs: 60_000 });
  const shipment = hold.shipments[0]!;
  const label = await acts.createLabel({ orderId, shipment, shipTo });
  const handOff = () => acts.handOffShipment({ orderId, shipment, trackingNumber: label.trackingNumber });
  const task = await handOff();
  expect(await statusOf(shipment.shipmentId)).toBe('handed_off');
  return { sku, orderId, shipment, acts, task, handOff, labelAgain: () => acts.createLabel({ orderId, shipment, shipTo }) };
}

/**
 * Issue 21, defect 8: a shipment's status in Postgres only moves forward. A retried or late step (a handoff, a
 * label) writes its status only over the statuses before it, never over `shipped` or `cancelled`: `resolve` reads
 * that column to refuse giving up an order whose parcel shipped.
 */
describe("a shipment's status in Postgres never goes backwards", () => {
  it('shipped stays shipped when the handoff (and the label) is attempted again', async () => {
    const { sku, shipment, task, handOff, labelAgain } = await handedOff('shipped-stays');
    // The WMS ships the parcel and says so on the API's webhook.
    expect((await sim(`/_sim/wms/tasks/${task.taskId}/ship`, {})).status).toBe(200);
    await expect.poll(() => statusOf(shipment.shipmentId), { timeout: 10_000 }).toBe('shipped');

    // The handoff's attempt repeated afterwards (its first answer was lost, or it was slow): same task, same status.
    const after: Record<string, string | undefined> = {};
    expect(await handOff()).toEqual(task);
    after.handOff = await statusOf(shipment.shipmentId);
    await labelAgain();
    after.label = await statusOf(shipment.shipmentId);
    expect(after).toEqual({ handOff: 'shipped', label: 'shipped' });
    // The units were taken off the shelf once.
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 2, reserved: 0 } });
  });

  it('handed_off stays handed_off when the label is attempted again', async () => {
    const { shipment, labelAgain } = await handedOff('handed-off-stays');
    await labelAgain();
    expect(await statusOf(shipment.shipmentId)).toBe('handed_off');
  });

  it('cancelled stays cancelled when the WMS cancellation, the label and its cancellation are attempted again', async () => {
    const { orderId, shipment, acts, handOff, labelAgain } = await handedOff('cancelled-stays');
    const id = shipment.shipmentId;
    expect(await acts.requestShipmentCancellation({ orderId, shipmentId: id })).toEqual({ confirmed: true });
    expect(await statusOf(id)).toBe('wms_cancelled');
    await acts.cancelLabel({ orderId, shipmentId: id });
    expect(await statusOf(id)).toBe('label_cancelled');
    await acts.releaseShipment({ orderId, shipmentId: id, warehouse: shipment.warehouse, why: 'test' });
    expect(await statusOf(id)).toBe('cancelled');

    // Every step of the way, once more (retries whose first answers were lost, or late attempts).
    const after: Record<string, string | undefined> = {};
    await acts.requestShipmentCancellation({ orderId, shipmentId: id });
    after.wmsCancel = await statusOf(id);
    await acts.cancelLabel({ orderId, shipmentId: id });
    after.labelCancel = await statusOf(id);
    await labelAgain();
    after.label = await statusOf(id);
    await handOff().catch((err: { type?: string }) => expect(err.type).toBe('HoldExpired'));
    after.handOff = await statusOf(id);
    expect(after).toEqual({ wmsCancel: 'cancelled', labelCancel: 'cancelled', label: 'cancelled', handOff: 'cancelled' });
  });
});
