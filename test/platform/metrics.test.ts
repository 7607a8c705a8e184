import { describe, expect, it, inject } from 'vitest';
import { api, apiUrl, newSku, nextOrder, orderRequest, placeOrder, sim, waitForStatus } from '../support/stack';
import { parsePromText, sampleKey } from '../support/promText';
import { STAFF_TOKEN } from '../support/testPolicy';

async function scrape() {
  const res = await fetch(inject('apiMetricsUrl'));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parsePromText(await res.text());
}

/** Counters only grow, and other test files run beside this one: compare by how much they grew at least. */
function grew(before: Map<string, number>, after: Map<string, number>, name: string, labels?: Record<string, string>) {
  const key = sampleKey(name, labels);
  return (after.get(key) ?? 0) - (before.get(key) ?? 0);
}

describe('Prometheus /metrics', () => {
  it('is served on API_METRICS_PORT, on loopback, and not on the public API port', async () => {
    expect(new URL(inject('apiMetricsUrl')).hostname).toBe('127.0.0.1');
    expect(new URL(inject('apiMetricsUrl')).port).not.toBe(new URL(apiUrl()).port);
    const publicPort = await fetch(`${apiUrl()}/metrics`);
    expect(publicPort.status).toBe(404);
    expect(publicPort.headers.get('content-type')).toContain('application/problem+json');
  });

  it('counts the order, times the API and every saga step, and includes the SDK worker metrics', async () => {
    const before = await scrape();
    const sku = await newSku({ 'wh-east': 5 });
    const { key, orderId } = nextOrder();
    // One transient carrier failure: the label step is retried once.
    expect((await sim('/_sim/carrier/behavior', { scope: orderId, failNext: 1 })).status).toBe(200);
    await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1200 }] }), key);
    expect((await waitForStatus(orderId)).status).toBe('completed');
    const after = await scrape();

    expect(grew(before, after, 'hotpath_http_request_duration_seconds_count', { method: 'POST', route: '/orders', status_code: '202' })).toBeGreaterThanOrEqual(1);
    expect(grew(before, after, 'hotpath_orders_placed_total', { result: 'created' })).toBeGreaterThanOrEqual(1);
    expect(grew(before, after, 'hotpath_orders_finished_total', { outcome: 'completed' })).toBeGreaterThanOrEqual(1);
    for (const step of ['reserveInventory', 'authorizePayment', 'handOffShipment', 'capturePayment', 'recordOrderInErp']) {
      expect(grew(before, after, 'hotpath_saga_step_duration_seconds_count', { step, outcome: 'ok' }), step).toBeGreaterThanOrEqual(1);
    }
    expect(grew(before, after, 'hotpath_saga_step_duration_seconds_count', { step: 'createLabel', outcome: 'error' })).toBeGreaterThanOrEqual(1);
    expect(grew(before, after, 'hotpath_saga_step_retries_total', { step: 'createLabel' })).toBeGreaterThanOrEqual(1);
    // The route label is the pattern, never an order id.
    expect([...after.keys()].some((k) => k.includes(orderId))).toBe(false);
    // The Temporal SDK's own worker metrics come along in the same scrape.
    expect([...after.keys()].some((k) => k.startsWith('temporal_worker_task_slots_available'))).toBe(true);
    const completedWorkflows = [...after].filter(([k]) => k.startsWith('temporal_workflow_completed_total') && k.includes('workflow_type="orderWorkflowV3"'));
    expect(completedWorkflows.reduce((n, [, v]) => n + v, 0)).toBeGreaterThanOrEqual(1);
  });

  it('counts compensations and rejected orders by outcome', async () => {
    const before = await scrape();
    const sku = await newSku({ 'wh-east': 5 });
    const placed = await placeOrder(orderRequest({ paymentToken: 'tok_chargeDeclined', lines: [{ sku, quantity: 1, unitPriceCents: 500 }] }));
    expect((await waitForStatus(placed.body.orderId)).status).toBe('rejected');
    const after = await scrape();
    expect(grew(before, after, 'hotpath_compensations_total', { compensation: 'releaseHold', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(grew(before, after, 'hotpath_orders_finished_total', { outcome: 'rejected' })).toBeGreaterThanOrEqual(1);
    expect(grew(before, after, 'hotpath_saga_step_duration_seconds_count', { step: 'authorizePayment', outcome: 'business_failure' })).toBeGreaterThanOrEqual(1);
  });

  it('reports the variance a reconciliation corrected', async () => {
    const before = await scrape();
    const sku = await newSku({ 'wh-east': 10 });
    await sim('/_sim/erp/stock', { sku, warehouse: 'wh-east', onHand: 7 }, 'PUT');
    const run = await api('/admin/reconcile', { body: { skus: [sku] }, headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
    expect(run.body.unitsCorrected).toBe(3);
    const after = await scrape();
    expect(grew(before, after, 'hotpath_reconciliation_units_corrected_total')).toBeGreaterThanOrEqual(3);
    expect(grew(before, after, 'hotpath_reconciliation_runs_total')).toBeGreaterThanOrEqual(1);
    expect(after.has('hotpath_reconciliation_variance_percent')).toBe(true);
  });
});
