import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server';
import { startOwnApi } from '../support/ownApi';
import { CHECKOUT_TOKEN } from '../support/testPolicy';
import { paymentIntentsOf, expectMoneyBalanced, stockOf, vendorArtifacts } from '../support/invariants';
import { kill9, startWorkerProcess as startWorker } from '../support/workerProcess';
import { newIdempotencyKey, newSku, orderRequest, sim, waitForStatus } from '../support/stack';
import { orderIdFor } from '../../api/order/placeOrder';

const taskQueue = `orders-crash-${process.pid}`;
let api: RunningApi;

const startWorkerProcess = () => startWorker(taskQueue);

async function placeOn(apiUrl: string, body: unknown) {
  const key = newIdempotencyKey();
  const orderId = orderIdFor(key);
  return { key, orderId, send: () => fetch(`${apiUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key, authorization: `Bearer ${CHECKOUT_TOKEN}` }, body: JSON.stringify(body) }) };
}

describe('a worker killed in the middle of a saga', () => {
  beforeAll(async () => {
    api = await startOwnApi({ taskQueue });
  });
  afterAll(async () => api?.close());

  it.each(['carrier', 'wms'])('during the %s call: a new worker finishes the order once, with one label, one WMS task and one capture', async (vendor) => {
    const sku = await newSku({ 'wh-east': 5 });
    const order = await placeOn(api.url, orderRequest({ lines: [{ sku, quantity: 2, unitPriceCents: 750 }] }));
    // The vendor does the work at once but answers late, so the kill lands while its call is in flight.
    await sim(`/_sim/${vendor}/behavior`, { scope: order.orderId, hangMs: 2500 });

    const first = await startWorkerProcess();
    expect((await order.send()).status).toBe(202);
    // Kill as soon as the vendor has done the work, while its answer is still held back.
    const records = vendor === 'carrier' ? 'label' : 'task';
    await expect
      .poll(async () => (await sim(`/_sim/${vendor}/records?reference=${order.orderId}`)).body.records.filter((r: { type: string }) => r.type === records).length, { timeout: 30_000, interval: 20 })
      .toBe(1);
    await kill9(first);

    await sim(`/_sim/${vendor}/behavior?scope=${order.orderId}`, undefined, 'DELETE');
    const second = await startWorkerProcess();
    try {
      const done = await waitForStatus(order.orderId, ['completed', 'failed', 'rejected', 'cancelled'], 45_000);
      expect(done.status).toBe('completed');
      const { labels, tasks } = await vendorArtifacts(order.orderId);
      expect(labels).toHaveLength(1);
      expect(tasks).toHaveLength(1);
      const intents = await paymentIntentsOf(order.orderId);
      expect(intents).toHaveLength(1);
      expect(intents[0]).toMatchObject({ status: 'succeeded', amount_received: 1500 });
      const erp = (await sim(`/_sim/erp/records?reference=${order.orderId}`)).body.records;
      expect(erp).toHaveLength(1);
      expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 3, reserved: 0 } });
      await expectMoneyBalanced(order.orderId);
    } finally {
      await kill9(second);
    }
  });
});
