import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simErp } from '../../activities/erp/adapters/simErp';
import { simNotifications } from '../../activities/notifications/adapters/simNotifications';
import { NotificationsUnavailable } from '../../activities/notifications/port';
import { simCarrier } from '../../activities/shipment/adapters/simCarrier';
import { simWms } from '../../activities/shipment/adapters/simWms';
import { VendorClient } from '../../activities/vendorClient';
import { VendorRefused, VendorUnavailable, viaPort } from '../../activities/vendorErrors';
import type { SimServer } from '../../sim/start';
import { newReference, startSim, type SimClient } from './sim-client';

/** The simulator adapters of the vendor ports, against the real simulators over HTTP: each answer maps to one typed outcome or error. */
let server: SimServer;
let sim: SimClient;
const client = (system: string) => new VendorClient(system, `${server.url}/${system}`, 2000);
const errorOf = (run: () => Promise<unknown>) =>
  run().then(
    () => undefined,
    (err: unknown) => err,
  );
const shipTo = { name: 'Ada Lovelace', line1: '1 Analytical Way', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
const lines = [{ sku: 'TSHIRT-BLK-M', quantity: 2 }];

beforeAll(async () => ({ server, sim } = await startSim()));
afterAll(() => server.close());

describe('the carrier simulator adapter', () => {
  it('creates a label once per key, and cancels it by the key it was requested under', async () => {
    const carrier = simCarrier(client('carrier'));
    const orderId = newReference();
    const request = { key: `${orderId}:label`, orderId, shipmentId: `${orderId}-s1`, warehouse: 'wh-east', shipTo, parcels: lines };
    const created = await carrier.createLabel(request);
    expect(created).toEqual({ outcome: 'created', labelId: expect.stringMatching(/^lbl_/), trackingNumber: expect.stringMatching(/^1Z/) });
    expect(await carrier.createLabel(request)).toEqual(created);

    expect(await carrier.cancelLabel({ key: `${orderId}:cancel`, orderId, labelKey: request.key })).toEqual({ outcome: 'cancelled' });
    expect(await carrier.cancelLabel({ key: `${orderId}:cancel-none`, orderId, labelKey: `${orderId}:never` })).toEqual({ outcome: 'nothing_to_cancel', status: 'nothing_to_cancel' });
  });

  it('an address it will not ship to is address_rejected; an outage is VendorUnavailable; a malformed request is VendorRefused', async () => {
    const carrier = simCarrier(client('carrier'));
    const orderId = newReference();
    const base = { orderId, shipmentId: `${orderId}-s1`, warehouse: 'wh-east', parcels: lines };
    expect(await carrier.createLabel({ ...base, key: `${orderId}:a`, shipTo: { ...shipTo, postalCode: 'INVALID' } })).toEqual({ outcome: 'address_rejected', message: expect.any(String), code: 'invalid_address' });

    await sim.post('/_sim/carrier/behavior', { scope: orderId, outage: true });
    expect(await errorOf(() => carrier.createLabel({ ...base, key: `${orderId}:b`, shipTo }))).toBeInstanceOf(VendorUnavailable);
    await sim.post('/_sim/carrier/behavior', { scope: orderId, outage: false });

    const refused = await errorOf(() => carrier.createLabel({ ...base, key: `${orderId}:c`, shipTo, parcels: [] }));
    expect(refused).toBeInstanceOf(VendorRefused);
    expect((refused as Error).message).toMatch(/^carrier answered 4\d\d/);
  });
});

describe('the WMS simulator adapter', () => {
  it('creates a task once per key; a cancellation is cancelled, nothing_to_cancel, or refused with the reason', async () => {
    const wms = simWms(client('wms'));
    const orderId = newReference();
    const request = { key: `${orderId}:wms`, orderId, shipmentId: `${orderId}-s1`, warehouse: 'wh-east', trackingNumber: '1Z0000000000000001', lines };
    const { taskId } = await wms.createTask(request);
    expect(taskId).toMatch(/^task_/);
    expect(await wms.createTask(request)).toEqual({ taskId });

    await sim.post('/_sim/wms/cancellations', { mode: 'refuse', scope: `${orderId}-s1` });
    expect(await wms.cancelTask({ key: `${orderId}:cancel-1`, orderId, taskKey: request.key })).toEqual({ outcome: 'refused', reason: 'cancellation_refused' });
    await sim.post('/_sim/wms/cancellations', { mode: 'confirm', scope: `${orderId}-s1` });
    expect(await wms.cancelTask({ key: `${orderId}:cancel-2`, orderId, taskKey: request.key })).toEqual({ outcome: 'cancelled' });
    expect(await wms.cancelTask({ key: `${orderId}:cancel-3`, orderId, taskKey: `${orderId}:never` })).toEqual({ outcome: 'nothing_to_cancel', status: 'nothing_to_cancel' });
  });

  it('an outage is VendorUnavailable', async () => {
    const wms = simWms(client('wms'));
    const orderId = newReference();
    await sim.post('/_sim/wms/behavior', { scope: orderId, outage: true });
    expect(await errorOf(() => wms.createTask({ key: `${orderId}:wms`, orderId, shipmentId: `${orderId}-s1`, warehouse: 'wh-east', trackingNumber: '1Z1', lines }))).toBeInstanceOf(VendorUnavailable);
  });
});

describe('the ERP simulator adapter', () => {
  const record = (orderId: string, key: string) => ({
    key,
    orderId,
    customerId: 'cus_1',
    currency: 'USD',
    totalCents: 5000,
    lines: [{ sku: 'TSHIRT-BLK-M', quantity: 2, unitPriceCents: 2500 }],
    shipments: [{ shipmentId: `${orderId}-s1`, warehouse: 'wh-east', trackingNumber: '1Z1', lines }],
  });

  it('records an order once (a second recording is already_recorded with the first id), finds it, and credits a shipment once', async () => {
    const erp = simErp(client('erp'));
    const orderId = newReference();
    expect(await erp.findRecord(orderId)).toBeNull();
    const first = await erp.recordOrder(record(orderId, `${orderId}:erp`));
    expect(first).toEqual({ outcome: 'recorded', erpOrderId: expect.any(String) });
    expect(await erp.recordOrder(record(orderId, `${orderId}:erp-again`))).toEqual({ outcome: 'already_recorded', erpOrderId: first.erpOrderId });
    expect(await erp.findRecord(orderId)).toEqual({ erpOrderId: first.erpOrderId, shipmentIds: [`${orderId}-s1`], creditedShipmentIds: [] });

    const credit = { key: `${orderId}:credit`, orderId, shipmentId: `${orderId}-s1`, warehouse: 'wh-east', reason: 'cancelled' as const, amountCents: 5000, lines: record(orderId, '').lines, restock: true };
    const credited = await erp.creditShipment(credit);
    expect(credited).toEqual({ outcome: 'credited', creditId: expect.any(String) });
    expect(await erp.creditShipment({ ...credit, key: `${orderId}:credit-again` })).toEqual({ outcome: 'already_credited', creditId: credited.creditId });
    expect((await erp.findRecord(orderId))?.creditedShipmentIds).toEqual([`${orderId}-s1`]);
  });

  it('answers its stock and a snapshot; an outage is VendorUnavailable', async () => {
    const erp = simErp(client('erp'));
    const sku = `PORT-${Date.now()}`;
    await sim.put('/_sim/erp/stock', { sku, warehouse: 'wh-east', onHand: 7 });
    expect(await erp.stock(sku)).toEqual([{ sku, warehouse: 'wh-east', onHand: 7 }]);
    const snapshot = await erp.stockSnapshot(new Date(Date.now() - 60_000));
    expect(snapshot.stock).toEqual(expect.arrayContaining([{ sku, warehouse: 'wh-east', onHand: 7 }]));
    expect(Array.isArray(snapshot.orders)).toBe(true);

    const orderId = newReference();
    await sim.post('/_sim/erp/behavior', { scope: orderId, outage: true });
    expect(await errorOf(() => erp.recordOrder(record(orderId, `${orderId}:erp`)))).toBeInstanceOf(VendorUnavailable);
  });
});

describe('the notifications simulator adapter', () => {
  it('sends once per key (a repeat answers the first message); an outage is NotificationsUnavailable', async () => {
    const notifications = simNotifications(client('notifications'));
    const orderId = newReference();
    const message = { key: `${orderId}:notify`, orderId, to: 'ada@example.com', template: 'order_confirmed', data: { orderId, trackingNumbers: ['1Z1'] } };
    const sent = await notifications.send(message);
    expect(sent).toEqual({ status: 'sent', messageId: expect.stringMatching(/^msg_/) });
    expect(await notifications.send(message)).toEqual(sent);
    expect((await sim.get(`/_sim/notifications/records?reference=${orderId}`)).body.records).toHaveLength(1);

    await sim.post('/_sim/notifications/behavior', { scope: orderId, outage: true });
    expect(await errorOf(() => notifications.send({ ...message, key: `${orderId}:notify-2` }))).toBeInstanceOf(NotificationsUnavailable);
  });
});

describe('viaPort', () => {
  it("turns the ports' errors into the saga's failure types", async () => {
    expect(await errorOf(() => viaPort(() => Promise.reject(new VendorUnavailable('down'))))).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false, message: 'down' });
    const refused = await errorOf(() => viaPort(() => Promise.reject(new VendorRefused('carrier answered 400'))));
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect(refused).toMatchObject({ type: 'VendorContractViolation', nonRetryable: true, message: 'carrier answered 400' });
  });
});
