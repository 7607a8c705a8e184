import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { orderIdFor } from '../../api/order/placeOrder';
import type { RunningApi } from '../../api/server';
import { freePort } from '../../db/embedded';
import { stock } from '../../db/schema';
import { clientOf, startOwnApi } from '../support/ownApi';
import { useScratchDatabases } from '../support/scratchDatabase';
import { parsePromText, sampleKey } from '../support/promText';
import { api, newIdempotencyKey, newSku, orderRequest, placeOrder, sim, simUrl, waitForStatus } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';
import { startReceiver } from '../webhooks/receiver';
import { subscribe } from '../webhooks/support';

/**
 * The metrics the alert rules added move with what they measure (deploy/prometheus/hotpath-rules.yml): the backlog
 * gauges the API reads from Postgres on scrape, the webhook delivery lag the delivering process observes, and the
 * reconciliation's last-run time.
 */
async function scrapeOf(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return parsePromText(await res.text());
}

/** Scrapes until `ok` holds (the backlog gauges are cached for 10 s); answers the scrape that held. */
async function scrapeUntil(url: string, ok: (s: Map<string, number>) => boolean, timeoutMs = 20_000): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await scrapeOf(url);
    if (ok(s)) return s;
    if (Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const apis: RunningApi[] = [];
const newDatabase = useScratchDatabases('hotpath_gauges');

afterAll(async () => {
  await Promise.all(apis.map((a) => a.close()));
});

describe('the backlog gauges of the API', () => {
  it('count from Postgres what waits: unstarted orders, parked orders, disabled endpoints, events nobody dispatched; cached 10 s', async () => {
    // A database of its own, where no dispatcher runs, and an API on it whose Temporal is unreachable: what it
    // accepts stays in the outbox, and nothing else in the run moves these gauges.
    const database = await newDatabase();
    const { url } = database;
    await database.db.insert(stock).values({ sku: 'GAUGE-1', warehouse: 'wh-east', onHand: 100, reserved: 0 });
    const metricsPort = await freePort();
    const own = await startOwnApi({
      env: { DATABASE_URL: url, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, TEMPORAL_START_TIMEOUT_MS: '300', API_METRICS_PORT: String(metricsPort) },
    });
    apis.push(own);
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const { call } = clientOf(own);

    const empty = await scrapeOf(metricsUrl);
    expect(empty.get('hotpath_outbox_backlog_orders')).toBe(0);
    expect(empty.get('hotpath_outbox_oldest_age_seconds')).toBe(0);
    expect(empty.get('hotpath_orders_parked')).toBe(0);
    expect(empty.get('hotpath_webhook_endpoints_disabled')).toBe(0);
    expect(empty.get('hotpath_webhook_oldest_due_seconds')).toBe(0);
    const emptyAt = Date.now();

    const keys = [newIdempotencyKey(), newIdempotencyKey()];
    for (const key of keys) expect((await call('/orders', orderRequest({ lines: [{ sku: 'GAUGE-1', quantity: 1, unitPriceCents: 500 }] }), { 'idempotency-key': key })).status).toBe(202);
    // A saga that parked one (the saga's path to needs_attention is test/order/parkedSteps.test.ts's; here, the count).
    await database.db.execute(sql`update orders set status = 'needs_attention' where id = ${orderIdFor(keys[1]!)}`);
    // Nothing listens there (no dispatcher would try it anyway); a port the port policy allows.
    const subscription = await call('/webhook-subscriptions', { url: `http://127.0.0.1:${await freePort()}/hooks` });
    expect(subscription.status).toBe(201);
    // Disabled as the dispatcher disables an endpoint whose retry schedule ran out (test/webhooks covers that path).
    await database.db.execute(sql`update webhook_subscriptions set disabled_at = now(), disabled_reason = 'test' where id = ${subscription.body.id}`);

    // Served from the cache until 10 s after the first read: the empty answer still (checked while surely inside).
    if (Date.now() - emptyAt < 8_000) expect((await scrapeOf(metricsUrl)).get('hotpath_outbox_backlog_orders')).toBe(0);
    const full = await scrapeUntil(metricsUrl, (s) => s.get('hotpath_outbox_backlog_orders') === 2);
    expect(Date.now() - emptyAt).toBeGreaterThanOrEqual(9_000);
    expect(full.get('hotpath_outbox_backlog_orders')).toBe(2);
    // The orders waited since they were accepted, which was after the empty read and 9 s or more before this one.
    expect(full.get('hotpath_outbox_oldest_age_seconds')).toBeGreaterThan(5);
    expect(full.get('hotpath_orders_parked')).toBe(1);
    expect(full.get('hotpath_webhook_endpoints_disabled')).toBe(1);
    // The orders' order.received events: written in the orders' transactions, never fanned out here.
    expect(full.get('hotpath_webhook_oldest_due_seconds')).toBeGreaterThan(5);

    // Drained: the sagas started, the order resolved, the endpoint enabled, the events fanned out.
    await database.db.execute(sql`update orders set workflow_started_at = now(), status = 'received'`);
    await database.db.execute(sql`update webhook_subscriptions set disabled_at = null`);
    await database.db.execute(sql`update webhook_events set fanned_out_at = now()`);
    const drained = await scrapeUntil(metricsUrl, (s) => s.get('hotpath_outbox_backlog_orders') === 0);
    expect(drained.get('hotpath_outbox_backlog_orders')).toBe(0);
    expect(drained.get('hotpath_outbox_oldest_age_seconds')).toBe(0);
    expect(drained.get('hotpath_orders_parked')).toBe(0);
    expect(drained.get('hotpath_webhook_endpoints_disabled')).toBe(0);
    expect(drained.get('hotpath_webhook_oldest_due_seconds')).toBe(0);
  }, 90_000);

  it('count an order the saga parked, in the run API\'s scrape', async () => {
    const parkingApi = await startOwnApi({ policy: { onStepExhausted: 'park' } });
    apis.push(parkingApi);
    const { call, statusOf } = clientOf(parkingApi);
    const sku = await newSku({ 'wh-east': 2 });
    const key = newIdempotencyKey();
    const orderId = orderIdFor(key);
    await sim('/_sim/carrier/behavior', { scope: orderId, outage: true });
    expect((await call('/orders', orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 800 }] }), { 'idempotency-key': key })).status).toBe(202);
    expect((await statusOf(orderId, ['needs_attention'], 60_000)).status).toBe('needs_attention');
    // Other files park and resolve orders too: while this one is parked the gauge counts at least it.
    const parked = await scrapeUntil(inject('apiMetricsUrl'), (s) => (s.get('hotpath_orders_parked') ?? 0) >= 1);
    expect(parked.get('hotpath_orders_parked')).toBeGreaterThanOrEqual(1);
    // Give up on it, so it ends (compensated) like any order of the run: the carrier answers again to cancel its label.
    await fetch(`${simUrl()}/_sim/carrier/behavior?scope=${orderId}`, { method: 'DELETE' });
    expect((await call(`/orders/${orderId}/resolve`, { action: 'compensate' }, { authorization: `Bearer ${STAFF_TOKEN}` })).status).toBe(202);
    await statusOf(orderId, ['failed', 'cancelled'], 60_000);
  }, 120_000);
});

describe('the webhook delivery lag', () => {
  it('is observed once per delivered event, in seconds from the event to its acknowledgement', async () => {
    const receiver = await startReceiver();
    const sub = await subscribe(receiver.url());
    receiver.setSecrets([sub.secret]);
    try {
      const count = sampleKey('hotpath_webhook_delivery_lag_seconds_count');
      const before = await scrapeOf(inject('apiMetricsUrl'));
      const sku = await newSku({ 'wh-east': 2 });
      const placed = await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 900 }] }));
      expect((await waitForStatus(placed.body.orderId)).status).toBe('completed');
      const deadline = Date.now() + 20_000;
      while (receiver.eventsOf(placed.body.orderId).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const events = receiver.eventsOf(placed.body.orderId).length;
      expect(events).toBeGreaterThanOrEqual(3);
      const after = await scrapeUntil(inject('apiMetricsUrl'), (s) => (s.get(count) ?? 0) - (before.get(count) ?? 0) >= events);
      // Other files' deliveries count too: at least this order's.
      expect((after.get(count) ?? 0) - (before.get(count) ?? 0)).toBeGreaterThanOrEqual(events);
      const sum = 'hotpath_webhook_delivery_lag_seconds_sum';
      expect((after.get(sum) ?? 0) - (before.get(sum) ?? 0)).toBeGreaterThan(0);
      const inf = sampleKey('hotpath_webhook_delivery_lag_seconds_bucket', { le: '+Inf' });
      expect((after.get(inf) ?? 0) - (before.get(inf) ?? 0)).toBeGreaterThanOrEqual(events);
    } finally {
      await api(`/webhook-subscriptions/${sub.id}`, { method: 'DELETE' });
      await receiver.close();
    }
  }, 120_000);
});

describe('the reconciliation', () => {
  it('records when it last ran, so the rules read the newest run of several workers', async () => {
    const sku = await newSku({ 'wh-east': 10 });
    const before = Date.now() / 1000;
    expect((await api('/admin/reconcile', { body: { skus: [sku] }, headers: { authorization: `Bearer ${STAFF_TOKEN}` } })).status).toBe(200);
    const after = await scrapeOf(inject('apiMetricsUrl'));
    expect(after.get('hotpath_reconciliation_last_run_timestamp_seconds')).toBeGreaterThanOrEqual(Math.floor(before));
    expect(after.get('hotpath_reconciliation_last_run_timestamp_seconds')).toBeLessThanOrEqual(Date.now() / 1000 + 1);
  });
});
