import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERMINAL_STATUSES } from '../../workflows/order/contract';
import type { RunningApi } from '../../api/server';
import { startOwnApi } from '../support/ownApi';
import { orderIdFor } from '../../api/order/placeOrder';
import { CHECKOUT_TOKEN } from '../support/testPolicy';
import { kill9, startWorkerProcess as startWorker } from '../support/workerProcess';
import { newIdempotencyKey, newSku, orderRequest, sim, waitForStatus } from '../support/stack';
import { startReceiver, type Receiver } from './receiver';
import { eventsArrive, expectGapless, SHIPPED_ORDER_EVENTS, subscribe } from './support';

const taskQueue = `orders-webhook-kill-${process.pid}`;
let api: RunningApi;
let receiver: Receiver;

/** A saga worker in its own OS process (no background duties: the run's dispatcher delivers), to be SIGKILLed. */
const startWorkerProcess = () => startWorker(taskQueue);

describe('webhooks across a worker killed mid-saga', () => {
  beforeAll(async () => {
    api = await startOwnApi({ taskQueue });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await api?.close();
    await receiver?.close();
  });

  it('every event arrives once per webhook-id, gapless and in order, though the label activity ran twice', async () => {
    const sub = await subscribe(receiver.url());
    receiver.setSecrets([sub.secret]);
    const sku = await newSku({ 'wh-east': 5 });
    const key = newIdempotencyKey();
    const orderId = orderIdFor(key);
    // The carrier makes the label at once but answers late: the worker dies with the label call in flight.
    await sim('/_sim/carrier/behavior', { scope: orderId, hangMs: 2500 });
    const worker = await startWorkerProcess();
    const placed = await fetch(`${api.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key, authorization: `Bearer ${CHECKOUT_TOKEN}` },
      body: JSON.stringify(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 900 }] })),
    });
    expect(placed.status).toBe(202);
    expect(((await placed.json()) as { orderId: string }).orderId).toBe(orderId);
    await expect.poll(async () => (await sim(`/_sim/carrier/records?reference=${orderId}`)).body.records.length, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
    await kill9(worker);
    // Events written before the kill are already on their way: delivery does not depend on the worker.
    await eventsArrive(receiver, orderId, 2);

    await sim(`/_sim/carrier/behavior?scope=${orderId}`, undefined, 'DELETE');
    const second = await startWorkerProcess();
    try {
      const done = await waitForStatus(orderId, TERMINAL_STATUSES, 45_000);
      expect(done.status).toBe('completed');
      expect((await sim(`/_sim/wms/tasks/${done.shipments[0].wmsTaskId}/ship`, {})).status).toBe(200);
      const events = await eventsArrive(receiver, orderId, SHIPPED_ORDER_EVENTS.length);
      expectGapless(events);
      expect(events.map((e) => e.event.type)).toEqual(SHIPPED_ORDER_EVENTS);
      // No second event from the retried label activity.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(receiver.eventsOf(orderId)).toHaveLength(SHIPPED_ORDER_EVENTS.length);
    } finally {
      await kill9(second);
    }
  });
});
