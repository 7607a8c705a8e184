import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { freePort } from '../../db/embedded';
import type { RunningApi } from '../../api/server';
import type { ManagedProcess } from '../../lib/childProcess/managed';
import { clientOf, startOwnApi } from './ownApi';
import { parsePromText } from './promText';
import { newIdempotencyKey, newSku, orderRequest, placeOrder, waitForStatus } from './stack';
import { startWorkerProcess } from './workerProcess';

export interface Scrape {
  /** The sample names (`foo_bucket`, `foo_total`, …), without labels. */
  names: Set<string>;
  text: string;
}

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  const text = await res.text();
  return { text, names: new Set([...parsePromText(text).keys()].map((key) => key.replace(/\{.*$/, ''))) };
}

/**
 * Real scrapes of two of the three metrics ports production has (the dispatcher's: test/support/dispatcherProcess.ts), after each process did its work: the run's API (its
 * /metrics; in the test stack the in-process worker's metrics come along, as under `npm start`) after an order
 * through it, and a worker as its own OS process (worker/main.ts, its WORKER_METRICS_PORT) after it ran one saga.
 * That worker polls a task queue of its own, fed by an API of this test's, so the saga (and the SDK's
 * schedule-to-start histograms) are surely its.
 */
export async function scrapeStack(): Promise<{ api: Scrape; worker: Scrape; stop: () => Promise<void> }> {
  const taskQueue = `scrape-${randomUUID()}`;
  const port = await freePort();
  let worker: ManagedProcess | undefined;
  let ownApi: RunningApi | undefined;
  const stop = async () => {
    await ownApi?.close();
    await worker?.stop();
  };
  try {
    worker = await startWorkerProcess(taskQueue, { WORKER_METRICS_PORT: String(port) });
    ownApi = await startOwnApi({ taskQueue });
    const { call, statusOf } = clientOf(ownApi);
    const sku = await newSku({ 'wh-east': 4 });
    const placed = await call('/orders', orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 700 }] }), { 'idempotency-key': newIdempotencyKey() });
    if (placed.status !== 202) throw new Error(`the own API answered ${placed.status}`);
    if ((await statusOf(placed.body.orderId, ['completed', 'failed', 'rejected'], 60_000)).status !== 'completed') throw new Error('the worker process did not complete its saga');

    const runSku = await newSku({ 'wh-east': 4 });
    const run = await placeOrder(orderRequest({ lines: [{ sku: runSku, quantity: 1, unitPriceCents: 700 }] }));
    await waitForStatus(run.body.orderId);
    return { api: await scrape(inject('apiMetricsUrl')), worker: await scrape(`http://127.0.0.1:${port}/metrics`), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
