import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client';
import { webhookDeliveries } from '../../db/schema';
import { parsePromText, sampleKey } from '../support/promText';
import { useScratchDatabases } from '../support/scratchDatabase';
import { fixedEndpoint, startDispatcherProcess, subscribeDirectly, writeEvents, type DispatcherProcess } from '../support/dispatcherProcess';

/**
 * The dispatcher process (`npm run dispatcher`, worker/dispatcher.ts) serves its own /metrics on
 * DISPATCHER_METRICS_PORT: webhook attempts by outcome, deliveries ended, the event-to-delivery lag (the seeds'
 * SLO: p95 under 2 s), the queue (due, awaiting fan-out) and the claims (in flight, leases held and lapsed). Started
 * as a real OS process on a scratch database, so what it delivers is only this file's.
 */
const scratch = useScratchDatabases('dispatchermetrics');
let db: Database;
let dispatcher: DispatcherProcess;
let holdRequests = true;
const endpoints = {
  ok: fixedEndpoint(() => 204),
  failing: fixedEndpoint(() => 503),
  holding: fixedEndpoint(() => (holdRequests ? 'hold' : 200)),
};

const value = (text: string, name: string, labels: Record<string, string> = {}) => parsePromText(text).get(sampleKey(name, labels));

async function stateOf(subscriptionId: string): Promise<string[]> {
  const rows = await db.select({ state: webhookDeliveries.state }).from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, subscriptionId));
  return rows.map((r) => r.state);
}

beforeAll(async () => {
  const created = await scratch();
  db = created.db;
  // Two attempts 200 ms apart, one attempt at a time per endpoint, and a budget long enough to hold an attempt open.
  dispatcher = await startDispatcherProcess(created.url, { WEBHOOK_RETRY_SCHEDULE: '0, 200ms', WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION: '1', WEBHOOK_TIMEOUT_MS: '20000' });
}, 90_000);

afterAll(async () => {
  for (const e of Object.values(endpoints)) await (await e).close();
  await dispatcher?.stop();
});

describe('the dispatcher process serves /metrics', () => {
  it('on DISPATCHER_METRICS_PORT, with the delivery metrics before anything is delivered', async () => {
    const { names, text } = await dispatcher.scrape();
    for (const name of ['hotpath_webhook_deliveries_in_flight', 'hotpath_webhook_deliveries_due', 'hotpath_webhook_events_awaiting_fanout', 'hotpath_webhook_leases_held', 'hotpath_webhook_leases_lapsed', 'hotpath_webhook_delivery_lag_seconds_bucket', 'hotpath_webhook_claims_lapsed_total']) {
      expect(names.has(name), name).toBe(true);
    }
    expect(value(text, 'hotpath_webhook_delivery_lag_seconds_count')).toBe(0);
    expect(value(text, 'hotpath_webhook_deliveries_in_flight')).toBe(0);
    expect(value(text, 'hotpath_webhook_deliveries_due')).toBe(0);
    expect(names.has('hotpath_webhook_delivery_attempts_total')).toBe(false);
    // The API's gauges (read by every API replica) are not the dispatcher's to export.
    expect(names.has('hotpath_orders_parked')).toBe(false);
    expect((await fetch(dispatcher.metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('a delivered and a failed delivery move the attempts, the ends, the claims and the lag histogram', async () => {
    const ok = await subscribeDirectly(db, (await endpoints.ok).url);
    const failing = await subscribeDirectly(db, (await endpoints.failing).url);
    await writeEvents(db, 1);
    await expect.poll(async () => [...(await stateOf(ok)), ...(await stateOf(failing))], { timeout: 15_000, interval: 100 }).toEqual(['delivered', 'failed']);
    const [row] = (await db.execute(sql`
      select extract(epoch from d.delivered_at - e.created_at)::float8 as lag
      from webhook_deliveries d join webhook_events e on e.id = d.event_id where d.subscription_id = ${ok}`)) as unknown as { lag: number }[];

    const { text } = await dispatcher.scrape();
    expect(value(text, 'hotpath_webhook_delivery_attempts_total', { outcome: 'delivered' })).toBe(1);
    expect(value(text, 'hotpath_webhook_delivery_attempts_total', { outcome: 'rejected' })).toBe(2);
    expect(value(text, 'hotpath_webhook_attempt_duration_seconds_count', { outcome: 'rejected' })).toBe(2);
    expect(value(text, 'hotpath_webhook_deliveries_finished_total', { state: 'delivered' })).toBe(1);
    expect(value(text, 'hotpath_webhook_deliveries_finished_total', { state: 'failed' })).toBe(1);
    expect(value(text, 'hotpath_webhook_claims_total', { result: 'claimed' })).toBe(3);
    expect(value(text, 'hotpath_webhook_deliveries_in_flight')).toBe(0);
    // One observation: the event's age when its delivery was recorded, as the database has it (its clock, its commit).
    expect(value(text, 'hotpath_webhook_delivery_lag_seconds_count')).toBe(1);
    const lag = value(text, 'hotpath_webhook_delivery_lag_seconds_sum')!;
    expect(lag).toBeGreaterThan(0);
    expect(Math.abs(lag - row!.lag)).toBeLessThan(0.25);
    // The SLO's bound is a bucket: the observation is counted at le="2" exactly when it was under 2 s.
    expect(value(text, 'hotpath_webhook_delivery_lag_seconds_bucket', { le: '2' })).toBe(lag <= 2 ? 1 : 0);
    expect(value(text, 'hotpath_webhook_delivery_lag_seconds_bucket', { le: '+Inf' })).toBe(1);
  });

  it('shows the queue and the claims: one attempt in flight under its lease, the rest due, a lapsed lease counted', async () => {
    const holding = await subscribeDirectly(db, (await endpoints.holding).url);
    await writeEvents(db, 3);
    // One slot per endpoint: the first attempt hangs (the endpoint holds it), the other two wait, due.
    const gauges = async () => {
      const { text } = await dispatcher.scrape();
      return {
        inFlight: value(text, 'hotpath_webhook_deliveries_in_flight'),
        due: value(text, 'hotpath_webhook_deliveries_due'),
        held: value(text, 'hotpath_webhook_leases_held'),
        lapsed: value(text, 'hotpath_webhook_leases_lapsed'),
      };
    };
    // The Postgres gauges are cached 10 s: poll past that.
    await expect.poll(gauges, { timeout: 30_000, interval: 500 }).toEqual({ inFlight: 1, due: 2, held: 1, lapsed: 0 });
    expect((await endpoints.holding).requests()).toBe(1);

    // A claim whose dispatcher died: still `sending`, its lease run out. It is due again (the slot is taken, so it waits).
    const [pending] = await db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.subscriptionId, holding), eq(webhookDeliveries.state, 'pending')))
      .limit(1);
    await db.execute(sql`update webhook_deliveries set state = 'sending', attempts = 1, lease_until = now() - interval '1 minute' where id = ${pending!.id}`);
    await expect.poll(gauges, { timeout: 30_000, interval: 500 }).toEqual({ inFlight: 1, due: 2, held: 1, lapsed: 1 });

    // The endpoint answers: everything is delivered, the queue drains.
    holdRequests = false;
    (await endpoints.holding).release();
    await expect.poll(() => stateOf(holding), { timeout: 15_000, interval: 100 }).toEqual(['delivered', 'delivered', 'delivered']);
    await expect.poll(gauges, { timeout: 30_000, interval: 500 }).toEqual({ inFlight: 0, due: 0, held: 0, lapsed: 0 });
    const { text } = await dispatcher.scrape();
    expect(value(text, 'hotpath_webhook_deliveries_finished_total', { state: 'delivered' })).toBeGreaterThanOrEqual(4);
  });
});
